/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_json.h"

#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* Writers larger than this after a call give their memory back. */
#define HUB_JSON_KEEP (1u << 20)

static void write_value(struct json_writer *w, const json_t *v);

static void write_real(struct json_writer *w, double d)
{
    /* As jansson: shortest of %.17g that reads back, "." whatever the
     * locale, ".0" appended to integral values. */
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n <= 0 || (size_t)n >= sizeof buf) {
        w->failed = true;
        return;
    }
    for (int i = 0; i < n; i++)
        if (buf[i] == ',')
            buf[i] = '.';
    /* jansson's exponent: no '+', no leading zeros ("1e300", "2e-5"). */
    char *e = strchr(buf, 'e');
    if (e) {
        char *src = e + 1, *dst = e + 1;
        if (*src == '+')
            src++;
        else if (*src == '-')
            *dst++ = *src++;
        while (*src == '0' && src[1])
            src++;
        while (*src)
            *dst++ = *src++;
        *dst = 0;
        n = (int)strlen(buf);
    }
    if (!strpbrk(buf, ".eEnN") && (size_t)n + 2 < sizeof buf) {
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = 0;
    }
    json_raw(w, buf, (size_t)n);
}

static void write_value(struct json_writer *w, const json_t *v)
{
    if (w->failed)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        json_object_begin(w);
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            json_key(w, k);
            write_value(w, e);
        }
        json_object_end(w);
        break;
    }
    case JSON_ARRAY: {
        json_array_begin(w);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
            write_value(w, e);
        json_array_end(w);
        break;
    }
    case JSON_STRING:
        json_write_string_len(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        json_i64(w, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL:
        write_real(w, json_real_value(v));
        break;
    case JSON_TRUE:
        json_bool(w, true);
        break;
    case JSON_FALSE:
        json_bool(w, false);
        break;
    case JSON_NULL:
        json_write_null(w);
        break;
    }
}

/* One writer per thread, kept between calls (no allocation per answer) and
 * freed when the thread ends: libmicrohttpd's connection threads come and
 * go, a plain _Thread_local buffer would be lost with each of them. */
static pthread_key_t writer_key;
static pthread_once_t writer_once = PTHREAD_ONCE_INIT;
static bool writer_key_ok;

static void writer_destroy(void *p)
{
    struct json_writer *w = p;
    json_writer_free(w);
    free(w);
}

static void writer_key_init(void)
{
    writer_key_ok = pthread_key_create(&writer_key, writer_destroy) == 0;
}

static struct json_writer *thread_writer(void)
{
    pthread_once(&writer_once, writer_key_init);
    if (!writer_key_ok)
        return NULL;
    struct json_writer *w = pthread_getspecific(writer_key);
    if (w)
        return w;
    w = calloc(1, sizeof *w);
    if (!w || json_writer_init(w, 4096) < 0) {
        free(w);
        return NULL;
    }
    if (pthread_setspecific(writer_key, w) != 0) {
        writer_destroy(w);
        return NULL;
    }
    return w;
}

char *hub_json_compact(const json_t *v, size_t *len)
{
    struct json_writer *w = thread_writer();
    char *out = NULL;
    size_t n = 0;
    if (w) {
        json_writer_reset(w);
        write_value(w, v);
    }
    if (w && !w->failed && w->depth == 0) {
        out = malloc(w->len + 1);
        if (out) {
            memcpy(out, w->data, w->len);
            out[w->len] = 0;
            n = w->len;
        }
    } else {
        /* jansson's text is jansson's memory (hub_json_free); the caller
         * frees ours with free(). */
        char *j = json_dumps(v, JSON_COMPACT);
        n = j ? strlen(j) : 0;
        out = j ? malloc(n + 1) : NULL;
        if (out)
            memcpy(out, j, n + 1);
        else
            n = 0;
        hub_json_free(j);
    }
    if (w && w->cap > HUB_JSON_KEEP) {
        /* A huge answer: give the memory back, start small next time. */
        pthread_setspecific(writer_key, NULL);
        writer_destroy(w);
    }
    if (len)
        *len = n;
    return out;
}

/* jansson allocations: a 16-byte tag before each block says where it came
 * from (heap or a thread's arena); arena blocks are never freed one by one. */
#define JA_HDR 16u
#define JA_HEAP 0x68656170u
#define JA_ARENA 0x6172656eu
#define JA_CHUNK (1u << 20)
/* A thread keeps this much of its arena's chunks for its next envelope. */
#define JA_KEEP (8u << 20)

