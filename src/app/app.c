/* SPDX-License-Identifier: Apache-2.0 */
/* Application-layer framework: protocol detection state per flow, dispatch to
 * the parsers, protocol change, transactions, memcap accounting, anomaly
 * events, expectations (FTP data channels), configuration and statistics.
 *
 * Detection (as Suricata does it): each direction's first bytes are kept in a
 * small bounded buffer (APP_PROBE_BUFFER bytes) and the probes of every
 * enabled parser run on the accumulated bytes until one matches. The first
 * direction that decides sets the flow's protocol; the parser then gets the
 * buffered bytes of both directions (oldest direction first) and everything
 * after. A direction fails when every probe said no, when the buffer is full
 * without a decision, on a gap or on EOF; when both directions failed (or one
 * failed and the other closed), the flow is APP_PROTO_FAILED and nothing more
 * is parsed. UDP probes one datagram at a time. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "app/file.h"
#include "app/app.h"
#include "app/app_baseline.h"
#include "app/app_frame.h"
#include "app/app_iso8583.h"
#include "app/app_parser.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "stream/stream.h"
#include "util/config.h"
#include "util/json.h"
#include "util/log.h"

/* Parsers of other files may not exist yet in a given tree. A weak reference
 * keeps the link working without them, but a weak undefined symbol does not
 * pull an object out of a static library, so the reference is made strong as
 * soon as the source file is there (__has_include looks next to this file
 * first). A parser whose file is missing is NULL and skipped. */
#if __has_include("app_http.c")
extern const struct app_parser app_parser_http;
#else
extern const struct app_parser app_parser_http __attribute__((weak));
#endif
#if __has_include("app_smtp.c")
extern const struct app_parser app_parser_smtp;
#else
extern const struct app_parser app_parser_smtp __attribute__((weak));
#endif
#if __has_include("app_ftp.c")
extern const struct app_parser app_parser_ftp;
#else
extern const struct app_parser app_parser_ftp __attribute__((weak));
#endif
#if __has_include("app_ftp_data.c")
extern const struct app_parser app_parser_ftp_data;
#else
extern const struct app_parser app_parser_ftp_data __attribute__((weak));
#endif
#if __has_include("app_tls.c")
extern const struct app_parser app_parser_tls;
#else
extern const struct app_parser app_parser_tls __attribute__((weak));
#endif
#if __has_include("app_ssh.c")
extern const struct app_parser app_parser_ssh;
#else
extern const struct app_parser app_parser_ssh __attribute__((weak));
#endif

extern const struct app_parser app_parser_mdns; /* app_dns.c */
#if __has_include("app_smb.c")
extern const struct app_parser app_parser_smb;
#else
extern const struct app_parser app_parser_smb __attribute__((weak));
#endif
#if __has_include("app_dcerpc.c")
extern const struct app_parser app_parser_dcerpc_tcp, app_parser_dcerpc_udp;
#else
extern const struct app_parser app_parser_dcerpc_tcp __attribute__((weak));
extern const struct app_parser app_parser_dcerpc_udp __attribute__((weak));
#endif
#if __has_include("app_krb5.c")
extern const struct app_parser app_parser_krb5_tcp, app_parser_krb5_udp;
#else
extern const struct app_parser app_parser_krb5_tcp __attribute__((weak));
extern const struct app_parser app_parser_krb5_udp __attribute__((weak));
#endif
#if __has_include("app_nfs.c")
extern const struct app_parser app_parser_nfs_tcp, app_parser_nfs_udp;
#else
extern const struct app_parser app_parser_nfs_tcp __attribute__((weak));
extern const struct app_parser app_parser_nfs_udp __attribute__((weak));
#endif
#if __has_include("app_modbus.c")
extern const struct app_parser app_parser_modbus;
#else
extern const struct app_parser app_parser_modbus __attribute__((weak));
#endif
#if __has_include("app_dnp3.c")
extern const struct app_parser app_parser_dnp3;
#else
extern const struct app_parser app_parser_dnp3 __attribute__((weak));
#endif
#if __has_include("app_enip.c")
extern const struct app_parser app_parser_enip;
#else
extern const struct app_parser app_parser_enip __attribute__((weak));
#endif
#if __has_include("app_pgsql.c")
extern const struct app_parser app_parser_pgsql;
#else
extern const struct app_parser app_parser_pgsql __attribute__((weak));
#endif
#if __has_include("app_mqtt.c")
extern const struct app_parser app_parser_mqtt;
#else
extern const struct app_parser app_parser_mqtt __attribute__((weak));
#endif

/* Probe order matters only when two probes match the same bytes without a
 * port hint: strong signatures first, the weak DNS-over-TCP length prefix last. */
static const struct app_parser *app_registry(size_t i)
{
    switch (i) {
    case 0:
        return &app_parser_http;
    case 1:
        return &app_parser_tls;
    case 2:
        return &app_parser_ssh;
    case 3:
        return &app_parser_smtp;
    case 4:
        return &app_parser_ftp;
    case 5:
        return &app_parser_mdns;
    case 6:
        return &app_parser_dns_udp;
    case 7:
        return &app_parser_dns_tcp;
    case 8:
        return &app_parser_ftp_data;
    case 9:
        return &app_parser_modbus;
    case 10:
        return &app_parser_dnp3;
    case 11:
        return &app_parser_enip;
    case 12:
        return &app_parser_mqtt;
    case 13:
        return &app_parser_smb;
    case 14:
        return &app_parser_dcerpc_tcp;
    case 15:
        return &app_parser_dcerpc_udp;
    case 16:
        return &app_parser_krb5_tcp;
    case 17:
        return &app_parser_krb5_udp;
    case 18:
        return &app_parser_nfs_tcp;
    case 19:
        return &app_parser_nfs_udp;
    /* Grid and industrial protocols (app_iec104.c, ...). */
    case 20:
        return &app_parser_iec104;
    case 21:
        return &app_parser_s7comm;
    case 22:
        return &app_parser_mms;
    case 23:
        return &app_parser_c37118;
    case 24:
        return &app_parser_bacnet;
    case 25:
        return &app_parser_opcua;
    /* Telecom protocols (app_sip.c, ...). */
    case 26:
        return &app_parser_sip_udp;
    case 27:
        return &app_parser_sip_tcp;
    case 28:
        return &app_parser_pgsql;
    case 29:
        return &app_parser_http2;
    case 30:
        return &app_parser_ldap_tcp;
    case 31:
        return &app_parser_ldap_udp;
    case 32:
        return &app_parser_rfb;
    case 33:
        return &app_parser_snmp;
    case 34:
        return &app_parser_fix;
    case 35:
        return &app_parser_diameter;
    case 36:
        return &app_parser_gtp;
    case 37:
        return &app_parser_quic;
    case 38:
        return &app_parser_iso8583;
    default:
        return NULL;
    }
}
#define APP_REGISTRY_SIZE 39

/* Layer-2 parsers (app_goose.c: GOOSE and SV; app_profinet.c), declared in
 * app_parser.h. */
#define APP_L2_PARSERS 3

const struct app_parser *app_l2_parser(size_t i)
{
    switch (i) {
    case 0:
        return &app_parser_goose;
    case 1:
        return &app_parser_sv;
    case 2:
        return &app_parser_profinet;
    default:
        return NULL;
    }
}

const char *app_layer_parser_name(size_t i)
{
    if (i >= APP_REGISTRY_SIZE)
        return NULL;
    const struct app_parser *p = app_registry(i);
    /* A parser left out of the build is a weak symbol at address 0. */
    return p && p->name ? p->name : "";
}

bool app_layer_has_parser(const char *name)
{
    int proto = app_proto_from_name(name);
    for (size_t i = 0; name && i < APP_REGISTRY_SIZE; i++) {
        const struct app_parser *p = app_registry(i);
        if (!p || !p->name)
            continue;
        if (strcasecmp(p->name, name) == 0 || (proto > 0 && p->proto == proto))
            return true;
    }
    /* Layer-2 parsers (GOOSE, SV, PROFINET) log and take settings too. */
    for (size_t i = 0; name && i < APP_L2_PARSERS; i++) {
        const struct app_parser *p = app_l2_parser(i);
        if (p && p->name && (strcasecmp(p->name, name) == 0 || (proto > 0 && p->proto == proto)))
            return true;
    }
    return false;
}

#define APP_PROBE_BUFFER 2048u
/* UDP: directions with this many undecided datagrams fail. */
#define APP_UDP_PROBE_DATAGRAMS 1u

struct app_expectation {
    bool used;
    uint16_t app_proto;
    bool any_client;
    struct ip_address client, server;
    uint16_t server_port;
    uint64_t expire_usec;
    void *data;
    void (*data_free)(void *data);
};

struct app_layer_thread_ctx {
    struct app_layer_config cfg;
    struct app_event_sink sink;
    struct app_layer_stats stats;
    /* Enabled parsers, in probe order. */
    const struct app_parser *parsers[APP_REGISTRY_SIZE];
    size_t parser_count;
    struct app_expectation *expectations; /* APP_EXPECTATION_MAX slots, on first use */
    uint32_t expectation_count;
    void *l2_state[APP_L2_PARSERS]; /* layer-2 parsers' per-worker state, on first use */
    struct ics_baseline *baseline;  /* ics-baseline, when enabled */
    void *telecom_peers;            /* gid 7301's learned peers (app_gtp.c), on first use */
};

void **app_thread_telecom_peers(struct app_layer_thread_ctx *t)
{
    return &t->telecom_peers;
}

enum app_dir_state {
    APP_DIR_PROBING = 0,
    APP_DIR_DONE,   /* this direction decided the protocol */
    APP_DIR_FAILED, /* this direction could not */
};

struct app_flow_state {
    struct app_layer_thread_ctx *thread; /* not owned; outlives every flow */
    uint16_t proto;                      /* enum app_proto, or APP_PROTO_FAILED */
    bool is_udp;
    bool parser_gave_up;
    uint64_t fed[2]; /* bytes given to the parser per direction */
    bool eof[2];
    uint8_t dir_state[2];
    uint8_t first_dir; /* direction whose bytes arrived first */
    bool have_first_dir;
    uint32_t udp_probes[2];
    const struct app_parser *parser;
    void *parser_state;    /* owned; freed with parser->state_free */
    uint8_t file_store;    /* filestore scope flow: directions whose files are all kept */
    uint16_t dir_proto[2]; /* as detected per direction */
    uint16_t proto_orig;   /* before a protocol change */
    bool switch_pending;   /* a change that waits for the next data (see app_check_switch) */
    bool dir_checked[2];   /* the other direction's first data was probed */
    uint32_t flow_events;  /* enum app_flow_event bits */
    uint8_t *probe_buf[2]; /* owned; APP_PROBE_BUFFER bytes each */
    uint32_t probe_len[2];
    /* The flow was reversed (app_detect_reverse) during the current packet:
     * until the caller takes it (app_flow_state_take_reverse), directions
     * given by the caller are the old ones and are flipped here. */
    uint8_t dir_xor;
    bool reverse_pending;
    struct app_frames *frames; /* owned; only while frames are active */
    /* SCTP (app_layer_handle_sctp): the next TSN expected per direction. */
    bool sctp_have_tsn[2];
    bool sctp_wait_begin[2]; /* a TSN was lost: skip to the next message's first chunk */
    uint32_t sctp_next_tsn[2];
};

