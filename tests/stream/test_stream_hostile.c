/* SPDX-License-Identifier: Apache-2.0 */
/* Hostile traffic through flow table + stream engine with small memcaps: a
 * SYN flood of 100k random sources, sessions with overlapping segments that
 * carry different data, and a flood of tiny out-of-order segments. Memory
 * must stay under every memcap and the statistics must add up. */
#include <stdio.h>
#include <string.h>

#include "flow/flow_table.h"
#include "flow/packet_build.h"
#include "stream/stream.h"
#include "test.h"

#define FLOOD 100000
#define SESSIONS 50

struct counters {
    struct stream_thread_ctx *stream;
    uint64_t bytes[2], gaps[2], eofs[2];
    uint64_t ended;
    uint64_t diff_events;
    uint8_t session_bytes[SESSIONS][20];
    int current; /* session index being checked, -1 for none */
    uint32_t current_len;
};

static void on_data(void *user, struct flow *f, const struct packet *p, uint8_t dir,
                    const uint8_t *data, uint32_t len, uint32_t flags)
{
    (void)f;
    (void)p;
    struct counters *c = user;
    if (flags & STREAM_DATA_EOF) {
        c->eofs[dir]++;
        return;
    }
    if (flags & STREAM_DATA_GAP) {
        c->gaps[dir] += len;
        return;
    }
    c->bytes[dir] += len;
    if (c->current >= 0 && dir == 0)
        for (uint32_t i = 0; i < len && c->current_len < 20; i++)
            c->session_bytes[c->current][c->current_len++] = data[i];
}

static void on_event(void *user, struct flow *f, const struct packet *p, int ev)
{
    (void)f;
    (void)p;
    struct counters *c = user;
    if (ev == STREAM_EVENT_REASSEMBLY_OVERLAP_DIFFERENT_DATA)
        c->diff_events++;
}

static void on_end(void *user, struct flow *f)
{
    struct counters *c = user;
    c->ended++;
    stream_flow_end(c->stream, f);
}

/* Bijective scramble so that sources look random but never repeat. */
static uint32_t scramble(uint32_t x)
{
    x *= 0x9e3779b1u;
    x ^= x >> 15;
    x *= 0x85ebca77u;
    x ^= x >> 13;
    return x;
}

