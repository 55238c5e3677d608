/* SPDX-License-Identifier: Apache-2.0 */
/* Datasets and datarep (detect_dataset.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "detect/detect_dataset.h"
#include "detect/detect_iprep.h"
#include "intel/intel.h"
#include "util/config.h"
#include "util/log.h"

#define STRIPES 64
#define MAX_SETS 1024
#define VALUE_MAX 65535

struct ds_entry {
    uint64_t hash;
    uint32_t off, len;
    int64_t rep;
    char *ctx; /* datajson: the member's JSON (first load wins), or NULL */
    uint16_t ctx_len;
    bool removed;
};

struct ds_stripe {
    pthread_mutex_t lock;
    uint32_t *slots; /* entry index + 1; 0 empty */
    uint32_t mask;
    struct ds_entry *e;
    uint32_t n, cap, live;
    uint8_t *arena;
    size_t arena_len, arena_cap;
    /* contexts replaced when a removed member came back with a new one:
     * kept until the set is freed, as alerts being logged may point at them */
    char **retired;
    uint32_t nretired, retired_cap;
};

struct dataset {
    char name[128];
    enum dataset_type type;
    bool is_rep;       /* values carry reputations (datarep) */
    bool rep_decided;  /* is_rep fixed by a first keyword or load */
    uint64_t seed;
    uint64_t memcap, memuse;
    char *save_path;   /* written at exit (save, state) */
    struct ds_stripe s[STRIPES];
};

static struct {
    pthread_mutex_t lock;
    struct dataset *sets[MAX_SETS];
    int n;
    char data_dir[4096];
    char rule_dir[4096];
    bool allow_write, allow_absolute;
    uint64_t default_memcap;
    char error[1400];
    const struct config *cfg;
    char *context_keys[MAX_SETS]; /* alert.context keys the keywords point to */
    int ncontext_keys;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER, .allow_write = true};

static const char *const type_names[] = {"string", "md5", "sha256", "ipv4", "ip"};

static int type_from_name(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, type_names[i]) == 0)
            return i;
    if (strcasecmp(s, "ipv6") == 0)
        return DATASET_IP;
    return -1;
}

/* Every failure is logged as it happens (as Suricata does: each its own
 * engine event); the first one is kept for the start-up's verdict and the
 * latest for the keyword that hit it. */
