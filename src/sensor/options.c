/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil run` command line. Option letters and meanings follow Suricata's so
 * that scripts, service files and tools written for Suricata (test runners,
 * suricata-update) work unchanged; `vigil -X ...` without a command is the
 * same as `vigil run -X ...`. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_internal.h"

static void print_help(void)
{
    fputs("usage: vigil run (-r FILE|DIR ... | -i IFACE ... | --af-packet[=IFACE]) [options] [BPF]\n"
          "\n"
          "Input:\n"
          "  -r FILE|DIR             read a pcap/pcapng file, or the capture files of a\n"
          "                          directory in order of modification time (repeatable)\n"
          "  --pcap-file-continuous  with -r DIR: keep following new files until stopped\n"
          "  --pcap-file-recursive   with -r DIR: also read sub-directories\n"
          "  --pcap-file-delete      delete each capture file once read\n"
          "  -i IFACE                capture live on an interface (repeatable)\n"
          "  --pcap[=IFACE]          live capture with libpcap (the config's pcap: list\n"
          "                          without IFACE)\n"
          "  --af-packet[=IFACE]     live capture with AF_PACKET (the config's af-packet:\n"
          "                          interfaces without IFACE)\n"
          "  --capture pcap|af-packet  live capture method for -i (default pcap)\n"
          "  -q QUEUE, --nfqueue QUEUE  inline prevention on a netfilter queue\n"
          "                          (repeatable: one worker per queue)\n"
          "  -F FILE                 read the BPF filter from FILE\n"
          "  --bpf EXPR              BPF filter (also taken from trailing arguments)\n"
          "\n"
          "Configuration and rules:\n"
          "  -c FILE                 suricata.yaml-style configuration\n"
          "  --include FILE          merge another configuration file (repeatable)\n"
          "  -S FILE                 load only these rule files (globs; repeatable)\n"
          "  -s FILE                 load these rule files in addition (globs; repeatable)\n"
          "  --set KEY=VALUE         override a configuration value (repeatable)\n"
          "  --disable-detection     run without rules\n"
          "  --simulate-ips          treat capture files as inline traffic (IPS mode:\n"
          "                          drop rules block packets and flows)\n"
          "  --simulate-applayer-error-at-offset-ts|-tc=N  (QA) the parser fails at offset N\n"
          "  --simulate-packet-flow-memcap|-tcp-ssn-memcap|-tcp-reassembly-memcap|\n"
          "    -defrag-memcap=N      (QA) packet N meets that memcap (exception policies)\n"
          "  --strict-rule-keywords[=LIST]  accepted for Suricata compatibility\n"
          "  --data-dir DIR          directory for state files (datasets); read by them as\n"
          "                          the configuration value data-dir\n"
          "  --no-random             accepted for Suricata compatibility (vigil's\n"
          "                          hashing is already deterministic)\n"
          "  -k none|all|auto        checksum validation (default auto)\n"
          "  -T                      test the configuration and rules, exit 0 or 1\n"
          "  --init-errors-fatal     a rule that fails to load is a fatal error\n"
          "  --dump-config           print the configuration as KEY = VALUE lines\n"
          "\n"
          "Shared indicators and the hub:\n"
          "  --intel FILE            indicators: STIX bundle, list, CSV or Zeek intel file (repeatable)\n"
          "  --protect DOMAIN|FILE   a protected domain for look-alike detection (repeatable)\n"
          "  --hub URL               pull indicators from this hub and report alerts to it\n"
          "  --hub-token T           the sensor's hub token (or --hub-token-file FILE)\n"
          "  --hub-ca FILE           CA certificate(s) for the hub's TLS certificate\n"
          "  --hub-pin SHA256        the hub certificate's SHA-256 fingerprint (AB:CD:...)\n"
          "  --hub-poll-interval S   seconds between polls (default 5)\n"
          "\n"
          "Output and execution:\n"
          "  -l DIR                  log directory (default: default-log-dir, else .)\n"
          "  --threads N             worker threads (default 1 for files: deterministic output)\n"
          "  --runmode MODE          single, autofp or workers\n"
          "  --unix-socket[=FILE]    control socket (suricatasc); without -r/-i: wait for\n"
          "                          pcap-file commands on it\n"
          "  --stats-interval SEC    seconds between stats records (default stats.interval, 8)\n"
          "  -D                      run as a daemon (detached; the parent exits once the\n"
          "                          sensor runs, with its status)\n"
          "  --pidfile FILE          write the process id to FILE\n"
          "  --user USER             run as USER once capture and logs are open\n"
          "  --group GROUP           run as GROUP once capture and logs are open\n"
          "  -v                      more messages (-v info, -vv perf, -vvv config, -vvvv debug)\n"
          "  -q, --quiet             only warnings and errors; no progress line\n"
          "\n"
          "Information:\n"
          "  -V                      version (Suricata's format)\n"
          "  --build-info            build information (Suricata's format)\n"
          "  --list-app-layer-protos the application-layer protocols vigil parses\n"
          "  --list-keywords[=all|csv|KEYWORD]  the rule keywords vigil supports\n"
          "  --list-runmodes         the run modes\n"
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
    OPT_AF_PACKET,
    OPT_PCAP_CONTINUOUS,
    OPT_PCAP_RECURSIVE,
    OPT_PCAP_DELETE,
    OPT_PIDFILE,
    OPT_USER,
    OPT_GROUP,
    OPT_INIT_ERRORS_FATAL,
    OPT_DUMP_CONFIG,
    OPT_BUILD_INFO,
    OPT_LIST_APP_LAYER,
    OPT_LIST_KEYWORDS,
    OPT_LIST_RUNMODES,
    OPT_INCLUDE,
    OPT_PROGRESS,
    OPT_STRICT_RULE_KEYWORDS,
    OPT_DATA_DIR,
    OPT_NO_RANDOM,
    OPT_INTEL,
    OPT_PROTECT,
    OPT_HUB,
    OPT_HUB_TOKEN,
    OPT_HUB_TOKEN_FILE,
    OPT_HUB_CA,
    OPT_HUB_PIN,
    OPT_HUB_POLL,
    OPT_SIMULATE_IPS,
    OPT_SIMULATE_APPERR_TS,
    OPT_SIMULATE_APPERR_TC,
    OPT_SIMULATE_FLOW_MEMCAP,
    OPT_SIMULATE_SSN_MEMCAP,
    OPT_SIMULATE_REASM_MEMCAP,
    OPT_SIMULATE_DEFRAG_MEMCAP,
    OPT_NFQUEUE,
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

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != ':')
            return false;
    return true;
}

static int add_interface(struct sensor_options *o, const char *name)
{
    if (o->interface_count >= SENSOR_MAX_INTERFACES)
        return usage_error("too many interfaces (at most %s)", "16");
    o->interfaces[o->interface_count++] = name;
    return 0;
}

static int add_nfqueue(struct sensor_options *o, const char *q)
{
    if (o->nfq_count >= SENSOR_MAX_INTERFACES) {
        usage_error("too many queues (%s)", q);
        return 2;
    }
    for (int i = 0; i < o->nfq_count; i++)
        if (strcmp(o->nfq_queues[i], q) == 0) {
            usage_error("queue %s is given twice", q);
            return 2;
        }
    o->nfq_queues[o->nfq_count++] = q;
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
        {"simulate-ips", no_argument, NULL, OPT_SIMULATE_IPS},
        {"simulate-applayer-error-at-offset-ts", required_argument, NULL, OPT_SIMULATE_APPERR_TS},
        {"simulate-applayer-error-at-offset-tc", required_argument, NULL, OPT_SIMULATE_APPERR_TC},
        {"simulate-packet-flow-memcap", required_argument, NULL, OPT_SIMULATE_FLOW_MEMCAP},
        {"simulate-packet-tcp-ssn-memcap", required_argument, NULL, OPT_SIMULATE_SSN_MEMCAP},
        {"simulate-packet-tcp-reassembly-memcap", required_argument, NULL,
         OPT_SIMULATE_REASM_MEMCAP},
        {"simulate-packet-defrag-memcap", required_argument, NULL, OPT_SIMULATE_DEFRAG_MEMCAP},
        {"nfqueue", required_argument, NULL, OPT_NFQUEUE},
        {"bpf", required_argument, NULL, OPT_BPF},
        {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
        {"pcap", optional_argument, NULL, OPT_PCAP},
        {"af-packet", optional_argument, NULL, OPT_AF_PACKET},
        {"pcap-file-continuous", no_argument, NULL, OPT_PCAP_CONTINUOUS},
        {"pcap-file-recursive", no_argument, NULL, OPT_PCAP_RECURSIVE},
        {"pcap-file-delete", no_argument, NULL, OPT_PCAP_DELETE},
        {"pidfile", required_argument, NULL, OPT_PIDFILE},
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {"unix-socket", optional_argument, NULL, OPT_UNIX_SOCKET},
        {"init-errors-fatal", no_argument, NULL, OPT_INIT_ERRORS_FATAL},
        {"dump-config", no_argument, NULL, OPT_DUMP_CONFIG},
        {"build-info", no_argument, NULL, OPT_BUILD_INFO},
        {"list-app-layer-protos", no_argument, NULL, OPT_LIST_APP_LAYER},
        {"list-app-layer-protocols", no_argument, NULL, OPT_LIST_APP_LAYER},
        {"list-keywords", optional_argument, NULL, OPT_LIST_KEYWORDS},
        {"list-runmodes", no_argument, NULL, OPT_LIST_RUNMODES},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"strict-rule-keywords", optional_argument, NULL, OPT_STRICT_RULE_KEYWORDS},
        {"data-dir", required_argument, NULL, OPT_DATA_DIR},
        {"no-random", no_argument, NULL, OPT_NO_RANDOM},
        {"intel", required_argument, NULL, OPT_INTEL},
        {"protect", required_argument, NULL, OPT_PROTECT},
        {"hub", required_argument, NULL, OPT_HUB},
        {"hub-token", required_argument, NULL, OPT_HUB_TOKEN},
        {"hub-token-file", required_argument, NULL, OPT_HUB_TOKEN_FILE},
        {"hub-ca", required_argument, NULL, OPT_HUB_CA},
        {"hub-pin", required_argument, NULL, OPT_HUB_PIN},
        {"hub-poll-interval", required_argument, NULL, OPT_HUB_POLL},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->live_kind = CAPTURE_PCAP_LIVE;
    o->stats_interval_sec = 8;

    optind = 1;
    opterr = 0;
    int c;
    bool q_seen = false;
    while ((c = getopt_long(argc, argv, ":hr:i:F:c:S:s:l:k:vqTDV", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            print_help();
            return 1;
        case 'V':
            o->show_version = true;
            break;
        case 'r':
            if (o->pcap_file_count >= SENSOR_MAX_INPUTS)
                return usage_error("too many -r paths (at most %s)", "64");
            o->pcap_files[o->pcap_file_count++] = optarg;
            break;
        case 'i':
            if (add_interface(o, optarg) != 0)
                return 2;
            break;
        case OPT_PCAP:
            o->live_kind = CAPTURE_PCAP_LIVE;
            o->live_kind_set = true;
            if (optarg) {
                if (add_interface(o, optarg) != 0)
                    return 2;
            } else {
                o->live_from_config = true;
            }
            break;
        case OPT_AF_PACKET:
            o->live_kind = CAPTURE_AF_PACKET;
            o->live_kind_set = true;
            if (optarg) {
                if (add_interface(o, optarg) != 0)
                    return 2;
            } else {
                o->live_from_config = true;
            }
            break;
        case 'F':
            if (o->bpf_file)
                return usage_error("only one -F filter file, got another: '%s'", optarg);
            o->bpf_file = optarg;
            break;
        case OPT_BPF:
            if (append_bpf(o, optarg) != 0)
                return usage_error("%s", "out of memory");
            break;
        case 'c':
            o->config_path = optarg;
            break;
        case OPT_INCLUDE:
            if (o->include_count >= SENSOR_MAX_INPUTS)
                return usage_error("too many --include files (at most %s)", "64");
            o->includes[o->include_count++] = optarg;
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
            o->checksum_set = true;
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
            o->verbose++;
            break;
        case 'q':
            o->quiet = true;
            q_seen = true;
            break;
        case 'T':
            o->test_config = true;
            break;
        case 'D':
            o->daemon = true;
            break;
        case OPT_PIDFILE:
            o->pid_file = optarg;
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case OPT_GROUP:
            o->group = optarg;
            break;
        case OPT_INIT_ERRORS_FATAL:
            o->init_errors_fatal = true;
            break;
        case OPT_DUMP_CONFIG:
            o->dump_config = true;
            break;
        case OPT_BUILD_INFO:
            o->build_info = true;
            break;
        case OPT_LIST_APP_LAYER:
            o->list_app_layer_protos = true;
            break;
        case OPT_LIST_KEYWORDS:
            o->list_keywords = true;
            o->list_keywords_arg = optarg;
            break;
        case OPT_LIST_RUNMODES:
            o->list_runmodes = true;
            break;
        case OPT_PCAP_CONTINUOUS:
            o->pcap_continuous = true;
            break;
        case OPT_PCAP_RECURSIVE:
            o->pcap_recursive = true;
            break;
        case OPT_PCAP_DELETE:
            o->pcap_delete = true;
            break;
        case OPT_PROGRESS:
            o->progress_forced = true;
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
            o->stats_interval_set = true;
            break;
        }
        case OPT_CAPTURE:
            o->live_kind_set = true;
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
            o->runmode = optarg;
            break;
        case OPT_SIMULATE_IPS:
            o->simulate_ips = true;
            break;
        case OPT_SIMULATE_APPERR_TS:
        case OPT_SIMULATE_APPERR_TC:
            /* Testing exception policies (Suricata's QA simulation): the
             * parser reports an error once the direction's data reaches
             * the offset. */
            if (!all_digits(optarg) || strlen(optarg) > 18)
                return usage_error("--simulate-applayer-error-at-offset-ts/-tc take a byte "
                                   "offset, not '%s'", optarg);
            o->simulate_applayer_error[c == OPT_SIMULATE_APPERR_TC] =
                strtoull(optarg, NULL, 10) + 1;
            break;
        case OPT_SIMULATE_FLOW_MEMCAP:
        case OPT_SIMULATE_SSN_MEMCAP:
        case OPT_SIMULATE_REASM_MEMCAP:
        case OPT_SIMULATE_DEFRAG_MEMCAP: {
            /* Testing the memcap exception policies (Suricata's QA
             * simulation): packet N (pcap_cnt, from 1) meets the memcap. */
            if (!all_digits(optarg) || strlen(optarg) > 18 || !strtoull(optarg, NULL, 10))
                return usage_error("--simulate-packet-*-memcap take a packet number (from 1), "
                                   "not '%s'", optarg);
            uint64_t n = strtoull(optarg, NULL, 10);
            if (c == OPT_SIMULATE_FLOW_MEMCAP)
                o->simulate_flow_memcap = n;
            else if (c == OPT_SIMULATE_SSN_MEMCAP)
                o->simulate_ssn_memcap = n;
            else if (c == OPT_SIMULATE_REASM_MEMCAP)
                o->simulate_reassembly_memcap = n;
            else
                o->simulate_defrag_memcap = n;
            break;
        }
        case OPT_NFQUEUE:
            if (!all_digits(optarg))
                return usage_error("--nfqueue takes a queue number, not '%s'", optarg);
            if (add_nfqueue(o, optarg) != 0)
                return 2;
            break;
        case OPT_DISABLE_DETECTION:
            o->disable_detection = true;
            break;
        case OPT_UNIX_SOCKET:
            o->unix_socket_set = true;
            o->unix_socket = optarg;
            break;
        case OPT_STRICT_RULE_KEYWORDS:
            /* vigil already rejects every keyword it does not implement. */
            break;
        case OPT_DATA_DIR:
            o->data_dir = optarg;
            break;
        case OPT_NO_RANDOM:
            break;
        case OPT_INTEL:
            if (o->intel_file_count >= SENSOR_MAX_INPUTS)
                return usage_error("too many --intel files (at most %s)", "64");
            o->intel_files[o->intel_file_count++] = optarg;
            break;
        case OPT_PROTECT:
            if (o->protected_count >= SENSOR_MAX_INPUTS)
                return usage_error("too many --protect values (at most %s)", "64");
            o->protected_domains[o->protected_count++] = optarg;
            break;
        case OPT_HUB:
            o->hub_url = optarg;
            break;
        case OPT_HUB_TOKEN:
            o->hub_token = optarg;
            break;
        case OPT_HUB_TOKEN_FILE:
            o->hub_token_file = optarg;
            break;
        case OPT_HUB_CA:
            o->hub_ca = optarg;
            break;
        case OPT_HUB_PIN:
            o->hub_pin = optarg;
            break;
        case OPT_HUB_POLL: {
            char *end;
            double s = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || s < 0.05 || s > 86400)
                return usage_error("--hub-poll-interval takes seconds (0.05-86400), not '%s'",
                                   optarg);
            o->hub_poll_ms = (uint32_t)(s * 1000);
            break;
        }
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    /* Suricata's -q QID is NFQUEUE inline mode; alone, -q is --quiet. The
     * queue numbers come out of getopt as trailing arguments (digits), and
     * are queues, not a BPF expression. */
    if (q_seen && optind < argc && all_digits(argv[optind])) {
        o->quiet = false;
        while (optind < argc && all_digits(argv[optind]))
            if (add_nfqueue(o, argv[optind++]) != 0)
                return 2;
    }
    if (o->nfq_count > 0) {
        if (o->interface_count > 0 || o->live_from_config)
            return usage_error("%s", "NFQUEUE (-q/--nfqueue) and -i/--pcap/--af-packet cannot "
                                     "be used together");
        for (int i = 0; i < o->nfq_count; i++)
            o->interfaces[o->interface_count++] = o->nfq_queues[i];
        o->live_kind = CAPTURE_NFQUEUE;
        o->live_kind_set = true;
    }
    for (int i = optind; i < argc; i++)
        if (append_bpf(o, argv[i]) != 0)
            return usage_error("%s", "out of memory");
    if (o->bpf_file && o->bpf_filter)
        return usage_error("%s", "a BPF filter from -F FILE and one on the command line "
                                 "cannot be combined");
    bool info_only = o->show_version || o->build_info || o->list_app_layer_protos ||
                     o->list_keywords || o->list_runmodes || o->dump_config || o->test_config;
    if (o->interface_count > 0 && !o->live_kind_set)
        o->live_kind = CAPTURE_PCAP_LIVE;
    if (!info_only && o->pcap_file_count == 0 && o->interface_count == 0 && !o->live_from_config &&
        !o->unix_socket_set)
        return usage_error("%s", "nothing to read: give -r PATH, -i IFACE, --af-packet or "
                                 "--unix-socket");
    if (o->pcap_file_count > 0 && (o->interface_count > 0 || o->live_from_config))
        return usage_error("%s", "-r and live capture (-i, --pcap, --af-packet, -q/--nfqueue "
                                 "NFQUEUE) cannot be used together");
    if ((o->pcap_continuous || o->pcap_recursive) && o->pcap_file_count == 0)
        return usage_error("%s", "--pcap-file-continuous and --pcap-file-recursive need -r DIR");
    return 0;
}

void sensor_options_free(struct sensor_options *o)
{
    free(o->bpf_filter);
    o->bpf_filter = NULL;
}
