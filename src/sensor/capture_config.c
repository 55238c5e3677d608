/* SPDX-License-Identifier: Apache-2.0 */
/* Live capture settings: the `af-packet:` and `pcap:` sections of
 * suricata.yaml (a list of interfaces, each with its own settings, and an
 * `interface: default` entry whose settings apply to any interface not
 * listed), `run-as`, `pid-file`, and which interfaces a run captures on.
 *
 * Every entry of both sections is read (and checked) whatever the run's
 * capture method, so supported keys are never reported as unsupported; a
 * key left unread is reported by the configuration check. */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sensor/sensor_internal.h"
#include "util/config.h"
#include "util/log.h"

static char capcfg_error[600];

static void entry_error(const struct config_node *n, const char *key, const char *value,
                        const char *why)
{
    if (capcfg_error[0])
        return;
    const char *file = config_node_file(n);
    if (file)
        snprintf(capcfg_error, sizeof capcfg_error, "%s:%d: %s: invalid value '%.64s' (%s)",
                 file, config_node_line(n), key, value ? value : "", why);
    else
        snprintf(capcfg_error, sizeof capcfg_error, "--set %s: invalid value '%.64s' (%s)", key,
                 value ? value : "", why);
}

static const struct config_node *entry_key(const struct config_node *entry, const char *key)
{
    const struct config_node *n = config_node_child(entry, key);
    return n && !config_node_first_child(n) ? n : NULL;
}

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > SENSOR_MAX_THREADS ? SENSOR_MAX_THREADS : (int)n);
}

/* Applies the supported keys of one af-packet entry to a. Values that
 * cannot be used are errors naming file, line and key. Keys vigil cannot
 * honour (copy-mode, mmap-locked, ...) are left unread, or read only with a
 * value vigil implements (use-mmap: yes, tpacket-v3: yes). */
