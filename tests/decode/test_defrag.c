/* SPDX-License-Identifier: Apache-2.0 */
/* IP fragment reassembly through decode_packet(): in order, reverse and
 * random order, IPv4 and IPv6, overlaps under each policy, timeouts, the
 * tracker limit, memcap exhaustion (memory stays under the cap), oversized
 * datagrams and a fragment flood. */
#include <stdlib.h>

#include "decode/decode.h"
#include "decode_test_util.h"
#include "test.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SEC 1000000ull

static struct packet pk;
static struct frame fr;

/* An IPv4 fragment carrying data[off, off+len) of a UDP datagram whose
 * first 8 bytes are the UDP header. */
static struct packet *send4(struct decode_thread_ctx *ctx, uint16_t id, const uint8_t *dgram,
                            uint32_t off, uint32_t len, bool more, uint64_t ts, uint16_t vlan)
{
    fr.len = 0;
    if (vlan) {
        frame_eth(&fr, 0x8100);
        frame_vlan(&fr, vlan, 0x0800);
    } else {
        frame_eth(&fr, 0x0800);
    }
    uint16_t fo = (uint16_t)((off / 8) | (more ? 0x2000 : 0));
    uint8_t *ip = frame_ipv4(&fr, 17, IP(10, 1, 1, 1), IP(10, 2, 2, 2), id, fo);
    frame_add(&fr, dgram + off, len);
    ipv4_finish(&fr, ip);
    packet_set_frame(&pk, &fr, 1, ts);
    decode_packet(ctx, &pk);
    return &pk;
}

static struct packet *send6(struct decode_thread_ctx *ctx, uint32_t id, const uint8_t *dgram,
                            uint32_t off, uint32_t len, bool more, uint64_t ts)
{
    fr.len = 0;
    frame_eth(&fr, 0x86dd);
    uint8_t *ip6 = frame_ipv6(&fr, 44, 1, 2);
    uint8_t fh[8] = {17, 0};
    put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
    put32(fh + 4, id);
    frame_add(&fr, fh, 8);
    frame_add(&fr, dgram + off, len);
    ipv6_finish(&fr, ip6, NULL, 0);
    packet_set_frame(&pk, &fr, 1, ts);
    decode_packet(ctx, &pk);
    return &pk;
}

/* A UDP datagram of n bytes (header included) with a recognisable payload. */
static void make_udp(uint8_t *d, uint32_t n, uint16_t dport, uint8_t seed)
{
    put16(d, 5353);
    put16(d + 2, dport);
    put16(d + 4, (uint16_t)n);
    d[6] = d[7] = 0; /* no checksum */
    for (uint32_t i = 8; i < n; i++)
        d[i] = (uint8_t)(seed + i * 7);
}

static struct decode_thread_ctx *new_ctx(enum defrag_overlap_policy pol, uint64_t memcap,
                                         uint32_t trackers)
{
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    cfg.defrag_policy = pol;
    if (memcap)
        cfg.defrag_memcap = memcap;
    if (trackers)
        cfg.defrag_max_trackers = trackers;
    return decode_thread_ctx_new(&cfg);
}

static void check_complete(const struct packet *p, const uint8_t *dgram, uint32_t n, uint16_t dport)
{
    CHECK(p->flags & PACKET_FLAG_REASSEMBLED);
    CHECK(!(p->flags & PACKET_FLAG_FRAGMENT));
    CHECK(!(p->flags & PACKET_FLAG_INVALID));
    CHECK_EQ_INT(p->proto, 17);
    CHECK_EQ_INT(p->dst_port, dport);
    CHECK_EQ_INT(p->l4_len, n);
    CHECK_EQ_INT(p->payload_len, n - 8);
    CHECK(p->payload != NULL && memcmp(p->payload, dgram + 8, n - 8) == 0);
}

static void check_held(const struct packet *p)
{
    CHECK(p->flags & PACKET_FLAG_FRAGMENT);
    CHECK(!(p->flags & PACKET_FLAG_REASSEMBLED));
    CHECK(p->l4 == NULL);
    CHECK_EQ_INT(p->src_port, 0);
    CHECK_EQ_INT(p->dst_port, 0);
    CHECK(p->ip_version == 4 || p->ip_version == 6);
}

