/* SPDX-License-Identifier: Apache-2.0 */
/* The scan detector's core: probe classification from a flow's TCP flags
 * and packet counts, and the window/threshold/suppression logic with its
 * memcap (src/behaviour/). */
#include <stdint.h>

#include "behaviour/behaviour.h"
#include "decode/packet.h"
#include "behaviour_test.h"
#include "test.h"

#define SYN TCP_FLAG_SYN
#define ACK TCP_FLAG_ACK
#define RST TCP_FLAG_RST
#define FIN TCP_FLAG_FIN
#define PSH TCP_FLAG_PSH
#define URG TCP_FLAG_URG

struct seen {
    int n;
    uint32_t sid[64];
    const char *probes[64];
    char probes_buf[64][96];
};

static void on_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    (void)f;
    struct seen *s = user;
    if (s->n >= 64)
        return;
    CHECK_EQ_INT(a->gid, 7200);
    s->sid[s->n] = a->sid;
    s->probes_buf[s->n][0] = '\0';
    for (const char *const *m = a->metadata; m && m[0]; m += 2)
        if (strcmp(m[0], "scan_probes") == 0)
            snprintf(s->probes_buf[s->n], sizeof s->probes_buf[0], "%s", m[1]);
    s->probes[s->n] = s->probes_buf[s->n];
    s->n++;
}

#define SEC 1000000ull

static void test_classify(void)
{
    /* TCP: SYN unanswered, rejected, filtered by ICMP (no TCP flags back). */
    CHECK_EQ_INT(behaviour_classify(6, SYN, 0, 1, 0), BEHAVIOUR_PROBE_SYN);
    CHECK_EQ_INT(behaviour_classify(6, SYN, RST | ACK, 1, 1), BEHAVIOUR_PROBE_SYN);
    CHECK_EQ_INT(behaviour_classify(6, SYN, 0, 2, 1), BEHAVIOUR_PROBE_SYN);
    /* SYN scan on an open port; connect scan on an open port. */
    CHECK_EQ_INT(behaviour_classify(6, SYN | RST, SYN | ACK, 2, 1), BEHAVIOUR_PROBE_HALF_OPEN);
    CHECK_EQ_INT(behaviour_classify(6, SYN | ACK | RST, SYN | ACK, 3, 1),
                 BEHAVIOUR_PROBE_HALF_OPEN);
    /* Real sessions: data, orderly close, one side of a session. */
    CHECK_EQ_INT(behaviour_classify(6, SYN | ACK | PSH | FIN, SYN | ACK | PSH | FIN, 6, 5),
                 BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(6, SYN | ACK | FIN, SYN | ACK | FIN, 3, 2),
                 BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(6, SYN | ACK | PSH, 0, 10, 0), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(6, SYN | ACK | RST | PSH, SYN | ACK | PSH, 4, 3),
                 BEHAVIOUR_PROBE_NONE);
    /* Long session that ends with a reset after many packets. */
    CHECK_EQ_INT(behaviour_classify(6, SYN | ACK | RST, SYN | ACK | PSH, 40, 30),
                 BEHAVIOUR_PROBE_NONE);
    /* Stealth probes. */
    CHECK_EQ_INT(behaviour_classify(6, FIN, RST | ACK, 1, 1), BEHAVIOUR_PROBE_FIN);
    CHECK_EQ_INT(behaviour_classify(6, 0, RST | ACK, 1, 1), BEHAVIOUR_PROBE_NULL);
    CHECK_EQ_INT(behaviour_classify(6, FIN | PSH | URG, 0, 2, 0), BEHAVIOUR_PROBE_XMAS);
    /* Midstream pickup, late resets, ACK-only: not probes. */
    CHECK_EQ_INT(behaviour_classify(6, ACK | PSH, ACK, 5, 4), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(6, RST, 0, 1, 0), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(6, FIN | ACK, ACK, 1, 1), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(6, FIN, FIN | ACK | PSH, 1, 2), BEHAVIOUR_PROBE_NONE);
    /* UDP: no reply and few datagrams. */
    CHECK_EQ_INT(behaviour_classify(17, 0, 0, 1, 0), BEHAVIOUR_PROBE_UDP);
    CHECK_EQ_INT(behaviour_classify(17, 0, 0, 3, 0), BEHAVIOUR_PROBE_UDP);
    CHECK_EQ_INT(behaviour_classify(17, 0, 0, 1, 1), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(17, 0, 0, 50, 0), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify(1, 0, 0, 1, 0), BEHAVIOUR_PROBE_NONE);
    CHECK(strcmp(behaviour_probe_name(BEHAVIOUR_PROBE_XMAS), "xmas") == 0);
    /* ICMP: echo, timestamp, address mask requests; ICMPv6 echo; not a long
     * ping, not replies or errors. */
    CHECK_EQ_INT(behaviour_classify_icmp(1, 8, 1), BEHAVIOUR_PROBE_ICMP);
    CHECK_EQ_INT(behaviour_classify_icmp(1, 13, 2), BEHAVIOUR_PROBE_ICMP);
    CHECK_EQ_INT(behaviour_classify_icmp(1, 17, 1), BEHAVIOUR_PROBE_ICMP);
    CHECK_EQ_INT(behaviour_classify_icmp(58, 128, 3), BEHAVIOUR_PROBE_ICMP);
    CHECK_EQ_INT(behaviour_classify_icmp(1, 8, 10), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify_icmp(1, 0, 1), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify_icmp(1, 3, 1), BEHAVIOUR_PROBE_NONE);
    CHECK_EQ_INT(behaviour_classify_icmp(58, 8, 1), BEHAVIOUR_PROBE_NONE);
}

