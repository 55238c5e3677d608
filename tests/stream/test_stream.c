/* SPDX-License-Identifier: Apache-2.0 */
/* TCP session tracking and reassembly: 3WHS, midstream, out-of-order,
 * retransmissions, overlap policies, gaps, depth, memcap, FIN/RST, splits at
 * every offset, event names. */
#include <stdio.h>
#include <string.h>

#include "stream/stream_harness.h"
#include "test.h"
#include "util/json.h"

/* Most tests check reassembly itself: deliver as soon as data is in order. */
static void test_config_defaults(struct stream_config *cfg)
{
    stream_config_defaults(cfg);
    cfg->ack_based_delivery = false;
}

#define A (TCP_FLAG_ACK)
#define PA (TCP_FLAG_ACK | TCP_FLAG_PSH)
#define FA (TCP_FLAG_ACK | TCP_FLAG_FIN)

static void test_3whs_data_fin(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    struct flow *f = harness_handshake(h);
    CHECK(f && f->tcp);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    CHECK_EQ_INT(f->state, FLOW_STATE_ESTABLISHED);
    const char *req = "GET / HTTP/1.0\r\n\r\n";
    const char *rsp = "HTTP/1.0 200 OK\r\n\r\nhello";
    uint32_t rl = (uint32_t)strlen(req), sl = (uint32_t)strlen(rsp);
    harness_send(h, 1, PA, H_CISN + 1, H_SISN + 1, req, rl);
    CHECK_EQ_INT(h->dir[0].len, rl);
    CHECK(memcmp(h->dir[0].buf, req, rl) == 0);
    harness_send(h, 0, PA, H_SISN + 1, H_CISN + 1 + rl, rsp, sl);
    CHECK_EQ_INT(h->dir[1].len, sl);
    CHECK(memcmp(h->dir[1].buf, rsp, sl) == 0);
    harness_send(h, 0, FA, H_SISN + 1 + sl, H_CISN + 1 + rl, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "close_wait");
    CHECK_EQ_INT(h->dir[1].eofs, 1);
    CHECK_EQ_INT(h->dir[0].eofs, 0);
    harness_send(h, 1, FA, H_CISN + 1 + rl, H_SISN + 2 + sl, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "last_ack");
    CHECK_EQ_INT(f->state, FLOW_STATE_CLOSED);
    harness_send(h, 0, A, H_SISN + 2 + sl, H_CISN + 2 + rl, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "closed");
    CHECK_EQ_INT(h->dir[0].eofs, 1);
    const struct stream_stats *s = stream_thread_stats(h->stream);
    CHECK_EQ_INT(s->sessions, 1);
    CHECK_EQ_INT(s->syn, 1);
    CHECK_EQ_INT(s->synack, 1);
    CHECK_EQ_INT(s->reassembly_gap, 0);
    harness_free(h);
}

static void test_client_close_first(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    struct flow *f = harness_handshake(h);
    harness_send(h, 1, FA, H_CISN + 1, H_SISN + 1, "x", 1);
    CHECK_EQ_STR(stream_session_state_name(f), "fin_wait1");
    harness_send(h, 0, A, H_SISN + 1, H_CISN + 3, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "fin_wait2");
    harness_send(h, 0, FA, H_SISN + 1, H_CISN + 3, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "time_wait");
    CHECK_EQ_INT(f->state, FLOW_STATE_CLOSED);
    harness_send(h, 1, A, H_CISN + 3, H_SISN + 2, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "closed");
    CHECK_EQ_INT(h->dir[0].len, 1);
    CHECK_EQ_INT(h->dir[0].eofs, 1);
    CHECK_EQ_INT(h->dir[1].eofs, 1);
    /* A new SYN on the closed tuple is a new flow (port reuse). */
    struct flow *g = harness_send(h, 1, TCP_FLAG_SYN, 77777, 0, NULL, 0);
    CHECK(g != NULL && g->tcp != NULL);
    CHECK_EQ_STR(stream_session_state_name(g), "syn_sent");
    CHECK_EQ_INT(flow_table_stats(h->flows)->tcp_reuse, 1);
    CHECK_EQ_INT(h->flows_ended, 1);
    harness_free(h);
}

