/* SPDX-License-Identifier: Apache-2.0 */
/* Options of the Modbus, DNP3, ENIP and MQTT parsers (struct app_ics_config),
 * read from Suricata's keys:
 *   app-layer.protocols.modbus.request-flood             (500; 0 = no limit)
 *   app-layer.protocols.dnp3.max-tx / max-points / max-objects (32 / 16384 / 2048)
 *   app-layer.protocols.dnp3.log-confirms (vigil's; yes: CONFIRM requests are
 *     transactions and logged, which Suricata skips)
 *   app-layer.protocols.enip.max-tx                      (1024)
 *   app-layer.protocols.mqtt.max-msg-length / max-tx / max-messages
 *   app-layer.protocols.mqtt.frames-at-message (vigil's; no: the header and
 *     data frames sit where Suricata puts them, see app_mqtt.c)
 *   outputs.N.eve-log.types.M.mqtt.string-log-limit / passwords
 * and of the grid and industrial parsers (fields of struct app_layer_config):
 *   app-layer.protocols.mms.midstream (no), app-layer.protocols.sv.log-all (no),
 *   app-layer.l2.memcap (4 MiB: GOOSE/SV publisher tables per worker)
 * A value that is not a number, size or boolean is an error naming the key. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "util/config.h"

static int ics_fail(const struct config_node *n, const char *key, const char *value, char *err,
                    size_t errlen, const char *why)
{
    if (err && errlen) {
        const char *file = n ? config_node_file(n) : NULL;
        if (file)
            snprintf(err, errlen, "%s:%d: %s: invalid %s '%.64s'", file, config_node_line(n), key,
                     why, value);
        else
            snprintf(err, errlen, "%s: invalid %s '%.64s'", key, why, value);
    }
    return -EINVAL;
}

/* A size (plain number or with kb/mb/gb units) into *out, bounded by max. */
static int ics_size(const struct config *cfg, const char *key, uint64_t max, uint32_t *out,
                    char *err, size_t errlen)
{
    const char *v = config_get(cfg, key);
    if (!v)
        return 0;
    uint64_t x;
    if (config_parse_size(v, &x) != 0 || x > max)
        return ics_fail(config_find(cfg, key), key, v, err, errlen, "size argument");
    *out = (uint32_t)x;
    return 0;
}

/* The mapping of the first eve-log output's "- mqtt:" type, or NULL. */
static const struct config_node *ics_eve_type(const struct config *cfg, const char *type)
{
    const struct config_node *outputs = config_find(cfg, "outputs");
    for (const struct config_node *o = outputs ? config_node_first_child(outputs) : NULL; o;
         o = config_node_next(o)) {
        const char *v = config_node_value(o);
        if (!v || strcmp(v, "eve-log") != 0)
            continue;
        const struct config_node *types = config_node_find(o, "eve-log.types");
        for (const struct config_node *t = types ? config_node_first_child(types) : NULL; t;
             t = config_node_next(t)) {
            const char *tv = config_node_value(t);
            if (tv && strcmp(tv, type) == 0)
                return config_node_child(t, type);
        }
    }
    return NULL;
}

int app_ics_config_load(struct app_layer_config *out, const struct config *cfg, char *err,
                        size_t errlen)
{
    struct app_ics_config *c = &out->ics;
    c->modbus_request_flood = 500;
    c->dnp3_max_tx = 32;
    c->dnp3_max_points = 16384;
    c->dnp3_max_objects = 2048;
    c->dnp3_log_confirms = true;
    c->enip_max_tx = 1024;
    c->mqtt_max_msg_len = 1024 * 1024;
    c->mqtt_max_tx = 4096;
    c->mqtt_max_messages = 1024;
    c->mqtt_string_log_limit = 1024;
    c->mqtt_log_passwords = true; /* Suricata 8 logs them unless "passwords: no" */
    if (!cfg)
        return 0;
    int rc = 0;
    static const struct {
        const char *key;
        size_t offset;
    } sizes[] = {
        {"app-layer.protocols.modbus.request-flood", offsetof(struct app_ics_config, modbus_request_flood)},
        {"app-layer.protocols.dnp3.max-tx", offsetof(struct app_ics_config, dnp3_max_tx)},
        {"app-layer.protocols.dnp3.max-points", offsetof(struct app_ics_config, dnp3_max_points)},
        {"app-layer.protocols.dnp3.max-objects", offsetof(struct app_ics_config, dnp3_max_objects)},
        {"app-layer.protocols.enip.max-tx", offsetof(struct app_ics_config, enip_max_tx)},
        {"app-layer.protocols.mqtt.max-msg-length", offsetof(struct app_ics_config, mqtt_max_msg_len)},
        {"app-layer.protocols.mqtt.max-tx", offsetof(struct app_ics_config, mqtt_max_tx)},
        {"app-layer.protocols.mqtt.max-messages", offsetof(struct app_ics_config, mqtt_max_messages)},
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint32_t *field = (uint32_t *)((char *)c + sizes[i].offset);
        if (ics_size(cfg, sizes[i].key, UINT32_MAX, field, err, errlen) && rc == 0) {
            rc = -EINVAL;
            err = NULL; /* keep the first message */
        }
    }
    c->dnp3_log_confirms = config_get_bool(cfg, "app-layer.protocols.dnp3.log-confirms", true);
    c->mqtt_frames_at_message =
        config_get_bool(cfg, "app-layer.protocols.mqtt.frames-at-message", false);
    static const struct {
        const char *key;
        size_t offset;
    } flags[] = {
        {"app-layer.protocols.mms.midstream", offsetof(struct app_layer_config, mms_midstream)},
        {"app-layer.protocols.sv.log-all", offsetof(struct app_layer_config, sv_log_all)},
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        const char *v = config_get(cfg, flags[i].key);
        bool b;
        if (!v)
            continue;
        if (config_parse_bool(v, &b) == 0)
            *(bool *)((char *)out + flags[i].offset) = b;
        else if (rc == 0)
            rc = ics_fail(config_find(cfg, flags[i].key), flags[i].key, v, err, errlen, "boolean");
    }
    const char *l2 = config_get(cfg, "app-layer.l2.memcap");
    uint64_t l2v;
    if (l2 && (config_parse_size(l2, &l2v) != 0 || l2v == 0)) {
        if (rc == 0)
            rc = ics_fail(config_find(cfg, "app-layer.l2.memcap"), "app-layer.l2.memcap", l2, err,
                          errlen, "size argument");
    } else if (l2) {
        out->l2_memcap = l2v;
    }
    const struct config_node *mqtt = ics_eve_type(cfg, "mqtt");
    if (mqtt) {
        const struct config_node *n = config_node_child(mqtt, "string-log-limit");
        const char *v = n ? config_node_value(n) : NULL;
        uint64_t x;
        if (v) {
            if (config_parse_size(v, &x) != 0 || x > UINT32_MAX) {
                if (rc == 0)
                    rc = ics_fail(n, "mqtt.string-log-limit", v, err, errlen, "size argument");
            } else {
                c->mqtt_string_log_limit = (uint32_t)x;
            }
        }
        n = config_node_child(mqtt, "passwords");
        v = n ? config_node_value(n) : NULL;
        bool b;
        if (v && config_parse_bool(v, &b) == 0)
            c->mqtt_log_passwords = b;
    }
    return rc;
}
