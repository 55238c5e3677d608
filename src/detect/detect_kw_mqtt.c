/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's MQTT integer keywords (rules/mqtt-keywords); the sticky buffers
 * (mqtt.connect.*, mqtt.publish.*, mqtt.subscribe.topic, ...) are buffers of
 * detect_buffer.c. Every keyword looks at all the messages of a transaction
 * (a PUBLISH and its PUBACK, a SUBSCRIBE and its SUBACK, ...):
 *   mqtt.protocol_version  the flow's CONNECT version
 *   mqtt.type              multi-integer over the message types (names)
 *   mqtt.flags             dup, retain of any message
 *   mqtt.qos               QoS of any message
 *   mqtt.reason_code       multi-integer over reason codes (CONNACK return
 *                          code, PUBACK..PUBCOMP, AUTH, DISCONNECT, SUBACK and
 *                          UNSUBACK codes); alias mqtt.connack.return_code
 *   mqtt.connack.session_present  yes/true/no/false
 *   mqtt.connect.flags     username, password, will, will_retain, clean_session */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_ics.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule.h"

static const struct detect_uint_name mqtt_type_names[] = {
    {"UNASSIGNED", 0}, {"CONNECT", 1},      {"CONNACK", 2},  {"PUBLISH", 3},
    {"PUBACK", 4},     {"PUBREC", 5},       {"PUBREL", 6},   {"PUBCOMP", 7},
    {"SUBSCRIBE", 8},  {"SUBACK", 9},       {"UNSUBSCRIBE", 10}, {"UNSUBACK", 11},
    {"PINGREQ", 12},   {"PINGRESP", 13},    {"DISCONNECT", 14}, {"AUTH", 15},
    {NULL, 0}};
static const struct detect_uint_name mqtt_flag_names[] = {{"dup", 0x08}, {"retain", 0x01},
                                                          {NULL, 0}};
static const struct detect_uint_name mqtt_connect_flag_names[] = {
    {"username", MQTT_CONNECT_USERNAME},       {"password", MQTT_CONNECT_PASSWORD},
    {"will", MQTT_CONNECT_WILL},               {"will_retain", MQTT_CONNECT_WILL_RETAIN},
    {"clean_session", MQTT_CONNECT_CLEAN_SESSION}, {NULL, 0}};

static const struct detect_uint_spec spec_u8 = {.max = 0xff};
static const struct detect_uint_spec spec_qos = {.max = 2};
static const struct detect_uint_spec spec_type = {
    .max = 0xff, .names = mqtt_type_names, .names_kind = DETECT_UINT_NAMES_ENUM, .names_nocase = true};
static const struct detect_uint_spec spec_flags = {
    .max = 0xff, .names = mqtt_flag_names, .names_kind = DETECT_UINT_NAMES_FLAGS};
static const struct detect_uint_spec spec_connect_flags = {
    .max = 0xff, .names = mqtt_connect_flag_names, .names_kind = DETECT_UINT_NAMES_FLAGS};

static void put(uint64_t *values, uint32_t max, uint32_t *n, uint64_t v)
{
    if (*n < max)
        values[*n] = v;
    (*n)++;
}

static uint32_t get_version(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    if (!mqtt_tx_message(tx, 0) || max == 0)
        return 0;
    v[0] = mqtt_tx_protocol_version(tx);
    return 1;
}

static uint32_t get_type(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    uint32_t n = 0;
    const struct mqtt_message *m;
    for (uint32_t i = 0; (m = mqtt_tx_message(tx, i)); i++)
        put(v, max, &n, m->type);
    return n;
}

static uint32_t get_flags(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    uint32_t n = 0;
    const struct mqtt_message *m;
    for (uint32_t i = 0; (m = mqtt_tx_message(tx, i)); i++)
        put(v, max, &n, m->header_flags);
    return n;
}

static uint32_t get_qos(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    uint32_t n = 0;
    const struct mqtt_message *m;
    for (uint32_t i = 0; (m = mqtt_tx_message(tx, i)); i++)
        put(v, max, &n, m->qos);
    return n;
}

