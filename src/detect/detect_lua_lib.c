/* SPDX-License-Identifier: Apache-2.0 */
/* Lua library modules for rule scripts: see detect_lua_lib.h. Objects
 * (packet, flow, rule, transaction) are tables with a shared metatable;
 * their methods read the current call's context, so a script keeping one
 * across calls sees the packet being inspected. */
#ifdef VIGIL_HAVE_LUA

#include "detect/detect_lua_lib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <openssl/evp.h>

#include "app/app.h"
#include "app/app_buffer.h"
#include "app/app_dns.h"
#include "decode/packet.h"
#include "detect/detect_engine.h"
#include "detect/detect_lua.h"
#include "detect/rule.h"
#include "detect/rule_internal.h"
#include "detect/rule_set.h"
#include "flow/flow.h"
#include "util/log.h"
#include "util/lua_sandbox.h"

static const struct detect_lua_ctx *ctx_of(lua_State *L)
{
    struct lua_sandbox *sb = lua_sandbox_of(L);
    return sb ? sb->user : NULL;
}

static int push_error(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

/* ---- suricata.log ---- */

static int log_common(lua_State *L, void (*fn)(const char *, ...))
{
    const char *m = luaL_checkstring(L, 1);
    fn("%s", m);
    return 0;
}
static int l_log_error(lua_State *L) { return log_common(L, log_error); }
static int l_log_warning(lua_State *L) { return log_common(L, log_warning); }
static int l_log_notice(lua_State *L) { return log_common(L, log_notice); }
static int l_log_info(lua_State *L) { return log_common(L, log_info); }
static int l_log_config(lua_State *L) { return log_common(L, log_config); }
static int l_log_perf(lua_State *L) { return log_common(L, log_perf); }
static int l_log_debug(lua_State *L) { return log_common(L, log_debug); }

static int open_log(lua_State *L)
{
    static const luaL_Reg fns[] = {{"error", l_log_error},   {"warning", l_log_warning},
                                   {"notice", l_log_notice}, {"info", l_log_info},
                                   {"config", l_log_config}, {"perf", l_log_perf},
                                   {"debug", l_log_debug},   {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- shared formatting ---- */

static void addr_str(const struct ip_address *a, char *out, size_t len)
{
    if (a->family == 4)
        inet_ntop(AF_INET, &a->addr.u8[12], out, (socklen_t)len);
    else
        inet_ntop(AF_INET6, a->addr.u8, out, (socklen_t)len);
}

static void push_time_iso(lua_State *L, uint64_t usec)
{
    time_t t = (time_t)(usec / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64], out[80];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, sizeof out, "%s.%06u+0000", buf, (unsigned)(usec % 1000000));
    lua_pushstring(L, out);
}

static void push_time_legacy(lua_State *L, uint64_t usec)
{
    time_t t = (time_t)(usec / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64], out[80];
    strftime(buf, sizeof buf, "%m/%d/%Y-%H:%M:%S", &tm);
    snprintf(out, sizeof out, "%s.%06u", buf, (unsigned)(usec % 1000000));
    lua_pushstring(L, out);
}


/* ---- scalar fields shared by the packet, flow and rule objects ---- */

enum obj_field {
    FIELD_PKT_PCAP_CNT,
    FIELD_PKT_TIME_ISO,
    FIELD_PKT_TIME_LEGACY,
    FIELD_FLOW_ID,
    FIELD_FLOW_TIME_ISO,
    FIELD_FLOW_TIME_LEGACY,
    FIELD_RULE_SID,
    FIELD_RULE_GID,
    FIELD_RULE_REV,
    FIELD_RULE_PRIORITY,
};

struct obj_field_reg {
    const char *name;
    enum obj_field field;
};

/* A method returning one scalar of the current packet, flow or rule
 * (upvalue 1: enum obj_field). */
static int obj_field_get(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    enum obj_field fld = (enum obj_field)lua_tointeger(L, lua_upvalueindex(1));
    const struct packet *p = c ? c->p : NULL;
    const struct flow *f = c ? c->f : NULL;
    const struct rule *r = c ? c->rule : NULL;
    if (fld <= FIELD_PKT_TIME_LEGACY && !p)
        return push_error(L, "no packet available");
    if (fld >= FIELD_FLOW_ID && fld <= FIELD_FLOW_TIME_LEGACY && !f)
        return push_error(L, "no flow available");
    if (fld >= FIELD_RULE_SID && !r)
        return push_error(L, "no rule available");
    switch (fld) {
    case FIELD_PKT_PCAP_CNT: lua_pushinteger(L, (lua_Integer)p->pcap_cnt); break;
    case FIELD_PKT_TIME_ISO: push_time_iso(L, p->ts_usec); break;
    case FIELD_PKT_TIME_LEGACY: push_time_legacy(L, p->ts_usec); break;
    case FIELD_FLOW_ID: lua_pushinteger(L, (lua_Integer)f->flow_id); break;
    case FIELD_FLOW_TIME_ISO: push_time_iso(L, f->start_usec); break;
    case FIELD_FLOW_TIME_LEGACY: push_time_legacy(L, f->start_usec); break;
    case FIELD_RULE_SID: lua_pushinteger(L, r->sid); break;
    case FIELD_RULE_GID: lua_pushinteger(L, r->gid); break;
    case FIELD_RULE_REV: lua_pushinteger(L, r->rev); break;
    case FIELD_RULE_PRIORITY: lua_pushinteger(L, r->priority); break;
    }
    return 1;
}

/* An object of the current call: a table whose metatable holds the
 * methods and the scalar fields (made once per state). */
static void push_object_fields(lua_State *L, const char *meta, const luaL_Reg *methods,
                               const struct obj_field_reg *fields)
{
    lua_newtable(L);
    if (luaL_newmetatable(L, meta)) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        for (size_t i = 0; fields && fields[i].name; i++) {
            lua_pushinteger(L, fields[i].field);
            lua_pushcclosure(L, obj_field_get, 1);
            lua_setfield(L, -2, fields[i].name);
        }
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
}

/* ---- suricata.packet ---- */

static const struct packet *pkt(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    return c ? c->p : NULL;
}

static bool has_ports(const struct packet *p)
{
    return p->proto == 6 || p->proto == 17 || p->proto == 132;
}

static int p_payload(lua_State *L)
{
    const struct packet *p = pkt(L);
    if (!p)
        return push_error(L, "no packet available");
    lua_pushlstring(L, (const char *)p->payload, p->payload_len);
    return 1;
}

static int p_packet(lua_State *L)
{
    const struct packet *p = pkt(L);
    if (!p || !p->data)
        return push_error(L, "no packet available");
    lua_pushlstring(L, (const char *)p->data, p->caplen);
    return 1;
}

static int p_timestamp(lua_State *L)
{
    const struct packet *p = pkt(L);
    if (!p)
        return push_error(L, "no packet available");
    lua_pushinteger(L, (lua_Integer)(p->ts_usec / 1000000));
    lua_pushinteger(L, (lua_Integer)(p->ts_usec % 1000000));
    return 2;
}

static int p_tuple(lua_State *L)
{
    const struct packet *p = pkt(L);
    if (!p || !p->ip_version)
        return push_error(L, "packet has no IP layer");
    char s[64], d[64];
    addr_str(&p->src, s, sizeof s);
    addr_str(&p->dst, d, sizeof d);
    lua_pushinteger(L, p->ip_version);
    lua_pushstring(L, s);
    lua_pushstring(L, d);
    lua_pushinteger(L, p->proto);
    if (has_ports(p)) {
        lua_pushinteger(L, p->src_port);
        lua_pushinteger(L, p->dst_port);
        return 6;
    }
    if (p->proto == 1 || p->proto == 58) {
        lua_pushinteger(L, p->icmp_type);
        lua_pushinteger(L, p->icmp_code);
        return 6;
    }
    return 4;
}

static int p_sp(lua_State *L)
{
    const struct packet *p = pkt(L);
    if (!p || !has_ports(p))
        return push_error(L, "sp only available for tcp, udp and sctp");
    lua_pushinteger(L, p->src_port);
    return 1;
}

static int p_dp(lua_State *L)
{
    const struct packet *p = pkt(L);
    if (!p || !has_ports(p))
        return push_error(L, "dp only available for tcp, udp and sctp");
    lua_pushinteger(L, p->dst_port);
    return 1;
}

static int p_get(lua_State *L)
{
    static const luaL_Reg m[] = {{"payload", p_payload},
                                 {"packet", p_packet},
                                 {"timestamp", p_timestamp},
                                 {"tuple", p_tuple},
                                 {"sp", p_sp},
                                 {"dp", p_dp},
                                 {NULL, NULL}};
    if (!pkt(L))
        return push_error(L, "no packet available");
    static const struct obj_field_reg fl[] = {{"pcap_cnt", FIELD_PKT_PCAP_CNT},
                                              {"timestring_iso8601", FIELD_PKT_TIME_ISO},
                                              {"timestring_legacy", FIELD_PKT_TIME_LEGACY},
                                              {NULL, 0}};
    push_object_fields(L, "suricata.packet.obj", m, fl);
    return 1;
}

static int open_packet(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get", p_get}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.flow ---- */

static const struct flow *flw(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    return c ? c->f : NULL;
}

static int f_timestamps(lua_State *L)
{
    const struct flow *f = flw(L);
    if (!f)
        return push_error(L, "no flow available");
    lua_pushinteger(L, (lua_Integer)(f->start_usec / 1000000));
    lua_pushinteger(L, (lua_Integer)(f->last_usec / 1000000));
    lua_pushinteger(L, (lua_Integer)(f->start_usec % 1000000));
    lua_pushinteger(L, (lua_Integer)(f->last_usec % 1000000));
    return 4;
}

static int f_tuple(lua_State *L)
{
    const struct flow *f = flw(L);
    if (!f)
        return push_error(L, "no flow available");
    char s[64], d[64];
    addr_str(&f->key.src, s, sizeof s);
    addr_str(&f->key.dst, d, sizeof d);
    lua_pushinteger(L, f->key.src.family == 4 ? 4 : 6);
    lua_pushstring(L, s);
    lua_pushstring(L, d);
    lua_pushinteger(L, f->key.proto);
    lua_pushinteger(L, f->key.src_port);
    lua_pushinteger(L, f->key.dst_port);
    return 6;
}

static int f_app_layer_proto(lua_State *L)
{
    const struct flow *f = flw(L);
    if (!f)
        return push_error(L, "no flow available");
    lua_pushstring(L, app_proto_name(f->app_proto));
    lua_pushstring(L, app_proto_name(f->app_proto_toserver));
    lua_pushstring(L, app_proto_name(f->app_proto_toclient));
    lua_pushstring(L, app_proto_name(f->app_proto_orig));
    lua_pushstring(L, app_proto_name(0));
    return 5;
}

static int f_stats(lua_State *L)
{
    const struct flow *f = flw(L);
    if (!f)
        return push_error(L, "no flow available");
    lua_pushinteger(L, (lua_Integer)f->pkts_toserver);
    lua_pushinteger(L, (lua_Integer)f->bytes_toserver);
    lua_pushinteger(L, (lua_Integer)f->pkts_toclient);
    lua_pushinteger(L, (lua_Integer)f->bytes_toclient);
    return 4;
}

static int f_get(lua_State *L)
{
    static const luaL_Reg m[] = {{"timestamps", f_timestamps},
                                 {"tuple", f_tuple},
                                 {"app_layer_proto", f_app_layer_proto},
                                 {"stats", f_stats},
                                 {NULL, NULL}};
    if (!flw(L))
        return push_error(L, "no flow available");
    static const struct obj_field_reg fl[] = {{"id", FIELD_FLOW_ID},
                                              {"timestring_iso8601", FIELD_FLOW_TIME_ISO},
                                              {"timestring_legacy", FIELD_FLOW_TIME_LEGACY},
                                              {NULL, 0}};
    push_object_fields(L, "suricata.flow.obj", m, fl);
    return 1;
}

static int open_flow(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get", f_get}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.rule ---- */

static const struct rule *rul(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    return c ? c->rule : NULL;
}

static int r_action(lua_State *L)
{
    const struct rule *r = rul(L);
    if (!r)
        return push_error(L, "no rule available");
    lua_pushstring(L, rule_action_name((enum rule_action)r->action));
    return 1;
}
static int r_msg(lua_State *L)
{
    const struct rule *r = rul(L);
    if (!r)
        return push_error(L, "no rule available");
    if (!r->msg)
        return push_error(L, "rule has no msg");
    lua_pushstring(L, r->msg);
    return 1;
}
static int r_class_description(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    const struct rule *r = rul(L);
    if (!r || !c->rs)
        return push_error(L, "no rule available");
    const struct rule_classification *cl =
        r->class_id >= 0 ? rule_set_classification(c->rs, r->class_id) : NULL;
    if (!cl || !cl->description)
        return push_error(L, "rule has no classification");
    lua_pushstring(L, cl->description);
    return 1;
}

static int r_get_rule(lua_State *L)
{
    static const luaL_Reg m[] = {{"action", r_action},
                                 {"msg", r_msg},
                                 {"class_description", r_class_description},
                                 {NULL, NULL}};
    if (!rul(L))
        return push_error(L, "no rule available");
    static const struct obj_field_reg fl[] = {{"sid", FIELD_RULE_SID},
                                              {"gid", FIELD_RULE_GID},
                                              {"rev", FIELD_RULE_REV},
                                              {"priority", FIELD_RULE_PRIORITY},
                                              {NULL, 0}};
    push_object_fields(L, "suricata.rule.obj", m, fl);
    return 1;
}

static int open_rule(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get_rule", r_get_rule}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- transactions: suricata.http, suricata.dns ---- */

/* Pushes instance 0 of an application-layer buffer of the transaction. */
static int tx_buffer(lua_State *L, enum app_buffer b, uint8_t dir, const char *what)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    const uint8_t *d;
    uint32_t len;
    if (!c || !c->tx || app_tx_get_buffer_dir(c->tx, b, dir, 0, &d, &len) != 0)
        return push_error(L, what);
    lua_pushlstring(L, (const char *)d, len);
    return 1;
}

/* A header of the raw header block (name case-insensitive, value trimmed). */
static int tx_header(lua_State *L, enum app_buffer raw, uint8_t dir)
{
    const char *name = luaL_checkstring(L, 2);
    size_t nlen = strlen(name);
    const struct detect_lua_ctx *c = ctx_of(L);
    const uint8_t *d;
    uint32_t len;
    if (!c || !c->tx || app_tx_get_buffer_dir(c->tx, raw, dir, 0, &d, &len) != 0)
        return push_error(L, "no headers");
    const char *s = (const char *)d, *end = s + len;
    while (s < end) {
        const char *eol = memchr(s, '\n', (size_t)(end - s));
        const char *le = eol ? eol : end;
        const char *colon = memchr(s, ':', (size_t)(le - s));
        if (colon && (size_t)(colon - s) == nlen && strncasecmp(s, name, nlen) == 0) {
            const char *v = colon + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = le;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            lua_pushlstring(L, v, (size_t)(ve - v));
            return 1;
        }
        s = le + 1;
    }
    return push_error(L, "header not found");
}

static int h_request_line(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_REQUEST_LINE, 0, "no request line");
}
static int h_response_line(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_RESPONSE_LINE, 1, "no response line");
}
static int h_request_uri_raw(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_URI_RAW, 0, "no request uri");
}
static int h_request_uri_normalized(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_URI, 0, "no normalized uri");
}
static int h_request_host(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_HOST, 0, "no request host");
}
static int h_request_headers_raw(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_HEADER_RAW, 0, "no raw request headers");
}
static int h_response_headers_raw(lua_State *L)
{
    return tx_buffer(L, APP_BUFFER_HTTP_RESPONSE_HEADER_RAW, 1, "no raw response headers");
}
static int h_request_header(lua_State *L)
{
    return tx_header(L, APP_BUFFER_HTTP_HEADER_RAW, 0);
}
static int h_response_header(lua_State *L)
{
    return tx_header(L, APP_BUFFER_HTTP_RESPONSE_HEADER_RAW, 1);
}
/* Bodies come as Suricata gives them: a table of the body's chunks (vigil
 * keeps the inspected body as one chunk). */
