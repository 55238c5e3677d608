/* SPDX-License-Identifier: Apache-2.0 */
/* Matching shared indicators (and protected domains' look-alikes) where
 * they appear on the wire: flow endpoints, the fields of application-layer
 * transactions (read by buffer name through app_tx_get_buffer_dir, from one
 * table, so a new protocol only adds table lines), and files when they
 * close. A hit becomes a built-in alert (gid 7000; look-alikes 7001) whose
 * alert.metadata names the indicator; see docs/intel.md for the sids. */
#ifndef VIGIL_INTEL_MATCH_H
#define VIGIL_INTEL_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "util/builtin_alert.h"

struct intel_snapshot;
struct flow;
struct packet;
struct app_tx;
struct app_file;

#define INTEL_GID 7000
#define LOOKALIKE_GID 7001

struct intel_match_stats {
    uint64_t lookups; /* values looked up */
    uint64_t hits;    /* indicator hits (alerts raised) */
    uint64_t lookalike_checks, lookalike_hits;
};

/* Per worker. raise() writes one alert (the worker's worker_raise_alert). */
struct intel_matcher {
    void *user;
    void (*raise)(void *user, struct flow *flow, const struct packet *packet,
                  const struct builtin_alert *alert);
    struct intel_match_stats stats;
};

/* Flow endpoints: alerts for addresses of the flow matching indicators that
 * appeared after generation since (0: all). packet may be NULL. */
void intel_match_flow(struct intel_matcher *m, const struct intel_snapshot *snap,
                      struct flow *flow, const struct packet *packet, uint32_t since);

/* One direction of a transaction (app_event_sink.tx_inspect). */
void intel_match_tx(struct intel_matcher *m, const struct intel_snapshot *snap,
                    struct flow *flow, const struct packet *packet, const struct app_tx *tx,
                    uint8_t direction);

/* A closed file: its hashes and name. */
void intel_match_file(struct intel_matcher *m, const struct intel_snapshot *snap,
                      struct flow *flow, const struct packet *packet, const struct app_file *file);

#endif