static void test_rst(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    struct flow *f = harness_handshake(h);
    harness_send(h, 1, PA, H_CISN + 1, H_SISN + 1, "abc", 3);
    /* Out of window RST: ignored. */
    harness_send(h, 0, TCP_FLAG_RST, H_SISN + 3000000, 0, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    harness_send(h, 0, TCP_FLAG_RST | A, H_SISN + 1, H_CISN + 4, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "closed");
    CHECK_EQ_INT(f->state, FLOW_STATE_CLOSED);
    CHECK_EQ_INT(h->dir[0].len, 3);
    /* Data from the RST's receiver: ignored. */
    harness_send(h, 1, PA, H_CISN + 4, H_SISN + 1, "zzz", 3);
    CHECK_EQ_INT(h->dir[0].len, 3);
    CHECK_EQ_INT(h->events[STREAM_EVENT_SUSPECTED_RST_INJECT], 0);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->rst, 2);
    flow_table_shutdown(h->flows);
    CHECK_EQ_INT(h->dir[0].eofs, 1);
    CHECK_EQ_INT(h->dir[1].eofs, 1);
    harness_free(h);

    /* The RST's sender goes on talking (security-4710: an RST the server
     * ignores): injection suspected, the session resumes and its data is
     * reassembled. */
    h = harness_new(&cfg);
    f = harness_handshake(h);
    harness_send(h, 1, TCP_FLAG_RST | A, H_CISN + 1, H_SISN + 1, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "closed");
    harness_send(h, 1, PA, H_CISN + 1, H_SISN + 1, "GET /x", 6);
    CHECK_EQ_INT(h->events[STREAM_EVENT_SUSPECTED_RST_INJECT], 1);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    harness_send(h, 1, PA, H_CISN + 7, H_SISN + 1, "yz", 2);
    CHECK_EQ_INT(h->events[STREAM_EVENT_SUSPECTED_RST_INJECT], 1);
    CHECK_EQ_INT(h->dir[0].len, 8);
    CHECK(memcmp(h->dir[0].buf, "GET /xyz", 8) == 0);
    harness_free(h);
}

static void test_midstream(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    struct flow *f = harness_send(h, 1, PA, 100, 900, "hello", 5);
    CHECK(f && !f->tcp);
    CHECK_EQ_INT(h->dir[0].len, 0);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->no_session, 1);
    harness_free(h);

    cfg.midstream = true;
    h = harness_new(&cfg);
    f = harness_send(h, 1, PA, 100, 900, "hello", 5);
    CHECK(f && f->tcp);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->midstream_pickups, 1);
    harness_send(h, 0, PA, 900, 105, "world", 5);
    harness_send(h, 1, PA, 105, 905, "!", 1);
    CHECK_EQ_INT(h->dir[0].len, 6);
    CHECK(memcmp(h->dir[0].buf, "hello!", 6) == 0);
    CHECK_EQ_INT(h->dir[1].len, 5);
    CHECK(memcmp(h->dir[1].buf, "world", 5) == 0);
    CHECK_EQ_INT(f->state, FLOW_STATE_ESTABLISHED);
    harness_free(h);
}

/* Only one side captured (suricata-verify alert-testmyids-async). */
static void test_async_oneside(void)
{
    struct stream_config cfg;
    stream_config_defaults(&cfg);
    cfg.midstream = true;
    cfg.async_oneside = true;
    /* Server side only: SYN/ACK, then its data. */
    struct harness *h = harness_new(&cfg);
    harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, H_CISN + 1, NULL, 0);
    struct flow *f = harness_send(h, 0, PA, H_SISN + 1, H_CISN + 1, "HTTP/1.1 200 OK", 15);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    CHECK_EQ_INT(h->dir[1].len, 15);
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_ACK_IN_WRONG_DIR], 0);
    harness_free(h);
    /* Client side only: SYN, ACK, data. */
    h = harness_new(&cfg);
    harness_send(h, 1, TCP_FLAG_SYN, H_CISN, 0, NULL, 0);
    harness_send(h, 1, A, H_CISN + 1, H_SISN + 1, NULL, 0);
    f = harness_send(h, 1, PA, H_CISN + 1, H_SISN + 1, "GET / HTTP/1.1", 14);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    CHECK_EQ_INT(h->dir[0].len, 14);
    harness_free(h);
    /* Without async-oneside the server-only capture is rejected. */
    cfg.async_oneside = false;
    h = harness_new(&cfg);
    harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, H_CISN + 1, NULL, 0);
    harness_send(h, 0, PA, H_SISN + 1, H_CISN + 1, "HTTP/1.1 200 OK", 15);
    CHECK_EQ_INT(h->dir[1].len, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_ACK_IN_WRONG_DIR], 1);
    harness_free(h);
}

