/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled, typed representation of a Suricata/Snort rule.
 *
 * A rule is parsed once into plain data: header (action, protocol, address
 * and port sets), metadata (msg, sid, classtype, ...), packet-level
 * conditions (struct rule_pkt_match: ttl, flags, dsize, ...), flow conditions
 * (flow, flowbits, flowint, xbits) and per-buffer match lists
 * (struct rule_buffer_match: the contents, pcres, byte_* and friends that
 * inspect one buffer, in rule order, with the transforms applied to that
 * buffer first). Everything a rule points to is owned by the rule and freed
 * by rule_free(). Rules are immutable after rule_set_finalize(). */
#ifndef VIGIL_DETECT_RULE_H
#define VIGIL_DETECT_RULE_H

#include "detect/detect_dataset.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- header ---- */

enum rule_action {
    RULE_ACTION_ALERT,
    RULE_ACTION_PASS,
    RULE_ACTION_DROP,
    RULE_ACTION_REJECT,
    RULE_ACTION_REJECTSRC,
    RULE_ACTION_REJECTDST,
    RULE_ACTION_REJECTBOTH,
};
const char *rule_action_name(enum rule_action a);

/* Application-layer protocols a rule can name. */
enum rule_app_proto {
    RULE_APP_NONE = 0,
    RULE_APP_HTTP, /* http, http1 and http2 */
    RULE_APP_HTTP1,
    RULE_APP_HTTP2,
    RULE_APP_DNS,
    RULE_APP_TLS,
    RULE_APP_SSH,
    RULE_APP_SMTP,
    RULE_APP_FTP,
    RULE_APP_FTP_DATA,
    RULE_APP_SMB,
    RULE_APP_DCERPC,
    RULE_APP_KRB5,
    RULE_APP_DHCP,
    RULE_APP_NTP,
    RULE_APP_SIP,
    RULE_APP_SNMP,
    RULE_APP_TFTP,
    RULE_APP_IMAP,
    RULE_APP_POP3,
    RULE_APP_QUIC,
    RULE_APP_RDP,
    RULE_APP_MQTT,
    RULE_APP_IKE,
    RULE_APP_NFS,
    RULE_APP_MODBUS,
    RULE_APP_DNP3,
    RULE_APP_ENIP,
    RULE_APP_IRC,
    RULE_APP_RFB,
    RULE_APP_TELNET,
    RULE_APP_PGSQL,
    RULE_APP_LDAP,
    RULE_APP_WEBSOCKET,
    RULE_APP_MDNS,
    RULE_APP_BITTORRENT_DHT,
    /* grid and industrial protocols (issue 10) */
    RULE_APP_IEC104,
    RULE_APP_S7COMM,
    RULE_APP_MMS,
    RULE_APP_C37118,
    RULE_APP_BACNET,
    RULE_APP_OPCUA,
    RULE_APP_GOOSE,
    RULE_APP_SV,
    RULE_APP_PROFINET,
    RULE_APP_FIX, /* telecom and finance (issue 15) */
    RULE_APP_DIAMETER,
    RULE_APP_GTP,
    RULE_APP_ISO8583,
    RULE_APP_FAILED, /* app-layer-protocol:failed */
    RULE_APP_MAX
};
const char *rule_app_proto_name(enum rule_app_proto p);
/* -1 if unknown. */
int rule_app_proto_lookup(const char *name);

/* Address sets are sorted, disjoint, inclusive ranges over one 128-bit
 * space in which IPv4 a.b.c.d is ::ffff:a.b.c.d, so that negation of an IPv4
 * set contains all of IPv6 (as in Suricata). */
typedef unsigned __int128 rule_ip_t;
struct rule_addr_range {
    rule_ip_t lo, hi;
};
struct rule_addr_set {
    struct rule_addr_range *ranges; /* owned */
    uint32_t count;
    bool any;
};
struct rule_port_range {
    uint16_t lo, hi;
};
struct rule_port_set {
    struct rule_port_range *ranges; /* owned */
    uint32_t count;
    bool any;
};

/* An address in the rule address space. */
rule_ip_t rule_ip_from_v4(uint32_t addr_host_order);
rule_ip_t rule_ip_from_v6(const uint8_t addr[16]);
bool rule_addr_set_match(const struct rule_addr_set *s, rule_ip_t addr);
bool rule_addr_set_match_v4(const struct rule_addr_set *s, uint32_t addr_host_order);
bool rule_addr_set_match_v6(const struct rule_addr_set *s, const uint8_t addr[16]);
bool rule_port_set_match(const struct rule_port_set *s, uint16_t port);