/* Flow-level detection events (Suricata's applayer proto_detect events). */
enum app_flow_event {
    APP_FLOW_EV_MISMATCH_BOTH_DIRECTIONS = 0,
    APP_FLOW_EV_DETECT_PROTOCOL_ONLY_ONE_DIRECTION,
    APP_FLOW_EV_COUNT,
};
static const char *const app_flow_event_names[APP_FLOW_EV_COUNT] = {
    "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS",
    "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION",
};

/* ---------- event names (rule loading) ---------- */

static bool app_name_in(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++)
        if (strcasecmp(names[i], name) == 0)
            return true;
    return false;
}

/* Suricata's flow-level events that vigil does not raise. */
static const char *const app_flow_event_names_unsupported[] = {
    "APPLAYER_WRONG_DIRECTION_FIRST_DATA", "APPLAYER_PROTO_DETECTION_SKIPPED",
    "APPLAYER_NO_TLS_AFTER_STARTTLS", "APPLAYER_UNEXPECTED_PROTOCOL", NULL};

int app_event_name_check(const char *name, char *why, size_t why_len)
{
    const char *dot = strchr(name, '.');
    if (!dot) {
        for (int e = 0; e < APP_FLOW_EV_COUNT; e++) {
            const char *n = app_flow_event_names[e];
            if (strcasecmp(n, name) == 0 || strcasecmp(n + strlen("APPLAYER_"), name) == 0)
                return 0;
        }
        for (int e = 0; app_flow_event_names_unsupported[e]; e++) {
            const char *n = app_flow_event_names_unsupported[e];
            if (strcasecmp(n, name) == 0 || strcasecmp(n + strlen("APPLAYER_"), name) == 0) {
                snprintf(why, why_len, "app-layer event '%.64s' is not raised by vigil", name);
                return -ENOTSUP;
            }
        }
        snprintf(why, why_len, "unknown app-layer event '%.64s'", name);
        return -ENOENT;
    }
    size_t plen = (size_t)(dot - name);
    bool proto_found = false;
    for (size_t i = 0; i < APP_REGISTRY_SIZE + APP_L2_PARSERS; i++) {
        const struct app_parser *p =
            i < APP_REGISTRY_SIZE ? app_registry(i) : app_l2_parser(i - APP_REGISTRY_SIZE);
        if (!p || !p->name || strlen(p->name) != plen || strncasecmp(p->name, name, plen) != 0)
            continue;
        proto_found = true;
        if (app_name_in(p->event_names, dot + 1) || app_name_in(p->event_aliases, dot + 1))
            return 0;
        if (app_name_in(p->event_names_unsupported, dot + 1)) {
            snprintf(why, why_len, "app-layer event '%.64s' is not raised by vigil's %s parser",
                     name, p->name);
            return -ENOTSUP;
        }
    }
    if (!proto_found) {
        snprintf(why, why_len, "unknown app-layer event '%.64s': no app-layer parser for '%.*s'",
                 name, (int)(plen < 32 ? plen : 32), name);
        return -EPROTONOSUPPORT;
    }
    snprintf(why, why_len, "unknown app-layer event '%.64s': the %.*s parser has no event '%.64s'",
             name, (int)(plen < 32 ? plen : 32), name, dot + 1);
    return -ENOENT;
}

/* ---------- names ---------- */

static const char *const app_proto_names[APP_PROTO_MAX_BUILTIN] = {
    [APP_PROTO_UNKNOWN] = "unknown",   [APP_PROTO_FAILED] = "failed",
    [APP_PROTO_HTTP] = "http",         [APP_PROTO_TLS] = "tls",
    [APP_PROTO_DNS] = "dns",           [APP_PROTO_SSH] = "ssh",
    [APP_PROTO_SMTP] = "smtp",         [APP_PROTO_FTP] = "ftp",
    [APP_PROTO_FTP_DATA] = "ftp-data", [APP_PROTO_MDNS] = "mdns",
    [APP_PROTO_SMB] = "smb",           [APP_PROTO_DCERPC] = "dcerpc",
    [APP_PROTO_KRB5] = "krb5",         [APP_PROTO_NFS] = "nfs",
    [APP_PROTO_MODBUS] = "modbus",     [APP_PROTO_DNP3] = "dnp3",
    [APP_PROTO_ENIP] = "enip",         [APP_PROTO_MQTT] = "mqtt",
    [APP_PROTO_IEC104] = "iec104",     [APP_PROTO_S7COMM] = "s7comm",
    [APP_PROTO_MMS] = "mms",           [APP_PROTO_C37118] = "c37118",
    [APP_PROTO_BACNET] = "bacnet",     [APP_PROTO_OPCUA] = "opcua",
    [APP_PROTO_GOOSE] = "goose",       [APP_PROTO_SV] = "sv",
    [APP_PROTO_PROFINET] = "profinet", [APP_PROTO_SIP] = "sip",
    [APP_PROTO_PGSQL] = "pgsql",       [APP_PROTO_HTTP2] = "http2",
    [APP_PROTO_LDAP] = "ldap",         [APP_PROTO_RFB] = "rfb",
    [APP_PROTO_SNMP] = "snmp",
    [APP_PROTO_FIX] = "fix",           [APP_PROTO_DIAMETER] = "diameter",
    [APP_PROTO_GTP] = "gtp",
    [APP_PROTO_QUIC] = "quic",
    [APP_PROTO_ISO8583] = "iso8583",
};

/* Protocols Suricata's stats count per transport ("enip_tcp", "enip_udp"). */
static bool app_proto_stats_per_transport(int proto)
{
    /* The protocols Suricata registers for both TCP and UDP: its counters
     * name them per carrier ("dns_tcp", "dns_udp", "enip_tcp", "failed_udp"). */
    static const char *const both[] = {"dns", "dcerpc", "enip", "krb5", "ldap", "nfs",
                                       "sip", "failed"};
    const char *name = app_proto_name((uint16_t)proto);
    for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++)
        if (strcmp(name, both[i]) == 0)
            return true;
    return false;
}

const char *app_proto_name(uint16_t proto)
{
    if (proto < APP_PROTO_MAX_BUILTIN && app_proto_names[proto])
        return app_proto_names[proto];
    return "unknown";
}

int app_proto_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < APP_PROTO_MAX_BUILTIN; i++)
        if (app_proto_names[i] && strcasecmp(app_proto_names[i], name) == 0)
            return i;
    static const struct {
        const char *alias;
        int proto;
    } aliases[] = {
        {"ssl", APP_PROTO_TLS},
        {"http1", APP_PROTO_HTTP},
        {"ftpdata", APP_PROTO_FTP_DATA},
        {"ftp_data", APP_PROTO_FTP_DATA},
        {"dcerpc-dns", -1},
        {"tls1", APP_PROTO_TLS},
    };
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcasecmp(aliases[i].alias, name) == 0)
            return aliases[i].proto;
    return -1;
}

/* ---------- configuration ---------- */

/* Suricata's app-layer.protocols.<name> key for a protocol ("tls" is
 * configured under "tls", older configs say "ssl"; both are read). */
static void app_config_proto_enabled(const struct config *cfg, const char *name, bool *enabled)
{
    char key[128];
    snprintf(key, sizeof(key), "app-layer.protocols.%s.enabled", name);
    const char *v = config_get(cfg, key);
    if (!v)
        return;
    bool b;
    if (strcasecmp(v, "detection-only") == 0)
        *enabled = true;
    else if (config_parse_bool(v, &b) == 0)
        *enabled = b;
}

/* "enabled: detection-only": the protocol is recognised (flows get their
 * app_proto) but not parsed: no transactions, logs or protocol keywords. */
static bool app_config_detection_only(const struct config *cfg, const char *name)
{
    char key[128];
    snprintf(key, sizeof(key), "app-layer.protocols.%s.enabled", name);
    const char *v = config_get(cfg, key);
    return v && strcasecmp(v, "detection-only") == 0;
}

static void app_config_size(const struct config *cfg, const char *key, uint64_t *out)
{
    uint64_t v;
    if (config_get_size(cfg, key, &v) == 0)
        *out = v;
}

/* "auto" (Suricata's default for ja3/ja4) means enabled here: the EVE and the
 * rule buffers are cheap to compute once per handshake. */
static void app_config_tristate(const struct config *cfg, const char *key, bool *out)
{
    const char *v = config_get(cfg, key);
    bool b;
    if (!v)
        return;
    if (strcasecmp(v, "auto") == 0)
        *out = true;
    else if (config_parse_bool(v, &b) == 0)
        *out = b;
}

/* The mapping under outputs.N.eve-log.types.M.<type> of the first eve-log
 * output that lists the type, or NULL (also NULL for a bare "- type"). */
static const struct config_node *app_config_eve_type(const struct config *cfg, const char *type)
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
            const char *tv = config_node_peek_value(t); /* dispatch: not a read */
            if (tv && strcmp(tv, type) == 0)
                return config_node_child(t, type);
        }
    }
    return NULL;
}

/* Suricata's DNS type names in "types: [a, aaaa, ...]". */
static int app_config_dns_type(const char *name)
{
    static const struct {
        const char *n;
        uint16_t t;
    } types[] = {{"a", 1},      {"ns", 2},     {"cname", 5},  {"soa", 6},    {"ptr", 12},
                 {"mx", 15},    {"txt", 16},   {"aaaa", 28},  {"srv", 33},   {"naptr", 35},
                 {"ds", 43},    {"sshfp", 44}, {"rrsig", 46}, {"nsec", 47},  {"dnskey", 48},
                 {"nsec3", 50}, {"tlsa", 52},  {"svcb", 64},  {"https", 65}, {"spf", 99},
                 {"any", 255},  {"caa", 257},  {"null", 10},  {"hinfo", 13}, {"dname", 39},
                 {"opt", 41}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(types[i].n, name) == 0)
            return types[i].t;
    return -1;
}

static bool app_config_node_bool(const struct config_node *parent, const char *key, bool *out)
{
    const struct config_node *n = config_node_child(parent, key);
    const char *v = n ? config_node_value(n) : NULL;
    return v && config_parse_bool(v, out) == 0;
}

