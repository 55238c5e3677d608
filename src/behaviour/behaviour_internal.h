/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/behaviour/: the per-worker context and the scan
 * detector's trackers. */
#ifndef VIGIL_BEHAVIOUR_INTERNAL_H
#define VIGIL_BEHAVIOUR_INTERNAL_H

#include <pthread.h>

#include "behaviour/behaviour.h"
#include "decode/packet.h"

/* Distinct ports (vertical) or hosts (horizontal) are counted in a bitmap of
 * hashed values: a value whose bit is already set is not counted again. With
 * 1,024 bits the count is exact in practice up to a few dozen values and
 * only ever under-counts (a collision), so it never makes an alert up. */
#define SCAN_BITMAP_BITS 1024

enum scan_tracker_type {
    SCAN_T_VERTICAL = 1,   /* (source, destination host, proto): distinct ports */
    SCAN_T_HORIZONTAL,     /* (source, destination port, proto): distinct hosts */
    SCAN_T_SOURCE,         /* (source): when each kind last alerted, for suppression */
    SCAN_T_BRUTE,          /* (source, server, service port, service): failed attempts */
    SCAN_T_DNS,            /* (client, parent domain hash): DNS tunnel evidence */
    SCAN_T_DGA,            /* (client): distinct DGA-like registered domains */
    SCAN_T_BEACON,         /* (source, destination, port, proto): connection ring */
    SCAN_T_PROFILE,        /* (internal host): its habits, gids 7204/7205 */
};

/* Alert kinds, one alert per source per kind and window. */
enum { SCAN_K_TCP_V, SCAN_K_TCP_H, SCAN_K_UDP_V, SCAN_K_UDP_H, SCAN_K_ICMP_H,
       SCAN_K_BF_FIRST, /* + a BEHAVIOUR_SID_BF_* value: brute force per service */
       SCAN_K_MAX = SCAN_K_BF_FIRST + BEHAVIOUR_BF_SERVICES };

struct scan_key {
    uint8_t type, proto;
    uint16_t port;
    struct ip_address src, other;
};

struct scan_tracker {
    struct scan_key key;
    uint32_t hash;
    bool alerted;                    /* this tracker's threshold alerted in its window */
    uint16_t probe_kinds;            /* bit per enum behaviour_probe seen in the window */
    uint32_t distinct;
    uint64_t first_usec, last_usec;
    uint32_t n[4];                   /* SCAN_T_DNS: counters of the window */
    uint64_t alert_usec[SCAN_K_MAX]; /* SCAN_T_SOURCE: last alert per kind (0: none) */
    struct scan_tracker *hnext, *lru_prev, *lru_next;
    uint8_t bits[SCAN_BITMAP_BITS / 8];
};

/* The trackers, shared by the workers: lock held for probe flows only. */
struct behaviour_store {
    pthread_mutex_t lock;
    struct behaviour_config cfg;
    uint64_t window_usec;            /* scan window */
    uint64_t bf_window_usec;         /* brute-force window */
    uint64_t dns_window_usec;        /* DNS tunnel/DGA window */
    uint64_t max_window_usec;        /* the longer: a tracker idle that long is reusable */
    uint32_t seed;
    struct scan_tracker **buckets;
    uint32_t mask;
    uint32_t max_trackers;
    struct scan_tracker *lru_head, *lru_tail; /* head: least recently touched */
    struct behaviour_stats stats;    /* trackers, tracker_reused, memcap_evictions, memuse */
    int nctx;                        /* contexts attached (the first reports the above) */
    struct behaviour_store *profiles; /* per-host profiles (own lock), or NULL */
    struct fraud_table *fraud;       /* SIP and ISO 8583 fraud (own lock), or NULL */
};

