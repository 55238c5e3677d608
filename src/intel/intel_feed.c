/* SPDX-License-Identifier: Apache-2.0 */
/* The indicator feed (intel_feed.h): files, the hub's TAXII collections, the
 * on-disk cache, and publication of snapshots to the workers. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "intel/intel.h"
#include "intel/intel_feed.h"
#include "intel/lookalike.h"
#include "intel/stix_pattern.h"
#include "util/log.h"

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define PAGE_LIMIT 1000
#define REPORT_MAX 10000
#define MAX_COLLECTIONS 256

struct report_entry {
    bool unmatchable;
    char *what, *why;
};

struct report_list {
    struct report_entry *e;
    size_t n, cap;
    size_t dropped; /* past REPORT_MAX */
};

struct collection {
    char *id, *title;
    char cursor[48]; /* added_after for the next poll ("" : from the start) */
};

struct intel_feed {
    struct intel_feed_config cfg;
    struct swap_domain *readers;
    struct swap_slot *slot;
    struct intel_set *file_set;
    struct intel_load_stats file_stats;
    struct report_list file_reports;
    char **static_protected; /* names from the configuration and files */
    size_t nstatic_protected;

    /* hub state, under lock */
    pthread_mutex_t lock;
    struct hub_client *hub;
    char api_root[512];
    struct collection colls[MAX_COLLECTIONS];
    int ncolls;
    json_t *state;  /* id -> stripped indicator (+ x_vigil_first_generation, x_vigil_collection) */
    json_t *orgs;   /* identity id -> organisation name */
    uint32_t generation;
    int64_t next_expiry; /* earliest valid_until/valid_from change of the current build */
    time_t last_resync;
    bool hub_error_logged;

    struct intel_snapshot *retired[8]; /* replaced while stopping: freed by intel_feed_stop */
    int nretired;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t wait_lock;
    pthread_cond_t wait_cond;
    bool stop;

    /* statistics */
    _Atomic uint64_t polls, poll_errors, empty_polls, objects_received, updates, last_poll_us,
        last_build_us;
    _Atomic uint64_t hub_stat_unmatchable, hub_stat_invalid, hub_stat_expired, hub_stat_revoked,
        hub_stat_benign, indicators, protected_count, memory, cur_generation;
    _Atomic bool hub_reachable;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---------- reports of values not used ---------- */

static void report_add(void *user, bool unmatchable, const char *what, const char *why)
{
    struct report_list *r = user;
    if (r->n >= REPORT_MAX) {
        r->dropped++;
        return;
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        struct report_entry *p = realloc(r->e, nc * sizeof *p);
        if (!p) {
            r->dropped++;
            return;
        }
        r->e = p;
        r->cap = nc;
    }
    r->e[r->n].unmatchable = unmatchable;
    r->e[r->n].what = strdup(what ? what : "");
    r->e[r->n].why = strdup(why ? why : "");
    r->n++;
}

static void report_free(struct report_list *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->e[i].what);
        free(r->e[i].why);
    }
    free(r->e);
    memset(r, 0, sizeof *r);
}

static void report_write(FILE *fp, const struct report_list *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(fp, "%s\t%s\t%s\n", r->e[i].unmatchable ? "unmatchable" : "invalid",
                r->e[i].what, r->e[i].why);
    if (r->dropped)
        fprintf(fp, "more\t%zu further entries not listed\t\n", r->dropped);
}

static void reports_save(struct intel_feed *f, const struct report_list *hub)
{
    if (!f->cfg.report_dir)
        return;
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/intel-unmatched.tsv", f->cfg.report_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp)
        return;
    fputs("# status\tindicator (STIX id or file:line)\treason\n", fp);
    report_write(fp, &f->file_reports);
    if (hub)
        report_write(fp, hub);
    if (fclose(fp) == 0)
        rename(tmp, path);
    else
        unlink(tmp);
}

/* ---------- snapshots ---------- */

void intel_snapshot_free(struct intel_snapshot *s)
{
    if (!s)
        return;
    intel_set_free(s->owned_hub_set);
    lookalike_set_free(s->owned_protected);
    free(s);
}

