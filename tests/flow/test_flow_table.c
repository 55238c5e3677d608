/* SPDX-License-Identifier: Apache-2.0 */
/* Flow table: lookup both ways, VLAN separation, timeouts by state, memcap
 * and emergency eviction, shutdown order, TCP port reuse, ICMP, Community ID
 * test vectors of the spec, stats output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_table.h"
#include "flow/packet_build.h"
#include "test.h"
#include "util/json.h"

#define SEC 1000000ull

struct ended {
    uint64_t ids[4096];
    uint64_t seqs[4096];
    uint8_t reasons[4096];
    int n;
};

static void on_end(void *user, struct flow *f)
{
    struct ended *e = user;
    if (e->n < 4096) {
        e->ids[e->n] = f->flow_id;
        e->seqs[e->n] = f->create_seq;
        e->reasons[e->n] = f->end_reason;
    }
    e->n++;
}

static struct flow_table *table_new(struct flow_config *cfg, struct ended *e)
{
    struct flow_hooks hooks = {.user = e, .flow_end = on_end};
    char err[256] = "";
    struct flow_table *t = flow_table_new(cfg, &hooks, err, sizeof err);
    if (!t)
        fprintf(stderr, "flow_table_new: %s\n", err);
    return t;
}

static void test_lookup_both_directions(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.prealloc = 16;
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    CHECK(t != NULL);
    struct packet p;
    packet_build_tcp(&p, "10.0.0.1", 1234, "10.0.0.2", 80, TCP_FLAG_SYN, 1, 0, NULL, 0, 1 * SEC);
    struct flow *f = flow_table_get(t, &p);
    CHECK(f != NULL);
    CHECK_EQ_INT(p.flow_direction, 0);
    CHECK(p.flow == f);
    packet_build_tcp(&p, "10.0.0.2", 80, "10.0.0.1", 1234, TCP_FLAG_SYN | TCP_FLAG_ACK, 9, 2, NULL, 0, 2 * SEC);
    struct flow *g = flow_table_get(t, &p);
    CHECK(g == f);
    CHECK_EQ_INT(p.flow_direction, 1);
    uint8_t body[100] = {0};
    packet_build_tcp(&p, "10.0.0.1", 1234, "10.0.0.2", 80, TCP_FLAG_ACK, 2, 10, body, 100, 3 * SEC);
    flow_table_get(t, &p);
    CHECK_EQ_INT(f->pkts_toserver, 2);
    CHECK_EQ_INT(f->pkts_toclient, 1);
    CHECK_EQ_INT(f->bytes_toserver, 54 + 154);
    CHECK_EQ_INT(f->bytes_toclient, 54);
    CHECK_EQ_INT(f->tcp_flags_toserver, TCP_FLAG_SYN | TCP_FLAG_ACK);
    CHECK_EQ_INT(f->tcp_flags_toclient, TCP_FLAG_SYN | TCP_FLAG_ACK);
    CHECK_EQ_INT(f->start_usec, 1 * SEC);
    CHECK_EQ_INT(f->last_usec, 3 * SEC);
    CHECK_EQ_INT(f->key.src_port, 1234);

    /* A different port is a different flow; hashes agree across directions. */
    packet_build_tcp(&p, "10.0.0.1", 1235, "10.0.0.2", 80, TCP_FLAG_SYN, 1, 0, NULL, 0, 4 * SEC);
    CHECK(flow_table_get(t, &p) != f);
    struct packet a, b;
    packet_build_udp(&a, "192.168.1.1", 5353, "192.168.1.2", 53, 10, 0);
    packet_build_udp(&b, "192.168.1.2", 53, "192.168.1.1", 5353, 10, 0);
    CHECK_EQ_INT(flow_hash_packet(&a), flow_hash_packet(&b));
    b.vlan_count = 1;
    b.vlan_id[0] = 10;
    CHECK(flow_hash_packet(&a) != flow_hash_packet(&b));

    /* SYN/ACK seen first: its sender is the server. */
    packet_build_tcp(&p, "10.0.0.9", 443, "10.0.0.8", 5555, TCP_FLAG_SYN | TCP_FLAG_ACK, 5, 6, NULL, 0, 5 * SEC);
    f = flow_table_get(t, &p);
    CHECK_EQ_INT(p.flow_direction, 1);
    CHECK_EQ_INT(f->key.src_port, 5555);
    CHECK_EQ_INT(f->key.dst_port, 443);
    CHECK_EQ_INT(f->pkts_toclient, 1);

    /* No flow for invalid packets, non-IP, and non-final fragments. */
    packet_build_udp(&p, "1.1.1.1", 1, "2.2.2.2", 2, 0, 6 * SEC);
    p.flags |= PACKET_FLAG_INVALID;
    CHECK(flow_table_get(t, &p) == NULL);
    packet_build_udp(&p, "1.1.1.1", 1, "2.2.2.2", 2, 0, 6 * SEC);
    p.flags |= PACKET_FLAG_FRAGMENT;
    CHECK(flow_table_get(t, &p) == NULL);
    p.flags |= PACKET_FLAG_REASSEMBLED;
    CHECK(flow_table_get(t, &p) != NULL);
    memset(&p, 0, sizeof p);
    CHECK(flow_table_get(t, &p) == NULL);
    CHECK(p.flow == NULL);

    uint64_t total = flow_table_stats(t)->total;
    CHECK_EQ_INT(total, 4);
    CHECK_EQ_INT(flow_table_stats(t)->tcp, 3);
    flow_table_shutdown(t);
    CHECK_EQ_INT(e.n, 4);
    CHECK_EQ_INT(flow_table_stats(t)->active, 0);
    flow_table_free(t);
}

