/* SPDX-License-Identifier: Apache-2.0 */
/* Packet keywords of the rule language (dsize, ttl, tos, ipopts, fragbits,
 * flags, seq, ack, window, icmp fields, ip_proto, stream_size, tcp.mss,
 * checksums, prefilter). Part of the rule parser (rule_parse.c has the
 * keyword table). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule_internal.h"
#include "detect/rule_parse_internal.h"

/* ---- packet keywords ---- */

struct rule_pkt_match *add_pkt(struct pctx *pc, uint8_t type)
{
    if (pc->r->npkt >= 64) {
        pctx_fail(pc, "too many packet keywords");
        return NULL;
    }
    struct rule_pkt_match *na = realloc(pc->r->pkt, (pc->r->npkt + 1) * sizeof(*na));
    if (!na) {
        pctx_fail(pc, "out of memory");
        return NULL;
    }
    pc->r->pkt = na;
    struct rule_pkt_match *m = &na[pc->r->npkt++];
    memset(m, 0, sizeof(*m));
    m->type = type;
    return m;
}

static int pkt_uint(struct pctx *pc, char *v, uint8_t type, uint64_t max)
{
    struct detect_uint u;
    if (detect_uint_parse(v, max, &u))
        return pctx_fail(pc,
                         "invalid value '%.40s' (a number up to %llu, optionally with "
                         "<, >, <=, >=, !, or a range a<>b)",
                         v, (unsigned long long)max);
    for (uint32_t i = 0; i < pc->r->npkt; i++)
        if (pc->r->pkt[i].type == type && type == RULE_PKT_DSIZE)
            return pctx_fail(pc, "dsize given twice");
    struct rule_pkt_match *m = add_pkt(pc, type);
    if (!m)
        return -EINVAL;
    m->num = u;
    return 0;
}

int kw_dsize(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_DSIZE, 65535);
}
int kw_ttl(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_TTL, 255);
}
int kw_id(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_ID, 65535);
}
int kw_seq(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_SEQ, UINT32_MAX);
}
int kw_ack(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_ACK, UINT32_MAX);
}
int kw_window(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_WINDOW, 65535);
}
int kw_itype(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_ITYPE, 255);
}
int kw_icode(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_ICODE, 255);
}
int kw_icmp_id(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_ICMP_ID, 65535);
}
int kw_icmp_seq(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_ICMP_SEQ, 65535);
}
int kw_fragoffset(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_FRAGOFFSET, 65535);
}

int kw_tos(struct pctx *pc, char *v)
{
    v = str_trim(v);
    bool neg = false;
    if (*v == '!') {
        neg = true;
        v = str_trim(v + 1);
    }
    uint64_t x;
    int rc;
    if (*v == 'x' || *v == 'X') {
        char *end;
        errno = 0;
        x = strtoull(v + 1, &end, 16);
        rc = (end == v + 1 || *end || errno || x > 255) ? -EINVAL : 0;
    } else {
        rc = parse_u64(v, 255, &x);
    }
    if (rc)
        return pctx_fail(pc, "invalid tos '%.40s' (0..255 or xHH)", v);
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_TOS);
    if (!m)
        return -EINVAL;
    m->num.mode = neg ? DETECT_UINT_NE : DETECT_UINT_EQ;
    m->num.a = x;
    return 0;
}

int kw_ipopts(struct pctx *pc, char *v)
{
    static const char *const names[] = {"rr",   "eol",  "nop",  "ts",    "sec",
                                        "esec", "lsrr", "ssrr", "satid", "any"};
    v = str_trim(v);
    for (uint8_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcmp(v, names[i])) {
            struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_IPOPTS);
            if (!m)
                return -EINVAL;
            m->bits = i;
            return 0;
        }
    }
    return pctx_fail(pc, "unknown ip option '%.40s'", v);
}

static int parse_bits_modifier(char **v, uint8_t *mod, bool allow_not)
{
    *mod = RULE_BITS_EXACT;
    if (**v == '+') {
        *mod = RULE_BITS_PLUS;
        (*v)++;
    } else if (**v == '*') {
        *mod = RULE_BITS_ANY;
        (*v)++;
    } else if (**v == '!' && allow_not) {
        *mod = RULE_BITS_NOT;
        (*v)++;
    }
    return 0;
}

