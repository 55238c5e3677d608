/* SPDX-License-Identifier: Apache-2.0 */
/* Stream event names (Suricata's stream-event keyword values), policies,
 * statistics output. */
#include <string.h>
#include <strings.h>

#include "stream/tcp_internal.h"
#include "util/json.h"

static const char *const event_names[STREAM_EVENT_MAX] = {
    [STREAM_EVENT_3WHS_ACK_IN_WRONG_DIR] = "3whs_ack_in_wrong_dir",
    [STREAM_EVENT_3WHS_ASYNC_WRONG_SEQ] = "3whs_async_wrong_seq",
    [STREAM_EVENT_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION] = "3whs_right_seq_wrong_ack_evasion",
    [STREAM_EVENT_3WHS_SYNACK_IN_WRONG_DIRECTION] = "3whs_synack_in_wrong_direction",
    [STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFFERENT_ACK] = "3whs_synack_resend_with_different_ack",
    [STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ] = "3whs_synack_resend_with_diff_seq",
    [STREAM_EVENT_3WHS_SYNACK_TOSERVER_ON_SYN_RECV] = "3whs_synack_toserver_on_syn_recv",
    [STREAM_EVENT_3WHS_SYNACK_WITH_WRONG_ACK] = "3whs_synack_with_wrong_ack",
    [STREAM_EVENT_3WHS_SYNACK_FLOOD] = "3whs_synack_flood",
    [STREAM_EVENT_3WHS_SYNACK_TFO_DATA_IGNORED] = "3whs_synack_tfo_data_ignored",
    [STREAM_EVENT_3WHS_SYN_FLOOD] = "3whs_syn_flood",
    [STREAM_EVENT_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV] = "3whs_syn_resend_diff_seq_on_syn_recv",
    [STREAM_EVENT_3WHS_SYN_TOCLIENT_ON_SYN_RECV] = "3whs_syn_toclient_on_syn_recv",
    [STREAM_EVENT_3WHS_WRONG_SEQ_WRONG_ACK] = "3whs_wrong_seq_wrong_ack",
    [STREAM_EVENT_3WHS_ACK_DATA_INJECT] = "3whs_ack_data_inject",
    [STREAM_EVENT_4WHS_SYNACK_WITH_WRONG_ACK] = "4whs_synack_with_wrong_ack",
    [STREAM_EVENT_4WHS_SYNACK_WITH_WRONG_SYN] = "4whs_synack_with_wrong_syn",
    [STREAM_EVENT_4WHS_WRONG_SEQ] = "4whs_wrong_seq",
    [STREAM_EVENT_4WHS_INVALID_ACK] = "4whs_invalid_ack",
    [STREAM_EVENT_CLOSEWAIT_ACK_OUT_OF_WINDOW] = "closewait_ack_out_of_window",
    [STREAM_EVENT_CLOSEWAIT_FIN_OUT_OF_WINDOW] = "closewait_fin_out_of_window",
    [STREAM_EVENT_CLOSEWAIT_INVALID_ACK] = "closewait_invalid_ack",
    [STREAM_EVENT_CLOSING_ACK_WRONG_SEQ] = "closing_ack_wrong_seq",
    [STREAM_EVENT_CLOSING_INVALID_ACK] = "closing_invalid_ack",
    [STREAM_EVENT_EST_PACKET_OUT_OF_WINDOW] = "est_packet_out_of_window",
    [STREAM_EVENT_EST_PKT_BEFORE_LAST_ACK] = "est_pkt_before_last_ack",
    [STREAM_EVENT_EST_SYNACK_RESEND] = "est_synack_resend",
    [STREAM_EVENT_EST_SYNACK_RESEND_WITH_DIFFERENT_ACK] = "est_synack_resend_with_different_ack",
    [STREAM_EVENT_EST_SYNACK_RESEND_WITH_DIFF_SEQ] = "est_synack_resend_with_diff_seq",
    [STREAM_EVENT_EST_SYNACK_TOSERVER] = "est_synack_toserver",
    [STREAM_EVENT_EST_SYN_RESEND] = "est_syn_resend",
    [STREAM_EVENT_EST_SYN_RESEND_DIFF_SEQ] = "est_syn_resend_diff_seq",
    [STREAM_EVENT_EST_SYN_TOCLIENT] = "est_syn_toclient",
    [STREAM_EVENT_EST_INVALID_ACK] = "est_invalid_ack",
    [STREAM_EVENT_FIN_INVALID_ACK] = "fin_invalid_ack",
    [STREAM_EVENT_FIN1_ACK_WRONG_SEQ] = "fin1_ack_wrong_seq",
    [STREAM_EVENT_FIN1_FIN_WRONG_SEQ] = "fin1_fin_wrong_seq",
    [STREAM_EVENT_FIN1_INVALID_ACK] = "fin1_invalid_ack",
    [STREAM_EVENT_FIN2_ACK_WRONG_SEQ] = "fin2_ack_wrong_seq",
    [STREAM_EVENT_FIN2_FIN_WRONG_SEQ] = "fin2_fin_wrong_seq",
    [STREAM_EVENT_FIN2_INVALID_ACK] = "fin2_invalid_ack",
    [STREAM_EVENT_FIN_BUT_NO_SESSION] = "fin_but_no_session",
    [STREAM_EVENT_FIN_OUT_OF_WINDOW] = "fin_out_of_window",
    [STREAM_EVENT_FIN_SYN] = "fin_syn",
    [STREAM_EVENT_LASTACK_ACK_WRONG_SEQ] = "lastack_ack_wrong_seq",
    [STREAM_EVENT_LASTACK_INVALID_ACK] = "lastack_invalid_ack",
    [STREAM_EVENT_RST_BUT_NO_SESSION] = "rst_but_no_session",
    [STREAM_EVENT_TIMEWAIT_ACK_WRONG_SEQ] = "timewait_ack_wrong_seq",
    [STREAM_EVENT_TIMEWAIT_INVALID_ACK] = "timewait_invalid_ack",
    [STREAM_EVENT_SHUTDOWN_SYN_RESEND] = "shutdown_syn_resend",
    [STREAM_EVENT_PKT_INVALID_TIMESTAMP] = "pkt_invalid_timestamp",
    [STREAM_EVENT_PKT_INVALID_ACK] = "pkt_invalid_ack",
    [STREAM_EVENT_PKT_BROKEN_ACK] = "pkt_broken_ack",
    [STREAM_EVENT_RST_INVALID_ACK] = "rst_invalid_ack",
    [STREAM_EVENT_PKT_RETRANSMISSION] = "pkt_retransmission",
    [STREAM_EVENT_PKT_SPURIOUS_RETRANSMISSION] = "pkt_spurious_retransmission",
    [STREAM_EVENT_PKT_BAD_WINDOW_UPDATE] = "pkt_bad_window_update",
    [STREAM_EVENT_SUSPECTED_RST_INJECT] = "suspected_rst_inject",
    [STREAM_EVENT_WRONG_THREAD] = "wrong_thread",
    [STREAM_EVENT_CLOSEWAIT_PKT_BEFORE_LAST_ACK] = "closewait_pkt_before_last_ack",
    [STREAM_EVENT_REASSEMBLY_SEGMENT_BEFORE_BASE_SEQ] = "reassembly_segment_before_base_seq",
    [STREAM_EVENT_REASSEMBLY_NO_SEGMENT] = "reassembly_no_segment",
    [STREAM_EVENT_REASSEMBLY_SEQ_GAP] = "reassembly_seq_gap",
    [STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA] = "reassembly_overlap_different_data",
    [STREAM_EVENT_REASSEMBLY_DEPTH_REACHED] = "reassembly_depth_reached",
    [STREAM_EVENT_REASSEMBLY_INSERT_MEMCAP] = "reassembly_insert_memcap",
    [STREAM_EVENT_REASSEMBLY_INSERT_LIMIT] = "reassembly_insert_limit",
    [STREAM_EVENT_REASSEMBLY_URGENT_OOB_LIMIT_REACHED] = "reassembly_urgent_oob_limit_reached",
};

