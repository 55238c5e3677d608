/* SPDX-License-Identifier: Apache-2.0 */
/* DNS over UDP and TCP (RFC 1035; TCP framing RFC 7766).
 *
 * Every DNS message is one transaction, as in Suricata 7/8: a request and its
 * response are two transactions. A message is parsed completely when it
 * arrives (names decompressed into a per-transaction arena), logged as one EVE
 * "dns" event in Suricata 8's version 3 format, and kept for detection until
 * the next parse call of the flow (the sensor runs detection after each call).
 *
 * Limits: names are cut at DNS_NAME_MAX characters (name_too_long), at most
 * DNS_LABELS_MAX labels (too_many_labels) and DNS_JUMPS_MAX compression
 * pointers (infinite_loop) per name; the decompressed text of one message is
 * bounded by DNS_ARENA_MAX and its records by DNS_RR_MAX, so a compression
 * bomb costs bounded memory and time. TCP messages are buffered up to their
 * 16-bit length; every byte kept is accounted with app_memory_reserve. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_dns.h"
#include "app/app_parser.h"
#include "flow/flow.h"
#include "util/json.h"

enum dns_type {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_NULL = 10,
    DNS_TYPE_PTR = 12,
    DNS_TYPE_MX = 15,
    DNS_TYPE_TXT = 16,
    DNS_TYPE_AAAA = 28,
    DNS_TYPE_SRV = 33,
    DNS_TYPE_SSHFP = 44,
};

extern const struct app_parser app_parser_mdns;

#define DNS_HEADER_LEN 12
/* Arena text at an offset; an empty arena (all names empty) is NULL. */
#define DNS_ARENA(tx, off) ((tx)->arena ? (tx)->arena + (off) : "")
#define DNS_NAME_MAX 1025
#define DNS_LABELS_MAX 255
#define DNS_JUMPS_MAX 128
#define DNS_ARENA_MAX (256u * 1024)
#define DNS_RR_MAX 2048

enum dns_section { DNS_SEC_QUERY = 0, DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL };

enum dns_rdata_kind {
    DNS_RDATA_NONE = 0,
    DNS_RDATA_ADDR,  /* rdata: 4 or 16 address bytes */
    DNS_RDATA_TEXT,  /* rdata: text (names, one TXT string, NULL data) */
    DNS_RDATA_SOA,   /* rdata: mname, rdata2: rname, num[0..4] */
    DNS_RDATA_SRV,   /* num[0..2] priority weight port, rdata: target */
    DNS_RDATA_SSHFP, /* num[0..1] algo type, rdata: fingerprint bytes */
};

struct dns_rr {
    uint32_t name, rdata, rdata2; /* arena offsets */
    uint16_t name_len, rdata_len, rdata2_len;
    uint16_t type;
    uint32_t ttl;
    uint32_t num[5];
    uint8_t section; /* enum dns_section */
    uint8_t kind;    /* enum dns_rdata_kind */
};

/* Event bits (names in dns_event_names). */
enum dns_event {
    DNS_EV_MALFORMED_DATA = 0,
    DNS_EV_NOT_A_REQUEST,
    DNS_EV_NOT_A_RESPONSE,
    DNS_EV_Z_FLAG_SET,
    DNS_EV_INVALID_OPCODE,
    DNS_EV_NAME_TOO_LONG,
    DNS_EV_INFINITE_LOOP,
    DNS_EV_TOO_MANY_LABELS,
    DNS_EV_INVALID_ADDITIONALS,
    DNS_EV_INVALID_AUTHORITIES,
    DNS_EV_TOO_MANY_RECORDS,
    DNS_EV_COUNT,
};
static const char *const dns_event_names[DNS_EV_COUNT + 1] = {
    "malformed_data",      "not_a_request",       "not_a_response",   "z_flag_set",
    "invalid_opcode",      "name_too_long",       "infinite_loop",    "too_many_labels",
    "invalid_additionals", "invalid_authorities", "too_many_records",
};

struct dns_tx {
    struct app_tx base;
    struct dns_tx *next;
    uint16_t id, flags;
    uint8_t direction;
    uint8_t opcode, rcode;
    uint32_t events;
    uint32_t rr_count;
    struct dns_rr *rrs; /* owned */
    char *arena;        /* owned */
    uint32_t arena_len;
    size_t mem; /* bytes accounted to the memcap */
};

struct dns_state {
    struct app_layer_thread_ctx *thread;
    bool tcp;
    bool mdns;      /* multicast DNS (5353): Suricata 8's "mdns" records */
    uint16_t proto; /* APP_PROTO_DNS or APP_PROTO_MDNS */
    bool tx_limit_reported;
    uint16_t proto_for_log; /* APP_PROTO_DNS */
    struct dns_tx *head, *tail;
    uint32_t tx_count;
    uint64_t next_tx_id;
    /* EVE options (copied from the configuration). */
    uint8_t log_version;
    bool log_requests, log_responses, log_detailed, log_grouped;
    uint16_t log_types[16];
    uint8_t log_type_count;
    /* TCP: partial message per direction (length prefix included). */
    uint8_t *buf[2];
    uint32_t buf_len[2], buf_need[2], buf_cap[2];
};

/* ---------- message parsing ---------- */

struct dns_parse {
    const uint8_t *msg;
    uint32_t len;
    struct dns_tx *tx;
    uint32_t arena_cap, rr_cap;
    bool arena_full;
};

static bool dns_arena_append(struct dns_parse *p, const void *data, uint32_t n)
{
    struct dns_tx *tx = p->tx;
    if (n == 0)
        return true;
    if (tx->arena_len + n > DNS_ARENA_MAX) {
        p->arena_full = true;
        return false;
    }
    if (tx->arena_len + n > p->arena_cap) {
        uint32_t cap = p->arena_cap ? p->arena_cap : 256;
        while (cap < tx->arena_len + n)
            cap *= 2;
        if (cap > DNS_ARENA_MAX)
            cap = DNS_ARENA_MAX;
        char *a = realloc(tx->arena, cap);
        if (!a)
            return false;
        tx->arena = a;
        p->arena_cap = cap;
    }
    memcpy(tx->arena + tx->arena_len, data, n);
    tx->arena_len += n;
    return true;
}

/* Reads a possibly compressed name at *pos into the arena (labels joined by
 * '.', the root as ""). Advances *pos past the name as stored at *pos.
 * Returns 0, or -EINVAL if the name is not decodable (malformed, loop). */
static int dns_name_read(struct dns_parse *p, uint32_t *pos, uint32_t *out_off, uint16_t *out_len)
{
    char name[DNS_NAME_MAX];
    uint32_t nlen = 0, labels = 0, jumps = 0;
    uint32_t at = *pos;
    bool jumped = false, truncated = false;

    for (;;) {
        if (at >= p->len)
            return -EINVAL;
        uint8_t b = p->msg[at];
        if ((b & 0xc0) == 0xc0) {
            if (at + 1 >= p->len)
                return -EINVAL;
            uint32_t target = ((uint32_t)(b & 0x3f) << 8) | p->msg[at + 1];
            if (!jumped)
                *pos = at + 2;
            jumped = true;
            if (++jumps > DNS_JUMPS_MAX || target >= p->len) {
                if (jumps > DNS_JUMPS_MAX)
                    p->tx->events |= 1u << DNS_EV_INFINITE_LOOP;
                return -EINVAL;
            }
            at = target;
            continue;
        }
        if (b & 0xc0)
            return -EINVAL; /* 0x40/0x80: extended label types, obsolete */
        if (b == 0) {
            if (!jumped)
                *pos = at + 1;
            break;
        }
        if (at + 1 + b > p->len)
            return -EINVAL;
        if (++labels > DNS_LABELS_MAX) {
            p->tx->events |= 1u << DNS_EV_TOO_MANY_LABELS;
            return -EINVAL;
        }
        uint32_t need = (nlen ? 1u : 0u) + b;
        if (!truncated && nlen + need <= DNS_NAME_MAX) {
            if (nlen)
                name[nlen++] = '.';
            memcpy(name + nlen, p->msg + at + 1, b);
            nlen += b;
        } else if (!truncated) {
            truncated = true;
            p->tx->events |= 1u << DNS_EV_NAME_TOO_LONG;
        }
        at += 1u + b;
    }
    *out_off = p->tx->arena_len;
    *out_len = (uint16_t)nlen;
    if (nlen && !dns_arena_append(p, name, nlen))
        return -ENOMEM;
    return 0;
}

