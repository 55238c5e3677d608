/* SPDX-License-Identifier: Apache-2.0 */
/* Turns a suricata.yaml-style configuration plus command-line options into
 * the per-subsystem configurations. Keys vigil does not know are ignored, as
 * the issue and Suricata's own behaviour for unknown keys require. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sensor/sensor_internal.h"
#include "util/config.h"

/* The first invalid value met while building the configuration: a value
 * that is present but cannot be used is an error naming file, line and key,
 * never silently replaced by the default. Start-up only (one thread). */
static char config_error[600];

static void invalid_value(const struct config *cfg, const char *key, const char *why)
{
    if (config_error[0])
        return;
    const struct config_node *n = config_find(cfg, key);
    const char *file = n ? config_node_file(n) : NULL;
    const char *value = config_get(cfg, key);
    if (file)
        snprintf(config_error, sizeof config_error, "%s:%d: %s: invalid value '%.64s' (%s)", file,
                 config_node_line(n), key, value ? value : "", why);
    else
        snprintf(config_error, sizeof config_error, "--set %s: invalid value '%.64s' (%s)", key,
                 value ? value : "", why);
}

/* stream.midstream-policy (Suricata's exception policy for sessions picked
 * up without their handshake). vigil is an IDS: policies that drop, reject
 * or pass single packets need an inline engine and are errors, as Suricata
 * rejects them in IDS mode (reject is accepted with pickup off: the flow is
 * not inspected further); with midstream pickup enabled only ignore and
 * pass-flow apply. auto is ignore in IDS mode. */
static void load_midstream_policy(const struct config *cfg, struct stream_config *s)
{
    const char *key = "stream.midstream-policy";
    const char *v = config_get(cfg, key);
    if (!v) {
        v = config_get(cfg, "exception-policy"); /* the master switch */
        if (!v)
            return;
        /* The master switch is only applied where valid. */
        if (!strcmp(v, "pass-flow") || (!strcmp(v, "bypass") && !s->midstream))
            s->midstream_policy = !strcmp(v, "bypass") ? STREAM_MIDSTREAM_BYPASS
                                                       : STREAM_MIDSTREAM_PASS_FLOW;
        return;
    }
    if (!strcmp(v, "auto") || !strcmp(v, "ignore"))
        s->midstream_policy = STREAM_MIDSTREAM_IGNORE;
    else if (!strcmp(v, "pass-flow"))
        s->midstream_policy = STREAM_MIDSTREAM_PASS_FLOW;
    else if (!strcmp(v, "bypass") && !s->midstream)
        s->midstream_policy = STREAM_MIDSTREAM_BYPASS;
    else if (!strcmp(v, "reject") && !s->midstream)
        s->midstream_policy = STREAM_MIDSTREAM_REJECT;
    else if (!strcmp(v, "bypass") || !strcmp(v, "reject"))
        invalid_value(cfg, key, "with stream.midstream enabled only ignore and pass-flow apply");
    else if (!strcmp(v, "drop-packet") || !strcmp(v, "drop-flow") || !strcmp(v, "pass-packet"))
        invalid_value(cfg, key, "not valid in IDS mode");
    else
        invalid_value(cfg, key, "expected auto, ignore, pass-flow or bypass");
}

static void get_size(const struct config *cfg, const char *key, uint64_t *out)
{
    uint64_t v;
    if (!cfg || !config_find(cfg, key))
        return;
    if (config_get_size(cfg, key, &v) == 0)
        *out = v;
    else
        invalid_value(cfg, key, "expected a size such as 64mb");
}

static void get_u32(const struct config *cfg, const char *key, uint32_t *out)
{
    long long v;
    if (!cfg || !config_find(cfg, key))
        return;
    if (config_get_int(cfg, key, &v) == 0 && v >= 0 && v <= UINT32_MAX)
        *out = (uint32_t)v;
    else
        invalid_value(cfg, key, "expected a number from 0 to 4294967295");
}

/* A port setting as Suricata writes them: a number, a "[4789, 8472]" list
 * (vigil decodes the first), or a $VARIABLE from vars.port-groups. */
static void get_port(const struct config *cfg, const char *key, uint16_t *out)
{
    if (!cfg || !config_find(cfg, key) || !config_get(cfg, key))
        return;
    const char *v = config_get(cfg, key);
    char var_key[160];
    if (v[0] == '$') {
        snprintf(var_key, sizeof var_key, "vars.port-groups.%s", v + 1);
        v = config_get(cfg, var_key);
        if (!v) {
            invalid_value(cfg, key, "undefined port variable");
            return;
        }
    }
    while (*v == '[' || *v == ' ' || *v == '"')
        v++;
    char *end;
    long n = strtol(v, &end, 10);
    if (end != v && n >= 0 && n <= 65535 && (*end == '\0' || *end == ',' || *end == ']' ||
                                             *end == ' ' || *end == '"'))
        *out = (uint16_t)n;
    else
        invalid_value(cfg, key, "expected a port number");
}

