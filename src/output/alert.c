/* SPDX-License-Identifier: Apache-2.0 */
#include "output/alert.h"
#include "output/builtin_alert.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/app_iso8583.h"
#include "detect/detect_engine_packet.h"
#include "detect/rule.h"
#include "flow/flow.h"

void alert_log_options_defaults(struct alert_log_options *o)
{
    memset(o, 0, sizeof *o);
    o->app_layer = true;
    o->flow = true;
    o->rule_metadata = true;
    snprintf(o->xff_header, sizeof o->xff_header, "X-Forwarded-For");
}

struct xff_find {
    const char *header;
    bool forward;
    char *ip;
    bool found;
};

static int xff_find_tx(struct app_tx *tx, void *user)
{
    struct xff_find *x = user;
    char ip[64];
    if (app_http_tx_xff(tx, x->header, x->forward, ip, sizeof ip)) {
        memcpy(x->ip, ip, sizeof ip);
        x->found = true; /* keep going: the most recent transaction wins */
    }
    return 0;
}

/* The XFF address for an alert: from its transaction, else from the most
 * recent transaction of the flow that has one (as Suricata looks it up for
 * packet alerts on HTTP flows). */
static bool alert_xff_ip(const struct alert_log_options *opts, const struct flow *f,
                         const struct app_tx *tx, char ip[64])
{
    if (opts->xff_mode == ALERT_XFF_OFF)
        return false;
    if (tx)
        return app_http_tx_xff(tx, opts->xff_header, opts->xff_forward, ip, 64);
    if (!f || !f->app)
        return false;
    struct xff_find x = {.header = opts->xff_header, .forward = opts->xff_forward, .ip = ip};
    app_flow_state_tx_foreach(f->app, xff_find_tx, &x);
    return x.found;
}

void alert_write_base64(struct json_writer *w, const char *key, const uint8_t *d, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char buf[4096];
    json_key(w, key);
    /* Written in pieces so large payloads need no big buffer. */
    json_append_raw(w, "\"", 1);
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t v = (uint32_t)d[i] << 16;
        size_t take = n - i >= 3 ? 3 : n - i;
        if (take > 1)
            v |= (uint32_t)d[i + 1] << 8;
        if (take > 2)
            v |= d[i + 2];
        buf[o++] = tbl[(v >> 18) & 63];
        buf[o++] = tbl[(v >> 12) & 63];
        buf[o++] = take > 1 ? tbl[(v >> 6) & 63] : '=';
        buf[o++] = take > 2 ? tbl[v & 63] : '=';
        i += take;
        if (o >= sizeof buf - 4) {
            json_append_raw(w, buf, o);
            o = 0;
        }
    }
    json_append_raw(w, buf, o);
    json_append_raw(w, "\"", 1);
    w->need_comma[w->depth] = true;
}

void alert_write_printable(struct json_writer *w, const char *key, const uint8_t *d, size_t n)
{
    alert_write_printable_gap(w, key, d, n, 0, 0);
}

void alert_write_printable_gap(struct json_writer *w, const char *key, const uint8_t *d, size_t n,
                               uint64_t missing, size_t missing_at)
{
    char buf[2048];
    json_key(w, key);
    json_append_raw(w, "\"", 1);
    size_t o = 0;
    if (missing_at > n)
        missing_at = n;
    for (size_t i = 0; i < n; i++) {
        if (missing && i == missing_at) {
            /* Suricata's mark of stream bytes lost to a gap */
            json_append_raw(w, buf, o);
            o = (size_t)snprintf(buf, sizeof buf, "[%llu bytes missing]",
                                 (unsigned long long)missing);
            missing = 0;
        }
        unsigned char c = d[i];
        if (c == '\\' || c == '"') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else if (c == '\r') {
            buf[o++] = '\\';
            buf[o++] = 'r';
        } else {
            /* Suricata prints only isprint() bytes, \n and \r; a tab is '.' */
            buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
        }
        if (o >= sizeof buf - 4) {
            json_append_raw(w, buf, o);
            o = 0;
        }
    }
    json_append_raw(w, buf, o);
    if (missing) {
        int m = snprintf(buf, sizeof buf, "[%llu bytes missing]", (unsigned long long)missing);
        json_append_raw(w, buf, (size_t)m);
    }
    json_append_raw(w, "\"", 1);
    w->need_comma[w->depth] = true;
}

