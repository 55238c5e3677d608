/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the packet decoder on crafted frames: every link type, VLAN,
 * MPLS, PPPoE, IPv4 (options, checksum), IPv6 extension headers, TCP options,
 * UDP, ICMPv4/v6 (with quoted headers), SCTP, the tunnels, and the anomaly
 * paths with their Suricata event names. One packet struct is reused for
 * every frame, as a worker does, which also tests that decoding resets it. */
#include <jansson.h>

#include "decode/decode.h"
#include "decode_test_util.h"
#include "test.h"

char *stats_json_render(const struct decode_stats *s, size_t *len);

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define DLT_EN10MB 1

static struct decode_thread_ctx *ctx;
static struct packet pk;
static struct frame fr;

static struct packet *run_dlt(int dlt)
{
    packet_set_frame(&pk, &fr, dlt, 1000000);
    decode_packet(ctx, &pk);
    return &pk;
}

static struct packet *run(void)
{
    return run_dlt(DLT_EN10MB);
}

static void reset(void)
{
    fr.len = 0;
}

/* Ethernet + IPv4 + TCP with payload; returns the IPv4 header. */
static uint8_t *build_tcp4(const uint8_t *opts, uint32_t optlen, const char *payload)
{
    reset();
    frame_eth(&fr, 0x0800);
    uint8_t *ip = frame_ipv4(&fr, 6, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 0x1234, 0x4000);
    frame_tcp(&fr, 1234, 80, 0xdeadbeef, 0x18, opts, optlen);
    if (payload)
        frame_add(&fr, payload, (uint32_t)strlen(payload));
    ipv4_finish(&fr, ip);
    return ip;
}

static void test_tcp_ipv4(void)
{
    uint8_t opts[] = {2, 4,  0x05, 0xb4,                   /* MSS 1460 */
                      1, 3,  3,    7,                      /* NOP, wscale 7 */
                      4, 2,                                /* SACK permitted */
                      8, 10, 0,    0,    0, 1, 0, 0, 0, 2, /* timestamps 1, 2 */
                      1, 1,  1,    0};
    build_tcp4(opts, sizeof(opts), "hello");
    struct packet *p = run();
    CHECK_EQ_INT(p->ip_version, 4);
    CHECK_EQ_INT(p->proto, 6);
    CHECK_EQ_INT(p->src.family, 4);
    CHECK_EQ_INT(p->src.addr.u8[12], 10);
    CHECK_EQ_INT(p->dst.addr.u8[15], 2);
    CHECK_EQ_INT(p->src.addr.u32[0], 0);
    CHECK_EQ_INT(p->src_port, 1234);
    CHECK_EQ_INT(p->dst_port, 80);
    CHECK_EQ_INT(p->tcp_seq, 0xdeadbeef);
    CHECK_EQ_INT(p->tcp_ack, 1000);
    CHECK_EQ_INT(p->tcp_flags, TCP_FLAG_PSH | TCP_FLAG_ACK);
    CHECK_EQ_INT(p->tcp_window, 8192);
    CHECK_EQ_INT(p->tcp_mss, 1460);
    CHECK_EQ_INT(p->tcp_wscale, 7);
    CHECK_EQ_INT(p->tcp_tsval, 1);
    CHECK_EQ_INT(p->tcp_tsecr, 2);
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_MSS);
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_WSCALE);
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_SACKOK);
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_TIMESTAMP);
    CHECK(!(p->flags & PACKET_FLAG_HAS_TCP_SACK));
    CHECK_EQ_INT(p->payload_len, 5);
    CHECK(memcmp(p->payload, "hello", 5) == 0);
    CHECK_EQ_INT(p->ttl, 64);
    CHECK(p->frag_df);
    CHECK(!(p->flags & PACKET_FLAG_INVALID));
    CHECK_EQ_INT(p->event_count, 0);
    CHECK(p->ethernet == fr.b);
    CHECK(p->l3 == fr.b + 14);
    CHECK_EQ_INT(p->l3_len, 20 + 44 + 5);
    CHECK_EQ_INT(p->l4_len, 44 + 5);

    /* Ethernet padding past the IP total length is not payload */
    fr.len += 10;
    p = run();
    CHECK_EQ_INT(p->payload_len, 5);
    CHECK_EQ_INT(p->l3_len, 69);
}

static void test_tcp_options_anomalies(void)
{
    uint8_t sack[] = {5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}; /* one SACK block */
    build_tcp4(sack, sizeof(sack), NULL);
    struct packet *p = run();
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_SACK);
    CHECK_EQ_INT(p->event_count, 0);

    uint8_t tfo[] = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1};
    build_tcp4(tfo, sizeof(tfo), NULL);
    p = run();
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_TFO);

    uint8_t badmss[] = {2, 3, 5, 1}; /* MSS with length 3 */
    build_tcp4(badmss, sizeof(badmss), NULL);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_OPT_INVALID_LEN));
    CHECK(!(p->flags & PACKET_FLAG_HAS_TCP_MSS));
    CHECK(!(p->flags & PACKET_FLAG_INVALID));

    uint8_t overrun[] = {1, 1, 8, 40}; /* timestamp claims 40 bytes */
    build_tcp4(overrun, sizeof(overrun), NULL);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_OPT_INVALID_LEN));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    uint8_t md5[] = {19, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; /* MD5 must be 18 bytes */
    build_tcp4(md5, sizeof(md5), NULL);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_OPT_INVALID_LEN));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    uint8_t exp_tfo[] = {254, 4, 0xf9, 0x89}; /* pre-assignment TFO */
    build_tcp4(exp_tfo, sizeof(exp_tfo), NULL);
    p = run();
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_TFO);
    CHECK_EQ_INT(p->event_count, 0);

    uint8_t dup[] = {2, 4, 5, 0xb4, 2, 4, 5, 0xb4};
    build_tcp4(dup, sizeof(dup), NULL);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_OPT_DUPLICATE));

    uint8_t badsack[] = {5, 7, 0, 0, 0, 1, 0, 1};
    build_tcp4(badsack, sizeof(badsack), NULL);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_OPT_INVALID_LEN));

    /* header length below 20 */
    uint8_t *ip = build_tcp4(NULL, 0, NULL);
    ip[20 + 12] = 0x40;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_INVALID_OPTLEN));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    /* header length beyond the segment */
    ip = build_tcp4(NULL, 0, NULL);
    ip[20 + 12] = 0xf0;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_HLEN_TOO_SMALL));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    /* fewer than 20 bytes */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 6, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, NULL, 10);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_PKT_TOO_SMALL));
    CHECK(p->l4 == NULL);
}

/* Regression: option kinds above 31 (TFO is 34) were tracked for duplicates
 * with a 32-bit shift, undefined behaviour caught by UBSan. */