static void test_ipv6(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    struct packet p, q;
    packet_build_tcp(&p, "2001:db8::1", 40000, "2001:db8::2", 443, TCP_FLAG_SYN, 1, 0, NULL, 0, SEC);
    packet_build_tcp(&q, "2001:db8::2", 443, "2001:db8::1", 40000, TCP_FLAG_SYN | TCP_FLAG_ACK, 1, 2, NULL, 0, SEC);
    CHECK_EQ_INT(flow_hash_packet(&p), flow_hash_packet(&q));
    struct flow *f = flow_table_get(t, &p);
    CHECK(f != NULL && flow_table_get(t, &q) == f);
    CHECK_EQ_INT(q.flow_direction, 1);
    CHECK_EQ_INT(f->bytes_toserver, 74);
    /* An IPv4 flow with the same low address bytes is another flow. */
    packet_build_tcp(&p, "0.0.0.1", 40000, "0.0.0.2", 443, TCP_FLAG_SYN, 1, 0, NULL, 0, SEC);
    CHECK(flow_table_get(t, &p) != f);
    /* ICMPv6 echo request and reply share a flow. */
    packet_build_ip(&p, "fe80::1", "fe80::2", 58, SEC);
    p.icmp_type = 128;
    struct flow *g = flow_table_get(t, &p);
    packet_build_ip(&p, "fe80::2", "fe80::1", 58, SEC);
    p.icmp_type = 129;
    CHECK(flow_table_get(t, &p) == g);
    CHECK_EQ_INT(flow_table_stats(t)->icmpv6, 1);
    flow_table_shutdown(t);
    CHECK_EQ_INT(e.n, 3);
    flow_table_free(t);
}

