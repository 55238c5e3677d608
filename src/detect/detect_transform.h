/* SPDX-License-Identifier: Apache-2.0 */
/* Transforms with options and the ones Suricata 8/9 added (xor with a key
 * from the buffer, from_base64 with bytes/offset/mode, gunzip,
 * zlib_deflate, subslice, domain, tld): parsing of their values and their
 * application.
 * The simple transforms (to_lowercase, strip_whitespace, ...) stay in
 * detect_inspect.c; the rule parser and the inspector hand every transform
 * for which detect_transform_owns() is true to this module. */
#ifndef VIGIL_DETECT_TRANSFORM_H
#define VIGIL_DETECT_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rule.h"

struct detect_grow_buf;

/* Base64 alphabets' handling of other characters (from_base64's mode). */
enum detect_base64_mode {
    DETECT_BASE64_RFC4648 = 0, /* decoding stops at the first character outside the alphabet */
    DETECT_BASE64_RFC2045,     /* characters outside the alphabet are skipped */
    DETECT_BASE64_STRICT,      /* any character outside the alphabet fails the decoding */
};

/* Decodes base64 text into out (room for len / 4 * 3 + 3 bytes); a final
 * incomplete quantum of two or three characters gives its one or two bytes;
 * '=' ends the data. Returns the decoded length, 0 when nothing decodes or
 * (strict) the text is not pure base64. */
uint32_t detect_base64_decode(const uint8_t *in, uint32_t len, uint8_t *out, uint8_t mode);

/* Whether this module parses and applies the transform type. */
bool detect_transform_owns(uint8_t type);

/* Parses the value of an owned transform (value may be NULL: no value)
 * into t (t->type set by the caller). Returns 0, or -EINVAL with a message
 * naming the bad part in err. Owned memory goes to t->key. */
int detect_transform_parse(struct detect_transform *t, const char *value, char *err,
                           size_t errlen);

/* Applies an owned transform to in. Returns 0 with the result in out
 * (*out_len bytes), 1 when the buffer passes unchanged, -1 when the
 * transform failed (the buffer is not inspected at all, as Suricata's
 * transforms that can fail). */
int detect_transform_run(const struct detect_transform *t, const uint8_t *in, uint32_t len,
                         struct detect_grow_buf *out, uint32_t *out_len);

/* Whether a content (len bytes, as written: not nocase) can appear in the
 * output of the list's transforms: after to_lowercase no upper-case letter,
 * after to_uppercase no lower-case one, after strip_whitespace no
 * whitespace, after compress_whitespace no two whitespace bytes in a row
 * (as far as a later transform does not undo it). Returns NULL, or the
 * name of the transform the content is incompatible with. */
const char *detect_transforms_content_conflict(const struct rule_buffer_match *list,
                                               const uint8_t *content, uint32_t len);

#endif