static char last_error[1400];
static void set_error(const char *fmt, const char *a, const char *b)
{
    snprintf(last_error, sizeof last_error, fmt, a, b);
    log_error("%s", last_error);
    if (!reg.error[0])
        snprintf(reg.error, sizeof reg.error, "%s", last_error);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation" /* messages are cut at their buffers */
#endif

/* ---------- configuration ---------- */

void detect_datasets_configure(const struct config *cfg, const char *data_dir)
{
    reg.cfg = cfg;
    snprintf(reg.data_dir, sizeof reg.data_dir, "%s", data_dir ? data_dir : ".");
    reg.allow_write = config_get_bool(cfg, "datasets.rules.allow-write", true);
    reg.allow_absolute = config_get_bool(cfg, "datasets.rules.allow-absolute-filenames", false);
    detect_iprep_configure(cfg);
    reg.default_memcap = 0;
    uint64_t v;
    if (config_get_size(cfg, "datasets.defaults.memcap", &v) == 0)
        reg.default_memcap = v;
}

void detect_datasets_rule_file(const char *path)
{
    reg.rule_dir[0] = '\0';
    if (!path)
        return;
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(reg.rule_dir, sizeof reg.rule_dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(reg.rule_dir, sizeof reg.rule_dir, ".");
}

const char *detect_datasets_error(void)
{
    return reg.error[0] ? reg.error : NULL;
}

/* ---------- values ---------- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (len == 0)
        return 0;
    if (n < 0 || len % 4 != 0 || (size_t)n > cap)
        return -1;
    /* EVP_DecodeBlock counts padding as data */
    if (len >= 1 && in[len - 1] == '=')
        n--;
    if (len >= 2 && in[len - 2] == '=')
        n--;
    return n;
}

static size_t b64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64chars[(v >> 18) & 63];
        out[o++] = b64chars[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64chars[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* Text form (files, socket) to key bytes. base64: strings are base64 (csv
 * files and the socket), else raw (json files). */
static int key_from_text(enum dataset_type t, const char *s, size_t len, bool base64, uint8_t *out,
                         size_t cap)
{
    char buf[128];
    switch (t) {
    case DATASET_STRING:
        if (!base64) {
            if (len > cap)
                return -1;
            memcpy(out, s, len);
            return (int)len;
        }
        return b64_decode(s, len, out, cap);
    case DATASET_MD5:
    case DATASET_SHA256: {
        size_t n = t == DATASET_MD5 ? 16 : 32;
        if (len != n * 2)
            return -1;
        for (size_t i = 0; i < n; i++) {
            int hi = isxdigit((unsigned char)s[2 * i]) ? (isdigit((unsigned char)s[2 * i]) ? s[2 * i] - '0' : (tolower((unsigned char)s[2 * i]) - 'a' + 10)) : -1;
            int lo = isxdigit((unsigned char)s[2 * i + 1]) ? (isdigit((unsigned char)s[2 * i + 1]) ? s[2 * i + 1] - '0' : (tolower((unsigned char)s[2 * i + 1]) - 'a' + 10)) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            out[i] = (uint8_t)(hi << 4 | lo);
        }
        return (int)n;
    }
    case DATASET_IPV4:
    case DATASET_IP:
        if (len >= sizeof buf)
            return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (t == DATASET_IPV4)
            return inet_pton(AF_INET, buf, out) == 1 ? 4 : -1;
        if (inet_pton(AF_INET6, buf, out) == 1)
            return 16;
        if (inet_pton(AF_INET, buf, out + 12) == 1) {
            memset(out, 0, 10);
            out[10] = out[11] = 0xff;
            return 16;
        }
        return -1;
    }
    return -1;
}

/* A buffer from the wire to key bytes. */
static int key_from_buffer(enum dataset_type t, const uint8_t *d, uint32_t len, uint8_t *out,
                           size_t cap)
{
    switch (t) {
    case DATASET_STRING:
        if (len > cap)
            return -1;
        memcpy(out, d, len);
        return (int)len;
    case DATASET_MD5:
    case DATASET_SHA256: {
        size_t n = t == DATASET_MD5 ? 16 : 32;
        if (len == n) {
            memcpy(out, d, n);
            return (int)n;
        }
        return key_from_text(t, (const char *)d, len, false, out, cap);
    }
    case DATASET_IPV4:
        if (len == 4) {
            memcpy(out, d, 4);
            return 4;
        }
        return key_from_text(t, (const char *)d, len, false, out, cap);
    case DATASET_IP:
        if (len == 16) {
            memcpy(out, d, 16);
            return 16;
        }
        if (len == 4) {
            memset(out, 0, 10);
            out[10] = out[11] = 0xff;
            memcpy(out + 12, d, 4);
            return 16;
        }
        return key_from_text(t, (const char *)d, len, false, out, cap);
    }
    return -1;
}

static void key_to_text(enum dataset_type t, const uint8_t *k, uint32_t len, char *out,
                        size_t cap)
{
    switch (t) {
    case DATASET_STRING:
        if ((size_t)len * 4 / 3 + 8 <= cap)
            b64_encode(k, len, out);
        else
            out[0] = '\0';
        return;
    case DATASET_MD5:
    case DATASET_SHA256:
        for (uint32_t i = 0; i < len && 2 * i + 2 < cap; i++)
            snprintf(out + 2 * i, 3, "%02x", k[i]);
        return;
    case DATASET_IPV4:
        inet_ntop(AF_INET, k, out, (socklen_t)cap);
        return;
    case DATASET_IP:
        inet_ntop(AF_INET6, k, out, (socklen_t)cap);
        return;
    }
}

/* ---------- the striped table ---------- */

static struct ds_entry *stripe_find(struct dataset *ds, struct ds_stripe *st, uint64_t h,
                                    const uint8_t *k, uint32_t len)
{
    if (!st->slots)
        return NULL;
    for (uint32_t i = (uint32_t)(h >> 6) & st->mask;; i = (i + 1) & st->mask) {
        uint32_t s = st->slots[i];
        if (!s)
            return NULL;
        struct ds_entry *e = &st->e[s - 1];
        if (e->hash == h && e->len == len && memcmp(st->arena + e->off, k, len) == 0)
            return e;
    }
    (void)ds;
}

static int stripe_grow(struct ds_stripe *st)
{
    uint32_t ncap = st->slots ? (st->mask + 1) * 2 : 64;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -ENOMEM;
    for (uint32_t j = 0; j < st->n; j++) {
        uint32_t i = (uint32_t)(st->e[j].hash >> 6) & (ncap - 1);
        while (ns[i])
            i = (i + 1) & (ncap - 1);
        ns[i] = j + 1;
    }
    free(st->slots);
    st->slots = ns;
    st->mask = ncap - 1;
    return 0;
}

/* A removed member added again with a context takes the new one; the old
 * text is retired, not freed (lookups may have handed it out). Lock held. */
static int stripe_revive_ctx(struct dataset *ds, struct ds_stripe *st, struct ds_entry *e,
                             const char *ctx, size_t ctx_len)
{
    size_t need = ctx_len + 1 + sizeof(char *);
    if (ctx_len > DATASET_CONTEXT_MAX ||
        (ds->memcap && __atomic_load_n(&ds->memuse, __ATOMIC_RELAXED) + need > ds->memcap))
        return -1;
    if (e->ctx && st->nretired == st->retired_cap) {
        uint32_t nc = st->retired_cap ? st->retired_cap * 2 : 4;
        char **nr = realloc(st->retired, nc * sizeof *nr);
        if (!nr)
            return -1;
        st->retired = nr;
        st->retired_cap = nc;
    }
    char *copy = malloc(ctx_len + 1);
    if (!copy)
        return -1;
    memcpy(copy, ctx, ctx_len);
    copy[ctx_len] = '\0';
    if (e->ctx)
        st->retired[st->nretired++] = e->ctx;
    e->ctx = copy;
    e->ctx_len = (uint16_t)ctx_len;
    __atomic_fetch_add(&ds->memuse, need, __ATOMIC_RELAXED);
    return 0;
}

/* Adds (or revives) a key; 1 if it was not in the set, 0 if it was, -1 on
 * memcap/ENOMEM. Lock held. */
static int stripe_add(struct dataset *ds, struct ds_stripe *st, uint64_t h, const uint8_t *k,
                      uint32_t len, int64_t rep, bool set_rep, const char *ctx, size_t ctx_len)
{
    struct ds_entry *e = stripe_find(ds, st, h, k, len);
    if (e) {
        bool was_removed = e->removed;
        if (was_removed && ctx && stripe_revive_ctx(ds, st, e, ctx, ctx_len) != 0)
            return -1;
        if (was_removed) {
            e->removed = false;
            st->live++;
        }
        if (set_rep)
            e->rep = rep;
        return was_removed ? 1 : 0;
    }
    size_t need = sizeof(struct ds_entry) + len + (ctx ? ctx_len + 1 : 0);
    if (ds->memcap && __atomic_load_n(&ds->memuse, __ATOMIC_RELAXED) + need > ds->memcap)
        return -1;
    char *ctx_copy = NULL;
    if (ctx) {
        if (ctx_len > DATASET_CONTEXT_MAX || !(ctx_copy = malloc(ctx_len + 1)))
            return -1;
        memcpy(ctx_copy, ctx, ctx_len);
        ctx_copy[ctx_len] = '\0';
    }
    if ((st->n + 1) * 2 > (st->slots ? st->mask + 1 : 0) && stripe_grow(st) != 0)
        goto fail;
    if (st->n == st->cap) {
        uint32_t nc = st->cap ? st->cap * 2 : 32;
        struct ds_entry *ne = realloc(st->e, nc * sizeof *ne);
        if (!ne)
            goto fail;
        st->e = ne;
        st->cap = nc;
    }
    /* Allocated even for an empty first key: entries point into it. */
    if (!st->arena || st->arena_len + len > st->arena_cap) {
        size_t nc = st->arena_cap ? st->arena_cap * 2 : 1024;
        while (nc < st->arena_len + len)
            nc *= 2;
        uint8_t *na = realloc(st->arena, nc);
        if (!na)
            goto fail;
        st->arena = na;
        st->arena_cap = nc;
    }
    memcpy(st->arena + st->arena_len, k, len);
    struct ds_entry *ne = &st->e[st->n];
    ne->hash = h;
    ne->off = (uint32_t)st->arena_len;
    ne->len = len;
    ne->rep = rep;
    ne->ctx = ctx_copy;
    ne->ctx_len = (uint16_t)(ctx ? ctx_len : 0);
    ne->removed = false;
    st->arena_len += len;
    uint32_t i = (uint32_t)(h >> 6) & st->mask;
    while (st->slots[i])
        i = (i + 1) & st->mask;
    st->slots[i] = st->n + 1;
    st->n++;
    st->live++;
    __atomic_fetch_add(&ds->memuse, need, __ATOMIC_RELAXED);
    return 1;
fail:
    free(ctx_copy);
    return -1;
}

static struct ds_stripe *stripe_of(struct dataset *ds, uint64_t h)
{
    return &ds->s[h & (STRIPES - 1)];
}

static int ds_add_ctx(struct dataset *ds, const uint8_t *k, uint32_t len, int64_t rep,
                      bool set_rep, const char *ctx, size_t ctx_len)
{
    uint64_t h = intel_hash_bytes(k, len, ds->seed);
    struct ds_stripe *st = stripe_of(ds, h);
    pthread_mutex_lock(&st->lock);
    int rc = stripe_add(ds, st, h, k, len, rep, set_rep, ctx, ctx_len);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static int ds_add(struct dataset *ds, const uint8_t *k, uint32_t len, int64_t rep, bool set_rep)
{
    return ds_add_ctx(ds, k, len, rep, set_rep, NULL, 0);
}

/* 1 present (rep and ctx filled if asked), 0 absent. The context stays
 * where it is until the set is freed (it is never replaced). */
static int ds_lookup_ctx(struct dataset *ds, const uint8_t *k, uint32_t len, int64_t *rep,
                         struct detect_dataset_context *ctx)
{
    uint64_t h = intel_hash_bytes(k, len, ds->seed);
    struct ds_stripe *st = stripe_of(ds, h);
    pthread_mutex_lock(&st->lock);
    struct ds_entry *e = stripe_find(ds, st, h, k, len);
    int found = e && !e->removed;
    if (found && rep)
        *rep = e->rep;
    if (found && ctx && e->ctx) {
        ctx->json = e->ctx;
        ctx->len = e->ctx_len;
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

static int ds_lookup(struct dataset *ds, const uint8_t *k, uint32_t len, int64_t *rep)
{
    return ds_lookup_ctx(ds, k, len, rep, NULL);
}

static int ds_remove(struct dataset *ds, const uint8_t *k, uint32_t len)
{
    uint64_t h = intel_hash_bytes(k, len, ds->seed);
    struct ds_stripe *st = stripe_of(ds, h);
    pthread_mutex_lock(&st->lock);
    struct ds_entry *e = stripe_find(ds, st, h, k, len);
    int removed = 0;
    if (e && !e->removed) {
        e->removed = true;
        st->live--;
        removed = 1;
    }
    pthread_mutex_unlock(&st->lock);
    return removed;
}

static void ds_clear(struct dataset *ds)
{
    for (int i = 0; i < STRIPES; i++) {
        struct ds_stripe *st = &ds->s[i];
        pthread_mutex_lock(&st->lock);
        for (uint32_t j = 0; j < st->n; j++)
            st->e[j].removed = true;
        st->live = 0;
        pthread_mutex_unlock(&st->lock);
    }
}

static void ds_free(struct dataset *ds)
{
    for (int i = 0; i < STRIPES; i++) {
        for (uint32_t j = 0; j < ds->s[i].n; j++)
            free(ds->s[i].e[j].ctx);
        for (uint32_t j = 0; j < ds->s[i].nretired; j++)
            free(ds->s[i].retired[j]);
        free(ds->s[i].retired);
        free(ds->s[i].slots);
        free(ds->s[i].e);
        free(ds->s[i].arena);
        pthread_mutex_destroy(&ds->s[i].lock);
    }
    free(ds->save_path);
    free(ds);
}

/* ---------- files ---------- */

static bool path_ok(const char *p, const char *what)
{
    if (reg.allow_absolute)
        return true;
    if (p[0] == '/') {
        set_error("Absolute paths not allowed: %s%s", p, "");
        (void)what;
        return false;
    }
    if (strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 || strstr(p, "/../") ||
        (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0)) {
        set_error("Directory traversals not allowed: %s%s", p, "");
        return false;
    }
    return true;
}

static int ds_load_csv(struct dataset *ds, const char *path, bool must_exist)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (!must_exist && errno == ENOENT)
            return 0;
        char msg[600];
        snprintf(msg, sizeof msg, "dataset %s: cannot open %s", ds->name, path);
        set_error("%s%s", msg, "");
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    uint8_t *key = malloc(VALUE_MAX);
    while (key && (n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        char *comma = strchr(line, ',');
        int64_t rep = 0;
        bool has_rep = false;
        if (comma) {
            *comma = '\0';
            char *end;
            long long v = strtoll(comma + 1, &end, 10);
            if (end == comma + 1 || *end || v < 0 || v > UINT32_MAX) {
                char msg[600];
                snprintf(msg, sizeof msg, "invalid datarep value %s in %s line %d", ds->name, path,
                         lineno);
                set_error("%s%s", msg, "");
                rc = -1;
                break;
            }
            rep = v;
            has_rep = true;
        }
        if (ds->rep_decided && has_rep != ds->is_rep) {
            char msg[600];
            snprintf(msg, sizeof msg, "Cannot mix dataset and datarep values for set %s in %s",
                     ds->name, path);
            set_error("%s%s", msg, "");
            rc = -1;
            break;
        }
        int kl = key_from_text(ds->type, line, strlen(line), true, key, VALUE_MAX);
        if (kl < 0) {
            char msg[600];
            if (ds->type == DATASET_STRING)
                snprintf(msg, sizeof msg, "bad base64 encoding %s in %s line %d", ds->name, path,
                         lineno);
            else
                snprintf(msg, sizeof msg, "dataset %s: bad %s value in %s line %d", ds->name,
                         type_names[ds->type], path, lineno);
            set_error("%s%s", msg, "");
            rc = -1;
            break;
        }
        if (ds_add(ds, key, (uint32_t)kl, rep, has_rep) < 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "dataset %s: memcap reached loading %s", ds->name, path);
            set_error("%s%s", msg, "");
            rc = -1;
            break;
        }
    }
    free(key);
    free(line);
    fclose(fp);
    return rc;
}

/* ---------- datajson: json and ndjson files ---------- */

#define JSON_LINE_MAX (1u << 20)         /* one ndjson line */
#define JSON_FILE_MAX (256ull << 20)     /* a json file is parsed whole: use ndjson beyond */
#define JSON_KEY_PART_MAX 256

struct ds_json_opts {
    const char *value_key; /* dotted path */
    const char *array_key; /* dotted path, json format only; NULL: the top level */
    bool remove_key;
};

/* The node at a dotted path of nested objects ("a.b.c"), or NULL. */
static json_t *json_path_get(json_t *o, const char *path, json_t **parent, char *last,
                             size_t lastcap)
{
    char part[JSON_KEY_PART_MAX];
    for (;;) {
        if (!json_is_object(o))
            return NULL;
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        if (!dot) {
            if (parent)
                *parent = o;
            if (last)
                snprintf(last, lastcap, "%s", part);
            return json_object_get(o, part);
        }
        o = json_object_get(o, part);
        path = dot + 1;
    }
}

/* One member (object) of a json/ndjson file: its value at value_key becomes
 * a key of the set and the object (without that value with remove_key) its
 * context. where names it ("line 3", "element 2"). 1 added, 0 skipped (no
 * value_key in it: files may mix kinds of entries; or a duplicate, whose
 * first context stays), -1 error (reg.error set). */
static int ds_json_member(struct dataset *ds, json_t *o, const struct ds_json_opts *jo,
                          const char *path, const char *where, bool *found)
{
    char msg[900];
    json_t *parent = NULL;
    char last[JSON_KEY_PART_MAX];
    json_t *v = json_path_get(o, jo->value_key, &parent, last, sizeof last);
    if (!v)
        return 0;
    *found = true;
    if (!json_is_string(v)) {
        snprintf(msg, sizeof msg,
                 "dataset %s: failed to get value because it is not a string: key '%s' in %s %s",
                 ds->name, jo->value_key, path, where);
        set_error("%s%s", msg, "");
        return -1;
    }
    uint8_t key[1024];
    int kl = key_from_text(ds->type, json_string_value(v), json_string_length(v), false, key,
                           sizeof key);
    if (kl < 0) {
        snprintf(msg, sizeof msg, "dataset %s: bad %s value '%.200s' in %s %s", ds->name,
                 type_names[ds->type], json_string_value(v), path, where);
        set_error("%s%s", msg, "");
        return -1;
    }
    if (jo->remove_key)
        json_object_del(parent, last);
    char *text = json_dumps(o, JSON_COMPACT);
    if (!text) {
        snprintf(msg, sizeof msg, "dataset %s: out of memory loading %s", ds->name, path);
        set_error("%s%s", msg, "");
        return -1;
    }
    size_t tl = strlen(text);
    int rc = -1;
    if (tl > DATASET_CONTEXT_MAX) {
        snprintf(msg, sizeof msg, "dataset %s: the object in %s %s is %zu bytes (at most %u)",
                 ds->name, path, where, tl, (unsigned)DATASET_CONTEXT_MAX);
        set_error("%s%s", msg, "");
    } else if ((rc = ds_add_ctx(ds, key, (uint32_t)kl, 0, false, text, tl)) < 0) {
        snprintf(msg, sizeof msg, "dataset %s: memcap reached loading %s %s", ds->name, path,
                 where);
        set_error("%s%s", msg, "");
    }
    free(text);
    return rc;
}

static int ds_json_no_entries(struct dataset *ds, const char *path, const char *key)
{
    char msg[900];
    snprintf(msg, sizeof msg, "dataset %s: no entry with the key '%s' in %s", ds->name, key, path);
    set_error("%s%s", msg, "");
    return -1;
}

/* ndjson (jsonline): one object per line, blank lines skipped. */
static int ds_load_ndjson_fp(struct dataset *ds, FILE *fp, const char *path,
                             const struct ds_json_opts *jo)
{
    char *line = NULL, msg[900], where[32];
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    bool found = false;
    while ((n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        snprintf(where, sizeof where, "line %d", lineno);
        if ((size_t)n > JSON_LINE_MAX) {
            snprintf(msg, sizeof msg, "dataset %s: %s line %d is longer than %u bytes", ds->name,
                     path, lineno, JSON_LINE_MAX);
            set_error("%s%s", msg, "");
            rc = -1;
            break;
        }
        size_t i = 0;
        while (i < (size_t)n && isspace((unsigned char)line[i]))
            i++;
        if (i == (size_t)n)
            continue;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)n, 0, &je);
        if (!o) {
            snprintf(msg, sizeof msg, "dataset %s: invalid JSON in %s line %d: %s", ds->name, path,
                     lineno, je.text);
            set_error("%s%s", msg, "");
            rc = -1;
            break;
        }
        rc = ds_json_member(ds, o, jo, path, where, &found);
        json_decref(o);
        if (rc < 0)
            break;
        rc = 0;
    }
    free(line);
    if (rc == 0 && !found)
        rc = ds_json_no_entries(ds, path, jo->value_key);
    return rc;
}

/* json: one document, an array of objects (or an object holding the array
 * at array_key). */
static int ds_load_json_doc(struct dataset *ds, json_t *root, const char *path,
                            const struct ds_json_opts *jo)
{
    char msg[900], where[48];
    json_t *arr = root;
    if (jo->array_key && jo->array_key[0])
        arr = json_path_get(root, jo->array_key, NULL, NULL, 0);
    if (!json_is_array(arr)) {
        if (jo->array_key && jo->array_key[0])
            snprintf(msg, sizeof msg, "dataset %s: %s has no array at '%s'", ds->name, path,
                     jo->array_key);
        else
            snprintf(msg, sizeof msg, "dataset %s: %s is not a JSON array (array_key names "
                     "one inside an object)", ds->name, path);
        set_error("%s%s", msg, "");
        return -1;
    }
    bool found = false;
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        snprintf(where, sizeof where, "element %zu", i + 1);
        if (ds_json_member(ds, o, jo, path, where, &found) < 0)
            return -1;
    }
    return found ? 0 : ds_json_no_entries(ds, path, jo->value_key);
}

static int ds_load_json(struct dataset *ds, const char *path, bool ndjson,
                        const struct ds_json_opts *jo)
{
    char msg[900];
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(msg, sizeof msg, "dataset %s: cannot open %s: %s", ds->name, path,
                 strerror(errno));
        set_error("%s%s", msg, "");
        return -1;
    }
    int rc;
    if (ndjson) {
        rc = ds_load_ndjson_fp(ds, fp, path, jo);
    } else if (fseeko(fp, 0, SEEK_END) == 0 && (unsigned long long)ftello(fp) > JSON_FILE_MAX) {
        snprintf(msg, sizeof msg, "dataset %s: %s is over %llu MiB: use format ndjson", ds->name,
                 path, JSON_FILE_MAX >> 20);
        set_error("%s%s", msg, "");
        rc = -1;
    } else {
        rewind(fp);
        json_error_t je;
        json_t *root = json_loadf(fp, 0, &je);
        if (!root) {
            snprintf(msg, sizeof msg, "dataset %s: invalid JSON in %s line %d: %s", ds->name,
                     path, je.line, je.text);
            set_error("%s%s", msg, "");
            rc = -1;
        } else {
            rc = ds_load_json_doc(ds, root, path, jo);
            json_decref(root);
        }
    }
    fclose(fp);
    return rc;
}

static int ds_save(struct dataset *ds)
{
    if (!ds->save_path)
        return 0;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", ds->save_path);
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        log_warning("dataset %s: cannot write %s", ds->name, tmp);
        return -1;
    }
    char *text = malloc(VALUE_MAX * 2);
    for (int i = 0; text && i < STRIPES; i++) {
        struct ds_stripe *st = &ds->s[i];
        pthread_mutex_lock(&st->lock);
        for (uint32_t j = 0; j < st->n; j++) {
            if (st->e[j].removed)
                continue;
            key_to_text(ds->type, st->arena + st->e[j].off, st->e[j].len, text, VALUE_MAX * 2);
            if (ds->is_rep)
                fprintf(fp, "%s,%lld\n", text, (long long)st->e[j].rep);
            else
                fprintf(fp, "%s\n", text);
        }
        pthread_mutex_unlock(&st->lock);
    }
    free(text);
    if (fclose(fp) != 0 || rename(tmp, ds->save_path) != 0) {
        log_warning("dataset %s: cannot write %s", ds->name, ds->save_path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---------- registry ---------- */

static struct dataset *registry_find(const char *name)
{
    for (int i = 0; i < reg.n; i++)
        if (strcmp(reg.sets[i]->name, name) == 0)
            return reg.sets[i];
    return NULL;
}

static uint64_t seed_random(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&s, sizeof s, 1, f) != 1)
            s = 0;
        fclose(f);
    }
    return s ^ 0x6a09e667f3bcc909ull;
}

static struct dataset *registry_create(const char *name, enum dataset_type t, uint64_t memcap)
{
    if (reg.n >= MAX_SETS)
        return NULL;
    struct dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return NULL;
    snprintf(ds->name, sizeof ds->name, "%s", name);
    ds->type = t;
    ds->seed = seed_random();
    ds->memcap = memcap ? memcap : reg.default_memcap;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&ds->s[i].lock, NULL);
    reg.sets[reg.n++] = ds;
    return ds;
}