static void test_handshake_anomalies(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    harness_send(h, 1, TCP_FLAG_SYN, H_CISN, 0, NULL, 0);
    struct flow *f = harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, H_CISN + 77, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_SYNACK_WITH_WRONG_ACK], 1);
    CHECK_EQ_STR(stream_session_state_name(f), "syn_sent");
    harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, H_CISN + 1, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "syn_recv");
    harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN + 5, H_CISN + 1, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ], 1);
    harness_send(h, 1, A, H_CISN + 1, H_SISN + 9, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION], 1);
    harness_send(h, 1, A, H_CISN + 1, H_SISN + 1, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    harness_send(h, 1, TCP_FLAG_SYN, H_CISN + 50, 0, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_EST_SYN_RESEND_DIFF_SEQ], 1);
    harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, H_CISN + 1, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_EST_SYNACK_RESEND], 1);
    /* An ACK far beyond anything the server could have sent. */
    harness_send(h, 1, A, H_CISN + 1, H_SISN + 100000000, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_EST_INVALID_ACK], 1);
    /* SYN+FIN. */
    harness_send(h, 1, TCP_FLAG_SYN | TCP_FLAG_FIN, H_CISN, 0, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_FIN_SYN], 1);
    harness_free(h);
}

/* SYNs with different ISNs before the SYN/ACK (bug-7657: a spoofed SYN
 * flood around a real handshake): the SYN/ACK picks the one it answers;
 * beyond 10 queued SYNs, 3whs_syn_flood. */
static void test_syn_queue(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    harness_send(h, 1, TCP_FLAG_SYN, 111, 0, NULL, 0);
    for (uint32_t i = 0; i < 11; i++)
        harness_send(h, 1, TCP_FLAG_SYN, 1000000 + i * 7919, 0, NULL, 0);
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_SYN_FLOOD], 1);
    /* The SYN/ACK may answer the latest SYN or a remembered one. */
    struct flow *f = harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, 1000000 + 3 * 7919 + 1, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "syn_recv");
    CHECK_EQ_INT(h->events[STREAM_EVENT_3WHS_SYNACK_WITH_WRONG_ACK], 0);
    uint32_t b = 1000000 + 3 * 7919 + 1;
    harness_send(h, 1, A, b, H_SISN + 1, NULL, 0);
    harness_send(h, 1, PA, b, H_SISN + 1, "POST", 4);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    CHECK_EQ_INT(h->dir[0].len, 4);
    harness_free(h);
}

/* PAWS: with timestamps on both sides, an older timestamp is invalid
 * (output-eve-anomaly-03: an RST with TS 0 after TS 31081368). */
static void test_timestamps(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    struct packet p;
    uint32_t b = H_CISN + 1;
    struct {
        int from_client;
        uint8_t flags;
        uint32_t seq, ack, tsval;
        const char *data;
    } steps[] = {
        {1, TCP_FLAG_SYN, H_CISN, 0, 1000, NULL},
        {0, TCP_FLAG_SYN | A, H_SISN, b, 5000, NULL},
        {1, A, b, H_SISN + 1, 1001, NULL},
        {1, PA, b, H_SISN + 1, 1002, "abc"},
        {1, PA, b + 3, H_SISN + 1, 900, "def"},  /* older timestamp: rejected */
        {1, PA, b + 3, H_SISN + 1, 1003, "DEF"}, /* valid */
        {0, TCP_FLAG_RST | A, H_SISN + 1, b + 6, 0, NULL}, /* TS 0: rejected */
    };
    struct flow *f = NULL;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        harness_ts += 1000;
        if (steps[i].from_client)
            packet_build_tcp(&p, H_CLI, 1000, H_SRV, 80, steps[i].flags, steps[i].seq,
                             steps[i].ack, steps[i].data, steps[i].data ? 3 : 0, harness_ts);
        else
            packet_build_tcp(&p, H_SRV, 80, H_CLI, 1000, steps[i].flags, steps[i].seq,
                             steps[i].ack, steps[i].data, steps[i].data ? 3 : 0, harness_ts);
        p.flags |= PACKET_FLAG_HAS_TCP_TIMESTAMP;
        p.tcp_tsval = steps[i].tsval;
        f = harness_packet(h, &p);
    }
    CHECK_EQ_INT(h->events[STREAM_EVENT_PKT_INVALID_TIMESTAMP], 2);
    CHECK_EQ_INT(h->dir[0].len, 6);
    CHECK(memcmp(h->dir[0].buf, "abcDEF", 6) == 0);
    CHECK_EQ_STR(stream_session_state_name(f), "established");
    harness_free(h);
    /* Without timestamps on the SYN/ACK: no PAWS. */
    h = harness_new(&cfg);
    harness_handshake(h);
    packet_build_tcp(&p, H_CLI, 1000, H_SRV, 80, PA, b, H_SISN + 1, "abc", 3, harness_ts);
    p.flags |= PACKET_FLAG_HAS_TCP_TIMESTAMP;
    p.tcp_tsval = 0;
    harness_packet(h, &p);
    CHECK_EQ_INT(h->events[STREAM_EVENT_PKT_INVALID_TIMESTAMP], 0);
    CHECK_EQ_INT(h->dir[0].len, 3);
    harness_free(h);
}