static struct behaviour_ctx *ctx(struct seen *s, uint32_t window, uint32_t ports,
                                 uint32_t hosts, uint64_t memcap)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.scan.window_sec = window;
    c.scan.vertical_ports = ports;
    c.scan.horizontal_hosts = hosts;
    c.memcap = memcap;
    memset(s, 0, sizeof *s);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, s);
    CHECK(b != NULL);
    return b;
}

static void test_vertical(void)
{
    struct seen s;
    struct behaviour_ctx *b = ctx(&s, 60, 10, 10, 1 << 20);
    struct ip_address src = v4(10, 0, 0, 1), dst = v4(10, 0, 0, 2), dst2 = v4(10, 0, 0, 3);
    uint64_t t = 1000 * SEC;
    /* The same port again and again is one port. */
    for (int i = 0; i < 50; i++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, 1, t + i);
    CHECK_EQ_INT(s.n, 0);
    /* 9 distinct ports: below the threshold. */
    for (uint16_t p = 1; p <= 9; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, p, t + p * SEC);
    CHECK_EQ_INT(s.n, 0);
    /* The 10th: one alert, naming both probe kinds seen. */
    behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_HALF_OPEN, &src, &dst, 10, t + 10 * SEC);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(s.sid[0], BEHAVIOUR_SID_TCP_PORTSCAN);
    CHECK(strcmp(s.probes[0], "syn,half_open") == 0);
    /* More ports of that host, and a second host from the same source in
     * the same window: no second alert (one per source and kind). */
    for (uint16_t p = 11; p <= 100; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, p, t + 20 * SEC);
    for (uint16_t p = 1; p <= 30; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst2, p, t + 30 * SEC);
    CHECK_EQ_INT(s.n, 1);
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK_EQ_INT(st.scan_alerts, 1);
    CHECK_EQ_INT(st.scan_suppressed, 1);
    /* UDP is its own kind. */
    for (uint16_t p = 1; p <= 10; p++)
        behaviour_scan_probe(b, NULL, 17, BEHAVIOUR_PROBE_UDP, &src, &dst, p, t + 31 * SEC);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.sid[1], BEHAVIOUR_SID_UDP_PORTSCAN);
    /* Next window: the same source alerts again. */
    uint64_t t2 = t + 200 * SEC;
    for (uint16_t p = 1; p <= 10; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_FIN, &src, &dst, p, t2 + p);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.sid[2], BEHAVIOUR_SID_TCP_PORTSCAN);
    CHECK(strcmp(s.probes[2], "fin") == 0);
    behaviour_ctx_free(b);
}