static void load_timeouts(const struct config *cfg, struct flow_config *fc)
{
    static const char *const classes[FLOW_PROTO_CLASS_MAX] = {"default", "tcp", "udp", "icmp"};
    static const char *const states[] = {"new", "established", "closed", "bypassed"};
    char key[96];
    for (int c = 0; c < FLOW_PROTO_CLASS_MAX; c++) {
        for (int s = 0; s < 4; s++) {
            snprintf(key, sizeof key, "flow-timeouts.%s.%s", classes[c], states[s]);
            get_u32(cfg, key, &fc->timeouts[c].normal[s]);
            snprintf(key, sizeof key, "flow-timeouts.%s.emergency-%s", classes[c], states[s]);
            get_u32(cfg, key, &fc->timeouts[c].emergency[s]);
        }
    }
}

/* The eve-log output entry: outputs is a sequence of one-key mappings. */
static const struct config_node *find_eve_log(const struct config *cfg)
{
    const struct config_node *outputs = cfg ? config_find(cfg, "outputs") : NULL;
    if (!outputs)
        return NULL;
    for (const struct config_node *n = config_node_first_child(outputs); n;
         n = config_node_next(n)) {
        const struct config_node *eve = config_node_child(n, "eve-log");
        if (eve)
            return eve;
        const char *v = config_node_value(n);
        if (v && strcmp(v, "eve-log") == 0)
            return config_node_child(n, "eve-log") ? config_node_child(n, "eve-log") : n;
    }
    return NULL;
}

static bool node_bool(const struct config_node *n, const char *key, bool dflt)
{
    const struct config_node *c = n ? config_node_find(n, key) : NULL;
    bool b;
    if (c && config_node_value(c) && config_parse_bool(config_node_value(c), &b) == 0)
        return b;
    return dflt;
}

/* outputs.eve-log.types.alert.xff: enabled, mode (extra-data|overwrite),
 * deployment (reverse|forward), header. */
static void alert_xff_config(struct alert_log_options *o, const struct config_node *body)
{
    const struct config_node *x = body ? config_node_child(body, "xff") : NULL;
    if (!x || !node_bool(x, "enabled", false))
        return;
    const struct config_node *m = config_node_child(x, "mode");
    const char *mode = m ? config_node_value(m) : NULL;
    o->xff_mode = mode && strcasecmp(mode, "overwrite") == 0 ? ALERT_XFF_OVERWRITE
                                                              : ALERT_XFF_EXTRA_DATA;
    const struct config_node *dep = config_node_child(x, "deployment");
    const char *d = dep ? config_node_value(dep) : NULL;
    o->xff_forward = d && strcasecmp(d, "forward") == 0;
    const struct config_node *h = config_node_child(x, "header");
    if (h && config_node_value(h))
        snprintf(o->xff_header, sizeof o->xff_header, "%s", config_node_value(h));
}

static void load_eve_types(struct sensor_config *sc, const struct config *cfg)
{
    const struct config_node *eve = find_eve_log(cfg);
    const struct config_node *types = eve ? config_node_child(eve, "types") : NULL;
    /* Without a types list everything is logged. */
    bool all = types == NULL;
    sc->log_flow = sc->log_stats = sc->log_anomaly = sc->log_alert = all;
    alert_log_options_defaults(&sc->alert);
    sc->log_anomaly_decode = sc->log_anomaly_stream = all;
    sc->log_anomaly_applayer = true;
    for (int p = 0; p < APP_PROTO_MAX; p++)
        sc->log_app[p] = all;
    if (eve) {
        sc->eve.community_id = node_bool(eve, "community-id", false);
        sc->eve.ethernet = node_bool(eve, "ethernet", false);
        const struct config_node *seed = config_node_child(eve, "community-id-seed");
        if (seed && config_node_value(seed))
            sc->eve.community_id_seed = (uint16_t)strtoul(config_node_value(seed), NULL, 10);
    }
    if (!types)
        return;
    for (const struct config_node *t = config_node_first_child(types); t;
         t = config_node_next(t)) {
        const char *name = config_node_value(t);
        if (!name)
            continue;
        const struct config_node *body = config_node_child(t, name);
        if (!node_bool(body, "enabled", true))
            continue;
        if (strcmp(name, "alert") == 0) {
            sc->log_alert = true;
            sc->alert.payload = node_bool(body, "payload", false);
            sc->alert.payload_printable = node_bool(body, "payload-printable", false);
            sc->alert.packet = node_bool(body, "packet", false);
            sc->alert.tagged_packets = node_bool(body, "tagged-packets", false);
            alert_xff_config(&sc->alert, body);
            const struct config_node *md = body ? config_node_child(body, "metadata") : NULL;
            if (md && config_node_value(md)) {
                bool on = node_bool(body, "metadata", true);
                sc->alert.app_layer = sc->alert.flow = sc->alert.rule_metadata = on;
            } else if (md) {
                sc->alert.app_layer = node_bool(md, "app-layer", true);
                sc->alert.flow = node_bool(md, "flow", true);
                sc->alert.rule_metadata = node_bool(md, "rule.metadata", true);
            }
        } else if (strcmp(name, "flow") == 0) {
            sc->log_flow = true;
        } else if (strcmp(name, "stats") == 0) {
            sc->log_stats = true;
        } else if (strcmp(name, "anomaly") == 0) {
            sc->log_anomaly = true;
            const struct config_node *at = body ? config_node_child(body, "types") : NULL;
            sc->log_anomaly_decode = node_bool(at, "decode", false);
            sc->log_anomaly_stream = node_bool(at, "stream", false);
            sc->log_anomaly_applayer = node_bool(at, "applayer", true);
        } else if (strcmp(name, "files") == 0) {
            sc->log_app[0] = true; /* slot 0 (unknown) stands for fileinfo */
        } else {
            int p = app_proto_from_name(name);
            if (p > 0 && p < APP_PROTO_MAX)
                sc->log_app[p] = true;
        }
    }
}