static void test_in_order_and_reverse(void)
{
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_BSD, 0, 0);
    uint8_t d[3000];
    make_udp(d, sizeof(d), 53, 1);
    /* in order: 3 pieces of 1200, 1200, 600 */
    check_held(send4(ctx, 1, d, 0, 1200, true, 1 * SEC, 0));
    check_held(send4(ctx, 1, d, 1200, 1200, true, 1 * SEC, 0));
    struct packet *p = send4(ctx, 1, d, 2400, 600, false, 1 * SEC, 0);
    check_complete(p, d, sizeof(d), 53);
    CHECK_EQ_INT(p->l3_len, 20 + 3000);
    CHECK_EQ_INT(p->ip_id, 1);
    CHECK(!p->frag_more && p->frag_offset == 0);
    /* the reassembled header is valid: its checksum verifies */
    uint32_t sum = csum_words(p->l3, 20, 0);
    CHECK_EQ_INT(csum_fold_test(sum), 0);
    /* reverse order */
    check_held(send4(ctx, 2, d, 2400, 600, false, 2 * SEC, 0));
    check_held(send4(ctx, 2, d, 1200, 1200, true, 2 * SEC, 0));
    check_complete(send4(ctx, 2, d, 0, 1200, true, 2 * SEC, 0), d, sizeof(d), 53);
    /* middle first, then the others */
    check_held(send4(ctx, 3, d, 1200, 1200, true, 3 * SEC, 0));
    check_held(send4(ctx, 3, d, 0, 1200, true, 3 * SEC, 0));
    check_complete(send4(ctx, 3, d, 2400, 600, false, 3 * SEC, 0), d, sizeof(d), 53);
    /* the same id on another VLAN is another datagram */
    check_held(send4(ctx, 4, d, 0, 1200, true, 4 * SEC, 10));
    check_held(send4(ctx, 4, d, 1200, 1800, false, 4 * SEC, 20));
    check_complete(send4(ctx, 4, d, 1200, 1800, false, 4 * SEC, 10), d, sizeof(d), 53);

    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK_EQ_INT(st->frag_ipv4_reassembled, 4);
    CHECK_EQ_INT(st->frag_ipv4_fragments, 12);
    CHECK_EQ_INT(st->frag_trackers_active, 1); /* the VLAN 20 one */
    CHECK_EQ_INT(st->frag_overlaps, 0);
    decode_thread_ctx_free(ctx);
}

static void test_ipv6(void)
{
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_BSD, 0, 0);
    uint8_t d[2000];
    make_udp(d, sizeof(d), 5060, 3);
    struct packet *p = send6(ctx, 0x11223344, d, 0, 1232, true, SEC);
    check_held(p);
    CHECK(p->flags & PACKET_FLAG_IPV6_FRAGMENT_HEADER);
    CHECK_EQ_INT(p->ip_id, 0x3344);
    p = send6(ctx, 0x11223344, d, 1232, 768, false, SEC);
    check_complete(p, d, sizeof(d), 5060);
    CHECK_EQ_INT(p->ip_version, 6);
    CHECK_EQ_INT(p->l3_len, 40 + 2000);
    /* reverse */
    check_held(send6(ctx, 7, d, 1232, 768, false, SEC));
    check_complete(send6(ctx, 7, d, 0, 1232, true, SEC), d, sizeof(d), 5060);
    /* overlap */
    check_held(send6(ctx, 8, d, 0, 1232, true, SEC));
    p = send6(ctx, 8, d, 1224, 776, false, SEC);
    CHECK(pk.event_count > 0 && pk.events[0] == DECODE_EVENT_IPV6_FRAG_OVERLAP);
    check_complete(p, d, sizeof(d), 5060);
    /* a hop-by-hop header before the fragment header stays in the datagram */
    for (int part = 0; part < 2; part++) {
        fr.len = 0;
        frame_eth(&fr, 0x86dd);
        uint8_t *ip6 = frame_ipv6(&fr, 0, 1, 2);
        frame_add(&fr, "\x2c\x00\x05\x02\x00\x00\x00\x00", 8); /* router alert */
        uint8_t fh[8] = {17, 0};
        put16(fh + 2, (uint16_t)(part ? 1232 : 1));
        put32(fh + 4, 99);
        frame_add(&fr, fh, 8);
        frame_add(&fr, d + (part ? 1232 : 0), part ? 768 : 1232);
        ipv6_finish(&fr, ip6, NULL, 0);
        packet_set_frame(&pk, &fr, 1, SEC);
        decode_packet(ctx, &pk);
    }
    check_complete(&pk, d, sizeof(d), 5060);
    CHECK_EQ_INT(pk.l3_len, 40 + 8 + 2000);
    CHECK_EQ_INT(pk.l3[6], 0);   /* still hop-by-hop first */
    CHECK_EQ_INT(pk.l3[40], 17); /* which now names UDP */
    CHECK_EQ_INT(pk.event_count, 0);
    for (int i = 0; i < pk.event_count; i++)
        fprintf(stderr, "unexpected event %s\n",
                decode_event_name((enum decode_event)pk.events[i]));
    /* too large */
    static uint8_t zeros[65600];
    p = send6(ctx, 9, zeros, 65528, 16, false, SEC);
    CHECK(p->flags & PACKET_FLAG_INVALID);
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK_EQ_INT(st->events[DECODE_EVENT_IPV6_FRAG_PKT_TOO_LARGE], 1);
    CHECK_EQ_INT(st->frag_ipv6_reassembled, 4);
    decode_thread_ctx_free(ctx);
}