static void test_tfo(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    struct packet p;
    /* Data in a SYN without the TFO option is not stream data. */
    packet_build_tcp(&p, H_CLI, 1000, H_SRV, 80, TCP_FLAG_SYN, H_CISN, 0, "nope", 4, harness_ts);
    harness_packet(h, &p);
    CHECK_EQ_INT(h->dir[0].len, 0);
    harness_free(h);
    h = harness_new(&cfg);
    packet_build_tcp(&p, H_CLI, 1000, H_SRV, 80, TCP_FLAG_SYN, H_CISN, 0, "tfo!", 4, harness_ts);
    p.flags |= PACKET_FLAG_HAS_TCP_TFO;
    harness_packet(h, &p);
    harness_send(h, 0, TCP_FLAG_SYN | A, H_SISN, H_CISN + 5, NULL, 0);
    harness_send(h, 1, PA, H_CISN + 5, H_SISN + 1, "more", 4);
    CHECK_EQ_INT(h->dir[0].len, 8);
    CHECK(memcmp(h->dir[0].buf, "tfo!more", 8) == 0);
    harness_free(h);
}

static void test_out_of_order_and_retransmission(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    uint32_t b = H_CISN + 1;
    harness_send(h, 1, PA, b + 6, H_SISN + 1, "world", 5);
    harness_send(h, 1, PA, b + 11, H_SISN + 1, "!", 1);
    CHECK_EQ_INT(h->dir[0].len, 0);
    harness_send(h, 1, PA, b, H_SISN + 1, "hello ", 6);
    CHECK_EQ_INT(h->dir[0].len, 12);
    CHECK(memcmp(h->dir[0].buf, "hello world!", 12) == 0);
    /* Retransmission of delivered data: not delivered again. */
    harness_send(h, 1, PA, b, H_SISN + 1, "hello ", 6);
    CHECK_EQ_INT(h->dir[0].len, 12);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->retransmissions, 1);
    CHECK_EQ_INT(h->events[STREAM_EVENT_PKT_RETRANSMISSION], 1);
    /* Retransmission of delivered data with different bytes: reported. */
    harness_send(h, 1, PA, b, H_SISN + 1, "HELLO ", 6);
    CHECK_EQ_INT(h->dir[0].len, 12);
    CHECK_EQ_INT(h->events[STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA], 1);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->overlap_diff_data, 1);
    /* Partly new segment: only the new part is delivered. */
    harness_send(h, 1, PA, b + 10, H_SISN + 1, "d!?", 3);
    CHECK_EQ_INT(h->dir[0].len, 13);
    CHECK_EQ_INT(h->dir[0].buf[12], '?');
    /* Once acknowledged, retained data is released. */
    harness_send(h, 0, A, H_SISN + 1, b + 13, NULL, 0);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->reassembly_memuse > 0, 1);
    harness_free(h);
}

/* Overlap of a queued out-of-order segment [10,20) "AAAAAAAAAA" by a new
 * segment [5,15) "BBBBBBBBBB", then the hole [0,10) is filled with 'x'.
 * Returns the byte delivered at offset 12. */