static void publish(struct intel_feed *f, struct intel_snapshot *snap)
{
    unsigned hashes = 0;
    for (int i = 0; i < 2; i++) {
        if (intel_set_has_kind(snap->sets[i], INTEL_KIND_FILE_MD5))
            hashes |= APP_INSPECT_MD5;
        if (intel_set_has_kind(snap->sets[i], INTEL_KIND_FILE_SHA1))
            hashes |= APP_INSPECT_SHA1;
        if (intel_set_has_kind(snap->sets[i], INTEL_KIND_FILE_SHA256))
            hashes |= APP_INSPECT_SHA256;
    }
    app_layer_set_inspection_hashes(hashes); /* before the set that needs them is visible */
    struct intel_snapshot *old = swap_slot_publish(f->slot, snap);
    atomic_store(&f->cur_generation, snap->generation);
    atomic_fetch_add(&f->updates, 1);
    if (!old)
        return;
    /* Readers may hold the previous snapshot until their next quiescent
     * point; a reader that stalls delays the free, never a packet. */
    while (swap_synchronize(f->readers, NULL, 1000) != 0) {
        pthread_mutex_lock(&f->wait_lock);
        bool stop = f->stop;
        pthread_mutex_unlock(&f->wait_lock);
        if (stop && f->nretired < 8) {
            /* a reader may still hold it: freed after the workers stopped */
            f->retired[f->nretired++] = old;
            return;
        }
    }
    intel_snapshot_free(old);
}

static int64_t wall_sec(void)
{
    return (int64_t)time(NULL);
}

struct domain_collect {
    struct lookalike_builder *lb;
    const char *owner, *id;
    size_t added;
};

static int collect_protected(void *user, enum intel_kind kind, const char *value, size_t len,
                             unsigned flags)
{
    (void)flags;
    struct domain_collect *dc = user;
    if (kind != INTEL_KIND_DOMAIN)
        return 0;
    char name[300], err[160];
    if (len >= sizeof name)
        return 0;
    memcpy(name, value, len);
    name[len] = '\0';
    if (lookalike_builder_add(dc->lb, name, dc->owner, dc->id, err, sizeof err) == 0)
        dc->added++;
    return 0;
}

static bool is_benign(const json_t *obj)
{
    const json_t *types = json_object_get(obj, "indicator_types");
    size_t i;
    const json_t *t;
    json_array_foreach(types, i, t)
    {
        const char *s = json_string_value(t);
        if (s && strcmp(s, "benign") == 0)
            return true;
    }
    return false;
}

/* Builds a snapshot from the file set, the static protected domains and the
 * hub state (lock held). */
