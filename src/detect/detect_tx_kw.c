/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of transaction keywords (see detect_tx_kw.h) and the generic
 * integer keyword. A protocol's table file may not exist yet in a given tree:
 * as in app.c, the reference is weak until __has_include sees the file. */
#include "detect/detect_tx_kw.h"

#include <errno.h>
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
    default:
        return NULL;
    }
}
#define TX_KW_TABLES 4

const struct detect_tx_kw *detect_tx_kw_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t t = 0; t < TX_KW_TABLES; t++) {
        const struct detect_tx_kw *k = tx_kw_table(t);
        for (; k && k->name; k++)
            if (strcmp(k->name, name) == 0)
                return k;
    }
    return NULL;
}

/* The generic integer keyword keeps a struct detect_uint_multi. */
int detect_tx_kw_parse(const struct detect_tx_kw *kw, const char *value, void **data, char *err,
                       size_t errlen)
{
    *data = NULL;
    if (kw->parse)
        return kw->parse(value, data, err, errlen);
    if (!kw->get || !kw->spec)
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
    uint32_t n = kw->get(tx, direction, values, TX_KW_MAX_VALUES);
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