static int tx_body(lua_State *L, enum app_buffer b, uint8_t dir, const char *what)
{
    if (tx_buffer(L, b, dir, what) != 1)
        return 2;
    lua_createtable(L, 1, 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);
    return 1;
}
static int h_response_body(lua_State *L)
{
    return tx_body(L, APP_BUFFER_HTTP_RESPONSE_BODY, 1, "no response body");
}
static int h_request_body(lua_State *L)
{
    return tx_body(L, APP_BUFFER_HTTP_REQUEST_BODY, 0, "no request body");
}

static int tx_of_proto(lua_State *L, const char *proto)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    if (!c || !c->tx || !c->f)
        return 0;
    const char *name = app_proto_name(c->f->app_proto);
    return name && strncmp(name, proto, strlen(proto)) == 0;
}

static int h_get_tx(lua_State *L)
{
    static const luaL_Reg m[] = {{"request_line", h_request_line},
                                 {"response_line", h_response_line},
                                 {"request_uri_raw", h_request_uri_raw},
                                 {"request_uri_normalized", h_request_uri_normalized},
                                 {"request_host", h_request_host},
                                 {"request_headers_raw", h_request_headers_raw},
                                 {"response_headers_raw", h_response_headers_raw},
                                 {"request_header", h_request_header},
                                 {"response_header", h_response_header},
                                 {"request_body", h_request_body},
                                 {"response_body", h_response_body},
                                 {NULL, NULL}};
    if (!tx_of_proto(L, "http"))
        return push_error(L, "no HTTP transaction");
    push_object_fields(L, "suricata.http.tx", m, NULL);
    return 1;
}

