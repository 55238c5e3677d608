/* SPDX-License-Identifier: Apache-2.0 */
/* The per-worker flow table: O(1) lookup-or-create of the bidirectional flow
 * of a packet, per-protocol and per-state idle timeouts (Suricata's
 * flow-timeouts), a memcap with emergency mode, flow ids, Community ID v1 and
 * statistics. One table per worker thread; nothing in it is shared or locked.
 * See docs/flow-and-stream.md. */
#ifndef VIGIL_FLOW_TABLE_H
#define VIGIL_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

struct json_writer;

/* Protocol classes of flow-timeouts (suricata.yaml flow-timeouts.<class>). */
enum flow_proto_class {
    FLOW_PROTO_DEFAULT = 0,
    FLOW_PROTO_TCP,
    FLOW_PROTO_UDP,
    FLOW_PROTO_ICMP,
    FLOW_PROTO_CLASS_MAX,
};

/* Idle timeouts in seconds for one protocol class, normal and emergency,
 * indexed by enum flow_state (new, established, closed, bypassed). */
struct flow_timeouts {
    uint32_t normal[4];
    uint32_t emergency[4];
};

struct flow_config {
    uint64_t memcap;              /* bytes of flows + hash buckets at most (128 MiB) */
    uint64_t simulate_memcap_at;  /* QA: the packet of this pcap_cnt that needs a new flow
                                   * meets the memcap (--simulate-packet-flow-memcap) */
    uint32_t hash_size;           /* buckets, rounded up to a power of two (65536) */
    uint32_t prealloc;            /* flows allocated up front, within the memcap (10000) */
    uint32_t emergency_recovery;  /* leave emergency mode when this % of capacity is free (30) */
    uint32_t thread_id;           /* worker index, mixed into flow ids so they differ per worker */
    /* Per-start seed of the flow ids (the sensor draws one at random each
     * start, as Suricata seeds its flow hash): ids are unique within a run
     * and differ between runs and sensors. 0 = ids depend only on order. */
    uint64_t id_seed;
    struct flow_timeouts timeouts[FLOW_PROTO_CLASS_MAX];
};

/* Fills cfg with Suricata's defaults (suricata.yaml "flow:" and "flow-timeouts:"). */
void flow_config_defaults(struct flow_config *cfg);

/* Called exactly once for every flow before it is released: on timeout,
 * forced eviction, TCP port reuse and shutdown. f->end_reason is set. The
 * sensor logs the flow record there and frees f->app and f->detect_state
 * (setting them to NULL). After flow_end returns, the table releases f->tcp
 * through tcp_free (set it with stream_flow_hooks_set() from stream/stream.h)
 * and recycles the flow. */
struct flow_hooks {
    void *user;
    void (*flow_end)(void *user, struct flow *f);
    /* Frees f->tcp; NULL if no stream engine is used (then f->tcp must stay NULL). */
    void *tcp_user;
    void (*tcp_free)(void *tcp_user, struct flow *f);
};

struct flow_stats {
    uint64_t total;               /* flows created */
    uint64_t tcp, udp, icmpv4, icmpv6, other;
    uint64_t active;              /* flows alive now (a gauge; summed across workers) */
    uint64_t memuse;              /* bytes of flows + buckets allocated (gauge) */
    uint64_t memuse_peak;
    uint64_t memcap;              /* times the memcap prevented allocating a new flow */
    uint64_t emerg_mode_entered, emerg_mode_over;
    uint64_t tcp_reuse;           /* flows ended because a new SYN reused a closed tuple */
    uint64_t timeout;             /* flows ended by idle timeout */
    uint64_t get_used;            /* flows evicted by force to make room (end reason forced) */
    uint64_t shutdown;            /* flows ended at shutdown */
    uint64_t no_flow;             /* packets that got no flow because of the memcap */
    uint64_t icmp_error_attributed; /* ICMP errors attached to the flow of the quoted packet */
    uint64_t spare;               /* flows allocated but unused (gauge) */
};

struct flow_table;

/* Creates a table. cfg and hooks are copied. NULL on allocation failure or a
 * memcap too small for the hash buckets; err (if non-NULL) gets the reason.
 * Free with flow_table_free(). */
struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_hooks *hooks,
                                  char *err, size_t errlen);
/* Releases every remaining flow WITHOUT calling flow_end (call
 * flow_table_shutdown() first to log them; their TCP sessions are still
 * freed through tcp_free), then the table. */
void flow_table_free(struct flow_table *t);

/* Finds or creates the flow of p, sets p->flow and p->flow_direction and
 * updates the flow's counters. Returns NULL (p->flow = NULL) for packets that
 * get no flow (non-IP, invalid, non-final fragments) and when the memcap is
 * exhausted even after emergency eviction (counted as no_flow). The flow is
 * owned by the table. */
struct flow *flow_table_get(struct flow_table *t, struct packet *p);

/* Ends flows idle longer than their state's timeout at now_usec (packet time).
 * Cost is proportional to the number of flows ended, so it can be called for
 * every packet. */
void flow_table_timeout(struct flow_table *t, uint64_t now_usec);

/* Ends every remaining flow with reason FLOW_END_SHUTDOWN in creation order. */
void flow_table_shutdown(struct flow_table *t);

const struct flow_stats *flow_table_stats(const struct flow_table *t);
bool flow_table_in_emergency(const struct flow_table *t);
/* dst += src (peaks take the max). */
void flow_stats_add(struct flow_stats *dst, const struct flow_stats *src);
/* Writes the "flow": {...} member (Suricata's names) into an open object. */
void flow_stats_write_json(const struct flow_stats *s, struct json_writer *w);

/* Direction-independent keyed hash of p's flow key (the same for both
 * directions of a conversation), for pinning flows to workers. The key is
 * random per process unless set with flow_hash_set_key(). 0 for packets that
 * get no flow. */
uint32_t flow_hash_packet(const struct packet *p);
/* Sets the process-wide hash key (tests and reproducible runs); call before
 * any table is created or any packet hashed, from one thread. */
void flow_hash_set_key(uint64_t k0, uint64_t k1);

/* Community ID v1 ("1:" + base64 SHA-1) of the flow's key with the given
 * seed (Suricata's default seed is 0). out gets a NUL-terminated string. */
void flow_community_id(const struct flow *f, uint16_t seed, char out[64]);
/* The same from explicit values, for tests and for other users; ports are
 * ignored for protocols without ports. addresses are in struct ip_address form. */
void flow_community_id_tuple(const struct ip_address *src, const struct ip_address *dst,
                             uint8_t proto, uint16_t src_port, uint16_t dst_port,
                             uint16_t seed, char out[64]);

/* Swaps the flow's client and server: key endpoints and per-direction
 * counters. The stream engine calls it when a session's SYN (or SYN/ACK)
 * shows that the first packet seen came from the server. */
void flow_swap(struct flow *f);

/* "new", "established", "closed", "bypassed". */
const char *flow_state_name(uint8_t state);
/* "timeout", "forced", "shutdown". */
const char *flow_end_reason_name(uint8_t reason);

#endif