static void test_tcp_tfo_duplicate_shift(void)
{
    uint8_t two_tfo[] = {34, 2, 34, 2};
    build_tcp4(two_tfo, sizeof(two_tfo), NULL);
    struct packet *p = run();
    CHECK(p->flags & PACKET_FLAG_HAS_TCP_TFO);
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_OPT_DUPLICATE));
    CHECK(!(p->flags & PACKET_FLAG_INVALID));
}

static void test_checksums(void)
{
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    cfg.checksum_validate = true;
    struct decode_thread_ctx *saved = ctx;
    ctx = decode_thread_ctx_new(&cfg);

    uint8_t *ip = build_tcp4(NULL, 0, "data");
    struct packet *p = run();
    CHECK(!(p->flags & (PACKET_FLAG_IPV4_CSUM_BAD | PACKET_FLAG_TCP_CSUM_BAD)));
    CHECK_EQ_INT(p->event_count, 0);

    ip[10] ^= 0x55; /* IPv4 header checksum */
    p = run();
    CHECK(p->flags & PACKET_FLAG_IPV4_CSUM_BAD);
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_CHECKSUM_INVALID));
    CHECK_EQ_INT(p->proto, 6); /* still processed */
    CHECK_EQ_INT(p->dst_port, 80);
    CHECK(!(p->flags & PACKET_FLAG_INVALID));
    ip[10] ^= 0x55;
    ip[20 + 16] ^= 0x01; /* TCP checksum */
    p = run();
    CHECK(p->flags & PACKET_FLAG_TCP_CSUM_BAD);
    CHECK(!(p->flags & PACKET_FLAG_IPV4_CSUM_BAD));
    CHECK(packet_has_event(p, DECODE_EVENT_TCP_CHECKSUM_INVALID));

    /* UDP over IPv4, odd length; checksum 0 means none */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 17, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 7, 0);
    uint8_t *udp = frame_udp(&fr, 5000, 53);
    frame_add(&fr, "abc", 3);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_UDP_CSUM_BAD));
    udp[7] ^= 0x10;
    p = run();
    CHECK(p->flags & PACKET_FLAG_UDP_CSUM_BAD);
    udp[6] = udp[7] = 0;
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_UDP_CSUM_BAD));

    /* ICMPv4 */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 7, 0);
    uint8_t echo[12] = {8, 0, 0, 0, 0x12, 0x34, 0, 5, 'p', 'i', 'n', 'g'};
    uint8_t *ic = frame_add(&fr, echo, sizeof(echo));
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_ICMP_CSUM_BAD));
    ic[3] ^= 1;
    p = run();
    CHECK(p->flags & PACKET_FLAG_ICMP_CSUM_BAD);
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV4_CHECKSUM_INVALID));

    /* IPv6 TCP, UDP and ICMPv6 with pseudo-header */
    reset();
    frame_eth(&fr, 0x86dd);
    uint8_t *ip6 = frame_ipv6(&fr, 6, 1, 2);
    uint8_t *tcp = frame_tcp(&fr, 1, 2, 3, 0x02, NULL, 0);
    frame_add(&fr, "xyz", 3);
    ipv6_finish(&fr, ip6, tcp, 6);
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_TCP_CSUM_BAD));
    tcp[17] ^= 4;
    p = run();
    CHECK(p->flags & PACKET_FLAG_TCP_CSUM_BAD);
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 17, 1, 2);
    udp = frame_udp(&fr, 1, 2);
    frame_add(&fr, "xyz", 3);
    ipv6_finish(&fr, ip6, udp, 17);
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_UDP_CSUM_BAD));
    udp[6] ^= 4;
    p = run();
    CHECK(p->flags & PACKET_FLAG_UDP_CSUM_BAD);
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 58, 1, 2);
    uint8_t e6[8] = {128, 0, 0, 0, 0, 1, 0, 2};
    ic = frame_add(&fr, e6, 8);
    ipv6_finish(&fr, ip6, ic, 58);
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_ICMP_CSUM_BAD));
    ic[2] ^= 4;
    p = run();
    CHECK(p->flags & PACKET_FLAG_ICMP_CSUM_BAD);
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_CHECKSUM_INVALID));

    decode_thread_ctx_free(ctx);
    ctx = saved;
}

static void test_ipv4_anomalies(void)
{
    uint8_t *ip = build_tcp4(NULL, 0, NULL);
    ip[0] = 0x55; /* version 5 */
    struct packet *p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_WRONG_IP_VERSION));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    CHECK_EQ_INT(p->ip_version, 0);

    ip = build_tcp4(NULL, 0, NULL);
    ip[0] = 0x44;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_HLEN_TOO_SMALL));

    ip = build_tcp4(NULL, 0, NULL);
    put16(ip + 2, 10);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_IPLEN_SMALLER_THAN_HLEN));

    reset();
    frame_eth(&fr, 0x0800);
    frame_add(&fr, "\x45\x00\x00", 3);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_PKT_TOO_SMALL));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    /* total length beyond the captured bytes: anomaly, decoded as far as possible */
    ip = build_tcp4(NULL, 0, "0123456789");
    put16(ip + 2, 200);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_TRUNC_PKT));
    CHECK(p->flags & PACKET_FLAG_TRUNCATED);
    CHECK(!(p->flags & PACKET_FLAG_INVALID));
    CHECK_EQ_INT(p->payload_len, 10);

    /* unassigned protocol */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 200, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, "abcd", 4);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_UNKNOWN_PROTOCOL));
    CHECK_EQ_INT(p->proto, 200);

    /* ICMPv6 carried over IPv4 */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 58, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, NULL, 8);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_ICMPV6));
}

/* IPv4 with the given option bytes (padded to 4 with zeros by the caller). */
static struct packet *run_ipv4_options(const uint8_t *opt, uint32_t len)
{
    reset();
    frame_eth(&fr, 0x0800);
    uint8_t *ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, opt, len);
    ip[0] = (uint8_t)(0x40 | ((20 + len) / 4));
    frame_udp(&fr, 1, 2);
    ipv4_finish(&fr, ip);
    return run();
}