static void afp_apply(struct sensor_afp_iface *a, const struct config_node *e)
{
    const struct config_node *n;
    const char *v;
    bool b;
    if ((n = entry_key(e, "threads")) && (v = config_node_value(n)) && *v) {
        char *end;
        long t = strtol(v, &end, 10);
        if (strcasecmp(v, "auto") == 0)
            a->threads = online_cpus();
        else if (*end || t < 1 || t > SENSOR_MAX_THREADS)
            entry_error(n, "af-packet.threads", v, "expected auto or 1 to 64");
        else
            a->threads = (int)t;
    }
    if ((n = entry_key(e, "cluster-id")) && (v = config_node_value(n)) && *v) {
        char *end;
        long id = strtol(v, &end, 10);
        if (*end || id < 0 || id > 65535)
            entry_error(n, "af-packet.cluster-id", v, "expected 0 to 65535");
        else
            a->cluster_id = (uint16_t)id;
    }
    if ((n = entry_key(e, "cluster-type")) && (v = config_node_value(n)) && *v) {
        static const struct {
            const char *name;
            uint16_t mode;
        } types[] = {{"cluster_flow", PACKET_FANOUT_HASH},
                     {"cluster_cpu", PACKET_FANOUT_CPU},
                     {"cluster_qm", PACKET_FANOUT_QM},
                     {"cluster_round_robin", PACKET_FANOUT_LB},
                     {"cluster_random", PACKET_FANOUT_RND},
                     /* deprecated in Suricata; replaced with cluster_flow there too */
                     {"cluster_rollover", PACKET_FANOUT_HASH}};
        bool found = false;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(v, types[i].name) == 0) {
                a->fanout_mode = types[i].mode;
                found = true;
            }
        if (!found)
            entry_error(n, "af-packet.cluster-type", v,
                        strcasecmp(v, "cluster_ebpf") == 0
                            ? "eBPF load balancing is not supported by vigil; use cluster_flow"
                            : "expected cluster_flow, cluster_cpu, cluster_qm, "
                              "cluster_round_robin or cluster_random");
    }
    if ((n = entry_key(e, "defrag")) && (v = config_node_value(n)) && *v) {
        if (config_parse_bool(v, &b) != 0)
            entry_error(n, "af-packet.defrag", v, "expected yes or no");
        else
            a->defrag = b;
    }
    if ((n = entry_key(e, "disable-promisc")) && (v = config_node_value(n)) && *v) {
        if (config_parse_bool(v, &b) != 0)
            entry_error(n, "af-packet.disable-promisc", v, "expected yes or no");
        else
            a->promisc = !b;
    }
    if ((n = entry_key(e, "ring-size")) && (v = config_node_value(n)) && *v) {
        char *end;
        long r = strtol(v, &end, 10);
        if (*end || r < 1 || r > (1 << 24))
            entry_error(n, "af-packet.ring-size", v, "expected a number of frames");
        else
            a->ring_size = (uint32_t)r;
    }
    if ((n = entry_key(e, "block-size")) && (v = config_node_value(n)) && *v) {
        uint64_t sz;
        long page = sysconf(_SC_PAGESIZE);
        if (config_parse_size(v, &sz) != 0 || sz == 0 || sz > (1u << 30) ||
            (page > 0 && sz % (uint64_t)page))
            entry_error(n, "af-packet.block-size", v,
                        "expected a multiple of the page size, such as 32768");
        else
            a->block_size = (uint32_t)sz;
    }
    if ((n = entry_key(e, "block-timeout")) && (v = config_node_value(n)) && *v) {
        char *end;
        long t = strtol(v, &end, 10);
        if (*end || t < 1 || t > 60000)
            entry_error(n, "af-packet.block-timeout", v, "expected milliseconds (1 to 60000)");
        else
            a->block_timeout_ms = (uint32_t)t;
    }
    if ((n = entry_key(e, "bpf-filter")) && (v = config_node_value(n)) && *v)
        snprintf(a->bpf_filter, sizeof a->bpf_filter, "%s", v);
    if ((n = entry_key(e, "checksum-checks")) && (v = config_node_value(n)) && *v) {
        if (strcasecmp(v, "kernel") == 0 || strcasecmp(v, "auto") == 0)
            a->checksum = CHECKSUM_AUTO;
        else if (config_parse_bool(v, &b) == 0)
            a->checksum = b ? CHECKSUM_ALL : CHECKSUM_NONE;
        else
            entry_error(n, "af-packet.checksum-checks", v, "expected kernel, yes, no or auto");
    }
    /* Only the values vigil implements count as read. */
    if ((n = entry_key(e, "use-mmap")) && config_parse_bool(config_node_peek_value(n), &b) == 0 &&
        b)
        config_node_mark_used(n);
    if ((n = entry_key(e, "tpacket-v3")) &&
        config_parse_bool(config_node_peek_value(n), &b) == 0 && b)
        config_node_mark_used(n);
    if ((n = entry_key(e, "copy-mode")) && (v = config_node_value(n)) && *v) {
        if (strcasecmp(v, "ips") == 0)
            a->copy_mode = CAPTURE_COPY_IPS;
        else if (strcasecmp(v, "tap") == 0)
            a->copy_mode = CAPTURE_COPY_TAP;
        else if (strcasecmp(v, "none") == 0)
            a->copy_mode = CAPTURE_COPY_NONE;
        else
            entry_error(n, "af-packet.copy-mode", v, "expected none, ips or tap");
    }
    if ((n = entry_key(e, "copy-iface")) && (v = config_node_value(n)) && *v)
        snprintf(a->copy_iface, sizeof a->copy_iface, "%s", v);
}

bool sensor_afp_config_ips(const struct config *cfg)
{
    const struct config_node *sec = cfg ? config_find(cfg, "af-packet") : NULL;
    for (const struct config_node *e = config_node_first_child(sec); e; e = config_node_next(e)) {
        const struct config_node *n = entry_key(e, "copy-mode");
        const char *v = n ? config_node_peek_value(n) : NULL;
        if (v && strcasecmp(v, "ips") == 0)
            return true;
    }
    return false;
}

static void afp_settings(const struct config *cfg, const char *name, struct sensor_afp_iface *a);