/* ---- numeric conditions (dsize, ttl, bsize, urilen, icmp_id, ...) ---- */

enum detect_uint_mode {
    DETECT_UINT_EQ,
    DETECT_UINT_NE,
    DETECT_UINT_LT,
    DETECT_UINT_LE,
    DETECT_UINT_GT,
    DETECT_UINT_GE,
    DETECT_UINT_RANGE,  /* a < x < b */
    DETECT_UINT_NRANGE, /* !(a < x < b) */
    DETECT_UINT_BITAND, /* x & a == a (flags-like) */
    DETECT_UINT_MASK_EQ, /* x & a == b (detect_uint.h: &mask=value, named flags) */
    DETECT_UINT_MASK_NE, /* x & a != b */
};
struct detect_uint {
    uint8_t mode;
    uint64_t a, b;
};
bool detect_uint_match(const struct detect_uint *u, uint64_t v);

/* ---- buffer match items ---- */

enum detect_item_type {
    DETECT_ITEM_CONTENT,
    DETECT_ITEM_PCRE,
    DETECT_ITEM_BYTE_TEST,
    DETECT_ITEM_BYTE_JUMP,
    DETECT_ITEM_BYTE_EXTRACT,
    DETECT_ITEM_BYTE_MATH,
    DETECT_ITEM_ISDATAAT,
    DETECT_ITEM_BSIZE, /* bsize and urilen: length of the (transformed) buffer */
    DETECT_ITEM_BASE64_DECODE,
    DETECT_ITEM_DATASET, /* dataset / datarep (detect_dataset.h) */
};

#define DETECT_CONTENT_NOCASE (1u << 0)
#define DETECT_CONTENT_NEGATED (1u << 1)
#define DETECT_CONTENT_DEPTH (1u << 2)
#define DETECT_CONTENT_OFFSET (1u << 3)
#define DETECT_CONTENT_DISTANCE (1u << 4)
#define DETECT_CONTENT_WITHIN (1u << 5)
#define DETECT_CONTENT_STARTSWITH (1u << 6)
#define DETECT_CONTENT_ENDSWITH (1u << 7)
#define DETECT_CONTENT_RAWBYTES (1u << 8)
#define DETECT_CONTENT_FAST_PATTERN (1u << 9)
#define DETECT_CONTENT_FP_ONLY (1u << 10)
#define DETECT_CONTENT_FP_CHOP (1u << 11)
#define DETECT_CONTENT_DEPTH_VAR (1u << 12)
#define DETECT_CONTENT_OFFSET_VAR (1u << 13)
#define DETECT_CONTENT_DISTANCE_VAR (1u << 14)
#define DETECT_CONTENT_WITHIN_VAR (1u << 15)
#define DETECT_CONTENT_WITHIN_NEXT (1u << 16) /* the next item is a content with within */
#define DETECT_CONTENT_RELATIVE_NEXT (1u << 17)

struct detect_content {
    uint8_t *pattern; /* owned; for nocase, stored lower-cased */
    uint16_t len;
    uint32_t flags;
    /* Values, or byte_extract variable indexes when the *_VAR flag is set. */
    int32_t depth, offset, distance, within;
    uint16_t fp_chop_offset, fp_chop_len;
};

#define DETECT_PCRE_RELATIVE (1u << 0)
#define DETECT_PCRE_NEGATED (1u << 1)
#define DETECT_PCRE_RELATIVE_NEXT (1u << 2)
#define DETECT_PCRE_RAWBYTES (1u << 3)
#define DETECT_PCRE_NO_LIMIT (1u << 4) /* O flag: no match limit override */

struct detect_pcre {
    pcre2_code *code; /* owned; JIT-compiled when possible */
    char *source;     /* owned; for messages */
    uint32_t flags;
    uint32_t capture_count;
};

