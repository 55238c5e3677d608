/* SPDX-License-Identifier: Apache-2.0 */
#include "output/eve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/packet.h"
#include "flow/flow.h"
#include "flow/flow_table.h"
#include "stream/stream.h"

int eve_writer_init(struct eve_writer *ew, struct log_file *file, const struct eve_options *opts)
{
    memset(ew, 0, sizeof *ew);
    ew->file = file;
    if (opts)
        ew->options = *opts;
    if (json_writer_init(&ew->json, 4096) != 0)
        return -ENOMEM;
    if (ew->options.buffer_size) {
        ew->batch_cap = ew->options.buffer_size;
        ew->batch = malloc(ew->batch_cap);
        if (!ew->batch) {
            json_writer_free(&ew->json);
            return -ENOMEM;
        }
    }
    return 0;
}

void eve_writer_flush(struct eve_writer *ew)
{
    if (ew->batch_len && ew->file)
        log_file_write(ew->file, ew->batch, ew->batch_len);
    ew->batch_len = 0;
}

void eve_writer_free(struct eve_writer *ew)
{
    eve_writer_flush(ew);
    json_writer_free(&ew->json);
    free(ew->batch);
    ew->batch = NULL;
}

void eve_format_timestamp(uint64_t ts_usec, char *out, size_t outlen)
{
    /* Every event formats one or more times, mostly of the same second as
     * the last: the date and zone of the last second are kept (per thread). */
    static _Thread_local time_t last_secs = -1;
    static _Thread_local char date[32], zone[8];
    time_t secs = (time_t)(ts_usec / 1000000);
    if (secs != last_secs) {
        struct tm tm;
        localtime_r(&secs, &tm);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(zone, sizeof zone, "%z", &tm);
        last_secs = secs;
    }
    snprintf(out, outlen, "%s.%06u%s", date, (unsigned)(ts_usec % 1000000), zone);
}

/* Suricata's pkt_src: where the packet came from. A packet decoded from
 * inside a tunnel is named after the tunnel that carried it. */
static const char *eve_pkt_src(const struct packet *p)
{
    if (p->flags & PACKET_FLAG_PSEUDO)
        return "stream (flow timeout)";
    if (p->flags & PACKET_FLAG_REASSEMBLED)
        return "defrag";
    if (p->outer_count) {
        const struct packet_layer *l = &p->outer[p->outer_count - 1];
        switch (l->proto) {
        case 4:
        case 41: return l->ip_version == 6 ? "ipv6 tunnel" : "ipv4 tunnel";
        case 47: return "gre tunnel";
        case 17:
            if (l->dst_port == 4789 || l->src_port == 4789)
                return "vxlan encapsulation";
            if (l->dst_port == 6081 || l->src_port == 6081)
                return "geneve encapsulation";
            if (l->dst_port == 3544 || l->src_port == 3544)
                return "teredo tunnel";
            break;
        default: break;
        }
    }
    return "wire/pcap";
}

const char *eve_proto_name(uint8_t proto, char *buf, size_t buflen)
{
    switch (proto) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IP-in-IP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "IPv6-ICMP";
    case 132: return "SCTP";
    default:
        snprintf(buf, buflen, "%u", proto);
        return buf;
    }
}

void eve_format_ip(const struct ip_address *a, char *out, size_t outlen)
{
    if (a->family == 4 && outlen >= 16) {
        /* inet_ntop's IPv4 form without its sprintf (two per event) */
        char *o = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = a->addr.u8[12 + i];
            if (v >= 100)
                *o++ = (char)('0' + v / 100);
            if (v >= 10)
                *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
            *o++ = i < 3 ? '.' : '\0';
        }
    } else if (a->family == 4)
        inet_ntop(AF_INET, &a->addr.u8[12], out, (socklen_t)outlen);
    else
        inet_ntop(AF_INET6, a->addr.u8, out, (socklen_t)outlen);
}

static void format_mac(const uint8_t *m, char *out)
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void mac_set_add(uint8_t set[][6], uint8_t *n, const uint8_t *mac)
{
    for (uint8_t i = 0; i < *n; i++)
        if (memcmp(set[i], mac, 6) == 0)
            return;
    if (*n < EVE_FLOW_MACS_MAX)
        memcpy(set[(*n)++], mac, 6);
}