const char *stream_event_name(int ev)
{
    if (ev < 0 || ev >= STREAM_EVENT_MAX)
        return NULL;
    return event_names[ev];
}

int stream_event_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strncasecmp(name, "stream.", 7) == 0)
        name += 7;
    for (int i = 0; i < STREAM_EVENT_MAX; i++)
        if (event_names[i] && strcasecmp(event_names[i], name) == 0)
            return i;
    return -1;
}

void stream_event_set(struct stream_thread_ctx *ctx, int ev)
{
    ctx->stats.events[ev]++;
    if (ctx->cb.event)
        ctx->cb.event(ctx->cb.user, ctx->cur_flow, ctx->cur_packet, ev);
}

static const char *const policy_names[STREAM_POLICY_MAX] = {
    [STREAM_POLICY_BSD] = "bsd",         [STREAM_POLICY_FIRST] = "first",
    [STREAM_POLICY_LAST] = "last",       [STREAM_POLICY_LINUX] = "linux",
    [STREAM_POLICY_OLD_LINUX] = "old-linux", [STREAM_POLICY_WINDOWS] = "windows",
    [STREAM_POLICY_VISTA] = "vista",     [STREAM_POLICY_SOLARIS] = "solaris",
    [STREAM_POLICY_HPUX10] = "hpux10",   [STREAM_POLICY_HPUX11] = "hpux11",
    [STREAM_POLICY_IRIX] = "irix",       [STREAM_POLICY_MACOS] = "macos",
};