static void app_config_eve_options(struct app_layer_config *out, const struct config *cfg)
{
    const struct config_node *dns = app_config_eve_type(cfg, "dns");
    if (dns) {
        const struct config_node *n;
        if ((n = config_node_child(dns, "version")) && config_node_value(n) &&
            strcmp(config_node_value(n), "2") == 0)
            out->dns_log_version = 2;
        app_config_node_bool(dns, "requests", &out->dns_log_requests);
        app_config_node_bool(dns, "responses", &out->dns_log_responses);
        /* Suricata 7 spelling */
        app_config_node_bool(dns, "query", &out->dns_log_requests);
        app_config_node_bool(dns, "answer", &out->dns_log_responses);
        if ((n = config_node_child(dns, "formats")) && config_node_first_child(n)) {
            out->dns_log_detailed = out->dns_log_grouped = false;
            for (const struct config_node *f = config_node_first_child(n); f;
                 f = config_node_next(f)) {
                const char *fv = config_node_value(f);
                if (fv && strcasecmp(fv, "detailed") == 0)
                    out->dns_log_detailed = true;
                if (fv && strcasecmp(fv, "grouped") == 0)
                    out->dns_log_grouped = true;
            }
        }
        if ((n = config_node_child(dns, "types"))) {
            for (const struct config_node *f = config_node_first_child(n); f;
                 f = config_node_next(f)) {
                const char *fv = config_node_value(f);
                int t = fv ? app_config_dns_type(fv) : -1;
                if (t >= 0 && out->dns_log_type_count < 16)
                    out->dns_log_types[out->dns_log_type_count++] = (uint16_t)t;
            }
        }
    }
    const struct config_node *pgsql = app_config_eve_type(cfg, "pgsql");
    if (pgsql)
        app_config_node_bool(pgsql, "passwords", &out->pgsql_log_passwords);
    const struct config_node *tls = app_config_eve_type(cfg, "tls");
    const struct config_node *custom = tls ? config_node_child(tls, "custom") : NULL;
    for (const struct config_node *f = custom ? config_node_first_child(custom) : NULL; f;
         f = config_node_next(f)) {
        const char *fv = config_node_value(f);
        if (!fv)
            continue;
        if (strcmp(fv, "certificate") == 0)
            out->tls_log_certificate = true;
        else if (strcmp(fv, "chain") == 0)
            out->tls_log_chain = true;
        else if (strcmp(fv, "client_certificate") == 0)
            out->tls_log_client_certificate = true;
        else if (strcmp(fv, "client_chain") == 0)
            out->tls_log_client_chain = true;
        else if (strcmp(fv, "subjectaltname") == 0)
            out->tls_log_subjectaltname = true;
    }
}

void app_layer_config_load(struct app_layer_config *out, const struct config *cfg)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < APP_PROTO_MAX; i++) {
        out->enabled[i] = true;
        out->ipprotos_enabled[i] = APP_IPPROTO_TCP | APP_IPPROTO_UDP;
    }
    out->enabled[APP_PROTO_UNKNOWN] = out->enabled[APP_PROTO_FAILED] = false;
    out->http_request_body_limit = 100 * 1024;  /* suricata.yaml request-body-limit: 100kb */
    out->http_response_body_limit = 100 * 1024; /* response-body-limit: 100kb */
    out->max_tx_per_flow = 512;
    out->memcap = 256ull * 1024 * 1024;
    out->l2_memcap = 4ull * 1024 * 1024;
    out->baseline_learn_usec = 24ull * 3600 * 1000000;
    out->baseline_memcap = 16ull * 1024 * 1024;
    out->ja3_fingerprints = true;
    out->ja4_fingerprints = true;
    out->file_hash_md5 = out->file_hash_sha1 = out->file_hash_sha256 = false;
    out->file_store_dir = NULL;
    out->file_store_force = out->file_store_fileinfo = false;
    out->dns_log_version = 3;
    out->dns_log_requests = out->dns_log_responses = true;
    out->dns_log_detailed = out->dns_log_grouped = true;
    out->tls_log_subjectaltname = true; /* part of Suricata 8's extended tls record */
    app_gtp_config_load(out, cfg);
#if __has_include("app_http.c")
    app_http_config_load(out, cfg);
#endif
#if __has_include("app_smb.c")
    app_smb_config_load(out, cfg);
#endif
    /* suricata-verify selects the DNS log version with this variable. */
    const char *env = getenv("SURICATA_EVE_DNS_VERSION");
    if (env && strcmp(env, "2") == 0)
        out->dns_log_version = 2;
    if (!cfg) {
        (void)app_ics_config_load(out, NULL, NULL, 0);
        return;
    }
    app_config_eve_options(out, cfg);

    for (int p = APP_PROTO_HTTP; p < APP_PROTO_MAX_BUILTIN; p++) {
        app_config_proto_enabled(cfg, app_proto_name((uint16_t)p), &out->enabled[p]);
        out->detection_only[p] = app_config_detection_only(cfg, app_proto_name((uint16_t)p));
    }
    app_config_proto_enabled(cfg, "ssl", &out->enabled[APP_PROTO_TLS]);
    app_config_proto_enabled(cfg, "ftp-data", &out->enabled[APP_PROTO_FTP_DATA]);
    for (int p = APP_PROTO_HTTP; p < APP_PROTO_MAX_BUILTIN; p++) {
        out->ipprotos_enabled[p] = out->enabled[p] ? (APP_IPPROTO_TCP | APP_IPPROTO_UDP) : 0;
        static const struct {
            const char *name;
            uint8_t bit;
        } tr[] = {{"tcp", APP_IPPROTO_TCP}, {"udp", APP_IPPROTO_UDP}};
        for (size_t i = 0; i < 2; i++) {
            bool on = out->enabled[p], set = false;
            char key[96];
            snprintf(key, sizeof(key), "app-layer.protocols.%s.%s.enabled",
                     app_proto_name((uint16_t)p), tr[i].name);
            const char *v = config_get(cfg, key);
            if (v && config_parse_bool(v, &on) == 0)
                set = true;
            if (set && on != out->enabled[p])
                log_warning("app-layer: %s: %s.enabled (%s) differs from the protocol's enabled "
                            "(%s); the %s setting applies", key, tr[i].name, on ? "yes" : "no",
                            out->enabled[p] ? "yes" : "no", tr[i].name);
            if (on)
                out->ipprotos_enabled[p] |= tr[i].bit;
            else
                out->ipprotos_enabled[p] &= (uint8_t)~tr[i].bit;
        }
    }

    uint64_t v;
    v = out->http_request_body_limit;
    app_config_size(cfg, "app-layer.protocols.http.libhtp.default-config.request-body-limit", &v);
    out->http_request_body_limit = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    v = out->http_response_body_limit;
    app_config_size(cfg, "app-layer.protocols.http.libhtp.default-config.response-body-limit", &v);
    out->http_response_body_limit = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;

    long long n;
    if (config_get_int(cfg, "app-layer.max-tx", &n) == 0 && n > 0 && n <= UINT32_MAX)
        out->max_tx_per_flow = (uint32_t)n;
    out->ldap_max_tx = 256;
    if (config_get_int(cfg, "app-layer.protocols.ldap.max-tx", &n) == 0 && n > 0 &&
        n <= UINT32_MAX)
        out->ldap_max_tx = (uint32_t)n;
    app_config_size(cfg, "app-layer.memcap", &out->memcap);

    app_config_tristate(cfg, "app-layer.protocols.tls.ja3-fingerprints", &out->ja3_fingerprints);
    app_config_tristate(cfg, "app-layer.protocols.ssl.ja3-fingerprints", &out->ja3_fingerprints);
    app_config_tristate(cfg, "app-layer.protocols.tls.ja4-fingerprints", &out->ja4_fingerprints);
    app_config_tristate(cfg, "app-layer.protocols.ssl.ja4-fingerprints", &out->ja4_fingerprints);
    /* Errors are reported by the sensor's own configuration check. */
    (void)app_ics_config_load(out, cfg, NULL, 0);
    app_iso8583_config_load(cfg);
}

/* ---------- thread context ---------- */

struct app_layer_thread_ctx *app_layer_thread_ctx_new(const struct app_layer_config *cfg,
                                                      const struct app_event_sink *sink)
{
    struct app_layer_thread_ctx *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (cfg)
        t->cfg = *cfg;
    else
        app_layer_config_load(&t->cfg, NULL);
    t->stats.file_store_on = t->cfg.file_store_dir != NULL;
    if (sink)
        t->sink = *sink;
    for (size_t i = 0; i < APP_REGISTRY_SIZE; i++) {
        const struct app_parser *p = app_registry(i);
        if (!p || p->proto >= APP_PROTO_MAX)
            continue;
        /* Protocols past the built-in range have no per-transport setting. */
        uint8_t on = p->proto < APP_PROTO_MAX_BUILTIN ? t->cfg.ipprotos_enabled[p->proto]
                                                      : (t->cfg.enabled[p->proto] ? 0xff : 0);
        if (p->ipprotos & on)
            t->parsers[t->parser_count++] = p;
    }
    if (t->cfg.baseline_enabled) {
        t->baseline = ics_baseline_new(t, &t->cfg);
        if (!t->baseline ||
            (t->cfg.baseline_file &&
             ics_baseline_load(t->baseline, t->cfg.baseline_file, NULL, 0) < 0)) {
            ics_baseline_free(t->baseline);
            free(t);
            return NULL;
        }
    }
    return t;
}

static void app_expectation_clear(struct app_expectation *e)
{
    if (e->used && e->data && e->data_free)
        e->data_free(e->data);
    memset(e, 0, sizeof(*e));
}

void app_layer_thread_ctx_free(struct app_layer_thread_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->expectations) {
        for (uint32_t i = 0; i < APP_EXPECTATION_MAX; i++)
            app_expectation_clear(&ctx->expectations[i]);
        free(ctx->expectations);
    }
    for (size_t i = 0; i < APP_L2_PARSERS; i++) {
        const struct app_parser *p = app_l2_parser(i);
        if (p && ctx->l2_state[i] && p->state_free)
            p->state_free(ctx->l2_state[i]);
    }
    ics_baseline_free(ctx->baseline);
    app_telecom_peers_free(ctx->telecom_peers);
    free(ctx);
}

const struct app_layer_stats *app_layer_thread_stats(const struct app_layer_thread_ctx *ctx)
{
    return &ctx->stats;
}

void app_layer_stats_add(struct app_layer_stats *dst, const struct app_layer_stats *src)
{
    for (int i = 0; i < APP_PROTO_MAX; i++) {
        dst->flows[i] += src->flows[i];
        dst->tx[i] += src->tx[i];
        dst->errors[i] += src->errors[i];
        dst->flows_udp[i] += src->flows_udp[i];
        dst->tx_udp[i] += src->tx_udp[i];
        dst->errors_udp[i] += src->errors_udp[i];
        dst->limits[i] += src->limits[i];
        dst->undecrypted[i] += src->undecrypted[i];
    }
    dst->memuse += src->memuse;
    dst->memcap_drops += src->memcap_drops;
    dst->file_store_on |= src->file_store_on;
    dst->file_store_fs_errors += src->file_store_fs_errors;
    dst->file_store_open_max_hit += src->file_store_open_max_hit;
    if (src->error_policy_on) {
        dst->error_policy_on = true;
        for (int i = 0; i < APP_PROTO_MAX; i++)
            for (int k = 0; k < 6; k++) {
                dst->error_policy[i][k] += src->error_policy[i][k];
                dst->error_policy_udp[i][k] += src->error_policy_udp[i][k];
            }
    }
}

void app_layer_error_policy_stats_enable(struct app_layer_thread_ctx *ctx)
{
    ctx->stats.error_policy_on = true;
}