/* Link type names as Suricata writes them in packet_info.linktype_name
 * (libpcap's names, except that Suricata spells the raw IP link types
 * "IPv4"/"IPv6" and calls every raw-IP variant "RAW"). */
static const char *linktype_name(int datalink)
{
    switch (datalink) {
    case 12: case 14: case 101: return "RAW";
    case 228: return "IPv4";
    case 229: return "IPv6";
    default: return pcap_datalink_val_to_name(datalink);
    }
}

/* "packet" and "packet_info": the frame as captured or, for a reassembled
 * IP datagram, its link-layer header followed by the whole datagram, as
 * Suricata logs its reassembled pseudo packet. */
static void write_packet(struct json_writer *w, const struct packet *p, const struct flow *f)
{
    if (p->flags & PACKET_FLAG_PSEUDO)
        return;
    if ((p->flags & PACKET_FLAG_REASSEMBLED) && p->frame_l3_offset <= p->caplen &&
        p->l3_len <= 65535) {
        static _Thread_local uint8_t buf[65535 + 256];
        uint32_t l2 = p->frame_l3_offset > 256 ? 0 : p->frame_l3_offset;
        memcpy(buf, p->data, l2);
        memcpy(buf + l2, p->l3, p->l3_len);
        /* card payments: card numbers masked (app_iso8583_redact_at) */
        struct app_iso8583_where wh;
        bool in = p->payload >= p->l3 && p->payload - p->l3 <= p->l3_len &&
                  app_iso8583_packet_where(f, p, l2 + (uint32_t)(p->payload - p->l3), &wh);
        const uint8_t *r = app_iso8583_redact_at(f, buf, l2 + p->l3_len, in ? &wh : NULL);
        if (r)
            alert_write_base64(w, "packet", r, l2 + p->l3_len);
    } else {
        struct app_iso8583_where wh;
        bool in = p->payload >= p->data && (size_t)(p->payload - p->data) <= p->caplen &&
                  app_iso8583_packet_where(f, p, (uint32_t)(p->payload - p->data), &wh);
        const uint8_t *r = app_iso8583_redact_at(f, p->data, p->caplen, in ? &wh : NULL);
        if (r)
            alert_write_base64(w, "packet", r, p->caplen);
    }
    json_key_object_begin(w, "packet_info");
    json_key_i64(w, "linktype", p->datalink);
    const char *name = linktype_name(p->datalink);
    if (name)
        json_key_string(w, "linktype_name", name);
    json_object_end(w);
}

/* Rule metadata as Suricata groups it: {"key": ["v1", "v2"], ...}. */
static void write_rule_metadata(struct json_writer *w, const struct rule *r)
{
    if (r->nmetadata == 0)
        return;
    json_key_object_begin(w, "metadata");
    for (uint32_t i = 0; i < r->nmetadata; i++) {
        bool seen = false;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(r->metadata[j].key, r->metadata[i].key) == 0)
                seen = true;
        if (seen)
            continue;
        json_key_array_begin(w, r->metadata[i].key);
        for (uint32_t j = i; j < r->nmetadata; j++)
            if (strcmp(r->metadata[j].key, r->metadata[i].key) == 0)
                json_write_string(w, r->metadata[j].value ? r->metadata[j].value : "");
        json_array_end(w);
    }
    json_object_end(w);
}

/* An alert on the other direction's data (delivered on this packet, the
 * ACK that acknowledged it) is reported as that direction travelled. */
static const struct packet *alert_packet_view(const struct packet *p, uint8_t direction,
                                              struct packet *view)
{
    if (direction == p->flow_direction || !p->flow)
        return p;
    *view = *p;
    view->src = p->dst;
    view->dst = p->src;
    view->src_port = p->dst_port;
    view->dst_port = p->src_port;
    view->flow_direction = direction;
    view->payload = NULL;
    view->payload_len = 0;
    return view;
}

