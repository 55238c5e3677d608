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
int kw_dataset(struct pctx *pc, char *v);
int kw_datarep(struct pctx *pc, char *v);
int kw_iprep(struct pctx *pc, char *v);
/* Appends a packet-level condition of type; NULL (pc failed) on error. */
struct rule_pkt_match *add_pkt(struct pctx *pc, uint8_t type);
/* Appends an item of type to list; its index, or -1 (pc failed). */
int item_add(struct pctx *pc, int list, uint8_t type);
int kw_sticky_buffer(struct pctx *pc, int buffer_id);
/* A sticky buffer that takes an argument (fix.tag:35). */
int kw_sticky_buffer_arg(struct pctx *pc, int buffer_id, uint32_t arg);
/* frame:<proto>.<name> or frame:<name> (rule_parse_frame.c). */
int kw_frame(struct pctx *pc, const char *value);
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

/* Header-level keywords (rule_parse_flow.c, rule_parse_packet.c). */
int kw_flow(struct pctx *pc, char *v);
int kw_flowbits(struct pctx *pc, char *v);
int kw_xbits(struct pctx *pc, char *v);
int kw_flowint(struct pctx *pc, char *v);
int kw_threshold(struct pctx *pc, char *v);
int kw_detection_filter(struct pctx *pc, char *v);
int kw_tag(struct pctx *pc, char *v);
int kw_dsize(struct pctx *pc, char *v);
int kw_ttl(struct pctx *pc, char *v);
int kw_id(struct pctx *pc, char *v);
int kw_seq(struct pctx *pc, char *v);
int kw_ack(struct pctx *pc, char *v);
int kw_window(struct pctx *pc, char *v);
int kw_itype(struct pctx *pc, char *v);
int kw_icode(struct pctx *pc, char *v);
int kw_icmp_id(struct pctx *pc, char *v);
int kw_icmp_seq(struct pctx *pc, char *v);
int kw_fragoffset(struct pctx *pc, char *v);
int kw_tos(struct pctx *pc, char *v);
int kw_ipopts(struct pctx *pc, char *v);
int kw_fragbits(struct pctx *pc, char *v);
int kw_flags(struct pctx *pc, char *v);
int kw_sameip(struct pctx *pc, char *v);
int kw_ip_proto(struct pctx *pc, char *v);
int kw_stream_size(struct pctx *pc, char *v);
int kw_tcp_mss(struct pctx *pc, char *v);
int kw_checksum(struct pctx *pc, char *v);
int kw_prefilter(struct pctx *pc, char *v);

#endif
