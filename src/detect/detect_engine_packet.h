/* SPDX-License-Identifier: Apache-2.0 */
/* Detection on live traffic: what the sensor calls for every packet. Builds
 * on the engine (detect_engine.h: groups, prefilter, buffer inspection) and
 * adds Suricata's per-packet semantics: header and flow checks, packet
 * keywords, stream inspection, application-layer transactions, flowbits and
 * flowints, thresholds and suppression, pass rules, one alert per signature
 * per packet (and per transaction). One struct detect_worker per worker. */
#ifndef VIGIL_DETECT_ENGINE_PACKET_H
#define VIGIL_DETECT_ENGINE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/rule.h"

struct detect_engine;
struct packet;
struct flow;
struct app_tx;

/* Suricata's packet-alert-max default. */
#define DETECT_MAX_ALERTS_PER_PACKET 15

/* The frame an alert of a frame rule matched (EVE alert "frame"). */
struct detect_alert_frame {
    uint64_t id, offset;
    int64_t len, tx_id; /* -1: unknown / none (tx_id as logged) */
    const char *type;   /* static */
    uint8_t direction;
    bool complete;
    /* the frame's bytes, valid until the packet's frames are cleared
     * (after its alerts are logged) */
    const uint8_t *data;
    uint32_t data_len;
    uint64_t missing;    /* bytes lost to a gap, after data[0, missing_at) */
    uint32_t missing_at;
};

struct detect_alert {
    const struct rule *rule;
    const struct app_tx *tx; /* the transaction that matched, or NULL */
    uint64_t tx_id;
    uint8_t direction;       /* 0 to server, 1 to client */
    bool from_stream;        /* matched on reassembled stream data */
    uint8_t action;          /* enum rule_action in effect (a rate_filter may change it) */
    bool rate_modified;      /* a rate_filter changed the action */
    bool has_frame;          /* a frame rule's alert: frame is set */
    uint8_t ncontext;        /* datajson members the rule matched */
    struct detect_alert_frame frame;
    struct detect_dataset_context context[DATASET_MAX_CONTEXT]; /* alert.context */
};

struct detect_worker_stats {
    uint64_t packets_inspected;
    uint64_t rules_evaluated;
    uint64_t alerts;
    uint64_t alerts_suppressed;   /* suppress / threshold / detection_filter */
    uint64_t alert_queue_overflow;
    uint64_t passed_flows;
    uint64_t frame_rules_prefiltered; /* frame rules skipped: fast pattern not in the frame */
    /* Lua scripts (detect_lua.h): failed runs, and those by cause */
    uint64_t lua_errors, lua_blocked_function_errors, lua_instruction_limit_errors,
        lua_memory_limit_errors;
};

struct detect_worker;

/* de must outlive the worker. NULL on allocation failure. */
struct detect_worker *detect_worker_new(const struct detect_engine *de);
void detect_worker_free(struct detect_worker *dw);
/* Rule reload: a worker moving from `from` (old engine) to `to` (new engine)
 * keeps its cross-flow state - thresholds and detection_filter counts (keyed
 * by gid:sid), tag:host entries - and its counters. Flows' detection state
 * follows by itself on their next packet. */
void detect_worker_carry_over(struct detect_worker *to, struct detect_worker *from);

/* Cross-flow state (threshold, detection_filter and rate_filter counts,
 * tag:host entries) shared by every worker of a sensor, so the alerts are
 * the same with one worker and with several. A worker without one set keeps
 * its own. Thread-safe; must outlive the workers that use it. */
struct detect_shared;
struct detect_shared *detect_shared_new(void);
void detect_shared_free(struct detect_shared *s);
void detect_worker_set_shared(struct detect_worker *dw, struct detect_shared *s);
/* With several workers fed in capture order, wait(user, n) returns once no
 * other worker has a frame numbered below n left to process: the shared
 * counts then see matches in capture order, so 1 and N threads give the
 * same alerts. Called only before a shared-state decision. */
void detect_worker_set_order(struct detect_worker *dw,
                             void (*wait)(void *user, uint64_t pcap_cnt), void *user);