struct ds_opts {
    char name[128];
    int type;
    char load[1024], save[1024], state[1024];
    char format[16], value_key[128], context_key[128], array_key[256];
    uint64_t memcap;
    bool match_subdomain, remove_key;
};

static bool format_is_json(const char *f)
{
    return strcmp(f, "json") == 0 || strcmp(f, "ndjson") == 0 || strcmp(f, "jsonline") == 0;
}

static void path_join(char *out, size_t cap, const char *dir, const char *file)
{
    if (file[0] == '/' || !dir || !dir[0])
        snprintf(out, cap, "%s", file);
    else
        snprintf(out, cap, "%s/%s", dir, file);
}

/* Gets or creates the set of the options; loads its files on creation. */
static struct dataset *dataset_get(const struct ds_opts *o, bool rep, char *err, size_t errlen)
{
    pthread_mutex_lock(&reg.lock);
    struct dataset *ds = registry_find(o->name);
    if (ds) {
        if (o->type >= 0 && (int)ds->type != o->type) {
            snprintf(err, errlen, "dataset %s: type %s differs from %s", o->name,
                     type_names[o->type], type_names[ds->type]);
            pthread_mutex_unlock(&reg.lock);
            return NULL;
        }
        if (ds->rep_decided && ds->is_rep != rep) {
            snprintf(err, errlen, "Cannot mix dataset and datarep values for set %s", o->name);
            set_error("%s%s", err, "");
            pthread_mutex_unlock(&reg.lock);
            return NULL;
        }
        if (!ds->rep_decided) {
            ds->is_rep = rep;
            ds->rep_decided = true;
        }
        pthread_mutex_unlock(&reg.lock);
        return ds;
    }
    if (o->type < 0) {
        snprintf(err, errlen, "dataset %s: no type given (type string|md5|sha256|ipv4|ip)",
                 o->name);
        pthread_mutex_unlock(&reg.lock);
        return NULL;
    }
    ds = registry_create(o->name, (enum dataset_type)o->type, o->memcap);
    if (!ds) {
        snprintf(err, errlen, "dataset %s: too many sets or out of memory", o->name);
        pthread_mutex_unlock(&reg.lock);
        return NULL;
    }
    ds->is_rep = rep;
    ds->rep_decided = true;
    int rc = 0;
    char path[4200];
    if (o->load[0]) {
        path_join(path, sizeof path, reg.rule_dir, o->load);
        struct ds_json_opts jo = {.value_key = o->value_key[0] ? o->value_key : "value",
                                  .array_key = o->array_key,
                                  .remove_key = o->remove_key};
        if (format_is_json(o->format))
            rc = ds_load_json(ds, path, strcmp(o->format, "json") != 0, &jo);
        else
            rc = ds_load_csv(ds, path, true);
    }
    const char *w = o->state[0] ? o->state : o->save;
    if (rc == 0 && w[0]) {
        path_join(path, sizeof path, reg.data_dir, w);
        ds->save_path = strdup(path);
        if (o->state[0])
            rc = ds_load_csv(ds, path, false);
    }
    pthread_mutex_unlock(&reg.lock);
    if (rc != 0) {
        snprintf(err, errlen, "%s", last_error);
        return NULL;
    }
    return ds;
}

