/* SPDX-License-Identifier: Apache-2.0 */
/* The rule parser: header, option splitting, and the keyword table. Payload
 * keywords (content and its modifiers, pcre, byte_*, isdataat, bsize,
 * transforms, sticky buffers) are in rule_parse_payload.c, flow, flow
 * variable and threshold keywords in rule_parse_flow.c, packet keywords in
 * rule_parse_packet.c; this file has the header, metadata and app-layer
 * keywords and the table of all keywords.
 *
 * Every failure fills struct rule_error with the keyword, a short reason
 * for the summary, and a message naming the bad value. Numbers are parsed
 * strictly (no trailing garbage, range-checked) so absurd values are
 * errors, never silently truncated. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "decode/decode_events.h"
#include "detect/detect_buffer.h"
#include "detect/detect_lua.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule_addr.h"
#include "detect/rule_internal.h"
#include "detect/rule_parse_internal.h"
#include "stream/stream.h"

/* ---- errors ---- */

int pctx_fail(struct pctx *pc, const char *fmt, ...)
{
    struct rule_error *e = pc->e;
    if (pc->failed)
        return -EINVAL;
    pc->failed = true;
    if (pc->kw && !e->keyword[0])
        snprintf(e->keyword, sizeof(e->keyword), "%s", pc->kw);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    if (!e->reason[0]) {
        if (pc->kw)
            snprintf(e->reason, sizeof(e->reason), "invalid '%s'", pc->kw);
        else
            snprintf(e->reason, sizeof(e->reason), "invalid rule header");
    }
    return -EINVAL;
}