enum detect_byte_endian { DETECT_ENDIAN_BIG, DETECT_ENDIAN_LITTLE, DETECT_ENDIAN_DCE };
#define DETECT_BYTE_RELATIVE (1u << 0)
#define DETECT_BYTE_STRING (1u << 1)
#define DETECT_BYTE_BITMASK (1u << 2)
#define DETECT_BYTE_OFFSET_VAR (1u << 3)
#define DETECT_BYTE_VALUE_VAR (1u << 4) /* byte_test value / byte_math rvalue */
#define DETECT_BYTE_NBYTES_VAR (1u << 5)
#define DETECT_BYTE_FROM_BEGINNING (1u << 6)
#define DETECT_BYTE_FROM_END (1u << 7)
#define DETECT_BYTE_ALIGN (1u << 8)
#define DETECT_BYTE_NEGOP (1u << 9)

enum detect_byte_op {
    DETECT_BYTE_OP_LT,
    DETECT_BYTE_OP_GT,
    DETECT_BYTE_OP_EQ,
    DETECT_BYTE_OP_AND,
    DETECT_BYTE_OP_OR, /* ^ in byte_test */
    DETECT_BYTE_OP_LE,
    DETECT_BYTE_OP_GE,
    /* byte_math */
    DETECT_BYTE_OP_ADD,
    DETECT_BYTE_OP_SUB,
    DETECT_BYTE_OP_MUL,
    DETECT_BYTE_OP_DIV,
    DETECT_BYTE_OP_SHL,
    DETECT_BYTE_OP_SHR,
};

/* byte_test, byte_jump, byte_extract and byte_math share one shape. */
struct detect_byte {
    uint32_t flags;
    uint8_t nbytes; /* or var index with DETECT_BYTE_NBYTES_VAR */
    uint8_t endian; /* enum detect_byte_endian */
    uint8_t base;   /* 8, 10, 16 for string */
    uint8_t op;     /* enum detect_byte_op */
    uint8_t align;  /* byte_extract align 2/4 */
    uint8_t var;    /* byte_extract / byte_math result variable */
    int32_t offset; /* or var index */
    int32_t post_offset;
    uint32_t multiplier;
    uint32_t bitmask;
    uint64_t value; /* byte_test value or byte_math rvalue, or var index */
};

#define DETECT_ISDATAAT_RELATIVE (1u << 0)
#define DETECT_ISDATAAT_NEGATED (1u << 1)
#define DETECT_ISDATAAT_VAR (1u << 2)
struct detect_isdataat {
    uint32_t flags;
    uint32_t value; /* or var index */
};

struct detect_base64 {
    uint32_t bytes, offset;
    bool relative;
};

struct detect_item {
    uint8_t type; /* enum detect_item_type */
    union {
        struct detect_content content;
        struct detect_pcre pcre;
        struct detect_byte byte;
        struct detect_isdataat isdataat;
        struct detect_uint bsize;
        struct detect_base64 base64;
        struct detect_dataset_kw dataset;
    } u;
};

/* Transforms, applied in order to a buffer before its list is inspected. */
enum detect_transform_type {
    DETECT_TRANSFORM_TO_LOWERCASE,
    DETECT_TRANSFORM_TO_UPPERCASE,
    DETECT_TRANSFORM_STRIP_WHITESPACE,
    DETECT_TRANSFORM_COMPRESS_WHITESPACE,
    DETECT_TRANSFORM_URL_DECODE,
    DETECT_TRANSFORM_DOTPREFIX,
    DETECT_TRANSFORM_TO_MD5,
    DETECT_TRANSFORM_TO_SHA1,
    DETECT_TRANSFORM_TO_SHA256,
    DETECT_TRANSFORM_PCREXFORM,
    DETECT_TRANSFORM_XOR,
    DETECT_TRANSFORM_HEADER_LOWERCASE,
    DETECT_TRANSFORM_STRIP_PSEUDO_HEADERS,
    DETECT_TRANSFORM_FROM_BASE64,
    DETECT_TRANSFORM_GUNZIP,
    DETECT_TRANSFORM_ZLIB_DEFLATE,
    DETECT_TRANSFORM_SUBSLICE,
    DETECT_TRANSFORM_DOMAIN,
    DETECT_TRANSFORM_TLD,
};
/* Transform options (detect_transform.h). */
#define DETECT_XFORM_XOR_KEY_IN_BUFFER (1u << 0) /* xor: key_len bytes at key_offset */
#define DETECT_XFORM_SUBSLICE_NBYTES (1u << 1)   /* subslice: a length was given */
#define DETECT_XFORM_SUBSLICE_TRUNCATE (1u << 2) /* subslice: clamp instead of emptying */
struct detect_transform {
    uint8_t type;
    uint8_t *key; /* xor key, owned */
    uint32_t key_len;
    pcre2_code *code; /* pcrexform, owned */
    uint8_t mode;     /* from_base64: enum detect_base64_mode */
    uint8_t flags;    /* DETECT_XFORM_* */
    /* xor: where decoding starts; from_base64: bytes skipped; gunzip and
     * zlib_deflate: the output limit */
    uint32_t offset;
    uint32_t nbytes;     /* from_base64: bytes decoded (0: all) */
    uint32_t key_offset; /* xor with the key in the buffer */
    int64_t slice_offset, slice_nbytes; /* subslice (negative: from the end) */
};