static void test_ipv4_options(void)
{
    /* record route (pointer 4, room for 2 addresses), NOP, router alert,
     * NOP, EOL and padding: 24 bytes */
    uint8_t good[] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x94, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    struct packet *p = run_ipv4_options(good, sizeof(good));
    CHECK(p->ipv4_options & IPV4_OPTION_RR);
    CHECK(p->ipv4_options & IPV4_OPTION_NOP);
    CHECK(p->ipv4_options & IPV4_OPTION_RTRALT);
    CHECK(p->ipv4_options & IPV4_OPTION_EOL);
    CHECK(!(p->ipv4_options & IPV4_OPTION_TS));
    CHECK_EQ_INT(p->event_count, 0);
    CHECK_EQ_INT(p->proto, 17);
    CHECK_EQ_INT(p->dst_port, 2);

    /* timestamps only (flag 0), pointer at the first slot */
    uint8_t ts[] = {0x44, 16, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    p = run_ipv4_options(ts, sizeof(ts));
    CHECK(p->ipv4_options & IPV4_OPTION_TS);
    CHECK_EQ_INT(p->event_count, 0);
    ts[3] = 2; /* unknown flag */
    p = run_ipv4_options(ts, sizeof(ts));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_INVALID));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    CHECK(!(p->ipv4_options & IPV4_OPTION_TS));

    uint8_t lsrr_ssrr_sid[] = {0x83, 7, 4,    1, 2, 3, 4, 0x89, 7, 4, 1, 2,
                               3,    4, 0x88, 4, 0, 1, 0, 0,    0, 0, 0, 0};
    p = run_ipv4_options(lsrr_ssrr_sid, sizeof(lsrr_ssrr_sid));
    CHECK(p->ipv4_options & IPV4_OPTION_LSRR);
    CHECK(p->ipv4_options & IPV4_OPTION_SSRR);
    CHECK(p->ipv4_options & IPV4_OPTION_SATID);
    CHECK_EQ_INT(p->event_count, 0);

    /* an option area that is not a multiple of 8 bytes: a warning only */
    uint8_t ra[] = {0x94, 4, 0, 0};
    p = run_ipv4_options(ra, sizeof(ra));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_PAD_REQUIRED));
    CHECK(p->ipv4_options & IPV4_OPTION_RTRALT);
    CHECK(!(p->flags & PACKET_FLAG_INVALID));

    uint8_t badlen[] = {7, 40, 4, 0};
    p = run_ipv4_options(badlen, sizeof(badlen));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_INVALID_LEN));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    uint8_t eol_req[] = {1, 1, 1, 1, 1, 1, 1, 0x94};
    p = run_ipv4_options(eol_req, sizeof(eol_req));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_EOL_REQUIRED));
    CHECK(!(p->flags & PACKET_FLAG_INVALID));

    uint8_t badptr[] = {7, 7, 2, 0, 0, 0, 0, 0};
    p = run_ipv4_options(badptr, sizeof(badptr));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_INVALID));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    uint8_t unknown[] = {0x9e, 4, 0, 0, 0, 0, 0, 0};
    p = run_ipv4_options(unknown, sizeof(unknown));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_INVALID));
    CHECK(p->ipv4_options & IPV4_OPTION_UNKNOWN);
    CHECK(!(p->flags & PACKET_FLAG_INVALID));

    uint8_t dup[] = {0x94, 4, 0, 0, 0x94, 4, 0, 0};
    p = run_ipv4_options(dup, sizeof(dup));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_DUPLICATE));
    CHECK(!(p->flags & PACKET_FLAG_INVALID));

    uint8_t qs_bad[] = {0x19, 6, 0, 0, 0, 0, 0, 0};
    p = run_ipv4_options(qs_bad, sizeof(qs_bad));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV4_OPT_INVALID_LEN));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    uint8_t sec_esec_cipso[] = {0x82, 11, 0,    0,  0, 0, 0, 0, 0, 0, 0, 0x85,
                                3,    1,  0x86, 10, 0, 0, 0, 1, 0, 0, 0, 0};
    p = run_ipv4_options(sec_esec_cipso, sizeof(sec_esec_cipso));
    CHECK(p->ipv4_options & IPV4_OPTION_SEC);
    CHECK(p->ipv4_options & IPV4_OPTION_ESEC);
    CHECK(p->ipv4_options & IPV4_OPTION_CIPSO);
    CHECK_EQ_INT(p->event_count, 0);
}

static void test_vlan_mpls_pppoe(void)
{
    reset();
    frame_eth(&fr, 0x8100);
    frame_vlan(&fr, 0x2000 | 100, 0x0800);
    uint8_t *ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_udp(&fr, 10, 20);
    ipv4_finish(&fr, ip);
    struct packet *p = run();
    CHECK_EQ_INT(p->vlan_count, 1);
    CHECK_EQ_INT(p->vlan_id[0], 100);
    CHECK_EQ_INT(p->dst_port, 20);

    for (int layers = 2; layers <= 4; layers++) {
        reset();
        frame_eth(&fr, 0x88a8);
        for (int i = 0; i < layers; i++)
            frame_vlan(&fr, (uint16_t)(10 + i), i + 1 < layers ? (i ? 0x9100 : 0x8100) : 0x0800);
        ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
        frame_udp(&fr, 10, 20);
        ipv4_finish(&fr, ip);
        p = run();
        if (layers <= 3) {
            CHECK_EQ_INT(p->vlan_count, layers);
            CHECK_EQ_INT(p->vlan_id[layers - 1], 10 + layers - 1);
            CHECK_EQ_INT(p->dst_port, 20);
            CHECK_EQ_INT(p->event_count, 0);
        } else {
            CHECK(packet_has_event(p, DECODE_EVENT_VLAN_TOO_MANY_LAYERS));
            CHECK(p->flags & PACKET_FLAG_INVALID);
        }
    }
    reset();
    frame_eth(&fr, 0x8100);
    frame_add(&fr, "\x00", 1);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_VLAN_HEADER_TOO_SMALL));

    /* MPLS: two labels then IPv4 guessed from the nibble */
    reset();
    frame_eth(&fr, 0x8847);
    uint8_t labels[8];
    put32(labels, (1000u << 12) | 64);
    put32(labels + 4, (2000u << 12) | 0x100 | 64);
    frame_add(&fr, labels, 8);
    ip = frame_ipv4(&fr, 6, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_tcp(&fr, 5, 6, 7, 2, NULL, 0);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK_EQ_INT(p->ip_version, 4);
    CHECK_EQ_INT(p->dst_port, 6);
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK(st->mpls > 0);

    uint32_t bad_labels[] = {1, 3, 7};
    enum decode_event bad_ev[] = {DECODE_EVENT_MPLS_BAD_LABEL_ROUTER_ALERT,
                                  DECODE_EVENT_MPLS_BAD_LABEL_IMPLICIT_NULL,
                                  DECODE_EVENT_MPLS_BAD_LABEL_RESERVED};
    for (int i = 0; i < 3; i++) {
        reset();
        frame_eth(&fr, 0x8847);
        put32(labels, (bad_labels[i] << 12) | 0x100 | 64);
        frame_add(&fr, labels, 4);
        frame_add(&fr, NULL, 20);
        p = run();
        CHECK(packet_has_event(p, bad_ev[i]));
    }
    /* pseudowire: control word then Ethernet */
    reset();
    frame_eth(&fr, 0x8847);
    put32(labels, (5000u << 12) | 0x100 | 64);
    frame_add(&fr, labels, 4);
    frame_add(&fr, NULL, 4);
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 17, IP(3, 3, 3, 3), IP(4, 4, 4, 4), 1, 0);
    frame_udp(&fr, 10, 99);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK_EQ_INT(p->dst_port, 99);
    CHECK(p->ethernet == fr.b);
    reset();
    frame_eth(&fr, 0x8847);
    put32(labels, (5000u << 12) | 0x100 | 64);
    frame_add(&fr, labels, 4);
    frame_add(&fr, "\x90\x00\x00\x00", 4);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_MPLS_UNKNOWN_PAYLOAD_TYPE));
    reset();
    frame_eth(&fr, 0x8847);
    frame_add(&fr, "\x00\x00", 2);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_MPLS_HEADER_TOO_SMALL));

    /* PPPoE session carrying IPv4 */
    reset();
    frame_eth(&fr, 0x8864);
    uint8_t *pppoe = frame_add(&fr, "\x11\x00\x00\x01\x00\x00\x00\x21", 8);
    ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_udp(&fr, 10, 77);
    ipv4_finish(&fr, ip);
    put16(pppoe + 4, (uint16_t)(fr.len - 14 - 6));
    p = run();
    CHECK_EQ_INT(p->dst_port, 77);
    pppoe[1] = 9;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_PPPOE_WRONG_CODE));

    /* unknown ethertype; ARP is known and silent */
    reset();
    frame_eth(&fr, 0x1234);
    frame_add(&fr, NULL, 30);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ETHERNET_UNKNOWN_ETHERTYPE));
    reset();
    frame_eth(&fr, 0x0806);
    frame_add(&fr, NULL, 28);
    p = run();
    CHECK_EQ_INT(p->event_count, 0);
    CHECK_EQ_INT(p->ip_version, 0);
    reset();
    frame_add(&fr, NULL, 10);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ETHERNET_PKT_TOO_SMALL));
}