int pctx_fail_reason(struct pctx *pc, const char *reason, const char *fmt, ...)
{
    struct rule_error *e = pc->e;
    if (pc->failed)
        return -EINVAL;
    snprintf(e->reason, sizeof(e->reason), "%s", reason);
    char msg[sizeof(e->message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return pctx_fail(pc, "%s", msg);
}

/* ---- small parsers ---- */

char *str_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -EINVAL;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    int base = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, base);
    if (errno == ERANGE)
        return -ERANGE;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -EINVAL;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    if (errno == ERANGE)
        return -ERANGE;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -EINVAL;
    if (v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int detect_uint_parse(const char *in, uint64_t max, struct detect_uint *out)
{
    char buf[128];
    if (strlen(in) >= sizeof(buf))
        return -EINVAL;
    snprintf(buf, sizeof(buf), "%s", in);
    char *s = str_trim(buf);
    memset(out, 0, sizeof(*out));
    bool neg = false;
    if (*s == '!') {
        neg = true;
        s = str_trim(s + 1);
    }
    char *rng = strstr(s, "<>");
    size_t rlen = 2;
    if (!rng && isdigit((unsigned char)*s)) {
        rng = strchr(s, '-');
        rlen = 1;
    }
    if (rng) {
        *rng = '\0';
        uint64_t a, b;
        if (parse_u64(s, max, &a) || parse_u64(rng + rlen, max, &b) || a >= b)
            return -EINVAL;
        out->mode = neg ? DETECT_UINT_NRANGE : DETECT_UINT_RANGE;
        out->a = a;
        out->b = b;
        return 0;
    }
    uint8_t mode = DETECT_UINT_EQ;
    if (s[0] == '<' && s[1] == '=') {
        mode = DETECT_UINT_LE;
        s += 2;
    } else if (s[0] == '>' && s[1] == '=') {
        mode = DETECT_UINT_GE;
        s += 2;
    } else if (s[0] == '<') {
        mode = DETECT_UINT_LT;
        s++;
    } else if (s[0] == '>') {
        mode = DETECT_UINT_GT;
        s++;
    } else if (s[0] == '=') {
        s++;
    }
    if (neg && mode != DETECT_UINT_EQ)
        return -EINVAL;
    uint64_t a;
    if (parse_u64(s, max, &a))
        return -EINVAL;
    if ((mode == DETECT_UINT_LT && a == 0) || (mode == DETECT_UINT_GT && a == max))
        return -EINVAL; /* can never match */
    out->mode = neg ? DETECT_UINT_NE : mode;
    out->a = a;
    return 0;
}

bool detect_uint_match(const struct detect_uint *u, uint64_t v)
{
    switch (u->mode) {
    case DETECT_UINT_EQ:
        return v == u->a;
    case DETECT_UINT_NE:
        return v != u->a;
    case DETECT_UINT_LT:
        return v < u->a;
    case DETECT_UINT_LE:
        return v <= u->a;
    case DETECT_UINT_GT:
        return v > u->a;
    case DETECT_UINT_GE:
        return v >= u->a;
    case DETECT_UINT_RANGE:
        return v > u->a && v < u->b;
    case DETECT_UINT_NRANGE:
        return !(v > u->a && v < u->b);
    case DETECT_UINT_BITAND:
        return (v & u->a) == u->a;
    case DETECT_UINT_MASK_EQ:
        return (v & u->a) == u->b;
    case DETECT_UINT_MASK_NE:
        return (v & u->a) != u->b;
    }
    return false;
}

/* Strips optional surrounding quotes and resolves \" \; \\ \: escapes.
 * Returns a malloc'd string (caller frees) or NULL with the error set. */
char *pctx_unquote(struct pctx *pc, const char *v)
{
    while (isspace((unsigned char)*v))
        v++;
    size_t len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    bool quoted = len && v[0] == '"';
    if (quoted) {
        if (len < 2 || v[len - 1] != '"' ||
            (len >= 3 && v[len - 2] == '\\' && (len < 4 || v[len - 3] != '\\'))) {
            pctx_fail(pc, "unterminated string");
            return NULL;
        }
        v++;
        len -= 2;
    }
    char *out = malloc(len + 1);
    if (!out) {
        pctx_fail(pc, "out of memory");
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '\\' && i + 1 < len) {
            char c = v[i + 1];
            if (c == '"' || c == ';' || c == '\\' || c == ':') {
                out[o++] = c;
                i++;
                continue;
            }
        }
        if (quoted && v[i] == '"') {
            free(out);
            pctx_fail(pc, "unescaped '\"' inside a string");
            return NULL;
        }
        out[o++] = v[i];
    }
    out[o] = '\0';
    return out;
}

/* Splits a comma list in place; returns the number of trimmed tokens. */
int split_commas(char *s, char **tok, int max)
{
    int n = 0;
    char *p = s;
    for (;;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        if (n == max)
            return -1;
        tok[n++] = str_trim(p);
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* ---- header ---- */

static const struct {
    const char *name;
    uint16_t app;
    uint8_t ipproto; /* 0 = tcp and udp */
} app_protos[] = {
    {"http", RULE_APP_HTTP, 6},
    {"http1", RULE_APP_HTTP1, 6},
    {"http2", RULE_APP_HTTP2, 6},
    {"dns", RULE_APP_DNS, 0},
    {"tls", RULE_APP_TLS, 6},
    {"ssh", RULE_APP_SSH, 6},
    {"smtp", RULE_APP_SMTP, 6},
    {"ftp", RULE_APP_FTP, 6},
    {"ftp-data", RULE_APP_FTP_DATA, 6},
    {"smb", RULE_APP_SMB, 6},
    {"dcerpc", RULE_APP_DCERPC, 0},
    {"krb5", RULE_APP_KRB5, 0},
    {"dhcp", RULE_APP_DHCP, 17},
    {"ntp", RULE_APP_NTP, 17},
    {"sip", RULE_APP_SIP, 0},
    {"snmp", RULE_APP_SNMP, 17},
    {"tftp", RULE_APP_TFTP, 17},
    {"imap", RULE_APP_IMAP, 6},
    {"pop3", RULE_APP_POP3, 6},
    {"quic", RULE_APP_QUIC, 17},
    {"rdp", RULE_APP_RDP, 6},
    {"mqtt", RULE_APP_MQTT, 6},
    {"ike", RULE_APP_IKE, 17},
    {"nfs", RULE_APP_NFS, 0},
    {"modbus", RULE_APP_MODBUS, 6},
    {"dnp3", RULE_APP_DNP3, 0}, /* vigil parses DNP3 over UDP too */
    {"enip", RULE_APP_ENIP, 0},
    {"irc", RULE_APP_IRC, 6},
    {"rfb", RULE_APP_RFB, 6},
    {"telnet", RULE_APP_TELNET, 6},
    {"pgsql", RULE_APP_PGSQL, 6},
    {"ldap", RULE_APP_LDAP, 0},
    {"websocket", RULE_APP_WEBSOCKET, 6},
    {"mdns", RULE_APP_MDNS, 17},
    {"bittorrent-dht", RULE_APP_BITTORRENT_DHT, 17},
    {"iec104", RULE_APP_IEC104, 6},
    {"s7comm", RULE_APP_S7COMM, 6},
    {"mms", RULE_APP_MMS, 6},
    {"c37118", RULE_APP_C37118, 0},
    {"bacnet", RULE_APP_BACNET, 17},
    {"opcua", RULE_APP_OPCUA, 6},
    {"goose", RULE_APP_GOOSE, 0}, /* layer 2: no IP header */
    {"sv", RULE_APP_SV, 0},
    {"profinet", RULE_APP_PROFINET, 0},
    {"fix", RULE_APP_FIX, 6},
    {"diameter", RULE_APP_DIAMETER, 0}, /* TCP and SCTP */
    {"gtp", RULE_APP_GTP, 17},
    {"iso8583", RULE_APP_ISO8583, 6},
    {"failed", RULE_APP_FAILED, 0},
};

const char *rule_app_proto_name(enum rule_app_proto p)
{
    for (size_t i = 0; i < sizeof(app_protos) / sizeof(app_protos[0]); i++)
        if (app_protos[i].app == p)
            return app_protos[i].name;
    return p == RULE_APP_NONE ? "" : "unknown";
}

int rule_app_proto_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(app_protos) / sizeof(app_protos[0]); i++)
        if (strcasecmp(app_protos[i].name, name) == 0)
            return app_protos[i].app;
    return -1;
}

const char *rule_action_name(enum rule_action a)
{
    static const char *const names[] = {"alert",     "pass",      "drop",      "reject",
                                        "rejectsrc", "rejectdst", "rejectboth"};
    return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

static const char *var_lookup(void *ctx, const char *name, bool is_port)
{
    return rule_set_get_var(ctx, name, is_port);
}

/* Next whitespace-separated header field; brackets may contain spaces. */
static char *next_field(char **sp)
{
    char *s = *sp;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s || *s == '(')
        return NULL;
    char *start = s;
    int depth = 0;
    while (*s && *s != '(' && (depth > 0 || !isspace((unsigned char)*s))) {
        if (*s == '[')
            depth++;
        else if (*s == ']' && depth > 0)
            depth--;
        s++;
    }
    if (*s && *s != '(')
        *s++ = '\0';
    *sp = s;
    return start;
}

static int parse_header(struct pctx *pc, char **sp)
{
    struct rule *r = pc->r;
    char *f[7];
    const char *names[7] = {"action",          "protocol",  "source address",
                            "source port",     "direction", "destination address",
                            "destination port"};
    for (int i = 0; i < 7; i++) {
        f[i] = next_field(sp);
        if (!f[i]) {
            snprintf(pc->e->keyword, sizeof(pc->e->keyword), "%s", names[i]);
            return pctx_fail_reason(pc, "invalid rule header", "rule header has no %s", names[i]);
        }
    }
    static const char *const actions[] = {"alert",     "pass",      "drop",      "reject",
                                          "rejectsrc", "rejectdst", "rejectboth"};
    bool found = false;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(f[0], actions[i]) == 0) {
            r->action = (uint8_t)i;
            found = true;
        }
    }
    if (!found) {
        snprintf(pc->e->keyword, sizeof(pc->e->keyword), "action");
        if (!strcmp(f[0], "sdrop") || !strcmp(f[0], "log") || !strcmp(f[0], "activate") ||
            !strcmp(f[0], "dynamic") || !strcmp(f[0], "config"))
            return pctx_fail_reason(pc, "unsupported action", "action '%s' is not supported", f[0]);
        return pctx_fail_reason(pc, "invalid rule header", "unknown action '%.40s'", f[0]);
    }
    const char *proto = f[1];
    if (!strcmp(proto, "ip") || !strcmp(proto, "ipv4") || !strcmp(proto, "ip4") ||
        !strcmp(proto, "ipv6") || !strcmp(proto, "ip6")) {
        r->ipproto = 0;
    } else if (!strcmp(proto, "tcp") || !strcmp(proto, "tcp-pkt") || !strcmp(proto, "tcp-stream")) {
        r->ipproto = 6;
        if (!strcmp(proto, "tcp-pkt"))
            r->flow_flags |= RULE_FLOW_NO_STREAM;
        else if (!strcmp(proto, "tcp-stream"))
            r->flow_flags |= RULE_FLOW_ONLY_STREAM;
    } else if (!strcmp(proto, "udp")) {
        r->ipproto = 17;
    } else if (!strcmp(proto, "icmp") || !strcmp(proto, "icmpv4") || !strcmp(proto, "icmpv6")) {
        r->ipproto = 1;
    } else if (!strcmp(proto, "igmp") || !strcmp(proto, "gre") || !strcmp(proto, "esp") ||
               !strcmp(proto, "ah") || !strcmp(proto, "sctp") || !strcmp(proto, "pim") ||
               !strcmp(proto, "vrrp") || !strcmp(proto, "ipv6-icmp")) {
        static const struct {
            const char *n;
            uint8_t v;
        } ipp[] = {{"igmp", 2},   {"gre", 47},  {"esp", 50},   {"ah", 51},
                   {"sctp", 132}, {"pim", 103}, {"vrrp", 112}, {"ipv6-icmp", 1}};
        for (size_t i = 0; i < sizeof(ipp) / sizeof(ipp[0]); i++)
            if (!strcmp(proto, ipp[i].n))
                r->ipproto = ipp[i].v;
    } else if (!strcmp(proto, "pkthdr")) {
        r->ipproto = 0;
        r->flags |= RULE_FLAG_PKTHDR;
    } else {
        /* Suricata 8's rule hooks, "<app>:<state>" (http1:request_line,
         * dns:response_complete, ssh:request_banner_done): the rule inspects
         * the protocol's transactions from the side the state belongs to. */
        char app_name[64];
        const char *hook = strchr(proto, ':');
        if (hook) {
            size_t an = (size_t)(hook - proto);
            hook++;
            bool req = !strncmp(hook, "request_", 8), resp = !strncmp(hook, "response_", 9);
            if (an == 0 || an >= sizeof app_name || (!req && !resp) || !hook[req ? 8 : 9]) {
                snprintf(pc->e->keyword, sizeof(pc->e->keyword), "protocol");
                return pctx_fail_reason(pc, "unsupported protocol",
                                        "unknown protocol hook '%.60s'", proto);
            }
            memcpy(app_name, proto, an);
            app_name[an] = 0;
            proto = app_name;
            r->flow_flags |= req ? RULE_FLOW_TOSERVER : RULE_FLOW_TOCLIENT;
        }
        int app = rule_app_proto_lookup(proto);
        if (app < 0 || app == RULE_APP_FAILED) {
            snprintf(pc->e->keyword, sizeof(pc->e->keyword), "protocol");
            return pctx_fail_reason(pc, "unsupported protocol", "unknown protocol '%.40s'", proto);
        }
        r->app_proto = (uint16_t)app;
        for (size_t i = 0; i < sizeof(app_protos) / sizeof(app_protos[0]); i++)
            if (app_protos[i].app == app)
                r->ipproto = app_protos[i].ipproto;
    }
    char err[256];
    struct {
        const char *text;
        int field;
    } addrs[] = {{f[2], 2}, {f[5], 5}};
    for (int i = 0; i < 2; i++) {
        struct rule_addr_set *dst = i == 0 ? &r->src : &r->dst;
        if (rule_addr_parse(addrs[i].text, var_lookup, pc->rs, dst, err, sizeof(err)) != 0) {
            snprintf(pc->e->keyword, sizeof(pc->e->keyword), "%s", names[addrs[i].field]);
            return pctx_fail_reason(pc, "invalid address", "%s: %s", names[addrs[i].field], err);
        }
    }
    for (int i = 0; i < 2; i++) {
        const char *text = i == 0 ? f[3] : f[6];
        struct rule_port_set *dst = i == 0 ? &r->sp : &r->dp;
        if (rule_port_parse(text, var_lookup, pc->rs, dst, err, sizeof(err)) != 0) {
            snprintf(pc->e->keyword, sizeof(pc->e->keyword), "%s", names[i == 0 ? 3 : 6]);
            return pctx_fail_reason(pc, "invalid port", "%s: %s", names[i == 0 ? 3 : 6], err);
        }
    }
    if (strcmp(f[4], "<>") == 0) {
        r->flags |= RULE_FLAG_BIDIRECTIONAL;
    } else if (strcmp(f[4], "->") != 0) {
        snprintf(pc->e->keyword, sizeof(pc->e->keyword), "direction");
        return pctx_fail_reason(pc, "invalid rule header",
                                "direction must be '->' or '<>', not '%.10s'", f[4]);
    }
    return 0;
}