static void test_slow_scan_window(void)
{
    struct seen s;
    /* One port every 10 s: 10 ports take 90 s. A 60 s window misses it, a
     * 120 s window (a slow-scan setting) finds it. */
    struct ip_address src = v4(10, 0, 0, 1), dst = v4(10, 0, 0, 2);
    struct behaviour_ctx *b = ctx(&s, 60, 10, 10, 1 << 20);
    for (uint16_t p = 1; p <= 30; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, p, (uint64_t)p * 10 * SEC);
    CHECK_EQ_INT(s.n, 0);
    behaviour_ctx_free(b);
    b = ctx(&s, 120, 10, 10, 1 << 20);
    for (uint16_t p = 1; p <= 11; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, p, (uint64_t)p * 10 * SEC);
    CHECK_EQ_INT(s.n, 1);
    /* Going on at that pace: one alert per 120 s window. */
    for (uint16_t p = 12; p <= 36; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, p, (uint64_t)p * 10 * SEC);
    CHECK_EQ_INT(s.n, 3);
    behaviour_ctx_free(b);
}

static void test_horizontal(void)
{
    struct seen s;
    struct behaviour_ctx *b = ctx(&s, 60, 10, 10, 1 << 20);
    struct ip_address src = v4(192, 0, 2, 9);
    for (int i = 1; i <= 9; i++) {
        struct ip_address d = v4(10, 1, 0, (uint8_t)i);
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &d, 445, 5 * SEC + i);
    }
    /* Multicast and broadcast destinations are never counted. */
    for (int i = 1; i <= 20; i++) {
        struct ip_address d = v4(239, 255, 255, (uint8_t)i);
        behaviour_scan_probe(b, NULL, 17, BEHAVIOUR_PROBE_UDP, &src, &d, 1900, 5 * SEC + i);
    }
    struct ip_address bc = v4(255, 255, 255, 255);
    behaviour_scan_probe(b, NULL, 17, BEHAVIOUR_PROBE_UDP, &src, &bc, 1900, 5 * SEC);
    CHECK_EQ_INT(s.n, 0);
    struct ip_address d = v4(10, 1, 0, 200);
    behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &d, 445, 6 * SEC);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(s.sid[0], BEHAVIOUR_SID_TCP_PORTSWEEP);
    /* IPv6 sweep from another source: its own alert. */
    struct ip_address src6;
    memset(&src6, 0, sizeof src6);
    src6.family = 6;
    src6.addr.u8[0] = 0x20;
    src6.addr.u8[1] = 0x01;
    src6.addr.u8[15] = 1;
    for (int i = 1; i <= 10; i++) {
        struct ip_address d6 = src6;
        d6.addr.u8[14] = (uint8_t)i;
        behaviour_scan_probe(b, NULL, 17, BEHAVIOUR_PROBE_UDP, &src6, &d6, 161, 7 * SEC);
    }
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.sid[1], BEHAVIOUR_SID_UDP_PORTSWEEP);
    /* ICMP echo sweep: its own kind; ICMP makes no vertical scan. */
    for (int i = 1; i <= 10; i++) {
        struct ip_address d4 = v4(10, 2, 0, (uint8_t)i);
        behaviour_scan_probe(b, NULL, 1, BEHAVIOUR_PROBE_ICMP, &src, &d4, 0, 8 * SEC);
    }
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.sid[2], BEHAVIOUR_SID_ICMP_SWEEP);
    CHECK(strcmp(s.probes[2], "icmp") == 0);
    behaviour_ctx_free(b);
}