/* "name, type string, load x" style options after the leading fields. */
static int parse_options(char **tok, int ntok, struct ds_opts *o, char *err, size_t errlen)
{
    for (int i = 0; i < ntok; i++) {
        char *t = tok[i];
        while (*t == ' ' || *t == '\t')
            t++;
        char *sp = t;
        while (*sp && *sp != ' ' && *sp != '\t')
            sp++;
        char *val = sp;
        if (*sp) {
            *sp = '\0';
            val = sp + 1;
            while (*val == ' ' || *val == '\t')
                val++;
        }
        size_t vl = strlen(val);
        while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\t'))
            val[--vl] = '\0';
        if (strcmp(t, "type") == 0) {
            o->type = type_from_name(val);
            if (o->type < 0) {
                snprintf(err, errlen, "dataset: unknown type '%s'", val);
                return -1;
            }
        } else if (strcmp(t, "load") == 0) {
            snprintf(o->load, sizeof o->load, "%s", val);
        } else if (strcmp(t, "save") == 0 || strcmp(t, "state") == 0) {
            if (!reg.allow_write) {
                snprintf(err, errlen, "Rules containing save/state datasets have been disabled");
                set_error("%s%s", err, "");
                return -1;
            }
            if (!path_ok(val, t)) {
                snprintf(err, errlen, "%s", last_error);
                return -1;
            }
            snprintf(strcmp(t, "save") == 0 ? o->save : o->state, sizeof o->save, "%s", val);
        } else if (strcmp(t, "memcap") == 0) {
            if (config_parse_size(val, &o->memcap) != 0) {
                snprintf(err, errlen, "dataset: bad memcap '%s'", val);
                return -1;
            }
        } else if (strcmp(t, "hashsize") == 0) {
            /* sizing hint: the stripes grow as needed */
        } else if (strcmp(t, "format") == 0) {
            if (!format_is_json(val) && strcmp(val, "csv") != 0) {
                snprintf(err, errlen, "dataset: unknown format '%s' (csv, json, ndjson)", val);
                return -1;
            }
            snprintf(o->format, sizeof o->format, "%s", val);
        } else if (strcmp(t, "value_key") == 0) {
            snprintf(o->value_key, sizeof o->value_key, "%s", val);
        } else if (strcmp(t, "match") == 0) {
            if (strcmp(val, "subdomain") != 0) {
                snprintf(err, errlen, "dataset: match '%s' (only subdomain)", val);
                return -1;
            }
            o->match_subdomain = true;
        } else if (strcmp(t, "context_key") == 0 || strcmp(t, "enrichment_key") == 0) {
            /* enrichment_key: Suricata 8.0's first name of context_key */
            snprintf(o->context_key, sizeof o->context_key, "%s", val);
        } else if (strcmp(t, "array_key") == 0) {
            snprintf(o->array_key, sizeof o->array_key, "%s", val);
        } else if (strcmp(t, "remove_key") == 0) {
            o->remove_key = true;
        } else {
            snprintf(err, errlen, "dataset: unknown option '%s'", t);
            return -1;
        }
    }
    return 0;
}