/* ---- metadata keywords ---- */

static int kw_msg(struct pctx *pc, char *v)
{
    char *m = pctx_unquote(pc, v);
    if (!m)
        return -EINVAL;
    free(pc->r->msg);
    pc->r->msg = m;
    return 0;
}

static int kw_u32(struct pctx *pc, char *v, uint32_t min, uint32_t *out)
{
    int64_t x;
    int rc = parse_i64(v, min, UINT32_MAX, &x);
    if (rc)
        return pctx_fail(pc, "'%.40s' is not a number in %u..%u", v, min, UINT32_MAX);
    *out = (uint32_t)x;
    return 0;
}

static int kw_sid(struct pctx *pc, char *v)
{
    if (kw_u32(pc, v, 1, &pc->r->sid))
        return -EINVAL;
    pc->have_sid = true;
    pc->e->sid = pc->r->sid;
    return 0;
}
static int kw_gid(struct pctx *pc, char *v)
{
    return kw_u32(pc, v, 0, &pc->r->gid);
}
static int kw_rev(struct pctx *pc, char *v)
{
    return kw_u32(pc, v, 0, &pc->r->rev);
}

static int kw_classtype(struct pctx *pc, char *v)
{
    char *name = str_trim(v);
    int id = rule_set_classification_lookup(pc->rs, name);
    if (id < 0) {
        if (pc->rs->have_classification) {
            /* Suricata 8: the rule loads with the default priority (3) and
             * no category; the loader warns once per classtype. */
            struct rule_set *rs = pc->rs;
            for (size_t i = 0; i < rs->n_unknown_classtypes; i++)
                if (strcmp(rs->unknown_classtypes[i], name) == 0) {
                    pc->r->class_id = -1;
                    return 0;
                }
            char **nu = realloc(rs->unknown_classtypes,
                                (rs->n_unknown_classtypes + 1) * sizeof(*nu));
            if (!nu)
                return pctx_fail(pc, "out of memory");
            rs->unknown_classtypes = nu;
            nu[rs->n_unknown_classtypes] = strdup(name);
            if (!nu[rs->n_unknown_classtypes])
                return pctx_fail(pc, "out of memory");
            rs->new_unknown_classtype = nu[rs->n_unknown_classtypes++];
            pc->r->class_id = -1;
            return 0;
        }
        /* No classification.config: remember the name so EVE can show it. */
        struct rule_classification *nc =
            realloc(pc->rs->classes, (pc->rs->nclasses + 1) * sizeof(*nc));
        if (!nc)
            return pctx_fail(pc, "out of memory");
        pc->rs->classes = nc;
        nc[pc->rs->nclasses].name = strdup(name);
        nc[pc->rs->nclasses].description = strdup(name);
        nc[pc->rs->nclasses].priority = 3;
        id = (int)pc->rs->nclasses++;
    }
    pc->r->class_id = id;
    return 0;
}

static int kw_priority(struct pctx *pc, char *v)
{
    int64_t x;
    if (parse_i64(v, 1, 255, &x))
        return pctx_fail(pc, "priority '%.40s' is not in 1..255", v);
    pc->r->priority = (int)x;
    pc->have_priority = true;
    return 0;
}

static int add_kv(struct pctx *pc, struct rule_kv **arr, uint32_t *n, const char *k, const char *v)
{
    if (*n >= 1024)
        return pctx_fail(pc, "too many entries");
    struct rule_kv *na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (!na)
        return pctx_fail(pc, "out of memory");
    *arr = na;
    na[*n].key = strdup(k);
    na[*n].value = strdup(v);
    if (!na[*n].key || !na[*n].value) {
        free(na[*n].key);
        free(na[*n].value);
        return pctx_fail(pc, "out of memory");
    }
    (*n)++;
    return 0;
}

static int kw_reference(struct pctx *pc, char *v)
{
    char *c = strchr(v, ',');
    if (!c)
        return pctx_fail(pc, "expected 'type,value', got '%.60s'", v);
    *c = '\0';
    char *type = str_trim(v), *val = str_trim(c + 1);
    if (!*type || !*val)
        return pctx_fail(pc, "empty reference type or value");
    return add_kv(pc, &pc->r->refs, &pc->r->nrefs, type, val);
}

static int kw_metadata(struct pctx *pc, char *v)
{
    char *tok[256];
    int n = split_commas(v, tok, 256);
    if (n < 0)
        return pctx_fail(pc, "too many metadata entries");
    for (int i = 0; i < n; i++) {
        char *t = tok[i];
        if (!*t)
            continue;
        char *sp = t;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        char *val = "";
        if (*sp) {
            *sp = '\0';
            val = str_trim(sp + 1);
        }
        if (add_kv(pc, &pc->r->metadata, &pc->r->nmetadata, t, val))
            return -EINVAL;
    }
    return 0;
}

static int kw_target(struct pctx *pc, char *v)
{
    v = str_trim(v);
    if (!strcmp(v, "src_ip"))
        pc->r->flags |= RULE_FLAG_TARGET_SRC;
    else if (!strcmp(v, "dest_ip"))
        pc->r->flags |= RULE_FLAG_TARGET_DST;
    else
        return pctx_fail(pc, "target must be src_ip or dest_ip, not '%.40s'", v);
    return 0;
}

static int kw_noalert(struct pctx *pc, char *v)
{
    pc->r->flags |= RULE_FLAG_NOALERT;
    return 0;
}

/* ---- app-layer ---- */