static int open_http(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get_tx", h_get_tx}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* The first question's name (requests and responses alike). */
static int d_rrname(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    struct app_dns_record rec;
    for (uint32_t i = 0; c && app_dns_tx_record(c->tx, i, &rec) == 0; i++)
        if (rec.section == 0) {
            lua_pushlstring(L, (const char *)rec.name, rec.name_len);
            return 1;
        }
    return push_error(L, "no rrname");
}

static int d_txid(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    uint16_t id;
    uint8_t rc;
    char name[16];
    if (!c || app_dns_tx_header(c->tx, &id, &rc, name, sizeof name) != 0)
        return push_error(L, "no DNS transaction");
    lua_pushinteger(L, id);
    return 1;
}

static int d_rcode(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    uint16_t id;
    uint8_t rc;
    char name[16];
    if (!c || app_dns_tx_header(c->tx, &id, &rc, name, sizeof name) != 0)
        return push_error(L, "no DNS transaction");
    lua_pushinteger(L, rc);
    return 1;
}

static int d_rcode_string(lua_State *L)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    uint16_t id;
    uint8_t rc;
    char name[16];
    if (!c || app_dns_tx_header(c->tx, &id, &rc, name, sizeof name) != 0)
        return push_error(L, "no DNS transaction");
    lua_pushstring(L, name);
    return 1;
}