static void test_vlan_separation(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    struct packet p;
    packet_build_udp(&p, "10.1.1.1", 1000, "10.1.1.2", 53, 20, SEC);
    struct flow *f0 = flow_table_get(t, &p);
    packet_build_udp(&p, "10.1.1.1", 1000, "10.1.1.2", 53, 20, SEC);
    p.vlan_count = 1;
    p.vlan_id[0] = 100;
    struct flow *f1 = flow_table_get(t, &p);
    packet_build_udp(&p, "10.1.1.2", 53, "10.1.1.1", 1000, 20, SEC);
    p.vlan_count = 1;
    p.vlan_id[0] = 200;
    struct flow *f2 = flow_table_get(t, &p);
    packet_build_udp(&p, "10.1.1.2", 53, "10.1.1.1", 1000, 20, SEC);
    p.vlan_count = 1;
    p.vlan_id[0] = 100;
    struct flow *f3 = flow_table_get(t, &p);
    packet_build_udp(&p, "10.1.1.2", 53, "10.1.1.1", 1000, 20, SEC);
    p.tunnel_depth = 1;
    struct flow *f4 = flow_table_get(t, &p);
    CHECK(f0 && f1 && f2 && f4);
    CHECK(f0 != f1 && f1 != f2 && f0 != f2 && f4 != f0);
    CHECK(f3 == f1);
    CHECK_EQ_INT(p.flow_direction, 0);
    CHECK_EQ_INT(f1->pkts_toclient, 1);
    CHECK_EQ_INT(f1->state, FLOW_STATE_ESTABLISHED);
    CHECK_EQ_INT(f0->state, FLOW_STATE_NEW);
    flow_table_shutdown(t);
    flow_table_free(t);
}

static void test_timeouts_by_state(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    struct packet p;
    /* UDP new (30 s) and UDP established (300 s). */
    packet_build_udp(&p, "10.0.0.1", 1, "10.0.0.2", 2, 0, 100 * SEC);
    struct flow *fnew = flow_table_get(t, &p);
    uint64_t id_new = fnew->flow_id;
    packet_build_udp(&p, "10.0.0.1", 3, "10.0.0.2", 4, 0, 100 * SEC);
    flow_table_get(t, &p);
    packet_build_udp(&p, "10.0.0.2", 4, "10.0.0.1", 3, 0, 100 * SEC);
    struct flow *fest = flow_table_get(t, &p);
    uint64_t id_est = fest->flow_id;
    /* TCP: one closed by the stream engine (60 s), one established (600 s). */
    packet_build_tcp(&p, "10.0.0.1", 5, "10.0.0.2", 6, TCP_FLAG_SYN, 1, 0, NULL, 0, 100 * SEC);
    struct flow *ftc = flow_table_get(t, &p);
    ftc->state = FLOW_STATE_CLOSED;
    uint64_t id_tc = ftc->flow_id;
    packet_build_tcp(&p, "10.0.0.1", 7, "10.0.0.2", 8, TCP_FLAG_SYN, 1, 0, NULL, 0, 100 * SEC);
    struct flow *fte = flow_table_get(t, &p);
    fte->state = FLOW_STATE_ESTABLISHED;
    uint64_t id_te = fte->flow_id;
    CHECK_EQ_INT(fte->timeout_sec, 60); /* refiled lazily */

    flow_table_timeout(t, 129 * SEC);
    CHECK_EQ_INT(e.n, 0);
    flow_table_timeout(t, 130 * SEC + 1);
    CHECK_EQ_INT(e.n, 1);
    CHECK(e.ids[0] == id_new);
    CHECK_EQ_INT(e.reasons[0], FLOW_END_TIMEOUT);
    flow_table_timeout(t, 161 * SEC);
    CHECK_EQ_INT(e.n, 2);
    CHECK(e.ids[1] == id_tc);
    flow_table_timeout(t, 399 * SEC);
    CHECK_EQ_INT(e.n, 2);
    flow_table_timeout(t, 401 * SEC);
    CHECK_EQ_INT(e.n, 3);
    CHECK(e.ids[2] == id_est);
    flow_table_timeout(t, 701 * SEC);
    CHECK_EQ_INT(e.n, 4);
    CHECK(e.ids[3] == id_te);
    CHECK_EQ_INT(flow_table_stats(t)->timeout, 4);
    CHECK_EQ_INT(flow_table_stats(t)->active, 0);

    /* A packet on a flow that has timed out but not yet collected starts a
     * new flow. */
    packet_build_udp(&p, "10.9.0.1", 1, "10.9.0.2", 2, 0, 1000 * SEC);
    struct flow *a = flow_table_get(t, &p);
    uint64_t aid = a->flow_id;
    packet_build_udp(&p, "10.9.0.1", 1, "10.9.0.2", 2, 0, 1031 * SEC);
    struct flow *b = flow_table_get(t, &p);
    CHECK(b->flow_id != aid);
    CHECK_EQ_INT(b->pkts_toserver, 1);
    CHECK_EQ_INT(e.n, 5);
    flow_table_shutdown(t);
    flow_table_free(t);
}