/* What an alert line says, whether a rule or a built-in detector raised it. */
struct alert_fields {
    uint32_t gid, sid, rev;
    const char *msg;
    const char *category;
    int severity;
    const struct rule *rule;       /* rule metadata, or NULL */
    const char *const *metadata;   /* built-in metadata pairs, or NULL */
    const struct app_tx *tx;
    uint64_t tx_id;
    bool from_stream;
    uint8_t rule_action;           /* enum rule_action (alert for built-in alerts) */
    uint8_t packet_actions;        /* enum detect_action_bit: the packet's verdict */
    bool rate_modified;            /* a rate_filter changed the rule's action */
    const struct detect_alert_frame *frame; /* a frame rule's frame, or NULL */
    const struct detect_dataset_context *context; /* datajson members matched */
    uint8_t ncontext;
};

#define ALERT_FRAME_PAYLOAD_MAX 4096u

/* Suricata's "frame" object of an alert on a frame. */
static void write_frame(struct json_writer *w, const struct detect_alert_frame *fr,
                        const struct flow *f)
{
    json_key_object_begin(w, "frame");
    json_key_string(w, "type", fr->type ? fr->type : "");
    json_key_u64(w, "id", fr->id);
    json_key_string(w, "direction", fr->direction ? "toclient" : "toserver");
    json_key_u64(w, "stream_offset", fr->offset);
    if (fr->len >= 0)
        json_key_u64(w, "length", (uint64_t)fr->len);
    json_key_bool(w, "complete", fr->complete);
    /* its bytes, as Suricata logs them with an alert: at most 4 KiB (the
     * printable form of at most 4095, its buffer's size less the NUL) */
    uint32_t n = fr->data_len < ALERT_FRAME_PAYLOAD_MAX ? fr->data_len : ALERT_FRAME_PAYLOAD_MAX;
    /* card payments: card numbers masked (app_iso8583_redact_at), as in
     * the packet payload (a frame:iso8583.stream rule sees the stream) */
    struct app_iso8583_where wh = {
        .len = n, .direction = fr->direction, .offset_known = true, .offset = fr->offset};
    const uint8_t *d =
        fr->data ? app_iso8583_redact_at(f, fr->data, n, fr->missing ? NULL : &wh) : NULL;
    if (d) {
        alert_write_base64(w, "payload", d, n);
        alert_write_printable_gap(w, "payload_printable", d,
                                  n < ALERT_FRAME_PAYLOAD_MAX ? n : n - 1, fr->missing,
                                  fr->missing_at);
    }
    if (fr->tx_id >= 0)
        json_key_u64(w, "tx_id", (uint64_t)fr->tx_id);
    json_object_end(w);
}

/* Built-in metadata pairs grouped by key, as rule metadata is. */
static void write_pair_metadata(struct json_writer *w, const char *const *kv)
{
    if (!kv || !kv[0])
        return;
    json_key_object_begin(w, "metadata");
    for (size_t i = 0; kv[i]; i += 2) {
        bool seen = false;
        for (size_t j = 0; j < i; j += 2)
            if (strcmp(kv[j], kv[i]) == 0)
                seen = true;
        if (seen)
            continue;
        json_key_array_begin(w, kv[i]);
        for (size_t j = i; kv[j]; j += 2)
            if (strcmp(kv[j], kv[i]) == 0)
                json_write_string(w, kv[j + 1] ? kv[j + 1] : "");
        json_array_end(w);
    }
    json_object_end(w);
}