int kw_fragbits(struct pctx *pc, char *v)
{
    v = str_trim(v);
    uint8_t mod;
    parse_bits_modifier(&v, &mod, true);
    uint8_t bits = 0;
    for (char *p = v; *p; p++) {
        switch (*p) {
        case 'M':
            bits |= RULE_FRAG_MF;
            break;
        case 'D':
            bits |= RULE_FRAG_DF;
            break;
        case 'R':
            bits |= RULE_FRAG_RB;
            break;
        case '+':
            if (!mod) {
                mod = RULE_BITS_PLUS;
                break;
            } /* fallthrough */
        case '*':
            if (!mod) {
                mod = RULE_BITS_ANY;
                break;
            } /* fallthrough */
        case '!':
            if (!mod) {
                mod = RULE_BITS_NOT;
                break;
            } /* fallthrough */
        default:
            return pctx_fail(pc, "invalid fragbits '%.40s' (M, D, R with +, * or !)", v);
        }
    }
    if (!bits)
        return pctx_fail(pc, "fragbits needs at least one of M, D, R");
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_FRAGBITS);
    if (!m)
        return -EINVAL;
    m->bits = bits;
    m->modifier = mod;
    return 0;
}

static int tcp_flag_bit(char c, uint8_t *bit)
{
    switch (c) {
    case 'F':
        *bit = RULE_TCP_FIN;
        return 0;
    case 'S':
        *bit = RULE_TCP_SYN;
        return 0;
    case 'R':
        *bit = RULE_TCP_RST;
        return 0;
    case 'P':
        *bit = RULE_TCP_PSH;
        return 0;
    case 'A':
        *bit = RULE_TCP_ACK;
        return 0;
    case 'U':
        *bit = RULE_TCP_URG;
        return 0;
    case 'C':
    case '1':
        *bit = RULE_TCP_CWR;
        return 0;
    case 'E':
    case '2':
        *bit = RULE_TCP_ECE;
        return 0;
    case '0':
        *bit = 0;
        return 0;
    }
    return -1;
}

int kw_flags(struct pctx *pc, char *v)
{
    char *c = strchr(v, ',');
    char *ign = NULL;
    if (c) {
        *c = '\0';
        ign = str_trim(c + 1);
    }
    v = str_trim(v);
    uint8_t mod = RULE_BITS_EXACT;
    uint8_t bits = 0;
    bool any = false;
    for (char *p = v; *p; p++) {
        uint8_t b;
        if (*p == '+' || *p == '*' || *p == '!') {
            if (mod != RULE_BITS_EXACT)
                return pctx_fail(pc, "more than one modifier in flags '%.40s'", v);
            mod = *p == '+' ? RULE_BITS_PLUS : *p == '*' ? RULE_BITS_ANY : RULE_BITS_NOT;
            continue;
        }
        if (tcp_flag_bit(*p, &b))
            return pctx_fail(pc, "invalid tcp flag '%c' in '%.40s'", *p, v);
        bits |= b;
        any = true;
    }
    if (!any)
        return pctx_fail(pc, "flags needs at least one flag");
    uint8_t ignore = 0;
    if (ign) {
        for (char *p = ign; *p; p++) {
            uint8_t b;
            if (tcp_flag_bit(*p, &b) || *p == '0')
                return pctx_fail(pc, "invalid tcp flag '%c' in ignore mask '%.40s'", *p, ign);
            ignore |= b;
        }
    }
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_FLAGS);
    if (!m)
        return -EINVAL;
    m->bits = bits;
    m->modifier = mod;
    m->ignore = ignore;
    return 0;
}

int kw_sameip(struct pctx *pc, char *v)
{
    return add_pkt(pc, RULE_PKT_SAMEIP) ? 0 : -EINVAL;
}

