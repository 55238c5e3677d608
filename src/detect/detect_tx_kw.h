/* SPDX-License-Identifier: Apache-2.0 */
/* Transaction keywords: rule options that test a parsed transaction rather
 * than a buffer (dnp3_func, modbus, enip.status, mqtt.type, ...). A protocol
 * adds its keywords as one NULL-terminated table (detect_kw_<proto>.c) listed
 * in detect_tx_kw.c; the rule parser looks names up here, keeps what the
 * keyword's parse made of the value in struct rule_tx_cond, and the engine
 * calls match on each transaction the rule inspects.
 *
 * Integer keywords need no code of their own: give spec and get (the
 * transaction's values for the inspected direction) and leave parse/match
 * NULL; the value is then Suricata's integer syntax (detect_uint.h), a
 * multi-integer if multi is set. */
#ifndef VIGIL_DETECT_TX_KW_H
#define VIGIL_DETECT_TX_KW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/detect_uint.h"

struct app_tx;

#define DETECT_TX_KW_NOVALUE 0x01 /* takes no value */
#define DETECT_TX_KW_SINGLE 0x02  /* at most once per rule (Suricata refuses a second) */

/* Writes up to max values of the transaction for the side of the
 * conversation being inspected (direction 0 to server, 1 to client), in
 * transaction order; returns how many there are (0 when the field is
 * absent). May return more than max: only max were written. */
typedef uint32_t (*detect_tx_uint_get_fn)(const struct app_tx *tx, uint8_t direction,
                                          uint64_t *values, uint32_t max);

struct detect_tx_kw {
    const char *name;   /* as rules write it */
    uint16_t app_proto; /* enum rule_app_proto the keyword implies */
    uint8_t dir;        /* DETECT_BUFFER_DIR_* in which the field exists */
    uint8_t flags;      /* DETECT_TX_KW_* */
    /* Custom keywords: parse the value (NULL for NOVALUE keywords) into
     * *data (freed with free_data); 0 or -EINVAL with err filled. */
    int (*parse)(const char *value, void **data, char *err, size_t errlen);
    bool (*match)(const struct app_tx *tx, uint8_t direction, const void *data);
    void (*free_data)(void *data);
    /* Integer keywords (parse and match NULL). */
    const struct detect_uint_spec *spec;
    detect_tx_uint_get_fn get;
    bool multi;
    /* Integer fields that application-layer parsers list themselves (struct
     * app_uint_field, app_parser.h: the grid protocols): get is NULL and
     * the values come from app_tx_get_field_uint(app_field_proto, app_field).
     * Such keywords are made at start-up from the parsers' tables. */
    bool from_app;
    uint16_t app_field_proto; /* enum app_proto */
    uint16_t app_field;
};

/* The keyword of that name, or NULL. */
const struct detect_tx_kw *detect_tx_kw_lookup(const char *name);
/* Calls fn with the name of every transaction keyword (--list-keywords). */
void detect_tx_kw_foreach(void (*fn)(const char *name, void *user), void *user);

/* Parses a keyword's value; frees with detect_tx_kw_free. */
int detect_tx_kw_parse(const struct detect_tx_kw *kw, const char *value, void **data, char *err,
                       size_t errlen);
bool detect_tx_kw_match(const struct detect_tx_kw *kw, const struct app_tx *tx, uint8_t direction,
                        const void *data);
void detect_tx_kw_free(const struct detect_tx_kw *kw, void *data);

#endif
