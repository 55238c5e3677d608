/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration check: once everything has read the configuration,
 * every key nobody read is reported with one warning naming it (its full
 * dotted path, file and line), never silently ignored. A section nobody
 * reads at all is one warning for the section. Keys set to an empty value
 * and sections switched off with `enabled: no` change nothing and are not
 * reported. Where the reason is known (a capture method, an output, a
 * protocol without parser) the warning says it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "sensor/sensor_internal.h"
#include "util/config.h"
#include "util/log.h"

struct reason {
    const char *prefix; /* dotted path or its first segments */
    const char *why;
};

static const struct reason reasons[] = {
    {"dpdk", "DPDK capture is not supported by vigil (use af-packet or pcap)"},
    {"af-xdp", "AF_XDP capture is not supported by vigil (use af-packet or pcap)"},
    {"netmap", "netmap capture is not supported by vigil (use af-packet or pcap)"},
    {"pfring", "PF_RING capture is not supported by vigil (use af-packet or pcap)"},
    {"napatech", "Napatech capture is not supported by vigil (use af-packet or pcap)"},
    {"nfq", "inline NFQUEUE mode is not supported: vigil is a passive IDS"},
    {"nflog", "NFLOG capture is not supported by vigil"},
    {"ipfw", "inline IPFW mode is not supported: vigil is a passive IDS"},
    {"unix-command", "the unix control socket is not available in this version"},
    {"plugins", "Suricata plugins cannot be loaded by vigil"},
    {"threading.cpu-affinity", "CPU pinning is not supported by vigil"},
    {"threading.set-cpu-affinity", "CPU pinning is not supported by vigil"},
    {"outputs.eve-log.threaded", "per-thread EVE files are not supported: workers share one file"},
    {"outputs.eve-log.redis", "the redis output is not supported by vigil"},
    {"outputs.pcap-log", "the pcap-log output is not supported by vigil"},
    {"outputs.tls-store", "the tls-store output is not supported by vigil"},
#ifndef VIGIL_HAVE_LUA
    {"outputs.lua", "Lua outputs need vigil built with Lua"},
#endif
    {"outputs.alert-debug", "the alert-debug output is not supported by vigil"},
    {"outputs.tcp-data", "the tcp-data output is not supported by vigil"},
    {"outputs.http-body-data", "the http-body-data output is not supported by vigil"},
    {"security", "the sandbox settings (landlock, limit-noproc) are not supported by vigil"},
    {"profiling", "profiling is not supported by vigil"},
    {"engine-analysis", "engine analysis is not supported by vigil"},
    {"af-packet.copy-mode", "IPS/TAP copy modes are not supported: vigil is a passive IDS"},
    {"af-packet.copy-iface", "IPS/TAP copy modes are not supported: vigil is a passive IDS"},
    {"firewall", "firewall mode is not supported: vigil is a passive IDS"},
};

/* Paths already reported (a key repeated in two outputs is said once).
 * Start-up is single-threaded. */
static char seen[256][96];
static int nseen, nwarnings;

static const char *reason_for(const char *path, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        size_t n = strlen(reasons[i].prefix);
        if (strncmp(path, reasons[i].prefix, n) == 0 && (path[n] == '\0' || path[n] == '.'))
            return reasons[i].why;
    }
    /* app-layer.protocols.X / outputs.eve-log.types.X for a protocol
     * without a parser. */
    static const char *const proto_prefixes[] = {"app-layer.protocols.", "outputs.eve-log.types."};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(proto_prefixes[i]);
        if (strncmp(path, proto_prefixes[i], n) != 0)
            continue;
        char proto[48];
        const char *p = path + n;
        size_t len = strcspn(p, ".");
        if (len == 0 || len >= sizeof proto)
            break;
        memcpy(proto, p, len);
        proto[len] = '\0';
        if (!app_layer_has_parser(proto) && strcmp(proto, "alert") && strcmp(proto, "flow") &&
            strcmp(proto, "anomaly") && strcmp(proto, "stats") && strcmp(proto, "files")) {
            snprintf(buf, buflen, "vigil has no %s parser%s", proto,
                     i == 1 ? ": no such events are logged" : "");
            return buf;
        }
    }
    return "not supported by vigil";
}

void sensor_config_warn(const char *path, const struct config_node *n)
{
    for (int i = 0; i < nseen; i++)
        if (strcmp(seen[i], path) == 0)
            return;
    if (nseen < (int)(sizeof seen / sizeof seen[0]))
        snprintf(seen[nseen++], sizeof seen[0], "%s", path);
    char buf[160];
    const char *why = reason_for(path, buf, sizeof buf);
    const char *file = config_node_file(n);
    if (file)
        log_warning("%s:%d: %s: %s (ignored)", file, config_node_line(n), path, why);
    else
        log_warning("--set %s: %s (ignored)", path, why);
    nwarnings++;
}

static void report(const char *path, const struct config_node *n, void *user)
{
    (void)user;
    sensor_config_warn(path, n);
}

static void mark(const struct config *cfg, const char *key)
{
    config_node_mark_subtree_used(config_find(cfg, key));
}