/* Inline pairs: an entry with copy-mode ips|tap and copy-iface B takes B's
 * entry in (one source reads both, so both directions of a flow meet in
 * one worker). B's entry, if listed, must name A as its copy-iface with
 * the same copy-mode, as Suricata's configuration does. */
static int afp_pair(const struct config *cfg, struct sensor_config *sc)
{
    for (int i = 0; i < sc->n_afp; i++) {
        struct sensor_afp_iface *a = &sc->afp[i];
        if (!a->copy_mode)
            continue;
        if (!a->copy_iface[0]) {
            log_error("af-packet: interface %s: copy-mode %s needs copy-iface (the interface "
                      "packets are forwarded to)", a->name,
                      a->copy_mode == CAPTURE_COPY_IPS ? "ips" : "tap");
            return 2;
        }
        int j = 0;
        while (j < sc->n_afp && strcmp(sc->afp[j].name, a->copy_iface) != 0)
            j++;
        struct sensor_afp_iface b;
        if (j < sc->n_afp)
            b = sc->afp[j];
        else
            afp_settings(cfg, a->copy_iface, &b);
        if (b.copy_mode && (strcmp(b.copy_iface, a->name) != 0 || b.copy_mode != a->copy_mode)) {
            log_error("af-packet: interfaces %s and %s: an inline pair names each other as "
                      "copy-iface with the same copy-mode", a->name, b.name);
            return 2;
        }
        a->copy_cluster_id = b.cluster_id
                                 ? b.cluster_id
                                 : (uint16_t)((a->cluster_id + 4099u) & 0x7fff) | 1;
        if (a->copy_cluster_id == a->cluster_id)
            a->copy_cluster_id ^= 0x4000;
        if (j < sc->n_afp) { /* taken in: one entry per pair */
            memmove(&sc->afp[j], &sc->afp[j + 1], (size_t)(sc->n_afp - j - 1) * sizeof b);
            sc->n_afp--;
            if (j < i)
                i--;
        }
    }
    return 0;
}

static void afp_defaults(struct sensor_afp_iface *a, const char *name)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->threads = 1;
    a->fanout_mode = PACKET_FANOUT_HASH;
    a->defrag = true;
    a->promisc = true;
    a->checksum = CHECKSUM_AUTO;
}

static const char *entry_name(const struct config_node *e)
{
    const struct config_node *n = entry_key(e, "interface");
    return n ? config_node_value(n) : NULL;
}

/* Settings of interface `name`: the default entry, then its own entry. */
static void afp_settings(const struct config *cfg, const char *name, struct sensor_afp_iface *a)
{
    afp_defaults(a, name);
    const struct config_node *sec = config_find(cfg, "af-packet");
    const struct config_node *def = NULL, *own = NULL;
    for (const struct config_node *e = config_node_first_child(sec); e; e = config_node_next(e)) {
        const char *n = entry_name(e);
        if (n && strcmp(n, "default") == 0)
            def = e;
        else if (n && strcmp(n, name) == 0 && !own)
            own = e;
    }
    if (def)
        afp_apply(a, def);
    if (own)
        afp_apply(a, own);
}

