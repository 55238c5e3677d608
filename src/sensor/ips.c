/* SPDX-License-Identifier: Apache-2.0 */
/* Prevention: drop reasons, stats.ips and the EVE "drop" event (ips.h). */
#include "sensor/ips.h"

#include <string.h>

#include "decode/packet.h"
#include "detect/detect_engine_packet.h"
#include "flow/flow.h"
#include "output/alert.h"
#include "output/eve.h"
#include "util/json.h"

static const struct {
    const char *name, *key;
} reasons[IPS_DROP_REASON_MAX] = {
    [IPS_DROP_NONE] = {"", ""},
    [IPS_DROP_DECODE_ERROR] = {"decode error", "decode_error"},
    [IPS_DROP_DEFRAG_ERROR] = {"defrag error", "defrag_error"},
    [IPS_DROP_DEFRAG_MEMCAP] = {"defrag memcap", "defrag_memcap"},
    [IPS_DROP_FLOW_MEMCAP] = {"flow memcap", "flow_memcap"},
    [IPS_DROP_FLOW_DROP] = {"flow drop", "flow_drop"},
    [IPS_DROP_STREAM_ERROR] = {"stream error", "stream_error"},
    [IPS_DROP_STREAM_MEMCAP] = {"stream memcap", "stream_memcap"},
    [IPS_DROP_STREAM_MIDSTREAM] = {"stream midstream", "stream_midstream"},
    [IPS_DROP_STREAM_REASSEMBLY] = {"stream reassembly", "stream_reassembly"},
    [IPS_DROP_STREAM_URGENT] = {"stream urgent", "stream_urgent"},
    [IPS_DROP_APPLAYER_ERROR] = {"applayer error", "applayer_error"},
    [IPS_DROP_APPLAYER_MEMCAP] = {"applayer memcap", "applayer_memcap"},
    [IPS_DROP_RULES] = {"rules", "rules"},
    [IPS_DROP_THRESHOLD_DETECTION_FILTER] = {"threshold detection_filter",
                                             "threshold_detection_filter"},
    [IPS_DROP_NFQ_ERROR] = {"nfq error", "nfq_error"},
    [IPS_DROP_TUNNEL_PACKET_DROP] = {"tunnel packet drop", "tunnel_packet_drop"},
    [IPS_DROP_EXCEPTION_FLOW_DROP] = {"exception policy flow drop", "exception_policy_flow_drop"},
};

const char *ips_drop_reason_name(enum ips_drop_reason r)
{
    return r > IPS_DROP_NONE && r < IPS_DROP_REASON_MAX ? reasons[r].name : "unknown";
}

const char *ips_drop_reason_key(enum ips_drop_reason r)
{
    return r > IPS_DROP_NONE && r < IPS_DROP_REASON_MAX ? reasons[r].key : "unknown";
}

void ips_stats_add(struct ips_stats *to, const struct ips_stats *s)
{
    to->accepted += s->accepted;
    to->blocked += s->blocked;
    to->rejected += s->rejected;
    to->replaced += s->replaced;
    to->reject_errors += s->reject_errors;
    for (int i = 0; i < IPS_DROP_REASON_MAX; i++)
        to->drop_reason[i] += s->drop_reason[i];
    for (int t = 0; t < IPS_EXC_MAX; t++)
        for (int i = 0; i < 6; i++)
            to->exception[t][i] += s->exception[t][i];
}

static const char *const policy_names[] = {"drop_flow", "drop_packet", "pass_flow",
                                           "pass_packet", "bypass", "reject", "ignore"};

const char *ips_policy_name(enum ips_policy p)
{
    return (unsigned)p <= IPS_POLICY_IGNORE ? policy_names[p] : "ignore";
}

const char *ips_exception_target_name(enum ips_exception_target t)
{
    static const char *const names[IPS_EXC_MAX] = {
        "defrag_memcap", "stream_memcap", "stream_midstream",
        "stream_reassembly_memcap", "flow_memcap", "app_layer_error",
    };
    return (unsigned)t < IPS_EXC_MAX ? names[t] : "unknown";
}