static struct dns_rr *dns_rr_add(struct dns_parse *p)
{
    struct dns_tx *tx = p->tx;
    if (tx->rr_count >= DNS_RR_MAX) {
        tx->events |= 1u << DNS_EV_TOO_MANY_RECORDS;
        return NULL;
    }
    if (tx->rr_count == p->rr_cap) {
        uint32_t cap = p->rr_cap ? p->rr_cap * 2 : 8;
        struct dns_rr *r = realloc(tx->rrs, cap * sizeof(*r));
        if (!r)
            return NULL;
        tx->rrs = r;
        p->rr_cap = cap;
    }
    struct dns_rr *rr = &tx->rrs[tx->rr_count++];
    memset(rr, 0, sizeof(*rr));
    return rr;
}

static uint16_t dns_u16(const uint8_t *b)
{
    return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t dns_u32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Decodes the rdata of rr (rdlen bytes at off) into the arena. Records whose
 * rdata does not decode keep their owner, type and ttl (logged without
 * rdata), as Suricata does. Returns -ENOMEM/-E2BIG only for limits. */
static int dns_rdata_read(struct dns_parse *p, struct dns_rr *rr, uint32_t off, uint16_t rdlen)
{
    const uint8_t *d = p->msg + off;
    uint32_t end = off + rdlen, pos;
    switch (rr->type) {
    case DNS_TYPE_A:
    case DNS_TYPE_AAAA:
        if (rdlen != (rr->type == DNS_TYPE_A ? 4 : 16))
            return 0;
        rr->kind = DNS_RDATA_ADDR;
        rr->rdata = p->tx->arena_len;
        rr->rdata_len = rdlen;
        return dns_arena_append(p, d, rdlen) ? 0 : -ENOMEM;
    case DNS_TYPE_CNAME:
    case DNS_TYPE_NS:
    case DNS_TYPE_PTR:
    case DNS_TYPE_MX:
        if (rdlen == 0)
            return 0;
        pos = off + (rr->type == DNS_TYPE_MX ? 2u : 0u);
        if (pos >= end)
            return 0;
        if (dns_name_read(p, &pos, &rr->rdata, &rr->rdata_len) == 0)
            rr->kind = DNS_RDATA_TEXT;
        return p->arena_full ? -E2BIG : 0;
    case DNS_TYPE_NULL:
        rr->kind = DNS_RDATA_TEXT;
        rr->rdata = p->tx->arena_len;
        rr->rdata_len = rdlen;
        return dns_arena_append(p, d, rdlen) ? 0 : -ENOMEM;
    case DNS_TYPE_SOA:
        pos = off;
        if (rdlen == 0 || dns_name_read(p, &pos, &rr->rdata, &rr->rdata_len) != 0 ||
            dns_name_read(p, &pos, &rr->rdata2, &rr->rdata2_len) != 0 || pos + 20 > end)
            return p->arena_full ? -E2BIG : 0;
        for (int i = 0; i < 5; i++)
            rr->num[i] = dns_u32(p->msg + pos + 4 * i);
        rr->kind = DNS_RDATA_SOA;
        return 0;
    case DNS_TYPE_SRV:
        if (rdlen < 7)
            return 0;
        pos = off + 6;
        if (dns_name_read(p, &pos, &rr->rdata, &rr->rdata_len) != 0)
            return p->arena_full ? -E2BIG : 0;
        rr->num[0] = dns_u16(d);
        rr->num[1] = dns_u16(d + 2);
        rr->num[2] = dns_u16(d + 4);
        rr->kind = DNS_RDATA_SRV;
        return 0;
    case DNS_TYPE_SSHFP:
        if (rdlen < 2)
            return 0;
        rr->num[0] = d[0];
        rr->num[1] = d[1];
        rr->kind = DNS_RDATA_SSHFP;
        rr->rdata = p->tx->arena_len;
        rr->rdata_len = (uint16_t)(rdlen - 2);
        return dns_arena_append(p, d + 2, rdlen - 2u) ? 0 : -ENOMEM;
    default:
        return 0;
    }
}

/* Parses count resource records of a section at *pos. TXT records become one
 * entry per character-string (as Suricata logs them). Returns 0 or -EINVAL. */
static int dns_section_read(struct dns_parse *p, uint32_t *pos, uint16_t count, uint8_t section)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t name_off;
        uint16_t name_len;
        if (dns_name_read(p, pos, &name_off, &name_len) != 0)
            return -EINVAL;
        if (*pos + 10 > p->len)
            return -EINVAL;
        const uint8_t *h = p->msg + *pos;
        uint16_t type = dns_u16(h);
        uint32_t ttl = dns_u32(h + 4);
        uint16_t rdlen = dns_u16(h + 8);
        uint32_t rdoff = *pos + 10;
        if (rdoff + rdlen > p->len)
            return -EINVAL;
        *pos = rdoff + rdlen;
        if (type == DNS_TYPE_TXT && rdlen > 0) {
            uint32_t t = rdoff, end = rdoff + rdlen;
            while (t < end) {
                uint8_t sl = p->msg[t];
                if (t + 1 + sl > end)
                    break;
                struct dns_rr *rr = dns_rr_add(p);
                if (!rr)
                    return -E2BIG;
                rr->name = name_off;
                rr->name_len = name_len;
                rr->type = type;
                rr->ttl = ttl;
                rr->section = section;
                rr->kind = DNS_RDATA_TEXT;
                rr->rdata = p->tx->arena_len;
                rr->rdata_len = sl;
                if (!dns_arena_append(p, p->msg + t + 1, sl))
                    return -E2BIG;
                t += 1u + sl;
            }
            continue;
        }
        struct dns_rr *rr = dns_rr_add(p);
        if (!rr)
            return -E2BIG;
        rr->name = name_off;
        rr->name_len = name_len;
        rr->type = type;
        rr->ttl = ttl;
        rr->section = section;
        int rc = dns_rdata_read(p, rr, rdoff, rdlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Checks the header and question section only: used by the probes. */
static bool dns_message_plausible(const uint8_t *msg, uint32_t len, bool *complete)
{
    *complete = false;
    if (len < DNS_HEADER_LEN)
        return true; /* undecided */
    uint16_t flags = dns_u16(msg + 2);
    uint16_t qd = dns_u16(msg + 4), an = dns_u16(msg + 6), ns = dns_u16(msg + 8),
             ar = dns_u16(msg + 10);
    uint8_t opcode = (flags >> 11) & 0xf;
    if (opcode > 6 || opcode == 3)
        return false;
    if (qd == 0 && !(flags & 0x8000) && opcode != 5 && opcode != 4)
        return false;
    if (qd > 64 || (uint32_t)an + ns + ar > 8192)
        return false;
    uint32_t pos = DNS_HEADER_LEN;
    for (uint32_t q = 0; q < qd; q++) {
        uint32_t labels = 0;
        for (;;) {
            if (pos >= len)
                return true; /* need more */
            uint8_t b = msg[pos];
            if ((b & 0xc0) == 0xc0) {
                if (pos + 1 >= len)
                    return true;
                uint32_t target = ((uint32_t)(b & 0x3f) << 8) | msg[pos + 1];
                if (target >= pos || target < DNS_HEADER_LEN)
                    return false;
                pos += 2;
                break;
            }
            if (b & 0xc0)
                return false;
            if (b == 0) {
                pos++;
                break;
            }
            if (++labels > 127)
                return false;
            pos += 1u + b;
        }
        if (pos + 4 > len)
            return true;
        uint16_t qclass = dns_u16(msg + pos + 2);
        /* IN, CH, HS, NONE, ANY; mDNS sets the top (unicast-response) bit. */
        uint16_t c = qclass & 0x7fff;
        if (c != 1 && c != 3 && c != 4 && c != 254 && c != 255)
            return false;
        pos += 4;
    }
    *complete = true;
    return true;
}

static void dns_tx_free(struct dns_state *s, struct dns_tx *tx)
{
    app_thread_memory_release(s->thread, tx->mem);
    free(tx->rrs);
    free(tx->arena);
    free(tx);
}

/* Builds a transaction from one complete message. NULL if the message is
 * not decodable (header, question or answer section broken) or the memcap is
 * reached; *events then says why. The caller owns the tx. */
static struct dns_tx *dns_message_parse(struct dns_state *s, struct app_parse_ctx *ctx,
                                        const uint8_t *msg, uint32_t len, uint8_t direction,
                                        uint32_t *events)
{
    *events = 0;
    if (len < DNS_HEADER_LEN) {
        *events = 1u << DNS_EV_MALFORMED_DATA;
        return NULL;
    }
    struct dns_tx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return NULL;
    struct dns_parse p = {.msg = msg, .len = len, .tx = tx};
    tx->base.parser = s->mdns  ? &app_parser_mdns
                      : s->tcp ? &app_parser_dns_tcp
                               : &app_parser_dns_udp;
    tx->id = dns_u16(msg);
    tx->flags = dns_u16(msg + 2);
    tx->direction = direction;
    tx->opcode = (tx->flags >> 11) & 0xf;
    tx->rcode = tx->flags & 0xf;
    uint16_t qd = dns_u16(msg + 4), an = dns_u16(msg + 6), ns = dns_u16(msg + 8),
             ar = dns_u16(msg + 10);
    bool is_response = (tx->flags & 0x8000) != 0;
    if (tx->flags & 0x0040)
        tx->events |= 1u << DNS_EV_Z_FLAG_SET;
    if (tx->opcode > 6 || tx->opcode == 3)
        tx->events |= 1u << DNS_EV_INVALID_OPCODE;
    /* mDNS answers and queries go both ways (multicast): no direction events. */
    if (!s->mdns && direction == 0 && is_response)
        tx->events |= 1u << DNS_EV_NOT_A_REQUEST;
    if (!s->mdns && direction == 1 && !is_response)
        tx->events |= 1u << DNS_EV_NOT_A_RESPONSE;

    uint32_t pos = DNS_HEADER_LEN;
    bool ok = true;
    for (uint32_t q = 0; q < qd && ok; q++) {
        uint32_t off;
        uint16_t nl;
        if (dns_name_read(&p, &pos, &off, &nl) != 0 || pos + 4 > len) {
            ok = false;
            break;
        }
        struct dns_rr *rr = dns_rr_add(&p);
        if (!rr) {
            ok = false;
            break;
        }
        rr->name = off;
        rr->name_len = nl;
        rr->type = dns_u16(msg + pos);
        rr->section = DNS_SEC_QUERY;
        pos += 4;
    }
    if (ok && dns_section_read(&p, &pos, an, DNS_SEC_ANSWER) != 0)
        ok = false;
    if (ok && dns_section_read(&p, &pos, ns, DNS_SEC_AUTHORITY) != 0) {
        tx->events |= 1u << DNS_EV_INVALID_AUTHORITIES;
    } else if (ok && dns_section_read(&p, &pos, ar, DNS_SEC_ADDITIONAL) != 0) {
        tx->events |= 1u << DNS_EV_INVALID_ADDITIONALS;
    }
    if (!ok) {
        *events = tx->events | (1u << DNS_EV_MALFORMED_DATA);
        free(tx->rrs);
        free(tx->arena);
        free(tx);
        return NULL;
    }
    tx->mem = sizeof(*tx) + (size_t)p.rr_cap * sizeof(struct dns_rr) + p.arena_cap;
    if (!app_memory_reserve(ctx, tx->mem)) {
        free(tx->rrs);
        free(tx->arena);
        free(tx);
        return NULL;
    }
    *events = tx->events;
    return tx;
}

/* ---------- EVE ---------- */

static const char *dns_type_name(uint16_t t, char *buf, size_t n)
{
    switch (t) {
    case 1:
        return "A";
    case 2:
        return "NS";
    case 3:
        return "MD";
    case 4:
        return "MF";
    case 5:
        return "CNAME";
    case 6:
        return "SOA";
    case 7:
        return "MB";
    case 8:
        return "MG";
    case 9:
        return "MR";
    case 10:
        return "NULL";
    case 11:
        return "WKS";
    case 12:
        return "PTR";
    case 13:
        return "HINFO";
    case 14:
        return "MINFO";
    case 15:
        return "MX";
    case 16:
        return "TXT";
    case 17:
        return "RP";
    case 18:
        return "AFSDB";
    case 19:
        return "X25";
    case 20:
        return "ISDN";
    case 21:
        return "RT";
    case 22:
        return "NSAP";
    case 23:
        return "NSAPPTR";
    case 24:
        return "SIG";
    case 25:
        return "KEY";
    case 26:
        return "PX";
    case 27:
        return "GPOS";
    case 28:
        return "AAAA";
    case 29:
        return "LOC";
    case 30:
        return "NXT";
    case 33:
        return "SRV";
    case 34:
        return "ATMA";
    case 35:
        return "NAPTR";
    case 36:
        return "KX";
    case 37:
        return "CERT";
    case 38:
        return "A6";
    case 39:
        return "DNAME";
    case 41:
        return "OPT";
    case 42:
        return "APL";
    case 43:
        return "DS";
    case 44:
        return "SSHFP";
    case 45:
        return "IPSECKEY";
    case 46:
        return "RRSIG";
    case 47:
        return "NSEC";
    case 48:
        return "DNSKEY";
    case 49:
        return "DHCID";
    case 50:
        return "NSEC3";
    case 51:
        return "NSEC3PARAM";
    case 52:
        return "TLSA";
    case 55:
        return "HIP";
    case 59:
        return "CDS";
    case 60:
        return "CDNSKEY";
    case 64:
        return "SVCB";
    case 65:
        return "HTTPS";
    case 99:
        return "SPF";
    case 249:
        return "TKEY";
    case 250:
        return "TSIG";
    case 253:
        return "MAILB";
    case 254:
        return "MAILA";
    case 255:
        return "ANY";
    case 256:
        return "URI";
    case 257:
        return "CAA";
    default:
        snprintf(buf, n, "%u", t);
        return buf;
    }
}

static const char *dns_rcode_name(uint8_t rc, char *buf, size_t n)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rc < sizeof(names) / sizeof(names[0]))
        return names[rc];
    snprintf(buf, n, "%u", rc);
    return buf;
}