static void write_alert_event(struct eve_writer *ew, const struct alert_log_options *opts,
                              const struct packet *p, const struct packet *frame,
                              const struct flow *f, enum eve_direction dir, uint64_t ts_usec,
                              uint8_t direction, const struct alert_fields *a)
{
    char xff[64];
    bool have_xff = alert_xff_ip(opts, f, a->tx, xff);
    if (have_xff && opts->xff_mode == ALERT_XFF_OVERWRITE) {
        /* The proxy's client stands for the flow's client. */
        if (direction)
            ew->override_dest_ip = xff;
        else
            ew->override_src_ip = xff;
    }
    struct json_writer *w = eve_event_begin(ew, "alert", p, f, dir, ts_usec);
    if (a->tx)
        json_key_u64(w, "tx_id", a->tx_id);
    if (f)
        json_key_string(w, "direction", direction ? "to_client" : "to_server");
    json_key_object_begin(w, "alert");
    /* A reject rule's alert is "blocked" in either mode (the reset is sent
     * or, offline, would be); a drop rule's only when running inline. In IDS
     * mode drop rules say so in fast.log ([wDrop]). */
    bool blocked = a->rule_action >= RULE_ACTION_REJECT ||
                   (a->rule_action == RULE_ACTION_DROP && opts->ips);
    /* A rate_filter changed the action: what happened to the packet. */
    if (a->rate_modified)
        blocked = a->packet_actions & (DETECT_ACTION_DROP | DETECT_ACTION_REJECT_ANY);
    json_key_string(w, "action", blocked ? "blocked" : "allowed");
    json_key_u64(w, "gid", a->gid);
    json_key_u64(w, "signature_id", a->sid);
    json_key_u64(w, "rev", a->rev);
    json_key_string(w, "signature", a->msg ? a->msg : "");
    json_key_string(w, "category", a->category ? a->category : "");
    json_key_i64(w, "severity", a->severity);
    if (opts->rule_metadata) {
        if (a->rule)
            write_rule_metadata(w, a->rule);
        else
            write_pair_metadata(w, a->metadata);
    }
    if (have_xff && opts->xff_mode == ALERT_XFF_EXTRA_DATA)
        json_key_string(w, "xff", xff);
    if (a->ncontext) {
        /* Suricata 8's datajson: each matched member's object under the
         * keyword's context_key (the sets hold it as compact JSON text) */
        json_key_object_begin(w, "context");
        for (uint8_t i = 0; i < a->ncontext; i++) {
            json_key(w, a->context[i].key);
            json_raw(w, a->context[i].json, a->context[i].len);
        }
        json_object_end(w);
    }
    json_object_end(w);
    if (f && f->app_proto)
        json_key_string(w, "app_proto", app_proto_name(f->app_proto));
    /* A protocol Suricata has no parser for has no object in its alert
     * schema: written only when asked for (vigil-protocols: yes). */
    if (opts->app_layer && a->tx && (opts->vigil_protocols || !app_tx_vigil_only(a->tx)))
        app_tx_write_json(a->tx, w);
    if (a->frame)
        write_frame(w, a->frame, f);
    if (opts->flow && f) {
        char ts[48], ip[64];
        json_key_object_begin(w, "flow");
        json_key_u64(w, "pkts_toserver", f->pkts_toserver);
        json_key_u64(w, "pkts_toclient", f->pkts_toclient);
        json_key_u64(w, "bytes_toserver", f->bytes_toserver);
        json_key_u64(w, "bytes_toclient", f->bytes_toclient);
        eve_format_timestamp(f->start_usec, ts, sizeof ts);
        json_key_string(w, "start", ts);
        eve_format_ip(&f->key.src, ip, sizeof ip);
        json_key_string(w, "src_ip", ip);
        eve_format_ip(&f->key.dst, ip, sizeof ip);
        json_key_string(w, "dest_ip", ip);
        if (f->key.proto == 6 || f->key.proto == 17) {
            json_key_u64(w, "src_port", f->key.src_port);
            json_key_u64(w, "dest_port", f->key.dst_port);
        }
        json_object_end(w);
    }
    if (p) {
        /* card payments: card numbers masked (app_iso8583_redact_at) */
        struct app_iso8583_where wh;
        const uint8_t *pl =
            app_iso8583_packet_where(f, p, 0, &wh)
                ? app_iso8583_redact_at(f, p->payload, p->payload_len, &wh)
                : NULL;
        if (opts->payload && pl)
            alert_write_base64(w, "payload", pl, p->payload_len);
        if (opts->payload_printable && pl)
            alert_write_printable(w, "payload_printable", pl, p->payload_len);
        if (opts->payload || opts->payload_printable)
            json_key_u64(w, "stream", a->from_stream ? 1 : 0);
    }
    if (opts->packet && frame)
        write_packet(w, frame, f);
    if (opts->verdict && p)
        alert_write_verdict(w, a->packet_actions, opts->ips, p->proto);
    eve_event_end(ew);
}