static int kw_app_layer_protocol(struct pctx *pc, char *v)
{
    char *c = strchr(v, ',');
    if (c)
        *c = '\0';
    v = str_trim(v);
    bool neg = false;
    if (*v == '!') {
        neg = true;
        v = str_trim(v + 1);
    }
    int app = !strcmp(v, "unknown") ? RULE_APP_NONE : rule_app_proto_lookup(v);
    if (app < 0)
        return pctx_fail_reason(pc, "unsupported protocol", "unknown app-layer protocol '%.40s'",
                                v);
    if (app == RULE_APP_NONE && !neg)
        app = RULE_APP_FAILED;
    struct rule *r = pc->r;
    if (r->app_proto_match != RULE_APP_NONE) {
        /* Several app-layer-protocol keywords: every one must hold. */
        if (r->n_app_proto_match_extra >= 3)
            return pctx_fail(pc, "at most 4 app-layer-protocol keywords per rule");
        if (neg)
            r->app_proto_extra_negated |= (uint8_t)(1u << r->n_app_proto_match_extra);
        r->app_proto_match_extra[r->n_app_proto_match_extra++] = (uint16_t)app;
        return 0;
    }
    r->app_proto_match = (uint16_t)app;
    if (neg)
        r->flags |= RULE_FLAG_APP_PROTO_NEGATED;
    return 0;
}

/* True if the "<proto>." prefix of an event name is a protocol Suricata
 * has (vigil may lack its parser: the rule is unsupported, not invalid). */
static bool dot_proto_is_suricata(const char *v)
{
    const char *dot = strchr(v, '.');
    char proto[32];
    size_t n = dot ? (size_t)(dot - v) : 0;
    if (!dot || n >= sizeof(proto))
        return false;
    memcpy(proto, v, n);
    proto[n] = '\0';
    return rule_app_proto_lookup(proto) > 0 || strcmp(proto, "ikev2") == 0;
}

static int kw_app_layer_event(struct pctx *pc, char *v)
{
    if (!pc->rs->app_events)
        return pctx_fail_reason(pc, "unsupported keyword 'app-layer-event'",
                                "keyword is not supported by vigil (app-layer events not enabled)");
    v = str_trim(v);
    bool neg = false;
    if (*v == '!') {
        neg = true;
        v = str_trim(v + 1);
    }
    if (!*v || strlen(v) > 128)
        return pctx_fail(pc, "invalid event name '%.40s'", v);
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return pctx_fail(pc, "invalid character '%c' in event name", *p);
    if (pc->r->app_event)
        return pctx_fail(pc, "only one app-layer-event per rule");
    /* Unknown protocols and event names are errors, as in Suricata: a rule
     * that can never match must not load silently. */
    char why[200];
    int known = app_event_name_check(v, why, sizeof(why));
    if (known == -EPROTONOSUPPORT && dot_proto_is_suricata(v))
        return pctx_fail_reason(pc, "unsupported protocol", "%s", why);
    if (known == -ENOTSUP)
        return pctx_fail_reason(pc, "unsupported app-layer event", "%s", why);
    if (known != 0)
        return pctx_fail_reason(pc, "unknown app-layer event", "%s", why);
    const char *dot = strchr(v, '.');
    if (dot) {
        char proto[32];
        size_t n = (size_t)(dot - v);
        if (n < sizeof(proto)) {
            memcpy(proto, v, n);
            proto[n] = '\0';
            int app = rule_app_proto_lookup(proto);
            if (app > 0 && app != RULE_APP_FAILED) {
                uint16_t have = pc->r->app_proto;
                bool http_family =
                    app == RULE_APP_HTTP && (have == RULE_APP_HTTP1 || have == RULE_APP_HTTP2);
                if (have == RULE_APP_NONE)
                    pc->r->app_proto = (uint16_t)app;
                else if (have != app && !http_family)
                    return pctx_fail_reason(pc, "conflicting protocol", "event of %s on a %s rule",
                                            proto, rule_app_proto_name(have));
            }
        }
    }
    pc->r->app_event = strdup(v);
    if (!pc->r->app_event)
        return pctx_fail(pc, "out of memory");
    if (neg)
        pc->r->flags |= RULE_FLAG_APP_EVENT_NEGATED;
    return 0;
}

/* decode-event:ipv4.trunc_pkt; stream-event:3whs_async_wrong_seq; engine-event */
static int kw_pkt_event(struct pctx *pc, char *v)
{
    uint8_t kind = !strcmp(pc->kw, "stream-event") ? RULE_EVENT_STREAM : RULE_EVENT_DECODE;
    if (!pc->rs->pkt_events) {
        char reason[96];
        snprintf(reason, sizeof(reason), "unsupported keyword '%s'", pc->kw);
        return pctx_fail_reason(pc, reason,
                                "keyword is not supported by vigil (packet events not enabled)");
    }
    v = str_trim(v);
    if (!*v || strlen(v) > 128)
        return pctx_fail(pc, "invalid event name '%.40s'", v);
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return pctx_fail(pc, "invalid character '%c' in event name", *p);
    if (pc->r->pkt_event)
        return pctx_fail(pc, "only one decode-event/stream-event per rule");
    int known = kind == RULE_EVENT_STREAM ? stream_event_from_name(v) : decode_event_from_name(v);
    if (known < 0)
        return pctx_fail_reason(pc, "unknown event", "unknown %s '%.64s'", pc->kw, v);
    pc->r->pkt_event = strdup(v);
    if (!pc->r->pkt_event)
        return pctx_fail(pc, "out of memory");
    pc->r->pkt_event_kind = kind;
    return 0;
}

/* Transaction keywords (detect_tx_kw.h): dnp3_func, modbus, mqtt.type, ... */
static int kw_tx(struct pctx *pc, const struct detect_tx_kw *kw, char *value)
{
    if ((kw->flags & DETECT_TX_KW_NOVALUE) && value)
        return pctx_fail(pc, "keyword takes no value");
    if (!(kw->flags & DETECT_TX_KW_NOVALUE) && !value)
        return pctx_fail(pc, "keyword needs a value");
    char *v = value ? str_trim(value) : NULL;
    if (v) {
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            v[n - 1] = '\0';
            v = str_trim(v + 1);
        }
    }
    struct rule *r = pc->r;
    if (r->ntx_conds >= 64)
        return pctx_fail(pc, "too many transaction keywords");
    if (kw->flags & DETECT_TX_KW_SINGLE)
        for (uint32_t i = 0; i < r->ntx_conds; i++)
            if (r->tx_conds[i].kw->parse == kw->parse && r->tx_conds[i].kw->get == kw->get)
                return pctx_fail(pc, "Can't use 2 or more %s declarations in the same sig",
                                 kw->name);
    char err[200] = "";
    void *data = NULL;
    if (detect_tx_kw_parse(kw, v, &data, err, sizeof(err)) != 0)
        return pctx_fail(pc, "%s", err[0] ? err : "invalid value");
    struct rule_tx_cond *nc = realloc(r->tx_conds, (r->ntx_conds + 1) * sizeof(*nc));
    if (!nc) {
        detect_tx_kw_free(kw, data);
        return pctx_fail(pc, "out of memory");
    }
    r->tx_conds = nc;
    nc[r->ntx_conds].kw = kw;
    nc[r->ntx_conds].data = data;
    r->ntx_conds++;
    return 0;
}

/* requires: checked on the rule text before parsing (rule_requires.c); a
 * rule that gets here meets its requirements. */
/* filestore[:request|to_server|response|to_client|both[,file|tx|ssn|flow]]
 * (Suricata's defaults: no argument: the rule's direction, scope file; a
 * direction alone: scope tx). */