/* The registry's copy of an alert.context key (kept until the sets are freed). */
static const char *context_key_intern(const char *key)
{
    pthread_mutex_lock(&reg.lock);
    const char *found = NULL;
    for (int i = 0; i < reg.ncontext_keys && !found; i++)
        if (strcmp(reg.context_keys[i], key) == 0)
            found = reg.context_keys[i];
    if (!found && reg.ncontext_keys < MAX_SETS) {
        char *k = strdup(key);
        if (k)
            found = reg.context_keys[reg.ncontext_keys++] = k;
    }
    pthread_mutex_unlock(&reg.lock);
    return found;
}

static int split(char *s, char **tok, int max)
{
    int n = 0;
    char *p = s;
    while (n < max) {
        tok[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
        s[--l] = '\0';
    return s;
}

int detect_dataset_parse(const char *opts, struct detect_dataset_kw *kw, char *err, size_t errlen)
{
    memset(kw, 0, sizeof *kw);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", opts);
    char *tok[32];
    int n = split(buf, tok, 32);
    if (n < 2) {
        snprintf(err, errlen, "dataset: expected <cmd>,<name>[,options]");
        return -1;
    }
    const char *cmd = trim(tok[0]);
    static const char *const cmds[] = {"isset", "isnotset", "set", "unset"};
    int c = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(cmd, cmds[i]) == 0)
            c = i;
    if (c < 0) {
        snprintf(err, errlen, "dataset: unknown command '%s'", cmd);
        return -1;
    }
    struct ds_opts o = {.type = -1};
    snprintf(o.name, sizeof o.name, "%s", trim(tok[1]));
    if (!o.name[0]) {
        snprintf(err, errlen, "dataset: no name");
        return -1;
    }
    if (parse_options(tok + 2, n - 2, &o, err, errlen) != 0)
        return -1;
    if (format_is_json(o.format) && (c == DATASET_CMD_SET || c == DATASET_CMD_UNSET)) {
        snprintf(err, errlen, "dataset %s: format %s sets are tested (isset, isnotset), not changed",
                 o.name, o.format);
        return -1;
    }
    if (format_is_json(o.format) && (o.save[0] || o.state[0])) {
        snprintf(err, errlen, "dataset %s: format %s sets are loaded, not saved (save, state)",
                 o.name, o.format);
        return -1;
    }
    if (o.array_key[0] && strcmp(o.format, "json") != 0) {
        snprintf(err, errlen, "dataset %s: array_key needs format json", o.name);
        return -1;
    }
    if (o.context_key[0] && !(kw->context_key = context_key_intern(o.context_key))) {
        snprintf(err, errlen, "dataset %s: too many context keys", o.name);
        return -1;
    }
    kw->cmd = (uint8_t)c;
    kw->match_subdomain = o.match_subdomain;
    kw->set = dataset_get(&o, false, err, errlen);
    return kw->set ? 0 : -1;
}

int detect_datarep_parse(const char *opts, struct detect_dataset_kw *kw, char *err, size_t errlen)
{
    memset(kw, 0, sizeof *kw);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", opts);
    char *tok[32];
    int n = split(buf, tok, 32);
    if (n < 3) {
        snprintf(err, errlen, "datarep: expected <name>,<op>,<value>[,options]");
        return -1;
    }
    struct ds_opts o = {.type = -1};
    snprintf(o.name, sizeof o.name, "%s", trim(tok[0]));
    const char *op = trim(tok[1]);
    static const char *const ops[] = {">", "<", ">=", "<=", "=="};
    int k = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(op, ops[i]) == 0)
            k = i;
    if (k < 0) {
        snprintf(err, errlen, "datarep: unknown operator '%s'", op);
        return -1;
    }
    char *end;
    const char *vs = trim(tok[2]);
    long long v = strtoll(vs, &end, 10);
    if (end == vs || *end || v < 0 || v > UINT32_MAX) {
        snprintf(err, errlen, "datarep: invalid value '%s'", vs);
        return -1;
    }
    if (parse_options(tok + 3, n - 3, &o, err, errlen) != 0)
        return -1;
    kw->cmd = DATASET_CMD_DATAREP;
    kw->rep_op = (uint8_t)k;
    kw->rep_value = v;
    kw->set = dataset_get(&o, true, err, errlen);
    return kw->set ? 0 : -1;
}