static void test_memcap(void)
{
    struct seen s;
    /* The smallest memcap: trackers are reused, evictions counted, memory
     * stays under the cap, and a scan still alerts. */
    struct behaviour_ctx *b = ctx(&s, 60, 10, 10, 64 * 1024);
    struct ip_address dst = v4(10, 0, 0, 2);
    for (int i = 0; i < 20000; i++) {
        struct ip_address src = v4(172, 16, (uint8_t)(i >> 8), (uint8_t)i);
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, 80, 10 * SEC);
    }
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK(st.memcap_evictions > 0);
    CHECK(st.memuse <= 64 * 1024);
    /* The 20,000 sources hit port 80 of one host: a horizontal tracker per
     * source, each with one host; nothing to alert. */
    CHECK_EQ_INT(s.n, 0);
    struct ip_address src = v4(10, 9, 9, 9);
    for (uint16_t p = 1; p <= 10; p++)
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &dst, p, 11 * SEC);
    CHECK_EQ_INT(s.n, 1);
    /* Much later, expired trackers are reused, not evicted. */
    behaviour_stats_get(b, &st);
    uint64_t ev = st.memcap_evictions;
    for (int i = 0; i < 50; i++) {
        struct ip_address s2 = v4(172, 17, 0, (uint8_t)i);
        behaviour_scan_probe(b, NULL, 6, BEHAVIOUR_PROBE_SYN, &s2, &dst, 80, 1000 * SEC);
    }
    behaviour_stats_get(b, &st);
    CHECK_EQ_INT(st.memcap_evictions, ev);
    CHECK(st.tracker_reused >= 100);
    behaviour_ctx_free(b);
}

/* Two workers' contexts on one store: a sweep whose probes are split
 * between them is counted whole, alerts once, and the store's counters are
 * reported once in the summed stats. */
static void test_shared_store(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.scan.horizontal_hosts = 10;
    struct behaviour_store *st = behaviour_store_new(&c);
    CHECK(st != NULL);
    struct seen s1, s2;
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    struct behaviour_ctx *w1 = behaviour_ctx_new(&c, st, on_alert, &s1);
    struct behaviour_ctx *w2 = behaviour_ctx_new(&c, st, on_alert, &s2);
    struct ip_address src = v4(192, 0, 2, 1);
    for (int i = 1; i <= 10; i++) {
        struct ip_address d = v4(10, 3, 0, (uint8_t)i);
        behaviour_scan_probe(i % 2 ? w1 : w2, NULL, 6, BEHAVIOUR_PROBE_SYN, &src, &d, 22,
                             SEC + (uint64_t)i);
    }
    CHECK_EQ_INT(s1.n + s2.n, 1);
    CHECK_EQ_INT(s2.n, 1); /* the 10th probe went to the second worker */
    struct behaviour_stats a, b, t;
    memset(&t, 0, sizeof t);
    behaviour_stats_get(w1, &a);
    behaviour_stats_get(w2, &b);
    behaviour_stats_add(&t, &a);
    behaviour_stats_add(&t, &b);
    CHECK_EQ_INT(t.scan_probes, 10);
    CHECK_EQ_INT(t.scan_alerts, 1);
    /* 10 vertical + 1 horizontal + 1 source tracker, counted once. */
    CHECK_EQ_INT(t.trackers, 12);
    CHECK_EQ_INT(b.trackers, 0);
    behaviour_ctx_free(w1);
    behaviour_ctx_free(w2);
    behaviour_store_free(st);
}

static void test_disabled(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.enabled = false;
    CHECK(behaviour_ctx_new(&c, NULL, on_alert, NULL) == NULL);
    CHECK(behaviour_store_new(&c) == NULL);
    behaviour_config_defaults(&c);
    c.scan.enabled = false;
    c.bruteforce.enabled = false;
    c.dns.enabled = false;
    c.beacon.enabled = false;
    c.exfil.enabled = false;
    c.rare.enabled = false;
    c.sip.enabled = false;
    c.iso8583.enabled = false;
    CHECK(behaviour_ctx_new(&c, NULL, on_alert, NULL) == NULL);
    CHECK(behaviour_store_new(&c) == NULL);
    /* The hook takes a NULL context. */
    behaviour_flow_end(NULL, NULL);
}

int main(void)
{
    test_classify();
    test_vertical();
    test_slow_scan_window();
    test_horizontal();
    test_memcap();
    test_shared_store();
    test_disabled();
    TEST_MAIN_END();
}
