/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the behavioural detectors' unit tests. */
#ifndef VIGIL_TEST_BEHAVIOUR_TEST_H
#define VIGIL_TEST_BEHAVIOUR_TEST_H

#include <string.h>

#include "decode/packet.h"

/* a.b.c.d as the decoder stores it: IPv4 in the last four bytes (the
 * IPv4-mapped position), family 4. */
static inline struct ip_address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct ip_address x;
    memset(&x, 0, sizeof x);
    x.family = 4;
    x.addr.u8[12] = a;
    x.addr.u8[13] = b;
    x.addr.u8[14] = c;
    x.addr.u8[15] = d;
    return x;
}

#endif