static void dns_write_addr(struct json_writer *w, const uint8_t *a, uint16_t len)
{
    char s[64];
    if (len == 4)
        snprintf(s, sizeof(s), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    else {
        /* Suricata writes AAAA rdata uncompressed, 4 hex digits per group. */
        int o = 0;
        for (int i = 0; i < 16; i += 2)
            o += snprintf(s + o, sizeof(s) - (size_t)o, "%s%02x%02x", i ? ":" : "", a[i], a[i + 1]);
    }
    json_write_string(w, s);
}

static void dns_write_sshfp(const struct dns_tx *tx, const struct dns_rr *rr, struct json_writer *w)
{
    json_object_begin(w);
    char hex[3 * 64 + 1];
    size_t o = 0;
    for (uint16_t i = 0; i < rr->rdata_len && o + 3 < sizeof(hex); i++)
        o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02x", i ? ":" : "",
                              (uint8_t)DNS_ARENA(tx, rr->rdata)[i]);
    hex[o] = 0;
    json_key_string(w, "fingerprint", hex);
    json_key_u64(w, "algo", rr->num[0]);
    json_key_u64(w, "type", rr->num[1]);
    json_object_end(w);
}

static void dns_write_soa(const struct dns_tx *tx, const struct dns_rr *rr, struct json_writer *w)
{
    json_object_begin(w);
    json_key_string_len(w, "mname", DNS_ARENA(tx, rr->rdata), rr->rdata_len);
    json_key_string_len(w, "rname", DNS_ARENA(tx, rr->rdata2), rr->rdata2_len);
    json_key_u64(w, "serial", rr->num[0]);
    json_key_u64(w, "refresh", rr->num[1]);
    json_key_u64(w, "retry", rr->num[2]);
    json_key_u64(w, "expire", rr->num[3]);
    json_key_u64(w, "minimum", rr->num[4]);
    json_object_end(w);
}