static struct intel_snapshot *build_snapshot(struct intel_feed *f, uint32_t generation,
                                             struct report_list *hub_reports)
{
    uint64_t t0 = now_us();
    struct intel_snapshot *snap = calloc(1, sizeof *snap);
    struct intel_builder *b = intel_builder_new();
    struct lookalike_builder *lb = lookalike_builder_new();
    if (!snap || !b || !lb) {
        free(snap);
        intel_builder_free(b);
        lookalike_builder_free(lb);
        return NULL;
    }
    char err[200];
    for (size_t i = 0; i < f->nstatic_protected; i++)
        lookalike_builder_add(lb, f->static_protected[i], NULL, NULL, err, sizeof err);
    struct intel_load_stats st = {0};
    int64_t now = wall_sec();
    int64_t next_expiry = 0;
    uint64_t benign = 0;
    const char *id;
    json_t *obj;
    json_object_foreach(f->state, id, obj)
    {
        struct intel_stix_indicator si;
        char why[200];
        if (intel_stix_indicator_read(obj, &si, why, sizeof why) != 0)
            continue;
        const char *producer =
            si.created_by_ref ? json_string_value(json_object_get(f->orgs, si.created_by_ref))
                              : NULL;
        if (json_is_true(json_object_get(obj, "x_vigil_protected_domain"))) {
            if (si.revoked || (si.valid_until && si.valid_until <= now))
                continue;
            struct domain_collect dc = {.lb = lb, .owner = producer ? producer : si.created_by_ref,
                                        .id = si.id};
            /* the name as registered ("amazon.*" has no STIX comparison
             * form the pattern mapper reads: its pattern is a LIKE) */
            const char *pname = json_string_value(json_object_get(obj, "x_vigil_protected_name"));
            if (pname)
                lookalike_builder_add(lb, pname, dc.owner, dc.id, why, sizeof why);
            else
                intel_stix_pattern_map(si.pattern, collect_protected, &dc, why, sizeof why);
            continue;
        }
        if (is_benign(obj) && !si.revoked) {
            benign++;
            continue;
        }
        if (si.valid_until > now && (!next_expiry || si.valid_until < next_expiry))
            next_expiry = si.valid_until;
        if (si.valid_from > now && (!next_expiry || si.valid_from < next_expiry))
            next_expiry = si.valid_from;
        struct intel_load_opts o;
        intel_load_opts_init(&o);
        o.now_sec = now;
        o.generation = (uint32_t)json_integer_value(json_object_get(obj, "x_vigil_first_generation"));
        if (!o.generation)
            o.generation = generation;
        o.report = report_add;
        o.user = hub_reports;
        char source[300];
        snprintf(source, sizeof source, "hub:%s",
                 json_string_value(json_object_get(obj, "x_vigil_collection"))
                     ? json_string_value(json_object_get(obj, "x_vigil_collection"))
                     : "");
        if (intel_stix_add(b, &si, producer, source, &o, &st) < 0) {
            intel_builder_free(b);
            lookalike_builder_free(lb);
            free(snap);
            return NULL;
        }
    }
    size_t n = intel_builder_count(b);
    struct intel_set *hub_set = NULL;
    if (n) {
        hub_set = intel_builder_finish(b, generation);
        if (!hub_set) {
            lookalike_builder_free(lb);
            free(snap);
            return NULL;
        }
    } else {
        intel_builder_free(b);
    }
    snap->owned_hub_set = hub_set;
    snap->owned_protected = lookalike_builder_finish(lb);
    snap->sets[0] = f->file_set;
    snap->sets[1] = hub_set;
    snap->protected_domains = snap->owned_protected;
    snap->generation = generation;
    f->next_expiry = next_expiry;
    atomic_store(&f->hub_stat_unmatchable, st.unmatchable);
    atomic_store(&f->hub_stat_invalid, st.invalid);
    atomic_store(&f->hub_stat_expired, st.expired);
    atomic_store(&f->hub_stat_revoked, st.revoked);
    atomic_store(&f->hub_stat_benign, benign);
    atomic_store(&f->indicators, (uint64_t)(intel_set_total(f->file_set) + intel_set_total(hub_set)));
    atomic_store(&f->protected_count, (uint64_t)lookalike_set_count(snap->owned_protected));
    atomic_store(&f->memory, (uint64_t)(intel_set_memory(f->file_set) + intel_set_memory(hub_set)));
    atomic_store(&f->last_build_us, now_us() - t0);
    return snap;
}

static void rebuild_and_publish(struct intel_feed *f)
{
    struct report_list hub_reports = {0};
    uint32_t gen = f->generation + 1;
    struct intel_snapshot *snap = build_snapshot(f, gen, &hub_reports);
    if (!snap) {
        log_warning("intel: cannot build the indicator set (out of memory); keeping the "
                    "current one");
        report_free(&hub_reports);
        return;
    }
    f->generation = gen;
    reports_save(f, &hub_reports);
    if (hub_reports.n)
        log_info("intel: %zu hub indicators or values not used (see intel-unmatched.tsv)",
                 hub_reports.n + hub_reports.dropped);
    report_free(&hub_reports);
    publish(f, snap);
}

/* ---------- cache ---------- */

static void cache_path(const struct intel_feed *f, char *out, size_t cap)
{
    snprintf(out, cap, "%s/vigil-intel-cache.json", f->cfg.cache_dir);
}

static void cache_save(struct intel_feed *f)
{
    if (!f->cfg.cache_dir)
        return;
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "hub", json_string(f->cfg.hub.url ? f->cfg.hub.url : ""));
    json_t *cur = json_object();
    for (int i = 0; i < f->ncolls; i++)
        json_object_set_new(cur, f->colls[i].id, json_pack("{s:s,s:s}", "title",
                                                           f->colls[i].title, "added_after",
                                                           f->colls[i].cursor));
    json_object_set_new(root, "collections", cur);
    json_object_set(root, "orgs", f->orgs);
    json_t *objs = json_array();
    const char *id;
    json_t *obj;
    json_object_foreach(f->state, id, obj)
        json_array_append(objs, obj);
    json_object_set_new(root, "objects", objs);
    char path[4096], tmp[4200];
    cache_path(f, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (json_dump_file(root, tmp, JSON_COMPACT) == 0) {
        if (rename(tmp, path) != 0)
            log_warning("intel: cannot write %s: %s", path, strerror(errno));
    } else {
        log_warning("intel: cannot write %s", tmp);
        unlink(tmp);
    }
    json_decref(root);
}

