/* SPDX-License-Identifier: Apache-2.0 */
/* Prevention (IPS): what happens to a packet once the rules, the flow's
 * state and the exception policies had their say, as Suricata decides it.
 *
 * In IPS mode (NFQUEUE, AF_PACKET inline, or --simulate-ips for capture
 * files) a packet is accepted or blocked; a blocked packet is counted by
 * its reason (stats.ips.drop_reason) and, with the EVE "drop" type, logged as
 * a "drop" event. A drop that applies to a flow (flow.h ips_flags) blocks
 * every later packet of the flow ("flow drop") without inspecting it. In IDS
 * mode drop rules alert only, but a flow they drop is no longer inspected
 * and its flow event says "action": "drop", as Suricata does. */
#ifndef VIGIL_SENSOR_IPS_H
#define VIGIL_SENSOR_IPS_H

#include <stdbool.h>
#include <stdint.h>

struct json_writer;
struct eve_writer;
struct packet;
struct flow;

/* struct flow ips_flags */
enum flow_ips_flag {
    FLOW_IPS_DROP = 1u << 0,            /* the flow is dropped: flow.action "drop" */
    FLOW_IPS_DROP_LOGGED_TS = 1u << 1,  /* a drop event was logged to the server */
    FLOW_IPS_DROP_LOGGED_TC = 1u << 2,  /* ... and to the client */
    FLOW_IPS_EXCEPTION_DROP = 1u << 3,  /* dropped by an exception policy (drop-flow) */
};

/* Why a packet was blocked: Suricata's drop reasons, by their EVE names. */
enum ips_drop_reason {
    IPS_DROP_NONE = 0,
    IPS_DROP_DECODE_ERROR,
    IPS_DROP_DEFRAG_ERROR,
    IPS_DROP_DEFRAG_MEMCAP,
    IPS_DROP_FLOW_MEMCAP,
    IPS_DROP_FLOW_DROP,
    IPS_DROP_STREAM_ERROR,
    IPS_DROP_STREAM_MEMCAP,
    IPS_DROP_STREAM_MIDSTREAM,
    IPS_DROP_STREAM_REASSEMBLY,
    IPS_DROP_STREAM_URGENT,
    IPS_DROP_APPLAYER_ERROR,
    IPS_DROP_APPLAYER_MEMCAP,
    IPS_DROP_RULES,
    IPS_DROP_THRESHOLD_DETECTION_FILTER,
    IPS_DROP_NFQ_ERROR,
    IPS_DROP_TUNNEL_PACKET_DROP,
    IPS_DROP_EXCEPTION_FLOW_DROP,
    IPS_DROP_REASON_MAX
};

/* "rules", "flow drop", ... (drop.reason) */
const char *ips_drop_reason_name(enum ips_drop_reason r);
/* "rules", "flow_drop", ... (stats.ips.drop_reason.*) */
const char *ips_drop_reason_key(enum ips_drop_reason r);

/* Suricata's exception targets (its order: that of the flow event's
 * exception_policy array). */
enum ips_exception_target {
    IPS_EXC_DEFRAG_MEMCAP,     /* defrag.memcap-policy            defrag.memcap */
    IPS_EXC_STREAM_MEMCAP,     /* stream.memcap-policy            tcp.ssn_memcap */
    IPS_EXC_MIDSTREAM,         /* stream.midstream-policy         tcp.midstream */
    IPS_EXC_REASSEMBLY_MEMCAP, /* stream.reassembly.memcap-policy tcp.reassembly */
    IPS_EXC_FLOW_MEMCAP,       /* flow.memcap-policy              flow.memcap */
    IPS_EXC_APPLAYER_ERROR,    /* app-layer.error-policy          app_layer.error */
    IPS_EXC_MAX
};
/* "defrag_memcap", "stream_memcap", ... (flow.exception_policy[].target) */
const char *ips_exception_target_name(enum ips_exception_target t);

/* stats.ips */
struct ips_stats {
    uint64_t accepted, blocked, rejected, replaced;
    uint64_t reject_errors; /* reject answers that could not be sent */
    uint64_t drop_reason[IPS_DROP_REASON_MAX];
    /* stats.exception_policy.<target>: the times each target's policy was
     * applied, by policy (enum ips_policy, ignore not counted) */
    uint64_t exception[IPS_EXC_MAX][6];
};
enum ips_policy {
    IPS_POLICY_DROP_FLOW, IPS_POLICY_DROP_PACKET, IPS_POLICY_PASS_FLOW,
    IPS_POLICY_PASS_PACKET, IPS_POLICY_BYPASS, IPS_POLICY_REJECT,
    IPS_POLICY_IGNORE,
};
/* "drop_flow", ..., "ignore" (EVE and stats names) */
const char *ips_policy_name(enum ips_policy p);
/* Parses an exception policy value ("drop-flow", ...; "auto": drop-flow
 * inline, ignore otherwise) for a target where every policy applies;
 * inline-only policies (drop-*, reject) are ignore in IDS mode. -1 when
 * the value is not a policy. */
int ips_policy_parse(const char *v, bool ips);
/* The policy as applied to a target without a flow (flow and defrag
 * memcaps): drop-flow is drop-packet, pass-flow and bypass pass-packet. */
int ips_policy_packet_only(int policy);
/* stats.exception_policy: the targets of the bits of `targets` (1 << enum
 * ips_exception_target; those whose policy is not ignore, as Suricata). */
void ips_exception_stats_write_json(const struct ips_stats *s, unsigned targets,
                                    struct json_writer *w);
void ips_stats_add(struct ips_stats *to, const struct ips_stats *s);
void ips_stats_write_json(const struct ips_stats *s, struct json_writer *w);

/* The verdict of one packet, built as it goes through the worker. */
struct ips_packet {
    uint8_t actions;                 /* enum detect_action_bit */
    uint8_t reason;                  /* enum ips_drop_reason, set with the first drop */
    const void *drop_rule;           /* struct rule * of a rule drop, or NULL */
};

/* Marks the packet dropped for reason (the first reason stays). */
static inline void ips_packet_drop(struct ips_packet *v, enum ips_drop_reason reason)
{
    if (!v->reason)
        v->reason = (uint8_t)reason;
    v->actions |= 1u; /* DETECT_ACTION_DROP */
}

/* drop event options (outputs.eve-log.types.drop) */
struct ips_drop_log_options {
    bool alerts;       /* alerts: yes - the drop rule's alert object */
    bool flows_all;    /* flows: all (default start: one event per flow direction) */
    bool verdict;      /* verdict: yes */
};

/* Whether the drop logger writes this dropped packet: every rule drop; of
 * a dropped flow's later packets only the first each way unless flows: all.
 * Notes the direction as logged. */
bool ips_drop_log_wanted(const struct ips_drop_log_options *o, const struct packet *p,
                         struct flow *f, const struct ips_packet *v);

/* The EVE "drop" event of a blocked packet (Suricata's shape: the IP and
 * transport header fields, the reason, and verdict when asked). alert_sig
 * etc. describe the drop rule when o->alerts (NULL otherwise). */
struct ips_alert_info {
    uint32_t gid, sid, rev;
    const char *msg, *category;
    int severity;
};
void ips_log_drop(struct eve_writer *ew, const struct ips_drop_log_options *o,
                  const struct packet *p, const struct flow *f, const struct ips_packet *v,
                  const struct ips_alert_info *alert);

#endif
