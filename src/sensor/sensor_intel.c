/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor's side of the intelligence loop: configuration of indicator
 * sources, protected domains and the hub (command line and yaml), the feed
 * that publishes indicator snapshots to the workers, the reporter that sends
 * every alert to the hub, and their statistics.
 *
 * yaml (every key optional; command-line options add to / override it):
 *   intel:
 *     files:                       # STIX bundles, lists, CSV, Zeek intel files
 *       - /etc/vigil/blocklist.txt
 *       - {path: /etc/vigil/ja3.txt, kind: ja3, subdomains: no, source: x,
 *          tlp: amber, confidence: 80, name: "..."}
 *     subdomains: no               # domain values also match their subdomains
 *     protected-domains: [examplebank.com, /etc/vigil/protected.txt]
 *   hub:
 *     url: https://hub.example:8443
 *     token: T                     # or token-file: /etc/vigil/hub-token
 *     ca-file: /etc/vigil/hub-ca.pem   # or pin: AB:CD:... (certificate SHA-256)
 *     poll-interval: 5             # seconds
 *     resync-interval: 3600        # seconds between full re-reads
 *     report-alerts: yes
 *     report-tlp: amber
 *     spool-max-size: 64mb
 *     cache-dir / spool-dir: DIR   # default: the data directory
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intel/intel.h"
#include "intel/intel_feed.h"
#include "intel/intel_report.h"
#include "sensor/sensor_internal.h"
#include "util/config.h"
#include "util/json.h"
#include "util/log.h"

static struct sensor_intel global_intel;

static char *read_token_file(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "hub token file %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[512];
    char *t = fgets(buf, sizeof buf, fp) ? strdup(buf) : NULL;
    fclose(fp);
    if (!t) {
        snprintf(err, errlen, "hub token file %s: empty", path);
        return NULL;
    }
    t[strcspn(t, "\r\n")] = '\0';
    return t;
}

static bool node_bool(const struct config_node *n, const char *key, bool dflt)
{
    const struct config_node *c = config_node_child(n, key);
    bool b;
    if (c && config_node_value(c) && config_parse_bool(config_node_value(c), &b) == 0)
        return b;
    return dflt;
}

static const char *node_str(const struct config_node *n, const char *key)
{
    const struct config_node *c = config_node_child(n, key);
    return c ? config_node_value(c) : NULL;
}

static int add_file(struct intel_feed_config *fc, const char *path, const struct config_node *n,
                    bool subdomains, char *err, size_t errlen)
{
    if (fc->nfiles >= INTEL_FEED_MAX_FILES) {
        snprintf(err, errlen, "intel: too many indicator files (at most %d)",
                 INTEL_FEED_MAX_FILES);
        return -1;
    }
    struct intel_feed_file *f = &fc->files[fc->nfiles++];
    f->path = path;
    intel_load_opts_init(&f->opts);
    f->opts.subdomains = subdomains;
    if (!n)
        return 0;
    const char *kind = node_str(n, "kind");
    if (kind) {
        f->opts.kind = intel_kind_from_name(kind);
        if (f->opts.kind < 0) {
            snprintf(err, errlen, "%s:%d: intel.files: unknown kind '%s'",
                     config_node_file(n) ? config_node_file(n) : "--set", config_node_line(n),
                     kind);
            return -1;
        }
    }
    f->opts.subdomains = node_bool(n, "subdomains", subdomains);
    f->opts.source = node_str(n, "source");
    f->opts.name = node_str(n, "name");
    f->opts.tlp = node_str(n, "tlp");
    const char *conf = node_str(n, "confidence");
    if (conf)
        f->opts.confidence = atoi(conf);
    return 0;
}

static uint32_t seconds_ms(const struct config *cfg, const char *key, uint32_t dflt)
{
    const char *v = config_get(cfg, key);
    if (!v)
        return dflt;
    char *end;
    double s = strtod(v, &end);
    if (end == v || s <= 0)
        return dflt;
    if (*end == 'm' && end[1] == 's')
        return (uint32_t)s;
    return (uint32_t)(s * 1000);
}

const char *sensor_data_dir(const struct config *cfg, const char *log_dir)
{
    const char *d = config_get(cfg, "data-dir"); /* --data-dir */
    if (d && *d)
        return d;
    d = config_get(cfg, "default-data-dir");
    if (d && *d && access(d, W_OK) == 0)
        return d;
    return log_dir;
}