static void test_link_types(void)
{
    /* Linux cooked v1 */
    reset();
    uint8_t sll[16] = {0, 0, 0, 1, 0, 6};
    put16(sll + 14, 0x0800);
    frame_add(&fr, sll, 16);
    uint8_t *ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_udp(&fr, 10, 21);
    ipv4_finish(&fr, ip);
    struct packet *p = run_dlt(113);
    CHECK_EQ_INT(p->dst_port, 21);
    CHECK(p->ethernet == NULL);
    fr.len = 10;
    p = run_dlt(113);
    CHECK(packet_has_event(p, DECODE_EVENT_SLL_PKT_TOO_SMALL));

    /* Linux cooked v2 */
    reset();
    uint8_t sll2[20] = {0};
    put16(sll2, 0x86dd);
    frame_add(&fr, sll2, 20);
    uint8_t *ip6 = frame_ipv6(&fr, 17, 1, 2);
    uint8_t *udp = frame_udp(&fr, 10, 22);
    ipv6_finish(&fr, ip6, udp, 17);
    p = run_dlt(276);
    CHECK_EQ_INT(p->ip_version, 6);
    CHECK_EQ_INT(p->dst_port, 22);

    /* raw IP: 12, 101, 228, 229 */
    reset();
    ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_udp(&fr, 10, 23);
    ipv4_finish(&fr, ip);
    CHECK_EQ_INT(run_dlt(12)->dst_port, 23);
    CHECK_EQ_INT(run_dlt(101)->dst_port, 23);
    CHECK_EQ_INT(run_dlt(228)->dst_port, 23);
    p = run_dlt(229);
    CHECK(packet_has_event(p, DECODE_EVENT_IPRAW_INVALID_IP_VERSION));
    fr.b[0] = 0x75;
    p = run_dlt(12);
    CHECK(packet_has_event(p, DECODE_EVENT_IPRAW_INVALID_IP_VERSION));

    /* BSD null / loop with every AF_INET6 value */
    uint32_t afs[] = {2, 24, 28, 30, 10};
    for (int i = 0; i < 5; i++) {
        for (int loop = 0; loop < 2; loop++) {
            reset();
            uint8_t af[4];
            if (loop) {
                put32(af, afs[i]);
            } else { /* little-endian host */
                af[0] = (uint8_t)afs[i];
                af[1] = af[2] = af[3] = 0;
            }
            frame_add(&fr, af, 4);
            if (afs[i] == 2) {
                ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
                frame_udp(&fr, 10, 24);
                ipv4_finish(&fr, ip);
            } else {
                ip6 = frame_ipv6(&fr, 17, 1, 2);
                udp = frame_udp(&fr, 10, 24);
                ipv6_finish(&fr, ip6, udp, 17);
            }
            p = run_dlt(loop ? 108 : 0);
            CHECK_EQ_INT(p->dst_port, 24);
            CHECK_EQ_INT(p->ip_version, afs[i] == 2 ? 4 : 6);
        }
    }
    reset();
    frame_add(&fr, "\x00\x00\x00\x63", 4);
    frame_add(&fr, NULL, 40);
    p = run_dlt(108);
    CHECK(packet_has_event(p, DECODE_EVENT_LTNULL_UNSUPPORTED_TYPE));
    fr.len = 2;
    p = run_dlt(0);
    CHECK(packet_has_event(p, DECODE_EVENT_LTNULL_PKT_TOO_SMALL));

    CHECK(decode_datalink_supported(1));
    CHECK(decode_datalink_supported(276));
    CHECK(!decode_datalink_supported(105));
    p = run_dlt(105);
    CHECK(p->flags & PACKET_FLAG_INVALID);
}

