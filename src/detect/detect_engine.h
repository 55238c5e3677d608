/* SPDX-License-Identifier: Apache-2.0 */
/* The detection engine built from a finalized rule set: rule groups, one
 * Hyperscan prefilter database per group and buffer, and the payload
 * inspection primitives.
 *
 * Grouping. Rules are grouped by transport (tcp, udp, icmp, other ip) and
 * direction (to server, to client; a rule without a direction is in both).
 * Within a transport and direction, rules naming specific ports (the
 * destination port to the server, the source port to the client, i.e. the
 * server port either way) are put into port groups: the port space is cut
 * into intervals at every rule's port boundaries, intervals with the same
 * rule set share a group, and past DETECT_MAX_PORT_GROUPS the smallest
 * groups are merged into one (a superset, so no rule is lost). Rules on any
 * port are kept once in an "any-port" group per transport and direction
 * instead of being copied into every port group: a packet is checked
 * against at most two groups (its port group and the any-port group), and
 * each fast pattern is compiled once per direction.
 *
 * detect_engine_options.any_port_in_port_groups copies the any-port rules
 * into every port group as well (as Suricata does), so a packet is checked
 * against one group and each buffer is scanned once. Measured with ET Open
 * (docs/performance.md): 8 % fewer instructions, no less CPU time. A
 * buffer's patterns are cut into databases of at most patterns_per_db, so
 * the merged group scans about as many databases as the two groups did,
 * while the port groups' databases (every cut a port pattern falls into
 * differs from the any-port group's) add 60 % to the peak memory and double
 * the start-up.
 *
 * Prefilter. Each rule's fast pattern (rule->fp_buffer/fp_item, chosen as
 * Suricata does) goes into the database of its group and buffer; identical
 * patterns are compiled once and map to all their rules (HS_FLAG_SINGLEMATCH,
 * HS_FLAG_CASELESS for nocase). Rules without a usable fast pattern are in
 * the group's non-prefilter list and are always candidates.
 *
 * Databases. A buffer's patterns are put in a canonical order (length, then
 * bytes, then flags) and cut into databases of at most patterns_per_db at
 * content-defined boundaries (a cut falls after a pattern whose hash says so,
 * once a database holds 3/4 of the maximum), so adding or removing a rule
 * changes one database, not every one after it. Databases are
 * content-addressed and shared (detect_hsdb.h): an engine built beside a
 * running one (rule reload) reuses every database whose patterns did not
 * change, and the rest come from the on-disk cache or are compiled in
 * parallel.
 *
 * Threads. The engine is immutable and shared. Each worker owns one
 * struct detect_thread_ctx (Hyperscan scratch, PCRE2 match data, transform
 * buffers, candidate list) created once; scanning and inspection allocate
 * nothing after warm-up (buffers only grow). */
#ifndef VIGIL_DETECT_ENGINE_H
#define VIGIL_DETECT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rule.h"

struct rule_set;
struct detect_engine;
struct detect_group;
struct detect_thread_ctx;

#define DETECT_MAX_PORT_GROUPS 16
/* Patterns per Hyperscan database. Hyperscan's compile time and memory grow
 * faster than linearly with large mixed literal sets (ET's payload set of
 * ~1000 literals peaks at 190 MB); databases of at most this many patterns,
 * grouped by length, keep the build under the memory target at the cost of
 * a few more scans of the largest buffers. */
#define DETECT_PATTERNS_PER_DB 512 /* ET Open: 1.5 s cpu, 145 MB peak at load; 256: 117 MB but
                                      * 1.3x slower scanning (more databases per buffer) */
/* Suricata's defaults for content inspection and pcre. */
#define DETECT_RECURSION_LIMIT 3000
#define DETECT_PCRE_MATCH_LIMIT 3500
#define DETECT_PCRE_DEPTH_LIMIT 1500

enum detect_transport {
    DETECT_TRANSPORT_TCP,
    DETECT_TRANSPORT_UDP,
    DETECT_TRANSPORT_ICMP,
    DETECT_TRANSPORT_OTHER,
    DETECT_TRANSPORT_MAX
};

struct detect_engine_options {
    uint32_t max_port_groups; /* 0 = DETECT_MAX_PORT_GROUPS */
    uint32_t patterns_per_db; /* 0 = DETECT_PATTERNS_PER_DB */
    uint32_t compile_threads; /* Hyperscan compiles in parallel; 0 = online CPUs */
    /* true: port groups hold the any-port rules too, and a packet is checked
     * against one group (one scan of each buffer) at the cost of many more
     * databases; false: at most two groups, the any-port rules in their own */
    bool any_port_in_port_groups;
    /* Rule reload: the running engine. Its databases are reused for
     * unchanged pattern sets and cover changed ones (only the patterns no
     * running database holds are compiled, into a small delta database per
     * buffer), so a reload compiles little and needs little memory. */
    const struct detect_engine *prev;
};

