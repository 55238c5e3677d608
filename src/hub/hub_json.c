/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_json.h"

#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
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
        out = json_dumps(v, JSON_COMPACT);
        n = out ? strlen(out) : 0;
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