/* The records of one section as Suricata gives them: a table indexed from
 * 0 of tables {type, rrname} (answers and authorities: also ttl and addr). */
static int d_section(lua_State *L, uint8_t section)
{
    const struct detect_lua_ctx *c = ctx_of(L);
    if (!c || !c->tx)
        return push_error(L, "no DNS transaction");
    lua_newtable(L);
    struct app_dns_record rec;
    lua_Integer n = 0;
    for (uint32_t i = 0; app_dns_tx_record(c->tx, i, &rec) == 0; i++) {
        if (rec.section != section)
            continue;
        lua_newtable(L);
        lua_pushstring(L, rec.type_name);
        lua_setfield(L, -2, "type");
        lua_pushlstring(L, (const char *)rec.name, rec.name_len);
        lua_setfield(L, -2, "rrname");
        if (section) {
            lua_pushinteger(L, rec.ttl);
            lua_setfield(L, -2, "ttl");
            if (rec.data[0]) {
                lua_pushstring(L, rec.data);
                lua_setfield(L, -2, "addr");
            }
        }
        lua_rawseti(L, -2, n++);
    }
    return 1;
}
static int d_queries(lua_State *L) { return d_section(L, 0); }
static int d_answers(lua_State *L) { return d_section(L, 1); }
static int d_authorities(lua_State *L) { return d_section(L, 2); }