/* pcap: snaplen, promisc, bpf-filter, buffer-size, checksum-checks. */
static void pcap_apply(struct sensor_config *sc, const struct config_node *e, bool use)
{
    const struct config_node *n;
    const char *v;
    bool b;
    if ((n = entry_key(e, "snaplen")) && (v = config_node_value(n)) && *v) {
        char *end;
        long s = strtol(v, &end, 10);
        if (*end || s < 64 || s > 262144)
            entry_error(n, "pcap.snaplen", v, "expected 64 to 262144");
        else if (use)
            sc->pcap_snaplen = (uint32_t)s;
    }
    if ((n = entry_key(e, "promisc")) && (v = config_node_value(n)) && *v) {
        if (config_parse_bool(v, &b) != 0)
            entry_error(n, "pcap.promisc", v, "expected yes or no");
        else if (use)
            sc->pcap_promisc = b;
    }
    if ((n = entry_key(e, "buffer-size")) && (v = config_node_value(n)) && *v) {
        uint64_t sz;
        if (config_parse_size(v, &sz) != 0 || sz < 65536 || sz > (1u << 30))
            entry_error(n, "pcap.buffer-size", v, "expected 64 KiB to 1 GiB");
        else if (use)
            sc->pcap_buffer_size = (uint32_t)sz;
    }
    if ((n = entry_key(e, "bpf-filter")) && (v = config_node_value(n)) && *v && use)
        snprintf(sc->pcap_bpf, sizeof sc->pcap_bpf, "%s", v);
    if ((n = entry_key(e, "checksum-checks")) && (v = config_node_value(n)) && *v) {
        enum checksum_mode m = CHECKSUM_AUTO;
        if (strcasecmp(v, "auto") == 0)
            m = CHECKSUM_AUTO;
        else if (config_parse_bool(v, &b) == 0)
            m = b ? CHECKSUM_ALL : CHECKSUM_NONE;
        else
            entry_error(n, "pcap.checksum-checks", v, "expected yes, no or auto");
        if (use)
            sc->pcap_checksum = m;
    }
}

/* Reads run-as, pid-file and every entry of the af-packet and pcap
 * sections (checking them); records the pcap settings of `pcap_iface`. */
int sensor_capture_config_load(struct sensor_config *sc, const struct config *cfg,
                               const char *pcap_iface)
{
    capcfg_error[0] = '\0';
    const char *v;
    if ((v = config_get(cfg, "run-as.user")) && *v)
        snprintf(sc->run_as_user, sizeof sc->run_as_user, "%s", v);
    if ((v = config_get(cfg, "run-as.group")) && *v)
        snprintf(sc->run_as_group, sizeof sc->run_as_group, "%s", v);
    if ((v = config_get(cfg, "pid-file")) && *v)
        snprintf(sc->pid_file, sizeof sc->pid_file, "%s", v);
    /* af-packet: every entry is checked here. */
    const struct config_node *sec = config_find(cfg, "af-packet");
    for (const struct config_node *e = config_node_first_child(sec); e; e = config_node_next(e)) {
        struct sensor_afp_iface tmp;
        const char *name = entry_name(e);
        afp_defaults(&tmp, name ? name : "");
        afp_apply(&tmp, e);
    }
    sc->pcap_promisc = true;
    sc->pcap_checksum = CHECKSUM_AUTO;
    sec = config_find(cfg, "pcap");
    const struct config_node *def = NULL, *own = NULL;
    for (const struct config_node *e = config_node_first_child(sec); e; e = config_node_next(e)) {
        const char *name = entry_name(e);
        pcap_apply(sc, e, false);
        if (name && strcmp(name, "default") == 0)
            def = e;
        else if (name && pcap_iface && strcmp(name, pcap_iface) == 0 && !own)
            own = e;
    }
    if (def)
        pcap_apply(sc, def, true);
    if (own)
        pcap_apply(sc, own, true);
    if (capcfg_error[0]) {
        log_error("%s", capcfg_error);
        return 2;
    }
    return 0;
}

/* The interfaces of this run: -i / --af-packet=IF / --pcap=IF, else the
 * configuration's list for --af-packet / --pcap without a device. */