static uint8_t overlap_case(int policy, uint32_t ns, uint32_t nlen, uint32_t *diff)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    cfg.overlap_policy = (uint8_t)policy;
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    uint32_t b = H_CISN + 1;
    char bs[32];
    memset(bs, 'B', sizeof bs);
    harness_send(h, 1, PA, b + 10, H_SISN + 1, "AAAAAAAAAA", 10);
    harness_send(h, 1, PA, b + ns, H_SISN + 1, bs, nlen);
    harness_send(h, 1, PA, b, H_SISN + 1, "xxxxxxxxxx", ns < 10 ? ns : 10);
    uint32_t end = ns + nlen > 20 ? ns + nlen : 20;
    uint8_t r = h->dir[0].len == end ? h->dir[0].buf[12] : 0;
    /* Every byte exactly once, in order. */
    for (uint32_t i = 0; i < 10 && h->dir[0].len == end; i++)
        if (i < ns && h->dir[0].buf[i] != 'x')
            r = 0;
    *diff = h->events[STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA];
    harness_free(h);
    return r;
}

static void test_overlap_policies(void)
{
    uint32_t diff;
    /* New starts before the old segment and ends inside it. */
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_FIRST, 5, 10, &diff), 'A');
    CHECK_EQ_INT(diff, 1);
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_LAST, 5, 10, &diff), 'B');
    CHECK_EQ_INT(diff, 1);
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_BSD, 5, 10, &diff), 'B');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_LINUX, 5, 10, &diff), 'B');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_WINDOWS, 5, 10, &diff), 'B');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_VISTA, 5, 10, &diff), 'A');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_SOLARIS, 5, 10, &diff), 'A');
    /* Same start, longer: linux and solaris take the new data, bsd not. */
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_BSD, 10, 15, &diff), 'A');
    CHECK_EQ_INT(diff, 1);
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_LINUX, 10, 15, &diff), 'B');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_SOLARIS, 10, 15, &diff), 'B');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_FIRST, 10, 15, &diff), 'A');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_LAST, 10, 15, &diff), 'B');
    /* Inside the old one: only last (and solaris, same end) replace. */
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_BSD, 11, 3, &diff), 'A');
    CHECK_EQ_INT(overlap_case(STREAM_POLICY_LAST, 11, 3, &diff), 'B');
    /* Identical overlap: counted as overlap, not as different data. */
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    harness_send(h, 1, PA, H_CISN + 11, H_SISN + 1, "AAAA", 4);
    harness_send(h, 1, PA, H_CISN + 9, H_SISN + 1, "xxAA", 4);
    CHECK_EQ_INT(h->events[STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA], 0);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->overlap, 1);
    harness_free(h);
    CHECK_EQ_INT(stream_policy_from_name("linux"), STREAM_POLICY_LINUX);
    CHECK_EQ_INT(stream_policy_from_name("bogus"), -1);
    CHECK_EQ_STR(stream_policy_name(STREAM_POLICY_FIRST), "first");
}

static void test_gaps(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    uint32_t b = H_CISN + 1;
    harness_send(h, 1, PA, b, H_SISN + 1, "0123456789", 10);
    /* [10,20) is lost. */
    harness_send(h, 1, PA, b + 20, H_SISN + 1, "abcdefghij", 10);
    CHECK_EQ_INT(h->dir[0].len, 10);
    /* The server acknowledges everything: the hole will never be filled. */
    harness_send(h, 0, A, H_SISN + 1, b + 30, NULL, 0);
    CHECK_EQ_INT(h->dir[0].len, 30);
    CHECK_EQ_INT(h->dir[0].gaps, 1);
    CHECK_EQ_INT(h->dir[0].gap_bytes, 10);
    CHECK(memcmp(h->dir[0].buf, "0123456789##########abcdefghij", 30) == 0);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->reassembly_gap, 1);
    CHECK_EQ_INT(h->events[STREAM_EVENT_REASSEMBLY_SEQ_GAP], 1);
    /* The lost segment arriving late is old data now. */
    harness_send(h, 1, PA, b + 10, H_SISN + 1, "KLMNOPQRST", 10);
    CHECK_EQ_INT(h->dir[0].len, 30);
    harness_free(h);

    /* At flow end, queued data behind a hole is delivered after a gap. */
    h = harness_new(&cfg);
    harness_handshake(h);
    harness_send(h, 1, PA, b + 5, H_SISN + 1, "tail", 4);
    harness_send(h, 0, PA, H_SISN + 1, b, "resp", 4);
    flow_table_shutdown(h->flows);
    CHECK_EQ_INT(h->dir[0].len, 9);
    CHECK(memcmp(h->dir[0].buf, "#####tail", 9) == 0);
    CHECK_EQ_INT(h->dir[0].eofs, 1);
    CHECK_EQ_INT(h->dir[1].eofs, 1);
    CHECK_EQ_INT(h->dir[1].len, 4);
    harness_free(h);
}

