/* SPDX-License-Identifier: Apache-2.0 */
/* Text helpers for Windows protocols (SMB, NTLMSSP): UTF-16LE names to
 * UTF-8. Private to src/app. */
#ifndef VIGIL_APP_TEXT_H
#define VIGIL_APP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Converts n bytes of UTF-16LE to UTF-8 into out (cap bytes, NUL-terminated,
 * truncated on a character boundary). NUL characters are dropped, as Suricata
 * drops them from SMB names; unpaired surrogates become U+FFFD. Returns the
 * length written (without the NUL). */
static inline size_t app_utf16le_to_utf8(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i + 1 < n;) {
        uint32_t c = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
        i += 2;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
            uint32_t lo = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            } else {
                c = 0xfffd;
            }
        } else if (c >= 0xd800 && c <= 0xdfff) {
            c = 0xfffd;
        }
        if (c == 0)
            continue;
        uint8_t b[4];
        size_t k;
        if (c < 0x80) {
            b[0] = (uint8_t)c;
            k = 1;
        } else if (c < 0x800) {
            b[0] = (uint8_t)(0xc0 | c >> 6);
            b[1] = (uint8_t)(0x80 | (c & 0x3f));
            k = 2;
        } else if (c < 0x10000) {
            b[0] = (uint8_t)(0xe0 | c >> 12);
            b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
            b[2] = (uint8_t)(0x80 | (c & 0x3f));
            k = 3;
        } else {
            b[0] = (uint8_t)(0xf0 | c >> 18);
            b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
            b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
            b[3] = (uint8_t)(0x80 | (c & 0x3f));
            k = 4;
        }
        if (o + k + 1 > cap)
            break;
        for (size_t j = 0; j < k; j++)
            out[o++] = (char)b[j];
    }
    out[o] = 0;
    return o;
}

/* Copies an 8-bit string (NULs dropped) into out, NUL-terminated. */
static inline size_t app_bytes_to_text(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if (in[i])
            out[o++] = (char)in[i];
    out[o] = 0;
    return o;
}

#endif