int sensor_intel_start(struct sensor_intel **out, const struct config *cfg,
                       const struct sensor_options *o, const char *log_dir, const char *data_dir,
                       struct swap_domain *readers)
{
    *out = NULL;
    struct sensor_intel *si = &global_intel;
    memset(si, 0, sizeof *si);
    char err[600] = "";
    struct intel_feed_config *fc = calloc(1, sizeof *fc);
    if (!fc)
        return 1;
    bool subdomains = config_get_bool(cfg, "intel.subdomains", false);
    const struct config_node *files = config_find(cfg, "intel.files");
    for (const struct config_node *n = files ? config_node_first_child(files) : NULL; n;
         n = config_node_next(n)) {
        const char *path = config_node_value(n);
        const struct config_node *opts = NULL;
        if (!path) {
            path = node_str(n, "path");
            opts = n;
        }
        if (!path)
            continue;
        if (add_file(fc, path, opts, subdomains, err, sizeof err) != 0)
            goto fail;
    }
    for (int i = 0; i < o->intel_file_count; i++)
        if (add_file(fc, o->intel_files[i], NULL, subdomains, err, sizeof err) != 0)
            goto fail;
    const struct config_node *prot = config_find(cfg, "intel.protected-domains");
    for (const struct config_node *n = prot ? config_node_first_child(prot) : NULL;
         n && fc->nprotected < INTEL_FEED_MAX_PROTECTED; n = config_node_next(n))
        if (config_node_value(n))
            fc->protected_domains[fc->nprotected++] = config_node_value(n);
    if (prot && !config_node_first_child(prot) && config_node_value(prot))
        fc->protected_domains[fc->nprotected++] = config_node_value(prot);
    for (int i = 0; i < o->protected_count && fc->nprotected < INTEL_FEED_MAX_PROTECTED; i++)
        fc->protected_domains[fc->nprotected++] = o->protected_domains[i];

    const char *url = o->hub_url ? o->hub_url : config_get(cfg, "hub.url");
    const char *token = o->hub_token ? o->hub_token : config_get(cfg, "hub.token");
    const char *token_file = o->hub_token_file ? o->hub_token_file : config_get(cfg, "hub.token-file");
    if (url && !token && token_file) {
        si->token = read_token_file(token_file, err, sizeof err);
        if (!si->token)
            goto fail;
        token = si->token;
    }
    if (url && !token) {
        snprintf(err, sizeof err, "--hub needs a token (--hub-token or --hub-token-file, or "
                                      "hub.token in the configuration)");
        goto fail;
    }
    if (url) {
        fc->hub_enabled = true;
        fc->hub.url = url;
        fc->hub.token = token;
        fc->hub.ca_file = o->hub_ca ? o->hub_ca : config_get(cfg, "hub.ca-file");
        fc->hub.pin = o->hub_pin ? o->hub_pin : config_get(cfg, "hub.pin");
        fc->api_root = config_get(cfg, "hub.api-root");
        fc->poll_interval_ms = o->hub_poll_ms ? o->hub_poll_ms
                                              : seconds_ms(cfg, "hub.poll-interval", 5000);
        fc->resync_interval_s = seconds_ms(cfg, "hub.resync-interval", 3600000) / 1000;
        fc->initial_timeout_ms = seconds_ms(cfg, "hub.initial-timeout", 5000);
        fc->cache_dir = config_get(cfg, "hub.cache-dir") ? config_get(cfg, "hub.cache-dir")
                                                         : data_dir;
    }
    fc->report_dir = log_dir;
    si->active = fc->nfiles || fc->nprotected || fc->hub_enabled;
    struct intel_reporter_config rc = {0};
    bool report = url && config_get_bool(cfg, "hub.report-alerts", true);
    if (report) {
        rc.hub = fc->hub;
        rc.spool_dir = config_get(cfg, "hub.spool-dir") ? config_get(cfg, "hub.spool-dir")
                                                        : data_dir;
        uint64_t max = 0;
        if (config_get_size(cfg, "hub.spool-max-size", &max) == 0)
            rc.spool_max_bytes = max;
        rc.tlp = config_get(cfg, "hub.report-tlp");
        rc.flush_ms = seconds_ms(cfg, "hub.report-flush", 200);
    }
    if (!si->active || !readers) { /* nothing to do, or -T: the configuration only */
        free(si->token);
        si->token = NULL;
        si->active = false;
        free(fc);
        return 0;
    }
    /* The feed and reporter threads never take signals (as the workers):
     * SIGHUP/SIGTERM must interrupt the main thread's sleeps and polls. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    si->feed = intel_feed_start(fc, readers, &si->slot, err, sizeof err);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!si->feed)
        goto fail;
    if (report) {
        pthread_sigmask(SIG_SETMASK, &all, &old);
        si->reporter = intel_reporter_start(&rc, err, sizeof err);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!si->reporter)
            goto fail;
    }
    free(fc);
    *out = si;
    return 0;
fail:
    log_error("%s", err);
    if (si->feed)
        intel_feed_stop(si->feed);
    si->feed = NULL;
    free(si->token);
    si->token = NULL;
    free(fc);
    return 2;
}

void sensor_intel_drain(struct sensor_intel *si)
{
    if (!si || !si->reporter)
        return;
    struct intel_reporter *r = si->reporter;
    si->reporter = NULL; /* workers are done: nothing submits any more */
    intel_reporter_stop(r, 3000, &si->report_final);
    si->report_drained = true;
}