void eve_flow_macs_track(struct flow *f, const struct packet *p)
{
    if (!p->ethernet)
        return;
    struct eve_flow_macs *m = f->output_state;
    if (!m) {
        m = calloc(1, sizeof *m);
        if (!m)
            return;
        f->output_state = m;
    }
    /* Ethernet: destination first, then source. Seen from the client. */
    const uint8_t *dst = p->ethernet, *src = p->ethernet + 6;
    if (p->flow_direction) {
        const uint8_t *t = dst;
        dst = src;
        src = t;
    }
    mac_set_add(m->src, &m->nsrc, src);
    mac_set_add(m->dst, &m->ndst, dst);
}

void eve_flow_macs_free(struct flow *f)
{
    free(f->output_state);
    f->output_state = NULL;
}

static void write_mac_array(struct json_writer *w, const char *key, uint8_t set[][6], uint8_t n)
{
    char mac[18];
    json_key_array_begin(w, key);
    for (uint8_t i = 0; i < n; i++) {
        format_mac(set[i], mac);
        json_write_string(w, mac);
    }
    json_array_end(w);
}

static bool proto_has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

struct json_writer *eve_event_begin(struct eve_writer *ew, const char *event_type,
                                    const struct packet *packet, const struct flow *flow,
                                    enum eve_direction dir, uint64_t ts_usec)
{
    struct json_writer *w = &ew->json;
    json_writer_reset(w);
    ew->in_event = true;
    json_object_begin(w);

    char buf[64];
    eve_format_timestamp(packet ? packet->ts_usec : ts_usec, buf, sizeof buf);
    json_key_string(w, "timestamp", buf);
    if (flow)
        json_key_u64(w, "flow_id", flow->flow_id);
    if (packet && packet->pcap_cnt)
        json_key_u64(w, "pcap_cnt", packet->pcap_cnt);
    if (ew->in_iface && (packet || flow))
        json_key_string(w, "in_iface", ew->in_iface);
    json_key_string(w, "event_type", event_type);

    uint8_t vlan_count = 0;
    const uint16_t *vlans = NULL;
    if (packet && packet->vlan_count) {
        vlan_count = packet->vlan_count;
        vlans = packet->vlan_id;
    } else if (flow && flow->key.vlan_count) {
        vlan_count = flow->key.vlan_count;
        vlans = flow->key.vlan_id;
    }
    if (vlan_count) {
        json_key_array_begin(w, "vlan");
        for (uint8_t i = 0; i < vlan_count; i++)
            json_u64(w, vlans[i]);
        json_array_end(w);
    }