static void test_ipv6_exthdrs(void)
{
    /* hop-by-hop (router alert), destination options (padding only), then UDP */
    reset();
    frame_eth(&fr, 0x86dd);
    uint8_t *ip6 = frame_ipv6(&fr, 0, 1, 2);
    frame_add(&fr, "\x3c\x00\x05\x02\x00\x00\x01\x00", 8);
    frame_add(&fr, "\x11\x00\x01\x04\x00\x00\x00\x00", 8);
    uint8_t *udp = frame_udp(&fr, 1, 53);
    ipv6_finish(&fr, ip6, udp, 17);
    struct packet *p = run();
    CHECK_EQ_INT(p->proto, 17);
    CHECK_EQ_INT(p->dst_port, 53);
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_DSTOPTS_ONLY_PADDING));
    CHECK(!packet_has_event(p, DECODE_EVENT_IPV6_HOPOPTS_ONLY_PADDING));

    /* options Suricata does not know are unknown; PadN alone is padding */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 60, 1, 2);
    frame_add(&fr, "\x3b\x00\x04\x01\x04\x01\x00\x00", 8);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_DSTOPTS_UNKNOWN_OPT));
    CHECK(!packet_has_event(p, DECODE_EVENT_IPV6_DSTOPTS_ONLY_PADDING));
    /* router alert too short, option past the header */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 0, 1, 2);
    frame_add(&fr, "\x3b\x00\x05\x01\x00\x01\x00\x00", 8);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_INVALID_OPTLEN));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    ip6[40 + 3] = 9;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_INVALID_OPTLEN));

    /* three destination options headers: the third is a duplicate */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 60, 1, 2);
    frame_add(&fr, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
    frame_add(&fr, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
    CHECK(!packet_has_event(run(), DECODE_EVENT_IPV6_EXTHDR_DUPL_DH));
    frame_add(&fr, "\x3b\x00\x01\x04\x00\x00\x00\x00", 8);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_DUPL_DH));
    CHECK_EQ_INT(p->proto, 59);

    /* duplicate hop-by-hop, unknown option, zero-length PadN */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 0, 1, 2);
    frame_add(&fr, "\x00\x00\x01\x00\x3e\x02\x00\x00", 8);
    frame_add(&fr, "\x3b\x00\x01\x04\x00\x00\x00\x00", 8);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_DUPL_HH));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_ZERO_LEN_PADN));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_HOPOPTS_UNKNOWN_OPT));
    CHECK_EQ_INT(p->proto, 59);

    /* routing header type 0, then no next header with data after it */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 43, 1, 2);
    frame_add(&fr, "\x3b\x00\x00\x00\x00\x00\x00\x00", 8);
    frame_add(&fr, "junk", 4);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_RH_TYPE_0));
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_DATA_AFTER_NONE_HEADER));

    /* atomic fragment: useless FH, decoded on */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 44, 1, 2);
    frame_add(&fr, "\x11\x00\x00\x00\x00\x00\x00\x09", 8);
    udp = frame_udp(&fr, 1, 54);
    ipv6_finish(&fr, ip6, udp, 17);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_USELESS_FH));
    CHECK_EQ_INT(p->dst_port, 54);
    CHECK(p->flags & PACKET_FLAG_IPV6_FRAGMENT_HEADER);
    CHECK(!(p->flags & PACKET_FLAG_FRAGMENT));
    /* followed by a second fragment header: duplicate, skipped */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 44, 1, 2);
    frame_add(&fr, "\x2c\x00\x00\x00\x00\x00\x00\x09", 8);
    frame_add(&fr, "\x11\x00\x00\x00\x00\x00\x00\x0a", 8);
    udp = frame_udp(&fr, 1, 55);
    ipv6_finish(&fr, ip6, udp, 17);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_DUPL_FH));
    CHECK_EQ_INT(p->dst_port, 55);

    /* truncated extension header */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 60, 1, 2);
    frame_add(&fr, "\x11\x05\x00\x00\x00\x00\x00\x00", 8);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_TRUNC_EXTHDR));
    CHECK(p->flags & PACKET_FLAG_INVALID);

    /* AH with reserved bits, then ESP */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 51, 1, 2);
    frame_add(&fr, "\x32\x01\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01", 12);
    frame_add(&fr, "\x00\x00\x00\x01\x00\x00\x00\x01secret", 14);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_EXTHDR_AH_RES_NOT_NULL));
    CHECK_EQ_INT(p->proto, 50);

    /* version, size, truncation */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 17, 1, 2);
    udp = frame_udp(&fr, 1, 2);
    ipv6_finish(&fr, ip6, udp, 17);
    ip6[0] = 0x40;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_WRONG_IP_VERSION));
    ip6[0] = 0x60;
    put16(ip6 + 4, 100);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_TRUNC_PKT));
    fr.len = 14 + 30;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_PKT_TOO_SMALL));

    /* ICMPv4 inside IPv6 */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 1, 1, 2);
    frame_add(&fr, NULL, 8);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_ICMPV4));

    /* fragment header with reserved bits */
    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 44, 1, 2);
    frame_add(&fr, "\x11\x01\x00\x01\x00\x00\x00\x09", 8);
    frame_add(&fr, NULL, 16);
    ipv6_finish(&fr, ip6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_FH_NON_ZERO_RESERVED_FIELD));
    CHECK(p->flags & PACKET_FLAG_FRAGMENT);
    CHECK(p->l4 == NULL);
    /* non-final fragment that is not a multiple of 8 bytes */
    fr.len -= 3;
    put16(ip6 + 4, (uint16_t)(fr.len - 14 - 40));
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_FRAG_INVALID_LENGTH));
    CHECK(p->flags & PACKET_FLAG_FRAGMENT);
}

static void test_udp_anomalies(void)
{
    reset();
    frame_eth(&fr, 0x0800);
    uint8_t *ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    uint8_t *udp = frame_udp(&fr, 1, 2);
    frame_add(&fr, "12345678", 8);
    ipv4_finish(&fr, ip);
    struct packet *p = run();
    CHECK_EQ_INT(p->payload_len, 8);
    put16(udp + 4, 4);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_UDP_LEN_INVALID));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    put16(udp + 4, 100);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_UDP_PKT_TOO_SMALL));
    put16(udp + 4, 12); /* shorter than the IP payload: the rest is ignored */
    p = run();
    CHECK_EQ_INT(p->event_count, 0);
    CHECK_EQ_INT(p->payload_len, 4);
    CHECK_EQ_INT(p->l4_len, 12);
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, "1234", 4);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_UDP_HLEN_TOO_SMALL));

    /* SCTP: ports only */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 132, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, "\x0b\x59\x0b\x5a\x00\x00\x00\x01\x00\x00\x00\x00", 12);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK_EQ_INT(p->src_port, 2905);
    CHECK_EQ_INT(p->dst_port, 2906);
    CHECK_EQ_INT(p->proto, 132);
    CHECK_EQ_INT(p->event_count, 0);
    /* INIT with a non-zero tag, bundled with DATA (3 bytes, padded) */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 132, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, "\x0b\x59\x0b\x5a\x00\x00\x00\x01\x00\x00\x00\x00", 12);
    frame_add(&fr, "\x01\x00\x00\x08\x00\x00\x00\x00", 8);
    frame_add(&fr, "\x00\x00\x00\x07\x61\x62\x63\x00", 8);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_INIT_WITH_NON_ZERO_VTAG));
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_INIT_CHUNK_BUNDLED));
    CHECK(!packet_has_event(p, DECODE_EVENT_SCTP_DATA_WITH_ZERO_VTAG));
    ip[20 + 20 + 3] = 0x40; /* DATA chunk longer than the packet */
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_CHUNK_LEN_INVALID));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    fr.len -= 6; /* 2 bytes left after the INIT chunk */
    put16(ip + 2, (uint16_t)(fr.len - 14));
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_CHUNK_TOO_SMALL));
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 132, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    frame_add(&fr, "\x0b\x59\x0b\x5a\x00\x00\x00\x00\x00\x00\x00\x00", 12);
    for (int i = 0; i < 20; i++)
        frame_add(&fr, "\x00\x00\x00\x04", 4); /* empty DATA chunks, zero tag */
    ipv4_finish(&fr, ip);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_DATA_WITH_ZERO_VTAG));
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_TOO_MANY_DATA_CHUNKS));
    fr.len = 14 + 20 + 8;
    put16(ip + 2, 28);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_SCTP_PKT_TOO_SMALL));
}