void app_layer_error_policy_count(struct app_layer_thread_ctx *ctx, uint16_t proto, bool udp,
                                  int policy)
{
    if (!ctx->stats.error_policy_on || proto >= APP_PROTO_MAX || policy < 0 || policy >= 6)
        return;
    ctx->stats.error_policy[proto][policy]++;
    if (udp)
        ctx->stats.error_policy_udp[proto][policy]++;
}

/* One counter per protocol; split into "<name>_tcp" and "<name>_udp" for
 * the protocols Suricata counts per transport. */
static void app_stats_write_counter(struct json_writer *w, int proto, uint64_t total, uint64_t udp)
{
    const char *name = app_proto_name((uint16_t)proto);
    if (!app_proto_stats_per_transport(proto)) {
        json_key_u64(w, name, total);
        return;
    }
    char key[64];
    snprintf(key, sizeof(key), "%s_tcp", name);
    json_key_u64(w, key, total - udp);
    snprintf(key, sizeof(key), "%s_udp", name);
    json_key_u64(w, key, udp);
}

/* An object of the protocols whose counter is not zero (none: no object). */
static void app_stats_write_nonzero(struct json_writer *w, const char *key,
                                    const uint64_t counts[APP_PROTO_MAX])
{
    bool open = false;
    for (int i = APP_PROTO_HTTP; i < APP_PROTO_MAX_BUILTIN; i++) {
        if (!counts[i])
            continue;
        if (!open)
            json_key_object_begin(w, key);
        open = true;
        json_key_u64(w, app_proto_name((uint16_t)i), counts[i]);
    }
    if (open)
        json_object_end(w);
}

void app_layer_stats_write_json(const struct app_layer_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "app_layer");
    json_key_object_begin(w, "flow");
    for (int i = APP_PROTO_FAILED; i < APP_PROTO_MAX_BUILTIN; i++)
        app_stats_write_counter(w, i, s->flows[i], s->flows_udp[i]);
    json_object_end(w);
    json_key_object_begin(w, "tx");
    for (int i = APP_PROTO_HTTP; i < APP_PROTO_MAX_BUILTIN; i++)
        app_stats_write_counter(w, i, s->tx[i], s->tx_udp[i]);
    json_object_end(w);
    /* Parser errors; vigil does not tell gaps, allocation and internal
     * errors apart from what the parser reports. */
    json_key_object_begin(w, "error");
    for (int i = APP_PROTO_HTTP; i < APP_PROTO_MAX_BUILTIN; i++) {
        char key[64];
        for (int carrier = 0; carrier < (app_proto_stats_per_transport(i) ? 2 : 1); carrier++) {
            uint64_t n = s->errors[i];
            if (app_proto_stats_per_transport(i)) {
                n = carrier ? s->errors_udp[i] : s->errors[i] - s->errors_udp[i];
                snprintf(key, sizeof(key), "%s_%s", app_proto_name((uint16_t)i),
                         carrier ? "udp" : "tcp");
            } else {
                snprintf(key, sizeof(key), "%s", app_proto_name((uint16_t)i));
            }
            json_key_object_begin(w, key);
            json_key_u64(w, "gap", 0);
            json_key_u64(w, "alloc", 0);
            json_key_u64(w, "parser", n);
            json_key_u64(w, "internal", 0);
            if (s->error_policy_on) {
                static const char *const pol[6] = {"drop_flow",   "drop_packet", "pass_flow",
                                                   "pass_packet", "bypass",      "reject"};
                json_key_object_begin(w, "exception_policy");
                for (int k = 0; k < 6; k++) {
                    uint64_t v = s->error_policy[i][k];
                    if (app_proto_stats_per_transport(i))
                        v = carrier ? s->error_policy_udp[i][k]
                                    : s->error_policy[i][k] - s->error_policy_udp[i][k];
                    json_key_u64(w, pol[k], v);
                }
                json_object_end(w);
            }
            json_object_end(w);
        }
    }
    json_object_end(w);
    json_key_u64(w, "memuse", s->memuse);
    json_key_u64(w, "memcap_drops", s->memcap_drops);
    app_stats_write_nonzero(w, "limit", s->limits);
    app_stats_write_nonzero(w, "undecrypted", s->undecrypted);
    /* output buffers of card payment flows not written: too long to
     * redact (process-wide: the outputs count them, not a worker) */
    json_key_u64(w, "iso8583_redact_dropped", app_iso8583_redact_dropped());
    json_object_end(w);
    if (s->file_store_on) {
        /* Suricata's file_store object; files are written with one
         * descriptor each, never held open past their transfer, at most
         * max-open-files at once. */
        json_key_object_begin(w, "file_store");
        json_key_u64(w, "fs_errors", s->file_store_fs_errors);
        json_key_u64(w, "open_files_max_hit", s->file_store_open_max_hit);
        json_object_end(w);
    }
}

/* ---------- services for parsers ---------- */

bool app_thread_memory_reserve(struct app_layer_thread_ctx *thread, size_t size)
{
    if (thread->stats.memuse + size > thread->cfg.memcap) {
        thread->stats.memcap_drops++;
        return false;
    }
    thread->stats.memuse += size;
    return true;
}

void app_thread_memory_release(struct app_layer_thread_ctx *thread, size_t size)
{
    if (size > thread->stats.memuse)
        size = (size_t)thread->stats.memuse; /* never wrap; a parser bug shows in tests */
    thread->stats.memuse -= size;
}

bool app_memory_reserve(struct app_parse_ctx *ctx, size_t size)
{
    return app_thread_memory_reserve(ctx->thread, size);
}

void app_memory_release(struct app_parse_ctx *ctx, size_t size)
{
    app_thread_memory_release(ctx->thread, size);
}

const struct app_layer_config *app_parser_config(const struct app_parse_ctx *ctx)
{
    return &ctx->thread->cfg;
}

void app_parser_count_tx(struct app_parse_ctx *ctx, uint16_t app_proto)
{
    if (app_proto < APP_PROTO_MAX) {
        ctx->thread->stats.tx[app_proto]++;
        if (ctx->flow && ctx->flow->key.proto == 17)
            ctx->thread->stats.tx_udp[app_proto]++;
    }
}

void app_parser_count_limit(struct app_parse_ctx *ctx, uint16_t app_proto)
{
    if (app_proto < APP_PROTO_MAX)
        ctx->thread->stats.limits[app_proto]++;
}

void app_parser_count_undecrypted(struct app_parse_ctx *ctx, uint16_t app_proto)
{
    if (app_proto < APP_PROTO_MAX)
        ctx->thread->stats.undecrypted[app_proto]++;
}

void app_parser_log(struct app_parse_ctx *ctx, const char *event_type, uint8_t direction,
                    void (*write_body)(const void *object, struct json_writer *w),
                    const void *object)
{
    const struct app_event_sink *s = &ctx->thread->sink;
    if (s->emit)
        s->emit(s->user, event_type, ctx->flow, ctx->packet, direction, write_body, object);
}

void app_parser_log_to_file(struct app_parse_ctx *ctx, const char *path, const char *event_type,
                            uint8_t direction,
                            void (*write_body)(const void *object, struct json_writer *w),
                            const void *object)
{
    const struct app_event_sink *s = &ctx->thread->sink;
    if (s->emit_to_file)
        s->emit_to_file(s->user, path, event_type, ctx->flow, ctx->packet, direction, write_body,
                        object);
}

void app_tx_files_store(struct app_tx *tx, uint8_t dirs)
{
    if (!tx || !tx->parser || !tx->parser->tx_files)
        return;
    tx->file_store |= dirs;
    for (struct app_file *f = tx->parser->tx_files(tx); f; f = f->next)
        if (dirs & (1u << (f->direction & 1)))
            file_store_mark(f);
}

static int app_tx_files_store_cb(struct app_tx *tx, void *user)
{
    app_tx_files_store(tx, *(const uint8_t *)user);
    return 0;
}

void app_flow_files_store(struct app_flow_state *state, uint8_t dirs)
{
    if (!state || !state->parser || !state->parser_state)
        return;
    state->file_store |= dirs;
    if (state->parser->tx_foreach)
        state->parser->tx_foreach(state->parser_state, app_tx_files_store_cb, &dirs);
}

bool app_parser_files_store_all(const struct app_parse_ctx *ctx, uint8_t direction)
{
    const struct app_flow_state *st = ctx && ctx->flow ? ctx->flow->app : NULL;
    return st && (st->file_store & (1u << (direction & 1)));
}

void app_file_store_error(struct app_layer_thread_ctx *thread)
{
    if (thread)
        thread->stats.file_store_fs_errors++;
}

void app_file_store_open_max_hit(struct app_layer_thread_ctx *thread)
{
    if (thread)
        thread->stats.file_store_open_max_hit++;
}

void app_parser_anomaly(struct app_parse_ctx *ctx, uint16_t app_proto, const char *event_name)
{
    const struct app_event_sink *s = &ctx->thread->sink;
    if (s->anomaly)
        s->anomaly(s->user, ctx->flow, ctx->packet, app_proto, event_name);
}

void app_parser_alert(struct app_parse_ctx *ctx, const struct builtin_alert *alert)
{
    const struct app_event_sink *s = &ctx->thread->sink;
    if (s->alert)
        s->alert(s->user, ctx->flow, ctx->packet, alert);
}

static bool app_ip_equal(const struct ip_address *a, const struct ip_address *b)
{
    return a->family == b->family && memcmp(a->addr.u8, b->addr.u8, 16) == 0;
}

int app_expectation_add(struct app_parse_ctx *ctx, uint16_t app_proto,
                        const struct ip_address *client, const struct ip_address *server,
                        uint16_t server_port, uint32_t timeout_sec, void *data,
                        void (*data_free)(void *data))
{
    struct app_layer_thread_ctx *t = ctx->thread;
    if (!t->expectations) {
        t->expectations = calloc(APP_EXPECTATION_MAX, sizeof(*t->expectations));
        if (!t->expectations) {
            if (data && data_free)
                data_free(data);
            return -ENOMEM;
        }
    }
    /* Free slot, else the one expiring first. */
    struct app_expectation *slot = NULL;
    for (uint32_t i = 0; i < APP_EXPECTATION_MAX; i++) {
        struct app_expectation *e = &t->expectations[i];
        if (!e->used) {
            slot = e;
            break;
        }
        if (!slot || e->expire_usec < slot->expire_usec)
            slot = e;
    }
    app_expectation_clear(slot);
    slot->used = true;
    slot->app_proto = app_proto;
    slot->any_client = client == NULL;
    if (client)
        slot->client = *client;
    slot->server = *server;
    slot->server_port = server_port;
    slot->expire_usec = ctx->ts_usec + (uint64_t)timeout_sec * 1000000u;
    slot->data = data;
    slot->data_free = data_free;
    return 0;
}

/* Finds (and removes from the table) the expectation for a new flow. The
 * caller owns the returned copy's data. */