static void cache_load(struct intel_feed *f)
{
    if (!f->cfg.cache_dir)
        return;
    char path[4096];
    cache_path(f, path, sizeof path);
    if (access(path, R_OK) != 0)
        return;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        log_warning("intel: %s:%d: unreadable cache (%s); starting without it", path, je.line,
                    je.text);
        return;
    }
    const char *hub = json_string_value(json_object_get(root, "hub"));
    if (!hub || !f->cfg.hub.url || strcmp(hub, f->cfg.hub.url) != 0) {
        log_info("intel: %s is the cache of another hub; ignored", path);
        json_decref(root);
        return;
    }
    const char *cid;
    json_t *c;
    json_object_foreach(json_object_get(root, "collections"), cid, c)
    {
        if (f->ncolls >= MAX_COLLECTIONS)
            break;
        struct collection *col = &f->colls[f->ncolls++];
        col->id = strdup(cid);
        const char *t = json_string_value(json_object_get(c, "title"));
        col->title = strdup(t ? t : cid);
        const char *a = json_string_value(json_object_get(c, "added_after"));
        snprintf(col->cursor, sizeof col->cursor, "%s", a ? a : "");
    }
    json_t *orgs = json_object_get(root, "orgs");
    if (json_is_object(orgs))
        json_object_update(f->orgs, orgs);
    size_t i;
    json_t *obj;
    size_t n = 0;
    json_array_foreach(json_object_get(root, "objects"), i, obj)
    {
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (!id)
            continue;
        json_object_set_new(obj, "x_vigil_first_generation", json_integer(1));
        json_object_set(f->state, id, obj);
        n++;
    }
    log_info("intel: %zu indicators from the cache %s", n, path);
    json_decref(root);
}

/* ---------- TAXII polling ---------- */

static const char *const keep_props[] = {
    "type",          "id",         "spec_version",    "created",        "modified",
    "name",          "pattern",    "pattern_type",    "confidence",     "created_by_ref",
    "valid_from",    "valid_until", "revoked",        "object_marking_refs", "indicator_types",
    "x_vigil_protected_domain", "x_vigil_protected_name", NULL,
};

static json_t *strip(const json_t *obj)
{
    json_t *o = json_object();
    for (const char *const *k = keep_props; *k; k++) {
        json_t *v = json_object_get(obj, *k);
        if (v)
            json_object_set(o, *k, v);
    }
    return o;
}

/* Later version than the stored one? Timestamps compared as instants. */
static bool newer(const json_t *obj, const json_t *old)
{
    if (!old)
        return true;
    const char *a = json_string_value(json_object_get(obj, "modified"));
    const char *b = json_string_value(json_object_get(old, "modified"));
    long long as = 0, bs = 0;
    long an = 0, bn = 0;
    if (!a || stix_timestamp_parse(a, strlen(a), &as, &an) != 0)
        return true;
    if (!b || stix_timestamp_parse(b, strlen(b), &bs, &bn) != 0)
        return true;
    if (as != bs)
        return as > bs;
    if (an != bn)
        return an > bn;
    /* the same version again (a re-read, or another collection's copy):
     * nothing changed, and a revocation is never undone */
    return false;
}

/* Merges one page's objects into state; returns the number that changed. */
static size_t merge_objects(struct intel_feed *f, json_t *state, const json_t *objects,
                            const char *coll_title, uint32_t next_gen)
{
    size_t changed = 0;
    size_t i;
    const json_t *obj;
    json_array_foreach(objects, i, obj)
    {
        const char *type = json_string_value(json_object_get(obj, "type"));
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (!type || !id || strcmp(type, "indicator") != 0)
            continue;
        atomic_fetch_add(&f->objects_received, 1);
        json_t *old = json_object_get(state, id);
        if (!newer(obj, old))
            continue;
        json_t *s = strip(obj);
        json_int_t first = old ? json_integer_value(json_object_get(old, "x_vigil_first_generation"))
                               : 0;
        json_t *prev = json_object_get(f->state, id);
        if (!first && prev)
            first = json_integer_value(json_object_get(prev, "x_vigil_first_generation"));
        json_object_set_new(s, "x_vigil_first_generation", json_integer(first ? first : next_gen));
        json_object_set_new(s, "x_vigil_collection", json_string(coll_title));
        json_object_set_new(state, id, s);
        changed++;
    }
    return changed;
}