static void test_icmp(void)
{
    /* echo request: id and seq */
    reset();
    frame_eth(&fr, 0x0800);
    uint8_t *ip = frame_ipv4(&fr, 1, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 1, 0);
    uint8_t *ic = frame_add(&fr, "\x08\x00\x00\x00\x12\x34\x00\x07", 8);
    ipv4_finish(&fr, ip);
    struct packet *p = run();
    CHECK_EQ_INT(p->icmp_type, 8);
    CHECK_EQ_INT(p->icmp_id, 0x1234);
    CHECK_EQ_INT(p->icmp_seq, 7);
    CHECK_EQ_INT(p->icmp_inner_proto, 0);
    CHECK_EQ_INT(p->src_port, 0);
    ic[0] = 42;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV4_UNKNOWN_TYPE));
    ic[0] = 3;
    ic[1] = 16;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV4_UNKNOWN_CODE));
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV4_IPV4_TRUNC_PKT));

    /* port unreachable quoting a UDP datagram */
    reset();
    frame_eth(&fr, 0x0800);
    ip = frame_ipv4(&fr, 1, IP(2, 2, 2, 2), IP(1, 1, 1, 1), 1, 0);
    frame_add(&fr, "\x03\x03\x00\x00\x00\x00\x00\x00", 8);
    uint8_t *inner = frame_ipv4(&fr, 17, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 9, 0);
    frame_udp(&fr, 40000, 53);
    put16(inner + 2, 28 + 20);
    ipv4_finish(&fr, ip);
    p = run();
    CHECK_EQ_INT(p->icmp_type, 3);
    CHECK_EQ_INT(p->icmp_code, 3);
    CHECK_EQ_INT(p->icmp_inner_proto, 17);
    CHECK_EQ_INT(p->icmp_inner_src_port, 40000);
    CHECK_EQ_INT(p->icmp_inner_dst_port, 53);
    CHECK_EQ_INT(p->icmp_inner_src.addr.u8[15], 1);
    CHECK_EQ_INT(p->icmp_inner_dst.addr.u8[15], 2);
    CHECK_EQ_INT(p->event_count, 0);
    inner[0] = 0x65;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV4_IPV4_UNKNOWN_VER));
    fr.len = 14 + 20 + 4;
    put16(ip + 2, 24);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV4_PKT_TOO_SMALL));

    /* ICMPv6 echo, destination unreachable quoting TCP, MLD hop limit */
    reset();
    frame_eth(&fr, 0x86dd);
    uint8_t *ip6 = frame_ipv6(&fr, 58, 1, 2);
    ic = frame_add(&fr, "\x80\x00\x00\x00\xab\xcd\x00\x02", 8);
    ipv6_finish(&fr, ip6, ic, 58);
    p = run();
    CHECK_EQ_INT(p->icmp_type, 128);
    CHECK_EQ_INT(p->icmp_id, 0xabcd);
    CHECK_EQ_INT(p->icmp_seq, 2);
    CHECK_EQ_INT(p->event_count, 0);
    ic[0] = 130; /* MLD query with hop limit 64 */
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_MLD_MESSAGE_WITH_INVALID_HL));
    ic[0] = 50;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_UNASSIGNED_TYPE));
    ic[0] = 200;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_EXPERIMENTATION_TYPE));
    ic[0] = 1;
    ic[1] = 9;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_UNKNOWN_CODE));
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_IPV6_TRUNC_PKT));

    reset();
    frame_eth(&fr, 0x86dd);
    ip6 = frame_ipv6(&fr, 58, 2, 1);
    ic = frame_add(&fr, "\x01\x04\x00\x00\x00\x00\x00\x00", 8);
    uint8_t *in6 = frame_ipv6(&fr, 6, 1, 2);
    frame_tcp(&fr, 33000, 443, 1, 2, NULL, 0);
    put16(in6 + 4, 20);
    ipv6_finish(&fr, ip6, ic, 58);
    p = run();
    CHECK_EQ_INT(p->icmp_inner_proto, 6);
    CHECK_EQ_INT(p->icmp_inner_src_port, 33000);
    CHECK_EQ_INT(p->icmp_inner_dst_port, 443);
    CHECK_EQ_INT(p->icmp_inner_src.family, 6);
    CHECK_EQ_INT(p->icmp_inner_src.addr.u8[15], 1);
    in6[0] = 0x40;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ICMPV6_IPV6_UNKNOWN_VERSION));
}

/* Inner IPv4/UDP packet 192.168.0.1:1111 -> 192.168.0.2:2222 appended to fr. */
static void add_inner_udp(void)
{
    uint8_t *ip = frame_ipv4(&fr, 17, IP(192, 168, 0, 1), IP(192, 168, 0, 2), 5, 0);
    frame_udp(&fr, 1111, 2222);
    frame_add(&fr, "inner", 5);
    ipv4_finish(&fr, ip);
}

static void check_inner_udp(const struct packet *p, int depth, int type)
{
    CHECK_EQ_INT(p->ip_version, 4);
    CHECK_EQ_INT(p->src.addr.u8[12], 192);
    CHECK_EQ_INT(p->dst.addr.u8[15], 2);
    CHECK_EQ_INT(p->src_port, 1111);
    CHECK_EQ_INT(p->dst_port, 2222);
    CHECK_EQ_INT(p->payload_len, 5);
    CHECK(p->flags & PACKET_FLAG_TUNNELED);
    CHECK_EQ_INT(p->tunnel_depth, depth);
    CHECK_EQ_INT(p->tunnel_type, type);
    CHECK(!(p->flags & PACKET_FLAG_INVALID));
}