static void dns_write_srv(const struct dns_tx *tx, const struct dns_rr *rr, struct json_writer *w)
{
    json_object_begin(w);
    json_key_u64(w, "priority", rr->num[0]);
    json_key_u64(w, "weight", rr->num[1]);
    json_key_u64(w, "port", rr->num[2]);
    json_key_string_len(w, "name", DNS_ARENA(tx, rr->rdata), rr->rdata_len);
    json_object_end(w);
}

/* Writes the rdata member(s) of one record (nothing for types without). */
static void dns_write_rdata(const struct dns_tx *tx, const struct dns_rr *rr, struct json_writer *w)
{
    switch (rr->kind) {
    case DNS_RDATA_ADDR:
        json_key(w, "rdata");
        dns_write_addr(w, (const uint8_t *)DNS_ARENA(tx, rr->rdata), rr->rdata_len);
        break;
    case DNS_RDATA_TEXT:
        json_key_string_len(w, "rdata", DNS_ARENA(tx, rr->rdata), rr->rdata_len);
        break;
    case DNS_RDATA_SOA:
        json_key(w, "soa");
        dns_write_soa(tx, rr, w);
        break;
    case DNS_RDATA_SRV:
        json_key(w, "srv");
        dns_write_srv(tx, rr, w);
        break;
    case DNS_RDATA_SSHFP:
        json_key(w, "sshfp");
        dns_write_sshfp(tx, rr, w);
        break;
    default:
        break;
    }
}

static void dns_write_rr(const struct dns_tx *tx, const struct dns_rr *rr, struct json_writer *w)
{
    char tb[8];
    json_object_begin(w);
    json_key_string_len(w, "rrname", DNS_ARENA(tx, rr->name), rr->name_len);
    json_key_string(w, "rrtype", dns_type_name(rr->type, tb, sizeof(tb)));
    json_key_u64(w, "ttl", rr->ttl);
    dns_write_rdata(tx, rr, w);
    json_object_end(w);
}

static void dns_write_section(const struct dns_tx *tx, struct json_writer *w, const char *key,
                              uint8_t section)
{
    bool open = false;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != section)
            continue;
        if (!open) {
            json_key_array_begin(w, key);
            open = true;
        }
        dns_write_rr(tx, rr, w);
    }
    if (open)
        json_array_end(w);
}

/* "grouped": answers' rdata by type, types in order of first appearance. */
static void dns_write_grouped(const struct dns_tx *tx, struct json_writer *w)
{
    uint16_t types[32];
    uint32_t ntypes = 0;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != DNS_SEC_ANSWER || rr->kind == DNS_RDATA_NONE)
            continue;
        bool seen = false;
        for (uint32_t t = 0; t < ntypes; t++)
            seen |= types[t] == rr->type;
        if (!seen && ntypes < 32)
            types[ntypes++] = rr->type;
    }
    if (ntypes == 0)
        return;
    json_key_object_begin(w, "grouped");
    for (uint32_t t = 0; t < ntypes; t++) {
        char tb[8];
        json_key_array_begin(w, dns_type_name(types[t], tb, sizeof(tb)));
        for (uint32_t i = 0; i < tx->rr_count; i++) {
            const struct dns_rr *rr = &tx->rrs[i];
            if (rr->section != DNS_SEC_ANSWER || rr->type != types[t])
                continue;
            switch (rr->kind) {
            case DNS_RDATA_ADDR:
                dns_write_addr(w, (const uint8_t *)DNS_ARENA(tx, rr->rdata), rr->rdata_len);
                break;
            case DNS_RDATA_TEXT:
                json_write_string_len(w, DNS_ARENA(tx, rr->rdata), rr->rdata_len);
                break;
            case DNS_RDATA_SOA:
                dns_write_soa(tx, rr, w);
                break;
            case DNS_RDATA_SRV:
                dns_write_srv(tx, rr, w);
                break;
            case DNS_RDATA_SSHFP:
                dns_write_sshfp(tx, rr, w);
                break;
            default:
                break;
            }
        }
        json_array_end(w);
    }
    json_object_end(w);
}

/* The "dns" object body (Suricata 8, version 3). */
static void dns_write_object(const struct dns_tx *tx, struct json_writer *w, bool detailed,
                             bool grouped)
{
    char b[16];
    bool response = (tx->flags & 0x8000) != 0;
    json_key_u64(w, "version", 3);
    json_key_string(w, "type", response ? "response" : "request");
    json_key_u64(w, "tx_id", tx->base.id);
    json_key_u64(w, "id", tx->id);
    snprintf(b, sizeof(b), "%x", tx->flags);
    json_key_string(w, "flags", b);
    if (tx->flags & 0x8000)
        json_key_bool(w, "qr", true);
    if (tx->flags & 0x0400)
        json_key_bool(w, "aa", true);
    if (tx->flags & 0x0200)
        json_key_bool(w, "tc", true);
    if (tx->flags & 0x0100)
        json_key_bool(w, "rd", true);
    if (tx->flags & 0x0080)
        json_key_bool(w, "ra", true);
    if (tx->flags & 0x0040)
        json_key_bool(w, "z", true);
    json_key_u64(w, "opcode", tx->opcode);
    json_key_string(w, "rcode", dns_rcode_name(tx->rcode, b, sizeof(b)));
    bool open = false;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != DNS_SEC_QUERY)
            continue;
        if (!open) {
            json_key_array_begin(w, "queries");
            open = true;
        }
        char tb[8];
        json_object_begin(w);
        json_key_string_len(w, "rrname", DNS_ARENA(tx, rr->name), rr->name_len);
        json_key_string(w, "rrtype", dns_type_name(rr->type, tb, sizeof(tb)));
        json_object_end(w);
    }
    if (open)
        json_array_end(w);
    if (response) {
        if (detailed)
            dns_write_section(tx, w, "answers", DNS_SEC_ANSWER);
        if (grouped)
            dns_write_grouped(tx, w);
        dns_write_section(tx, w, "authorities", DNS_SEC_AUTHORITY);
        dns_write_section(tx, w, "additionals", DNS_SEC_ADDITIONAL);
    }
}

/* Suricata 7 ("version 2") shapes: one "query" event per question of a
 * request; one "answer" event per response with the first question inline. */
struct dns_v2_event {
    const struct dns_tx *tx;
    const struct dns_state *state;
    uint32_t rr; /* the question (requests) */
};