    /* Addresses: from the packet when logging as the packet travelled, else
     * from the flow key (client -> server). */
    const struct ip_address *src = NULL, *dst = NULL;
    uint16_t sport = 0, dport = 0;
    uint8_t proto = 0;
    bool have_addr = false;
    if (packet && packet->ip_version && (dir == EVE_DIR_PACKET || !flow)) {
        src = &packet->src;
        dst = &packet->dst;
        sport = packet->src_port;
        dport = packet->dst_port;
        proto = packet->proto;
        have_addr = true;
    } else if (flow) {
        bool rev = dir == EVE_DIR_FLOW_REVERSED;
        src = rev ? &flow->key.dst : &flow->key.src;
        dst = rev ? &flow->key.src : &flow->key.dst;
        sport = rev ? flow->key.dst_port : flow->key.src_port;
        dport = rev ? flow->key.src_port : flow->key.dst_port;
        proto = flow->key.proto;
        have_addr = true;
    }
    const char *osrc = ew->override_src_ip, *odst = ew->override_dest_ip;
    ew->override_src_ip = ew->override_dest_ip = NULL;
    if (have_addr) {
        char ip[64];
        eve_format_ip(src, ip, sizeof ip);
        json_key_string(w, "src_ip", osrc ? osrc : ip);
        if (proto_has_ports(proto))
            json_key_u64(w, "src_port", sport);
        eve_format_ip(dst, ip, sizeof ip);
        json_key_string(w, "dest_ip", odst ? odst : ip);
        if (proto_has_ports(proto))
            json_key_u64(w, "dest_port", dport);
        json_key_u64(w, "ip_v", src->family == 4 ? 4 : 6);
        json_key_string(w, "proto", eve_proto_name(proto, buf, sizeof buf));
        if ((proto == 1 || proto == 58) && packet && packet->ip_version) {
            json_key_u64(w, "icmp_type", packet->icmp_type);
            json_key_u64(w, "icmp_code", packet->icmp_code);
        }
    }
    if (packet)
        json_key_string(w, "pkt_src", eve_pkt_src(packet));
    if (ew->options.ethernet && packet && packet->ethernet) {
        const uint8_t *d = packet->ethernet, *sm = packet->ethernet + 6;
        /* Logged the other way round than the packet travelled: swap. */
        bool swap = flow && ((dir == EVE_DIR_FLOW && packet->flow_direction == 1) ||
                             (dir == EVE_DIR_FLOW_REVERSED && packet->flow_direction == 0));
        char mac[18];
        json_key_object_begin(w, "ether");
        format_mac(swap ? d : sm, mac);
        json_key_string(w, "src_mac", mac);
        format_mac(swap ? sm : d, mac);
        json_key_string(w, "dest_mac", mac);
        json_object_end(w);
    } else if (ew->options.ethernet && !packet && flow && flow->output_state) {
        struct eve_flow_macs *m = flow->output_state;
        json_key_object_begin(w, "ether");
        write_mac_array(w, "dest_macs", m->dst, m->ndst);
        write_mac_array(w, "src_macs", m->src, m->nsrc);
        json_object_end(w);
    }
    if (flow && ew->options.community_id) {
        char cid[64];
        flow_community_id(flow, ew->options.community_id_seed, cid);
        json_key_string(w, "community_id", cid);
    }
    if (flow && ew->flow_vars)
        ew->flow_vars(ew->flow_vars_user, flow, w);
    return w;
}

void eve_event_end(struct eve_writer *ew)
{
    struct json_writer *w = &ew->json;
    /* Suricata closes every event with these two when they apply. */
    if (ew->options.sensor_name)
        json_key_string(w, "host", ew->options.sensor_name);
    if (ew->options.pcap_file && ew->pcap_filename)
        json_key_string(w, "pcap_filename", ew->pcap_filename);
    json_object_end(w);
    json_append_raw(w, "\n", 1);
    ew->in_event = false;
    if (w->failed)
        return; /* out of memory mid-event: drop the event rather than write half a line */
    ew->events_written++;
    if (!ew->batch) {
        /* buffer-size 0: the whole line in one write, now. */
        log_file_write(ew->file, w->data, w->len);
        return;
    }
    if (ew->batch_len + w->len > ew->batch_cap) {
        eve_writer_flush(ew);
        if (w->len > ew->batch_cap) {
            /* An event larger than the buffer goes straight to the file. */
            log_file_write(ew->file, w->data, w->len);
            return;
        }
    }
    memcpy(ew->batch + ew->batch_len, w->data, w->len);
    ew->batch_len += w->len;
}

static void write_tcp_flags(struct json_writer *w, const char *key, uint8_t flags)
{
    char hex[4];
    snprintf(hex, sizeof hex, "%02x", flags);
    json_key_string(w, key, hex);
}