int stream_policy_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < STREAM_POLICY_MAX; i++)
        if (strcasecmp(policy_names[i], name) == 0)
            return i;
    /* Suricata's aliases. */
    if (strcasecmp(name, "bsd-right") == 0 || strcasecmp(name, "windows2k3") == 0)
        return STREAM_POLICY_BSD;
    if (strcasecmp(name, "old-solaris") == 0)
        return STREAM_POLICY_SOLARIS;
    if (strcasecmp(name, "mac-os") == 0)
        return STREAM_POLICY_MACOS;
    return -1;
}

const char *stream_policy_name(int policy)
{
    if (policy < 0 || policy >= STREAM_POLICY_MAX)
        return NULL;
    return policy_names[policy];
}

void stream_stats_add(struct stream_stats *dst, const struct stream_stats *src)
{
    uint64_t p1 = dst->memuse_peak > src->memuse_peak ? dst->memuse_peak : src->memuse_peak;
    uint64_t p2 = dst->reassembly_memuse_peak > src->reassembly_memuse_peak
                      ? dst->reassembly_memuse_peak
                      : src->reassembly_memuse_peak;
    dst->sessions += src->sessions;
    dst->active_sessions += src->active_sessions;
    dst->ssn_memcap_drop += src->ssn_memcap_drop;
    dst->pseudo += src->pseudo;
    dst->invalid_checksum += src->invalid_checksum;
    dst->syn += src->syn;
    dst->synack += src->synack;
    dst->rst += src->rst;
    dst->midstream_pickups += src->midstream_pickups;
    dst->pkt_on_wrong_thread += src->pkt_on_wrong_thread;
    dst->segment_memcap_drop += src->segment_memcap_drop;
    dst->stream_depth_reached += src->stream_depth_reached;
    dst->reassembly_gap += src->reassembly_gap;
    dst->overlap += src->overlap;
    dst->overlap_diff_data += src->overlap_diff_data;
    dst->insert_data_normal_fail += src->insert_data_normal_fail;
    dst->ooo_limit_drop += src->ooo_limit_drop;
    dst->retransmissions += src->retransmissions;
    dst->invalid_packets += src->invalid_packets;
    dst->no_session += src->no_session;
    dst->memuse += src->memuse;
    dst->reassembly_memuse += src->reassembly_memuse;
    for (int i = 0; i < STREAM_EVENT_MAX; i++)
        dst->events[i] += src->events[i];
    dst->memuse_peak = p1;
    dst->reassembly_memuse_peak = p2;
}

void stream_stats_write_json(const struct stream_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "tcp");
    json_key_u64(w, "sessions", s->sessions);
    json_key_u64(w, "ssn_memcap_drop", s->ssn_memcap_drop);
    json_key_u64(w, "pseudo", s->pseudo);
    json_key_u64(w, "invalid_checksum", s->invalid_checksum);
    json_key_u64(w, "midstream_pickups", s->midstream_pickups);
    json_key_u64(w, "pkt_on_wrong_thread", s->pkt_on_wrong_thread);
    json_key_u64(w, "syn", s->syn);
    json_key_u64(w, "synack", s->synack);
    json_key_u64(w, "rst", s->rst);
    json_key_u64(w, "segment_memcap_drop", s->segment_memcap_drop);
    json_key_u64(w, "stream_depth_reached", s->stream_depth_reached);
    json_key_u64(w, "reassembly_gap", s->reassembly_gap);
    json_key_u64(w, "overlap", s->overlap);
    json_key_u64(w, "overlap_diff_data", s->overlap_diff_data);
    json_key_u64(w, "insert_data_normal_fail", s->insert_data_normal_fail);
    json_key_u64(w, "insert_list_fail", s->ooo_limit_drop);
    json_key_u64(w, "retransmission", s->retransmissions);
    json_key_u64(w, "active_sessions", s->active_sessions);
    json_key_u64(w, "memuse", s->memuse);
    json_key_u64(w, "reassembly_memuse", s->reassembly_memuse);
    json_object_end(w);
}

void stream_stats_write_events_json(const struct stream_stats *s, struct json_writer *w)
{
    json_key_object_begin(w, "stream");
    for (int i = 0; i < STREAM_EVENT_MAX; i++)
        json_key_u64(w, event_names[i], s->events[i]);
    json_object_end(w);
}