static bool app_expectation_take(struct app_layer_thread_ctx *t, const struct flow *flow,
                                 uint64_t now_usec, struct app_expectation *out)
{
    if (!t->expectations)
        return false;
    const struct flow_key *k = &flow->key;
    for (uint32_t i = 0; i < APP_EXPECTATION_MAX; i++) {
        struct app_expectation *e = &t->expectations[i];
        if (!e->used)
            continue;
        if (now_usec > e->expire_usec) {
            app_expectation_clear(e);
            continue;
        }
        bool fwd = app_ip_equal(&k->dst, &e->server) && k->dst_port == e->server_port &&
                   (e->any_client || app_ip_equal(&k->src, &e->client));
        bool rev = app_ip_equal(&k->src, &e->server) && k->src_port == e->server_port &&
                   (e->any_client || app_ip_equal(&k->dst, &e->client));
        if (fwd || rev) {
            *out = *e;
            memset(e, 0, sizeof(*e));
            return true;
        }
    }
    return false;
}

/* ---------- per-flow state ---------- */

static struct app_flow_state *app_flow_state_new(struct app_layer_thread_ctx *t, bool is_udp)
{
    if (!app_thread_memory_reserve(t, sizeof(struct app_flow_state)))
        return NULL;
    struct app_flow_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_thread_memory_release(t, sizeof(struct app_flow_state));
        return NULL;
    }
    st->thread = t;
    st->is_udp = is_udp;
    return st;
}

static void app_probe_buffers_free(struct app_flow_state *st)
{
    for (int d = 0; d < 2; d++) {
        if (st->probe_buf[d]) {
            free(st->probe_buf[d]);
            st->probe_buf[d] = NULL;
            app_thread_memory_release(st->thread, APP_PROBE_BUFFER);
        }
        st->probe_len[d] = 0;
    }
}

static void app_parser_state_free(struct app_flow_state *st)
{
    if (st->parser && st->parser_state && st->parser->state_free)
        st->parser->state_free(st->parser_state);
    st->parser_state = NULL;
    st->parser = NULL;
}

void app_flow_state_free(struct app_flow_state *state)
{
    if (!state)
        return;
    app_parser_state_free(state);
    app_probe_buffers_free(state);
    app_frames_free(state->frames);
    app_thread_memory_release(state->thread, sizeof(*state));
    free(state);
}

uint16_t app_flow_state_proto(const struct app_flow_state *state)
{
    return state ? state->proto : APP_PROTO_UNKNOWN;
}

uint16_t app_flow_state_proto_dir(const struct app_flow_state *state, uint8_t direction)
{
    if (!state)
        return APP_PROTO_UNKNOWN;
    uint16_t p = state->dir_proto[direction & 1];
    return p != APP_PROTO_UNKNOWN ? p : state->proto;
}

uint16_t app_flow_state_proto_orig(const struct app_flow_state *state)
{
    return state ? state->proto_orig : APP_PROTO_UNKNOWN;
}

bool app_flow_state_has_event(const struct app_flow_state *state, const char *event_name)
{
    if (!state || !event_name)
        return false;
    for (int e = 0; e < APP_FLOW_EV_COUNT; e++) {
        if (!(state->flow_events & (1u << e)))
            continue;
        const char *n = app_flow_event_names[e];
        if (strcasecmp(n, event_name) == 0 || strcasecmp(n + strlen("APPLAYER_"), event_name) == 0)
            return true;
    }
    return false;
}

static void app_parse_ctx_init(struct app_parse_ctx *pc, struct app_layer_thread_ctx *t,
                               struct flow *flow, const struct packet *packet)
{
    memset(pc, 0, sizeof(*pc));
    pc->thread = t;
    pc->flow = flow;
    pc->packet = packet;
    pc->ts_usec = packet ? packet->ts_usec : (flow ? flow->last_usec : 0);
}

static void app_flow_set_proto(struct app_flow_state *st, struct flow *flow, uint16_t proto)
{
    st->proto = proto;
    if (flow) {
        flow->app_proto = proto;
        flow->app_proto_toserver = proto;
        flow->app_proto_toclient = proto;
    }
}

/* Starts the parser for the detected protocol. Returns false if its state
 * could not be created (memcap/ENOMEM): the flow is then treated as failed. */
static bool app_parser_start(struct app_flow_state *st, struct flow *flow,
                             const struct packet *packet, const struct app_parser *p,
                             void *expectation_data)
{
    struct app_parse_ctx pc;
    app_parse_ctx_init(&pc, st->thread, flow, packet);
    pc.expectation_data = expectation_data;
    pc.proto_orig = st->proto_orig;
    st->parser = p;
    st->parser_state = p->state_new ? p->state_new(&pc) : NULL;
    if (p->state_new && !st->parser_state) {
        st->parser = NULL;
        st->thread->stats.errors[p->proto]++;
        st->thread->stats.errors_udp[p->proto] += st->is_udp;
        app_flow_set_proto(st, flow, APP_PROTO_FAILED);
        return false;
    }
    app_flow_set_proto(st, flow, p->proto);
    st->thread->stats.flows[p->proto]++;
    if (st->is_udp)
        st->thread->stats.flows_udp[p->proto]++;
    /* detection-only: recognised, never parsed */
    st->parser_gave_up = p->proto < APP_PROTO_MAX && st->thread->cfg.detection_only[p->proto];
    st->dir_proto[0] = st->dir_proto[1] = p->proto;
    return true;
}

static void app_parser_feed(struct app_flow_state *st, struct flow *flow,
                            const struct packet *packet, uint8_t direction, const uint8_t *data,
                            uint32_t len, uint32_t flags);

/* Protocol change requested by the parser after a parse call. */
static void app_check_switch(struct app_flow_state *st, struct flow *flow,
                             const struct packet *packet, bool now)
{
    if (!st->parser || !st->parser->switch_proto || !st->parser_state)
        return;
    uint16_t np = st->parser->switch_proto(st->parser_state);
    if (np == APP_PROTO_UNKNOWN || np == st->parser->proto)
        return;
    /* A change to a known protocol whose parser takes the old one's data
     * (an h2c upgrade) waits for the next data: detection sees the old
     * parser's last transaction (the request answered with 101) first. */
    if (!now && np != APP_PROTO_DETECT_AGAIN && st->parser->switch_data) {
        st->switch_pending = true;
        return;
    }
    st->switch_pending = false;
    if (st->proto_orig == APP_PROTO_UNKNOWN)
        st->proto_orig = st->parser->proto;
    st->dir_checked[0] = st->dir_checked[1] = true; /* no mismatch checks after a change */
    struct app_parse_ctx pc;
    app_parse_ctx_init(&pc, st->thread, flow, packet);
    void (*data_free)(void *) = NULL;
    void *data = st->parser->switch_data ? st->parser->switch_data(st->parser_state, &data_free)
                                         : NULL;
    if (st->parser->flow_end)
        st->parser->flow_end(st->parser_state, &pc);
    app_parser_state_free(st);
    if (np == APP_PROTO_DETECT_AGAIN) {
        if (data && data_free)
            data_free(data);
        st->proto = APP_PROTO_UNKNOWN;
        st->dir_state[0] = st->dir_state[1] = APP_DIR_PROBING;
        st->have_first_dir = false;
        st->probe_len[0] = st->probe_len[1] = 0;
        return;
    }
    const struct app_parser *next = NULL;
    for (size_t i = 0; i < st->thread->parser_count; i++) {
        const struct app_parser *p = st->thread->parsers[i];
        if (p->proto == np && (p->ipprotos & (st->is_udp ? APP_IPPROTO_UDP : APP_IPPROTO_TCP))) {
            next = p;
            break;
        }
    }
    if (!next) {
        /* the new protocol is disabled: the flow stays what it was (an h2c
         * upgrade with http2 disabled stays http), unparsed from here */
        if (data && data_free)
            data_free(data);
        app_flow_set_proto(st, flow, st->proto_orig);
        return;
    }
    app_parser_start(st, flow, packet, next, data);
    if (data && data_free)
        data_free(data);
}

static void app_parser_feed(struct app_flow_state *st, struct flow *flow,
                            const struct packet *packet, uint8_t direction, const uint8_t *data,
                            uint32_t len, uint32_t flags)
{
    if (st->switch_pending)
        app_check_switch(st, flow, packet, true);
    if (!st->parser || st->parser_gave_up)
        return;
    struct app_parse_ctx pc;
    app_parse_ctx_init(&pc, st->thread, flow, packet);
    if ((st->parser->frame_names || (!st->is_udp && app_layer_stream_frames_active())) &&
        app_layer_frames_active()) {
        if (!st->frames)
            st->frames = app_frames_new(st->thread, !st->is_udp);
        if (st->frames) {
            app_frames_set_parser(st->frames, st->parser);
            pc.frames = st->frames;
            pc.stream_offset = app_frames_stream_offset(st->frames, direction);
        }
    }
    uint64_t sim = st->thread->cfg.simulate_error_at[direction & 1];
    bool simulated = sim && len && st->fed[direction & 1] + len >= sim;
    st->fed[direction & 1] += len;
    int rc = simulated ? -1 : st->parser->parse(st->parser_state, &pc, direction, data, len, flags);
    if (pc.frames) {
        app_frames_fill(pc.frames, direction, pc.stream_offset, data, len);
        if (!st->is_udp && app_layer_stream_frames_active())
            app_frames_add_stream(pc.frames, direction, pc.stream_offset, data, len);
        app_frames_stream_advance(pc.frames, direction, len);
    }
    if (rc < 0) {
        st->parser_gave_up = true;
        st->thread->stats.errors[st->parser->proto]++;
        if (st->is_udp)
            st->thread->stats.errors_udp[st->parser->proto]++;
        return;
    }
    app_check_switch(st, flow, packet, false);
}

/* The flow's protocol was just decided: replay the probe buffers to the parser,
 * the direction that spoke first first. */
static void app_replay_buffers(struct app_flow_state *st, struct flow *flow,
                               const struct packet *packet)
{
    uint8_t order[2] = {st->first_dir, (uint8_t)(st->first_dir ^ 1)};
    /* The buffers must survive a protocol switch inside the replay. */
    uint8_t *bufs[2] = {st->probe_buf[0], st->probe_buf[1]};
    uint32_t lens[2] = {st->probe_len[0], st->probe_len[1]};
    st->probe_buf[0] = st->probe_buf[1] = NULL;
    st->probe_len[0] = st->probe_len[1] = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t d = order[i];
        if (lens[d] && st->parser)
            app_parser_feed(st, flow, packet, d, bufs[d], lens[d], 0);
    }
    for (int d = 0; d < 2; d++) {
        if (bufs[d]) {
            free(bufs[d]);
            app_thread_memory_release(st->thread, APP_PROBE_BUFFER);
        }
    }
}