/* Fragments: A = [0, 24) "A" bytes after the UDP header, B overlaps part of
 * A with "B" bytes, then the rest. Returns the byte at a position covered by
 * both, after reassembly, for each policy. */
static int overlap_winner(enum defrag_overlap_policy pol, bool b_starts_before, bool same_start)
{
    struct decode_thread_ctx *ctx = new_ctx(pol, 0, 0);
    uint8_t a[64], b[64];
    make_udp(a, 48, 99, 0);
    memcpy(b, a, sizeof(a));
    memset(a + 8, 'A', 40);
    memset(b + 8, 'B', 40);
    int winner = -1;
    if (same_start) {
        /* A covers [0,24); B covers [0,24) too */
        send4(ctx, 9, a, 0, 24, true, SEC, 0);
        send4(ctx, 9, b, 0, 24, true, SEC, 0);
        send4(ctx, 9, a, 24, 24, false, SEC, 0);
    } else if (b_starts_before) {
        /* A covers [16,32), then B covers [8,32) which starts before A */
        send4(ctx, 9, a, 16, 16, true, SEC, 0);
        send4(ctx, 9, b, 8, 24, true, SEC, 0);
        send4(ctx, 9, a, 0, 8, true, SEC, 0);
        send4(ctx, 9, a, 32, 16, false, SEC, 0);
    } else {
        /* A covers [0,24), then B covers [16,40) which starts after A */
        send4(ctx, 9, a, 0, 24, true, SEC, 0);
        send4(ctx, 9, b, 16, 24, true, SEC, 0);
        send4(ctx, 9, a, 40, 8, false, SEC, 0);
    }
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK(st->frag_overlaps >= 1);
    CHECK_EQ_INT(st->events[DECODE_EVENT_IPV4_FRAG_OVERLAP], st->frag_overlaps);
    CHECK(st->frag_overlaps_differ >= 1);
    if (pk.flags & PACKET_FLAG_REASSEMBLED)
        winner = pk.payload[16 + 2 - 8]; /* datagram byte 18: in both A and B */
    decode_thread_ctx_free(ctx);
    return winner;
}

static void test_overlap_policies(void)
{
    /* B starts after A */
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_FIRST, false, false), 'A');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_LAST, false, false), 'B');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_BSD, false, false), 'A');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_LINUX, false, false), 'A');
    /* B starts before A */
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_FIRST, true, false), 'A');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_LAST, true, false), 'B');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_BSD, true, false), 'B');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_LINUX, true, false), 'B');
    /* same start */
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_FIRST, false, true), 'A');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_LAST, false, true), 'B');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_BSD, false, true), 'A');
    CHECK_EQ_INT(overlap_winner(DEFRAG_POLICY_LINUX, false, true), 'B');

    /* an exact duplicate is an overlap, but not a differing one */
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_BSD, 0, 0);
    uint8_t d[100];
    make_udp(d, sizeof(d), 7, 0);
    send4(ctx, 5, d, 0, 48, true, SEC, 0);
    send4(ctx, 5, d, 0, 48, true, SEC, 0);
    check_complete(send4(ctx, 5, d, 48, 52, false, SEC, 0), d, sizeof(d), 7);
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK_EQ_INT(st->frag_overlaps, 1);
    CHECK_EQ_INT(st->frag_overlaps_differ, 0);
    /* a second, different end is dropped and reported */
    send4(ctx, 6, d, 48, 52, false, SEC, 0);
    send4(ctx, 6, d, 48, 44, false, SEC, 0);
    CHECK(pk.event_count > 0 && pk.events[0] == DECODE_EVENT_IPV4_FRAG_OVERLAP);
    check_complete(send4(ctx, 6, d, 0, 48, true, SEC, 0), d, sizeof(d), 7);
    /* a piece running past the known end is cut there and fills the hole */
    uint8_t big[200];
    make_udp(big, sizeof(big), 7, 0);
    send4(ctx, 7, d, 0, 16, true, SEC, 0);
    send4(ctx, 7, d, 48, 52, false, SEC, 0);
    struct packet *p = send4(ctx, 7, big, 0, 160, true, SEC, 0);
    CHECK(p->flags & PACKET_FLAG_REASSEMBLED);
    CHECK(p->event_count > 0 && p->events[0] == DECODE_EVENT_IPV4_FRAG_OVERLAP);
    CHECK_EQ_INT(p->l3_len, 20 + 100);
    /* BSD: the first piece keeps bytes [0,16); the long one fills [16,48) */
    CHECK(memcmp(p->l4, d, 16) == 0);
    CHECK(memcmp(p->l4 + 16, big + 16, 32) == 0);
    CHECK(memcmp(p->l4 + 48, d + 48, 52) == 0);
    /* a piece starting past the end is dropped */
    send4(ctx, 8, d, 48, 52, false, SEC, 0);
    send4(ctx, 8, big, 104, 56, true, SEC, 0);
    CHECK(pk.event_count > 0 && pk.events[0] == DECODE_EVENT_IPV4_FRAG_OVERLAP);
    check_complete(send4(ctx, 8, d, 0, 48, true, SEC, 0), d, sizeof(d), 7);
    decode_thread_ctx_free(ctx);
}