static void test_tunnels(void)
{
    /* GRE v0 with checksum, key and sequence */
    reset();
    frame_eth(&fr, 0x0800);
    uint8_t *outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\xb0\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x2a\x00\x00\x00\x01", 16);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    struct packet *p = run();
    check_inner_udp(p, 1, DECODE_TUNNEL_GRE);
    CHECK_EQ_INT(p->gre_proto, 0x0800);
    CHECK(p->ethernet == fr.b);
    /* GRE anomalies */
    uint8_t *gre = outer + 20;
    gre[1] = 0x02; /* version 2 */
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_WRONG_VERSION));
    gre[1] = 0x01; /* version 1 with checksum */
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_VERSION1_CHKSUM));
    gre[0] = 0xb1; /* recursion bits in v0 */
    gre[1] = 0;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_VERSION0_RECUR));
    gre[0] = 0xb0;
    gre[1] = 0x08;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_VERSION0_FLAGS));
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x30\x00", 2);
    ipv4_finish(&fr, outer);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_PKT_TOO_SMALL));
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x30\x00\x08\x00\x00\x00", 6);
    ipv4_finish(&fr, outer);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_VERSION0_HDR_TOO_BIG));

    /* PPTP enhanced GRE: skipped, not tunnelled */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x30\x81\x88\x0b\x00\x04\x00\x01\x00\x00\x00\x01\xff\x03\x00\x21", 16);
    ipv4_finish(&fr, outer);
    p = run();
    CHECK(!(p->flags & (PACKET_FLAG_TUNNELED | PACKET_FLAG_INVALID)));
    CHECK_EQ_INT(p->proto, 47);
    outer[20 + 3] = 0x0c;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_VERSION1_WRONG_PROTOCOL));
    outer[20] = 0x10;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GRE_VERSION1_NO_KEY));

    /* GRE transparent Ethernet bridging with a VLAN inside */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x00\x00\x65\x58", 4);
    frame_eth(&fr, 0x8100);
    frame_vlan(&fr, 33, 0x0800);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    p = run();
    check_inner_udp(p, 1, DECODE_TUNNEL_GRE);
    CHECK_EQ_INT(p->vlan_count, 1);
    CHECK_EQ_INT(p->vlan_id[0], 33);

    /* ERSPAN type II (sequence flag) with VLAN 55, and type III */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x10\x00\x88\xbe\x00\x00\x00\x01", 8);
    frame_add(&fr, "\x10\x37\x00\x01\x00\x00\x00\x00", 8);
    frame_eth(&fr, 0x0800);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    p = run();
    check_inner_udp(p, 1, DECODE_TUNNEL_ERSPAN);
    CHECK_EQ_INT(p->vlan_count, 1);
    CHECK_EQ_INT(p->vlan_id[0], 55);
    outer[20 + 8] = 0x30;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_ERSPAN_UNSUPPORTED_VERSION));
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x00\x00\x22\xeb", 4);
    frame_add(&fr, "\x20\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 12);
    frame_eth(&fr, 0x0800);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    check_inner_udp(run(), 1, DECODE_TUNNEL_ERSPAN);
    /* ERSPAN type I: no header */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 47, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_add(&fr, "\x00\x00\x88\xbe", 4);
    frame_eth(&fr, 0x0800);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    check_inner_udp(run(), 1, DECODE_TUNNEL_ERSPAN);

    /* GTP-U G-PDU with a sequence number and one extension header (PDU
     * session container), then the subscriber's IPv4 packet. */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 17, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_udp(&fr, 2152, 2152);
    uint8_t *gtp = frame_add(&fr, "\x34\xff\x00\x00\x00\x00\x00\x2a\x00\x07\x00\x85"
                                  "\x01\x00\x09\x00", 16);
    add_inner_udp();
    put16(gtp + 2, (uint16_t)(fr.b + fr.len - gtp - 8));
    frame_add(&fr, "trailer", 7); /* beyond the GTP length: not the inner packet's */
    ipv4_finish(&fr, outer);
    p = run();
    check_inner_udp(p, 1, DECODE_TUNNEL_GTPU);
    CHECK_EQ_INT(p->outer_count, 1);
    CHECK_EQ_INT(p->outer[0].proto, 17);
    CHECK_EQ_INT(p->outer[0].dst_port, 2152);
    CHECK_EQ_INT(p->outer[0].src.addr.u8[15], 1);
    CHECK_EQ_INT(p->outer[0].tunnel_depth, 0);
    gtp[12] = 0; /* extension header of length 0: malformed, left as plain UDP */
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_TUNNELED));
    CHECK_EQ_INT(p->outer_count, 0);
    CHECK_EQ_INT(p->dst_port, 2152);
    gtp[12] = 1;
    gtp[1] = 1; /* echo request: signalling, not a tunnel */
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_TUNNELED));
    gtp[1] = 0xff;
    put16(gtp + 2, 0x4000); /* length beyond the datagram */
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_TUNNELED));

    /* VXLAN */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 17, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_udp(&fr, 55555, 4789);
    uint8_t *vx = frame_add(&fr, "\x08\x00\x00\x00\x00\x00\x64\x00", 8);
    frame_eth(&fr, 0x0800);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    check_inner_udp(run(), 1, DECODE_TUNNEL_VXLAN);
    vx[0] = 0x0c; /* not a VXLAN header: plain UDP */
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_TUNNELED));
    CHECK_EQ_INT(p->dst_port, 4789);
    vx[0] = 0x08;
    put16(vx + 8 + 12, 0x4242);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_VXLAN_UNKNOWN_PAYLOAD_TYPE));

    /* Geneve with one option word, carrying IPv4 directly */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 17, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_udp(&fr, 55555, 6081);
    uint8_t *gn = frame_add(&fr, "\x01\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00", 12);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    check_inner_udp(run(), 1, DECODE_TUNNEL_GENEVE);
    put16(gn + 2, 0x1234);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_GENEVE_UNKNOWN_PAYLOAD_TYPE));
    CHECK(!(p->flags & PACKET_FLAG_TUNNELED));

    /* Teredo: origin indication then IPv6/UDP; must fill the payload exactly */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 17, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    frame_udp(&fr, 3544, 40000);
    frame_add(&fr, "\x00\x00\x12\x34\x01\x02\x03\x04", 8);
    uint8_t *ip6 = frame_ipv6(&fr, 17, 1, 2);
    uint8_t *u6 = frame_udp(&fr, 7000, 8000);
    ipv6_finish(&fr, ip6, u6, 17);
    ipv4_finish(&fr, outer);
    p = run();
    CHECK(p->flags & PACKET_FLAG_TUNNELED);
    CHECK_EQ_INT(p->tunnel_type, DECODE_TUNNEL_TEREDO);
    CHECK_EQ_INT(p->ip_version, 6);
    CHECK_EQ_INT(p->dst_port, 8000);
    put16(ip6 + 4, 4); /* length mismatch: not Teredo */
    p = run();
    CHECK(!(p->flags & PACKET_FLAG_TUNNELED));
    CHECK_EQ_INT(p->dst_port, 40000);

    /* IP-in-IP: 4in4, 6in4, 4in6, 6in6 */
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 4, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    add_inner_udp();
    ipv4_finish(&fr, outer);
    check_inner_udp(run(), 1, DECODE_TUNNEL_IPIP);
    reset();
    frame_eth(&fr, 0x0800);
    outer = frame_ipv4(&fr, 41, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0);
    ip6 = frame_ipv6(&fr, 17, 1, 2);
    u6 = frame_udp(&fr, 7001, 8001);
    ipv6_finish(&fr, ip6, u6, 17);
    ipv4_finish(&fr, outer);
    p = run();
    CHECK_EQ_INT(p->ip_version, 6);
    CHECK_EQ_INT(p->dst_port, 8001);
    CHECK_EQ_INT(p->tunnel_depth, 1);
    reset();
    frame_eth(&fr, 0x86dd);
    uint8_t *o6 = frame_ipv6(&fr, 4, 1, 2);
    add_inner_udp();
    ipv6_finish(&fr, o6, NULL, 0);
    check_inner_udp(run(), 1, DECODE_TUNNEL_IPIP);
    o6[40] = 0x65;
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_IPV4_IN_IPV6_WRONG_VERSION));
    reset();
    frame_eth(&fr, 0x86dd);
    o6 = frame_ipv6(&fr, 41, 1, 2);
    ip6 = frame_ipv6(&fr, 17, 3, 4);
    u6 = frame_udp(&fr, 7002, 8002);
    ipv6_finish(&fr, ip6, u6, 17);
    ipv6_finish(&fr, o6, NULL, 0);
    p = run();
    CHECK_EQ_INT(p->dst_port, 8002);
    CHECK_EQ_INT(p->src.addr.u8[15], 3);
    reset();
    frame_eth(&fr, 0x86dd);
    o6 = frame_ipv6(&fr, 41, 1, 2);
    frame_add(&fr, NULL, 20);
    ipv6_finish(&fr, o6, NULL, 0);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_IPV6_IPV6_IN_IPV6_TOO_SMALL));

    /* nesting deeper than max_tunnel_depth (8): too_many_layers */
    reset();
    frame_eth(&fr, 0x0800);
    uint8_t *hdrs[12];
    for (int i = 0; i < 10; i++)
        hdrs[i] = frame_ipv4(&fr, 4, IP(10, 0, 0, i), IP(10, 0, 1, i), 1, 0);
    add_inner_udp();
    for (int i = 9; i >= 0; i--)
        ipv4_finish(&fr, hdrs[i]);
    p = run();
    CHECK(packet_has_event(p, DECODE_EVENT_TOO_MANY_LAYERS));
    CHECK(p->flags & PACKET_FLAG_INVALID);
    /* seven levels are fine */
    reset();
    frame_eth(&fr, 0x0800);
    for (int i = 0; i < 7; i++)
        hdrs[i] = frame_ipv4(&fr, 4, IP(10, 0, 0, i), IP(10, 0, 1, i), 1, 0);
    add_inner_udp();
    for (int i = 6; i >= 0; i--)
        ipv4_finish(&fr, hdrs[i]);
    check_inner_udp(run(), 7, DECODE_TUNNEL_IPIP);
}