int kw_ip_proto(struct pctx *pc, char *v)
{
    v = str_trim(v);
    struct detect_uint u = {0};
    char *p = v;
    uint8_t mode = DETECT_UINT_EQ;
    if (*p == '!') {
        mode = DETECT_UINT_NE;
        p++;
    } else if (*p == '<') {
        mode = DETECT_UINT_LT;
        p++;
    } else if (*p == '>') {
        mode = DETECT_UINT_GT;
        p++;
    }
    p = str_trim(p);
    uint64_t x;
    if (parse_u64(p, 255, &x)) {
        static const struct {
            const char *n;
            uint8_t v;
        } names[] = {{"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17},       {"ipv6", 41},
                     {"gre", 47}, {"esp", 50}, {"ah", 51}, {"ipv6-icmp", 58}, {"sctp", 132}};
        bool ok = false;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (!strcasecmp(p, names[i].n)) {
                x = names[i].v;
                ok = true;
            }
        if (!ok || mode == DETECT_UINT_LT || mode == DETECT_UINT_GT)
            return pctx_fail(pc, "invalid ip_proto '%.40s'", v);
    }
    u.mode = mode;
    u.a = x;
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_IP_PROTO);
    if (!m)
        return -EINVAL;
    m->num = u;
    return 0;
}

int kw_stream_size(struct pctx *pc, char *v)
{
    char *tok[4];
    int n = split_commas(v, tok, 4);
    if (n != 3)
        return pctx_fail(pc, "stream_size needs 'side, operator, value'");
    static const char *const sides[] = {"server", "client", "both", "either"};
    int side = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(tok[0], sides[i]))
            side = i;
    if (side < 0)
        return pctx_fail(pc, "unknown stream_size side '%.40s'", tok[0]);
    static const struct {
        const char *s;
        uint8_t mode;
    } ops[] = {{"<", DETECT_UINT_LT},  {">", DETECT_UINT_GT},  {"=", DETECT_UINT_EQ},
               {"!=", DETECT_UINT_NE}, {"<=", DETECT_UINT_LE}, {">=", DETECT_UINT_GE}};
    int k = -1;
    for (int i = 0; i < 6; i++)
        if (!strcmp(tok[1], ops[i].s))
            k = i;
    if (k < 0)
        return pctx_fail(pc, "unknown stream_size operator '%.10s'", tok[1]);
    uint64_t x;
    if (parse_u64(tok[2], UINT32_MAX, &x))
        return pctx_fail(pc, "invalid stream_size value '%.40s'", tok[2]);
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_STREAM_SIZE);
    if (!m)
        return -EINVAL;
    m->modifier = (uint8_t)side;
    m->num.mode = ops[k].mode;
    m->num.a = x;
    return 0;
}

int kw_tcp_mss(struct pctx *pc, char *v)
{
    return pkt_uint(pc, v, RULE_PKT_TCP_MSS, 65535);
}

/* ipv4-csum:valid; tcpv4-csum:invalid; ... (the keyword selects the checksum) */
int kw_checksum(struct pctx *pc, char *v)
{
    static const char *const names[] = {"ipv4-csum",  "tcpv4-csum",  "tcpv6-csum",  "udpv4-csum",
                                        "udpv6-csum", "icmpv4-csum", "icmpv6-csum", "igmp-csum"};
    int which = -1;
    for (int i = 0; i < 8; i++)
        if (!strcmp(pc->kw, names[i]))
            which = i;
    v = str_trim(v);
    bool invalid;
    if (!strcmp(v, "valid"))
        invalid = false;
    else if (!strcmp(v, "invalid"))
        invalid = true;
    else
        return pctx_fail(pc, "checksum value must be valid or invalid, not '%.20s'", v);
    if (which < 0)
        return pctx_fail(pc, "unknown checksum keyword");
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_CHECKSUM);
    if (!m)
        return -EINVAL;
    m->modifier = (uint8_t)which;
    m->negated = invalid;
    return 0;
}

/* prefilter: Suricata's hint to prefilter on a non-content keyword. The
 * engine chooses its own prefilter, so it changes nothing here. */
int kw_prefilter(struct pctx *pc, char *v)
{
    return 0;
}