int sensor_config_build(struct sensor_config *sc, const struct config *cfg,
                        const struct sensor_options *o)
{
    memset(sc, 0, sizeof *sc);

    decode_config_defaults(&sc->decode);
    get_size(cfg, "defrag.memcap", &sc->decode.defrag_memcap);
    get_u32(cfg, "defrag.timeout", &sc->decode.defrag_timeout_sec);
    get_u32(cfg, "defrag.trackers", &sc->decode.defrag_max_trackers);
    if (cfg && !config_get_bool(cfg, "decoder.vxlan.enabled", true))
        sc->decode.vxlan_port = 0;
    get_port(cfg, "decoder.vxlan.ports", &sc->decode.vxlan_port);
    if (cfg && !config_get_bool(cfg, "decoder.geneve.enabled", true))
        sc->decode.geneve_port = 0;
    get_port(cfg, "decoder.geneve.ports", &sc->decode.geneve_port);
    /* vigil's own: GTP-U user plane decapsulated as a tunnel (Suricata has no
     * GTP decoder; tshark and Zeek do). */
    if (cfg && !config_get_bool(cfg, "decoder.gtpu.enabled", true))
        sc->decode.gtpu_port = 0;
    get_port(cfg, "decoder.gtpu.ports", &sc->decode.gtpu_port);
    if (cfg && !config_get_bool(cfg, "decoder.teredo.enabled", true))
        sc->decode.teredo_port = 0;
    get_port(cfg, "decoder.teredo.ports", &sc->decode.teredo_port);
    /* -k all validates; none and auto do not. Offline captures very often
     * carry offloaded (wrong) checksums, which is why Suricata's auto mode
     * ends up not validating them. */
    sc->decode.checksum_validate = o->checksum == CHECKSUM_ALL;

    flow_config_defaults(&sc->flow);
    get_size(cfg, "flow.memcap", &sc->flow.memcap);
    get_u32(cfg, "flow.hash-size", &sc->flow.hash_size);
    get_u32(cfg, "flow.prealloc", &sc->flow.prealloc);
    get_u32(cfg, "flow.emergency-recovery", &sc->flow.emergency_recovery);
    load_timeouts(cfg, &sc->flow);

    stream_config_defaults(&sc->stream);
    if (cfg) {
        sc->stream.midstream = config_get_bool(cfg, "stream.midstream", sc->stream.midstream);
        sc->stream.async_oneside =
            config_get_bool(cfg, "stream.async-oneside", sc->stream.async_oneside);
        /* Inline mode inspects data as it arrives; IDS mode once the
         * receiver acknowledged it, as Suricata does. */
        sc->stream.ack_based_delivery = !config_get_bool(cfg, "stream.inline", false);
        load_midstream_policy(cfg, &sc->stream);
    }
    get_size(cfg, "stream.memcap", &sc->stream.memcap);
    get_size(cfg, "stream.reassembly.memcap", &sc->stream.reassembly_memcap);
    uint64_t depth = sc->stream.reassembly_depth;
    get_size(cfg, "stream.reassembly.depth", &depth);
    sc->stream.reassembly_depth = depth > UINT32_MAX ? UINT32_MAX : (uint32_t)depth;
    sc->stream.checksum_validation = o->checksum == CHECKSUM_ALL;
    if (cfg && config_get(cfg, "stream.checksum-validation") && o->checksum != CHECKSUM_NONE)
        sc->stream.checksum_validation =
            config_get_bool(cfg, "stream.checksum-validation", false) && o->checksum == CHECKSUM_ALL;

    app_layer_config_load(&sc->app, cfg);
    char ics_err[300];
    if (app_ics_config_load(&sc->app, cfg, ics_err, sizeof ics_err) != 0 && !config_error[0])
        snprintf(config_error, sizeof config_error, "%s", ics_err);
    load_eve_types(sc, cfg);
    if (config_error[0]) {
        /* As Suricata: a configuration it cannot use stops start-up with
         * exit status 1 (EXIT_FAILURE); 2 stays for command-line misuse. */
        fprintf(stderr, "vigil run: %s\n", config_error);
        return 1;
    }
    return 0;
}