bool detect_dataset_match(const struct detect_dataset_kw *kw, const uint8_t *data, uint32_t len,
                          struct detect_dataset_context *ctx)
{
    struct dataset *ds = kw->set;
    if (ctx)
        ctx->json = NULL;
    if (!kw->context_key)
        ctx = NULL;
    if (!ds)
        return false;
    uint8_t key[VALUE_MAX < 4096 ? VALUE_MAX : 4096];
    int kl = key_from_buffer(ds->type, data, len, key, sizeof key);
    if (kl < 0)
        return kw->cmd == DATASET_CMD_ISNOTSET;
    switch (kw->cmd) {
    case DATASET_CMD_ISSET:
    case DATASET_CMD_ISNOTSET: {
        int found = ds_lookup_ctx(ds, key, (uint32_t)kl, NULL, ctx);
        if (!found && kw->match_subdomain && ds->type == DATASET_STRING) {
            /* the name's parent domains: each suffix from a dot, with and
             * without the dot (sets hold either form) */
            for (int i = 1; i < kl && !found; i++) {
                if (key[i] != '.')
                    continue;
                /* the parent that matched brings its own context */
                found = ds_lookup_ctx(ds, key + i, (uint32_t)(kl - i), NULL, ctx) ||
                        (i + 1 < kl &&
                         ds_lookup_ctx(ds, key + i + 1, (uint32_t)(kl - i - 1), NULL, ctx));
            }
        }
        if (ctx && ctx->json)
            ctx->key = kw->context_key;
        if (ctx && kw->cmd != DATASET_CMD_ISSET)
            ctx->json = NULL;
        return kw->cmd == DATASET_CMD_ISSET ? found : !found;
    }
    case DATASET_CMD_SET:
        return ds_add(ds, key, (uint32_t)kl, 0, false) == 1;
    case DATASET_CMD_UNSET:
        return ds_remove(ds, key, (uint32_t)kl) == 1;
    case DATASET_CMD_DATAREP: {
        int64_t rep;
        if (!ds_lookup(ds, key, (uint32_t)kl, &rep))
            return false;
        switch (kw->rep_op) {
        case 0:
            return rep > kw->rep_value;
        case 1:
            return rep < kw->rep_value;
        case 2:
            return rep >= kw->rep_value;
        case 3:
            return rep <= kw->rep_value;
        default:
            return rep == kw->rep_value;
        }
    }
    }
    return false;
}

