/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's integer keyword syntax, for any keyword that compares a number
 * of the traffic (rules/integer-keywords in Suricata's manual), as a reusable
 * piece: every protocol keyword of the form `proto.field:<spec>;` parses its
 * value with detect_uint_parse_ex() and matches with detect_uint_match().
 *
 *   19  =19  0x13  1kb       equality (units kb/kib, mb/mib, gb/gib)
 *   !19  !=19                inequality
 *   <19 <=19 >19 >=19        comparisons (strict ones that can never match
 *                            are rejected: <0, >max)
 *   19-22  19<>22            exclusive range; !19-22 its negation
 *   &0xc0=0x80  &0xc0!=0     bitmask compared to a value
 *   name  !name              an enumeration value (spec->names, ENUM)
 *   a,b,!c                   named bits that must be set / clear (FLAGS)
 *
 * Multi-integers (a keyword whose transaction holds several values, e.g.
 * mqtt.type over the messages of a transaction) add an index after a comma:
 *   value[,any|all|all_or_absent|or_absent|nb<spec>|N|-N|oob_or N|A:B]
 * and the counting form `count <spec>`. */
#ifndef VIGIL_DETECT_UINT_H
#define VIGIL_DETECT_UINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rule.h"

/* A named value: an enumeration member or a flag bit. */
struct detect_uint_name {
    const char *name;
    uint64_t value;
};

enum detect_uint_names_kind {
    DETECT_UINT_NAMES_NONE = 0,
    DETECT_UINT_NAMES_ENUM,  /* "name" is equality, "!name" inequality */
    DETECT_UINT_NAMES_FLAGS, /* "a,!b": a set and b clear */
};

struct detect_uint_spec {
    uint64_t max;                         /* largest value of the field (0xff, 0xffff, ...) */
    const struct detect_uint_name *names; /* may be NULL */
    uint8_t names_kind;                   /* enum detect_uint_names_kind */
    bool names_nocase;                    /* names compare case-insensitively */
};

/* Parses text (whitespace around is ignored) into out. Returns 0, or
 * -EINVAL with a reason in err. */
int detect_uint_parse_ex(const char *text, const struct detect_uint_spec *spec,
                         struct detect_uint *out, char *err, size_t errlen);

enum detect_uint_index_mode {
    DETECT_UINT_INDEX_ANY = 0,
    DETECT_UINT_INDEX_ALL,           /* every value matches, at least one */
    DETECT_UINT_INDEX_ALL_OR_ABSENT, /* every value matches, or none exist */
    DETECT_UINT_INDEX_OR_ABSENT,     /* any value matches, or none exist */
    DETECT_UINT_INDEX_NB,            /* the number of matching values matches nb */
    DETECT_UINT_INDEX_AT,            /* the value at index (negative: from the end) */
    DETECT_UINT_INDEX_OOB_OR,        /* the value at index, or index out of bounds */
    DETECT_UINT_INDEX_SLICE,         /* any value of the subslice [index, end) */
    DETECT_UINT_INDEX_COUNT,         /* the number of values matches nb */
};

struct detect_uint_multi {
    struct detect_uint value;
    uint8_t mode; /* enum detect_uint_index_mode */
    int32_t index, end;
    struct detect_uint nb;
};

/* Parses a multi-integer value (see above). Returns 0 or -EINVAL. */
int detect_uint_multi_parse(const char *text, const struct detect_uint_spec *spec,
                            struct detect_uint_multi *out, char *err, size_t errlen);
/* Whether the keyword needs the transaction's final list (all, nb, count,
 * negative indexes): such keywords are decided when the transaction is
 * complete in the inspected direction. */
bool detect_uint_multi_needs_all(const struct detect_uint_multi *m);
/* Matches the n values (in transaction order). */
bool detect_uint_multi_match(const struct detect_uint_multi *m, const uint64_t *values,
                             uint32_t n);

#endif