/* One worker's view: its alert callback and counters; no shared writes. */
struct behaviour_ctx {
    struct behaviour_config cfg;
    struct behaviour_store *store;
    struct behaviour_store *beacon; /* this worker's own (pairs stay on one worker) */
    bool own_store, report_store;
    behaviour_alert_fn alert;
    void *alert_user;
    struct behaviour_stats stats;    /* scan_probes, scan_alerts, scan_suppressed */
    char meta_count[24], meta_window[24], meta_probes[96], meta_service[16];
    char dns_name[256], dns_parent[256], dns_example[256];
};

/* An internal host's profile (behaviour_exfil.c): lives in the bitmap bytes
 * of its SCAN_T_PROFILE tracker; first_usec/last_usec of the tracker are
 * when the host was first and last seen. Saved across restarts by
 * behaviour_persist.c (which writes it field by field). */
struct host_profile {
    uint64_t win_start;          /* current window's start */
    uint64_t win_bytes;          /* bytes out to external hosts in it */
    uint64_t dns_bytes, icmp_bytes;
    double baseline;             /* weighted mean of past windows' bytes */
    uint32_t windows;            /* windows folded into the baseline */
    uint32_t flows;              /* external flows seen */
    uint32_t flags;
    uint8_t dests[32];           /* Bloom filter of external destinations used */
    uint8_t fps[32];             /* Bloom filter of client fingerprints (JA4, HASSH) */
};
_Static_assert(sizeof(struct host_profile) <= SCAN_BITMAP_BITS / 8, "profile fits the bitmap");

/* behaviour_persist.c: the profiles of a saved file's bytes (the fuzzer's
 * entry); the number loaded or -1 with the reason in err. */
int behaviour_profiles_parse(struct behaviour_store *s, const uint8_t *buf, size_t size,
                             const char *path, char *err, size_t errlen);

/* Shared with behaviour_bruteforce.c (behaviour_scan.c): tracker lookup with
 * the store locked, and the group-address test. */
struct scan_tracker *behaviour_tracker_get(struct behaviour_store *b, const struct scan_key *k,
                                           uint64_t now_usec);
bool behaviour_addr_is_group(const struct ip_address *a);
/* Counts value v in the tracker's bitmap; true when it was new. */
bool behaviour_tracker_add(struct scan_tracker *t, uint32_t v);
/* Does the configuration turn on any detector (a store is needed)? */
bool behaviour_any_enabled(const struct behaviour_config *c);
/* behaviour_bruteforce.c: a finished flow's brute-force verdict (SSH). */
void behaviour_bruteforce_flow_end(struct behaviour_ctx *b, struct flow *f);
/* behaviour_beacon.c: a finished flow's connection for beaconing. */
void behaviour_beacon_flow_end(struct behaviour_ctx *b, struct flow *f);
/* A store of the given memcap (the beacon store of one worker). */
struct behaviour_store *behaviour_store_new_cap(const struct behaviour_config *c, uint64_t memcap,
                                                uint64_t idle_usec);
/* behaviour_dns.c: a DNS transaction (request or response). */
struct app_tx;
void behaviour_dns_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts_usec,
                      const struct app_tx *tx);

/* struct flow.behaviour_flags: the bits below 0x10 are the brute-force
 * detector's (behaviour_bruteforce.c). */
#define BEHAVIOUR_FLOW_SERVED 0x10u /* the flow's server was noted as one */

/* behaviour_exfil.c: a finished flow's share of the host profiles. */
void behaviour_profile_flow_end(struct behaviour_ctx *b, struct flow *f);
bool behaviour_profiles_wanted(const struct behaviour_config *c);
/* behaviour_content.c: a transaction's content (cleartext card numbers and
 * IBANs leaving, fingerprints, server certificates). */
void behaviour_content_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts_usec,
                          const struct app_tx *tx, uint8_t direction);

/* behaviour_fraud.c: SIP and ISO 8583 transactions (gids 7300, 7303). */
struct fraud_table;
struct fraud_table *behaviour_fraud_new(const struct behaviour_config *c, uint64_t *memuse);
void behaviour_fraud_free(struct fraud_table *t);
void behaviour_fraud_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts_usec,
                        const struct app_tx *tx, uint8_t direction);

#endif
