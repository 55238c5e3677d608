/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil run` from start to end: options, configuration, outputs, rules,
 * workers, capture, privileges, then the main loop (run.c). The order
 * follows Suricata's: everything that needs privileges (capture sockets,
 * log files, the pid file) is opened before --user/--group take effect. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/lua_output.h"
#include "sensor/sensor.h"
#include "sensor/sensor_internal.h"
#include "detect/detect_dataset.h"
#include "detect/detect_engine.h"
#include "detect/rule_set.h"
#include "util/config.h"
#include "util/log.h"
#include "util/paths.h"
#include "sensor/unix_pcap.h"
#include "util/control.h"

/* ---- configuration ---- */

static int load_configuration(struct run_state *rs)
{
    char err[512];
    if (rs->opts.config_path) {
        rs->cfg = config_load_file(rs->opts.config_path, err, sizeof err);
        if (!rs->cfg) {
            log_error("%s", err);
            return 2;
        }
    } else {
        rs->cfg = config_new();
        if (!rs->cfg)
            return 1;
    }
    for (int i = 0; i < rs->opts.include_count; i++) {
        if (config_merge_file(rs->cfg, rs->opts.includes[i], err, sizeof err) != 0) {
            log_error("--include: %s", err);
            return 2;
        }
    }
    for (int i = 0; i < rs->opts.set_count; i++) {
        if (config_set_assignment(rs->cfg, rs->opts.sets[i]) != 0) {
            log_error("--set %s: invalid key or value", rs->opts.sets[i]);
            return 2;
        }
    }
    /* --data-dir is where state files (datasets) live; the subsystems that
     * keep state read it as the configuration value "data-dir". */
    if (rs->opts.data_dir && config_set(rs->cfg, "data-dir", rs->opts.data_dir) != 0)
        return 1;
    return 0;
}

/* logging: default-log-level and the console/file/syslog outputs. -v and -q
 * win over the file, as in Suricata (-v never lowers a configured level). */
static int setup_logging(struct run_state *rs)
{
    const struct config *cfg = rs->cfg;
    int level = LOG_LEVEL_NOTICE;
    const char *dl = config_get(cfg, "logging.default-log-level");
    if (dl) {
        level = log_level_from_name(dl);
        if (level < 0) {
            log_error("logging.default-log-level: unknown level '%s' (error, warning, notice, "
                      "info, perf, config, debug)",
                      dl);
            return 2;
        }
    }
    if (rs->opts.verbose) {
        int v = LOG_LEVEL_NOTICE + rs->opts.verbose;
        if (v > LOG_LEVEL_DEBUG)
            v = LOG_LEVEL_DEBUG;
        if (v > level)
            level = v;
    }
    if (rs->opts.quiet)
        level = LOG_LEVEL_WARNING;
    log_set_level((enum log_level)level);
    const struct config_node *outs = config_find(cfg, "logging.outputs");
    for (const struct config_node *n = config_node_first_child(outs); n; n = config_node_next(n)) {
        const char *name = config_node_value(n);
        const struct config_node *body = name ? config_node_child(n, name) : NULL;
        if (!name || !body)
            continue;
        const struct config_node *en = config_node_child(body, "enabled");
        bool on = true;
        if (en && config_node_value(en) && config_parse_bool(config_node_value(en), &on) != 0)
            on = true;
        const struct config_node *lv = config_node_child(body, "level");
        int olevel = level;
        if (lv && config_node_value(lv) && *config_node_value(lv)) {
            olevel = log_level_from_name(config_node_value(lv));
            if (olevel < 0) {
                log_error("logging.outputs.%s.level: unknown level '%s'", name,
                          config_node_value(lv));
                return 2;
            }
        }
        if (strcmp(name, "console") == 0) {
            log_output_console(on);
        } else if (strcmp(name, "file") == 0 && on) {
            const struct config_node *fn = config_node_child(body, "filename");
            const char *f = fn && config_node_value(fn) && *config_node_value(fn)
                                ? config_node_value(fn)
                                : "vigil.log";
            /* Set up before the rest of the configuration is checked, so
             * that its errors reach the file too: the log directory as
             * sensor_config_build will choose it (-l, default-log-dir, "."). */
            const char *dir = rs->opts.log_dir ? rs->opts.log_dir
                                               : config_get(cfg, "default-log-dir");
            if (!dir || !*dir)
                dir = ".";
            char path[SENSOR_PATH_MAX + 256];
            if (f[0] == '/')
                snprintf(path, sizeof path, "%s", f);
            else
                snprintf(path, sizeof path, "%.4000s/%.255s", dir, f);
            struct stat dst;
            if (f[0] != '/' && (stat(dir, &dst) != 0 || !S_ISDIR(dst.st_mode)))
                continue; /* a missing log directory is reported as such later */
            /* type: json writes Suricata's engine events (suricata.json) */
            const struct config_node *ty = config_node_child(body, "type");
            const char *tv = ty ? config_node_value(ty) : NULL;
            bool json = tv && strcasecmp(tv, "json") == 0;
            if (tv && !json && strcasecmp(tv, "regular") != 0)
                log_warning("logging.outputs.file.type: unknown type '%s' (regular or json); "
                            "writing text lines",
                            tv);
            int rc = log_output_file(path, (enum log_level)olevel, json);
            if (rc != 0) /* as Suricata: the console still has the messages */
                log_warning("logging.outputs.file: cannot open %s: %s", path, strerror(-rc));
        } else if (strcmp(name, "syslog") == 0 && on) {
            const struct config_node *fac = config_node_child(body, "facility");
            int f = fac && config_node_value(fac) ? log_file_syslog_facility(config_node_value(fac))
                                                  : -1;
            log_output_syslog(f >= 0 ? f : (16 << 3) /* local0 */, (enum log_level)olevel);
        }
    }
    return 0;
}

/* The BPF filter: -F FILE (comments after '#' removed, lines joined), or
 * the command line's expression. */
static int load_bpf(struct run_state *rs)
{
    if (rs->opts.bpf_filter) {
        rs->bpf = strdup(rs->opts.bpf_filter);
        return rs->bpf ? 0 : 1;
    }
    if (!rs->opts.bpf_file)
        return 0;
    FILE *f = fopen(rs->opts.bpf_file, "r");
    if (!f) {
        log_error("-F %s: cannot read the BPF filter file: %s", rs->opts.bpf_file, strerror(errno));
        return 2;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    char line[4096];
    while (buf && fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (len + n + 2 > cap) {
            cap = (len + n + 2) * 2;
            if (cap > (1u << 20))
                break;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        if (len)
            buf[len++] = ' ';
        memcpy(buf + len, line, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        return 1;
    buf[len] = '\0';
    /* Only blanks: no filter. */
    bool blank = true;
    for (size_t i = 0; i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\t')
            blank = false;
    if (blank) {
        log_warning("-F %s: the BPF filter file is empty: no filter", rs->opts.bpf_file);
        free(buf);
        return 0;
    }
    rs->bpf = buf;
    return 0;
}

/* Checks the named capture files before anything starts, so a missing file
 * or an unsupported link type is one line and exit status 2, not a
 * half-written log. Files found in directories are checked as they come. */
static int check_inputs(struct run_state *rs)
{
    for (uint32_t i = 0; i < rs->ninputs; i++) {
        const struct sensor_input_track *t = sensor_input_track(rs, i);
        struct stat st;
        if (t->from_dir || strcmp(t->name, "-") == 0 ||
            (stat(t->name, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
            continue; /* stdin or a FIFO can be read only once: checked when read */
        struct capture_options co = {.kind = CAPTURE_PCAP_FILE, .name = t->name,
                                     .bpf_filter = rs->bpf,
                                     .datalink_supported = decode_datalink_supported};
        char err[512];
        struct capture_source *src = capture_open(&co, err, sizeof err);
        if (!src) {
            log_error("%s", err);
            return 2;
        }
        capture_close(src);
    }
    return 0;
}

/* ---- outputs ---- */

static int open_outputs(struct run_state *rs)
{
    struct stat st;
    const char *dir = rs->sc.log_dir;
    if (stat(dir, &st) != 0) {
        log_error("log directory '%s' does not exist", dir);
        return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
        log_error("log directory '%s' is not a directory", dir);
        return 2;
    }
    char err[512];
    for (int i = 0; i < rs->sc.n_eve_out; i++) {
        const struct sensor_eve_output *eo = &rs->sc.eve_out[i];
        /* Outputs naming the same file share it. */
        for (int j = 0; j < i && !rs->eve_files[i]; j++)
            if (strcmp(rs->sc.eve_out[j].path, eo->path) == 0 &&
                eo->file.kind == rs->sc.eve_out[j].file.kind)
                rs->eve_files[i] = rs->eve_files[j];
        if (rs->eve_files[i])
            continue;
        rs->eve_files[i] = log_file_open(eo->path, &eo->file, err, sizeof err);
        if (!rs->eve_files[i]) {
            log_error("%s", err);
            return 1;
        }
    }
    if (rs->sc.stats_log_enabled) {
        rs->stats_log = log_file_open(rs->sc.stats_log_path, &rs->sc.stats_log_file, err,
                                      sizeof err);
        if (!rs->stats_log) {
            log_error("%s", err);
            return 1;
        }
    }
    /* Lua output scripts (setup() runs now, deinit() in close_outputs). */
    err[0] = 0;
    rs->shared.lua_out = lua_output_open(rs->cfg, rs->sc.log_dir, err, sizeof err);
    if (!rs->shared.lua_out && err[0]) {
        log_error("%s", err);
        return 1;
    }
    if (lua_output_wants_tx(rs->shared.lua_out))
        app_layer_set_inspection_active(true);
    return 0;
}

static int close_outputs(struct run_state *rs)
{
    int rc = 0;
    for (int i = 0; i < rs->sc.n_eve_out; i++) {
        if (!rs->eve_files[i])
            continue;
        struct log_file *lf = rs->eve_files[i];
        for (int j = i; j < rs->sc.n_eve_out; j++)
            if (rs->eve_files[j] == lf)
                rs->eve_files[j] = NULL;
        char path[SENSOR_PATH_MAX];
        snprintf(path, sizeof path, "%s", log_file_path(lf));
        if (log_file_close(lf) != 0 && rc == 0) {
            log_error("writing %s failed", path);
            rc = 1;
        }
    }
    if (rs->stats_log && log_file_close(rs->stats_log) != 0 && rc == 0)
        rc = 1;
    rs->stats_log = NULL;
    if (rs->shared.fast_log && fast_log_close(rs->shared.fast_log) != 0 && rc == 0)
        rc = 1;
    rs->shared.fast_log = NULL;
    lua_output_close(rs->shared.lua_out);
    rs->shared.lua_out = NULL;
    return rc;
}

/* ---- workers and capture ---- */

static int start_workers(struct run_state *rs)
{
    rs->workers = calloc((size_t)rs->nworkers, sizeof *rs->workers);
    if (!rs->workers)
        return 1;
    /* Behavioural detectors count probes of all workers together. */
    rs->shared.behaviour = behaviour_store_new(&rs->sc.behaviour);
    /* Thresholds and host tags count the alerts of all workers together. */
    detect_shared_free(rs->shared.detect);
    rs->shared.detect = detect_shared_new();
    if (!rs->shared.detect)
        return 1;
    for (int i = 0; i < rs->nworkers; i++) {
        int rc = worker_init(&rs->workers[i], i, &rs->sc, rs->eve_files, &rs->shared);
        if (rc != 0) {
            rs->nworkers = i;
            return rc == -EINVAL ? 2 : 1;
        }
        rs->workers[i].run = rs;
    }
    return 0;
}

/* Opens the live capture sources (before privileges are dropped). */
static int open_live(struct run_state *rs)
{
    char err[512];
    const struct sensor_config *sc = &rs->sc;
    if (rs->afp_threaded) {
        /* Workers are spread over the interfaces by their thread counts. */
        int w = 0;
        for (int i = 0; i < sc->n_afp; i++) {
            const struct sensor_afp_iface *a = &sc->afp[i];
            for (int t = 0; t < a->threads && w < rs->nworkers; t++, w++) {
                struct capture_options co = sensor_afp_capture_options(rs, a);
                rs->workers[w].source = capture_open(&co, err, sizeof err);
                if (!rs->workers[w].source) {
                    log_error("%s", err);
                    return 2;
                }
                if (t == 0 && capture_size_warning(rs->workers[w].source)[0])
                    log_warning("%s", capture_size_warning(rs->workers[w].source));
                rs->workers[w].in_iface = a->name;
                for (int o = 0; o < rs->workers[w].neve; o++)
                    rs->workers[w].eve[o].in_iface = a->name;
            }
        }
        return 0;
    }
    struct capture_options co;
    const char *iface;
    if (rs->opts.live_kind == CAPTURE_AF_PACKET || rs->opts.live_kind == CAPTURE_NFQUEUE) {
        co = sensor_afp_capture_options(rs, &sc->afp[0]);
        iface = sc->afp[0].name;
    } else {
        iface = rs->live_iface;
        co = (struct capture_options){.kind = CAPTURE_PCAP_LIVE, .name = iface,
                                      .bpf_filter = rs->bpf, .promiscuous = sc->pcap_promisc,
                                      .snaplen = sc->pcap_snaplen,
                                      .buffer_size = sc->pcap_buffer_size,
                                      .datalink_supported = decode_datalink_supported,
                                      .poll_timeout_ms = 100};
    }
    rs->live_source = capture_open(&co, err, sizeof err);
    if (!rs->live_source) {
        log_error("%s", err);
        return 2;
    }
    if (capture_size_warning(rs->live_source)[0])
        log_warning("%s", capture_size_warning(rs->live_source));
    for (int i = 0; i < rs->nworkers; i++) {
        rs->workers[i].in_iface = iface;
        for (int o = 0; o < rs->workers[i].neve; o++)
            rs->workers[i].eve[o].in_iface = iface;
    }
    return 0;
}

static void close_live(struct run_state *rs)
{
    if (rs->live_source)
        capture_close(rs->live_source);
    rs->live_source = NULL;
    for (int i = 0; rs->workers && i < rs->nworkers; i++) {
        if (rs->workers[i].source)
            capture_close(rs->workers[i].source);
        rs->workers[i].source = NULL;
    }
}

/* Worker count: --threads, else the capture method's setting (af-packet
 * threads per interface), else 1. */
static void resolve_threads(struct run_state *rs)
{
    bool live = rs->ninputs == 0 && !rs->pcap_continuous;
    if (live && rs->opts.live_kind == CAPTURE_NFQUEUE) {
        /* One worker per queue: each gives its own packets their verdicts. */
        rs->nworkers = rs->sc.n_afp > 0 ? rs->sc.n_afp : 1;
        rs->afp_threaded = rs->nworkers > 1;
        rs->threaded = rs->afp_threaded;
        return;
    }
    if (live && rs->opts.live_kind == CAPTURE_AF_PACKET) {
        int total = 0;
        for (int i = 0; i < rs->sc.n_afp; i++)
            total += rs->sc.afp[i].threads;
        if (rs->opts.threads) {
            /* --threads N: N per interface, as a single af-packet setting. */
            total = 0;
            for (int i = 0; i < rs->sc.n_afp; i++) {
                rs->sc.afp[i].threads = rs->opts.threads;
                total += rs->opts.threads;
            }
        }
        if (total > SENSOR_MAX_THREADS)
            total = SENSOR_MAX_THREADS;
        rs->nworkers = total > 0 ? total : 1;
        rs->afp_threaded = rs->nworkers > 1 || rs->sc.n_afp > 1;
        rs->threaded = rs->afp_threaded;
        return;
    }
    rs->nworkers = rs->opts.threads ? rs->opts.threads : 1;
    rs->threaded = rs->nworkers > 1;
}

/* ---- the unix-socket run mode ---- */

static void publish_workers(struct run_state *rs)
{
    pthread_mutex_lock(&rs->runtime.lock);
    rs->runtime.workers = rs->workers;
    rs->runtime.nworkers = rs->nworkers;
    pthread_mutex_unlock(&rs->runtime.lock);
}

/* One queued pcap-file: outputs in its directory, workers, the file, the
 * final flows; then everything is closed for the next one. The rules stay
 * loaded (and reloadable) across sessions. */
static int unix_socket_session(struct run_state *rs, const struct unix_pcap_job *job,
                               int configured_delete)
{
    rs->opts.log_dir = job->output_dir;
    int rc = sensor_config_build(&rs->sc, rs->cfg, &rs->opts);
    rs->pcap_cnt = 0;
    rs->last_ts_usec = 0;
    memset(&rs->capture, 0, sizeof rs->capture);
    rs->pcap_delete = job->delete_when_done ? PCAP_DELETE_ALWAYS : configured_delete;
    if (rc == 0 && sensor_inputs_set_one(rs, job->file) != 0)
        rc = 1;
    if (rc == 0)
        rc = check_inputs(rs);
    if (rc == 0)
        rc = open_outputs(rs);
    if (rc == 0)
        rc = sensor_open_fast_log(rs);
    if (rc == 0) {
        resolve_threads(rs);
        rc = start_workers(rs);
    }
    if (rc == 0) {
        publish_workers(rs);
        rc = sensor_run_inputs(rs);
    }
    int nw = rs->nworkers;
    rs->nworkers = 0;
    publish_workers(rs);
    for (int i = 0; rs->workers && i < nw; i++)
        worker_fini(&rs->workers[i]);
    free(rs->workers);
    rs->workers = NULL;
    /* Scan counts are per capture file in this mode, as every other state. */
    behaviour_store_free(rs->shared.behaviour);
    rs->shared.behaviour = NULL;
    detect_shared_free(rs->shared.detect);
    rs->shared.detect = NULL;
    int crc = close_outputs(rs);
    return rc ? rc : crc;
}

int sensor_run_unix_socket(struct run_state *rs)
{
    log_notice("unix socket: waiting for pcap-file commands on %s", control_path());
    const char *log_dir = rs->opts.log_dir;
    int configured_delete = rs->pcap_delete;
    rs->nworkers = 0; /* no workers between sessions */
    while (!sensor_stop_requested()) {
        sensor_housekeeping(rs);
        struct unix_pcap_job job;
        if (!unix_pcap_next(&job, 200))
            continue;
        log_info("unix socket: processing %s, logs in %s", job.file, job.output_dir);
        int rc = unix_socket_session(rs, &job, configured_delete);
        if (rc != 0)
            log_warning("unix socket: %s: processing failed", job.file);
        job.delete_when_done = false; /* done above, once the file's flows ended */
        unix_pcap_done(&job, rs->last_ts_usec);
    }
    unix_pcap_clear();
    rs->opts.log_dir = log_dir;
    return 0;
}

/* ---- the whole run ---- */

static void cleanup(struct run_state *rs)
{
    sensor_control_stop(rs);
    sensor_intel_stop(rs->intel); /* the feed publishes no more; before the workers go */
    rs->intel = NULL;
    rs->shared.intel = NULL;
    close_live(rs);
    for (int i = 0; rs->workers && i < rs->nworkers; i++)
        worker_fini(&rs->workers[i]);
    free(rs->workers);
    rs->workers = NULL;
    sensor_profiles_save_final(rs); /* the workers are done: their last flows are in */
    behaviour_store_free(rs->shared.behaviour);
    rs->shared.behaviour = NULL;
    detect_shared_free(rs->shared.detect);
    rs->shared.detect = NULL;
    rs->nworkers = 0;
    sensor_engine_shutdown();
    detect_datasets_finish(rs->ran); /* save/state files of the datasets after a run */
    sensor_inputs_free(rs);
    free(rs->bpf);
    config_free(rs->cfg);
    sensor_options_free(&rs->opts);
}

static int info_command(struct run_state *rs)
{
    if (rs->opts.show_version) {
        sensor_print_version();
        return 0;
    }
    if (rs->opts.build_info) {
        sensor_print_build_info();
        return 0;
    }
    if (rs->opts.list_app_layer_protos) {
        sensor_print_app_layer_protos();
        return 0;
    }
    if (rs->opts.list_keywords)
        return sensor_print_keywords(rs->opts.list_keywords_arg);
    if (rs->opts.list_runmodes) {
        sensor_print_runmodes();
        return 0;
    }
    return -1;
}

int sensor_main(int argc, char **argv)
{
    struct run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.status_fd = -1;
    int rc = sensor_options_parse(&rs.opts, argc, argv);
    if (rc != 0) {
        sensor_options_free(&rs.opts);
        return rc == 1 ? 0 : rc;
    }
    rc = info_command(&rs);
    if (rc >= 0) {
        sensor_options_free(&rs.opts);
        return rc;
    }
    rc = 0;
    sensor_install_signal_handlers();
    if (rs.opts.quiet)
        log_set_level(LOG_LEVEL_WARNING);
    rs.start_mono = sensor_monotonic_ms() / 1000u;

    rc = load_configuration(&rs);
    if (rc == 0 && rs.opts.dump_config) {
        config_dump(rs.cfg, stdout);
        cleanup(&rs);
        return 0;
    }
    if (rc == 0)
        rc = setup_logging(&rs);
    if (rc == 0)
        rc = sensor_config_build(&rs.sc, rs.cfg, &rs.opts);
    if (rc == 0)
        rs.data_dir = sensor_data_dir(rs.cfg, rs.sc.log_dir);
    if (rc == 0)
        rc = load_bpf(&rs);
    if (rc == 0)
        rc = sensor_inputs_expand(&rs);
    rs.socket_mode = rs.opts.unix_socket_set && rs.ninputs == 0 && !rs.pcap_continuous &&
                     rs.opts.interface_count == 0 && !rs.opts.live_from_config;
    if (rc == 0 && !rs.opts.test_config && !rs.socket_mode)
        rc = check_inputs(&rs);
    if (rc == 0 && !rs.socket_mode)
        rc = sensor_live_resolve(&rs);
    if (rc == 0 && rs.opts.test_config) {
        /* -T: configuration and rules, nothing opened. */
        rc = sensor_load_rules(&rs, false);
        struct sensor_intel *intel_check = NULL;
        if (rc == 0)
            rc = sensor_intel_start(&intel_check, rs.cfg, &rs.opts, rs.sc.log_dir, rs.data_dir,
                                    NULL);
        sensor_config_check(&rs);
        if (rc == 0)
            log_notice("configuration provided was successfully loaded; exiting");
        cleanup(&rs);
        return rc == 0 ? 0 : 1;
    }
    if (rc == 0)
        resolve_threads(&rs);

    /* Service set-up: detach, pid file, then everything that needs
     * privileges, then drop them. */
    const char *pid_file = rs.opts.pid_file;
    if (!pid_file && rs.opts.daemon && rs.sc.pid_file[0])
        pid_file = rs.sc.pid_file; /* pid-file: only in daemon mode, as Suricata */
    bool pid_written = false;
    if (rc == 0 && rs.opts.daemon && sensor_daemonize(&rs.status_fd) != 0)
        rc = 1;
    if (rc == 0 && pid_file) {
        if (sensor_pidfile_create(pid_file) != 0)
            rc = 1;
        else
            pid_written = true;
    }
    if (rc == 0 && !rs.socket_mode)
        rc = open_outputs(&rs);
    if (rc == 0)
        rc = sensor_load_rules(&rs, true);
    if (rc == 0) {
        swap_domain_init(&rs.swap);
        rs.shared.swap = &rs.swap;
        /* Brute-force detection reads transactions (HTTP status, SSH key
         * exchange): set before the workers run. */
        if (behaviour_wants_tx(&rs.sc.behaviour))
            app_layer_set_inspection_active(true);
        /* The unix-socket mode starts workers per queued capture file. */
        if (!rs.socket_mode)
            rc = start_workers(&rs);
        if (rc == 0 && !rs.socket_mode)
            sensor_profiles_restore(&rs);
    }
    if (rc == 0) {
        /* After the workers registered as readers: the feed may publish. */
        rc = sensor_intel_start(&rs.intel, rs.cfg, &rs.opts, rs.sc.log_dir, rs.data_dir, &rs.swap);
        if (rs.intel) {
            app_layer_set_inspection_active(true);
            rs.shared.intel = rs.intel;
        }
    }
    if (rc == 0)
        sensor_config_check(&rs);
    if (rc == 0 && !rs.socket_mode && rs.ninputs == 0 && !rs.pcap_continuous)
        rc = open_live(&rs);
    /* The rule reload thread (SIGUSR2, reload-rules) and the control socket. */
    if (rc == 0 && sensor_reload_start(rs.socket_mode ? 0 : rs.nworkers) != 0)
        log_warning("rule reload is not available: cannot start its thread");
    if (rc == 0)
        rc = sensor_control_start(&rs);
    const char *user = rs.opts.user ? rs.opts.user : (rs.sc.run_as_user[0] ? rs.sc.run_as_user : NULL);
    const char *group =
        rs.opts.group ? rs.opts.group : (rs.sc.run_as_group[0] ? rs.sc.run_as_group : NULL);
    if (rc == 0 && (user || group) && sensor_drop_privileges(user, group, rs.sc.log_dir) != 0)
        rc = 1;
    if (rc == 0) {
        rs.progress = (rs.ninputs > 0 || rs.pcap_continuous) && !rs.opts.quiet &&
                      !rs.opts.daemon && (isatty(STDERR_FILENO) || rs.opts.progress_forced);
        sensor_daemon_ready(&rs.status_fd, true);
        if (rs.ninputs == 0 && !rs.pcap_continuous && !rs.socket_mode)
            log_notice("engine started: %d worker thread(s) on %s", rs.nworkers,
                       rs.live_iface ? rs.live_iface : "the configured interfaces");
        rs.ran = true;
        rc = rs.socket_mode ? sensor_run_unix_socket(&rs) : sensor_run_inputs(&rs);
        if (rs.ninputs == 0 && !rs.pcap_continuous)
            log_notice("engine stopped");
    } else {
        sensor_daemon_ready(&rs.status_fd, false);
    }
    int crc = close_outputs(&rs);
    if (rc == 0)
        rc = crc;
    if (pid_written)
        sensor_pidfile_remove(pid_file);
    cleanup(&rs);
    return rc;
}