void detect_datasets_finish(bool save)
{
    pthread_mutex_lock(&reg.lock);
    for (int i = 0; i < reg.n; i++) {
        if (save)
            ds_save(reg.sets[i]);
        ds_free(reg.sets[i]);
    }
    reg.n = 0;
    for (int i = 0; i < reg.ncontext_keys; i++)
        free(reg.context_keys[i]);
    reg.ncontext_keys = 0;
    reg.error[0] = '\0';
    detect_iprep_finish();
    pthread_mutex_unlock(&reg.lock);
}

/* ---------- control socket ---------- */

static struct dataset *cmd_set(const char *name, const char *type, bool create, char *err,
                               size_t errlen)
{
    int t = type ? type_from_name(type) : -1;
    if (type && t < 0) {
        snprintf(err, errlen, "unknown dataset type '%s'", type);
        return NULL;
    }
    pthread_mutex_lock(&reg.lock);
    struct dataset *ds = registry_find(name);
    if (ds && t >= 0 && (int)ds->type != t) {
        pthread_mutex_unlock(&reg.lock);
        snprintf(err, errlen, "dataset %s is of type %s", name, type_names[ds->type]);
        return NULL;
    }
    if (!ds && create && t >= 0)
        ds = registry_create(name, (enum dataset_type)t, 0);
    pthread_mutex_unlock(&reg.lock);
    if (!ds)
        snprintf(err, errlen, "no dataset named %s", name);
    return ds;
}