static int discover_root(struct intel_feed *f, char *err, size_t errlen)
{
    if (f->api_root[0])
        return 0;
    if (f->cfg.api_root) {
        snprintf(f->api_root, sizeof f->api_root, "%s", f->cfg.api_root);
        return 0;
    }
    struct hub_response_buf r;
    if (hub_client_get(f->hub, "/taxii2/", TAXII_MEDIA, &r, err, errlen) != 0)
        return -1;
    if (r.status != 200) {
        snprintf(err, errlen, "TAXII discovery: HTTP %ld", r.status);
        return -1;
    }
    json_t *d = json_loads(r.data, 0, NULL);
    const char *root = json_string_value(json_object_get(d, "default"));
    if (!root)
        root = json_string_value(json_array_get(json_object_get(d, "api_roots"), 0));
    if (!root) {
        json_decref(d);
        snprintf(err, errlen, "TAXII discovery: no API root");
        return -1;
    }
    /* keep the path: "https://h:p/vigil/" -> "/vigil/" */
    const char *p = strstr(root, "://");
    p = p ? strchr(p + 3, '/') : root;
    snprintf(f->api_root, sizeof f->api_root, "%s", p ? p : "/");
    size_t l = strlen(f->api_root);
    if (l == 0 || f->api_root[l - 1] != '/')
        snprintf(f->api_root + l, sizeof f->api_root - l, "/");
    json_decref(d);
    return 0;
}

static int fetch_collections(struct intel_feed *f, char *err, size_t errlen)
{
    char path[700];
    snprintf(path, sizeof path, "%scollections/", f->api_root);
    struct hub_response_buf r;
    if (hub_client_get(f->hub, path, TAXII_MEDIA, &r, err, errlen) != 0)
        return -1;
    if (r.status != 200) {
        snprintf(err, errlen, "GET %.300s: HTTP %ld", path, r.status);
        return -1;
    }
    json_t *d = json_loads(r.data, 0, NULL);
    json_t *list = json_object_get(d, "collections");
    struct collection fresh[MAX_COLLECTIONS];
    int n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        if (!id || !json_is_true(json_object_get(c, "can_read")) || n >= MAX_COLLECTIONS)
            continue;
        const char *title = json_string_value(json_object_get(c, "title"));
        memset(&fresh[n], 0, sizeof fresh[n]);
        for (int k = 0; k < f->ncolls; k++)
            if (strcmp(f->colls[k].id, id) == 0)
                snprintf(fresh[n].cursor, sizeof fresh[n].cursor, "%s", f->colls[k].cursor);
        fresh[n].id = strdup(id);
        fresh[n].title = strdup(title ? title : id);
        n++;
    }
    json_decref(d);
    for (int k = 0; k < f->ncolls; k++) {
        free(f->colls[k].id);
        free(f->colls[k].title);
    }
    memcpy(f->colls, fresh, (size_t)n * sizeof fresh[0]);
    f->ncolls = n;
    return 0;
}

static void fetch_orgs(struct intel_feed *f)
{
    struct hub_response_buf r;
    char err[256];
    if (hub_client_get(f->hub, "/api/v1/orgs", "application/json", &r, err, sizeof err) != 0 ||
        r.status != 200)
        return;
    json_t *d = json_loads(r.data, 0, NULL);
    json_t *list = json_is_array(d) ? d : json_object_get(d, "organisations");
    if (!list)
        list = json_object_get(d, "orgs");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        const char *ident = json_string_value(json_object_get(o, "identity_id"));
        const char *name = json_string_value(json_object_get(o, "name"));
        if (ident && name)
            json_object_set_new(f->orgs, ident, json_string(name));
    }
    json_decref(d);
}

/* Reads one collection from its cursor (or from the start when full) into
 * state. Returns the number of changed objects, or -1. */
