/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of transaction keywords (see detect_tx_kw.h) and the generic
 * integer keyword. A protocol's table file may not exist yet in a given tree:
 * as in app.c, the reference is weak until __has_include sees the file. */
#include "detect/detect_tx_kw.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"

#if __has_include("detect_kw_modbus.c")
extern const struct detect_tx_kw detect_tx_kw_modbus[];
#else
extern const struct detect_tx_kw detect_tx_kw_modbus[] __attribute__((weak));
#endif
#if __has_include("detect_kw_dnp3.c")
extern const struct detect_tx_kw detect_tx_kw_dnp3[];
#else
extern const struct detect_tx_kw detect_tx_kw_dnp3[] __attribute__((weak));
#endif
#if __has_include("detect_kw_enip.c")
extern const struct detect_tx_kw detect_tx_kw_enip[];
#else
extern const struct detect_tx_kw detect_tx_kw_enip[] __attribute__((weak));
#endif
#if __has_include("detect_kw_mqtt.c")
extern const struct detect_tx_kw detect_tx_kw_mqtt[];
#else
extern const struct detect_tx_kw detect_tx_kw_mqtt[] __attribute__((weak));
#endif

#if __has_include("detect_kw_http2.c")
extern const struct detect_tx_kw detect_tx_kw_http2[];
#else
extern const struct detect_tx_kw detect_tx_kw_http2[] __attribute__((weak));
#endif

#if __has_include("detect_kw_winrpc.c")
extern const struct detect_tx_kw detect_tx_kw_winrpc[]; /* dcerpc, smb, krb5, nfs */
#else
extern const struct detect_tx_kw detect_tx_kw_winrpc[] __attribute__((weak));
#endif

static const struct detect_tx_kw *tx_kw_table(size_t i)
{
    switch (i) {
    case 0:
        return detect_tx_kw_modbus;
    case 1:
        return detect_tx_kw_dnp3;
    case 2:
        return detect_tx_kw_enip;
    case 3:
        return detect_tx_kw_mqtt;
    case 4:
        return detect_tx_kw_winrpc;
    case 5:
        return detect_tx_kw_http2;
    default:
        return NULL;
    }
}
#define TX_KW_TABLES 6

/* Keywords of the parsers' own integer fields (struct app_uint_field), made
 * once: each is a multi-integer (a field may occur several times in a
 * transaction) with the field's value names as enumeration names. */
#define APP_KW_MAX 256
static struct detect_tx_kw app_kws[APP_KW_MAX + 1];
static struct detect_uint_spec app_specs[APP_KW_MAX];
static pthread_once_t app_kws_once = PTHREAD_ONCE_INIT;

static void build_app_kws(void)
{
    size_t n = 0;
    const struct app_uint_field *uf;
    uint16_t proto, f;
    for (size_t i = 0; n < APP_KW_MAX && (uf = app_uint_field_at(i, &proto, &f)) != NULL; i++) {
        if (uf->own_syntax)
            continue; /* its keyword is in a table of its own (detect_kw_winrpc.c) */
        bool dup = false; /* a protocol's TCP and UDP parsers share their table */
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(app_kws[j].name, uf->keyword) == 0;
        if (dup)
            continue;
        int rule_proto = rule_app_proto_lookup(app_proto_name(proto));
        struct detect_uint_spec *sp = &app_specs[n];
        sp->max = uf->max;
        if (uf->names) {
            /* struct app_uint_enum and struct detect_uint_name agree */
            _Static_assert(sizeof(struct app_uint_enum) == sizeof(struct detect_uint_name),
                           "value name layouts differ");
            sp->names = (const struct detect_uint_name *)(const void *)uf->names;
            sp->names_kind = DETECT_UINT_NAMES_ENUM;
            sp->names_nocase = true;
        }
        struct detect_tx_kw *k = &app_kws[n];
        k->name = uf->keyword;
        k->app_proto = rule_proto < 0 ? 0 : (uint16_t)rule_proto;
        k->dir = uf->dir;
        k->spec = sp;
        k->multi = true;
        k->from_app = true;
        k->app_field_proto = proto;
        k->app_field = f;
        n++;
    }
}

static uint32_t app_field_values(const struct detect_tx_kw *kw, const struct app_tx *tx,
                                 uint64_t *values, uint32_t max)
{
    uint32_t n = 0;
    for (; n < max; n++)
        if (app_tx_get_field_uint(tx, kw->app_field_proto, kw->app_field, n, &values[n], NULL) != 0)
            break;
    return n;
}

const struct detect_tx_kw *detect_tx_kw_lookup(const char *name)
{
    if (!name)
        return NULL;
    pthread_once(&app_kws_once, build_app_kws);
    for (const struct detect_tx_kw *k = app_kws; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    for (size_t t = 0; t < TX_KW_TABLES; t++) {
        const struct detect_tx_kw *k = tx_kw_table(t);
        for (; k && k->name; k++)
            if (strcmp(k->name, name) == 0)
                return k;
    }
    return NULL;
}

void detect_tx_kw_foreach(void (*fn)(const char *name, void *user), void *user)
{
    pthread_once(&app_kws_once, build_app_kws);
    for (const struct detect_tx_kw *k = app_kws; k->name; k++)
        fn(k->name, user);
    for (size_t t = 0; t < TX_KW_TABLES; t++)
        for (const struct detect_tx_kw *k = tx_kw_table(t); k && k->name; k++)
            fn(k->name, user);
}

/* The generic integer keyword keeps a struct detect_uint_multi. */
int detect_tx_kw_parse(const struct detect_tx_kw *kw, const char *value, void **data, char *err,
                       size_t errlen)
{
    *data = NULL;
    if (kw->parse)
        return kw->parse(value, data, err, errlen);
    if ((!kw->get && !kw->from_app) || !kw->spec)
        return -EINVAL;
    struct detect_uint_multi *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    int rc = kw->multi ? detect_uint_multi_parse(value, kw->spec, m, err, errlen)
                       : detect_uint_parse_ex(value, kw->spec, &m->value, err, errlen);
    if (rc) {
        free(m);
        return rc;
    }
    *data = m;
    return 0;
}

#define TX_KW_MAX_VALUES 256

bool detect_tx_kw_match(const struct detect_tx_kw *kw, const struct app_tx *tx, uint8_t direction,
                        const void *data)
{
    if (kw->match)
        return kw->match(tx, direction, data);
    const struct detect_uint_multi *m = data;
    uint64_t values[TX_KW_MAX_VALUES];
    uint32_t n = kw->from_app ? app_field_values(kw, tx, values, TX_KW_MAX_VALUES)
                              : kw->get(tx, direction, values, TX_KW_MAX_VALUES);
    if (n > TX_KW_MAX_VALUES)
        n = TX_KW_MAX_VALUES;
    if (!kw->multi)
        return n > 0 && detect_uint_match(&m->value, values[0]);
    /* Forms that need the final list wait until the side is complete. */
    if (detect_uint_multi_needs_all(m) && !app_tx_complete(tx, direction))
        return false;
    return detect_uint_multi_match(m, values, n);
}

void detect_tx_kw_free(const struct detect_tx_kw *kw, void *data)
{
    if (!data)
        return;
    if (kw->free_data)
        kw->free_data(data);
    else
        free(data);
}
