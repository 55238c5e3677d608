/* SPDX-License-Identifier: Apache-2.0 */
/* Reporting alerts to the hub as they happen: every EVE alert line (rules,
 * shared indicators, any built-in detector) gets an idempotent report id and
 * is POSTed to the hub's /api/v1/eve in batches by a background thread.
 *
 * Delivery: a batch that cannot be delivered (hub down, 5xx, 429, 401/403)
 * goes to an on-disk spool and is retried with exponential back-off (1 s
 * doubling to 60 s); the spool is sent first, oldest first, when the hub
 * answers again. The spool is bounded (spool_max_bytes): past it the oldest
 * segment is dropped, counted and logged. The read position in the spool is
 * recorded after each delivered batch, so a crash re-sends at most one batch,
 * which the hub recognises by its report ids (it stores one sighting per id).
 * At stop the memory queue is sent if the hub answers within a few seconds,
 * else spooled: nothing is lost across restarts. */
#ifndef VIGIL_INTEL_REPORT_H
#define VIGIL_INTEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/hub_client.h"

struct intel_reporter_config {
    struct hub_client_config hub;
    const char *spool_dir;       /* required: where the spool lives */
    uint64_t spool_max_bytes;    /* default 64 MiB */
    uint32_t batch_max;          /* lines per POST (default 500) */
    uint32_t flush_ms;           /* wait this long to fill a batch (default 200) */
    uint32_t queue_max;          /* lines in memory before spilling to disk (default 100000) */
    const char *tlp;             /* ?tlp= for the hub (NULL: the hub's default) */
};

struct intel_reporter_stats {
    uint64_t submitted, sent, spooled, retried, dropped, rejected; /* events */
    uint64_t stats_submitted; /* of submitted: stats events (the rest are alerts) */
    uint64_t pending; /* in memory and in the spool */
    uint64_t posts, post_errors;
};

struct intel_reporter;

/* Starts the sender thread. NULL with err (spool directory unusable). */
struct intel_reporter *intel_reporter_start(const struct intel_reporter_config *c, char *err,
                                            size_t errlen);
/* Queues one EVE line (a JSON object, with or without the newline); any
 * thread; copies the line; never blocks on the network. */
void intel_reporter_submit(struct intel_reporter *r, const char *line, size_t len);
/* The same for a stats event (the sensor's counters for the hub's sensors
 * view), counted apart from the alerts. */
void intel_reporter_submit_stats(struct intel_reporter *r, const char *line, size_t len);
/* Sends what it can within about wait_ms, spools the rest, stops; the last
 * counters go to final (may be NULL). */
void intel_reporter_stop(struct intel_reporter *r, uint32_t wait_ms,
                         struct intel_reporter_stats *final);
void intel_reporter_get_stats(struct intel_reporter *r, struct intel_reporter_stats *out);

#endif
