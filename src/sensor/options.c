/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil run` command line. Option letters and meanings follow Suricata's so
 * that scripts and test runners written for Suricata work unchanged. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_internal.h"

static void print_help(void)
{
    fputs("usage: vigil run (-r FILE [-r FILE ...] | -i IFACE) [options] [BPF expression]\n"
          "\n"
          "Input:\n"
          "  -r FILE                 read a pcap or pcapng file (repeatable)\n"
          "  -i IFACE                capture live on an interface\n"
          "  --capture pcap|af-packet  live capture method (default pcap)\n"
          "  -F EXPR, --bpf EXPR     BPF filter (also taken from trailing arguments)\n"
          "\n"
          "Configuration and rules:\n"
          "  -c FILE                 suricata.yaml-style configuration\n"
          "  -S FILE                 load only these rule files (repeatable)\n"
          "  -s FILE                 load these rule files in addition (repeatable)\n"
          "  --set KEY=VALUE         override a configuration value (repeatable)\n"
          "  --disable-detection     run without rules\n"
          "  --init-errors-fatal     a rule that fails to load stops start-up (exit 1)\n"
          "  --strict-rule-keywords[=LIST]  accepted for Suricata compatibility\n"
          "  --data-dir DIR          directory for state files (datasets); read by them as\n"
          "                          the configuration value data-dir\n"
          "  --no-random             accepted for Suricata compatibility (vigil's\n"
          "                          hashing is already deterministic)\n"
          "  -k none|all|auto        checksum validation (default auto)\n"
          "\n"
          "Output and execution:\n"
          "  -l DIR                  log directory (default .); EVE goes to DIR/eve.json\n"
          "  --threads N             worker threads (default 1: deterministic output)\n"
          "  --unix-socket[=FILE]    control socket (suricatasc); without -r/-i: wait for\n"
          "                          pcap-file commands on it\n"
          "  --runmode MODE          accepted for Suricata compatibility (single, autofp, workers)\n"
          "  -v                      more messages\n"
          "  -h, --help              this help\n",
          stdout);
}

enum {
    OPT_SET = 1000,
    OPT_THREADS,
    OPT_CAPTURE,
    OPT_RUNMODE,
    OPT_DISABLE_DETECTION,
    OPT_BPF,
    OPT_STATS_INTERVAL,
    OPT_PCAP,
    OPT_UNIX_SOCKET,
    OPT_INIT_ERRORS_FATAL,
    OPT_STRICT_RULE_KEYWORDS,
    OPT_DATA_DIR,
    OPT_NO_RANDOM,
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("vigil run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (try 'vigil run --help')\n", stderr);
    return 2;
}

static int append_bpf(struct sensor_options *o, const char *expr)
{
    size_t old = o->bpf_filter ? strlen(o->bpf_filter) : 0;
    char *n = realloc(o->bpf_filter, old + strlen(expr) + 2);
    if (!n)
        return -1;
    if (old)
        n[old++] = ' ';
    strcpy(n + old, expr);
    o->bpf_filter = n;
    return 0;
}

int sensor_options_parse(struct sensor_options *o, int argc, char **argv)
{
    static const struct option long_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"set", required_argument, NULL, OPT_SET},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"capture", required_argument, NULL, OPT_CAPTURE},
        {"runmode", required_argument, NULL, OPT_RUNMODE},
        {"disable-detection", no_argument, NULL, OPT_DISABLE_DETECTION},
        {"bpf", required_argument, NULL, OPT_BPF},
        {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
        {"pcap", optional_argument, NULL, OPT_PCAP},
        {"af-packet", optional_argument, NULL, OPT_CAPTURE + 100},
        {"unix-socket", optional_argument, NULL, OPT_UNIX_SOCKET},
        {"init-errors-fatal", no_argument, NULL, OPT_INIT_ERRORS_FATAL},
        {"strict-rule-keywords", optional_argument, NULL, OPT_STRICT_RULE_KEYWORDS},
        {"data-dir", required_argument, NULL, OPT_DATA_DIR},
        {"no-random", no_argument, NULL, OPT_NO_RANDOM},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->log_dir = ".";
    o->threads = 1;
    o->live_kind = CAPTURE_PCAP_LIVE;
    o->stats_interval_sec = 8;

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hr:i:F:c:S:s:l:k:v", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            print_help();
            return 1;
        case 'r':
            if (o->pcap_file_count >= SENSOR_MAX_INPUTS)
                return usage_error("too many -r files (at most %s)", "64");
            o->pcap_files[o->pcap_file_count++] = optarg;
            break;
        case 'i':
            if (o->interface)
                return usage_error("only one -i interface is supported, got another: '%s'", optarg);
            o->interface = optarg;
            break;
        case OPT_PCAP:
            o->live_kind = CAPTURE_PCAP_LIVE;
            if (optarg)
                o->interface = optarg;
            break;
        case OPT_CAPTURE + 100:
            o->live_kind = CAPTURE_AF_PACKET;
            if (optarg)
                o->interface = optarg;
            break;
        case 'F':
        case OPT_BPF:
            if (append_bpf(o, optarg) != 0)
                return usage_error("%s", "out of memory");
            break;
        case 'c':
            o->config_path = optarg;
            break;
        case 'S':
        case 's':
            if (o->rule_file_count >= SENSOR_MAX_RULE_FILES)
                return usage_error("too many rule files (at most %s)", "64");
            o->rule_files[o->rule_file_count++] = optarg;
            if (c == 'S')
                o->rules_exclusive = true;
            break;
        case 'l':
            o->log_dir = optarg;
            break;
        case 'k':
            if (strcmp(optarg, "none") == 0)
                o->checksum = CHECKSUM_NONE;
            else if (strcmp(optarg, "all") == 0)
                o->checksum = CHECKSUM_ALL;
            else if (strcmp(optarg, "auto") == 0)
                o->checksum = CHECKSUM_AUTO;
            else
                return usage_error("-k takes none, all or auto, not '%s'", optarg);
            break;
        case 'v':
            o->verbose = true;
            break;
        case OPT_SET:
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return usage_error("--set takes KEY=VALUE, not '%s'", optarg);
            if (o->set_count >= SENSOR_MAX_SETS)
                return usage_error("too many --set options (at most %s)", "128");
            o->sets[o->set_count++] = optarg;
            break;
        case OPT_THREADS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > SENSOR_MAX_THREADS)
                return usage_error("--threads takes a number from 1 to 64, not '%s'", optarg);
            o->threads = (int)n;
            break;
        }
        case OPT_STATS_INTERVAL: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > 86400)
                return usage_error("--stats-interval takes seconds (1-86400), not '%s'", optarg);
            o->stats_interval_sec = (uint32_t)n;
            break;
        }
        case OPT_CAPTURE:
            if (strcmp(optarg, "pcap") == 0)
                o->live_kind = CAPTURE_PCAP_LIVE;
            else if (strcmp(optarg, "af-packet") == 0 || strcmp(optarg, "afpacket") == 0)
                o->live_kind = CAPTURE_AF_PACKET;
            else
                return usage_error("--capture takes pcap or af-packet, not '%s'", optarg);
            break;
        case OPT_RUNMODE:
            if (strcmp(optarg, "single") && strcmp(optarg, "autofp") && strcmp(optarg, "workers"))
                return usage_error("--runmode takes single, autofp or workers, not '%s'", optarg);
            if (strcmp(optarg, "single") == 0)
                o->threads = 1;
            break;
        case OPT_DISABLE_DETECTION:
            o->disable_detection = true;
            break;
        case OPT_UNIX_SOCKET:
            o->unix_socket_set = true;
            o->unix_socket = optarg;
            break;
        case OPT_INIT_ERRORS_FATAL:
            o->init_errors_fatal = true;
            break;
        case OPT_STRICT_RULE_KEYWORDS:
            /* vigil already rejects every keyword it does not implement. */
            break;
        case OPT_DATA_DIR:
            o->data_dir = optarg;
            break;
        case OPT_NO_RANDOM:
            break;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++)
        if (append_bpf(o, argv[i]) != 0)
            return usage_error("%s", "out of memory");
    if (o->pcap_file_count == 0 && !o->interface && !o->unix_socket_set)
        return usage_error("%s", "nothing to read: give -r FILE, -i IFACE or --unix-socket");
    if (o->pcap_file_count > 0 && o->interface)
        return usage_error("%s", "-r and -i cannot be used together");
    return 0;
}

void sensor_options_free(struct sensor_options *o)
{
    free(o->bpf_filter);
    o->bpf_filter = NULL;
}