static void test_events_and_stats(void)
{
    CHECK_EQ_STR(decode_event_name(DECODE_EVENT_IPV4_TRUNC_PKT), "ipv4.trunc_pkt");
    CHECK_EQ_STR(decode_event_name(DECODE_EVENT_TCP_INVALID_OPTLEN), "tcp.invalid_optlen");
    CHECK_EQ_STR(decode_event_name(DECODE_EVENT_IPV6_EXTHDR_DUPL_FH), "ipv6.exthdr_dupl_fh");
    CHECK_EQ_STR(decode_event_name(DECODE_EVENT_MAX), "unknown");
    for (int i = 0; i < DECODE_EVENT_MAX; i++)
        CHECK_EQ_INT(decode_event_from_name(decode_event_name((enum decode_event)i)), i);
    CHECK_EQ_INT(decode_event_from_name("decoder.ipv4.frag_overlap"),
                 DECODE_EVENT_IPV4_FRAG_OVERLAP);
    CHECK_EQ_INT(decode_event_from_name("ipv4.nonsense"), -1);
    CHECK_EQ_INT(decode_event_from_name(NULL), -1);

    struct decode_stats sum;
    memset(&sum, 0, sizeof(sum));
    decode_stats_add(&sum, decode_thread_stats(ctx));
    decode_stats_add(&sum, decode_thread_stats(ctx));
    const struct decode_stats *st = decode_thread_stats(ctx);
    CHECK_EQ_INT(sum.pkts, 2 * st->pkts);
    CHECK_EQ_INT(sum.max_pkt_size, st->max_pkt_size);
    CHECK(st->pkts > 100);
    CHECK(st->invalid > 0);
    CHECK(st->gre > 0 && st->vxlan > 0 && st->geneve > 0 && st->teredo > 0);
    CHECK(st->vlan_qinqinq > 0);

    size_t jlen = 0;
    char *js = stats_json_render(&sum, &jlen);
    CHECK(js != NULL);
    json_error_t err;
    json_t *root = js ? json_loadb(js, jlen, 0, &err) : NULL;
    CHECK(root != NULL);
    if (root) {
        json_t *dec = json_object_get(root, "decoder");
        CHECK_EQ_INT(json_integer_value(json_object_get(dec, "pkts")), sum.pkts);
        json_t *ev = json_object_get(dec, "event");
        CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(ev, "ipv4"), "trunc_pkt")),
                     sum.events[DECODE_EVENT_IPV4_TRUNC_PKT]);
        CHECK(json_object_get(json_object_get(ev, "ipv6"), "frag_overlap") != NULL);
        CHECK(json_object_get(ev, "too_many_layers") != NULL);
        json_t *df = json_object_get(root, "defrag");
        CHECK(json_object_get(json_object_get(df, "ipv4"), "fragments") != NULL);
        CHECK(json_object_get(df, "memcap_exception") != NULL);
        /* every event appears exactly once */
        size_t n = 0;
        const char *k;
        json_t *v;
        json_object_foreach(ev, k, v) n += json_is_object(v) ? json_object_size(v) : 1;
        CHECK_EQ_INT(n, DECODE_EVENT_MAX);
        json_decref(root);
    }
    free(js);
}

/* Every prefix of a set of valid frames must decode without reading out of
 * bounds (ASan builds check this) and without crashing. */
static void test_truncations(void)
{
    struct frame *copy = malloc(sizeof(*copy));
    uint8_t opts[] = {2, 4, 5, 0xb4, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0};
    build_tcp4(opts, sizeof(opts), "payload");
    memcpy(copy, &fr, sizeof(fr));
    for (uint32_t n = 0; n <= copy->len; n++) {
        uint8_t *b = malloc(n ? n : 1);
        memcpy(b, copy->b, n);
        struct packet p2 = {0};
        p2.data = b;
        p2.caplen = n;
        p2.wirelen = copy->len;
        p2.datalink = 1;
        decode_packet(ctx, &p2);
        CHECK(n == copy->len || (p2.flags & (PACKET_FLAG_INVALID | PACKET_FLAG_TRUNCATED)));
        free(b);
    }
    free(copy);
}

int main(void)
{
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    CHECK_EQ_INT(cfg.vxlan_port, 4789);
    CHECK_EQ_INT(cfg.defrag_timeout_sec, 60);
    ctx = decode_thread_ctx_new(&cfg);
    CHECK(ctx != NULL);
    test_tcp_ipv4();
    test_tcp_options_anomalies();
    test_tcp_tfo_duplicate_shift();
    test_checksums();
    test_ipv4_anomalies();
    test_ipv4_options();
    test_vlan_mpls_pppoe();
    test_link_types();
    test_ipv6_exthdrs();
    test_udp_anomalies();
    test_icmp();
    test_tunnels();
    test_truncations();
    test_events_and_stats();
    decode_thread_ctx_free(ctx);
    TEST_MAIN_END();
}
