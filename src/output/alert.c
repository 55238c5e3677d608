/* SPDX-License-Identifier: Apache-2.0 */
#include "output/alert.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "detect/detect_engine_packet.h"
#include "detect/rule.h"
#include "flow/flow.h"

void alert_log_options_defaults(struct alert_log_options *o)
{
    memset(o, 0, sizeof *o);
    o->app_layer = true;
    o->flow = true;
    o->rule_metadata = true;
}

static void write_base64(struct json_writer *w, const char *key, const uint8_t *d, size_t n)
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

static void write_printable(struct json_writer *w, const char *key, const uint8_t *d, size_t n)
{
    char buf[2048];
    json_key(w, key);
    json_append_raw(w, "\"", 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
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
        } else if (c == '\t') {
            buf[o++] = '\\';
            buf[o++] = 't';
        } else {
            buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
        }
        if (o >= sizeof buf - 4) {
            json_append_raw(w, buf, o);
            o = 0;
        }
    }
    json_append_raw(w, buf, o);
    json_append_raw(w, "\"", 1);
    w->need_comma[w->depth] = true;
}

/* "packet" and "packet_info": the frame as captured or, for a reassembled
 * IP datagram, its link-layer header followed by the whole datagram, as
 * Suricata logs its reassembled pseudo packet. */
static void write_packet(struct json_writer *w, const struct packet *p)
{
    if (p->flags & PACKET_FLAG_PSEUDO)
        return;
    if ((p->flags & PACKET_FLAG_REASSEMBLED) && p->frame_l3_offset <= p->caplen &&
        p->l3_len <= 65535) {
        static _Thread_local uint8_t buf[65535 + 256];
        uint32_t l2 = p->frame_l3_offset > 256 ? 0 : p->frame_l3_offset;
        memcpy(buf, p->data, l2);
        memcpy(buf + l2, p->l3, p->l3_len);
        write_base64(w, "packet", buf, l2 + p->l3_len);
    } else {
        write_base64(w, "packet", p->data, p->caplen);
    }
    json_key_object_begin(w, "packet_info");
    json_key_i64(w, "linktype", p->datalink);
    const char *name = pcap_datalink_val_to_name(p->datalink);
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
static const struct packet *alert_packet_view(const struct packet *p, const struct detect_alert *a,
                                              struct packet *view)
{
    if (a->direction == p->flow_direction || !p->flow)
        return p;
    *view = *p;
    view->src = p->dst;
    view->dst = p->src;
    view->src_port = p->dst_port;
    view->dst_port = p->src_port;
    view->flow_direction = a->direction;
    view->payload = NULL;
    view->payload_len = 0;
    return view;
}

void eve_log_alert(struct eve_writer *ew, const struct alert_log_options *opts,
                   const struct packet *packet, const struct flow *f, const struct detect_alert *a,
                   const struct detect_engine *de)
{
    const struct rule *r = a->rule;
    struct packet view;
    const struct packet *p = alert_packet_view(packet, a, &view);
    struct json_writer *w = eve_event_begin(ew, "alert", p, f, EVE_DIR_PACKET, p->ts_usec);
    if (a->tx)
        json_key_u64(w, "tx_id", a->tx_id);
    if (f)
        json_key_string(w, "direction", p->flow_direction ? "to_client" : "to_server");
    json_key_object_begin(w, "alert");
    /* IDS mode: nothing is blocked; drop/reject rules say so in fast.log ([wDrop]). */
    json_key_string(w, "action", "allowed");
    json_key_u64(w, "gid", r->gid);
    json_key_u64(w, "signature_id", r->sid);
    json_key_u64(w, "rev", r->rev);
    json_key_string(w, "signature", r->msg ? r->msg : "");
    json_key_string(w, "category", detect_rule_category(de, r));
    json_key_i64(w, "severity", detect_rule_severity(de, r));
    if (opts->rule_metadata)
        write_rule_metadata(w, r);
    json_object_end(w);
    if (f && f->app_proto)
        json_key_string(w, "app_proto", app_proto_name(f->app_proto));
    if (opts->app_layer && a->tx)
        app_tx_write_json(a->tx, w);
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
    if (opts->payload && p->payload_len)
        write_base64(w, "payload", p->payload, p->payload_len);
    if (opts->payload_printable && p->payload_len)
        write_printable(w, "payload_printable", p->payload, p->payload_len);
    if (opts->payload || opts->payload_printable)
        json_key_u64(w, "stream", a->from_stream ? 1 : 0);
    if (opts->packet)
        write_packet(w, packet);
    eve_event_end(ew);
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

void fast_log_write(struct fast_log *fl, const struct packet *packet,
                    const struct detect_alert *a, const struct detect_engine *de)
{
    const struct rule *r = a->rule;
    struct packet view;
    const struct packet *p = alert_packet_view(packet, a, &view);
    time_t secs = (time_t)(p->ts_usec / 1000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char when[32], src[64], dst[64], pbuf[8];
    strftime(when, sizeof when, "%m/%d/%Y-%H:%M:%S", &tm);
    eve_format_ip(&p->src, src, sizeof src);
    eve_format_ip(&p->dst, dst, sizeof dst);
    const char *prefix = "";
    if (r->action == RULE_ACTION_DROP)
        prefix = "[wDrop] ";
    else if (r->action >= RULE_ACTION_REJECT)
        prefix = "[wDrop] ";
    const char *cat = detect_rule_category(de, r);
    char line[1024];
    int n;
    bool ports = p->proto == 6 || p->proto == 17 || p->proto == 132;
    if (ports)
        n = snprintf(line, sizeof line,
                     "%s.%06u  %s[**] [%u:%u:%u] %s [**] [Classification: %s] [Priority: %d] "
                     "{%s} %s:%u -> %s:%u\n",
                     when, (unsigned)(p->ts_usec % 1000000), prefix, r->gid, r->sid, r->rev,
                     r->msg ? r->msg : "", cat[0] ? cat : "(null)", detect_rule_severity(de, r),
                     eve_proto_name(p->proto, pbuf, sizeof pbuf), src, p->src_port, dst,
                     p->dst_port);
    else
        n = snprintf(line, sizeof line,
                     "%s.%06u  %s[**] [%u:%u:%u] %s [**] [Classification: %s] [Priority: %d] "
                     "{%s} %s -> %s\n",
                     when, (unsigned)(p->ts_usec % 1000000), prefix, r->gid, r->sid, r->rev,
                     r->msg ? r->msg : "", cat[0] ? cat : "(null)", detect_rule_severity(de, r),
                     eve_proto_name(p->proto, pbuf, sizeof pbuf), src, dst);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    log_file_write(fl->lf, line, (size_t)n);
}

int fast_log_close(struct fast_log *fl)
{
    if (!fl)
        return 0;
    int rc = log_file_close(fl->lf);
    free(fl);
    return rc;
}
