/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the dnp3 parser through the real app-layer framework
 * (input format and checks in fuzz_app_common.h), server port 20000, TCP or
 * UDP. Mutated frames would almost never carry valid CRCs and would stop at
 * the link layer, so before running, the harness rewrites the CRCs of the
 * frames it finds at the start of each direction's stream (each datagram
 * for UDP) on a copy of the input: the fuzzer then reaches the transport and
 * application layers. Inputs whose byte 0 has bit 2 set are run unchanged,
 * so bad CRCs stay covered. */
#include <stdlib.h>

#include "fuzz_app_common.h"

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
    }
    return (uint16_t)~c;
}

/* Positions in the input of the bytes of one direction's stream. */
struct stream_map {
    size_t *at;
    size_t n;
};

static uint8_t byte_at(const uint8_t *buf, const struct stream_map *m, size_t i)
{
    return buf[m->at[i]];
}

static void set_crc(uint8_t *buf, const struct stream_map *m, size_t from, size_t n)
{
    uint8_t tmp[18];
    for (size_t i = 0; i < n; i++)
        tmp[i] = byte_at(buf, m, from + i);
    uint16_t c = crc16(tmp, n);
    buf[m->at[from + n]] = (uint8_t)c;
    buf[m->at[from + n + 1]] = (uint8_t)(c >> 8);
}

/* Fixes the CRCs of consecutive frames from stream offset 0. */
static void fix_stream(uint8_t *buf, const struct stream_map *m)
{
    size_t o = 0;
    while (o + 10 <= m->n && byte_at(buf, m, o) == 0x05 && byte_at(buf, m, o + 1) == 0x64) {
        uint8_t len = byte_at(buf, m, o + 2);
        if (len < 5)
            return;
        set_crc(buf, m, o, 8);
        size_t ud = (size_t)len - 5, p = o + 10;
        while (ud > 0) {
            size_t k = ud < 16 ? ud : 16;
            if (p + k + 2 > m->n)
                return;
            set_crc(buf, m, p, k);
            p += k + 2;
            ud -= k;
        }
        o = p;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 20000, .alt_port = 0, .allow_udp = true};
    if (size < 1 || (data[0] & 4))
        return fuzz_app_run(&target, data, size);
    uint8_t *copy = malloc(size);
    size_t *at = malloc(size * sizeof(size_t));
    if (!copy || !at) {
        free(copy);
        free(at);
        return 0;
    }
    memcpy(copy, data, size);
    bool udp = (data[0] & 1) != 0;
    struct stream_map dirs[2] = {{at, 0}, {NULL, 0}};
    /* Two passes over the chunks: direction 0's positions first in at[],
     * then direction 1's after them (for UDP, each chunk on its own). */
    size_t n0 = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 1;
        struct stream_map *m = &dirs[pass];
        if (pass == 1) {
            m->at = at + n0;
            m->n = 0;
        }
        while (pos < size) {
            uint8_t h = copy[pos++];
            size_t n = h & 0x7f ? h & 0x7f : 128;
            if (n > size - pos)
                n = size - pos;
            if ((h >> 7) == pass) {
                if (udp) {
                    struct stream_map one = {m->at + m->n, 0};
                    for (size_t i = 0; i < n; i++)
                        one.at[one.n++] = pos + i;
                    fix_stream(copy, &one);
                } else {
                    for (size_t i = 0; i < n; i++)
                        m->at[m->n++] = pos + i;
                }
            }
            pos += n;
        }
        if (!udp)
            fix_stream(copy, m);
        if (pass == 0)
            n0 = m->n;
    }
    int rc = fuzz_app_run(&target, copy, size);
    free(copy);
    free(at);
    return rc;
}