void alert_write_verdict(struct json_writer *w, uint8_t actions, bool ips, uint8_t proto)
{
    json_key_object_begin(w, "verdict");
    if (actions & DETECT_ACTION_REJECT_ANY) {
        json_key_string(w, "action", ips ? "drop" : "alert");
        /* Suricata 9's name (8 wrote "reject-target"). */
        json_key_string(w, "reject_target", (actions & DETECT_ACTION_REJECT)       ? "to_client"
                                            : (actions & DETECT_ACTION_REJECT_DST) ? "to_server"
                                                                                   : "both");
        json_key_array_begin(w, "reject");
        if (proto == 6)
            json_write_string(w, "tcp-reset");
        else if (proto == 17 || proto == 1 || proto == 58)
            json_write_string(w, "icmp-prohib");
        json_array_end(w);
    } else if ((actions & DETECT_ACTION_DROP) && ips) {
        json_key_string(w, "action", "drop");
    } else if (actions & DETECT_ACTION_PASS) {
        json_key_string(w, "action", "pass");
    } else {
        json_key_string(w, "action", "alert");
    }
    json_object_end(w);
}

void eve_log_alert(struct eve_writer *ew, const struct alert_log_options *opts,
                   const struct packet *packet, const struct flow *f, const struct detect_alert *a,
                   const struct detect_engine *de)
{
    eve_log_alert_verdict(ew, opts, packet, f, a, de, 0);
}

void eve_log_alert_verdict(struct eve_writer *ew, const struct alert_log_options *opts,
                           const struct packet *packet, const struct flow *f,
                           const struct detect_alert *a, const struct detect_engine *de,
                           uint8_t packet_actions)
{
    const struct rule *r = a->rule;
    struct packet view;
    const struct packet *p = alert_packet_view(packet, a->direction, &view);
    struct alert_fields af = {
        .gid = r->gid,
        .sid = r->sid,
        .rev = r->rev,
        .msg = r->msg,
        .category = detect_rule_category(de, r),
        .severity = detect_rule_severity(de, r),
        .rule = r,
        .tx = a->tx,
        .tx_id = a->tx_id,
        .from_stream = a->from_stream,
        .rule_action = a->action,
        .rate_modified = a->rate_modified,
        .packet_actions = packet_actions,
        .frame = a->has_frame ? &a->frame : NULL,
        .context = a->context,
        .ncontext = a->ncontext,
    };
    write_alert_event(ew, opts, p, packet, f, EVE_DIR_PACKET, p->ts_usec, p->flow_direction, &af);
}

void eve_log_packet(struct eve_writer *ew, const struct packet *p, const struct flow *f)
{
    if (p->flags & PACKET_FLAG_PSEUDO)
        return;
    struct json_writer *w = eve_event_begin(ew, "packet", p, f, EVE_DIR_PACKET, p->ts_usec);
    write_packet(w, p, f);
    eve_event_end(ew);
}

static void builtin_fields(const struct builtin_alert *a, struct alert_fields *af)
{
    memset(af, 0, sizeof *af);
    af->gid = a->gid;
    af->sid = a->sid;
    af->rev = a->rev ? a->rev : 1;
    af->msg = a->signature;
    af->category = a->category;
    af->severity = a->severity ? a->severity : 3;
    af->metadata = a->metadata;
    af->tx = a->tx;
    af->tx_id = a->tx_id;
}

void eve_log_builtin_alert(struct eve_writer *ew, const struct alert_log_options *opts,
                           const struct packet *packet, const struct flow *flow,
                           uint64_t ts_usec, const struct builtin_alert *a)
{
    struct alert_fields af;
    builtin_fields(a, &af);
    if (packet && (packet->flags & PACKET_FLAG_PSEUDO))
        packet = NULL; /* flow-end pseudo packets carry no frame: log from the flow */
    if (packet) {
        struct packet view;
        const struct packet *p = alert_packet_view(packet, a->direction, &view);
        write_alert_event(ew, opts, p, packet, flow, EVE_DIR_PACKET, p->ts_usec,
                          p->flow_direction, &af);
    } else {
        write_alert_event(ew, opts, NULL, NULL, flow,
                          a->direction ? EVE_DIR_FLOW_REVERSED : EVE_DIR_FLOW, ts_usec,
                          a->direction, &af);
    }
}

struct fast_log {
    struct log_file *lf;
};

struct fast_log *fast_log_open(const char *path, const struct log_file_options *opts, char *err,
                               size_t errlen)
{
    struct fast_log *fl = calloc(1, sizeof *fl);
    if (!fl) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    fl->lf = log_file_open(path, opts, err, errlen);
    if (!fl->lf) {
        free(fl);
        return NULL;
    }
    return fl;
}

