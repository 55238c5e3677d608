/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the rule parser (rule_parse.c, rule_parse_payload.c). */
#ifndef VIGIL_DETECT_RULE_PARSE_INTERNAL_H
#define VIGIL_DETECT_RULE_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/rule_internal.h"

struct pctx {
    struct rule_set *rs;
    struct rule *r;
    struct rule_error *e;
    const char *kw; /* keyword being parsed */
    bool failed;
    bool have_sid, have_priority, have_fast_pattern;
    int cur_list;          /* index in r->buffers of the sticky buffer, -1 = payload */
    bool cur_list_fresh;   /* sticky buffer just selected, nothing added yet */
    int last_content_list; /* last content: list index and item index */
    uint32_t last_content_item;
    uint32_t nopts;
};

int pctx_fail(struct pctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pctx_fail_reason(struct pctx *pc, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *pctx_unquote(struct pctx *pc, const char *v);
char *str_trim(char *s);
int split_commas(char *s, char **tok, int max);
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_u64(const char *s, uint64_t max, uint64_t *out);

int kw_content(struct pctx *pc, char *v);
int kw_uricontent(struct pctx *pc, char *v);
int kw_nocase(struct pctx *pc, char *v);
int kw_depth(struct pctx *pc, char *v);
int kw_offset(struct pctx *pc, char *v);
int kw_distance(struct pctx *pc, char *v);
int kw_within(struct pctx *pc, char *v);
int kw_startswith(struct pctx *pc, char *v);
int kw_endswith(struct pctx *pc, char *v);
int kw_rawbytes(struct pctx *pc, char *v);
int kw_fast_pattern(struct pctx *pc, char *v);
int kw_bsize(struct pctx *pc, char *v);
int kw_urilen(struct pctx *pc, char *v);
int kw_pcre(struct pctx *pc, char *v);
int kw_byte_test(struct pctx *pc, char *v);
int kw_byte_jump(struct pctx *pc, char *v);
int kw_byte_extract(struct pctx *pc, char *v);
int kw_byte_math(struct pctx *pc, char *v);
int kw_isdataat(struct pctx *pc, char *v);
int kw_base64_decode(struct pctx *pc, char *v);
int kw_pkt_data(struct pctx *pc, char *v);
int kw_sticky_buffer(struct pctx *pc, int buffer_id);
int kw_content_modifier(struct pctx *pc, int buffer_id);
int kw_transform(struct pctx *pc, int type, char *v);
/* enum detect_transform_type, or -1 */
int detect_transform_lookup(const char *name);
/* Transform names by index (NULL for a gap), for keyword listings. */
const char *detect_transform_name(size_t i);
size_t detect_transform_name_count(void);
/* Whole-rule checks of payload keywords (bsize vs content lengths, ...). */
int payload_check_rule(struct pctx *pc);
void buffer_match_free(struct rule_buffer_match *bm);




#endif