/* The flow's detection variables as Suricata adds them to every event of the
 * flow: "traffic": {"id": [...], "label": [...]} for the flowbits named
 * traffic/id/<x> and traffic/label/<x>, and "metadata": {"flowbits": [...],
 * "flowints": {...}} for the other set flowbits and flowints. Writes nothing
 * when the flow has none. rs is the engine's rule set (names). */
struct json_writer;
struct rule_set;
void detect_flow_write_vars(const struct rule_set *rs, const struct flow *f,
                            struct json_writer *w);

/* Reassembled bytes of one direction delivered while the current packet was
 * processed (called from the stream callback). gap_or_eof chunks (data NULL)
 * reset the stream window. */
void detect_stream_data(struct detect_worker *dw, struct flow *f, uint8_t direction,
                        const uint8_t *data, uint32_t len);

/* Anomalies raised while the current packet was processed, for the
 * decode-event, stream-event and app-layer-event keywords (decoder events
 * are on the packet itself). */
#define DETECT_MAX_PACKET_EVENTS 16
struct detect_packet_events {
    int stream[DETECT_MAX_PACKET_EVENTS];          /* enum stream_event */
    uint32_t nstream;
    struct {
        uint16_t app_proto;                        /* enum app_proto */
        const char *name;                          /* static string, e.g. "REQUEST_FIELD_TOO_LONG" */
    } app[DETECT_MAX_PACKET_EVENTS];
    uint32_t napp;
};

/* Runs detection for packet p (f may be NULL) after the stream and
 * application layer processed it. Returns the number of alerts written to
 * alerts[] (at most max), in the order they are to be logged. */
uint32_t detect_packet(struct detect_worker *dw, const struct packet *p, struct flow *f,
                       const struct detect_packet_events *events, struct detect_alert *alerts,
                       uint32_t max);

/* Detection for a layer-2 frame the application layer parsed outside flows
 * (GOOSE, Sampled Values, PROFINET DCP): the rules naming that protocol are
 * checked against tx (the frame's transaction). Returns the alerts as
 * detect_packet does. */
uint32_t detect_l2_packet(struct detect_worker *dw, const struct packet *p, const struct app_tx *tx,
                          const struct detect_packet_events *events, struct detect_alert *alerts,
                          uint32_t max);

/* Frees a flow's detection state (flow->detect_state). */
void detect_flow_state_free(void *state);

const struct detect_worker_stats *detect_worker_stats(const struct detect_worker *dw);

/* What the rules that matched the last packet ask for (Suricata's packet
 * actions), set by detect_packet() and detect_l2_packet(). Rules are taken in
 * their evaluation order (pass, drop, reject, alert), so a pass rule cancels
 * the drops of the rules after it. A drop or pass applies to the whole flow
 * when the rule matched a transaction or reassembled stream data, or is an
 * IP-only or application-layer rule; a packet rule's drop or pass applies to
 * the packet only. Detection itself keeps no drop state: the sensor decides
 * what a drop means (IPS mode) and marks the flow (flow.h ips_flags). */
enum detect_action_bit {
    DETECT_ACTION_DROP = 1u << 0,
    DETECT_ACTION_REJECT = 1u << 1,      /* reject / rejectsrc: to the packet's source */
    DETECT_ACTION_REJECT_DST = 1u << 2,  /* rejectdst: to its destination */
    DETECT_ACTION_REJECT_BOTH = 1u << 3, /* rejectboth */
    DETECT_ACTION_PASS = 1u << 4,
};
#define DETECT_ACTION_REJECT_ANY \
    (DETECT_ACTION_REJECT | DETECT_ACTION_REJECT_DST | DETECT_ACTION_REJECT_BOTH)
struct detect_verdict {
    uint8_t actions;               /* enum detect_action_bit */
    bool drop_flow;                /* the drop applies to the flow */
    bool pass_flow;                /* the pass applies to the flow */
    bool rate_filter;              /* the drop came from a rate_filter's new_action */
    const struct rule *drop_rule;  /* the first drop/reject rule that matched */
};
const struct detect_verdict *detect_last_verdict(const struct detect_worker *dw);

/* Suricata's EVE "category" and "severity" of a rule. */
const char *detect_rule_category(const struct detect_engine *de, const struct rule *r);
int detect_rule_severity(const struct detect_engine *de, const struct rule *r);

#endif