static void dns_write_v2(const struct dns_v2_event *e, struct json_writer *w)
{
    const struct dns_tx *tx = e->tx;
    char b[16], tb[8];
    json_key_object_begin(w, "dns");
    if (!(tx->flags & 0x8000)) {
        const struct dns_rr *q = &tx->rrs[e->rr];
        json_key_string(w, "type", "query");
        json_key_u64(w, "id", tx->id);
        json_key_string_len(w, "rrname", DNS_ARENA(tx, q->name), q->name_len);
        json_key_string(w, "rrtype", dns_type_name(q->type, tb, sizeof(tb)));
        json_key_u64(w, "tx_id", tx->base.id);
        if (tx->flags & 0x0040)
            json_key_bool(w, "z", true);
        json_key_u64(w, "opcode", tx->opcode);
        json_object_end(w);
        return;
    }
    json_key_u64(w, "version", 2);
    json_key_string(w, "type", "answer");
    json_key_u64(w, "id", tx->id);
    snprintf(b, sizeof(b), "%x", tx->flags);
    json_key_string(w, "flags", b);
    if (tx->flags & 0x8000)
        json_key_bool(w, "qr", true);
    if (tx->flags & 0x0400)
        json_key_bool(w, "aa", true);
    if (tx->flags & 0x0200)
        json_key_bool(w, "tc", true);
    if (tx->flags & 0x0100)
        json_key_bool(w, "rd", true);
    if (tx->flags & 0x0080)
        json_key_bool(w, "ra", true);
    if (tx->flags & 0x0040)
        json_key_bool(w, "z", true);
    json_key_u64(w, "opcode", tx->opcode);
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *q = &tx->rrs[i];
        if (q->section != DNS_SEC_QUERY)
            continue;
        json_key_string_len(w, "rrname", DNS_ARENA(tx, q->name), q->name_len);
        json_key_string(w, "rrtype", dns_type_name(q->type, tb, sizeof(tb)));
        break;
    }
    json_key_string(w, "rcode", dns_rcode_name(tx->rcode, b, sizeof(b)));
    if (e->state->log_detailed)
        dns_write_section(tx, w, "answers", DNS_SEC_ANSWER);
    if (e->state->log_grouped)
        dns_write_grouped(tx, w);
    dns_write_section(tx, w, "authorities", DNS_SEC_AUTHORITY);
    json_object_end(w);
}

static void dns_log_body_v2(const void *object, struct json_writer *w)
{
    dns_write_v2(object, w);
}

struct dns_v3_event {
    const struct dns_tx *tx;
    bool detailed, grouped;
};

static void dns_log_body_v3(const void *object, struct json_writer *w)
{
    const struct dns_v3_event *e = object;
    json_key_object_begin(w, "dns");
    dns_write_object(e->tx, w, e->detailed, e->grouped);
    json_object_end(w);
}

/* Suricata 8's "mdns" record: rrtypes in lower case, each record's rdata
 * under a key named after its type (no ttl), TXT strings of one record as an
 * array, flags as a list of names, rcode as a number; all messages belong
 * to the to-server direction. */
static bool dns_mdns_txt_continues(const struct dns_tx *tx, uint32_t i)
{
    return i > 0 && tx->rrs[i].type == DNS_TYPE_TXT && tx->rrs[i - 1].type == DNS_TYPE_TXT &&
           tx->rrs[i - 1].section == tx->rrs[i].section && tx->rrs[i - 1].name == tx->rrs[i].name;
}

static void dns_mdns_type(uint16_t t, char *out, size_t n)
{
    char tb[8];
    const char *name = dns_type_name(t, tb, sizeof(tb));
    size_t i = 0;
    for (; name[i] && i + 1 < n; i++)
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    out[i] = 0;
}

static void dns_mdns_write_section(const struct dns_tx *tx, struct json_writer *w, const char *key,
                                   uint8_t section)
{
    bool open = false;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != section || dns_mdns_txt_continues(tx, i))
            continue;
        if (rr->type == 41 && rr->kind == DNS_RDATA_NONE)
            continue; /* OPT without options is not logged */
        if (!open) {
            json_key_array_begin(w, key);
            open = true;
        }
        char tn[16];
        dns_mdns_type(rr->type, tn, sizeof(tn));
        json_object_begin(w);
        json_key_string_len(w, "rrname", DNS_ARENA(tx, rr->name), rr->name_len);
        switch (rr->kind) {
        case DNS_RDATA_ADDR:
            json_key(w, tn);
            dns_write_addr(w, (const uint8_t *)DNS_ARENA(tx, rr->rdata), rr->rdata_len);
            break;
        case DNS_RDATA_TEXT:
            if (rr->type == DNS_TYPE_TXT) {
                json_key_array_begin(w, tn);
                for (uint32_t k = i; k < tx->rr_count && (k == i || dns_mdns_txt_continues(tx, k));
                     k++)
                    json_write_string_len(w, DNS_ARENA(tx, tx->rrs[k].rdata), tx->rrs[k].rdata_len);
                json_array_end(w);
            } else {
                json_key_string_len(w, tn, DNS_ARENA(tx, rr->rdata), rr->rdata_len);
            }
            break;
        case DNS_RDATA_SOA:
            json_key(w, tn);
            dns_write_soa(tx, rr, w);
            break;
        case DNS_RDATA_SRV:
            json_key(w, tn);
            dns_write_srv(tx, rr, w);
            break;
        case DNS_RDATA_SSHFP:
            json_key(w, tn);
            dns_write_sshfp(tx, rr, w);
            break;
        default:
            break;
        }
        json_object_end(w);
    }
    if (open)
        json_array_end(w);
}

static void dns_mdns_write(const struct dns_tx *tx, struct json_writer *w)
{
    json_key_object_begin(w, "mdns");
    json_key_string(w, "type", (tx->flags & 0x8000) ? "response" : "request");
    json_key_u64(w, "id", tx->id);
    static const struct {
        uint16_t bit;
        const char *name;
    } flags[] = {{0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"}, {0x0080, "ra"},
                 {0x0040, "z"},  {0x0020, "ad"}, {0x0010, "cd"}};
    if (tx->flags & 0x07f0) {
        json_key_array_begin(w, "flags");
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (tx->flags & flags[i].bit)
                json_write_string(w, flags[i].name);
        json_array_end(w);
    }
    json_key_u64(w, "opcode", tx->opcode);
    json_key_u64(w, "rcode", tx->rcode);
    bool open = false;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != DNS_SEC_QUERY)
            continue;
        if (!open) {
            json_key_array_begin(w, "queries");
            open = true;
        }
        char tn[16];
        dns_mdns_type(rr->type, tn, sizeof(tn));
        json_object_begin(w);
        json_key_string_len(w, "rrname", DNS_ARENA(tx, rr->name), rr->name_len);
        json_key_string(w, "rrtype", tn);
        json_object_end(w);
    }
    if (open)
        json_array_end(w);
    dns_mdns_write_section(tx, w, "answers", DNS_SEC_ANSWER);
    dns_mdns_write_section(tx, w, "authorities", DNS_SEC_AUTHORITY);
    dns_mdns_write_section(tx, w, "additionals", DNS_SEC_ADDITIONAL);
    json_object_end(w);
}

static void dns_log_body_mdns(const void *object, struct json_writer *w)
{
    dns_mdns_write(object, w);
}

static void dns_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    if (atx->parser == &app_parser_mdns) {
        dns_mdns_write((const struct dns_tx *)atx, w);
        return;
    }
    json_key_object_begin(w, "dns");
    dns_write_object((const struct dns_tx *)atx, w, true, true);
    json_object_end(w);
}

/* Logs a message as the configuration asks (version, requests/responses,
 * query types). */