struct detect_engine_stats {
    uint32_t groups;
    uint32_t databases;
    uint32_t patterns;            /* distinct patterns compiled */
    uint32_t non_prefilter_rules; /* summed over groups */
    double build_seconds;
    size_t database_bytes;
    /* where the databases came from (detect_hsdb.h): shared with an engine
     * already in memory, read from the disk cache, compiled now */
    uint32_t db_shared, db_from_disk, db_compiled, db_cache_rejected, db_cache_write_errors;
    uint32_t db_delta; /* delta databases (of new patterns) compiled for a reload */
    double compile_cpu_seconds;
    size_t database_bytes_new; /* bytes not shared with an engine already loaded */
};

/* Builds the engine from a finalized rule set (rs must outlive it). NULL on
 * failure with err filled. Free with detect_engine_free. */
struct detect_engine *detect_engine_build(const struct rule_set *rs,
                                          const struct detect_engine_options *opt,
                                          struct detect_engine_stats *stats, char *err,
                                          size_t errlen);
void detect_engine_free(struct detect_engine *de);
const struct rule_set *detect_engine_rule_set(const struct detect_engine *de);
/* A number unique to this engine in the process (engines built later get
 * larger ones): per-flow state records it to notice a rule reload. */
uint64_t detect_engine_generation(const struct detect_engine *de);

/* Transport index of an IP protocol number. */
enum detect_transport detect_transport_of(uint8_t ipproto);

/* The groups a packet must be checked against: fills out[0..n) (n <= 2;
 * n = 1 with any_port_in_port_groups).
 * server_port is the destination port of to-server packets and the source
 * port of to-client packets (ignored for icmp/other). */
unsigned detect_engine_groups(const struct detect_engine *de, enum detect_transport t,
                              bool toserver, uint16_t server_port,
                              const struct detect_group *out[2]);
/* Rules of a group, in rule-set order. */
const uint32_t *detect_group_rules(const struct detect_group *g, uint32_t *n);
/* Rules of a group without a prefilter pattern. */
const uint32_t *detect_group_nonprefilter(const struct detect_group *g, uint32_t *n);

/* Per-worker context; NULL on allocation failure. */
struct detect_thread_ctx *detect_thread_ctx_new(const struct detect_engine *de);
void detect_thread_ctx_free(struct detect_thread_ctx *ctx);

/* Candidate collection for one packet or transaction: reset, then scan each
 * available buffer of each group and add the non-prefilter rules, then read
 * the deduplicated candidate rule ids (sorted ascending, i.e. rule order). */
void detect_candidates_reset(struct detect_thread_ctx *ctx);
int detect_prefilter_scan(const struct detect_group *g, int buffer_id, const uint8_t *data,
                          uint32_t len, struct detect_thread_ctx *ctx);
void detect_candidates_add_nonprefilter(const struct detect_group *g,
                                        struct detect_thread_ctx *ctx);
uint32_t detect_candidates_get(struct detect_thread_ctx *ctx, const uint32_t **ids);
/* Like detect_candidates_add_nonprefilter, but skips rules that cannot match
 * these addresses: rules with a small source or destination address list
 * (IP-reputation rules such as ET's CINS, botcc and compromised lists, with
 * or without flags/threshold) are found through an address index; the others
 * are always added. Addresses from rule_ip_from_v4/v6; a superset of the
 * rules whose header matches, so the header is still checked. */
void detect_candidates_add_nonprefilter_addr(const struct detect_group *g, rule_ip_t src,
                                             rule_ip_t dst, struct detect_thread_ctx *ctx);

/* Inspects one buffer with one of a rule's lists (content, pcre, byte_*,
 * isdataat, bsize, base64) with Suricata's semantics, after applying the
 * list's transforms. */
bool detect_buffer_inspect(const struct rule *r, const struct rule_buffer_match *list,
                           const uint8_t *data, uint32_t len, struct detect_thread_ctx *ctx);
/* Applies a list's transforms; returns the transformed buffer (owned by ctx,
 * valid until the next call) or data itself when there are none; NULL when
 * a transform failed (from_base64 decoding nothing): nothing to inspect. */
const uint8_t *detect_transforms_apply(const struct rule_buffer_match *list, const uint8_t *data,
                                       uint32_t len, uint32_t *out_len,
                                       struct detect_thread_ctx *ctx);
/* Value of a byte_extract/byte_math variable after the last inspection. */
uint64_t detect_thread_byte_var(const struct detect_thread_ctx *ctx, unsigned idx);
/* Number of recursive inspection steps of the last detect_buffer_inspect. */
uint32_t detect_thread_last_steps(const struct detect_thread_ctx *ctx);

#endif
