/* SPDX-License-Identifier: Apache-2.0 */
/* The base64 alphabet (RFC 4648 section 4), shared by the decoders of MIME
 * bodies and of the base64_decode / from_base64 rule keywords: each has its
 * own rules for padding, whitespace and errors, only the alphabet is one. */
#ifndef VIGIL_UTIL_BASE64_H
#define VIGIL_UTIL_BASE64_H

#include <stdint.h>

/* The 6-bit value of c, or -1 if c is not in the alphabet ('=' included). */
static inline int base64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

#endif