int sensor_live_resolve(struct run_state *rs)
{
    struct sensor_config *sc = &rs->sc;
    const struct sensor_options *o = &rs->opts;
    if (rs->ninputs > 0 || rs->pcap_continuous || o->test_config)
        return 0;
    const char *names[SENSOR_MAX_INTERFACES];
    int n = 0;
    for (int i = 0; i < o->interface_count; i++)
        names[n++] = o->interfaces[i];
    if (n == 0 && o->live_from_config) {
        const char *section = o->live_kind == CAPTURE_AF_PACKET ? "af-packet" : "pcap";
        const struct config_node *sec = config_find(rs->cfg, section);
        for (const struct config_node *e = config_node_first_child(sec);
             e && n < SENSOR_MAX_INTERFACES; e = config_node_next(e)) {
            const char *name = entry_name(e);
            if (name && *name && strcmp(name, "default") != 0)
                names[n++] = name;
        }
        if (n == 0) {
            log_error("--%s without an interface: the configuration's %s: section lists none",
                      section, section);
            return 2;
        }
    }
    if (n == 0)
        return 0;
    if (o->live_kind == CAPTURE_NFQUEUE) {
        /* One worker per queue, each reading its own (sc->afp carries the
         * queue numbers as the per-source list). */
        sc->n_afp = 0;
        for (int i = 0; i < n; i++) {
            struct sensor_afp_iface *a = &sc->afp[sc->n_afp++];
            memset(a, 0, sizeof *a);
            snprintf(a->name, sizeof a->name, "%s", names[i]);
            a->threads = 1;
        }
        rs->live_iface = sc->afp[0].name;
        return 0;
    }
    if (o->live_kind == CAPTURE_PCAP_LIVE) {
        if (n > 1) {
            log_error("libpcap capture reads one interface; for several use AF_PACKET "
                      "(--af-packet or --capture af-packet)");
            return 2;
        }
        snprintf(rs->live_iface_buf, sizeof rs->live_iface_buf, "%s", names[0]);
        rs->live_iface = rs->live_iface_buf;
        if (sc->pcap_bpf[0] && !rs->bpf) {
            rs->bpf = strdup(sc->pcap_bpf);
            if (!rs->bpf)
                return 1;
        }
        if (!o->checksum_set)
            sc->decode.checksum_validate = sc->pcap_checksum == CHECKSUM_ALL;
        return 0;
    }
    sc->n_afp = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                log_error("interface %s is given twice", names[i]);
                return 2;
            }
        afp_settings(rs->cfg, names[i], &sc->afp[sc->n_afp]);
        struct sensor_afp_iface *a = &sc->afp[sc->n_afp++];
        /* Distinct fanout groups per interface: the cluster-id, or one
         * derived from the process id. */
        if (!a->cluster_id)
            a->cluster_id = (uint16_t)(((unsigned)getpid() + (unsigned)i * 7919u) & 0x7fff) | 1;
        for (int j = 0; j < sc->n_afp - 1; j++)
            if (sc->afp[j].cluster_id == a->cluster_id) {
                log_error("af-packet: interfaces %s and %s have the same cluster-id %u: each "
                          "interface needs its own",
                          sc->afp[j].name, a->name, a->cluster_id);
                return 2;
            }
    }
    if (capcfg_error[0]) {
        log_error("%s", capcfg_error);
        return 2;
    }
    if (afp_pair(rs->cfg, sc) != 0)
        return 2;
    if (!o->checksum_set)
        sc->decode.checksum_validate = sc->afp[0].checksum == CHECKSUM_ALL;
    rs->live_iface = sc->afp[0].name;
    return 0;
}

struct capture_options sensor_afp_capture_options(struct run_state *rs,
                                                  const struct sensor_afp_iface *a)
{
    if (rs->opts.live_kind == CAPTURE_NFQUEUE)
        return (struct capture_options){.kind = CAPTURE_NFQUEUE, .name = a->name,
                                        .poll_timeout_ms = 100, .nfq = rs->sc.nfq,
                                        .datalink_supported = decode_datalink_supported};
    const char *bpf = rs->bpf ? rs->bpf : (a->bpf_filter[0] ? a->bpf_filter : NULL);
    struct capture_options co = {
        .kind = CAPTURE_AF_PACKET,
        .name = a->name,
        .bpf_filter = bpf,
        .promiscuous = a->promisc,
        .datalink_supported = decode_datalink_supported,
        .fanout_group = a->cluster_id,
        .fanout_type = a->fanout_mode,
        .fanout_no_defrag = !a->defrag,
        .ring_block_size = a->block_size,
        .ring_frames = a->ring_size,
        .snaplen = a->snaplen,
        .poll_timeout_ms = 100,
        .block_timeout_ms = a->block_timeout_ms,
        .copy_mode = (enum capture_copy_mode)a->copy_mode,
        .copy_iface = a->copy_mode ? a->copy_iface : NULL,
        .copy_fanout_group = a->copy_cluster_id,
    };
    return co;
}