/* The items that inspect one buffer. */
struct rule_buffer_match {
    uint16_t buffer_id; /* detect_buffer registry id */
    uint16_t ntransforms;
    struct detect_transform *transforms; /* owned */
    struct detect_item *items;           /* owned, rule order */
    uint32_t nitems;
    uint32_t cap;
    /* Buffers that take an argument (fix.tag:35): has_arg and its value;
     * only instances for that argument are inspected. */
    bool has_arg;
    uint32_t arg;
};

/* ---- packet-level conditions ---- */

enum rule_pkt_type {
    RULE_PKT_DSIZE,
    RULE_PKT_TTL,
    RULE_PKT_TOS,
    RULE_PKT_ID,
    RULE_PKT_IPOPTS,
    RULE_PKT_FRAGBITS,
    RULE_PKT_FRAGOFFSET,
    RULE_PKT_SAMEIP,
    RULE_PKT_FLAGS,
    RULE_PKT_SEQ,
    RULE_PKT_ACK,
    RULE_PKT_WINDOW,
    RULE_PKT_ITYPE,
    RULE_PKT_ICODE,
    RULE_PKT_ICMP_ID,
    RULE_PKT_ICMP_SEQ,
    RULE_PKT_IP_PROTO,
    RULE_PKT_STREAM_SIZE,
    RULE_PKT_TCP_MSS,  /* num: the MSS option value */
    RULE_PKT_CHECKSUM, /* modifier: enum rule_checksum; negated: checksum is invalid */
    RULE_PKT_IPREP,    /* modifier: side, bits: category, ignore: isset/isnotset, num: score */
};
enum rule_checksum {
    RULE_CSUM_IPV4,
    RULE_CSUM_TCPV4,
    RULE_CSUM_TCPV6,
    RULE_CSUM_UDPV4,
    RULE_CSUM_UDPV6,
    RULE_CSUM_ICMPV4,
    RULE_CSUM_ICMPV6,
    RULE_CSUM_IGMP,
};
/* fragbits / flags modifiers */
#define RULE_BITS_PLUS 1 /* all given bits and possibly others */
#define RULE_BITS_ANY 2  /* any of the given bits */
#define RULE_BITS_NOT 3  /* none of the given bits */
#define RULE_BITS_EXACT 0

struct rule_pkt_match {
    uint8_t type;
    uint8_t modifier; /* RULE_BITS_* for flags/fragbits; stream_size side */
    uint8_t bits;     /* flags / fragbits / ipopts value */
    uint8_t ignore;   /* flags: bits to ignore */
    bool negated;
    struct detect_uint num;
};
/* tcp flag bits as in the TCP header */
#define RULE_TCP_FIN 0x01
#define RULE_TCP_SYN 0x02
#define RULE_TCP_RST 0x04
#define RULE_TCP_PSH 0x08
#define RULE_TCP_ACK 0x10
#define RULE_TCP_URG 0x20
#define RULE_TCP_ECE 0x40
#define RULE_TCP_CWR 0x80
/* fragbits */
#define RULE_FRAG_MF 0x01
#define RULE_FRAG_DF 0x02
#define RULE_FRAG_RB 0x04

/* ---- flow ---- */

#define RULE_FLOW_ESTABLISHED (1u << 0)
#define RULE_FLOW_NOT_ESTABLISHED (1u << 1)
#define RULE_FLOW_STATELESS (1u << 2)
#define RULE_FLOW_TOSERVER (1u << 3)
#define RULE_FLOW_TOCLIENT (1u << 4)
#define RULE_FLOW_ONLY_STREAM (1u << 5)
#define RULE_FLOW_NO_STREAM (1u << 6)
#define RULE_FLOW_ONLY_FRAG (1u << 7)
#define RULE_FLOW_NO_FRAG (1u << 8)