static void app_detection_failed_check(struct app_flow_state *st, struct flow *flow)
{
    bool f0 = st->dir_state[0] == APP_DIR_FAILED, f1 = st->dir_state[1] == APP_DIR_FAILED;
    bool quiet0 = st->probe_len[0] == 0 && st->eof[0], quiet1 = st->probe_len[1] == 0 && st->eof[1];
    if ((f0 && f1) || (f0 && quiet1) || (f1 && quiet0)) {
        if (st->proto_orig != APP_PROTO_UNKNOWN) {
            /* Nothing recognisable after CONNECT/Upgrade: the flow stays what
             * it was (Suricata keeps http), with no parser for the rest. */
            app_flow_set_proto(st, flow, st->proto_orig);
            app_probe_buffers_free(st);
            st->parser_gave_up = true;
            return;
        }
        app_flow_set_proto(st, flow, APP_PROTO_FAILED);
        st->thread->stats.flows[APP_PROTO_FAILED]++;
        st->thread->stats.flows_udp[APP_PROTO_FAILED] += st->is_udp;
        app_probe_buffers_free(st);
    }
}

static bool app_try_expectation(struct app_flow_state *st, struct flow *flow,
                                const struct packet *packet)
{
    struct app_expectation e;
    uint64_t now = packet ? packet->ts_usec : flow->last_usec;
    if (!app_expectation_take(st->thread, flow, now, &e))
        return false;
    const struct app_parser *p = NULL;
    for (size_t i = 0; i < st->thread->parser_count; i++)
        if (st->thread->parsers[i]->proto == e.app_proto)
            p = st->thread->parsers[i];
    bool ok = p && app_parser_start(st, flow, packet, p, e.data);
    if (e.data && e.data_free)
        e.data_free(e.data);
    return ok;
}

/* The flow was decided by the other direction: this direction's first data
 * is probed too. A different protocol is Suricata's "mismatch protocol both
 * directions": the flow then reports the to-server protocol (app_proto) and
 * each direction its own (app_proto_ts/tc); the running parser stays. */
static void app_mismatch_check(struct app_flow_state *st, struct flow *flow,
                               const struct packet *packet, uint8_t direction, const uint8_t *data,
                               uint32_t len)
{
    st->dir_checked[direction] = true;
    if (st->dir_state[direction] == APP_DIR_DONE || !st->parser)
        return;
    struct app_layer_thread_ctx *t = st->thread;
    bool need_more = false;
    uint32_t n = len < APP_PROBE_BUFFER ? len : APP_PROBE_BUFFER;
    const struct app_parser *p =
        app_detect_probe(t->parsers, t->parser_count, APP_IPPROTO_TCP, data, n, direction,
                         flow->key.dst_port, flow->key.src_port, true, &need_more);
    if (!p || p->proto == st->parser->proto)
        return;
    /* Ambiguous bytes (an FTP and an SMTP banner look alike) are no mismatch
     * if the running parser's own probe accepts them too. */
    if (st->parser->probe && st->parser->probe(data, n, direction) != APP_PROBE_NO)
        return;
    st->dir_proto[direction] = p->proto;
    st->flow_events |= 1u << APP_FLOW_EV_MISMATCH_BOTH_DIRECTIONS;
    st->proto = st->dir_proto[0];
    if (flow) {
        flow->app_proto = st->proto;
        flow->app_proto_toserver = st->dir_proto[0];
        flow->app_proto_toclient = st->dir_proto[1];
    }
    const struct app_event_sink *s = &t->sink;
    if (s->anomaly)
        s->anomaly(s->user, flow, packet, st->parser->proto,
                   app_flow_event_names[APP_FLOW_EV_MISMATCH_BOTH_DIRECTIONS]);
}

/* ---------- built-in field inspection ---------- */

struct app_inspect_walk {
    struct app_flow_state *st;
    struct flow *flow;
    const struct packet *packet;
    bool final;
};

static int app_inspect_one(struct app_tx *tx, void *user)
{
    struct app_inspect_walk *iw = user;
    const struct app_event_sink *s = &iw->st->thread->sink;
    for (uint8_t d = 0; d < 2; d++) {
        uint8_t bit = (uint8_t)(1u << d);
        if (tx->inspect_done & bit)
            continue;
        int td = app_tx_direction(tx);
        if (td >= 0 && td != d) {
            tx->inspect_done |= bit; /* a one-way transaction has nothing the other way */
            continue;
        }
        if (!iw->final && !app_tx_complete(tx, d))
            continue;
        s->tx_inspect(s->user, iw->flow, iw->packet, tx, d);
        tx->inspect_done |= bit;
    }
    return 0;
}

/* Hands every transaction direction that became complete to the sink's
 * inspector (final: all that are left, at flow end). */
static void app_inspect_txs(struct app_flow_state *st, struct flow *flow,
                            const struct packet *packet, bool final)
{
    if (!st || !st->thread->sink.tx_inspect || !app_layer_inspection_active())
        return;
    struct app_inspect_walk iw = {.st = st, .flow = flow, .packet = packet, .final = final};
    app_flow_state_tx_foreach(st, app_inspect_one, &iw);
}

void app_parser_file_closed(struct app_parse_ctx *ctx, const struct app_file *file)
{
    const struct app_event_sink *s = &ctx->thread->sink;
    if (s->file_closed && app_layer_inspection_active())
        s->file_closed(s->user, ctx->flow, ctx->packet, file);
}

static void app_handle_tcp_data(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                                struct flow *flow, const struct packet *packet, uint8_t direction,
                                const uint8_t *data, uint32_t len, uint32_t flags);

bool app_flow_state_parser_failed(const struct app_flow_state *state)
{
    return state && state->parser && state->parser_gave_up;
}

bool app_flow_state_take_reverse(struct app_flow_state *state)
{
    if (!state || !state->reverse_pending)
        return false;
    state->reverse_pending = false;
    state->dir_xor = 0;
    return true;
}

/* The first data of the flow did not match any protocol as sent in its
 * direction: tries the other direction, as Suricata's protocol detection does
 * (a DNS response, an HTTP response or a server banner seen first). On a
 * match the flow is reversed: its key is swapped now, so that what the parser
 * logs has the client as source, the probe state follows the data, and the
 * caller learns it through app_flow_state_take_reverse(). TCP flows are only
 * reversed when their session was picked up midstream and nothing came from
 * the other side yet. Returns the parser, or NULL. */
static const struct app_parser *app_detect_reverse(struct app_flow_state *st, struct flow *flow,
                                                   uint8_t *direction, uint8_t ipproto_bit,
                                                   const uint8_t *data, uint32_t len, bool final)
{
    uint8_t d = *direction;
    if (st->reverse_pending || st->dir_state[d ^ 1] != APP_DIR_PROBING || st->probe_len[d ^ 1])
        return NULL;
    if (ipproto_bit == APP_IPPROTO_TCP && !stream_session_midstream(flow))
        return NULL;
    bool need_more = false;
    const struct app_parser *p =
        app_detect_probe(st->thread->parsers, st->thread->parser_count, ipproto_bit, data, len,
                         d ^ 1, flow->key.src_port, flow->key.dst_port, final, &need_more);
    if (!p)
        return NULL;
    flow_swap(flow);
    st->dir_xor ^= 1;
    st->reverse_pending = true;
    uint8_t *b = st->probe_buf[0];
    st->probe_buf[0] = st->probe_buf[1];
    st->probe_buf[1] = b;
    uint32_t l = st->probe_len[0];
    st->probe_len[0] = st->probe_len[1];
    st->probe_len[1] = l;
    uint8_t ds = st->dir_state[0];
    st->dir_state[0] = st->dir_state[1];
    st->dir_state[1] = ds;
    bool e = st->eof[0];
    st->eof[0] = st->eof[1];
    st->eof[1] = e;
    uint32_t u = st->udp_probes[0];
    st->udp_probes[0] = st->udp_probes[1];
    st->udp_probes[1] = u;
    st->first_dir ^= 1;
    *direction = d ^ 1;
    return p;
}

void app_layer_handle_tcp_data(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                               struct flow *flow, const struct packet *packet, uint8_t direction,
                               const uint8_t *data, uint32_t len, uint32_t flags)
{
    if (!ctx || !state || !flow || direction > 1)
        return;
    app_handle_tcp_data(ctx, state, flow, packet, direction, data, len, flags);
    if (*state)
        app_inspect_txs(*state, flow, packet, false);
}

static void app_handle_tcp_data(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                                struct flow *flow, const struct packet *packet, uint8_t direction,
                                const uint8_t *data, uint32_t len, uint32_t flags)
{
    if (!*state) {
        *state = app_flow_state_new(ctx, false);
        if (!*state)
            return;
        app_try_expectation(*state, flow, packet);
    }
    struct app_flow_state *st = *state;
    direction ^= st->dir_xor;
    if (st->proto == APP_PROTO_FAILED)
        return;
    if (flags & APP_DATA_EOF)
        st->eof[direction] = true;

    if (st->proto != APP_PROTO_UNKNOWN) {
        if (!st->dir_checked[direction] && data && len && !(flags & APP_DATA_GAP))
            app_mismatch_check(st, flow, packet, direction, data, len);
        app_parser_feed(st, flow, packet, direction, (flags & APP_DATA_GAP) ? NULL : data, len,
                        flags);
        return;
    }

    /* Detection. */
    if (st->dir_state[direction] == APP_DIR_FAILED) {
        app_detection_failed_check(st, flow);
        return;
    }
    if (flags & APP_DATA_GAP) {
        st->dir_state[direction] = APP_DIR_FAILED;
        app_detection_failed_check(st, flow);
        return;
    }
    if (len > 0 && data) {
        if (!st->have_first_dir) {
            st->first_dir = direction;
            st->have_first_dir = true;
        }
        if (!st->probe_buf[direction]) {
            if (!app_thread_memory_reserve(ctx, APP_PROBE_BUFFER))
                return;
            st->probe_buf[direction] = malloc(APP_PROBE_BUFFER);
            if (!st->probe_buf[direction]) {
                app_thread_memory_release(ctx, APP_PROBE_BUFFER);
                return;
            }
        }
    }
    /* Bytes past the probe buffer can't be probed; they are replayed only if
     * they fit. Larger first chunks are probed in place. */
    const uint8_t *probe_data = data;
    uint32_t probe_len = len;
    uint32_t room = APP_PROBE_BUFFER - st->probe_len[direction];
    bool overflow = false;
    if (len > 0 && data) {
        if (st->probe_len[direction] == 0 && len > APP_PROBE_BUFFER) {
            overflow = true; /* probe this chunk directly */
        } else {
            uint32_t n = len < room ? len : room;
            memcpy(st->probe_buf[direction] + st->probe_len[direction], data, n);
            st->probe_len[direction] += n;
            if (n < len)
                overflow = true;
            probe_data = st->probe_buf[direction];
            probe_len = st->probe_len[direction];
        }
    } else {
        probe_data = st->probe_buf[direction];
        probe_len = st->probe_len[direction];
    }
    if (probe_len == 0) {
        /* A direction that ended without data fails only beside one that
         * had some: a flow with no payload at all (a SYN to a closed port)
         * was never detected, so it has no app_proto, as in Suricata. */
        if (st->eof[direction] && st->have_first_dir) {
            st->dir_state[direction] = APP_DIR_FAILED;
            app_detection_failed_check(st, flow);
        }
        return;
    }

    bool final = overflow || probe_len >= APP_PROBE_BUFFER || st->eof[direction];
    bool need_more = false;
    const struct app_parser *p =
        app_detect_probe(ctx->parsers, ctx->parser_count, APP_IPPROTO_TCP, probe_data, probe_len,
                         direction, flow->key.dst_port, flow->key.src_port, final, &need_more);
    if (!p && (!need_more || final)) {
        p = app_detect_reverse(st, flow, &direction, APP_IPPROTO_TCP, probe_data, probe_len,
                               final);
        if (p && probe_data != data)
            probe_data = st->probe_buf[direction];
    }
    if (!p) {
        if (!need_more || final) {
            st->dir_state[direction] = APP_DIR_FAILED;
            app_detection_failed_check(st, flow);
        }
        return;
    }
    st->dir_state[direction] = APP_DIR_DONE;
    st->dir_checked[direction] = true;
    if (!app_parser_start(st, flow, packet, p, NULL)) {
        app_probe_buffers_free(st);
        return;
    }
    /* The other direction's buffered bytes (if any) failed or were still
     * undecided: check them for a mismatch before they are replayed. */
    if (st->probe_len[direction ^ 1] && !st->dir_checked[direction ^ 1])
        app_mismatch_check(st, flow, packet, direction ^ 1, st->probe_buf[direction ^ 1],
                           st->probe_len[direction ^ 1]);
    if (probe_data == data) {
        /* First chunk larger than the buffer, probed in place: nothing of
         * this direction is buffered, so replay the other one, then the chunk. */
        app_replay_buffers(st, flow, packet);
        app_parser_feed(st, flow, packet, direction, data, len, flags);
        return;
    }
    app_replay_buffers(st, flow, packet);
    if (overflow) {
        uint32_t done = len < room ? len : room;
        app_parser_feed(st, flow, packet, direction, data + done, len - done, flags);
    } else if (flags & APP_DATA_EOF) {
        app_parser_feed(st, flow, packet, direction, NULL, 0, flags);
    }
}