static void test_timeouts(void)
{
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_BSD, 0, 0);
    uint8_t d[200];
    make_udp(d, sizeof(d), 11, 0);
    send4(ctx, 1, d, 0, 96, true, 100 * SEC, 0);
    /* 61 s later: the first piece has expired, the datagram cannot complete */
    struct packet *p = send4(ctx, 1, d, 96, 104, false, 161 * SEC, 0);
    check_held(p);
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK_EQ_INT(st->frag_timeouts, 1);
    CHECK_EQ_INT(st->frag_ipv4_reassembled, 0);
    /* within the timeout it completes */
    check_complete(send4(ctx, 1, d, 0, 96, true, 170 * SEC, 0), d, sizeof(d), 11);
    /* decode_expire() releases idle trackers */
    send4(ctx, 2, d, 0, 96, true, 200 * SEC, 0);
    send4(ctx, 3, d, 0, 96, true, 230 * SEC, 0);
    CHECK_EQ_INT(st->frag_trackers_active, 2);
    decode_expire(ctx, 261 * SEC);
    CHECK_EQ_INT(st->frag_trackers_active, 1);
    decode_expire(ctx, 300 * SEC);
    CHECK_EQ_INT(st->frag_trackers_active, 0);
    CHECK_EQ_INT(st->frag_timeouts, 3);
    decode_thread_ctx_free(ctx);
}

static void test_limits(void)
{
    /* tracker limit: 32 datagrams in progress, the 33rd is dropped */
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_BSD, 0, 32);
    uint8_t d[200];
    make_udp(d, sizeof(d), 12, 0);
    for (uint16_t id = 0; id < 40; id++)
        send4(ctx, id, d, 0, 96, true, SEC, 0);
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK_EQ_INT(st->frag_trackers_active, 32);
    CHECK_EQ_INT(st->frag_tracker_drops, 8);
    /* the datagrams in progress are not evicted: they still complete */
    check_complete(send4(ctx, 5, d, 96, 104, false, SEC, 0), d, sizeof(d), 12);
    /* and the freed slot takes a new one */
    send4(ctx, 100, d, 0, 96, true, SEC, 0);
    check_complete(send4(ctx, 100, d, 96, 104, false, SEC, 0), d, sizeof(d), 12);
    decode_thread_ctx_free(ctx);

    /* datagram larger than 65535 */
    ctx = new_ctx(DEFRAG_POLICY_BSD, 0, 0);
    struct packet *p = send4(ctx, 1, d, 0, 100, false, SEC, 0);
    uint8_t big[200];
    make_udp(big, sizeof(big), 1, 0);
    fr.len = 0;
    frame_eth(&fr, 0x0800);
    uint8_t *ip = frame_ipv4(&fr, 17, IP(10, 1, 1, 1), IP(10, 2, 2, 2), 77, 8190);
    frame_add(&fr, big, 100);
    ipv4_finish(&fr, ip);
    packet_set_frame(&pk, &fr, 1, SEC);
    decode_packet(ctx, &pk);
    p = &pk;
    CHECK(p->flags & PACKET_FLAG_INVALID);
    st = decode_thread_stats(ctx);
    CHECK_EQ_INT(st->events[DECODE_EVENT_IPV4_FRAG_PKT_TOO_LARGE], 1);
    CHECK_EQ_INT(st->frag_trackers_active, 0);
    decode_thread_ctx_free(ctx);
}