static int cmd_value(struct dataset *ds, const char *value, uint8_t *key, size_t cap, char *err,
                     size_t errlen)
{
    int kl = key_from_text(ds->type, value, strlen(value), true, key, cap);
    if (kl < 0)
        snprintf(err, errlen, "'%s' is not a valid %s value%s", value, type_names[ds->type],
                 ds->type == DATASET_STRING ? " (strings are base64-encoded)" : "");
    return kl;
}

int detect_dataset_cmd_add(const char *name, const char *type, const char *value, char *err,
                           size_t errlen)
{
    /* as Suricata's dataset-add: only sets the rules or the configuration
     * declared ("set not found") */
    struct dataset *ds = cmd_set(name, type, false, err, errlen);
    uint8_t key[4096];
    int kl = ds ? cmd_value(ds, value, key, sizeof key, err, errlen) : -1;
    if (kl < 0)
        return -1;
    int rc = ds_add(ds, key, (uint32_t)kl, 0, false);
    if (rc < 0)
        snprintf(err, errlen, "dataset %s: memcap reached", name);
    return rc;
}

int detect_dataset_cmd_add_json(const char *name, const char *type, const char *value,
                                const char *json, char *err, size_t errlen)
{
    struct dataset *ds = cmd_set(name, type, false, err, errlen);
    uint8_t key[4096];
    int kl = ds ? cmd_value(ds, value, key, sizeof key, err, errlen) : -1;
    if (kl < 0)
        return -1;
    json_error_t je;
    json_t *j = json_loads(json, JSON_DECODE_ANY, &je);
    if (!j) {
        snprintf(err, errlen, "datajson is not valid JSON: %s", je.text);
        return -1;
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t tl = strlen(text);
    int rc = -1;
    if (tl > DATASET_CONTEXT_MAX)
        snprintf(err, errlen, "datajson of %zu bytes (at most %u)", tl,
                 (unsigned)DATASET_CONTEXT_MAX);
    else if ((rc = ds_add_ctx(ds, key, (uint32_t)kl, 0, false, text, tl)) < 0)
        snprintf(err, errlen, "dataset %s: memcap reached", name);
    free(text);
    return rc;
}

int detect_dataset_cmd_remove(const char *name, const char *type, const char *value, char *err,
                              size_t errlen)
{
    struct dataset *ds = cmd_set(name, type, false, err, errlen);
    uint8_t key[4096];
    int kl = ds ? cmd_value(ds, value, key, sizeof key, err, errlen) : -1;
    return kl < 0 ? -1 : ds_remove(ds, key, (uint32_t)kl);
}

int detect_dataset_cmd_lookup(const char *name, const char *type, const char *value, char *err,
                              size_t errlen)
{
    struct dataset *ds = cmd_set(name, type, false, err, errlen);
    uint8_t key[4096];
    int kl = ds ? cmd_value(ds, value, key, sizeof key, err, errlen) : -1;
    return kl < 0 ? -1 : ds_lookup(ds, key, (uint32_t)kl, NULL);
}

int detect_dataset_cmd_clear(const char *name, const char *type, char *err, size_t errlen)
{
    struct dataset *ds = cmd_set(name, type, false, err, errlen);
    if (!ds)
        return -1;
    ds_clear(ds);
    return 1;
}

int detect_dataset_cmd_dump(char *err, size_t errlen)
{
    int rc = 0;
    pthread_mutex_lock(&reg.lock);
    for (int i = 0; i < reg.n; i++)
        if (ds_save(reg.sets[i]) != 0)
            rc = -1;
    pthread_mutex_unlock(&reg.lock);
    if (rc)
        snprintf(err, errlen, "some datasets could not be written");
    return rc;
}
