/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4/IPv6 fragment reassembly, internal to the decode subsystem. One table
 * per worker (inside struct decode_thread_ctx); nothing is shared. */
#ifndef VIGIL_DECODE_DEFRAG_H
#define VIGIL_DECODE_DEFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/decode.h"

/* Pieces one datagram may be split into at most; a further piece is dropped
 * (counted in frag_max_frags_drops). Linux keeps a similar bound. */
#define DEFRAG_MAX_FRAGS 64
/* Largest IP datagram (IPv4 total length) or IPv6 payload. */
#define DEFRAG_MAX_DATAGRAM 65535u
/* Longest header kept from the first fragment: IPv4 with options, or the
 * IPv6 fixed header plus the extension headers before the fragment header
 * (longer IPv6 chains keep only the fixed header). */
#define DEFRAG_MAX_HDR 128u

struct defrag_table;

/* One incoming fragment, described by the decoder. Pointers are only read
 * during defrag_insert(); the data is copied. */
struct defrag_fragment {
    uint8_t family; /* 4 or 6 */
    uint8_t proto;  /* IPv4 protocol / IPv6 fragment header next header */
    uint8_t tunnel_depth;
    uint16_t vlan0, vlan1;
    uint32_t id;              /* IPv4 id or IPv6 fragment identification */
    const uint8_t *src, *dst; /* 16 bytes each (IPv4 mapped as in struct ip_address) */
    const uint8_t *hdr;       /* IPv4 header with options, or IPv6 fixed header
                               * and the extension headers before the fragment header */
    uint32_t hdr_len;
    uint32_t nh_offset;  /* IPv6: offset in hdr of the next-header byte that
                          * names the fragment header (6 without extension headers) */
    const uint8_t *data; /* fragment payload */
    uint32_t data_len;
    uint32_t offset; /* in bytes */
    bool more;       /* MF / M flag */
    uint64_t ts_usec;
};

enum defrag_result {
    DEFRAG_HELD = 0,     /* stored, datagram not complete yet */
    DEFRAG_COMPLETE = 1, /* datagram reassembled, see out/out_len */
    DEFRAG_DROPPED = 2,  /* fragment not kept (memcap, tracker limit, too large) */
};

/* defrag_insert() event bits */
#define DEFRAG_EVENT_OVERLAP 0x1u
#define DEFRAG_EVENT_TOO_LARGE 0x2u
#define DEFRAG_EVENT_MEMCAP 0x4u /* not kept: the memcap is reached */

/* Creates a table bounded by cfg's memcap and tracker limit; statistics are
 * written into *stats (owned by the caller, must outlive the table). NULL on
 * allocation failure. Free with defrag_table_free(). */
struct defrag_table *defrag_table_new(const struct decode_config *cfg, struct decode_stats *stats);
void defrag_table_free(struct defrag_table *t);

/* Adds a fragment. On DEFRAG_COMPLETE, *out points at the reassembled IP
 * datagram (header + payload, *out_len bytes) in a buffer owned by the table
 * and valid until the next defrag_insert(). *events receives DEFRAG_EVENT_*. */
enum defrag_result defrag_insert(struct defrag_table *t, const struct defrag_fragment *f,
                                 const uint8_t **out, uint32_t *out_len, uint32_t *events);

/* Drops datagrams whose first fragment is older than the timeout at now_usec. */
void defrag_table_expire(struct defrag_table *t, uint64_t now_usec);

/* Bytes currently accounted to the memcap (trackers + fragment data). */
uint64_t defrag_table_memuse(const struct defrag_table *t);

#endif