static int d_get_tx(lua_State *L)
{
    static const luaL_Reg m[] = {{"rrname", d_rrname},           {"txid", d_txid},
                                 {"rcode", d_rcode},             {"rcode_string", d_rcode_string},
                                 {"queries", d_queries},         {"answers", d_answers},
                                 {"authorities", d_authorities}, {NULL, NULL}};
    if (!tx_of_proto(L, "dns"))
        return push_error(L, "no DNS transaction");
    push_object_fields(L, "suricata.dns.tx", m, NULL);
    return 1;
}

static int open_dns(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get_tx", d_get_tx}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.ssh, suricata.tls: fields the parsers give as buffers ---- */

struct tx_field {
    const char *method;
    enum app_buffer b;
    uint8_t dir;
};

/* A method reading the field named by its upvalue (index in the table). */
static int tx_field_get(lua_State *L)
{
    const struct tx_field *f = lua_touserdata(L, lua_upvalueindex(1));
    char what[64];
    snprintf(what, sizeof what, "%s not available", f->method);
    return tx_buffer(L, f->b, f->dir, what);
}

static void push_field_object(lua_State *L, const char *meta, const struct tx_field *fields,
                              size_t n)
{
    lua_newtable(L);
    if (luaL_newmetatable(L, meta)) {
        lua_newtable(L);
        for (size_t i = 0; i < n; i++) {
            lua_pushlightuserdata(L, (void *)&fields[i]);
            lua_pushcclosure(L, tx_field_get, 1);
            lua_setfield(L, -2, fields[i].method);
        }
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
}

static const struct tx_field ssh_fields[] = {
    {"server_proto", APP_BUFFER_SSH_PROTO, 1},
    {"server_software", APP_BUFFER_SSH_SOFTWARE, 1},
    {"client_proto", APP_BUFFER_SSH_PROTO, 0},
    {"client_software", APP_BUFFER_SSH_SOFTWARE, 0},
    {"client_hassh", APP_BUFFER_SSH_HASSH, 0},
    {"client_hassh_string", APP_BUFFER_SSH_HASSH_STRING, 0},
    {"server_hassh", APP_BUFFER_SSH_HASSH_SERVER, 1},
    {"server_hassh_string", APP_BUFFER_SSH_HASSH_SERVER_STRING, 1},
};

static int s_get_tx(lua_State *L)
{
    if (!tx_of_proto(L, "ssh"))
        return push_error(L, "no SSH transaction");
    push_field_object(L, "suricata.ssh.tx", ssh_fields, sizeof ssh_fields / sizeof ssh_fields[0]);
    return 1;
}

/* Suricata computes HASSH when a rule or output needs it; vigil always does. */
static int s_enable_hassh(lua_State *L)
{
    (void)L;
    return 0;
}

static int open_ssh(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get_tx", s_get_tx}, {"enable_hassh", s_enable_hassh},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

static const struct tx_field tls_fields[] = {
    {"get_client_sni", APP_BUFFER_TLS_SNI, 0},
    {"get_server_serial", APP_BUFFER_TLS_CERT_SERIAL, 1},
    {"get_server_subject", APP_BUFFER_TLS_CERT_SUBJECT, 1},
    {"get_server_issuer", APP_BUFFER_TLS_CERT_ISSUER, 1},
    {"get_server_fingerprint", APP_BUFFER_TLS_CERT_FINGERPRINT, 1},
    {"get_client_serial", APP_BUFFER_TLS_CERT_SERIAL, 0},
    {"get_client_subject", APP_BUFFER_TLS_CERT_SUBJECT, 0},
    {"get_client_issuer", APP_BUFFER_TLS_CERT_ISSUER, 0},
    {"get_client_fingerprint", APP_BUFFER_TLS_CERT_FINGERPRINT, 0},
};

static int t_get_tx(lua_State *L)
{
    if (!tx_of_proto(L, "tls"))
        return push_error(L, "no TLS transaction");
    push_field_object(L, "suricata.tls.tx", tls_fields, sizeof tls_fields / sizeof tls_fields[0]);
    return 1;
}

static int open_tls(lua_State *L)
{
    static const luaL_Reg fns[] = {{"get_tx", t_get_tx}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.hashlib: SHA-256, SHA-1, MD5 (libcrypto) ---- */

#define HASHER_META "suricata.hashlib.hasher"

static const EVP_MD *hash_md(const char *name)
{
    return !strcmp(name, "sha256") ? EVP_sha256() : !strcmp(name, "sha1") ? EVP_sha1() : EVP_md5();
}

static void push_hex(lua_State *L, const unsigned char *d, unsigned n)
{
    static const char hex[] = "0123456789abcdef";
    char out[2 * EVP_MAX_MD_SIZE];
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    lua_pushlstring(L, out, 2 * (size_t)n);
}

/* upvalue 1: the algorithm's name; upvalue 2: true for hex output */
static int hash_oneshot(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    const EVP_MD *md = hash_md(lua_tostring(L, lua_upvalueindex(1)));
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!EVP_Digest(data, len, d, &n, md, NULL))
        return luaL_error(L, "hash failed");
    if (lua_toboolean(L, lua_upvalueindex(2)))
        push_hex(L, d, n);
    else
        lua_pushlstring(L, (const char *)d, n);
    return 1;
}

struct hasher {
    EVP_MD_CTX *ctx; /* NULL once finalized */
};

static struct hasher *hasher_check(lua_State *L)
{
    struct hasher *h = luaL_checkudata(L, 1, HASHER_META);
    if (!h->ctx)
        luaL_error(L, "hasher already finalized");
    return h;
}

static int hasher_update(lua_State *L)
{
    struct hasher *h = hasher_check(L);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    if (!EVP_DigestUpdate(h->ctx, data, len))
        return luaL_error(L, "hash update failed");
    lua_pushboolean(L, 1);
    return 1;
}

static int hasher_finish(lua_State *L, bool hex)
{
    struct hasher *h = hasher_check(L);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    int ok = EVP_DigestFinal_ex(h->ctx, d, &n);
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    if (!ok)
        return luaL_error(L, "hash failed");
    if (hex)
        push_hex(L, d, n);
    else
        lua_pushlstring(L, (const char *)d, n);
    return 1;
}
static int hasher_finalize(lua_State *L) { return hasher_finish(L, false); }
static int hasher_finalize_hex(lua_State *L) { return hasher_finish(L, true); }

static int hasher_gc(lua_State *L)
{
    struct hasher *h = luaL_checkudata(L, 1, HASHER_META);
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    return 0;
}

/* upvalue 1: the algorithm's name */
static int hasher_new(lua_State *L)
{
    struct hasher *h = lua_newuserdatauv(L, sizeof *h, 0);
    h->ctx = NULL;
    if (luaL_newmetatable(L, HASHER_META)) {
        static const luaL_Reg m[] = {{"update", hasher_update},
                                     {"finalize", hasher_finalize},
                                     {"finalize_to_hex", hasher_finalize_hex},
                                     {NULL, NULL}};
        lua_newtable(L);
        luaL_setfuncs(L, m, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, hasher_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || !EVP_DigestInit_ex(h->ctx, hash_md(lua_tostring(L, lua_upvalueindex(1))), NULL))
        return luaL_error(L, "hash init failed");
    return 1;
}

static int open_hashlib(lua_State *L)
{
    static const char *const algos[] = {"sha256", "sha1", "md5"};
    lua_newtable(L);
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        lua_pushstring(L, algos[i]);
        lua_pushcclosure(L, hasher_new, 1);
        lua_setfield(L, -2, algos[i]);
        for (int hex = 0; hex < 2; hex++) {
            lua_pushstring(L, algos[i]);
            lua_pushboolean(L, hex);
            lua_pushcclosure(L, hash_oneshot, 2);
            snprintf(name, sizeof name, "%s_%s", algos[i], hex ? "hexdigest" : "digest");
            lua_setfield(L, -2, name);
        }
    }
    return 1;
}

/* ---- suricata.base64 ---- */

static int b64_encode_common(lua_State *L, bool pad)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len;
    const unsigned char *in = (const unsigned char *)luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t n = len - i < 3 ? len - i : 3;
        if (n > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (n > 2)
            v |= in[i + 2];
        luaL_addchar(&b, al[(v >> 18) & 63]);
        luaL_addchar(&b, al[(v >> 12) & 63]);
        if (n > 1)
            luaL_addchar(&b, al[(v >> 6) & 63]);
        else if (pad)
            luaL_addchar(&b, '=');
        if (n > 2)
            luaL_addchar(&b, al[v & 63]);
        else if (pad)
            luaL_addchar(&b, '=');
    }
    luaL_pushresult(&b);
    return 1;
}
static int b64_encode(lua_State *L) { return b64_encode_common(L, true); }
static int b64_encode_nopad(lua_State *L) { return b64_encode_common(L, false); }

static int b64_val(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A'
           : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52
           : c == '+'             ? 62
           : c == '/'             ? 63
                                  : -1;
}

enum { B64_PAD, B64_NOPAD, B64_PADOPT, B64_RFC2045, B64_RFC4648 };

/* Decodes by Suricata's modes: padding required, forbidden or optional;
 * RFC 2045 skips characters outside the alphabet; RFC 4648 stops at the
 * first one. nil on malformed input. */
static int b64_decode_mode(lua_State *L, int mode)
{
    size_t len;
    const unsigned char *in = (const unsigned char *)luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    uint32_t acc = 0;
    int bits = 0;
    size_t nchars = 0, npad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = in[i];
        if (c == '=') {
            if (mode == B64_NOPAD)
                return push_error(L, "padding not allowed");
            npad++;
            continue;
        }
        int v = b64_val(c);
        if (v < 0) {
            if (mode == B64_RFC2045)
                continue;
            if (mode == B64_RFC4648)
                break;
            return push_error(L, "invalid base64");
        }
        if (npad)
            return push_error(L, "data after padding");
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        nchars++;
        if (bits >= 8) {
            bits -= 8;
            luaL_addchar(&b, (char)((acc >> bits) & 0xff));
        }
    }
    if (mode == B64_PAD && (nchars + npad) % 4 != 0)
        return push_error(L, "missing padding");
    if (nchars % 4 == 1 && mode != B64_RFC4648 && mode != B64_RFC2045)
        return push_error(L, "truncated base64");
    luaL_pushresult(&b);
    return 1;
}
static int b64_decode(lua_State *L) { return b64_decode_mode(L, B64_PAD); }
static int b64_decode_nopad(lua_State *L) { return b64_decode_mode(L, B64_NOPAD); }
static int b64_decode_padopt(lua_State *L) { return b64_decode_mode(L, B64_PADOPT); }
static int b64_decode_rfc2045(lua_State *L) { return b64_decode_mode(L, B64_RFC2045); }
static int b64_decode_rfc4648(lua_State *L) { return b64_decode_mode(L, B64_RFC4648); }

static int open_base64(lua_State *L)
{
    static const luaL_Reg fns[] = {{"encode", b64_encode},
                                   {"encode_nopad", b64_encode_nopad},
                                   {"decode", b64_decode},
                                   {"decode_nopad", b64_decode_nopad},
                                   {"decode_padopt", b64_decode_padopt},
                                   {"decode_rfc2045", b64_decode_rfc2045},
                                   {"decode_rfc4648", b64_decode_rfc4648},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.bytevar: byte_extract / byte_math variables ---- */

#define BYTEVAR_META "suricata.bytevar.var"

/* init's map(sig, name): the rule's variables are known to the rule, so
 * there is nothing to record. */
static int bv_map(lua_State *L)
{
    luaL_checkstring(L, 2);
    return 0;
}

static int bv_get(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_newtable(L);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    luaL_setmetatable(L, BYTEVAR_META);
    return 1;
}

/* The variable's value in the current inspection; nil when the rule has no
 * such variable. */
static int bv_value(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    const struct detect_lua_ctx *c = ctx_of(L);
    if (!name || !c || !c->rule || !c->thread)
        return push_error(L, "no byte variable available");
    for (uint32_t i = 0; i < c->rule->nbyte_vars; i++)
        if (c->rule->byte_var_names[i] && !strcmp(c->rule->byte_var_names[i], name)) {
            lua_pushinteger(L, (lua_Integer)detect_thread_byte_var(c->thread, i));
            return 1;
        }
    return push_error(L, "unknown byte variable");
}

static int open_bytevar(lua_State *L)
{
    static const luaL_Reg fns[] = {{"map", bv_map}, {"get", bv_get}, {NULL, NULL}};
    static const luaL_Reg m[] = {{"value", bv_value}, {NULL, NULL}};
    if (luaL_newmetatable(L, BYTEVAR_META)) {
        lua_newtable(L);
        luaL_setfuncs(L, m, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.flowint: the flow's integer variables ---- */

#define FLOWINT_META "suricata.flowint.var"

static int fi_register(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const struct detect_lua_ctx *c = ctx_of(L);
    if (!c || !c->loading)
        return luaL_error(L, "flowint.register is only available in init()");
    int rc = detect_lua_register_flowint(c->loading, name);
    if (rc == -ENOSPC)
        return luaL_error(L, "too many flowints registered");
    if (rc)
        return luaL_error(L, "out of memory");
    return 0;
}

static int fi_get(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_newtable(L);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    luaL_setmetatable(L, FLOWINT_META);
    return 1;
}

/* The variable's id in the rule set, or -1. */
static int64_t fi_id(lua_State *L, const struct detect_lua_ctx **cp)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    const struct detect_lua_ctx *c = ctx_of(L);
    lua_pop(L, 1);
    *cp = c;
    if (!name || !c || !c->rs || !c->flow_state || !c->flowint_get)
        return -1;
    return name_table_find(&c->rs->vars_by_kind[RULE_VAR_FLOWINT], name);
}

static int fi_value(lua_State *L)
{
    const struct detect_lua_ctx *c;
    int64_t id = fi_id(L, &c), v;
    if (id < 0 || !c->flowint_get(c->flow_state, (uint32_t)id, &v)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

static int fi_set(lua_State *L)
{
    const struct detect_lua_ctx *c;
    int64_t id = fi_id(L, &c);
    lua_Integer v = luaL_checkinteger(L, 2);
    if (id >= 0)
        c->flowint_put(c->flow_state, (uint32_t)id, (int64_t)v);
    return 0;
}

static int fi_add(lua_State *L, int64_t delta)
{
    const struct detect_lua_ctx *c;
    int64_t id = fi_id(L, &c), v = 0;
    if (id < 0)
        return push_error(L, "no such flowint");
    if (!c->flowint_get(c->flow_state, (uint32_t)id, &v))
        v = 0;
    v += delta;
    c->flowint_put(c->flow_state, (uint32_t)id, v);
    lua_pushinteger(L, (lua_Integer)v);
    return 1;
}
static int fi_incr(lua_State *L) { return fi_add(L, 1); }
static int fi_decr(lua_State *L) { return fi_add(L, -1); }

static int open_flowint(lua_State *L)
{
    static const luaL_Reg fns[] = {{"register", fi_register}, {"get", fi_get}, {NULL, NULL}};
    static const luaL_Reg m[] = {{"value", fi_value}, {"set", fi_set}, {"incr", fi_incr},
                                 {"decr", fi_decr},   {NULL, NULL}};
    if (luaL_newmetatable(L, FLOWINT_META)) {
        lua_newtable(L);
        luaL_setfuncs(L, m, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}

/* ---- suricata.util ---- */

static int u_thread_info(lua_State *L)
{
    lua_newtable(L);
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, "W#01");
    lua_setfield(L, -2, "name");
    lua_pushstring(L, "worker");
    lua_setfield(L, -2, "group_name");
    return 1;
}

static int open_util(lua_State *L)
{
    static const luaL_Reg fns[] = {{"thread_info", u_thread_info}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

void detect_lua_lib_register(struct lua_sandbox *sb)
{
    lua_sandbox_add_module(sb, "suricata.hashlib", open_hashlib);
    lua_sandbox_add_module(sb, "suricata.util", open_util);
    lua_sandbox_add_module(sb, "suricata.base64", open_base64);
    lua_sandbox_add_module(sb, "suricata.bytevar", open_bytevar);
    lua_sandbox_add_module(sb, "suricata.flowint", open_flowint);
    lua_sandbox_add_module(sb, "suricata.ssh", open_ssh);
    lua_sandbox_add_module(sb, "suricata.tls", open_tls);
    lua_sandbox_add_module(sb, "suricata.log", open_log);
    lua_sandbox_add_module(sb, "suricata.packet", open_packet);
    lua_sandbox_add_module(sb, "suricata.flow", open_flow);
    lua_sandbox_add_module(sb, "suricata.rule", open_rule);
    lua_sandbox_add_module(sb, "suricata.http", open_http);
    lua_sandbox_add_module(sb, "suricata.dns", open_dns);
}

#endif /* VIGIL_HAVE_LUA */