static int kw_filestore(struct pctx *pc, char *v)
{
    struct rule *r = pc->r;
    r->filestore = true;
    r->filestore_dirs = 0;
    r->filestore_scope = RULE_FILESTORE_FILE;
    if (!v || !*str_trim(v))
        return 0;
    char *scope = strchr(v, ',');
    if (scope)
        *scope++ = '\0';
    v = str_trim(v);
    if (!strcasecmp(v, "request") || !strcasecmp(v, "to_server"))
        r->filestore_dirs = 1;
    else if (!strcasecmp(v, "response") || !strcasecmp(v, "to_client"))
        r->filestore_dirs = 2;
    else if (!strcasecmp(v, "both"))
        r->filestore_dirs = 3;
    else
        return pctx_fail(pc, "filestore: direction must be request, to_server, response, "
                             "to_client or both");
    r->filestore_scope = RULE_FILESTORE_TX;
    if (!scope)
        return 0;
    scope = str_trim(scope);
    if (!strcasecmp(scope, "file"))
        r->filestore_scope = RULE_FILESTORE_FILE;
    else if (!strcasecmp(scope, "tx"))
        r->filestore_scope = RULE_FILESTORE_TX;
    else if (!strcasecmp(scope, "ssn") || !strcasecmp(scope, "flow"))
        r->filestore_scope = RULE_FILESTORE_FLOW;
    else
        return pctx_fail(pc, "filestore: scope must be file, tx, ssn or flow");
    return 0;
}

/* The legacy file keywords as Suricata 7+ reads them: filename:"x" is
 * file.name; content:"x"; nocase; and fileext:"x" is file.name;
 * content:".x"; nocase; endswith; (a leading ! negates). The sticky buffer
 * in force before them stays in force after. */
static int kw_file_legacy(struct pctx *pc, char *v, bool ext)
{
    int saved = pc->cur_list;
    bool saved_fresh = pc->cur_list_fresh;
    int id = detect_buffer_lookup("file.name");
    if (id < 0 || kw_sticky_buffer(pc, id) < 0)
        return pctx_fail(pc, "file.name is not available");
    char buf[1100];
    v = str_trim(v);
    if (ext) {
        /* ".x" inside the quotes, after a possible '!' */
        const char *neg = *v == '!' ? "!" : "";
        const char *s = *neg ? str_trim(v + 1) : v;
        size_t n = strlen(s);
        if (n < 2 || s[0] != '"' || s[n - 1] != '"' || n > sizeof(buf) - 8)
            return pctx_fail(pc, "fileext: expected a quoted extension");
        snprintf(buf, sizeof(buf), "%s\".%.*s\"", neg, (int)(n - 2), s + 1);
        v = buf;
    }
    int rc = kw_content(pc, v);
    if (rc == 0)
        rc = kw_nocase(pc, NULL);
    if (rc == 0 && ext)
        rc = kw_endswith(pc, NULL);
    pc->cur_list = saved;
    pc->cur_list_fresh = saved_fresh;
    return rc;
}

static int kw_filename(struct pctx *pc, char *v)
{
    return kw_file_legacy(pc, v, false);
}

static int kw_fileext(struct pctx *pc, char *v)
{
    return kw_file_legacy(pc, v, true);
}

static int kw_requires(struct pctx *pc, char *v)
{
    (void)pc;
    (void)v;
    return 0;
}

#ifdef VIGIL_HAVE_LUA
/* lua:[!]script.lua (detect_lua.h): the script is read and its init()
 * run now, so a missing or broken script fails the rule with its reason. */
static int kw_lua(struct pctx *pc, char *v)
{
    const char *buffer = NULL;
    if (pc->cur_list >= 0) {
        const struct detect_buffer_info *bi = detect_buffer_get(pc->r->buffers[pc->cur_list].buffer_id);
        buffer = bi ? bi->name : NULL;
    }
    char err[512];
    struct detect_lua *kw = detect_lua_parse(v, buffer, err, sizeof err);
    if (!kw)
        return pctx_fail(pc, "%s", err);
    struct detect_lua **n = realloc(pc->r->lua, (pc->r->nlua + 1) * sizeof *n);
    if (!n) {
        detect_lua_free(kw);
        return pctx_fail(pc, "out of memory");
    }
    n[pc->r->nlua++] = kw;
    pc->r->lua = n;
    /* flowints the script registered share the rule set's flowint ids */
    for (unsigned i = 0; detect_lua_flowint_name(kw, i); i++) {
        uint32_t id;
        if (name_table_intern(&pc->rs->vars_by_kind[RULE_VAR_FLOWINT],
                              detect_lua_flowint_name(kw, i), &id))
            return pctx_fail(pc, "out of memory");
    }
    return 0;
}
#endif

/* ---- keyword table ---- */

enum { KW_VALUE = 1, KW_NOVALUE = 2 };
struct keyword {
    const char *name;
    int (*fn)(struct pctx *, char *);
    uint8_t flags;
};

static const struct keyword keywords[] = {
    {"msg", kw_msg, KW_VALUE},
    {"sid", kw_sid, KW_VALUE},
    {"gid", kw_gid, KW_VALUE},
    {"rev", kw_rev, KW_VALUE},
    {"classtype", kw_classtype, KW_VALUE},
    {"priority", kw_priority, KW_VALUE},
    {"reference", kw_reference, KW_VALUE},
    {"metadata", kw_metadata, KW_VALUE},
    {"target", kw_target, KW_VALUE},
    {"noalert", kw_noalert, KW_NOVALUE},
    {"flow", kw_flow, KW_VALUE},
    {"flowbits", kw_flowbits, KW_VALUE},
    {"xbits", kw_xbits, KW_VALUE},
    {"flowint", kw_flowint, KW_VALUE},
    {"dsize", kw_dsize, KW_VALUE},
    {"ttl", kw_ttl, KW_VALUE},
    {"tos", kw_tos, KW_VALUE},
    {"ipopts", kw_ipopts, KW_VALUE},
    {"fragbits", kw_fragbits, KW_VALUE},
    {"fragoffset", kw_fragoffset, KW_VALUE},
    {"id", kw_id, KW_VALUE},
    {"sameip", kw_sameip, KW_NOVALUE},
    {"flags", kw_flags, KW_VALUE},
    {"tcp.flags", kw_flags, KW_VALUE}, /* Suricata 8 name of flags */
    {"seq", kw_seq, KW_VALUE},
    {"ack", kw_ack, KW_VALUE},
    {"window", kw_window, KW_VALUE},
    {"itype", kw_itype, KW_VALUE},
    {"icode", kw_icode, KW_VALUE},
    {"icmp_id", kw_icmp_id, KW_VALUE},
    {"icmp_seq", kw_icmp_seq, KW_VALUE},
    {"ip_proto", kw_ip_proto, KW_VALUE},
    {"stream_size", kw_stream_size, KW_VALUE},
    {"tcp.mss", kw_tcp_mss, KW_VALUE},
    {"ipv4-csum", kw_checksum, KW_VALUE},
    {"tcpv4-csum", kw_checksum, KW_VALUE},
    {"tcpv6-csum", kw_checksum, KW_VALUE},
    {"udpv4-csum", kw_checksum, KW_VALUE},
    {"udpv6-csum", kw_checksum, KW_VALUE},
    {"icmpv4-csum", kw_checksum, KW_VALUE},
    {"icmpv6-csum", kw_checksum, KW_VALUE},
    {"igmp-csum", kw_checksum, KW_VALUE},
    {"prefilter", kw_prefilter, KW_NOVALUE},
    {"threshold", kw_threshold, KW_VALUE},
    {"detection_filter", kw_detection_filter, KW_VALUE},
    {"tag", kw_tag, KW_VALUE},
    {"app-layer-protocol", kw_app_layer_protocol, KW_VALUE},
    {"app-layer-event", kw_app_layer_event, KW_VALUE},
    {"decode-event", kw_pkt_event, KW_VALUE},
    {"engine-event", kw_pkt_event, KW_VALUE},
    {"stream-event", kw_pkt_event, KW_VALUE},
    /* payload keywords (rule_parse_payload.c) */
    {"content", kw_content, KW_VALUE},
    {"uricontent", kw_uricontent, KW_VALUE},
    {"nocase", kw_nocase, KW_NOVALUE},
    {"depth", kw_depth, KW_VALUE},
    {"offset", kw_offset, KW_VALUE},
    {"distance", kw_distance, KW_VALUE},
    {"within", kw_within, KW_VALUE},
    {"startswith", kw_startswith, KW_NOVALUE},
    {"endswith", kw_endswith, KW_NOVALUE},
    {"rawbytes", kw_rawbytes, KW_NOVALUE},
    {"fast_pattern", kw_fast_pattern, 0},
    {"bsize", kw_bsize, KW_VALUE},
    {"urilen", kw_urilen, KW_VALUE},
    {"pcre", kw_pcre, KW_VALUE},
    {"byte_test", kw_byte_test, KW_VALUE},
    {"byte_jump", kw_byte_jump, KW_VALUE},
    {"byte_extract", kw_byte_extract, KW_VALUE},
    {"byte_math", kw_byte_math, KW_VALUE},
    {"isdataat", kw_isdataat, KW_VALUE},
    {"base64_decode", kw_base64_decode, 0},
    {"pkt_data", kw_pkt_data, KW_NOVALUE},
    {"requires", kw_requires, KW_VALUE},
    {"filestore", kw_filestore, 0},
    {"filename", kw_filename, KW_VALUE},
    {"fileext", kw_fileext, KW_VALUE},
    {"dataset", kw_dataset, KW_VALUE},
    {"datarep", kw_datarep, KW_VALUE},
    {"iprep", kw_iprep, KW_VALUE},
#ifdef VIGIL_HAVE_LUA
    {"lua", kw_lua, KW_VALUE},
    {"luajit", kw_lua, KW_VALUE},
#endif
};