int ips_policy_packet_only(int policy)
{
    switch (policy) {
    case IPS_POLICY_DROP_FLOW: return IPS_POLICY_DROP_PACKET;
    case IPS_POLICY_PASS_FLOW:
    case IPS_POLICY_BYPASS: return IPS_POLICY_PASS_PACKET;
    default: return policy;
    }
}

int ips_policy_parse(const char *v, bool ips)
{
    static const char *const names[] = {"drop-flow", "drop-packet", "pass-flow",
                                        "pass-packet", "bypass", "reject", "ignore"};
    if (!v)
        return -1;
    if (!strcmp(v, "auto"))
        return ips ? IPS_POLICY_DROP_FLOW : IPS_POLICY_IGNORE;
    for (int i = 0; i <= IPS_POLICY_IGNORE; i++)
        if (!strcmp(v, names[i])) {
            bool inline_only = i == IPS_POLICY_DROP_FLOW || i == IPS_POLICY_DROP_PACKET ||
                               i == IPS_POLICY_REJECT;
            return inline_only && !ips ? IPS_POLICY_IGNORE : i;
        }
    return -1;
}

void ips_exception_stats_write_json(const struct ips_stats *s, unsigned targets,
                                    struct json_writer *w)
{
    /* Suricata's counter objects: exception_policy.<group>.<name>. */
    static const struct {
        const char *group, *name;
    } where[IPS_EXC_MAX] = {
        [IPS_EXC_DEFRAG_MEMCAP] = {"defrag", "memcap"},
        [IPS_EXC_STREAM_MEMCAP] = {"tcp", "ssn_memcap"},
        [IPS_EXC_MIDSTREAM] = {"tcp", "midstream"},
        [IPS_EXC_REASSEMBLY_MEMCAP] = {"tcp", "reassembly"},
        [IPS_EXC_FLOW_MEMCAP] = {"flow", "memcap"},
        [IPS_EXC_APPLAYER_ERROR] = {"app_layer", "error"},
    };
    json_key_object_begin(w, "exception_policy");
    const char *open_group = NULL;
    /* The targets of one group (tcp) are neighbours in the enum. */
    for (int t = 0; t < IPS_EXC_MAX; t++) {
        if (!(targets & (1u << t)))
            continue;
        if (!open_group || strcmp(open_group, where[t].group)) {
            if (open_group)
                json_object_end(w);
            json_key_object_begin(w, where[t].group);
            open_group = where[t].group;
        }
        json_key_object_begin(w, where[t].name);
        for (int i = 0; i < 6; i++)
            json_key_u64(w, policy_names[i], s->exception[t][i]);
        json_object_end(w);
    }
    if (open_group)
        json_object_end(w);
    json_object_end(w);
}

void ips_stats_write_json(const struct ips_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "ips");
    json_key_u64(w, "accepted", s->accepted);
    json_key_u64(w, "blocked", s->blocked);
    json_key_u64(w, "rejected", s->rejected);
    json_key_u64(w, "replaced", s->replaced);
    json_key_object_begin(w, "drop_reason");
    /* Suricata's names, in its order (alphabetical in its schema). */
    static const uint8_t order[] = {
        IPS_DROP_APPLAYER_ERROR,   IPS_DROP_APPLAYER_MEMCAP,     IPS_DROP_DECODE_ERROR,
        IPS_DROP_DEFRAG_ERROR,     IPS_DROP_DEFRAG_MEMCAP,       IPS_DROP_EXCEPTION_FLOW_DROP,
        IPS_DROP_FLOW_DROP,        IPS_DROP_FLOW_MEMCAP,         IPS_DROP_NFQ_ERROR,
        IPS_DROP_RULES,            IPS_DROP_STREAM_ERROR,        IPS_DROP_STREAM_MEMCAP,
        IPS_DROP_STREAM_MIDSTREAM, IPS_DROP_STREAM_REASSEMBLY,   IPS_DROP_STREAM_URGENT,
        IPS_DROP_THRESHOLD_DETECTION_FILTER, IPS_DROP_TUNNEL_PACKET_DROP,
    };
    for (size_t i = 0; i < sizeof order; i++)
        json_key_u64(w, reasons[order[i]].key, s->drop_reason[order[i]]);
    json_object_end(w);
    json_object_end(w);
}