/* Settings whose value describes what vigil does anyway: read when they
 * hold one of these values (case-insensitive, comma-separated), reported
 * otherwise. `then` (optional) is a section that only matters for other
 * values (CPU pinning settings when pinning is off). */
static const struct {
    const char *key, *values, *then;
} as_vigil_does[] = {
    {"vlan.use-for-tracking", "true,yes,on,1", NULL},       /* VLAN ids are in the flow key */
    {"livedev.use-for-tracking", "true,yes,on,1", NULL},    /* one flow table per interface */
    {"host-mode", "auto,sniffer-only", NULL},               /* a passive sensor */
    {"exception-policy", "auto,ignore", NULL},              /* IDS: nothing is dropped */
    {"legacy.uricontent", "enabled", NULL},                 /* uricontent is accepted */
    {"mpm-algo", "auto,hs", NULL},                          /* Hyperscan */
    {"spm-algo", "auto,hs", NULL},
    {"threading.set-cpu-affinity", "no,false,off,0", "threading.cpu-affinity"},
    {"threading.autopin", "no,false,off,0", NULL},
    {"app-layer.protocols.http.libhtp.default-config.personality", "ids", NULL},
    {"app-layer.protocols.smtp.raw-extraction", "no,false,off,0", NULL},
    {"outputs.eve-log.types.http.extended", "yes,true,on,1", NULL}, /* Suricata 8's fields */
    {"outputs.eve-log.types.tls.extended", "yes,true,on,1", NULL},
    {"unix-command.enabled", "no,false,off,0", NULL},
    {"stream.inline", "no,false,off,0", NULL},
};

static bool value_in(const char *v, const char *list)
{
    size_t n = v ? strlen(v) : 0;
    for (const char *p = list; n && p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncasecmp(p, v, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

/* A key as written in one eve-log output's types list: the dotted path has
 * no index, so look under every output and type entry. */
static void mark_eve_type_key(const struct config *cfg, const char *type, const char *key,
                              const char *values)
{
    const struct config_node *outs = config_find(cfg, "outputs");
    for (const struct config_node *o = config_node_first_child(outs); o; o = config_node_next(o)) {
        const struct config_node *types = config_node_find(o, "eve-log.types");
        for (const struct config_node *t = config_node_first_child(types); t;
             t = config_node_next(t)) {
            const struct config_node *body = config_node_child(t, type);
            const struct config_node *k = body ? config_node_child(body, key) : NULL;
            if (k && value_in(config_node_peek_value(k), values))
                config_node_mark_used(k);
        }
    }
}

static void mark_as_vigil_does(const struct config *cfg)
{
    for (size_t i = 0; i < sizeof as_vigil_does / sizeof as_vigil_does[0]; i++) {
        const char *key = as_vigil_does[i].key;
        if (strncmp(key, "outputs.eve-log.types.", 22) == 0) {
            char type[32];
            const char *t = key + 22, *dot = strchr(t, '.');
            snprintf(type, sizeof type, "%.*s", (int)(dot - t), t);
            mark_eve_type_key(cfg, type, dot + 1, as_vigil_does[i].values);
            continue;
        }
        const struct config_node *n = config_find(cfg, key);
        if (!n || config_node_first_child(n) ||
            !value_in(config_node_peek_value(n), as_vigil_does[i].values))
            continue;
        config_node_mark_used(n);
        if (as_vigil_does[i].then)
            mark(cfg, as_vigil_does[i].then);
    }
    /* detection-ports: vigil detects every protocol it parses by content on
     * any port, which covers the listed ports. */
    const struct config_node *protos = config_find(cfg, "app-layer.protocols");
    for (const struct config_node *p = config_node_first_child(protos); p;
         p = config_node_next(p)) {
        if (!app_layer_has_parser(config_node_name(p)))
            continue;
        config_node_mark_subtree_used(config_node_child(p, "detection-ports"));
        config_node_mark_subtree_used(config_node_find(p, "tcp.detection-ports"));
        config_node_mark_subtree_used(config_node_find(p, "udp.detection-ports"));
    }
}

void sensor_config_check(struct run_state *rs)
{
    const struct config *cfg = rs->cfg;
    if (!cfg)
        return;
    /* Keys vigil supports that this run had no reason to read. */
    mark(cfg, "vars");                   /* read with the rules */
    mark(cfg, "default-rule-path");
    mark(cfg, "classification-file");
    mark(cfg, "reference-config-file");
    mark(cfg, "threshold-file");
    mark(cfg, "snort-lua-file");
    if (rs->opts.rules_exclusive || rs->opts.disable_detection)
        mark(cfg, "rule-files");          /* -S: the configuration's list is not used */
    if (rs->opts.log_dir)
        mark(cfg, "default-log-dir");     /* -l wins */
    mark(cfg, "suricata-version");       /* informational */
    mark(cfg, "engine-analysis");        /* only read by Suricata's --engine-analysis */
    mark_as_vigil_does(cfg);
    config_foreach_unused(cfg, report, NULL);
    if (nwarnings)
        log_info("configuration: %d setting(s) not used by vigil (warned above)", nwarnings);
}