static void test_depth(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    cfg.reassembly_depth = 100;
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    uint8_t buf[60];
    memset(buf, 'd', sizeof buf);
    uint32_t b = H_CISN + 1;
    for (int i = 0; i < 5; i++)
        harness_send(h, 1, PA, b + (uint32_t)i * 60, H_SISN + 1, buf, 60);
    CHECK_EQ_INT(h->dir[0].len, 100);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->stream_depth_reached, 1);
    CHECK_EQ_INT(h->events[STREAM_EVENT_REASSEMBLY_DEPTH_REACHED], 1);
    /* The other direction is unaffected. */
    harness_send(h, 0, PA, H_SISN + 1, b + 300, buf, 60);
    CHECK_EQ_INT(h->dir[1].len, 60);
    harness_free(h);
}

static void test_memcap_and_limits(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    cfg.reassembly_memcap = 4 * (1536 + 64);
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    uint8_t buf[1400];
    memset(buf, 'm', sizeof buf);
    uint32_t b = H_CISN + 1;
    /* Out-of-order segments pile up until the memcap refuses more. */
    for (int i = 1; i <= 10; i++)
        harness_send(h, 1, PA, b + (uint32_t)i * 1400, H_SISN + 1, buf, 1400);
    const struct stream_stats *s = stream_thread_stats(h->stream);
    CHECK(s->segment_memcap_drop > 0);
    CHECK(s->reassembly_memuse <= cfg.reassembly_memcap);
    CHECK(s->reassembly_memuse_peak <= cfg.reassembly_memcap);
    CHECK(h->events[STREAM_EVENT_REASSEMBLY_INSERT_MEMCAP] > 0);
    harness_free(h);

    /* Out-of-order queue limit. */
    test_config_defaults(&cfg);
    cfg.max_ooo_segments = 3;
    h = harness_new(&cfg);
    harness_handshake(h);
    for (int i = 1; i <= 6; i++)
        harness_send(h, 1, PA, b + (uint32_t)i * 10, H_SISN + 1, buf, 5);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->ooo_limit_drop, 3);
    harness_free(h);

    /* Session memcap. */
    test_config_defaults(&cfg);
    cfg.memcap = 1;
    h = harness_new(&cfg);
    struct flow *f = harness_send(h, 1, TCP_FLAG_SYN, 1, 0, NULL, 0);
    CHECK(f && !f->tcp);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->ssn_memcap_drop, 1);
    harness_free(h);

    /* Bad checksums are not reassembled when validation is on. */
    test_config_defaults(&cfg);
    h = harness_new(&cfg);
    harness_handshake(h);
    struct packet p;
    packet_build_tcp(&p, H_CLI, 1000, H_SRV, 80, PA, b, H_SISN + 1, "bad", 3, harness_ts);
    p.flags |= PACKET_FLAG_TCP_CSUM_BAD;
    harness_packet(h, &p);
    CHECK_EQ_INT(h->dir[0].len, 0);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->invalid_checksum, 1);
    harness_free(h);
}

/* A message split in two at every offset, sent in order and reversed,
 * delivers the identical bytes. */