enum rule_flowbit_cmd {
    RULE_FLOWBIT_SET,
    RULE_FLOWBIT_ISSET,
    RULE_FLOWBIT_ISNOTSET,
    RULE_FLOWBIT_UNSET,
    RULE_FLOWBIT_TOGGLE,
    RULE_FLOWBIT_NOALERT,
};
/* flowbits / xbits: names are ids in the rule set's variable table; with
 * several ids, isset/isnotset are OR-lists ('|') and set/unset/toggle apply to all ('&'). */
struct rule_flowbit {
    uint8_t cmd;
    uint8_t track; /* xbits: 0 flow, 1 ip_src, 2 ip_dst, 3 ip_pair */
    bool is_xbits;
    uint16_t nids;
    uint32_t *ids; /* owned */
    uint32_t expire;
};

enum rule_flowint_op {
    RULE_FLOWINT_SET,
    RULE_FLOWINT_ADD,
    RULE_FLOWINT_SUB,
    RULE_FLOWINT_EQ,
    RULE_FLOWINT_NE,
    RULE_FLOWINT_LT,
    RULE_FLOWINT_LE,
    RULE_FLOWINT_GT,
    RULE_FLOWINT_GE,
    RULE_FLOWINT_ISSET,
    RULE_FLOWINT_NOTSET,
};
struct rule_flowint {
    uint32_t id;
    uint8_t op;
    bool value_is_var;
    uint32_t value; /* or var id */
};

/* ---- thresholding, tags ---- */

enum rule_threshold_type {
    RULE_THRESHOLD_LIMIT,
    RULE_THRESHOLD_THRESHOLD,
    RULE_THRESHOLD_BOTH,
    RULE_THRESHOLD_DETECTION_FILTER,
    RULE_THRESHOLD_BACKOFF, /* Suricata 8: alert at count, then count*multiplier, ... */
};
enum rule_track {
    RULE_TRACK_BY_SRC,
    RULE_TRACK_BY_DST,
    RULE_TRACK_BY_RULE,
    RULE_TRACK_BY_BOTH,
    RULE_TRACK_BY_FLOW
};
struct rule_threshold {
    uint8_t type;
    uint8_t track;
    uint32_t count;
    uint32_t seconds;
    uint32_t multiplier; /* backoff only */
};

enum rule_tag_type { RULE_TAG_SESSION, RULE_TAG_HOST };
enum rule_tag_metric { RULE_TAG_PACKETS, RULE_TAG_SECONDS, RULE_TAG_BYTES };
struct rule_tag {
    uint8_t type;
    uint8_t metric;
    uint8_t direction; /* host: 0 src, 1 dst */
    uint32_t count;
};

/* A condition a protocol keyword checks on a transaction (dnp3_func,
 * modbus, mqtt.type, ...): the keyword (detect_tx_kw.h) and what its parser
 * made of the value, freed with the keyword's free. */
struct detect_tx_kw;
struct rule_tx_cond {
    const struct detect_tx_kw *kw;
    void *data; /* owned */
};

struct rule_kv {
    char *key;   /* owned */
    char *value; /* owned */
};

/* ---- the rule ---- */

#define RULE_FLAG_BIDIRECTIONAL (1u << 0)
#define RULE_FLAG_NOALERT (1u << 1)
#define RULE_FLAG_HAS_FLOW (1u << 2)
#define RULE_FLAG_TARGET_SRC (1u << 3)
#define RULE_FLAG_TARGET_DST (1u << 4)
#define RULE_FLAG_PKTHDR (1u << 5)
#define RULE_FLAG_APP_PROTO_NEGATED (1u << 6)
#define RULE_FLAG_HAS_TAG (1u << 7)
#define RULE_FLAG_HAS_THRESHOLD (1u << 8)
#define RULE_FLAG_HAS_DETECTION_FILTER (1u << 9)
#define RULE_FLAG_IPONLY (1u << 10)   /* nothing but header, flowbits and thresholds */
#define RULE_FLAG_TOSERVER (1u << 11) /* direction implied by buffers or flow */
#define RULE_FLAG_TOCLIENT (1u << 12)
#define RULE_FLAG_APP_EVENT_NEGATED (1u << 13)