static void test_memcap_emergency(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.hash_size = 64;
    cfg.prealloc = 0;
    cfg.memcap = 64 * sizeof(void *) + 10 * sizeof(struct flow);
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    CHECK(t != NULL);
    struct packet p;
    for (int i = 0; i < 100; i++) {
        packet_build_udp(&p, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, 0, (uint64_t)i * SEC);
        struct flow *f = flow_table_get(t, &p);
        CHECK(f != NULL);
        CHECK(flow_table_stats(t)->memuse <= cfg.memcap);
        CHECK(flow_table_stats(t)->active <= 10);
    }
    const struct flow_stats *s = flow_table_stats(t);
    CHECK_EQ_INT(s->total, 100);
    CHECK(s->emerg_mode_entered >= 1);
    CHECK(s->memcap >= 90);
    CHECK_EQ_INT(s->get_used + s->timeout, 90);
    CHECK_EQ_INT(e.n, 90);
    CHECK(s->memuse_peak <= cfg.memcap);
    CHECK(flow_table_in_emergency(t));
    /* Idle flows expire; with 30% free the table leaves emergency mode. */
    flow_table_timeout(t, 1000 * SEC);
    CHECK(!flow_table_in_emergency(t));
    CHECK_EQ_INT(s->emerg_mode_over, 1);
    CHECK_EQ_INT(e.n, 100);

    /* A memcap that cannot hold the buckets is refused with a reason. */
    char err[200] = "";
    cfg.memcap = 100;
    struct flow_hooks hooks = {0};
    CHECK(flow_table_new(&cfg, &hooks, err, sizeof err) == NULL);
    CHECK(strstr(err, "flow.memcap") != NULL);
    flow_table_free(t);
}

static void test_shutdown_order_and_ids(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    cfg.hash_size = 16;
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    struct packet p;
    uint64_t ids[300];
    for (int i = 0; i < 300; i++) {
        /* Mixed protocols and states so flows sit in different lists. */
        if (i % 3 == 0)
            packet_build_tcp(&p, "172.16.0.1", (uint16_t)(2000 + i), "172.16.0.2", 443, TCP_FLAG_SYN, 1, 0, NULL, 0, (uint64_t)(300 - i) * SEC);
        else
            packet_build_udp(&p, "172.16.0.1", (uint16_t)(2000 + i), "172.16.0.2", 53, 0, (uint64_t)(300 - i) * SEC);
        struct flow *f = flow_table_get(t, &p);
        ids[i] = f->flow_id;
        CHECK(ids[i] != 0 && ids[i] < (1ull << 51));
    }
    for (int i = 0; i < 300; i++)
        for (int j = i + 1; j < 300; j++)
            if (ids[i] == ids[j])
                CHECK(ids[i] != ids[j]);
    flow_table_shutdown(t);
    CHECK_EQ_INT(e.n, 300);
    for (int i = 0; i < 300; i++) {
        CHECK(e.ids[i] == ids[i]);
        CHECK_EQ_INT(e.reasons[i], FLOW_END_SHUTDOWN);
    }
    CHECK_EQ_INT(flow_table_stats(t)->shutdown, 300);
    flow_table_free(t);

    /* Same input, same ids (determinism); another worker, other ids. */
    struct ended e2 = {0};
    t = table_new(&cfg, &e2);
    packet_build_udp(&p, "172.16.0.1", 2001, "172.16.0.2", 53, 0, SEC);
    uint64_t id0 = flow_table_get(t, &p)->flow_id;
    flow_table_shutdown(t);
    flow_table_free(t);
    CHECK(id0 == ids[0]);
    cfg.thread_id = 1;
    t = table_new(&cfg, &e2);
    uint64_t id1 = flow_table_get(t, &p)->flow_id;
    CHECK(id1 != id0);
    flow_table_shutdown(t);
    flow_table_free(t);
}