static void dns_log_tx(struct dns_state *s, struct app_parse_ctx *ctx, struct dns_tx *tx)
{
    bool response = (tx->flags & 0x8000) != 0;
    if (s->mdns) {
        app_parser_log(ctx, "mdns", 0, dns_log_body_mdns, tx);
        return;
    }
    if ((response && !s->log_responses) || (!response && !s->log_requests))
        return;
    if (s->log_type_count) {
        bool any = false;
        for (uint32_t i = 0; i < tx->rr_count && !any; i++) {
            if (tx->rrs[i].section != DNS_SEC_QUERY)
                continue;
            for (uint32_t t = 0; t < s->log_type_count; t++)
                any |= s->log_types[t] == tx->rrs[i].type;
        }
        if (!any)
            return;
    }
    if (s->log_version == 2) {
        struct dns_v2_event e = {.tx = tx, .state = s};
        if (response) {
            /* Suricata 7 logs answers in the flow's to-server orientation. */
            app_parser_log(ctx, "dns", 0, dns_log_body_v2, &e);
            return;
        }
        for (uint32_t i = 0; i < tx->rr_count; i++) {
            if (tx->rrs[i].section != DNS_SEC_QUERY)
                continue;
            e.rr = i;
            app_parser_log(ctx, "dns", tx->direction, dns_log_body_v2, &e);
        }
        return;
    }
    struct dns_v3_event e = {.tx = tx, .detailed = s->log_detailed, .grouped = s->log_grouped};
    app_parser_log(ctx, "dns", tx->direction, dns_log_body_v3, &e);
}

/* ---------- state and transactions ---------- */

static void dns_txs_free_logged(struct dns_state *s)
{
    while (s->head && app_tx_can_free(&s->head->base)) {
        struct dns_tx *tx = s->head;
        s->head = tx->next;
        dns_tx_free(s, tx);
        s->tx_count--;
    }
    if (!s->head)
        s->tail = NULL;
}

static void dns_report_events(const struct dns_state *s, struct app_parse_ctx *ctx, uint32_t events)
{
    for (int e = 0; e < DNS_EV_COUNT; e++)
        if (events & (1u << e))
            app_parser_anomaly(ctx, s->proto, dns_event_names[e]);
}

/* Returns the transaction's id, -1 when the message made none. */
static int64_t dns_handle_message(struct dns_state *s, struct app_parse_ctx *ctx, uint8_t direction,
                                  const uint8_t *msg, uint32_t len)
{
    uint32_t events;
    struct dns_tx *tx = dns_message_parse(s, ctx, msg, len, direction, &events);
    dns_report_events(s, ctx, events);
    if (!tx)
        return -1;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    if (cfg->max_tx_per_flow && s->tx_count >= cfg->max_tx_per_flow) {
        /* Drop the oldest (already logged) transaction to stay bounded. */
        struct dns_tx *old = s->head;
        s->head = old->next;
        if (!s->head)
            s->tail = NULL;
        dns_tx_free(s, old);
        s->tx_count--;
        if (!s->tx_limit_reported) {
            s->tx_limit_reported = true;
            app_parser_anomaly(ctx, s->proto, "too_many_transactions");
        }
    }
    tx->base.id = s->next_tx_id++;
    if (s->tail)
        s->tail->next = tx;
    else
        s->head = tx;
    s->tail = tx;
    s->tx_count++;
    app_parser_count_tx(ctx, s->proto);
    dns_log_tx(s, ctx, tx);
    tx->base.logged = true;
    return (int64_t)tx->base.id;
}

static void *dns_state_new_common(struct app_parse_ctx *ctx, bool tcp, bool mdns)
{
    if (!app_memory_reserve(ctx, sizeof(struct dns_state)))
        return NULL;
    struct dns_state *s = calloc(1, sizeof(*s));
    if (!s) {
        app_memory_release(ctx, sizeof(struct dns_state));
        return NULL;
    }
    s->thread = ctx->thread;
    s->tcp = tcp;
    s->mdns = mdns;
    s->proto = mdns ? APP_PROTO_MDNS : APP_PROTO_DNS;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    s->log_version = cfg->dns_log_version;
    s->log_requests = cfg->dns_log_requests;
    s->log_responses = cfg->dns_log_responses;
    s->log_detailed = cfg->dns_log_detailed;
    s->log_grouped = cfg->dns_log_grouped;
    s->log_type_count = cfg->dns_log_type_count;
    memcpy(s->log_types, cfg->dns_log_types, sizeof(s->log_types));
    return s;
}

static void *dns_state_new_udp(struct app_parse_ctx *ctx)
{
    return dns_state_new_common(ctx, false, false);
}

static void *dns_state_new_tcp(struct app_parse_ctx *ctx)
{
    return dns_state_new_common(ctx, true, false);
}

static void *dns_state_new_mdns(struct app_parse_ctx *ctx)
{
    return dns_state_new_common(ctx, false, true);
}

static void dns_state_free(void *state)
{
    struct dns_state *s = state;
    if (!s)
        return;
    while (s->head) {
        struct dns_tx *tx = s->head;
        s->head = tx->next;
        dns_tx_free(s, tx);
    }
    for (int d = 0; d < 2; d++) {
        if (s->buf[d]) {
            app_thread_memory_release(s->thread, s->buf_cap[d]);
            free(s->buf[d]);
        }
    }
    app_thread_memory_release(s->thread, sizeof(*s));
    free(s);
}

/* Suricata's DNS frame: pdu, the DNS message (on TCP without its 2-byte
 * length prefix, so that the same rule fits both), at stream offset `at`,
 * with the message's transaction (each message is one, logged from 1 in
 * frames as Suricata does: frame_tx_id_from_one; none when it did not
 * parse). */
enum { DNS_FRAME_PDU };
static const char *const dns_frame_names[] = {"pdu", NULL};

static void dns_frame(struct app_parse_ctx *ctx, uint8_t d, uint64_t at, const uint8_t *msg,
                      uint32_t len, int64_t tx_id)
{
    if (app_frames_on(ctx))
        app_frame_add(ctx, d, at, len, DNS_FRAME_PDU, tx_id, msg, len);
}

static int dns_parse_udp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct dns_state *s = state;
    dns_txs_free_logged(s);
    if (!data || len == 0)
        return 0;
    int64_t tx_id = dns_handle_message(s, ctx, direction, data, len);
    dns_frame(ctx, direction & 1, app_frames_on(ctx) ? ctx->stream_offset : 0, data, len, tx_id);
    return 0;
}

/* TCP: 2-byte length prefix, then the message; messages may be split across
 * calls at any byte and several may arrive in one call. */
static int dns_parse_tcp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct dns_state *s = state;
    uint8_t d = direction & 1;
    dns_txs_free_logged(s);
    if (flags & APP_DATA_GAP) {
        /* Framing is lost with the bytes; start again at the next chunk. */
        s->buf_len[d] = 0;
        return 0;
    }
    if (!data)
        return 0;
    const uint8_t *start = data;
    uint64_t base = app_frames_on(ctx) ? ctx->stream_offset : 0;
    while (len > 0) {
        if (s->buf_len[d] == 0 && len >= 2) {
            uint32_t mlen = dns_u16(data);
            if (len >= 2 + mlen) {
                if (mlen > 0) {
                    int64_t tx_id = dns_handle_message(s, ctx, d, data + 2, mlen);
                    dns_frame(ctx, d, base + (uint64_t)(data - start) + 2, data + 2, mlen, tx_id);
                }
                data += 2 + mlen;
                len -= 2 + mlen;
                continue;
            }
        }
        /* Partial: accumulate. */
        if (s->buf_len[d] < 2) {
            uint32_t n = 2 - s->buf_len[d];
            if (n > len)
                n = len;
            if (!s->buf[d]) {
                if (!app_memory_reserve(ctx, 2 + 512))
                    return -1;
                s->buf[d] = malloc(2 + 512);
                if (!s->buf[d]) {
                    app_memory_release(ctx, 2 + 512);
                    return -1;
                }
                s->buf_cap[d] = 2 + 512;
            }
            memcpy(s->buf[d] + s->buf_len[d], data, n);
            s->buf_len[d] += n;
            data += n;
            len -= n;
            if (s->buf_len[d] < 2)
                return 0;
            s->buf_need[d] = 2u + dns_u16(s->buf[d]);
            if (s->buf_need[d] > s->buf_cap[d]) {
                uint32_t extra = s->buf_need[d] - s->buf_cap[d];
                if (!app_memory_reserve(ctx, extra))
                    return -1; /* memcap: give up on the flow (counted) */
                uint8_t *nb = realloc(s->buf[d], s->buf_need[d]);
                if (!nb) {
                    app_memory_release(ctx, extra);
                    return -1;
                }
                s->buf[d] = nb;
                s->buf_cap[d] = s->buf_need[d];
            }
        }
        uint32_t want = s->buf_need[d] - s->buf_len[d];
        uint32_t n = want < len ? want : len;
        memcpy(s->buf[d] + s->buf_len[d], data, n);
        s->buf_len[d] += n;
        data += n;
        len -= n;
        if (s->buf_len[d] == s->buf_need[d]) {
            if (s->buf_need[d] > 2) {
                uint32_t mlen = s->buf_need[d] - 2;
                int64_t tx_id = dns_handle_message(s, ctx, d, s->buf[d] + 2, mlen);
                dns_frame(ctx, d, base + (uint64_t)(data - start) - mlen, s->buf[d] + 2, mlen,
                          tx_id);
            }
            s->buf_len[d] = 0;
            s->buf_need[d] = 0;
        }
    }
    return 0;
}

