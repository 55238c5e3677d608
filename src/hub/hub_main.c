/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil hub`: option parsing, start-up (storage, migrations, audit) and the
 * admin subcommand. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub.h"
#include "hub/hub_admin.h"
#include "hub/hub_server.h"
#include "hub/hub_tlp.h"
#include "util/log.h"

static void hub_usage(FILE *out)
{
    fputs("usage: vigil hub [options]\n"
          "       vigil hub admin --db DB COMMAND   (vigil hub admin --help)\n"
          "\n"
          "Runs the TAXII 2.1 sharing and risk-reporting hub.\n"
          "  --db DB                 sqlite:PATH (default sqlite:vigil-hub.db) or\n"
          "                          postgresql://USER@HOST:PORT/NAME\n"
          "  --listen ADDR:PORT      default 127.0.0.1:8443 (port 0: any free port)\n"
          "  --cert FILE --key FILE  TLS certificate and key (PEM)\n"
          "  --tls-dir DIR           where a self-signed certificate is generated when no\n"
          "                          --cert is given (default: the SQLite database's directory,\n"
          "                          or the current directory)\n"
          "  --plain-http            serve plain HTTP instead of TLS\n"
          "  --threads N             HTTP worker threads (default 4)\n"
          "  --max-body BYTES        largest request body accepted, else 413 (default 33554432)\n"
          "  --unmarked-tlp TLP      TLP of objects without a TLP marking (default amber)\n"
          "  --correlation-window S  seconds within which sightings of one indicator by\n"
          "                          several organisations raise an incident (default 86400)\n"
          "  --timeout S             idle connection timeout in seconds (default 30)\n"
          "  -v, --verbose           log requests and details\n"
          "  -h, --help\n",
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

int hub_main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "admin") == 0)
        return hub_admin_main(argc - 1, argv + 1);

    struct hub_server s = {0};
    s.cfg.db_uri = "sqlite:vigil-hub.db";
    snprintf(s.cfg.listen_addr, sizeof s.cfg.listen_addr, "127.0.0.1");
    s.cfg.listen_port = 8443;
    s.cfg.threads = 4;
    s.cfg.max_body = 32u << 20;
    s.cfg.unmarked_tlp = "amber";
    s.cfg.correlation_window_us = 86400LL * 1000000;
    s.cfg.connection_timeout_s = 30;

    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"tls-dir", required_argument, NULL, 'T'},
        {"plain-http", no_argument, NULL, 'P'},
        {"threads", required_argument, NULL, 't'},
        {"max-body", required_argument, NULL, 'm'},
        {"unmarked-tlp", required_argument, NULL, 'u'},
        {"correlation-window", required_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int ch;
    long long v;
    while ((ch = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            s.cfg.db_uri = optarg;
            break;
        case 'l': {
            const char *colon = strrchr(optarg, ':');
            if (!colon || colon == optarg || (size_t)(colon - optarg) >= sizeof s.cfg.listen_addr ||
                parse_int(colon + 1, 0, 65535, &v) < 0) {
                fprintf(stderr, "vigil: hub: --listen '%s': expected ADDR:PORT\n", optarg);
                return 2;
            }
            snprintf(s.cfg.listen_addr, sizeof s.cfg.listen_addr, "%.*s", (int)(colon - optarg),
                     optarg);
            s.cfg.listen_port = (int)v;
            break;
        }
        case 'c':
            s.cfg.cert_file = optarg;
            break;
        case 'k':
            s.cfg.key_file = optarg;
            break;
        case 'T':
            s.cfg.tls_dir = optarg;
            break;
        case 'P':
            s.cfg.plain_http = true;
            break;
        case 't':
            if (parse_int(optarg, 1, 64, &v) < 0) {
                fprintf(stderr, "vigil: hub: --threads '%s': expected 1..64\n", optarg);
                return 2;
            }
            s.cfg.threads = (int)v;
            break;
        case 'm':
            if (parse_int(optarg, 1024, 1LL << 32, &v) < 0) {
                fprintf(stderr, "vigil: hub: --max-body '%s': expected 1024..4294967296\n",
                        optarg);
                return 2;
            }
            s.cfg.max_body = (size_t)v;
            break;
        case 'u':
            s.cfg.unmarked_tlp = hub_tlp_canonical(optarg);
            if (!s.cfg.unmarked_tlp) {
                fprintf(stderr,
                        "vigil: hub: --unmarked-tlp '%s': expected clear, green, amber, "
                        "amber+strict or red\n",
                        optarg);
                return 2;
            }
            break;
        case 'w':
            if (parse_int(optarg, 1, 365LL * 86400, &v) < 0) {
                fprintf(stderr, "vigil: hub: --correlation-window '%s': expected seconds\n",
                        optarg);
                return 2;
            }
            s.cfg.correlation_window_us = v * 1000000;
            break;
        case 'o':
            if (parse_int(optarg, 1, 3600, &v) < 0) {
                fprintf(stderr, "vigil: hub: --timeout '%s': expected 1..3600 seconds\n", optarg);
                return 2;
            }
            s.cfg.connection_timeout_s = (int)v;
            break;
        case 'v':
            log_set_level(LOG_LEVEL_INFO);
            break;
        case 'h':
            hub_usage(stdout);
            return 0;
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
    if (s.cfg.plain_http && (s.cfg.cert_file || s.cfg.key_file)) {
        fprintf(stderr, "vigil: hub: --plain-http and --cert/--key are exclusive\n");
        return 2;
    }
    if (!s.cfg.cert_file != !s.cfg.key_file) {
        fprintf(stderr, "vigil: hub: --cert and --key go together\n");
        return 2;
    }
    char dirbuf[4096];
    if (!s.cfg.tls_dir) {
        s.cfg.tls_dir = ".";
        if (strncmp(s.cfg.db_uri, "sqlite:", 7) == 0) {
            snprintf(dirbuf, sizeof dirbuf, "%s", s.cfg.db_uri + 7);
            s.cfg.tls_dir = dirname(dirbuf);
        }
    }

    char err[512];
    if (hub_db_open(s.cfg.db_uri, s.cfg.threads + 1, &s.db, err, sizeof err) < 0) {
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
    return rc;
}