static void app_handle_udp(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                           struct flow *flow, const struct packet *packet, uint8_t direction,
                           const uint8_t *data, uint32_t len);

void app_layer_handle_udp(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                          struct flow *flow, const struct packet *packet, uint8_t direction,
                          const uint8_t *data, uint32_t len)
{
    if (!ctx || !state || !flow || direction > 1)
        return;
    app_handle_udp(ctx, state, flow, packet, direction, data, len);
    if (*state)
        app_inspect_txs(*state, flow, packet, false);
}

static void app_handle_udp(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                           struct flow *flow, const struct packet *packet, uint8_t direction,
                           const uint8_t *data, uint32_t len)
{
    if (!*state) {
        *state = app_flow_state_new(ctx, true);
        if (!*state)
            return;
        app_try_expectation(*state, flow, packet);
    }
    struct app_flow_state *st = *state;
    direction ^= st->dir_xor;
    if (st->proto == APP_PROTO_FAILED)
        return;
    if (st->proto == APP_PROTO_UNKNOWN) {
        if (st->dir_state[direction] == APP_DIR_FAILED || !data || len == 0)
            return;
        bool need_more = false;
        const struct app_parser *p =
            app_detect_probe(ctx->parsers, ctx->parser_count, APP_IPPROTO_UDP, data, len, direction,
                             flow->key.dst_port, flow->key.src_port, true, &need_more);
        if (!p && st->udp_probes[0] == 0 && st->udp_probes[1] == 0)
            p = app_detect_reverse(st, flow, &direction, APP_IPPROTO_UDP, data, len, true);
        if (!p) {
            if (++st->udp_probes[direction] >= APP_UDP_PROBE_DATAGRAMS) {
                st->dir_state[direction] = APP_DIR_FAILED;
                if (st->dir_state[direction ^ 1] == APP_DIR_FAILED) {
                    app_flow_set_proto(st, flow, APP_PROTO_FAILED);
                    ctx->stats.flows[APP_PROTO_FAILED]++;
                    ctx->stats.flows_udp[APP_PROTO_FAILED]++;
                }
            }
            return;
        }
        st->dir_state[direction] = APP_DIR_DONE;
        if (!app_parser_start(st, flow, packet, p, NULL))
            return;
    }
    app_parser_feed(st, flow, packet, direction, data, len, 0);
}

/* ---------- SCTP ---------- */

#define SCTP_PPID_DIAMETER 46u
#define SCTP_PORT_DIAMETER 3868u
#define APP_SCTP_PROBE_CHUNKS 8u

/* One DATA chunk (d: the whole chunk, clen >= 16 bytes). SCTP names the
 * protocol of each chunk (its PPID), so detection takes that (or, for
 * PPID 0, Diameter's port and content check) rather than the probes. */
static void app_sctp_data(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                          struct flow *flow, const struct packet *packet, uint8_t direction,
                          const uint8_t *d, uint32_t clen)
{
    uint32_t tsn = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];
    uint32_t ppid = (uint32_t)d[12] << 24 | (uint32_t)d[13] << 16 | (uint32_t)d[14] << 8 | d[15];
    const uint8_t *data = d + 16;
    uint32_t n = clen - 16;
    if (!*state) {
        *state = app_flow_state_new(ctx, false);
        if (!*state)
            return;
    }
    struct app_flow_state *st = *state;
    uint8_t dir = (direction ^ st->dir_xor) & 1;
    if (st->proto == APP_PROTO_FAILED)
        return;
    bool gap = false;
    if (st->sctp_have_tsn[dir]) {
        int32_t diff = (int32_t)(tsn - st->sctp_next_tsn[dir]);
        if (diff < 0)
            return; /* a retransmission of what was delivered */
        gap = diff > 0;
    }
    st->sctp_have_tsn[dir] = true;
    st->sctp_next_tsn[dir] = tsn + 1;
    bool port = flow->key.src_port == SCTP_PORT_DIAMETER || flow->key.dst_port == SCTP_PORT_DIAMETER;
    bool ours = ppid == SCTP_PPID_DIAMETER || (ppid == 0 && port);
    if (st->proto == APP_PROTO_UNKNOWN) {
        /* Suricata parses nothing over SCTP: an association that is not
         * ours stays without app_proto (not "failed"), just unprobed. */
        if (st->udp_probes[0] + st->udp_probes[1] >= APP_SCTP_PROBE_CHUNKS)
            return;
        bool enabled = ctx->cfg.enabled[APP_PROTO_DIAMETER] && app_parser_diameter.probe;
        bool begin = d[1] & 0x02;
        if (!enabled || !ours ||
            (begin && ppid == 0 &&
             app_parser_diameter.probe(data, n, dir) != APP_PROBE_MATCH)) {
            st->udp_probes[dir]++;
            return;
        }
        if (!begin)
            return; /* the middle of a message: wait for one that starts */
        if (!app_parser_start(st, flow, packet, &app_parser_diameter, NULL))
            return;
        gap = false;
    }
    if (st->parser != &app_parser_diameter || !ours)
        return;
    /* After a lost TSN the framer restarts at the next chunk that begins a
     * message (B flag), not somewhere inside the one that was cut. */
    if (gap)
        st->sctp_wait_begin[dir] = true;
    if (st->sctp_wait_begin[dir]) {
        if (!(d[1] & 0x02))
            return;
        st->sctp_wait_begin[dir] = false;
        app_parser_feed(st, flow, packet, dir, NULL, 0, APP_DATA_GAP);
    }
    if (n)
        app_parser_feed(st, flow, packet, dir, data, n, 0);
}

void app_layer_handle_sctp(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                           struct flow *flow, const struct packet *packet, uint8_t direction,
                           const uint8_t *chunks, uint32_t len)
{
    if (!ctx || !state || !flow || direction > 1 || !chunks)
        return;
    uint32_t off = 0;
    for (uint32_t i = 0; i < 64 && len - off >= 4; i++) {
        uint32_t clen = (uint32_t)chunks[off + 2] << 8 | chunks[off + 3];
        if (clen < 4 || clen > len - off)
            break; /* the decoder reported it */
        if (chunks[off] == 0 && clen >= 16)
            app_sctp_data(ctx, state, flow, packet, direction, chunks + off, clen);
        uint32_t step = (clen + 3) & ~3u;
        if (step >= len - off)
            break;
        off += step;
    }
    if (*state)
        app_inspect_txs(*state, flow, packet, false);
}

void app_layer_tunnel_gtpu(struct app_layer_thread_ctx *ctx, struct flow *flow,
                           const struct packet *outer, uint8_t direction, const uint8_t *hdr,
                           uint32_t hdr_len, const struct ip_address *inner_src,
                           const struct ip_address *inner_dst, bool gtp_inside)
{
    if (!ctx || !flow || !hdr)
        return;
    struct app_parse_ctx pc;
    app_parse_ctx_init(&pc, ctx, flow, outer);
    app_gtp_tunnel_log(&pc, direction, hdr, hdr_len, inner_src, inner_dst, gtp_inside);
}

void app_layer_flow_end(struct app_layer_thread_ctx *ctx, struct app_flow_state *state,
                        struct flow *flow)
{
    if (!ctx || !state)
        return;
    /* Undecided at the end with a direction that failed: "failed" (Suricata
     * reports such one-sided flows, e.g. NetBIOS broadcasts, that way). */
    if (state->proto == APP_PROTO_UNKNOWN && state->proto_orig != APP_PROTO_UNKNOWN) {
        app_flow_set_proto(state, flow, state->proto_orig);
    } else if (state->proto == APP_PROTO_UNKNOWN &&
               (state->dir_state[0] == APP_DIR_FAILED || state->dir_state[1] == APP_DIR_FAILED)) {
        app_flow_set_proto(state, flow, APP_PROTO_FAILED);
        ctx->stats.flows[APP_PROTO_FAILED]++;
        ctx->stats.flows_udp[APP_PROTO_FAILED] += state->is_udp;
        app_probe_buffers_free(state);
    }
    if (!state->parser || !state->parser->flow_end) {
        app_inspect_txs(state, flow, NULL, true);
        return;
    }
    struct app_parse_ctx pc;
    app_parse_ctx_init(&pc, ctx, flow, NULL);
    state->parser->flow_end(state->parser_state, &pc);
    app_inspect_txs(state, flow, NULL, true);
}

/* ---------- transactions ---------- */

int app_flow_state_tx_foreach(struct app_flow_state *state,
                              int (*fn)(struct app_tx *tx, void *user), void *user)
{
    if (!state || !state->parser || !state->parser_state || !state->parser->tx_foreach)
        return 0;
    return state->parser->tx_foreach(state->parser_state, fn, user);
}

uint16_t app_tx_changes(const struct app_tx *tx)
{
    return tx ? tx->changes : 0;
}

uint64_t app_tx_id(const struct app_tx *tx)
{
    return tx->id;
}

int app_tx_direction(const struct app_tx *tx)
{
    if (!tx->parser || !tx->parser->tx_direction)
        return -1;
    return tx->parser->tx_direction(tx);
}