/* Suricata keywords vigil knows but does not implement; the rule is not
 * loaded and the report says "unsupported keyword". */
static const char *const unsupported_keywords[] = {
    "asn1",
    "filemagic",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesize",
#ifndef VIGIL_HAVE_LUA
    "lua",
    "luajit",
#endif
    "replace",
    "ssl_state",
    "ssl_version",
    "tls.version",
    "tls.store",
    "tls_cert_notbefore",
    "tls_cert_notafter",
    "tls_cert_expired",
    "tls_cert_valid",
    "ssh.protoversion",
    "ssh.softwareversion",
    "dns.opcode",
    "dns.rcode",
    "dns.rrtype",
    "template",
    "template2",
    "geoip",
    "pkt_meta",
    "entropy",
    "absent",
    "config",
    "transform",
    "ike.exchtype",
    "ike.spi.initiator",
    "ike.spi.responder",
    "tcp.hdr",
    "udp.hdr",
    "ipv4.hdr",
    "ipv6.hdr",
    "icmpv4.hdr",
    "icmpv6.hdr",
    "icmpv6.mtu",
    "ftpbounce",
    "ftpdata_command",
    "urilen.raw",
    "dns.query.name",
    "email.from",
    "email.subject",
    "email.to",
    "email.cc",
    "file.data.raw",
    "tls.random_time",
    "tls.random_bytes",
    "tls.cert_chain_len",
    "bypass",
    "stream_reassemble",
    "flow.age",
    "flow.pkts",
    "flow.bytes",
    "flowvar",
    "pktvar",
    "hostbits",
    "vlan.id",
    "icmpv6.hdr",
    "base64_decode_raw",
    "sameip_both",
    "within_raw",
};

/* Buffers registered for later protocols but not yet filled: rules using
 * them are reported unsupported rather than silently never matching. */
static bool keyword_is_unsupported(const char *name)
{
    for (size_t i = 0; i < sizeof(unsupported_keywords) / sizeof(unsupported_keywords[0]); i++)
        if (!strcmp(name, unsupported_keywords[i]))
            return true;
    return false;
}

/* A keyword vigil does not implement but Suricata has: one of Suricata's
 * keyword families ("<protocol or layer>.<field>", e.g. sip.via, igmp.type,
 * mqtt.qos) or one of its other keywords. Such a rule is reported as
 * unsupported (Suricata would load it), not as invalid; a name of no family
 * ("no_such_keyword") is an invalid rule. */
static bool keyword_is_suricata(const char *name)
{
    static const char *const others[] = {
        "lua", "luajit", "luaxform", "subslice", "domain", "tld", "app-layer-state",
        "nfs_version", "smb_named_pipe", "smb_share", "dataset", "datarep", "filestore",
        "filemd5", "filesha1", "filesha256", "filemagic", "filename", "fileext", "filesize",
        "xor", "from_base64", "to_base64", "asn1", "vxlan_vni", "stream_size", "ftpbounce",
        "ja3_hash", "ja3_string", "ja3s_hash", "ja3s_string", "ja4_hash", "tag", "ttl",
        "iprep", "geoip", "fragbits", "fragoffset", "tos", "id", "ipopts", "seq", "ack",
        "window", "icode", "itype", "icmp_id", "icmp_seq", "rpc", "sameip", "replace",
        "luaxform", "bsize", "urilen", "entropy", "base64_decode", "base64_data",
    };
    static const char *const families[] = {
        "ip", "ipv4", "ipv6", "tcp", "udp", "icmp", "icmpv4", "icmpv6", "sctp", "igmp",
        "vlan", "vxlan", "flow", "pkt", "ether", "arp", "email", "file", "frame", "dns",
        "mdns", "http", "http2", "tls", "ja3", "ja3s", "ja4", "ssh", "smtp", "ftp", "smb",
        "dcerpc", "krb5", "dhcp", "ntp", "sip", "sdp", "snmp", "tftp", "imap", "pop3", "quic",
        "rdp", "mqtt", "ike", "nfs", "modbus", "dnp3", "enip", "cip", "rfb", "telnet", "pgsql",
        "ldap", "websocket", "bittorrent", "doh2", "llmnr", "netflow", "tcp-option",
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (strcmp(name, others[i]) == 0)
            return true;
    const char *dot = strchr(name, '.');
    if (!dot || !dot[1])
        return false;
    size_t n = (size_t)(dot - name);
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (strlen(families[i]) == n && strncmp(name, families[i], n) == 0)
            return true;
    return false;
}

static int dispatch(struct pctx *pc, const char *name, char *value)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        const struct keyword *k = &keywords[i];
        if (strcmp(k->name, name) != 0)
            continue;
        if ((k->flags & KW_VALUE) && !value)
            return pctx_fail(pc, "keyword needs a value");
        if ((k->flags & KW_NOVALUE) && value)
            return pctx_fail(pc, "keyword takes no value");
        return k->fn(pc, value);
    }
    char reason[96];
    if (strcmp(name, "frame") == 0)
        return kw_frame(pc, value);
    const struct detect_tx_kw *tk = detect_tx_kw_lookup(name);
    if (tk)
        return kw_tx(pc, tk, value);
    if (keyword_is_unsupported(name)) {
        snprintf(reason, sizeof(reason), "unsupported keyword '%s'", name);
        return pctx_fail_reason(pc, reason, "keyword is not supported by vigil");
    }
    int id = detect_buffer_lookup(name);
    if (id >= 0) {
        if (strcmp(name, "fix.tag") == 0) {
            /* fix.tag:N: the value of tag N. */
            char *end = NULL;
            unsigned long tag = value ? strtoul(value, &end, 10) : 0;
            while (end && isspace((unsigned char)*end))
                end++;
            if (!value || end == value || (end && *end) || tag == 0 || tag > 0xffffffffUL)
                return pctx_fail(pc, "fix.tag needs a tag number (fix.tag:35)");
            return kw_sticky_buffer_arg(pc, id, (uint32_t)tag);
        }
        if (strcmp(name, "iso8583.field") == 0) {
            /* iso8583.field:N: the value of data element N (2-128). */
            char *end = NULL;
            unsigned long fno = value ? strtoul(value, &end, 10) : 0;
            while (end && isspace((unsigned char)*end))
                end++;
            if (!value || end == value || (end && *end) || fno < 2 || fno > 128)
                return pctx_fail(pc, "iso8583.field needs a field number 2-128 (iso8583.field:41)");
            return kw_sticky_buffer_arg(pc, id, (uint32_t)fno);
        }
        if (value)
            return pctx_fail(pc, "sticky buffer takes no value");
        return kw_sticky_buffer(pc, id);
    }
    id = detect_buffer_lookup_modifier(name);
    if (id >= 0) {
        if (value)
            return pctx_fail(pc, "content modifier takes no value");
        return kw_content_modifier(pc, id);
    }
    int t = detect_transform_lookup(name);
    if (t >= 0)
        return kw_transform(pc, t, value);
    if (keyword_is_suricata(name)) {
        snprintf(reason, sizeof(reason), "unsupported keyword '%s'", name);
        return pctx_fail_reason(pc, reason, "keyword is not supported by vigil");
    }
    snprintf(reason, sizeof(reason), "unknown keyword '%s'", name);
    return pctx_fail_reason(pc, reason, "unknown keyword");
}

