/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor's indicator feed: loads files at start, pulls a hub's TAXII
 * collections in the background, and publishes immutable snapshots (the
 * indicator sets and the protected domains) that workers read without locks
 * (util/swap.h). A new snapshot is built beside the current one and
 * published with one atomic store between packets; the previous one is freed
 * once every worker has passed a quiescent point.
 *
 * Hub protocol (TAXII 2.1): the collections the sensor's token can read are
 * polled every poll_interval with added_after (the X-TAXII-Date-Added-Last of
 * the previous poll) and followed through `next` pages; the latest version of
 * each indicator wins; revoked, expired (valid_until) and not yet valid ones
 * are left out; a full re-read every resync_interval also drops objects the
 * hub deleted. Indicators with x_vigil_protected_domain are protected
 * domains (look-alike detection); other "benign" indicators are allow-list
 * entries and never alert. The state is cached on disk (cache_dir) so a
 * restart without the hub detects at once. */
#ifndef VIGIL_INTEL_FEED_H
#define VIGIL_INTEL_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "intel/hub_client.h"
#include "intel/intel_source.h"
#include "util/swap.h"

struct intel_set;
struct lookalike_set;

/* What workers read: valid between two quiescent points. */
struct intel_snapshot {
    const struct intel_set *sets[2];           /* files, hub (either may be NULL) */
    const struct lookalike_set *protected_domains; /* may be NULL */
    uint32_t generation;                       /* increases with every publication */
    /* ownership, for the feed */
    struct intel_set *owned_hub_set;
    struct lookalike_set *owned_protected;
};

#define INTEL_FEED_MAX_FILES 64
#define INTEL_FEED_MAX_PROTECTED 1024

struct intel_feed_file {
    const char *path;
    struct intel_load_opts opts;
};

struct intel_feed_config {
    struct intel_feed_file files[INTEL_FEED_MAX_FILES];
    int nfiles;
    const char *protected_domains[INTEL_FEED_MAX_PROTECTED]; /* names, or files with '/' */
    int nprotected;
    bool hub_enabled;
    struct hub_client_config hub;
    const char *api_root;          /* "/vigil/"; NULL: TAXII discovery */
    uint32_t poll_interval_ms;     /* default 5000 */
    uint32_t resync_interval_s;    /* default 3600 */
    uint32_t initial_timeout_ms;   /* first pull before packets are read (default 5000) */
    const char *cache_dir;         /* NULL: no cache */
    const char *report_dir;        /* intel-unmatched.tsv goes there (NULL: not written) */
};

struct intel_feed_stats {
    uint64_t generation;
    uint64_t indicators;     /* distinct values in the current sets */
    uint64_t protected_domains;
    uint64_t unmatchable, invalid, expired, revoked, benign;
    uint64_t polls, poll_errors, empty_polls;
    uint64_t objects_received;
    uint64_t updates;        /* snapshots published */
    uint64_t last_poll_us;   /* duration of the last poll */
    uint64_t last_build_us;  /* duration of the last set build */
    uint64_t memory;         /* bytes of the current sets */
    bool hub_reachable;
};

struct intel_feed;

/* Loads the files and the cache, makes the first pull from the hub (bounded
 * by initial_timeout_ms) and publishes the first snapshot into slot; starts
 * the poller when a hub is configured. readers is the swap domain of the
 * workers. NULL with err when a configured file cannot be read. */
struct intel_feed *intel_feed_start(const struct intel_feed_config *c, struct swap_domain *readers,
                                    struct swap_slot *slot, char *err, size_t errlen);
/* Stops the poller and frees everything; workers must be stopped (or
 * offline for good) first. */
void intel_feed_stop(struct intel_feed *f);
void intel_feed_get_stats(struct intel_feed *f, struct intel_feed_stats *out);
/* Polls now (tests, the control socket); returns when the poll is done. */
int intel_feed_poll_now(struct intel_feed *f);

/* Frees a snapshot's owned parts (not the file set, which the feed owns). */
void intel_snapshot_free(struct intel_snapshot *s);

#endif