bool ips_drop_log_wanted(const struct ips_drop_log_options *o, const struct packet *p,
                         struct flow *f, const struct ips_packet *v)
{
    if (!(v->actions & DETECT_ACTION_DROP) || (p->flags & PACKET_FLAG_PSEUDO))
        return false;
    if (o->flows_all || !f)
        return true;
    /* flows: start - a rule's drop is always logged; of a dropped flow, the
     * first blocked packet each way. */
    uint8_t bit = p->flow_direction ? FLOW_IPS_DROP_LOGGED_TC : FLOW_IPS_DROP_LOGGED_TS;
    bool want = v->drop_rule != NULL || !(f->ips_flags & bit);
    if (f->ips_flags & FLOW_IPS_DROP)
        f->ips_flags |= bit;
    return want;
}

void ips_log_drop(struct eve_writer *ew, const struct ips_drop_log_options *o,
                  const struct packet *p, const struct flow *f, const struct ips_packet *v,
                  const struct ips_alert_info *alert)
{
    struct json_writer *w = eve_event_begin(ew, "drop", p, f, EVE_DIR_PACKET, p->ts_usec);
    json_key_object_begin(w, "drop");
    if (p->ip_version == 4) {
        json_key_u64(w, "len", p->l3_len);
        json_key_u64(w, "tos", p->tos);
        json_key_u64(w, "ttl", p->ttl);
        json_key_u64(w, "ipid", p->ip_id);
    } else if (p->ip_version == 6) {
        json_key_u64(w, "len", p->l3_len >= 40 ? p->l3_len - 40 : 0);
        json_key_u64(w, "tc", p->tos);
        json_key_u64(w, "hoplimit", p->ttl);
        uint32_t flowlbl = 0;
        if (p->l3 && p->l3_len >= 4)
            flowlbl = ((uint32_t)(p->l3[1] & 0x0f) << 16) | (uint32_t)p->l3[2] << 8 | p->l3[3];
        json_key_u64(w, "flowlbl", flowlbl);
    }
    if (p->proto == 6 && p->l4) {
        json_key_u64(w, "tcpseq", p->tcp_seq);
        json_key_u64(w, "tcpack", p->tcp_ack);
        json_key_u64(w, "tcpwin", p->tcp_window);
        json_key_bool(w, "syn", p->tcp_flags & 0x02);
        json_key_bool(w, "ack", p->tcp_flags & 0x10);
        json_key_bool(w, "psh", p->tcp_flags & 0x08);
        json_key_bool(w, "rst", p->tcp_flags & 0x04);
        json_key_bool(w, "urg", p->tcp_flags & 0x20);
        json_key_bool(w, "fin", p->tcp_flags & 0x01);
        json_key_u64(w, "tcpres", p->l4_len >= 13 ? (p->l4[12] & 0x0f) : 0);
        json_key_u64(w, "tcpurgp", p->tcp_urgent);
    } else if (p->proto == 17 && p->l4 && p->l4_len >= 8) {
        json_key_u64(w, "udplen", (uint32_t)p->l4[4] << 8 | p->l4[5]);
    } else if ((p->proto == 1 || p->proto == 58) &&
               (p->icmp_type == 0 || p->icmp_type == 8 || p->icmp_type == 128 ||
                p->icmp_type == 129)) {
        json_key_u64(w, "icmp_id", p->icmp_id);
        json_key_u64(w, "icmp_seq", p->icmp_seq);
    }
    json_key_string(w, "reason", ips_drop_reason_name((enum ips_drop_reason)v->reason));
    if (o->verdict)
        alert_write_verdict(w, v->actions, true, p->proto);
    json_object_end(w);
    if (alert) {
        json_key_object_begin(w, "alert");
        json_key_string(w, "action", "blocked");
        json_key_u64(w, "gid", alert->gid);
        json_key_u64(w, "signature_id", alert->sid);
        json_key_u64(w, "rev", alert->rev);
        json_key_string(w, "signature", alert->msg ? alert->msg : "");
        json_key_string(w, "category", alert->category ? alert->category : "");
        json_key_i64(w, "severity", alert->severity);
        json_object_end(w);
    }
    eve_event_end(ew);
}