bool rule_keyword_known(const char *name)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strcmp(keywords[i].name, name) == 0)
            return true;
    if (keyword_is_unsupported(name))
        return false;
    return detect_tx_kw_lookup(name) || detect_buffer_lookup(name) >= 0 ||
           detect_buffer_lookup_modifier(name) >= 0 || detect_transform_lookup(name) >= 0;
}

/* Options: name[:value]; with value running to the next unescaped ';'. */
static int parse_options(struct pctx *pc, char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s == ')') {
            s++;
            while (isspace((unsigned char)*s))
                s++;
            if (*s)
                return pctx_fail_reason(pc, "invalid rule syntax",
                                        "unexpected text after the closing ')': '%.20s'", s);
            return 0;
        }
        if (!*s) {
            pc->kw = NULL;
            return pctx_fail_reason(pc, "invalid rule syntax",
                                    "rule options are not closed with ')'");
        }
        char *name = s;
        while (*s && *s != ':' && *s != ';' && *s != ')')
            s++;
        char *value = NULL;
        char sep = *s;
        if (sep == ')' || sep == '\0') {
            *s = '\0';
            pc->kw = NULL;
            return pctx_fail_reason(pc, "invalid rule syntax",
                                    "option '%.40s' is not terminated by ';'", str_trim(name));
        }
        *s++ = '\0';
        if (sep == ':') {
            value = s;
            /* As in Suricata, a ';' inside a value must be escaped, quoted or not. */
            while (*s && *s != ';') {
                if (*s == '\\' && s[1]) {
                    s += 2;
                    continue;
                }
                s++;
            }
            if (!*s) {
                pc->kw = str_trim(name);
                return pctx_fail(pc, "option is not terminated by ';' (unterminated value?)");
            }
            *s++ = '\0';
        }
        name = str_trim(name);
        if (!*name)
            return pctx_fail_reason(pc, "invalid rule syntax", "empty option name");
        if (strlen(name) >= 48)
            return pctx_fail_reason(pc, "unknown keyword", "unknown keyword '%.40s...'", name);
        pc->kw = name;
        if (dispatch(pc, name, value))
            return -EINVAL;
        pc->nopts++;
    }
}

static bool list_has_items(const struct rule_buffer_match *bm, uint8_t type)
{
    for (uint32_t i = 0; i < bm->nitems; i++)
        if (bm->items[i].type == type)
            return true;
    return false;
}

/* Whether the protocol runs over UDP (its header form is not TCP-only). */
static bool app_proto_on_udp(uint16_t app)
{
    for (size_t i = 0; i < sizeof(app_protos) / sizeof(app_protos[0]); i++)
        if (app_protos[i].app == app)
            return app_protos[i].ipproto != 6;
    return false;
}

/* A buffer or transaction keyword of protocol want: the rule becomes a rule
 * of that protocol, or fails if it names another. */
static int rule_require_app(struct pctx *pc, uint16_t want, const char *what, const char *name)
{
    struct rule *r = pc->r;
    uint16_t have = r->app_proto;
    bool http_family = want == RULE_APP_HTTP && (have == RULE_APP_HTTP1 || have == RULE_APP_HTTP2);
    if (have == RULE_APP_NONE) {
        if (r->ipproto == 17 && !app_proto_on_udp(want))
            return pctx_fail_reason(pc, "conflicting protocol", "%s '%s' cannot be used on a udp rule",
                                    what, name);
        if (r->ipproto == 1)
            return pctx_fail_reason(pc, "conflicting protocol",
                                    "%s '%s' cannot be used on an icmp rule", what, name);
        r->app_proto = want;
    } else if (have != want && !http_family &&
               !(want == RULE_APP_DCERPC && have == RULE_APP_SMB) && /* DCE/RPC over SMB */
               !(want == RULE_APP_TLS && have == RULE_APP_QUIC &&  /* QUIC's TLS hello */
                 (strncmp(name, "ja3", 3) == 0 || strncmp(name, "ja4", 3) == 0))) {
        return pctx_fail_reason(pc, "conflicting protocol", "%s '%s' needs protocol %s but the rule is for %s",
                                what, name, rule_app_proto_name(want), rule_app_proto_name(have));
    }
    return 0;
}