static uint32_t get_reason(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    uint32_t n = 0;
    const struct mqtt_message *m;
    for (uint32_t i = 0; (m = mqtt_tx_message(tx, i)); i++) {
        if (m->truncated)
            continue;
        switch (m->type) {
        case MQTT_TYPE_CONNACK:
            put(v, max, &n, m->return_code);
            break;
        case MQTT_TYPE_PUBACK:
        case MQTT_TYPE_PUBREC:
        case MQTT_TYPE_PUBREL:
        case MQTT_TYPE_PUBCOMP:
        case MQTT_TYPE_DISCONNECT:
        case MQTT_TYPE_AUTH:
            if (m->has_reason_code)
                put(v, max, &n, m->reason_code);
            break;
        case MQTT_TYPE_SUBACK:
        case MQTT_TYPE_UNSUBACK:
            for (uint32_t k = 0; k < m->codes.len; k++)
                put(v, max, &n, m->codes.data[k]);
            break;
        default:
            break;
        }
    }
    return n;
}

static uint32_t get_connect_flags(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    uint32_t n = 0;
    const struct mqtt_message *m;
    for (uint32_t i = 0; (m = mqtt_tx_message(tx, i)); i++)
        if (m->type == MQTT_TYPE_CONNECT && !m->truncated)
            put(v, max, &n, m->connect_flags);
    return n;
}

/* mqtt.connack.session_present: yes, true, no or false. */
static int session_present_parse(const char *value, void **data, char *err, size_t errlen)
{
    bool want;
    if (!strcasecmp(value, "yes") || !strcasecmp(value, "true"))
        want = true;
    else if (!strcasecmp(value, "no") || !strcasecmp(value, "false"))
        want = false;
    else {
        snprintf(err, errlen, "expected yes, true, no or false, not '%.40s'", value);
        return -EINVAL;
    }
    bool *b = malloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    *b = want;
    *data = b;
    return 0;
}

static bool session_present_match(const struct app_tx *tx, uint8_t dir, const void *data)
{
    (void)dir;
    const bool *want = data;
    const struct mqtt_message *m;
    for (uint32_t i = 0; (m = mqtt_tx_message(tx, i)); i++)
        if (m->type == MQTT_TYPE_CONNACK && !m->truncated)
            return m->session_present == *want;
    return false;
}

#define TS DETECT_BUFFER_DIR_TOSERVER
#define TC DETECT_BUFFER_DIR_TOCLIENT
#define BOTH DETECT_BUFFER_DIR_BOTH

const struct detect_tx_kw detect_tx_kw_mqtt[] = {
    {.name = "mqtt.protocol_version", .app_proto = RULE_APP_MQTT, .dir = BOTH, .spec = &spec_u8,
     .get = get_version},
    {.name = "mqtt.type", .app_proto = RULE_APP_MQTT, .dir = BOTH, .spec = &spec_type,
     .get = get_type, .multi = true},
    {.name = "mqtt.flags", .app_proto = RULE_APP_MQTT, .dir = BOTH, .spec = &spec_flags,
     .get = get_flags, .multi = true},
    {.name = "mqtt.qos", .app_proto = RULE_APP_MQTT, .dir = BOTH, .spec = &spec_qos,
     .get = get_qos, .multi = true},
    {.name = "mqtt.reason_code", .app_proto = RULE_APP_MQTT, .dir = BOTH, .spec = &spec_u8,
     .get = get_reason, .multi = true},
    {.name = "mqtt.connack.return_code", .app_proto = RULE_APP_MQTT, .dir = BOTH,
     .spec = &spec_u8, .get = get_reason, .multi = true},
    {.name = "mqtt.connack.session_present", .app_proto = RULE_APP_MQTT, .dir = BOTH,
     .parse = session_present_parse, .match = session_present_match},
    {.name = "mqtt.connect.flags", .app_proto = RULE_APP_MQTT, .dir = BOTH,
     .spec = &spec_connect_flags, .get = get_connect_flags, .multi = true},
    {0},
};