static long poll_collection(struct intel_feed *f, struct collection *c, json_t *state, bool full,
                            uint32_t next_gen, char *new_cursor, char *err, size_t errlen)
{
    char esc_id[300], esc_after[200], next[64] = "";
    hub_client_escape(c->id, esc_id, sizeof esc_id);
    long changed = 0;
    new_cursor[0] = '\0';
    for (int page = 0; page < 100000; page++) {
        char path[2048];
        int n = snprintf(path, sizeof path, "%scollections/%s/objects/?limit=%d&match%%5Btype%%5D=indicator",
                         f->api_root, esc_id, PAGE_LIMIT);
        if (!full && c->cursor[0]) {
            hub_client_escape(c->cursor, esc_after, sizeof esc_after);
            n += snprintf(path + n, sizeof path - (size_t)n, "&added_after=%s", esc_after);
        }
        if (next[0])
            snprintf(path + n, sizeof path - (size_t)n, "&next=%s", next);
        struct hub_response_buf r;
        if (hub_client_get(f->hub, path, TAXII_MEDIA, &r, err, errlen) != 0)
            return -1;
        if (r.status != 200) {
            snprintf(err, errlen, "GET %.300s: HTTP %ld", path, r.status);
            return -1;
        }
        json_error_t je;
        json_t *d = json_loads(r.data, 0, &je);
        if (!d) {
            snprintf(err, errlen, "GET %.200s: invalid JSON: %.100s", path, je.text);
            return -1;
        }
        changed += (long)merge_objects(f, state, json_object_get(d, "objects"), c->title, next_gen);
        if (r.date_added_last[0])
            snprintf(new_cursor, 48, "%s", r.date_added_last);
        bool more = json_is_true(json_object_get(d, "more"));
        const char *nx = json_string_value(json_object_get(d, "next"));
        if (more && nx && strlen(nx) < sizeof next) {
            hub_client_escape(nx, next, sizeof next);
            json_decref(d);
            continue;
        }
        json_decref(d);
        break;
    }
    return changed;
}

/* One poll of every readable collection (lock held). Returns 0 or -1. */
static int poll_hub(struct intel_feed *f)
{
    uint64_t t0 = now_us();
    char err[512] = "";
    atomic_fetch_add(&f->polls, 1);
    bool full = f->cfg.resync_interval_s &&
                (time(NULL) - f->last_resync >= (time_t)f->cfg.resync_interval_s);
    int rc = discover_root(f, err, sizeof err);
    if (rc == 0)
        rc = fetch_collections(f, err, sizeof err);
    if (rc == 0 && (full || json_object_size(f->orgs) == 0))
        fetch_orgs(f);
    uint32_t next_gen = f->generation + 1;
    json_t *target = full ? json_object() : f->state;
    long changed = 0;
    char cursors[MAX_COLLECTIONS][48];
    for (int i = 0; rc == 0 && i < f->ncolls; i++) {
        long n = poll_collection(f, &f->colls[i], target, full, next_gen, cursors[i], err,
                                 sizeof err);
        if (n < 0)
            rc = -1;
        else
            changed += n;
    }
    if (rc != 0) {
        atomic_fetch_add(&f->poll_errors, 1);
        atomic_store(&f->hub_reachable, false);
        if (!f->hub_error_logged)
            log_warning("intel: hub poll failed: %s (keeping the current indicators)", err);
        f->hub_error_logged = true;
        if (full)
            json_decref(target);
        atomic_store(&f->last_poll_us, now_us() - t0);
        return -1;
    }
    if (f->hub_error_logged)
        log_info("intel: hub reachable again");
    f->hub_error_logged = false;
    atomic_store(&f->hub_reachable, true);
    for (int i = 0; i < f->ncolls; i++)
        if (cursors[i][0])
            memcpy(f->colls[i].cursor, cursors[i], sizeof cursors[i]);
    if (full) {
        /* what a full read did not return is gone (deleted, or no longer visible) */
        size_t before = json_object_size(f->state);
        if (before != json_object_size(target))
            changed++;
        const char *id;
        json_t *obj;
        json_object_foreach(f->state, id, obj)
            if (!json_object_get(target, id))
                changed++;
        json_decref(f->state);
        f->state = target;
        f->last_resync = time(NULL);
    }
    bool expiry_due = f->next_expiry && wall_sec() >= f->next_expiry;
    atomic_store(&f->last_poll_us, now_us() - t0);
    if (changed == 0 && !expiry_due) {
        atomic_fetch_add(&f->empty_polls, 1);
        return 0;
    }
    rebuild_and_publish(f);
    cache_save(f);
    return 0;
}

int intel_feed_poll_now(struct intel_feed *f)
{
    if (!f->hub)
        return -ENOENT;
    pthread_mutex_lock(&f->lock);
    int rc = poll_hub(f);
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static void *poll_main(void *arg)
{
    struct intel_feed *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->wait_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (uint64_t)f->cfg.poll_interval_ms * 1000000u;
        until.tv_sec += (time_t)(ns / 1000000000u);
        until.tv_nsec = (long)(ns % 1000000000u);
        while (!f->stop) {
            if (pthread_cond_timedwait(&f->wait_cond, &f->wait_lock, &until) == ETIMEDOUT)
                break;
        }
        bool stop = f->stop;
        pthread_mutex_unlock(&f->wait_lock);
        if (stop)
            break;
        intel_feed_poll_now(f);
    }
    return NULL;
}

