/* SPDX-License-Identifier: Apache-2.0 */
/* The packets a reject rule answers with (TCP reset, ICMP unreachable):
 * see ips_reject.c. */
#ifndef VIGIL_SENSOR_IPS_REJECT_H
#define VIGIL_SENSOR_IPS_REJECT_H

#include <stdbool.h>
#include <stdint.h>

struct packet;

/* Room an answer needs: link header, IPv6, ICMPv6 with its quote. */
#define IPS_REJECT_MAX 512u

/* Builds into buf (cap >= IPS_REJECT_MAX) the answer to p in p's link
 * type: back = addressed to p's source (from its destination), else to
 * p's destination (from its source). dropped: p itself was blocked (the
 * destination never got it). Returns the frame's length, 0 when p gets no
 * answer (a reset, an ICMP error, a tunnelled packet, an unknown link). */
uint32_t ips_reject_build(const struct packet *p, bool back, bool dropped, uint8_t *buf,
                          uint32_t cap);

#endif