void eve_log_flow(struct eve_writer *ew, const struct flow *f, const struct eve_flow_protos *protos)
{
    struct json_writer *w = eve_event_begin(ew, "flow", NULL, f, EVE_DIR_FLOW, f->start_usec);
    if (protos->app_proto)
        json_key_string(w, "app_proto", protos->app_proto);
    if (protos->app_proto_ts)
        json_key_string(w, "app_proto_ts", protos->app_proto_ts);
    if (protos->app_proto_tc)
        json_key_string(w, "app_proto_tc", protos->app_proto_tc);
    if (protos->app_proto_orig)
        json_key_string(w, "app_proto_orig", protos->app_proto_orig);
    char ts[48];
    json_key_object_begin(w, "flow");
    json_key_u64(w, "pkts_toserver", f->pkts_toserver);
    json_key_u64(w, "pkts_toclient", f->pkts_toclient);
    json_key_u64(w, "bytes_toserver", f->bytes_toserver);
    json_key_u64(w, "bytes_toclient", f->bytes_toclient);
    eve_format_timestamp(f->start_usec, ts, sizeof ts);
    json_key_string(w, "start", ts);
    eve_format_timestamp(f->last_usec, ts, sizeof ts);
    json_key_string(w, "end", ts);
    json_key_u64(w, "age", f->last_usec / 1000000 - f->start_usec / 1000000);
    json_key_string(w, "state", flow_state_name(f->state));
    json_key_string(w, "reason", flow_end_reason_name(f->end_reason));
    json_key_bool(w, "alerted", f->alerted);
    if (f->ips_flags & 1u) /* FLOW_IPS_DROP (sensor/ips.h) */
        json_key_string(w, "action", "drop");
    else if (f->action_pass)
        json_key_string(w, "action", "pass");
    if (f->exception_midstream || f->exception_applayer || f->exception_ssn_memcap ||
        f->exception_reasm_memcap) {
        static const char *const pol[] = {"ignore", "pass_flow", "bypass", "reject", "drop_flow"};
        /* enum ips_policy (sensor/ips.h) */
        static const char *const apol[] = {"drop_flow",   "drop_packet", "pass_flow",
                                           "pass_packet", "bypass",      "reject", "ignore"};
        /* Suricata's order of the targets: session memcap, midstream,
         * reassembly memcap, app-layer error. */
        const struct {
            uint8_t v;
            const char *target;
        } applied[] = {
            {f->exception_ssn_memcap, "stream_memcap"},
            {f->exception_midstream, "stream_midstream"},
            {f->exception_reasm_memcap, "stream_reassembly_memcap"},
            {f->exception_applayer, "app_layer_error"},
        };
        json_key_array_begin(w, "exception_policy");
        for (size_t i = 0; i < sizeof applied / sizeof applied[0]; i++) {
            if (!applied[i].v)
                continue;
            json_object_begin(w);
            json_key_string(w, "target", applied[i].target);
            json_key_string(w, "policy", i == 1 ? pol[(applied[i].v - 1) % 5]
                                                : apol[(applied[i].v - 1) % 7]);
            json_object_end(w);
        }
        json_array_end(w);
    }
    json_object_end(w);
    if (f->key.proto == 6) {
        uint8_t all = f->tcp_flags_toserver | f->tcp_flags_toclient;
        json_key_object_begin(w, "tcp");
        write_tcp_flags(w, "tcp_flags", all);
        write_tcp_flags(w, "tcp_flags_ts", f->tcp_flags_toserver);
        write_tcp_flags(w, "tcp_flags_tc", f->tcp_flags_toclient);
        static const struct { uint8_t bit; const char *name; } names[] = {
            {TCP_FLAG_SYN, "syn"}, {TCP_FLAG_FIN, "fin"}, {TCP_FLAG_RST, "rst"},
            {TCP_FLAG_PSH, "psh"}, {TCP_FLAG_ACK, "ack"}, {TCP_FLAG_URG, "urg"},
            {TCP_FLAG_ECE, "ecn"}, {TCP_FLAG_CWR, "cwr"},
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (all & names[i].bit)
                json_key_bool(w, names[i].name, true);
        const char *tcp_state = stream_session_state_name(f);
        json_key_string(w, "state", tcp_state ? tcp_state : "none");
        if (f->tcp) {
            /* Suricata 8 reports how many disjoint stream regions each side
             * used; vigil keeps one contiguous delivered region per side. */
            json_key_u64(w, "ts_max_regions", 1);
            json_key_u64(w, "tc_max_regions", 1);
        }
        json_object_end(w);
    }
    eve_event_end(ew);
}

void eve_log_anomaly(struct eve_writer *ew, const struct packet *p, const struct flow *f,
                     const char *type, const char *event, const char *app_proto,
                     const char *layer)
{
    struct json_writer *w =
        eve_event_begin(ew, "anomaly", p, f, EVE_DIR_PACKET, f ? f->last_usec : 0);
    if (app_proto)
        json_key_string(w, "app_proto", app_proto);
    json_key_object_begin(w, "anomaly");
    if (app_proto)
        json_key_string(w, "app_proto", app_proto);
    json_key_string(w, "type", type);
    json_key_string(w, "event", event);
    if (layer)
        json_key_string(w, "layer", layer);
    json_object_end(w);
    eve_event_end(ew);
}
