/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil hub`: options (from the command line and from a YAML configuration
 * file with the same names), start-up (storage, migrations, audit,
 * housekeeping) and the admin subcommand. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/resource.h>

#include "hub/hub_json.h"
#include "hub/hub.h"
#include "hub/hub_admin.h"
#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "util/config.h"
#include "util/log.h"

static void hub_usage(FILE *out)
{
    fputs("usage: vigil hub [options]\n"
          "       vigil hub admin --db DB COMMAND   (vigil hub admin --help)\n"
          "\n"
          "Runs the TAXII 2.1 sharing and risk-reporting hub.\n"
          "  -c, --config FILE       YAML file with any of the settings below (same names,\n"
          "                          without the dashes); options given here win\n"
          "  --db DB                 sqlite:PATH (default sqlite:vigil-hub.db) or\n"
          "                          postgresql://USER@HOST:PORT/NAME\n"
          "  --listen ADDR:PORT      default 127.0.0.1:8443 (port 0: any free port;\n"
          "                          IPv6 as [ADDR]:PORT)\n"
          "  --cert FILE --key FILE  TLS certificate and key (PEM); re-read on SIGHUP\n"
          "  --tls-dir DIR           where a self-signed certificate is generated when no\n"
          "                          --cert is given (default: the SQLite database's directory,\n"
          "                          or the current directory)\n"
          "  --hostname NAME         a DNS name or address remote organisations use to reach\n"
          "                          the hub, added to the generated certificate (repeatable)\n"
          "  --trusted-proxy NET     a reverse proxy (address or ADDR/PREFIX, repeatable)\n"
          "                          whose X-Forwarded-For names the client for the\n"
          "                          dashboard's login limit\n"
          "  --login-max-failures N  refused dashboard logins per client and minute before\n"
          "                          429 (default 10; an IPv6 client counts by its /64)\n"
          "  --plain-http            serve plain HTTP instead of TLS\n"
          "  --threads N             HTTP worker threads (default 4)\n"
          "  --max-body BYTES        largest request body accepted, else 413 (default 33554432)\n"
          "  --unmarked-tlp TLP      TLP of objects without a TLP marking (default amber)\n"
          "  --correlation-window S  seconds within which sightings of one indicator by\n"
          "                          several organisations raise an incident (default 86400)\n"
          "  --timeout S             idle timeout of a connection in seconds (default 30)\n"
          "  --header-timeout S      time a connection without a valid token has to send its\n"
          "                          request headers (default 10)\n"
          "  --max-connections N     connections at once (default 1024; 3/4 at most without\n"
          "                          a valid token)\n"
          "  --max-per-address N     connections at once from one address (default 64)\n"
          "  --token-lifetime DAYS   lifetime of tokens issued over the API (default 365;\n"
          "                          0: no expiry)\n"
          "  --session-timeout S     dashboard sessions end after S seconds without a\n"
          "                          request (default 1800; at most 12 hours after login)\n"
          "  --log-file FILE         write the log there (appended; reopened on SIGHUP)\n"
          "  --no-metrics            do not serve GET /metrics\n"
          "  -v, --verbose           log requests and details\n"
          "  -h, --help\n"
          "Signals: SIGTERM/SIGINT stop; SIGHUP (and SIGUSR2) reopen the log, reload the\n"
          "certificate and flush the audit queue.\n",
          out);
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

void hub_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR2);
}

/* Applies one setting (option name without dashes) to the configuration.
 * where: "--name" or "FILE:LINE: name" for messages. Returns 0 or 2. */
static int apply_setting(struct hub_config *cfg, const char *name, const char *value,
                         const char *where)
{
    long long v;
    bool b;
#define BAD(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "vigil: hub: %s '%s': ", where, value ? value : "");                       \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        return 2;                                                                                  \
    } while (0)
    if (strcmp(name, "db") == 0) {
        cfg->db_uri = value;
    } else if (strcmp(name, "listen") == 0) {
        const char *colon = strrchr(value, ':');
        const char *host = value;
        size_t hl = colon ? (size_t)(colon - value) : 0;
        if (hl >= 2 && value[0] == '[' && value[hl - 1] == ']') {
            host++;
            hl -= 2;
        }
        if (!colon || hl == 0 || hl >= sizeof cfg->listen_addr ||
            parse_int(colon + 1, 0, 65535, &v) < 0)
            BAD("expected ADDR:PORT");
        snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "%.*s", (int)hl, host);
        cfg->listen_port = (int)v;
    } else if (strcmp(name, "cert") == 0) {
        cfg->cert_file = value;
    } else if (strcmp(name, "key") == 0) {
        cfg->key_file = value;
    } else if (strcmp(name, "tls-dir") == 0) {
        cfg->tls_dir = value;
    } else if (strcmp(name, "hostname") == 0) {
        if (cfg->nhostnames == HUB_MAX_HOSTNAMES)
            BAD("at most %d host names", HUB_MAX_HOSTNAMES);
        if (!*value || strlen(value) > 253 ||
            strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789.-:ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
                strlen(value))
            BAD("expected a DNS name or an IP address");
        cfg->hostnames[cfg->nhostnames++] = value;
    } else if (strcmp(name, "trusted-proxy") == 0) {
        if (cfg->ntrusted_proxies == HUB_MAX_PROXIES)
            BAD("at most %d trusted proxies", HUB_MAX_PROXIES);
        if (hub_net_parse(value, &cfg->trusted_proxies[cfg->ntrusted_proxies]) < 0)
            BAD("expected an IP address or ADDRESS/PREFIX");
        cfg->ntrusted_proxies++;
    } else if (strcmp(name, "login-max-failures") == 0) {
        if (parse_int(value, 1, 100000, &v) < 0)
            BAD("expected 1..100000");
        cfg->login_max_failures = (int)v;
    } else if (strcmp(name, "plain-http") == 0) {
        if (value && config_parse_bool(value, &b) < 0)
            BAD("expected yes or no");
        cfg->plain_http = value ? b : true;
    } else if (strcmp(name, "metrics") == 0) {
        if (config_parse_bool(value, &b) < 0)
            BAD("expected yes or no");
        cfg->metrics = b;
    } else if (strcmp(name, "threads") == 0) {
        if (parse_int(value, 1, 64, &v) < 0)
            BAD("expected 1..64");
        cfg->threads = (int)v;
    } else if (strcmp(name, "max-body") == 0) {
        uint64_t sz;
        if (config_parse_size(value, &sz) < 0 || sz < 1024 || sz > (1ULL << 32))
            BAD("expected 1024..4294967296 (bytes, or with kb/mb)");
        cfg->max_body = (size_t)sz;
    } else if (strcmp(name, "unmarked-tlp") == 0) {
        cfg->unmarked_tlp = hub_tlp_canonical(value);
        if (!cfg->unmarked_tlp)
            BAD("expected clear, green, amber, amber+strict or red");
    } else if (strcmp(name, "correlation-window") == 0) {
        if (parse_int(value, 1, 365LL * 86400, &v) < 0)
            BAD("expected seconds");
        cfg->correlation_window_us = v * 1000000;
    } else if (strcmp(name, "timeout") == 0) {
        if (parse_int(value, 1, 3600, &v) < 0)
            BAD("expected 1..3600 seconds");
        cfg->connection_timeout_s = (int)v;
    } else if (strcmp(name, "header-timeout") == 0) {
        if (parse_int(value, 1, 600, &v) < 0)
            BAD("expected 1..600 seconds");
        cfg->header_timeout_s = (int)v;
    } else if (strcmp(name, "max-connections") == 0) {
        if (parse_int(value, 8, 100000, &v) < 0)
            BAD("expected 8..100000");
        cfg->max_connections = (int)v;
    } else if (strcmp(name, "max-per-address") == 0) {
        if (parse_int(value, 1, 100000, &v) < 0)
            BAD("expected 1..100000");
        cfg->max_per_address = (int)v;
    } else if (strcmp(name, "token-lifetime") == 0) {
        if (parse_int(value, 0, 36500, &v) < 0)
            BAD("expected days (0: no expiry)");
        cfg->token_lifetime_s = v * 86400;
    } else if (strcmp(name, "session-timeout") == 0) {
        if (parse_int(value, 1, 43200, &v) < 0)
            BAD("expected seconds, 1..43200");
        cfg->session_idle_s = v;
    } else if (strcmp(name, "log-file") == 0) {
        cfg->log_file = value;
    } else if (strcmp(name, "verbose") == 0) {
        if (value && config_parse_bool(value, &b) < 0)
            BAD("expected yes or no");
        if (!value || b)
            log_set_level(LOG_LEVEL_INFO);
    } else {
        fprintf(stderr, "vigil: hub: %s: unknown setting (see vigil hub --help)\n", where);
        return 2;
    }
    return 0;
#undef BAD
}

/* Applies every key of a configuration file. The tree stays alive for the
 * process (values point into it). */
static int apply_file(struct hub_config *cfg, const struct config *file, const char *path)
{
    const struct config_node *root = config_find(file, NULL);
    for (const struct config_node *n = config_node_first_child(root); n; n = config_node_next(n)) {
        char where[600];
        snprintf(where, sizeof where, "%s:%d: %s", path, config_node_line(n), config_node_name(n));
        if (config_node_is_sequence(n)) {
            const char *list = config_node_name(n);
            if (strcmp(list, "hostname") != 0 && strcmp(list, "trusted-proxy") != 0) {
                fprintf(stderr, "vigil: hub: %s: expected one value, not a list\n", where);
                return 2;
            }
            for (const struct config_node *e = config_node_first_child(n); e;
                 e = config_node_next(e)) {
                const char *value = config_node_value(e);
                if (!value || apply_setting(cfg, list, value, where))
                    return 2;
            }
            continue;
        }
        const char *value = config_node_value(n);
        if (!value) {
            fprintf(stderr, "vigil: hub: %s: expected a value\n", where);
            return 2;
        }
        if (apply_setting(cfg, config_node_name(n), value, where))
            return 2;
    }
    return 0;
}

/* Raises the open-file limit to its hard limit so that --max-connections
 * sockets fit. */
static void raise_nofile(int want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)want + 64)
        log_warning("hub: open-file limit %llu is below --max-connections %d plus the "
                    "database: raise LimitNOFILE",
                    (unsigned long long)rl.rlim_cur, want);
}

/* Each POST parses, serialises and frees about a megabyte in many small
 * pieces on a worker thread's arena. With glibc's defaults the freed top of
 * the arena went back to the kernel after every request and the next one
 * faulted it in again, and buffers past the dynamic mmap threshold were
 * mapped and unmapped per request: growing the heap, page faults and
 * consolidation were a fifth of the hub's CPU in bulk ingest (perf, issue 12).
 * Keep up to 64 MiB of freed memory per arena for reuse instead, and no
 * fast bins (jansson frees thousands of small values per envelope; each
 * larger request then consolidated them; the thread cache still serves
 * small sizes without locking). */
static void hub_malloc_tune(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_MXFAST, 0);
#endif
}

int hub_main(int argc, char **argv)
{
    /* Before any jansson value exists (hub_json.h). */
    hub_json_alloc_install();
    if (argc >= 2 && strcmp(argv[1], "admin") == 0)
        return hub_admin_main(argc - 1, argv + 1);
    hub_malloc_tune();

    struct hub_server s = {0};
    struct hub_config *cfg = &s.cfg;
    cfg->db_uri = "sqlite:vigil-hub.db";
    snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "127.0.0.1");
    cfg->listen_port = 8443;
    cfg->threads = 4;
    cfg->max_body = 32u << 20;
    cfg->unmarked_tlp = "amber";
    cfg->correlation_window_us = 86400LL * 1000000;
    cfg->connection_timeout_s = 30;
    cfg->header_timeout_s = 10;
    cfg->max_connections = 1024;
    cfg->max_per_address = 64;
    cfg->token_lifetime_s = 365LL * 86400;
    cfg->session_idle_s = 30 * 60;
    cfg->metrics = true;
    cfg->login_max_failures = 10;

    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"db", required_argument, NULL, 0},
        {"listen", required_argument, NULL, 0},
        {"cert", required_argument, NULL, 0},
        {"key", required_argument, NULL, 0},
        {"tls-dir", required_argument, NULL, 0},
        {"hostname", required_argument, NULL, 0},
        {"trusted-proxy", required_argument, NULL, 0},
        {"login-max-failures", required_argument, NULL, 0},
        {"plain-http", no_argument, NULL, 0},
        {"threads", required_argument, NULL, 0},
        {"max-body", required_argument, NULL, 0},
        {"unmarked-tlp", required_argument, NULL, 0},
        {"correlation-window", required_argument, NULL, 0},
        {"timeout", required_argument, NULL, 0},
        {"header-timeout", required_argument, NULL, 0},
        {"max-connections", required_argument, NULL, 0},
        {"max-per-address", required_argument, NULL, 0},
        {"token-lifetime", required_argument, NULL, 0},
        {"session-timeout", required_argument, NULL, 0},
        {"log-file", required_argument, NULL, 0},
        {"no-metrics", no_argument, NULL, 'M'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* First pass: the configuration file, so that options win over it. */
    optind = 1;
    opterr = 0;
    int ch, idx;
    static struct config *file; /* kept for the process: settings point into it */
    while ((ch = getopt_long(argc, argv, ":hvc:", longopts, &idx)) != -1) {
        if (ch == 'c') {
            char err[512];
            config_free(file);
            file = config_load_file(optarg, err, sizeof err);
            if (!file) {
                fprintf(stderr, "vigil: hub: --config: %s\n", err);
                return 2;
            }
            cfg->config_file = optarg;
            if (apply_file(cfg, file, optarg))
                return 2;
        } else if (ch == 'h') {
            hub_usage(stdout);
            return 0;
        }
    }
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":hvc:", longopts, &idx)) != -1) {
        char where[64];
        switch (ch) {
        case 0:
            snprintf(where, sizeof where, "--%s", longopts[idx].name);
            if (apply_setting(cfg, longopts[idx].name, optarg, where))
                return 2;
            break;
        case 'c':
            break;
        case 'M':
            cfg->metrics = false;
            break;
        case 'v':
            log_set_level(LOG_LEVEL_INFO);
            break;
        case ':':
            fprintf(stderr, "vigil: hub: option '%s' needs a value (try 'vigil hub --help')\n",
                    argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "vigil: hub: unknown option '%s' (try 'vigil hub --help')\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigil: hub: unexpected argument '%s' (try 'vigil hub --help')\n",
                argv[optind]);
        return 2;
    }
    if (cfg->plain_http && (cfg->cert_file || cfg->key_file)) {
        fprintf(stderr, "vigil: hub: --plain-http and --cert/--key are exclusive\n");
        return 2;
    }
    if (!cfg->cert_file != !cfg->key_file) {
        fprintf(stderr, "vigil: hub: --cert and --key go together\n");
        return 2;
    }
    if (cfg->max_per_address > cfg->max_connections)
        cfg->max_per_address = cfg->max_connections;
    char dirbuf[4096];
    if (!cfg->tls_dir) {
        cfg->tls_dir = ".";
        if (strncmp(cfg->db_uri, "sqlite:", 7) == 0) {
            snprintf(dirbuf, sizeof dirbuf, "%s", cfg->db_uri + 7);
            cfg->tls_dir = dirname(dirbuf);
        }
    }
    if (hub_log_reopen(&s) < 0) {
        fprintf(stderr, "vigil: hub: --log-file '%s': %s\n", cfg->log_file, strerror(errno));
        return 1;
    }
    raise_nofile(cfg->max_connections);
    /* Every thread started from here on inherits the blocked signals; the
     * main thread takes them with sigwait (hub_server_run). */
    sigset_t set;
    hub_signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    if (hub_db_open(cfg->db_uri, cfg->threads + 2, &s.db, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: hub: %s\n", err);
        return 1;
    }
    if (hub_audit_start(&s) < 0) {
        fprintf(stderr, "vigil: hub: cannot start the audit writer\n");
        hub_db_close(s.db);
        return 1;
    }
    int rc = hub_server_run(&s);
    hub_audit_stop(&s);
    hub_db_close(s.db);
    config_free(file);
    file = NULL;
    return rc;
}