int main(void)
{
    flow_hash_set_key(5, 6);
    struct counters c = {.current = -1};
    struct stream_config scfg;
    stream_config_defaults(&scfg);
    scfg.memcap = 256 * 1024;
    scfg.reassembly_memcap = 64 * 1024;
    scfg.max_ooo_segments = 500;
    struct stream_callbacks cb = {.user = &c, .data = on_data, .event = on_event};
    c.stream = stream_thread_ctx_new(&scfg, &cb);

    struct flow_config fcfg;
    flow_config_defaults(&fcfg);
    fcfg.hash_size = 4096;
    fcfg.prealloc = 0;
    fcfg.memcap = 4096 * sizeof(void *) + 2000 * sizeof(struct flow);
    struct flow_hooks hooks = {.user = &c, .flow_end = on_end};
    stream_flow_hooks_set(&hooks, c.stream);
    struct flow_table *t = flow_table_new(&fcfg, &hooks, NULL, 0);
    CHECK(t != NULL && c.stream != NULL);

    const struct flow_stats *fs = flow_table_stats(t);
    const struct stream_stats *ss = stream_thread_stats(c.stream);
    uint64_t ts = 1700000000ull * 1000000ull;
    struct packet p;
    char src[32];
    int sess = 0;
    uint64_t over_flow = 0, over_ssn = 0, over_seg = 0;
    for (uint32_t i = 0; i < FLOOD; i++) {
        uint32_t r = scramble(i);
        snprintf(src, sizeof src, "%u.%u.%u.%u", 11 + (r >> 24) % 200, (r >> 16) & 255,
                 (r >> 8) & 255, r & 255);
        ts += 10;
        packet_build_tcp(&p, src, (uint16_t)(1024 + (r % 60000)), "10.0.0.2", 80, TCP_FLAG_SYN,
                         r, 0, NULL, 0, ts);
        struct flow *f = flow_table_get(t, &p);
        if (f)
            stream_handle_packet(c.stream, f, &p);
        if ((i & 1023) == 0)
            flow_table_timeout(t, ts);
        over_flow += fs->memuse > fcfg.memcap;
        over_ssn += ss->memuse > scfg.memcap;
        over_seg += ss->reassembly_memuse > scfg.reassembly_memcap;

        if (i % (FLOOD / SESSIONS) == 0 && sess < SESSIONS) {
            /* A real session whose segments overlap with different data:
             * [10,20) "A", then [5,15) "B" (differs), then [0,5) "x". */
            char cli[32];
            snprintf(cli, sizeof cli, "192.168.%d.%d", sess / 200, sess % 200 + 1);
            uint32_t isn = 1000, sisn = 90000;
            struct {
                const char *from;
                uint8_t flags;
                uint32_t seq, ack;
                const char *data;
                uint32_t len;
            } steps[] = {
                {cli, TCP_FLAG_SYN, isn, 0, NULL, 0},
                {"10.0.0.2", TCP_FLAG_SYN | TCP_FLAG_ACK, sisn, isn + 1, NULL, 0},
                {cli, TCP_FLAG_ACK, isn + 1, sisn + 1, NULL, 0},
                {cli, TCP_FLAG_ACK, isn + 11, sisn + 1, "AAAAAAAAAA", 10},
                {cli, TCP_FLAG_ACK, isn + 6, sisn + 1, "BBBBBBBBBB", 10},
                {cli, TCP_FLAG_ACK, isn + 1, sisn + 1, "xxxxx", 5},
                {"10.0.0.2", TCP_FLAG_ACK | TCP_FLAG_RST, sisn + 1, isn + 21, NULL, 0},
            };
            c.current = sess;
            c.current_len = 0;
            for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
                ts += 10;
                bool from_client = steps[k].from == cli;
                packet_build_tcp(&p, steps[k].from, from_client ? 40000 : 80,
                                 from_client ? "10.0.0.2" : cli, from_client ? 80 : 40000,
                                 steps[k].flags, steps[k].seq, steps[k].ack, steps[k].data,
                                 steps[k].len, ts);
                struct flow *sf = flow_table_get(t, &p);
                CHECK(sf != NULL);
                if (sf)
                    stream_handle_packet(c.stream, sf, &p);
            }
            c.current = -1;
            sess++;
        }
    }
    /* A flood of tiny out-of-order segments on one session. */
    {
        uint32_t isn = 5, sisn = 7;
        ts += 10;
        packet_build_tcp(&p, "172.31.0.1", 5555, "10.0.0.3", 80, TCP_FLAG_SYN, isn, 0, NULL, 0, ts);
        stream_handle_packet(c.stream, flow_table_get(t, &p), &p);
        packet_build_tcp(&p, "10.0.0.3", 80, "172.31.0.1", 5555, TCP_FLAG_SYN | TCP_FLAG_ACK, sisn, isn + 1, NULL, 0, ts);
        stream_handle_packet(c.stream, flow_table_get(t, &p), &p);
        uint8_t one[40];
        memset(one, 'o', sizeof one);
        for (uint32_t k = 1; k < 20000; k++) {
            ts += 1;
            packet_build_tcp(&p, "172.31.0.1", 5555, "10.0.0.3", 80, TCP_FLAG_ACK,
                             isn + 1 + k * 3, sisn + 1, one, 1 + (k % 40), ts);
            stream_handle_packet(c.stream, flow_table_get(t, &p), &p);
            over_seg += ss->reassembly_memuse > scfg.reassembly_memcap;
        }
        CHECK(ss->ooo_limit_drop + ss->segment_memcap_drop > 0);
    }
    flow_table_shutdown(t);

    CHECK_EQ_INT(over_flow, 0);
    CHECK_EQ_INT(over_ssn, 0);
    CHECK_EQ_INT(over_seg, 0);
    CHECK(fs->memuse_peak <= fcfg.memcap);
    CHECK(ss->memuse_peak <= scfg.memcap);
    CHECK(ss->reassembly_memuse_peak <= scfg.reassembly_memcap);
    /* Flow accounting: every flow created ended exactly once. */
    CHECK_EQ_INT(fs->total, FLOOD + SESSIONS + 1);
    CHECK_EQ_INT(c.ended, fs->total);
    CHECK_EQ_INT(fs->active, 0);
    CHECK_EQ_INT(fs->timeout + fs->get_used + fs->shutdown, fs->total);
    CHECK(fs->emerg_mode_entered >= 1);
    CHECK(fs->get_used > 0);
    CHECK_EQ_INT(fs->no_flow, 0);
    /* Stream accounting. */
    CHECK_EQ_INT(ss->syn, FLOOD + SESSIONS + 1);
    CHECK_EQ_INT(ss->sessions + ss->ssn_memcap_drop, FLOOD + SESSIONS + 1);
    CHECK_EQ_INT(ss->active_sessions, 0);
    CHECK_EQ_INT(ss->overlap_diff_data, SESSIONS);
    CHECK_EQ_INT(c.diff_events, SESSIONS);
    CHECK_EQ_INT(ss->rst, SESSIONS);
    /* Every overlapped session delivered 20 bytes under the bsd policy:
     * [0,5) "x", [5,10) only in the new segment, [10,15) overlapped and won by
     * the new data (it starts before the old segment), [15,20) old. */
    int good = 0;
    for (int i = 0; i < SESSIONS; i++)
        good += memcmp(c.session_bytes[i], "xxxxxBBBBBBBBBBAAAAA", 20) == 0;
    CHECK_EQ_INT(good, SESSIONS);
    fprintf(stderr,
            "flows total=%llu forced=%llu timeout=%llu peak=%llu/%llu; sessions=%llu "
            "memcap_drop=%llu peak=%llu/%llu; segments peak=%llu/%llu memcap_drop=%llu "
            "ooo_drop=%llu\n",
            (unsigned long long)fs->total, (unsigned long long)fs->get_used,
            (unsigned long long)fs->timeout, (unsigned long long)fs->memuse_peak,
            (unsigned long long)fcfg.memcap, (unsigned long long)ss->sessions,
            (unsigned long long)ss->ssn_memcap_drop, (unsigned long long)ss->memuse_peak,
            (unsigned long long)scfg.memcap, (unsigned long long)ss->reassembly_memuse_peak,
            (unsigned long long)scfg.reassembly_memcap,
            (unsigned long long)ss->segment_memcap_drop, (unsigned long long)ss->ooo_limit_drop);
    flow_table_free(t);
    stream_thread_ctx_free(c.stream);
    TEST_MAIN_END();
}