/* One fast.log line; addresses from p, else from the flow key (as the
 * evidence travelled). */
static void fast_write_line(struct fast_log *fl, const struct packet *p, const struct flow *f,
                            uint8_t direction, uint64_t ts_usec, const char *prefix,
                            const struct alert_fields *a)
{
    char src[64] = "", dst[64] = "", pbuf[8];
    uint16_t sport = 0, dport = 0;
    uint8_t proto = 0;
    if (p) {
        ts_usec = p->ts_usec;
        eve_format_ip(&p->src, src, sizeof src);
        eve_format_ip(&p->dst, dst, sizeof dst);
        sport = p->src_port;
        dport = p->dst_port;
        proto = p->proto;
    } else if (f) {
        const struct flow_key *k = &f->key;
        eve_format_ip(direction ? &k->dst : &k->src, src, sizeof src);
        eve_format_ip(direction ? &k->src : &k->dst, dst, sizeof dst);
        sport = direction ? k->dst_port : k->src_port;
        dport = direction ? k->src_port : k->dst_port;
        proto = k->proto;
    }
    time_t secs = (time_t)(ts_usec / 1000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char when[32];
    strftime(when, sizeof when, "%m/%d/%Y-%H:%M:%S", &tm);
    const char *cat = a->category ? a->category : "";
    char line[1024];
    int n;
    bool ports = proto == 6 || proto == 17 || proto == 132;
    if (ports)
        n = snprintf(line, sizeof line,
                     "%s.%06u  %s[**] [%u:%u:%u] %s [**] [Classification: %s] [Priority: %d] "
                     "{%s} %s:%u -> %s:%u\n",
                     when, (unsigned)(ts_usec % 1000000), prefix, a->gid, a->sid, a->rev,
                     a->msg ? a->msg : "", cat[0] ? cat : "(null)", a->severity,
                     eve_proto_name(proto, pbuf, sizeof pbuf), src, sport, dst, dport);
    else
        n = snprintf(line, sizeof line,
                     "%s.%06u  %s[**] [%u:%u:%u] %s [**] [Classification: %s] [Priority: %d] "
                     "{%s} %s -> %s\n",
                     when, (unsigned)(ts_usec % 1000000), prefix, a->gid, a->sid, a->rev,
                     a->msg ? a->msg : "", cat[0] ? cat : "(null)", a->severity,
                     eve_proto_name(proto, pbuf, sizeof pbuf), src, dst);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    log_file_write(fl->lf, line, (size_t)n);
}

void fast_log_write(struct fast_log *fl, const struct packet *packet,
                    const struct detect_alert *a, const struct detect_engine *de, bool ips)
{
    const struct rule *r = a->rule;
    struct packet view;
    const struct packet *p = alert_packet_view(packet, a->direction, &view);
    /* Drop and reject rules: dropped in IPS mode, would have dropped
     * ("would drop") in IDS mode, as Suricata's fast.log says. */
    bool drops = r->action == RULE_ACTION_DROP || r->action >= RULE_ACTION_REJECT;
    const char *prefix = !drops ? "" : ips ? "[Drop] " : "[wDrop] ";
    struct alert_fields af = {
        .gid = r->gid,
        .sid = r->sid,
        .rev = r->rev,
        .msg = r->msg,
        .category = detect_rule_category(de, r),
        .severity = detect_rule_severity(de, r),
    };
    fast_write_line(fl, p, p->flow, p->flow_direction, p->ts_usec, prefix, &af);
}

void fast_log_write_builtin(struct fast_log *fl, const struct packet *packet,
                            const struct flow *flow, uint64_t ts_usec,
                            const struct builtin_alert *a)
{
    struct alert_fields af;
    builtin_fields(a, &af);
    if (packet && (packet->flags & PACKET_FLAG_PSEUDO))
        packet = NULL;
    struct packet view;
    const struct packet *p = packet ? alert_packet_view(packet, a->direction, &view) : NULL;
    fast_write_line(fl, p, flow, a->direction, ts_usec, "", &af);
}

int fast_log_close(struct fast_log *fl)
{
    if (!fl)
        return 0;
    int rc = log_file_close(fl->lf);
    free(fl);
    return rc;
}
