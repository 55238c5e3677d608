/* SPDX-License-Identifier: Apache-2.0 */
/* Builds decoded struct packet values directly (no decoder needed) for flow
 * and stream unit tests. */
#ifndef VIGIL_TEST_PACKET_BUILD_H
#define VIGIL_TEST_PACKET_BUILD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "decode/packet.h"

static const uint8_t packet_build_l4_dummy[20];

static inline void packet_build_addr(struct ip_address *a, const char *text)
{
    memset(a, 0, sizeof *a);
    if (strchr(text, ':')) {
        a->family = 6;
        inet_pton(AF_INET6, text, a->addr.u8);
    } else {
        a->family = 4;
        inet_pton(AF_INET, text, a->addr.u8 + 12);
    }
}

static inline void packet_build_ip(struct packet *p, const char *src, const char *dst,
                                   uint8_t proto, uint64_t ts_usec)
{
    memset(p, 0, sizeof *p);
    packet_build_addr(&p->src, src);
    packet_build_addr(&p->dst, dst);
    p->ip_version = p->src.family;
    p->proto = proto;
    p->ts_usec = ts_usec;
    p->l4 = packet_build_l4_dummy;
    p->caplen = p->wirelen = (p->ip_version == 4 ? 34 : 54);
}

static inline void packet_build_tcp(struct packet *p, const char *src, uint16_t sport,
                                    const char *dst, uint16_t dport, uint8_t flags, uint32_t seq,
                                    uint32_t ack, const void *payload, uint32_t len,
                                    uint64_t ts_usec)
{
    packet_build_ip(p, src, dst, IPPROTO_TCP, ts_usec);
    p->src_port = sport;
    p->dst_port = dport;
    p->tcp_flags = flags;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_window = 65535;
    p->payload = payload;
    p->payload_len = len;
    p->caplen += 20 + len;
    p->wirelen = p->caplen;
}

static inline void packet_build_udp(struct packet *p, const char *src, uint16_t sport,
                                    const char *dst, uint16_t dport, uint32_t len,
                                    uint64_t ts_usec)
{
    packet_build_ip(p, src, dst, IPPROTO_UDP, ts_usec);
    p->src_port = sport;
    p->dst_port = dport;
    p->caplen += 8 + len;
    p->wirelen = p->caplen;
}

#endif