/* mDNS: any plausible message (every mDNS message counts as to-server). */
static enum app_probe_result dns_probe_udp_any(const uint8_t *data, uint32_t len,
                                               uint8_t direction)
{
    bool complete;
    (void)direction;
    if (len < DNS_HEADER_LEN)
        return APP_PROBE_NO;
    if (!dns_message_plausible(data, len, &complete) || !complete)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

/* A request to the server, a response to the client: a response seen first
 * in the to-server direction makes the framework reverse the flow (as
 * Suricata's DNS probe does). */
static enum app_probe_result dns_probe_udp(const uint8_t *data, uint32_t len, uint8_t direction)
{
    enum app_probe_result r = dns_probe_udp_any(data, len, direction);
    if (r == APP_PROBE_MATCH && ((data[2] & 0x80) != 0) != (direction == 1))
        return APP_PROBE_NO;
    return r;
}

static enum app_probe_result dns_probe_tcp(const uint8_t *data, uint32_t len, uint8_t direction)
{
    bool complete;
    if (len < 2)
        return APP_PROBE_NEED_MORE;
    uint32_t mlen = dns_u16(data);
    if (mlen < DNS_HEADER_LEN)
        return APP_PROBE_NO;
    uint32_t have = len - 2 < mlen ? len - 2 : mlen;
    if (!dns_message_plausible(data + 2, have, &complete))
        return APP_PROBE_NO;
    if (have < 3)
        return APP_PROBE_NEED_MORE;
    if (((data[4] & 0x80) != 0) != (direction == 1))
        return APP_PROBE_NO; /* the other side's message: the flow may be reversed */
    return complete ? APP_PROBE_MATCH : APP_PROBE_NEED_MORE;
}

static int dns_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct dns_state *s = state;
    for (struct dns_tx *tx = s->head; tx; tx = tx->next) {
        int rc = fn(&tx->base, user);
        if (rc)
            return rc;
    }
    return 0;
}

static bool dns_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    return true;
}

/* dns.query: question names of requests (a to-server buffer in Suricata);
 * dns.queries.rrname: question names (requests and responses);
 * dns.answer.name: answer owner names; dns.opcode and dns.rcode: one byte
 * holding the value (requests and responses, as Suricata's keywords), for
 * numeric matching. */
static int dns_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct dns_tx *tx = (const struct dns_tx *)atx;
    uint8_t section;
    switch (buffer) {
    case APP_BUFFER_DNS_QUERY:
        /* dns.query is a to-server buffer in Suricata: a response
         * transaction has no request side to inspect. */
        if (tx->flags & 0x8000)
            return -ENOENT;
        section = DNS_SEC_QUERY;
        break;
    case APP_BUFFER_DNS_QUERIES_RRNAME:
        section = DNS_SEC_QUERY;
        break;
    case APP_BUFFER_DNS_ANSWER_NAME:
    case APP_BUFFER_DNS_ANSWERS_RRNAME:
        section = DNS_SEC_ANSWER;
        break;
    case APP_BUFFER_DNS_AUTHORITIES_RRNAME:
        section = DNS_SEC_AUTHORITY;
        break;
    case APP_BUFFER_DNS_ADDITIONALS_RRNAME:
        section = DNS_SEC_ADDITIONAL;
        break;
    case APP_BUFFER_DNS_RESPONSE_RRNAME: {
        /* Every name of a response, all sections in order: each record's
         * owner, then the names in its rdata (CNAME/NS/PTR/MX target, SRV
         * target, SOA mname and rname), as Suricata 8's dns.response.rrname. */
        if (!(tx->flags & 0x8000))
            return -ENOENT;
        uint32_t seen = 0;
        for (uint32_t i = 0; i < tx->rr_count; i++) {
            const struct dns_rr *rr = &tx->rrs[i];
            bool txt_cont =
                i > 0 && rr->type == DNS_TYPE_TXT && tx->rrs[i - 1].type == DNS_TYPE_TXT &&
                tx->rrs[i - 1].section == rr->section && tx->rrs[i - 1].name == rr->name;
            uint32_t offs[3], lens[3], n = 0;
            if (!txt_cont) {
                offs[n] = rr->name;
                lens[n++] = rr->name_len;
            }
            bool name_rdata = rr->kind == DNS_RDATA_SRV || rr->kind == DNS_RDATA_SOA ||
                              (rr->kind == DNS_RDATA_TEXT &&
                               (rr->type == DNS_TYPE_CNAME || rr->type == DNS_TYPE_NS ||
                                rr->type == DNS_TYPE_PTR || rr->type == DNS_TYPE_MX));
            if (name_rdata) {
                offs[n] = rr->rdata;
                lens[n++] = rr->rdata_len;
                if (rr->kind == DNS_RDATA_SOA) {
                    offs[n] = rr->rdata2;
                    lens[n++] = rr->rdata2_len;
                }
            }
            for (uint32_t k = 0; k < n; k++) {
                if (seen++ == index) {
                    *data = (const uint8_t *)DNS_ARENA(tx, offs[k]);
                    *len = lens[k];
                    return 0;
                }
            }
        }
        return -ENOENT;
    }
    case APP_BUFFER_DNS_OPCODE:
        if (index)
            return -ENOENT;
        *data = &tx->opcode;
        *len = 1;
        return 0;
    case APP_BUFFER_DNS_RCODE:
        if (index)
            return -ENOENT;
        *data = &tx->rcode;
        *len = 1;
        return 0;
    default:
        return -ENOENT;
    }
    uint32_t seen = 0;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != section)
            continue;
        /* TXT strings share one owner: count the record once. */
        if (i > 0 && section != DNS_SEC_QUERY && rr->type == DNS_TYPE_TXT &&
            tx->rrs[i - 1].section == section && tx->rrs[i - 1].type == DNS_TYPE_TXT &&
            tx->rrs[i - 1].name == rr->name)
            continue;
        if (seen++ == index) {
            *data = (const uint8_t *)DNS_ARENA(tx, rr->name);
            *len = rr->name_len;
            return 0;
        }
    }
    return -ENOENT;
}

static int dns_tx_direction(const struct app_tx *atx)
{
    /* Suricata treats every mDNS message as to-server. */
    if (atx->parser == &app_parser_mdns)
        return 0;
    return ((const struct dns_tx *)atx)->direction;
}