#define RULE_MAX_BYTE_VARS 16
#define RULE_EVENT_DECODE 1
#define RULE_EVENT_STREAM 2

struct detect_lua;
struct rule {
    uint32_t id; /* index in the rule set */
    uint32_t sid, gid, rev;
    uint32_t flags;
    uint8_t action;           /* enum rule_action */
    uint8_t ipproto;          /* 0 = ip (any), 6, 17, 1 (icmp: v4 and v6), 255 pkthdr */
    uint16_t app_proto;       /* from the header */
    uint16_t app_proto_match; /* from app-layer-protocol: */
    /* Further app-layer-protocol keywords of the same rule (all must hold);
     * bit i of app_proto_extra_negated: the i-th is negated. */
    uint16_t app_proto_match_extra[3];
    uint8_t n_app_proto_match_extra;
    uint8_t app_proto_extra_negated;
    struct rule_addr_set src, dst;
    struct rule_port_set sp, dp;

    char *msg;    /* owned */
    int class_id; /* index in the classification table, -1 none */
    int priority;
    struct rule_kv *refs; /* owned: reference type and value */
    uint32_t nrefs;
    struct rule_kv *metadata; /* owned */
    uint32_t nmetadata;

    uint32_t flow_flags;
    struct rule_pkt_match *pkt; /* owned */
    uint32_t npkt;
    struct rule_flowbit *flowbits; /* owned */
    uint32_t nflowbits;
    struct rule_flowint *flowints; /* owned */
    uint32_t nflowints;
    struct rule_buffer_match *buffers; /* owned */
    uint32_t nbuffers;
    struct rule_tx_cond *tx_conds; /* owned: transaction keywords, all must hold */
    uint32_t ntx_conds;
    struct detect_lua **lua; /* owned: lua keywords (detect_lua.h), all must hold */
    uint32_t nlua;
    uint32_t nbyte_vars;
    char *byte_var_names[RULE_MAX_BYTE_VARS]; /* owned */

    struct rule_threshold threshold;
    struct rule_threshold detection_filter;
    /* tag keywords (a session tag and host tags may be combined). */
#define RULE_MAX_TAGS 3
    struct rule_tag tag[RULE_MAX_TAGS];
    uint8_t ntags;

    /* frame:<proto>.<name> (the "frame" buffer holds the frame's bytes):
     * the frame type's enum app_proto and index in its parser's frame_names. */
    bool has_frame;
    uint16_t frame_app_proto;
    uint8_t frame_type;

    /* Fast pattern chosen at finalize: buffer index and item index, -1 none. */
    int32_t fp_buffer, fp_item;

    /* app-layer-event name ("http.request_field_too_long", or a flow-level
     * "applayer_..." name), owned; NULL when absent. Only set when the rule
     * set has app-layer events enabled (rule_set_enable_app_layer_events). */
    char *app_event;
    /* decode-event / stream-event name ("ipv4.trunc_pkt", "3whs_async_wrong_seq"),
     * owned, NULL when absent; kind RULE_EVENT_DECODE or RULE_EVENT_STREAM. Only
     * set with rule_set_enable_packet_events. */
    char *pkt_event;
    uint8_t pkt_event_kind;

    const char *file; /* interned in the rule set */
    uint32_t line;
    char *text; /* owned: the rule as written (after continuation joining) */

    /* Everything the rule points to (text, lists, compiled pcre, ...) is
     * shared with its copies in the rule sets of later rule reloads
     * (rule_set_inherit) and freed with the last one. */
    struct rule_share *share;
    bool finalized; /* fast pattern and item flags derived (rule_set_finalize) */
    /* filestore[:<direction>[,<scope>]]: on a match the files are kept by
     * the file store. filestore_dirs: bit 0 to server, bit 1 to client (0:
     * the rule's own direction, both without one); scope as Suricata's. */
    bool filestore;
    uint8_t filestore_dirs;
    uint8_t filestore_scope; /* RULE_FILESTORE_FILE, _TX, _FLOW */
};

#define RULE_FILESTORE_FILE 0
#define RULE_FILESTORE_TX 1
#define RULE_FILESTORE_FLOW 2

void rule_free(struct rule *r);

#endif