/* Checks that need the whole rule. */
static int rule_check(struct pctx *pc)
{
    struct rule *r = pc->r;
    pc->kw = NULL;
    if (!pc->have_sid) {
        snprintf(pc->e->keyword, sizeof(pc->e->keyword), "sid");
        return pctx_fail_reason(pc, "missing sid", "rule has no sid");
    }
    /* Buffers imply protocol and direction. */
    bool ts_only = false, tc_only = false;
    bool has_base64_decode = false, has_base64_data = false;
    for (uint32_t b = 0; b < r->nbuffers; b++) {
        const struct detect_buffer_info *bi = detect_buffer_get(r->buffers[b].buffer_id);
        if (bi->dir == DETECT_BUFFER_DIR_TOSERVER)
            ts_only = true;
        else if (bi->dir == DETECT_BUFFER_DIR_TOCLIENT)
            tc_only = true;
        if (r->buffers[b].buffer_id == DETECT_BUFFER_BASE64_DATA)
            has_base64_data = true;
        if (list_has_items(&r->buffers[b], DETECT_ITEM_BASE64_DECODE))
            has_base64_decode = true;
        if (bi->app_proto != RULE_APP_NONE &&
            rule_require_app(pc, bi->app_proto, "buffer", bi->name) != 0)
            return -EINVAL;
        if (r->buffers[b].nitems == 0 && r->buffers[b].buffer_id != DETECT_BUFFER_PAYLOAD)
            return pctx_fail_reason(pc, "empty sticky buffer",
                                    "sticky buffer '%s' is not followed by any match keyword",
                                    bi->name);
    }
    for (uint32_t i = 0; i < r->ntx_conds; i++) {
        const struct detect_tx_kw *kw = r->tx_conds[i].kw;
        if (rule_require_app(pc, kw->app_proto, "keyword", kw->name) != 0)
            return -EINVAL;
        if (kw->dir == DETECT_BUFFER_DIR_TOSERVER)
            ts_only = true;
        else if (kw->dir == DETECT_BUFFER_DIR_TOCLIENT)
            tc_only = true;
    }
    if (has_base64_data && !has_base64_decode)
        return pctx_fail_reason(pc, "base64_data without base64_decode",
                                "base64_data needs a base64_decode before it");
    if (ts_only && tc_only)
        return pctx_fail_reason(pc, "conflicting directions",
                                "rule mixes to-server and to-client buffers");
    if ((r->flow_flags & RULE_FLOW_TOSERVER) && tc_only)
        return pctx_fail_reason(pc, "conflicting directions",
                                "flow:to_server with a to-client buffer can never match");
    if ((r->flow_flags & RULE_FLOW_TOCLIENT) && ts_only)
        return pctx_fail_reason(pc, "conflicting directions",
                                "flow:to_client with a to-server buffer can never match");
    if ((r->flow_flags & RULE_FLOW_TOSERVER) || ts_only)
        r->flags |= RULE_FLAG_TOSERVER;
    if ((r->flow_flags & RULE_FLOW_TOCLIENT) || tc_only)
        r->flags |= RULE_FLAG_TOCLIENT;
    if (payload_check_rule(pc))
        return -EINVAL;
    if (r->class_id >= 0 && !pc->have_priority)
        r->priority = pc->rs->classes[r->class_id].priority;
    uint32_t npkt_not_iprep = 0; /* iprep alone keeps a rule IP-only, as in Suricata */
    for (uint32_t i = 0; i < r->npkt; i++)
        npkt_not_iprep += r->pkt[i].type != RULE_PKT_IPREP;
    bool iponly = r->nbuffers == 0 && r->ntx_conds == 0 && npkt_not_iprep == 0 &&
                  r->nflowints == 0 && r->nlua == 0 && !r->app_event &&
                  !r->pkt_event && !(r->flags & RULE_FLAG_HAS_FLOW) &&
                  r->app_proto == RULE_APP_NONE && r->app_proto_match == RULE_APP_NONE;
    if (iponly)
        r->flags |= RULE_FLAG_IPONLY;
    return 0;
}

struct rule *rule_parse(struct rule_set *rs, const char *text, struct rule_error *e)
{
    memset(e, 0, sizeof(*e));
    size_t len = strlen(text);
    if (len > RULE_MAX_LEN) {
        snprintf(e->reason, sizeof(e->reason), "rule too long");
        snprintf(e->message, sizeof(e->message), "rule is %zu bytes long (limit %d)", len,
                 RULE_MAX_LEN);
        return NULL;
    }
    struct rule *r = calloc(1, sizeof(*r));
    /* A copy with a space before the first '(' so that a header field glued
     * to it ("any any(msg...") still splits. */
    char *copy = malloc(len + 2);
    if (!r || !copy) {
        free(r);
        free(copy);
        snprintf(e->reason, sizeof(e->reason), "out of memory");
        snprintf(e->message, sizeof(e->message), "out of memory");
        return NULL;
    }
    const char *paren = strchr(text, '(');
    size_t pre = paren ? (size_t)(paren - text) : len;
    memcpy(copy, text, pre);
    copy[pre] = ' ';
    memcpy(copy + pre + 1, text + pre, len - pre + 1);
    r->gid = 1;
    r->priority = 3;
    r->class_id = -1;
    r->fp_buffer = r->fp_item = -1;
    r->share = rule_share_new();
    r->text = strdup(text);
    struct pctx pc = {.rs = rs, .r = r, .e = e, .cur_list = -1, .last_content_list = -1};
    char *s = copy;
    int rc = parse_header(&pc, &s);
    if (rc == 0) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s != '(')
            rc = pctx_fail_reason(&pc, "invalid rule syntax", "expected '(' after the header");
        else
            rc = parse_options(&pc, s + 1);
    }
    if (rc == 0)
        rc = rule_check(&pc);
    if (rc == 0 && !r->text)
        rc = pctx_fail(&pc, "out of memory");
    free(copy);
    if (rc) {
        /* Find the sid for the report even if parsing stopped before it. */
        if (!e->sid) {
            const char *p = strstr(text, "sid:");
            while (p && p > text && isalnum((unsigned char)p[-1]))
                p = strstr(p + 4, "sid:");
            if (p)
                e->sid = (uint32_t)strtoul(p + 4, NULL, 10);
        }
        if (!e->reason[0])
            snprintf(e->reason, sizeof(e->reason), "invalid rule");
        rule_free(r);
        return NULL;
    }
    return r;
}

void rule_free(struct rule *r)
{
    if (!r)
        return;
    if (rule_share_release(r)) {
        free(r); /* a copy in another rule set still uses the rest */
        return;
    }
    free(r->src.ranges);
    free(r->dst.ranges);
    free(r->sp.ranges);
    free(r->dp.ranges);
    free(r->msg);
    for (uint32_t i = 0; i < r->nrefs; i++) {
        free(r->refs[i].key);
        free(r->refs[i].value);
    }
    free(r->refs);
    for (uint32_t i = 0; i < r->nmetadata; i++) {
        free(r->metadata[i].key);
        free(r->metadata[i].value);
    }
    free(r->metadata);
    free(r->pkt);
    for (uint32_t i = 0; i < r->nflowbits; i++)
        free(r->flowbits[i].ids);
    free(r->flowbits);
    free(r->flowints);
    for (uint32_t b = 0; b < r->nbuffers; b++)
        buffer_match_free(&r->buffers[b]);
    free(r->buffers);
    for (uint32_t i = 0; i < r->ntx_conds; i++)
        detect_tx_kw_free(r->tx_conds[i].kw, r->tx_conds[i].data);
    free(r->tx_conds);
    for (uint32_t i = 0; i < r->nbyte_vars; i++)
        free(r->byte_var_names[i]);
    for (uint32_t i = 0; i < r->nlua; i++)
        detect_lua_free(r->lua[i]);
    free(r->lua);
    free(r->app_event);
    free(r->pkt_event);
    free(r->text);
    free(r);
}

/* Transaction keywords (protocol fields: modbus, dnp3_func, dns.opcode, ...)
 * are listed as options. */
struct kw_each {
    void (*fn)(const char *name, const char *kind, void *user);
    void *user;
};

static void tx_kw_each(const char *name, void *user)
{
    struct kw_each *e = user;
    e->fn(name, "option", e->user);
}

void rule_keywords_foreach(void (*fn)(const char *name, const char *kind, void *user), void *user)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        fn(keywords[i].name, "option", user);
    for (int id = 0; id < detect_buffer_count(); id++) {
        const struct detect_buffer_info *b = detect_buffer_get(id);
        if (!b)
            continue;
        if (b->name)
            fn(b->name, "sticky buffer", user);
        if (b->legacy_sticky)
            fn(b->legacy_sticky, "sticky buffer (legacy name)", user);
        if (b->modifier)
            fn(b->modifier, "content modifier", user);
    }
    for (size_t i = 0; i < detect_transform_name_count(); i++)
        if (detect_transform_name(i))
            fn(detect_transform_name(i), "transform", user);
    struct kw_each each = {fn, user};
    detect_tx_kw_foreach(tx_kw_each, &each);
}