static void test_tcp_port_reuse(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    struct packet p;
    packet_build_tcp(&p, "10.0.0.1", 40000, "10.0.0.2", 80, TCP_FLAG_SYN, 100, 0, NULL, 0, SEC);
    struct flow *f = flow_table_get(t, &p);
    uint64_t first = f->flow_id;
    /* Still open: a SYN retransmission stays in the flow. */
    packet_build_tcp(&p, "10.0.0.1", 40000, "10.0.0.2", 80, TCP_FLAG_SYN, 100, 0, NULL, 0, 2 * SEC);
    CHECK(flow_table_get(t, &p)->flow_id == first);
    /* Closed by the stream engine (FIN both ways, or RST). */
    f->state = FLOW_STATE_CLOSED;
    packet_build_tcp(&p, "10.0.0.1", 40000, "10.0.0.2", 80, TCP_FLAG_SYN, 5000, 0, NULL, 0, 3 * SEC);
    struct flow *g = flow_table_get(t, &p);
    CHECK(g->flow_id != first);
    CHECK_EQ_INT(g->pkts_toserver, 1);
    CHECK_EQ_INT(e.n, 1);
    CHECK_EQ_INT(flow_table_stats(t)->tcp_reuse, 1);
    /* Without a stream engine: FIN both ways closes it too. */
    packet_build_tcp(&p, "10.0.0.1", 40000, "10.0.0.2", 80, TCP_FLAG_FIN | TCP_FLAG_ACK, 5001, 1, NULL, 0, 4 * SEC);
    flow_table_get(t, &p);
    packet_build_tcp(&p, "10.0.0.2", 80, "10.0.0.1", 40000, TCP_FLAG_FIN | TCP_FLAG_ACK, 1, 5002, NULL, 0, 4 * SEC);
    flow_table_get(t, &p);
    packet_build_tcp(&p, "10.0.0.1", 40000, "10.0.0.2", 80, TCP_FLAG_SYN, 9000, 0, NULL, 0, 5 * SEC);
    CHECK(flow_table_get(t, &p) != g || e.n == 2);
    CHECK_EQ_INT(e.n, 2);
    CHECK_EQ_INT(flow_table_stats(t)->tcp_reuse, 2);
    flow_table_shutdown(t);
    flow_table_free(t);
}