struct ja_chunk {
    struct ja_chunk *next;
    size_t cap, used;
    size_t pad; /* data 16-byte aligned */
    char data[];
};

struct ja_arena {
    struct ja_chunk *chunks; /* in use, newest first */
    struct ja_chunk *spare;  /* recycled */
    size_t used;             /* bytes handed out since the last reset */
    bool active;
};

static bool ja_installed;
static pthread_once_t ja_once = PTHREAD_ONCE_INIT;
static pthread_key_t ja_key;
static bool ja_key_ok;
static _Thread_local struct ja_arena *ja_tls;

static void ja_chunks_free(struct ja_chunk *c)
{
    while (c) {
        struct ja_chunk *next = c->next;
        free(c);
        c = next;
    }
}

static void ja_destroy(void *p)
{
    struct ja_arena *a = p;
    ja_chunks_free(a->chunks);
    ja_chunks_free(a->spare);
    free(a);
}

static void ja_key_init(void)
{
    ja_key_ok = pthread_key_create(&ja_key, ja_destroy) == 0;
}

static void *ja_heap(size_t n)
{
    if (n > SIZE_MAX - JA_HDR)
        return NULL;
    char *p = malloc(n + JA_HDR);
    if (!p)
        return NULL;
    uint32_t tag = JA_HEAP;
    memcpy(p, &tag, sizeof tag);
    return p + JA_HDR;
}

static struct ja_chunk *ja_chunk_for(struct ja_arena *a, size_t need)
{
    struct ja_chunk **pp = &a->spare;
    while (*pp && (*pp)->cap < need)
        pp = &(*pp)->next;
    struct ja_chunk *c = *pp;
    if (c) {
        *pp = c->next;
    } else {
        size_t cap = need > JA_CHUNK ? need : JA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
    }
    c->used = 0;
    c->next = a->chunks;
    a->chunks = c;
    return c;
}

static void *ja_malloc(size_t n)
{
    struct ja_arena *a = ja_tls;
    if (!a || !a->active)
        return ja_heap(n);
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = (n + JA_HDR + 15u) & ~(size_t)15u;
    struct ja_chunk *c = a->chunks;
    if (!c || c->cap - c->used < need) {
        c = ja_chunk_for(a, need);
        if (!c)
            return ja_heap(n);
    }
    char *p = c->data + c->used;
    c->used += need;
    a->used += need;
    uint32_t tag = JA_ARENA;
    memcpy(p, &tag, sizeof tag);
    return p + JA_HDR;
}

static void ja_free(void *ptr)
{
    if (!ptr)
        return;
    char *p = (char *)ptr - JA_HDR;
    uint32_t tag;
    memcpy(&tag, p, sizeof tag);
    if (tag == JA_ARENA)
        return;
    free(p);
}

void hub_json_alloc_install(void)
{
    json_set_alloc_funcs(ja_malloc, ja_free);
    ja_installed = true;
}

void hub_json_free(void *p)
{
    json_free_t f = NULL;
    json_get_alloc_funcs(NULL, &f);
    if (f)
        f(p);
    else
        free(p);
}

void hub_json_arena_begin(void)
{
    if (!ja_installed)
        return;
    struct ja_arena *a = ja_tls;
    if (!a) {
        pthread_once(&ja_once, ja_key_init);
        if (!ja_key_ok)
            return;
        a = calloc(1, sizeof *a);
        if (!a)
            return;
        if (pthread_setspecific(ja_key, a) != 0) {
            free(a);
            return;
        }
        ja_tls = a;
    }
    a->active = true;
}

void hub_json_arena_end(void)
{
    if (ja_tls)
        ja_tls->active = false;
}

void hub_json_arena_reset(void)
{
    struct ja_arena *a = ja_tls;
    if (!a)
        return;
    a->active = false;
    a->used = 0;
    /* Chunks back to the spare list, up to JA_KEEP in all. */
    size_t kept = 0;
    for (struct ja_chunk *s = a->spare; s; s = s->next)
        kept += s->cap;
    while (a->chunks) {
        struct ja_chunk *c = a->chunks;
        a->chunks = c->next;
        if (kept + c->cap <= JA_KEEP) {
            kept += c->cap;
            c->next = a->spare;
            a->spare = c;
        } else {
            free(c);
        }
    }
}

size_t hub_json_arena_used(void)
{
    return ja_tls ? ja_tls->used : 0;
}
