/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for decode_packet(). The first input byte selects the
 * datalink; the rest is the frame. One decoder context lives across inputs,
 * as in a worker, so fragment reassembly state (and its memcap) is
 * exercised across inputs too; the packet time advances so that trackers
 * also time out. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_datalinks[] = {1, 113, 276, 12, 101, 228, 229, 0, 108, 14};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct decode_thread_ctx *ctx;
    static uint64_t now = 1000000;
    if (ctx == NULL) {
        struct decode_config cfg;
        decode_config_defaults(&cfg);
        cfg.checksum_validate = true;
        cfg.defrag_memcap = 4u << 20;
        cfg.defrag_max_trackers = 1024;
        cfg.defrag_timeout_sec = 2;
        ctx = decode_thread_ctx_new(&cfg);
        if (ctx == NULL)
            abort();
    }
    if (size < 1)
        return 0;
    size_t ndl = sizeof(fuzz_datalinks) / sizeof(fuzz_datalinks[0]);
    /* A copy of exactly the frame's size, so ASan catches any over-read. */
    size_t len = size - 1;
    uint8_t *frame = malloc(len ? len : 1);
    if (frame == NULL)
        return 0;
    memcpy(frame, data + 1, len);
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.data = frame;
    p.caplen = (uint32_t)len;
    p.wirelen = (uint32_t)len;
    p.datalink = fuzz_datalinks[data[0] % ndl];
    p.ts_usec = now;
    now += 100000;
    decode_packet(ctx, &p);
    /* Touch what the decoder points at: it must lie inside the frame or the
     * reassembly buffer. */
    volatile uint8_t sink = 0;
    if (p.l3 && p.l3_len)
        sink ^= p.l3[p.l3_len - 1];
    if (p.l4 && p.l4_len)
        sink ^= p.l4[p.l4_len - 1];
    if (p.payload && p.payload_len)
        sink ^= p.payload[p.payload_len - 1];
    (void)sink;
    free(frame);
    return 0;
}