static void test_icmp(void)
{
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    struct ended e = {0};
    struct flow_table *t = table_new(&cfg, &e);
    struct packet p;
    packet_build_ip(&p, "192.168.0.89", "192.168.0.1", IPPROTO_ICMP, SEC);
    p.icmp_type = 8;
    p.icmp_id = 7;
    struct flow *f = flow_table_get(t, &p);
    packet_build_ip(&p, "192.168.0.1", "192.168.0.89", IPPROTO_ICMP, SEC);
    p.icmp_type = 0;
    p.icmp_id = 7;
    CHECK(flow_table_get(t, &p) == f);
    CHECK_EQ_INT(p.flow_direction, 1);
    CHECK_EQ_INT(f->state, FLOW_STATE_ESTABLISHED);
    char cid[64];
    flow_community_id(f, 0, cid);
    CHECK_EQ_STR(cid, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
    CHECK_EQ_INT(flow_table_stats(t)->icmpv4, 1);

    /* An ICMP port unreachable quoting a UDP packet joins the UDP flow. */
    packet_build_udp(&p, "10.0.0.1", 5000, "10.0.0.2", 161, 10, SEC);
    struct flow *u = flow_table_get(t, &p);
    packet_build_ip(&p, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 2 * SEC);
    p.icmp_type = 3;
    p.icmp_code = 3;
    p.icmp_inner_proto = IPPROTO_UDP;
    packet_build_addr(&p.icmp_inner_src, "10.0.0.1");
    packet_build_addr(&p.icmp_inner_dst, "10.0.0.2");
    p.icmp_inner_src_port = 5000;
    p.icmp_inner_dst_port = 161;
    struct packet q = p;
    CHECK(flow_table_get(t, &p) == u);
    CHECK_EQ_INT(p.flow_direction, 1);
    CHECK_EQ_INT(u->pkts_toclient, 1);
    CHECK_EQ_INT(flow_hash_packet(&q), u->hash);
    /* Quoting an unknown flow: an ordinary ICMP flow. */
    q.icmp_inner_dst_port = 162;
    struct flow *x = flow_table_get(t, &q);
    CHECK(x != NULL && x != u && x->key.proto == IPPROTO_ICMP);
    flow_table_shutdown(t);
    flow_table_free(t);
}

struct cid_vector {
    uint8_t proto;
    const char *saddr, *daddr;
    uint16_t sport, dport;
    const char *seed0, *seed1;
};

/* From corelight/community-id-spec baseline/baseline_deflt.json and
 * baseline_seed1.json. */
static const struct cid_vector cid_vectors[] = {
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
    {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
    {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
     "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
    {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=",
     "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
    {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=",
     "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
    {1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
     "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
     "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=",
     "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
     "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
     "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
     "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
     "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
     "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
     "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
     "1:rYir8gphR31noO9iDRQmF/BteEI="},
    {46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
     "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

static void test_community_id(void)
{
    for (size_t i = 0; i < sizeof cid_vectors / sizeof cid_vectors[0]; i++) {
        const struct cid_vector *v = &cid_vectors[i];
        struct ip_address s, d;
        packet_build_addr(&s, v->saddr);
        packet_build_addr(&d, v->daddr);
        char out[64];
        flow_community_id_tuple(&s, &d, v->proto, v->sport, v->dport, 0, out);
        CHECK_EQ_STR(out, v->seed0);
        flow_community_id_tuple(&s, &d, v->proto, v->sport, v->dport, 1, out);
        CHECK_EQ_STR(out, v->seed1);
    }
    /* Through a flow: the same id whichever side spoke first. */
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    struct flow_table *t = flow_table_new(&cfg, NULL, NULL, 0);
    struct packet p;
    packet_build_udp(&p, "8.8.8.8", 53, "192.168.1.52", 54585, 10, SEC);
    struct flow *f = flow_table_get(t, &p);
    char out[64];
    flow_community_id(f, 0, out);
    CHECK_EQ_STR(out, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    flow_table_shutdown(t);
    flow_table_free(t);
}

static void test_stats_json(void)
{
    struct flow_stats a = {0}, b = {0};
    a.total = 3;
    a.memuse_peak = 10;
    b.total = 4;
    b.memuse_peak = 20;
    b.tcp_reuse = 2;
    flow_stats_add(&a, &b);
    CHECK_EQ_INT(a.total, 7);
    CHECK_EQ_INT(a.memuse_peak, 20);
    struct json_writer w;
    json_writer_init(&w, 256);
    json_object_begin(&w);
    flow_stats_write_json(&a, &w);
    json_object_end(&w);
    json_append_raw(&w, "", 1);
    CHECK(strstr(w.data, "\"flow\":{") != NULL);
    CHECK(strstr(w.data, "\"total\":7") != NULL);
    CHECK(strstr(w.data, "\"tcp_reuse\":2") != NULL);
    CHECK(strstr(w.data, "\"emerg_mode_entered\":0") != NULL);
    json_writer_free(&w);
    CHECK_EQ_STR(flow_state_name(FLOW_STATE_CLOSED), "closed");
    CHECK_EQ_STR(flow_end_reason_name(FLOW_END_SHUTDOWN), "shutdown");
}

int main(void)
{
    flow_hash_set_key(1, 2);
    test_lookup_both_directions();
    test_ipv6();
    test_vlan_separation();
    test_timeouts_by_state();
    test_memcap_emergency();
    test_shutdown_order_and_ids();
    test_tcp_port_reuse();
    test_icmp();
    test_community_id();
    test_stats_json();
    TEST_MAIN_END();
}