static void test_split_every_offset(void)
{
    uint8_t msg[200];
    for (int i = 0; i < 200; i++)
        msg[i] = (uint8_t)('a' + (i * 7) % 26);
    struct stream_config cfg;
    test_config_defaults(&cfg);
    int bad = 0;
    for (int mode = 0; mode < 2; mode++)
    for (uint32_t k = 1; k < 200; k++) {
        cfg.ack_based_delivery = mode == 1;
        for (int rev = 0; rev < 2; rev++) {
            struct harness *h = harness_new(&cfg);
            harness_handshake(h);
            uint32_t b = H_CISN + 1;
            if (rev) {
                harness_send(h, 1, PA, b + k, H_SISN + 1, msg + k, 200 - k);
                harness_send(h, 1, PA, b, H_SISN + 1, msg, k);
            } else {
                harness_send(h, 1, PA, b, H_SISN + 1, msg, k);
                harness_send(h, 1, PA, b + k, H_SISN + 1, msg + k, 200 - k);
            }
            /* Plus an overlapping retransmission of a middle piece, then
             * the receiver's ACK of everything. */
            harness_send(h, 1, PA, b + k / 2, H_SISN + 1, msg + k / 2, 20);
            harness_send(h, 0, A, H_SISN + 1, b + 200, NULL, 0);
            if (h->dir[0].len != 200 || memcmp(h->dir[0].buf, msg, 200) != 0)
                bad++;
            harness_free(h);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* Suricata's IDS timing: data reaches the application layer when the
 * receiver acknowledges it, on the ACK packet, possibly in parts. */

static void test_ack_based_delivery(void)
{
    struct stream_config cfg;
    stream_config_defaults(&cfg);
    CHECK(cfg.ack_based_delivery);
    struct harness *h = harness_new(&cfg);
    struct flow *f = harness_handshake(h);
    CHECK(f != NULL);
    uint32_t b = H_CISN + 1;
    harness_send(h, 1, PA, b, H_SISN + 1, "GET /a HTTP/1.0\r\n", 17);
    CHECK_EQ_INT(h->dir[0].len, 0);
    /* Partial ACK: the first 4 bytes only. */
    harness_send(h, 0, A, H_SISN + 1, b + 4, NULL, 0);
    CHECK_EQ_INT(h->dir[0].len, 4);
    CHECK(memcmp(h->dir[0].buf, "GET ", 4) == 0);
    /* The response ACKs the rest; its own data waits for the client's ACK. */
    harness_send(h, 0, PA, H_SISN + 1, b + 17, "HTTP/1.0 200 OK\r\n", 17);
    CHECK_EQ_INT(h->dir[0].len, 17);
    CHECK_EQ_INT(h->dir[1].len, 0);
    /* A FIN closes its direction once everything before it was delivered. */
    harness_send(h, 1, FA, b + 17, H_SISN + 18, NULL, 0);
    CHECK_EQ_INT(h->dir[1].len, 17);
    CHECK_EQ_INT(h->dir[0].eofs, 1);
    CHECK_EQ_INT(h->dir[1].eofs, 0);
    harness_send(h, 0, FA, H_SISN + 18, b + 18, NULL, 0);
    CHECK_EQ_INT(h->dir[1].eofs, 1);
    harness_send(h, 1, A, b + 18, H_SISN + 19, NULL, 0);
    CHECK_EQ_STR(stream_session_state_name(f), "closed");
    /* Unacknowledged data still arrives at flow end. */
    struct harness *h2 = harness_new(&cfg);
    harness_handshake(h2);
    harness_send(h2, 1, PA, b, H_SISN + 1, "pending", 7);
    CHECK_EQ_INT(h2->dir[0].len, 0);
    flow_table_shutdown(h2->flows);
    CHECK_EQ_INT(h2->dir[0].len, 7);
    harness_free(h2);
    /* An overlapping retransmission of unacknowledged data with different
     * bytes is resolved by the policy (bsd: the old data stays). */
    struct harness *h3 = harness_new(&cfg);
    harness_handshake(h3);
    harness_send(h3, 1, PA, b, H_SISN + 1, "abcdef", 6);
    harness_send(h3, 1, PA, b, H_SISN + 1, "abXdef", 6);
    harness_send(h3, 0, A, H_SISN + 1, b + 6, NULL, 0);
    CHECK_EQ_INT(h3->dir[0].len, 6);
    CHECK(memcmp(h3->dir[0].buf, "abcdef", 6) == 0);
    CHECK_EQ_INT(h3->events[STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA], 1);
    harness_free(h3);
    /* Without the receiver in sight, delivery does not wait forever. */
    cfg.max_unacked_bytes = 10;
    struct harness *h4 = harness_new(&cfg);
    harness_handshake(h4);
    harness_send(h4, 1, PA, b, H_SISN + 1, "0123456789", 10);
    CHECK_EQ_INT(h4->dir[0].len, 0);
    harness_send(h4, 1, PA, b + 10, H_SISN + 1, "abcdefghij", 10);
    CHECK_EQ_INT(h4->dir[0].len, 20);
    harness_free(h4);
    harness_free(h);
}

static void test_sequence_wrap(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    uint32_t isn = 0xfffffff0u;
    harness_send(h, 1, TCP_FLAG_SYN, isn, 0, NULL, 0);
    harness_send(h, 0, TCP_FLAG_SYN | A, 7, isn + 1, NULL, 0);
    harness_send(h, 1, A, isn + 1, 8, NULL, 0);
    harness_send(h, 1, PA, isn + 1 + 10, 8, "0123456789", 10);
    harness_send(h, 1, PA, isn + 1, 8, "abcdefghij", 10);
    CHECK_EQ_INT(h->dir[0].len, 20);
    CHECK(memcmp(h->dir[0].buf, "abcdefghij0123456789", 20) == 0);
    harness_free(h);
}

/* An error path: the table freed without shutdown still releases sessions
 * and their segments (checked by LeakSanitizer in the sanitizer build). */
static void test_free_without_shutdown(void)
{
    struct stream_config cfg;
    test_config_defaults(&cfg);
    struct harness *h = harness_new(&cfg);
    harness_handshake(h);
    harness_send(h, 1, PA, H_CISN + 50, H_SISN + 1, "queued", 6);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->active_sessions, 1);
    flow_table_free(h->flows);
    CHECK_EQ_INT(stream_thread_stats(h->stream)->active_sessions, 0);
    CHECK_EQ_INT(h->flows_ended, 0);
    stream_thread_ctx_free(h->stream);
    free(h);
}

static void test_event_names_and_json(void)
{
    CHECK_EQ_STR(stream_event_name(STREAM_EVENT_3WHS_SYNACK_WITH_WRONG_ACK),
                 "3whs_synack_with_wrong_ack");
    CHECK_EQ_INT(stream_event_from_name("stream.reassembly_overlap_different_data"),
                 STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA);
    CHECK_EQ_INT(stream_event_from_name("est_invalid_ack"), STREAM_EVENT_EST_INVALID_ACK);
    CHECK_EQ_INT(stream_event_from_name("nope"), -1);
    CHECK(stream_event_name(STREAM_EVENT_MAX) == NULL);
    for (int i = 0; i < STREAM_EVENT_MAX; i++) {
        CHECK(stream_event_name(i) != NULL);
        CHECK_EQ_INT(stream_event_from_name(stream_event_name(i)), i);
    }
    /* Every stream-event name used by Suricata's stream-events.rules is known. */
    const char *path_env = getenv("VIGIL_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/rules/suricata-app-layer/rules/stream-events.rules",
             path_env ? path_env : "../../shared");
    FILE *fp = fopen(path, "r");
    if (fp) {
        char line[4096];
        int names = 0;
        while (fgets(line, sizeof line, fp)) {
            char *k = strstr(line, "stream-event:");
            if (!k)
                continue;
            k += strlen("stream-event:");
            char name[128];
            size_t n = 0;
            while (k[n] && k[n] != ';' && n < sizeof name - 1) {
                name[n] = k[n];
                n++;
            }
            name[n] = '\0';
            names++;
            if (stream_event_from_name(name) < 0)
                fprintf(stderr, "unknown stream event %s\n", name);
            CHECK(stream_event_from_name(name) >= 0);
        }
        fclose(fp);
        CHECK(names > 40);
    }
    struct stream_stats s = {0}, t = {0};
    s.sessions = 2;
    t.sessions = 3;
    t.overlap_diff_data = 1;
    t.events[STREAM_EVENT_FIN_SYN] = 4;
    stream_stats_add(&s, &t);
    struct json_writer w;
    json_writer_init(&w, 256);
    json_object_begin(&w);
    stream_stats_write_json(&s, &w);
    stream_stats_write_events_json(&s, &w);
    json_object_end(&w);
    json_append_raw(&w, "", 1);
    CHECK(strstr(w.data, "\"tcp\":{\"sessions\":5") != NULL);
    CHECK(strstr(w.data, "\"overlap_diff_data\":1") != NULL);
    CHECK(strstr(w.data, "\"reassembly_memuse\":") != NULL);
    CHECK(strstr(w.data, "\"fin_syn\":4") != NULL);
    json_writer_free(&w);
}

int main(void)
{
    flow_hash_set_key(3, 4);
    test_3whs_data_fin();
    test_client_close_first();
    test_rst();
    test_midstream();
    test_async_oneside();
    test_handshake_anomalies();
    test_syn_queue();
    test_timestamps();
    test_tfo();
    test_out_of_order_and_retransmission();
    test_overlap_policies();
    test_gaps();
    test_depth();
    test_memcap_and_limits();
    test_split_every_offset();
    test_ack_based_delivery();
    test_sequence_wrap();
    test_free_without_shutdown();
    test_event_names_and_json();
    TEST_MAIN_END();
}