int app_dns_tx_question(const struct app_tx *atx, const uint8_t **name, uint32_t *len,
                        uint16_t *qtype, bool *response, uint8_t *rcode)
{
    if (!atx || (atx->parser != &app_parser_dns_udp && atx->parser != &app_parser_dns_tcp))
        return -1;
    const struct dns_tx *tx = (const struct dns_tx *)atx;
    for (uint32_t i = 0; i < tx->rr_count; i++) {
        const struct dns_rr *rr = &tx->rrs[i];
        if (rr->section != DNS_SEC_QUERY)
            continue;
        *name = (const uint8_t *)DNS_ARENA(tx, rr->name);
        *len = rr->name_len;
        *qtype = rr->type;
        *response = (tx->flags & 0x8000) != 0;
        *rcode = tx->rcode;
        return 0;
    }
    return -1;
}

int app_dns_tx_header(const struct app_tx *atx, uint16_t *id, uint8_t *rcode, char *rcode_name,
                      size_t rcode_len)
{
    if (!atx || (atx->parser != &app_parser_dns_udp && atx->parser != &app_parser_dns_tcp))
        return -1;
    const struct dns_tx *tx = (const struct dns_tx *)atx;
    *id = tx->id;
    *rcode = tx->rcode;
    char b[16];
    snprintf(rcode_name, rcode_len, "%s", dns_rcode_name(tx->rcode, b, sizeof b));
    return 0;
}

int app_dns_tx_record(const struct app_tx *atx, uint32_t i, struct app_dns_record *out)
{
    if (!atx || (atx->parser != &app_parser_dns_udp && atx->parser != &app_parser_dns_tcp))
        return -1;
    const struct dns_tx *tx = (const struct dns_tx *)atx;
    if (i >= tx->rr_count)
        return -1;
    const struct dns_rr *rr = &tx->rrs[i];
    out->section = rr->section;
    out->name = (const uint8_t *)DNS_ARENA(tx, rr->name);
    out->name_len = rr->name_len;
    out->type = rr->type;
    char b[16];
    snprintf(out->type_name, sizeof out->type_name, "%s", dns_type_name(rr->type, b, sizeof b));
    out->ttl = rr->ttl;
    out->data[0] = 0;
    if (rr->kind == DNS_RDATA_ADDR && (rr->rdata_len == 4 || rr->rdata_len == 16))
        inet_ntop(rr->rdata_len == 4 ? AF_INET : AF_INET6, DNS_ARENA(tx, rr->rdata), out->data,
                  sizeof out->data);
    else if (rr->kind == DNS_RDATA_TEXT)
        snprintf(out->data, sizeof out->data, "%.*s", (int)rr->rdata_len,
                 (const char *)DNS_ARENA(tx, rr->rdata));
    return 0;
}

/* Names newer Suricata rule files use for the same events. */
static const char *const dns_event_aliases[] = {"not_request", "not_response", NULL};

static bool dns_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct dns_tx *tx = (const struct dns_tx *)atx;
    /* Newer Suricata rule files say not_request / not_response. */
    if (strcmp(name, "not_request") == 0)
        name = "not_a_request";
    else if (strcmp(name, "not_response") == 0)
        name = "not_a_response";
    for (int e = 0; e < DNS_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(dns_event_names[e], name) == 0)
            return true;
    return false;
}

/* ---------- integer keywords ---------- */

/* Suricata 8's dns.opcode, dns.rcode (header of the message at hand: a
 * transaction here is one message, so a rule's direction picks the request
 * or the response) and dns.rrtype (the rrtype of each query of the message;
 * any instance matches). */
enum { DNS_F_OPCODE, DNS_F_RCODE, DNS_F_RRTYPE, DNS_F_COUNT };

static const struct app_uint_enum dns_rcode_enum[] = {
    {"noerror", 0}, {"formerr", 1}, {"servfail", 2}, {"nxdomain", 3}, {"notimp", 4},
    {"refused", 5}, {"yxdomain", 6}, {"yxrrset", 7}, {"nxrrset", 8},  {"notauth", 9},
    {"notzone", 10}, {NULL, 0}};

static const struct app_uint_field dns_fields[DNS_F_COUNT] = {
    [DNS_F_OPCODE] = {"dns.opcode", 3, 15, NULL, false},
    /* 4 bits of the header, as Suricata (no EDNS extended rcode) */
    [DNS_F_RCODE] = {"dns.rcode", 3, 15, dns_rcode_enum, false},
    [DNS_F_RRTYPE] = {"dns.rrtype", 3, 65535, NULL, false},
};

static int dns_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                           uint64_t *value, const char **name)
{
    (void)name;
    const struct dns_tx *tx = (const struct dns_tx *)atx;
    switch (field) {
    case DNS_F_OPCODE:
    case DNS_F_RCODE:
        if (index)
            return -ENOENT;
        *value = field == DNS_F_OPCODE ? tx->opcode : (tx->rcode & 0x0f);
        return 0;
    case DNS_F_RRTYPE: {
        uint32_t seen = 0;
        for (uint32_t i = 0; i < tx->rr_count; i++) {
            if (tx->rrs[i].section != DNS_SEC_QUERY)
                continue;
            if (seen++ == index) {
                *value = tx->rrs[i].type;
                return 0;
            }
        }
        return -ENOENT;
    }
    default:
        return -ENOENT;
    }
}

/* Multicast DNS on UDP 5353: the DNS parser, logged as Suricata 8's "mdns". */
const struct app_parser app_parser_mdns = {
    .proto = APP_PROTO_MDNS,
    .name = "mdns",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {5353},
    .probe = dns_probe_udp_any,
    .probe_needs_port = true,
    .state_new = dns_state_new_mdns,
    .state_free = dns_state_free,
    .parse = dns_parse_udp,
    .tx_foreach = dns_tx_foreach,
    .tx_complete = dns_tx_complete,
    .tx_get_buffer = dns_tx_get_buffer,
    .tx_write_json = dns_tx_write_json,
    .tx_has_event = dns_tx_has_event,
    .event_names = dns_event_names,
    .event_aliases = dns_event_aliases,
    .tx_direction = dns_tx_direction,
};

const struct app_parser app_parser_dns_udp = {
    .proto = APP_PROTO_DNS,
    .name = "dns",
    .ipprotos = APP_IPPROTO_UDP,
    .ports = {53, 5355},
    .probe = dns_probe_udp,
    .probe_needs_port = true,
    .state_new = dns_state_new_udp,
    .state_free = dns_state_free,
    .parse = dns_parse_udp,
    .tx_foreach = dns_tx_foreach,
    .tx_complete = dns_tx_complete,
    .tx_get_buffer = dns_tx_get_buffer,
    .tx_write_json = dns_tx_write_json,
    .tx_has_event = dns_tx_has_event,
    .event_names = dns_event_names,
    .event_aliases = dns_event_aliases,
    .frame_names = dns_frame_names,
    .frame_tx_id_from_one = true,
    .tx_direction = dns_tx_direction,
    .uint_fields = dns_fields,
    .n_uint_fields = DNS_F_COUNT,
    .tx_get_field_uint = dns_tx_get_uint,
};

const struct app_parser app_parser_dns_tcp = {
    .proto = APP_PROTO_DNS,
    .name = "dns",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {53, 5353},
    .probe = dns_probe_tcp,
    .state_new = dns_state_new_tcp,
    .state_free = dns_state_free,
    .parse = dns_parse_tcp,
    .tx_foreach = dns_tx_foreach,
    .tx_complete = dns_tx_complete,
    .tx_get_buffer = dns_tx_get_buffer,
    .tx_write_json = dns_tx_write_json,
    .tx_has_event = dns_tx_has_event,
    .event_names = dns_event_names,
    .event_aliases = dns_event_aliases,
    .frame_names = dns_frame_names,
    .frame_tx_id_from_one = true,
    .tx_direction = dns_tx_direction,
    .uint_fields = dns_fields,
    .n_uint_fields = DNS_F_COUNT,
    .tx_get_field_uint = dns_tx_get_uint,
};