/* ---------- start / stop ---------- */

static int load_protected_file(struct intel_feed *f, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* One brand a line: its names separated by blanks or commas ("amazon.com
     * amazon.* amazon.de"); '#' starts a comment. Each name is checked
     * here so a bad one is an error naming the file and line. */
    struct lookalike_builder *probe = lookalike_builder_new();
    char line[1024];
    unsigned lineno = 0;
    int rc = probe ? 0 : -1;
    if (!probe)
        snprintf(err, errlen, "out of memory");
    while (rc == 0 && fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "#\r\n")] = '\0';
        for (char *s = line; rc == 0 && *s;) {
            s += strspn(s, ", \t");
            size_t l = strcspn(s, ", \t");
            if (!l)
                break;
            char save = s[l];
            s[l] = '\0';
            char why[200];
            char *copy = NULL;
            char **p = NULL;
            if (lookalike_builder_add(probe, s, NULL, NULL, why, sizeof why) != 0) {
                snprintf(err, errlen, "%s:%u: protected domain: %s", path, lineno, why);
                rc = -1;
            } else if (!(copy = strdup(s)) ||
                       !(p = realloc(f->static_protected,
                                     (f->nstatic_protected + 1) * sizeof *p))) {
                free(copy);
                snprintf(err, errlen, "out of memory");
                rc = -1;
            } else {
                f->static_protected = p;
                f->static_protected[f->nstatic_protected++] = copy;
            }
            s[l] = save;
            s += l;
        }
    }
    lookalike_builder_free(probe);
    fclose(fp);
    return rc;
}

struct intel_feed *intel_feed_start(const struct intel_feed_config *c, struct swap_domain *readers,
                                    struct swap_slot *slot, char *err, size_t errlen)
{
    struct intel_feed *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->cfg = *c;
    if (!f->cfg.poll_interval_ms)
        f->cfg.poll_interval_ms = 5000;
    if (!f->cfg.initial_timeout_ms)
        f->cfg.initial_timeout_ms = 5000;
    f->readers = readers;
    f->slot = slot;
    pthread_mutex_init(&f->lock, NULL);
    pthread_mutex_init(&f->wait_lock, NULL);
    pthread_cond_init(&f->wait_cond, NULL);
    f->state = json_object();
    f->orgs = json_object();
    f->last_resync = time(NULL);

    /* files */
    uint64_t t0 = now_us();
    struct intel_builder *b = intel_builder_new();
    if (!b) {
        snprintf(err, errlen, "out of memory");
        intel_feed_stop(f);
        return NULL;
    }
    for (int i = 0; i < c->nfiles; i++) {
        struct intel_load_opts o = c->files[i].opts;
        o.generation = 1;
        o.report = report_add;
        o.user = &f->file_reports;
        struct intel_load_stats st = {0};
        if (intel_load_file(b, c->files[i].path, &o, &st, err, errlen) != 0) {
            intel_builder_free(b);
            intel_feed_stop(f);
            return NULL;
        }
        log_info("intel: %s: %zu values from %zu entries (%zu unmatchable, %zu invalid, "
                 "%zu expired, %zu revoked)",
                 c->files[i].path, st.values, st.indicators, st.unmatchable, st.invalid,
                 st.expired, st.revoked);
        f->file_stats.indicators += st.indicators;
        f->file_stats.values += st.values;
        f->file_stats.unmatchable += st.unmatchable;
        f->file_stats.invalid += st.invalid;
        f->file_stats.expired += st.expired;
        f->file_stats.revoked += st.revoked;
    }
    if (intel_builder_count(b)) {
        f->file_set = intel_builder_finish(b, 1);
        if (!f->file_set) {
            snprintf(err, errlen, "out of memory building the indicator set");
            intel_feed_stop(f);
            return NULL;
        }
    } else {
        intel_builder_free(b);
    }
    if (c->nfiles)
        log_info("intel: %zu indicator values from files in %.2f s (%.1f MB)",
                 intel_set_total(f->file_set), (double)(now_us() - t0) / 1e6,
                 (double)intel_set_memory(f->file_set) / 1e6);
    if (f->file_reports.n)
        log_warning("intel: %zu indicators or values from files not used (%zu unmatchable, "
                    "%zu invalid)%s",
                    f->file_reports.n + f->file_reports.dropped, f->file_stats.unmatchable,
                    f->file_stats.invalid,
                    c->report_dir ? "; listed in intel-unmatched.tsv" : "");
    for (int i = 0; i < c->nprotected; i++) {
        const char *p = c->protected_domains[i];
        if (strchr(p, '/')) {
            if (load_protected_file(f, p, err, errlen) != 0) {
                intel_feed_stop(f);
                return NULL;
            }
            continue;
        }
        char **np = realloc(f->static_protected, (f->nstatic_protected + 1) * sizeof *np);
        if (!np)
            break;
        f->static_protected = np;
        f->static_protected[f->nstatic_protected++] = strdup(p);
    }