static void test_memcap(void)
{
    const uint64_t memcap = 256 * 1024;
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_BSD, memcap, 0);
    uint8_t *d = malloc(20000);
    make_udp(d, 20000, 13, 0);
    /* 1000 datagrams that never complete, each holding 1400+ bytes */
    for (uint32_t id = 0; id < 1000; id++)
        send4(ctx, (uint16_t)id, d, 0, 1400, true, SEC + id, 0);
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK(st->frag_memuse_peak <= memcap);
    CHECK(st->frag_memuse <= memcap);
    CHECK(st->frag_memcap_drops > 0);
    CHECK(st->frag_trackers_active < 1000);
    fprintf(stderr, "memcap %llu: peak %llu, drops %llu, trackers %llu\n",
            (unsigned long long)memcap, (unsigned long long)st->frag_memuse_peak,
            (unsigned long long)st->frag_memcap_drops,
            (unsigned long long)st->frag_trackers_active);
    /* after the timeout, memory is reused and a datagram reassembles */
    decode_expire(ctx, 100 * SEC);
    CHECK_EQ_INT(st->frag_trackers_active, 0);
    send4(ctx, 5000, d, 0, 9600, true, 100 * SEC, 0);
    check_complete(send4(ctx, 5000, d, 9600, 10400, false, 100 * SEC, 0), d, 20000, 13);
    CHECK(st->frag_memuse_peak <= memcap);
    /* steady state: repeated reassemblies do not grow the memory held */
    uint64_t before = st->frag_memuse;
    for (uint16_t id = 0; id < 500; id++) {
        send4(ctx, id, d, 0, 1200, true, 100 * SEC, 0);
        send4(ctx, id, d, 1200, 800, false, 100 * SEC, 0);
        CHECK(pk.flags & PACKET_FLAG_REASSEMBLED);
    }
    CHECK_EQ_INT(st->frag_memuse, before);
    free(d);
    decode_thread_ctx_free(ctx);
}

/* Random fragments of random ids, offsets and sizes: nothing crashes, the
 * memory held stays under the cap, statistics add up. */
static void test_flood(void)
{
    const uint64_t memcap = 1 << 20;
    struct decode_thread_ctx *ctx = new_ctx(DEFRAG_POLICY_LINUX, memcap, 4096);
    uint8_t *d = malloc(70000);
    make_udp(d, 65000, 14, 0);
    uint32_t rng = 12345;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        rng = rng * 1103515245u + 12345u;
        uint16_t id = (uint16_t)(rng >> 16) & 0x3ff;
        rng = rng * 1103515245u + 12345u;
        uint32_t off = ((rng >> 8) % 8000) * 8;
        uint32_t len = 8 + ((rng >> 4) % 180) * 8;
        bool more = (rng & 3) != 0;
        if (off + len > 65000)
            off = 0;
        if (i % 2)
            send4(ctx, id, d, off, len, more, SEC + (uint64_t)i * 1000, 0);
        else
            send6(ctx, id, d, off, len, more, SEC + (uint64_t)i * 1000);
    }
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK(st->frag_memuse_peak <= memcap);
    CHECK_EQ_INT(st->frag_ipv4_fragments + st->frag_ipv6_fragments, n);
    CHECK_EQ_INT(st->pkts, n);
    fprintf(stderr,
            "flood: %d fragments, peak memuse %llu (cap %llu), trackers peak %llu, overlaps %llu, "
            "memcap drops %llu, timeouts %llu, reassembled %llu\n",
            n, (unsigned long long)st->frag_memuse_peak, (unsigned long long)memcap,
            (unsigned long long)st->frag_trackers_peak, (unsigned long long)st->frag_overlaps,
            (unsigned long long)st->frag_memcap_drops, (unsigned long long)st->frag_timeouts,
            (unsigned long long)(st->frag_ipv4_reassembled + st->frag_ipv6_reassembled));
    free(d);
    decode_thread_ctx_free(ctx);
}

int main(void)
{
    test_in_order_and_reverse();
    test_ipv6();
    test_overlap_policies();
    test_timeouts();
    test_limits();
    test_memcap();
    test_flood();
    TEST_MAIN_END();
}