void sensor_intel_stop(struct sensor_intel *si)
{
    if (!si)
        return;
    sensor_intel_drain(si);
    intel_feed_stop(si->feed);
    si->feed = NULL;
    free(si->token);
    si->token = NULL;
}

void sensor_intel_write_stats(const struct sensor_intel *si, const struct intel_match_stats *ms,
                              struct json_writer *w)
{
    if (!si || !si->active)
        return;
    struct intel_feed_stats fs;
    intel_feed_get_stats(si->feed, &fs);
    json_key_object_begin(w, "intel");
    json_key_u64(w, "indicators", fs.indicators);
    json_key_u64(w, "protected_domains", fs.protected_domains);
    json_key_u64(w, "generation", fs.generation);
    json_key_u64(w, "updates", fs.updates);
    json_key_u64(w, "memory", fs.memory);
    json_key_u64(w, "unmatchable", fs.unmatchable);
    json_key_u64(w, "invalid", fs.invalid);
    json_key_u64(w, "expired", fs.expired);
    json_key_u64(w, "revoked", fs.revoked);
    json_key_u64(w, "allow_listed", fs.benign);
    json_key_u64(w, "lookups", ms->lookups);
    json_key_u64(w, "hits", ms->hits);
    json_key_u64(w, "lookalike_checks", ms->lookalike_checks);
    json_key_u64(w, "lookalike_hits", ms->lookalike_hits);
    if (si->feed && fs.polls) {
        json_key_object_begin(w, "hub_pull");
        json_key_u64(w, "polls", fs.polls);
        json_key_u64(w, "empty_polls", fs.empty_polls);
        json_key_u64(w, "errors", fs.poll_errors);
        json_key_u64(w, "objects", fs.objects_received);
        json_key_u64(w, "last_poll_usec", fs.last_poll_us);
        json_key_u64(w, "last_build_usec", fs.last_build_us);
        json_key_bool(w, "reachable", fs.hub_reachable);
        json_object_end(w);
    }
    json_object_end(w);
    if (si->reporter || si->report_drained) {
        struct intel_reporter_stats rs = si->report_final;
        if (si->reporter)
            intel_reporter_get_stats(si->reporter, &rs);
        json_key_object_begin(w, "hub_report");
        json_key_u64(w, "alerts", rs.submitted - rs.stats_submitted);
        json_key_u64(w, "stats", rs.stats_submitted);
        json_key_u64(w, "sent", rs.sent);
        json_key_u64(w, "spooled", rs.spooled);
        json_key_u64(w, "retried", rs.retried);
        json_key_u64(w, "dropped", rs.dropped);
        json_key_u64(w, "rejected", rs.rejected);
        json_key_u64(w, "pending", rs.pending);
        json_object_end(w);
    }
}

bool sensor_intel_reports(const struct sensor_intel *si)
{
    return si && si->reporter;
}

void sensor_intel_report_stats(struct sensor_intel *si, const char *line, size_t len)
{
    if (si && si->reporter && len)
        intel_reporter_submit_stats(si->reporter, line, len);
}

/* ---------- worker side ---------- */

void sensor_intel_report_alert(struct worker *w, const struct eve_writer *ew)
{
    const struct sensor_intel *si = w->shared->intel;
    if (!si || !si->reporter || ew->json.failed || ew->json.len == 0)
        return;
    intel_reporter_submit(si->reporter, ew->json.data, ew->json.len);
}

static void raise_cb(void *user, struct flow *flow, const struct packet *packet,
                     const struct builtin_alert *alert)
{
    struct worker *w = user;
    worker_raise_alert(w, packet, flow, w->now_usec, alert);
}

void sensor_intel_worker_init(struct worker *w)
{
    w->intel_matcher.user = w;
    w->intel_matcher.raise = raise_cb;
}

static const struct intel_snapshot *current(struct worker *w)
{
    const struct sensor_intel *si = w->shared->intel;
    if (!si || !si->active)
        return NULL;
    /* the slot is const in shared; reading it is the reader's side */
    return swap_slot_get((struct swap_slot *)&si->slot);
}

void sensor_intel_flow(struct worker *w, struct flow *f, const struct packet *p)
{
    const struct intel_snapshot *snap = current(w);
    if (!snap || f->intel_generation == snap->generation)
        return;
    intel_match_flow(&w->intel_matcher, snap, f, p, f->intel_generation);
    f->intel_generation = snap->generation;
}

void sensor_intel_tx(struct worker *w, struct flow *f, const struct packet *p,
                     const struct app_tx *tx, uint8_t direction)
{
    const struct intel_snapshot *snap = current(w);
    if (snap)
        intel_match_tx(&w->intel_matcher, snap, f, p, tx, direction);
}

void sensor_intel_file(struct worker *w, struct flow *f, const struct packet *p,
                       const struct app_file *file)
{
    const struct intel_snapshot *snap = current(w);
    if (snap)
        intel_match_file(&w->intel_matcher, snap, f, p, file);
}