    /* hub */
    if (c->hub_enabled) {
        struct hub_client_config hc = c->hub;
        hc.timeout_ms = f->cfg.initial_timeout_ms;
        f->hub = hub_client_new(&hc, err, errlen);
        if (!f->hub) {
            intel_feed_stop(f);
            return NULL;
        }
        cache_load(f);
        pthread_mutex_lock(&f->lock);
        f->generation = 0;
        if (poll_hub(f) != 0 || atomic_load(&f->updates) == 0)
            rebuild_and_publish(f); /* from the files and the cache */
        pthread_mutex_unlock(&f->lock);
        hub_client_free(f->hub);
        hc.timeout_ms = c->hub.timeout_ms ? c->hub.timeout_ms : 10000;
        f->hub = hub_client_new(&hc, err, errlen);
        if (!f->hub) {
            intel_feed_stop(f);
            return NULL;
        }
        if (pthread_create(&f->thread, NULL, poll_main, f) == 0)
            f->thread_started = true;
    } else {
        rebuild_and_publish(f);
    }
    return f;
}

void intel_feed_stop(struct intel_feed *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->wait_lock);
    f->stop = true;
    pthread_cond_broadcast(&f->wait_cond);
    pthread_mutex_unlock(&f->wait_lock);
    if (f->thread_started)
        pthread_join(f->thread, NULL);
    if (f->slot) {
        struct intel_snapshot *cur = swap_slot_publish(f->slot, NULL);
        intel_snapshot_free(cur);
    }
    for (int i = 0; i < f->nretired; i++)
        intel_snapshot_free(f->retired[i]);
    hub_client_free(f->hub);
    intel_set_free(f->file_set);
    report_free(&f->file_reports);
    for (size_t i = 0; i < f->nstatic_protected; i++)
        free(f->static_protected[i]);
    free(f->static_protected);
    for (int i = 0; i < f->ncolls; i++) {
        free(f->colls[i].id);
        free(f->colls[i].title);
    }
    json_decref(f->state);
    json_decref(f->orgs);
    pthread_mutex_destroy(&f->lock);
    pthread_mutex_destroy(&f->wait_lock);
    pthread_cond_destroy(&f->wait_cond);
    free(f);
}

void intel_feed_get_stats(struct intel_feed *f, struct intel_feed_stats *o)
{
    memset(o, 0, sizeof *o);
    if (!f)
        return;
    o->generation = atomic_load(&f->cur_generation);
    o->indicators = atomic_load(&f->indicators);
    o->protected_domains = atomic_load(&f->protected_count);
    o->unmatchable = f->file_stats.unmatchable + atomic_load(&f->hub_stat_unmatchable);
    o->invalid = f->file_stats.invalid + atomic_load(&f->hub_stat_invalid);
    o->expired = f->file_stats.expired + atomic_load(&f->hub_stat_expired);
    o->revoked = f->file_stats.revoked + atomic_load(&f->hub_stat_revoked);
    o->benign = atomic_load(&f->hub_stat_benign);
    o->polls = atomic_load(&f->polls);
    o->poll_errors = atomic_load(&f->poll_errors);
    o->empty_polls = atomic_load(&f->empty_polls);
    o->objects_received = atomic_load(&f->objects_received);
    o->updates = atomic_load(&f->updates);
    o->last_poll_us = atomic_load(&f->last_poll_us);
    o->last_build_us = atomic_load(&f->last_build_us);
    o->memory = atomic_load(&f->memory);
    o->hub_reachable = atomic_load(&f->hub_reachable);
}