bool app_tx_complete(const struct app_tx *tx, uint8_t direction)
{
    if (!tx->parser || !tx->parser->tx_complete)
        return true;
    return tx->parser->tx_complete(tx, direction);
}

int app_tx_get_buffer(const struct app_tx *tx, enum app_buffer buffer, uint32_t index,
                      const uint8_t **data, uint32_t *len)
{
    if (!tx->parser || !tx->parser->tx_get_buffer)
        return -ENOENT;
    return tx->parser->tx_get_buffer(tx, buffer, index, data, len);
}

bool app_tx_events_on_packet(const struct app_tx *tx)
{
    return tx->parser && tx->parser->events_on_packet;
}

bool app_tx_has_event(const struct app_tx *tx, const char *event_name)
{
    if (!tx->parser || !tx->parser->tx_has_event || !event_name)
        return false;
    const char *dot = strchr(event_name, '.');
    if (dot) {
        size_t n = (size_t)(dot - event_name);
        const char *pn = tx->parser->name;
        bool same = strlen(pn) == n && strncasecmp(pn, event_name, n) == 0;
        if (!same && !(n == 3 && strncasecmp(event_name, "tls", 3) == 0 &&
                       tx->parser->proto == APP_PROTO_TLS))
            return false;
        event_name = dot + 1;
    }
    return tx->parser->tx_has_event(tx, event_name);
}

int app_tx_get_buffer_dir(const struct app_tx *tx, enum app_buffer buffer, uint8_t direction,
                          uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (tx->parser && tx->parser->tx_get_buffer_dir) {
        int rc = tx->parser->tx_get_buffer_dir(tx, buffer, direction & 1, index, data, len);
        if (rc != -EAGAIN)
            return rc;
    }
    return app_tx_get_buffer(tx, buffer, index, data, len);
}

int app_tx_get_buffer_arg(const struct app_tx *tx, enum app_buffer buffer, uint32_t arg,
                          uint32_t index, const uint8_t **data, uint32_t *len)
{
    if (tx->parser && tx->parser->tx_get_buffer_arg)
        return tx->parser->tx_get_buffer_arg(tx, buffer, arg, index, data, len);
    return -ENOENT;
}

void *app_flow_parser_state(const struct flow *f, uint16_t proto)
{
    if (!f || !f->app || f->app->proto != proto)
        return NULL;
    return f->app->parser_state;
}

bool app_tx_vigil_only(const struct app_tx *tx)
{
    return tx->parser && tx->parser->vigil_only;
}

void app_tx_write_json(const struct app_tx *tx, struct json_writer *w)
{
    if (tx->parser && tx->parser->tx_write_json)
        tx->parser->tx_write_json(tx, w);
}

/* ---------- integer keywords ---------- */

static const struct app_uint_field *app_uint_field_find(const struct app_parser *p,
                                                        const char *keyword, uint16_t *app_proto,
                                                        uint16_t *field)
{
    if (!p || !p->uint_fields)
        return NULL;
    for (uint16_t f = 0; f < p->n_uint_fields; f++) {
        if (strcmp(p->uint_fields[f].keyword, keyword) != 0)
            continue;
        if (app_proto)
            *app_proto = p->proto;
        if (field)
            *field = f;
        return &p->uint_fields[f];
    }
    return NULL;
}

const struct app_uint_field *app_uint_field_at(size_t i, uint16_t *app_proto, uint16_t *field)
{
    for (size_t r = 0; r < APP_REGISTRY_SIZE + APP_L2_PARSERS; r++) {
        const struct app_parser *p =
            r < APP_REGISTRY_SIZE ? app_registry(r) : app_l2_parser(r - APP_REGISTRY_SIZE);
        if (!p || !p->uint_fields)
            continue;
        if (i < p->n_uint_fields) {
            *app_proto = p->proto;
            *field = (uint16_t)i;
            return &p->uint_fields[i];
        }
        i -= p->n_uint_fields;
    }
    return NULL;
}

const struct app_uint_field *app_uint_keyword_lookup(const char *keyword, uint16_t *app_proto,
                                                     uint16_t *field)
{
    if (!keyword)
        return NULL;
    const struct app_uint_field *f = NULL;
    for (size_t i = 0; i < APP_REGISTRY_SIZE && !f; i++)
        f = app_uint_field_find(app_registry(i), keyword, app_proto, field);
    for (size_t i = 0; i < APP_L2_PARSERS && !f; i++)
        f = app_uint_field_find(app_l2_parser(i), keyword, app_proto, field);
    return f;
}

static const struct app_parser *app_any_parser(size_t r)
{
    return r < APP_REGISTRY_SIZE ? app_registry(r) : app_l2_parser(r - APP_REGISTRY_SIZE);
}

int app_uint_ref_resolve(const char *keyword, struct app_uint_ref *ref)
{
    memset(ref, 0, sizeof(*ref));
    int n = 0;
    for (size_t r = 0; keyword && r < APP_REGISTRY_SIZE + APP_L2_PARSERS; r++) {
        const struct app_parser *p = app_any_parser(r);
        uint16_t proto, f;
        if (!p || p->proto >= APP_PROTO_MAX || ref->field[p->proto] ||
            !app_uint_field_find(p, keyword, &proto, &f) || f >= UINT8_MAX)
            continue;
        ref->field[p->proto] = (uint8_t)(f + 1);
        n++;
    }
    return n;
}

static int app_parser_get_uint(const struct app_parser *p, const struct app_tx *tx, uint16_t field,
                               uint32_t index, uint64_t *value, const char **name)
{
    const char *n = NULL;
    if (!p->tx_get_field_uint || field >= p->n_uint_fields)
        return -ENOENT;
    int rc = p->tx_get_field_uint(tx, field, index, value, &n);
    if (name)
        *name = rc == 0 ? n : NULL;
    return rc;
}

int app_tx_get_uint_ref(const struct app_tx *tx, const struct app_uint_ref *ref, uint32_t index,
                        uint64_t *value, const char **name)
{
    const struct app_parser *p = tx ? tx->parser : NULL;
    if (!p || p->proto >= APP_PROTO_MAX || !ref->field[p->proto])
        return -ENOENT;
    return app_parser_get_uint(p, tx, (uint16_t)(ref->field[p->proto] - 1), index, value, name);
}

int app_tx_get_uint_by_name(const struct app_tx *tx, const char *keyword, uint32_t index,
                            uint64_t *value, const char **name)
{
    struct app_uint_ref ref;
    if (app_uint_ref_resolve(keyword, &ref) == 0)
        return -ENOENT;
    return app_tx_get_uint_ref(tx, &ref, index, value, name);
}

int app_tx_get_field_uint(const struct app_tx *tx, uint16_t app_proto, uint16_t field,
                          uint32_t index, uint64_t *value, const char **name)
{
    const struct app_parser *p = tx ? tx->parser : NULL;
    if (!p || p->proto != app_proto)
        return -ENOENT;
    return app_parser_get_uint(p, tx, field, index, value, name);
}

int app_uint_value_from_name(const char *keyword, const char *name, uint64_t *value)
{
    int best = -1;
    for (size_t r = 0; keyword && name && r < APP_REGISTRY_SIZE + APP_L2_PARSERS; r++) {
        const struct app_parser *p = app_any_parser(r);
        uint16_t proto, f;
        const struct app_uint_field *uf = app_uint_field_find(p, keyword, &proto, &f);
        if (!uf)
            continue;
        for (const struct app_uint_enum *e = uf->names; e && e->name; e++)
            if (!strcasecmp(e->name, name)) {
                *value = e->value;
                return 1;
            }
        if (!p->uint_value_from_name)
            continue;
        uint64_t v = 0;
        int rc = p->uint_value_from_name(f, name, &v);
        if (rc == 1) {
            *value = v;
            return 1;
        }
        if (rc == 0)
            best = 0;
    }
    return best;
}

uint16_t app_tx_proto(const struct app_tx *tx)
{
    return tx && tx->parser ? tx->parser->proto : APP_PROTO_UNKNOWN;
}

/* ---------- layer-2 protocols ---------- */

const struct app_tx *app_layer_handle_l2(struct app_layer_thread_ctx *ctx,
                                         const struct packet *packet)
{
    if (!ctx || !packet || !packet->l2_type)
        return NULL;
    for (size_t i = 0; i < APP_L2_PARSERS; i++) {
        const struct app_parser *p = app_l2_parser(i);
        if (!p || p->ethertype != packet->l2_type || !p->l2_frame || p->proto >= APP_PROTO_MAX ||
            !ctx->cfg.enabled[p->proto])
            continue;
        struct app_parse_ctx pc;
        app_parse_ctx_init(&pc, ctx, NULL, packet);
        if (!ctx->l2_state[i]) {
            ctx->l2_state[i] = p->state_new ? p->state_new(&pc) : NULL;
            if (!ctx->l2_state[i]) {
                ctx->stats.errors[p->proto]++;
                return NULL;
            }
        }
        return p->l2_frame(ctx->l2_state[i], &pc, packet->l2_payload, packet->l2_payload_len);
    }
    return NULL;
}

void app_layer_timeout(struct app_layer_thread_ctx *ctx, uint64_t now_usec)
{
    if (!ctx)
        return;
    for (size_t i = 0; i < APP_L2_PARSERS; i++) {
        const struct app_parser *p = app_l2_parser(i);
        if (!p || !ctx->l2_state[i] || !p->l2_timeout)
            continue;
        struct app_parse_ctx pc;
        app_parse_ctx_init(&pc, ctx, NULL, NULL);
        pc.ts_usec = now_usec;
        p->l2_timeout(ctx->l2_state[i], &pc, now_usec);
    }
}

/* ---------- industrial behaviour baselines ---------- */

struct ics_baseline *app_thread_baseline(struct app_layer_thread_ctx *thread)
{
    return thread ? thread->baseline : NULL;
}

int app_layer_baseline_check(const struct app_layer_config *cfg, char *err, size_t errlen)
{
    if (!cfg->baseline_enabled || !cfg->baseline_file)
        return 0;
    struct ics_baseline *b = ics_baseline_new(NULL, cfg);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = ics_baseline_load(b, cfg->baseline_file, err, errlen);
    ics_baseline_free(b);
    return rc;
}

int app_layer_baseline_save(struct app_layer_thread_ctx *const *ctxs, size_t n,
                            const char *path)
{
    struct ics_baseline *bs[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++)
        if (ctxs[i] && ctxs[i]->baseline)
            bs[k++] = ctxs[i]->baseline;
    if (!k || !path)
        return 0;
    return ics_baseline_save(bs, k, path);
}

/* ---------- frames (app_frame.c) ---------- */

struct app_frames *app_flow_state_frames(struct app_flow_state *state)
{
    return state ? state->frames : NULL;
}

const struct app_parser *app_parser_by_proto_index(uint16_t app_proto, size_t i)
{
    for (size_t r = 0; r < APP_REGISTRY_SIZE + APP_L2_PARSERS; r++) {
        const struct app_parser *p = app_any_parser(r);
        if (p && p->proto == app_proto && i-- == 0)
            return p;
    }
    return NULL;
}
