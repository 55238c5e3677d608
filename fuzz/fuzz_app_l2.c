/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the layer-2 parsers (GOOSE, Sampled Values, PROFINET)
 * through app_layer_handle_l2 with their per-worker publisher tables.
 *
 * Input: chunks [header, bytes]: header bits 0-1 pick the Ethertype (0x88b8,
 * 0x88ba, 0x8892, or 0x88b8 again), bits 2-7 advance packet time by that
 * many 100 ms (and run the layer-2 timers); then a 2-byte big-endian length
 * and the frame's payload after the Ethertype (a truncated last chunk is
 * used as it is). Every frame's transaction is read (buffers, integer
 * keywords, EVE JSON, events). The memory in use must stay within the
 * configured layer-2 memcap plus the states, and balance at the end. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/app.h"
#include "app/app_parser.h"
#include "decode/packet.h"
#include "util/json.h"

static void emit(void *user, const char *event_type, const struct flow *flow,
                 const struct packet *packet, uint8_t direction,
                 void (*write_body)(const void *object, struct json_writer *w), const void *object)
{
    struct json_writer *w = user;
    json_writer_reset(w);
    json_object_begin(w);
    write_body(object, w);
    json_object_end(w);
}

static void anomaly(void *user, const struct flow *flow, const struct packet *packet,
                    uint16_t app_proto, const char *event_name)
{
    (void)(volatile size_t)strlen(event_name);
}

static void read_tx(const struct app_tx *tx, struct json_writer *w)
{
    for (int b = 0; b < APP_BUFFER_MAX; b++) {
        const uint8_t *d;
        uint32_t l;
        for (uint32_t i = 0; i < 8 && app_tx_get_buffer(tx, (enum app_buffer)b, i, &d, &l) == 0;
             i++)
            if (l)
                (void)(volatile uint8_t)d[l - 1];
    }
    const struct app_parser *ps = tx->parser;
    for (uint16_t f = 0; ps && f < ps->n_uint_fields; f++) {
        uint64_t v;
        for (uint32_t i = 0; i < 64 && app_tx_get_field_uint(tx, ps->proto, f, i, &v, NULL) == 0; i++)
            (void)(volatile uint64_t)v;
    }
    json_writer_reset(w);
    json_object_begin(w);
    app_tx_write_json(tx, w);
    json_object_end(w);
    (void)app_tx_has_event(tx, "goose.stnum_rollback");
    (void)app_tx_has_event(tx, "profinet.dcp_set_ip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct json_writer w;
    static int init;
    if (!init) {
        json_writer_init(&w, 4096);
        init = 1;
    }
    static const uint16_t types[4] = {0x88b8, 0x88ba, 0x8892, 0x88b8};
    struct app_event_sink sink = {.user = &w, .emit = emit, .anomaly = anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.l2_memcap = 64 * 1024; /* small: eviction is exercised */
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    if (!ctx)
        return 0;
    static uint8_t frame[14 + 65536];
    memcpy(frame, "\x01\x0c\xcd\x01\x00\x01\x00\x30\xa7\x00\x00\x01", 12);
    struct packet p;
    memset(&p, 0, sizeof p);
    p.ts_usec = 1700000000000000ull;
    size_t pos = 0;
    while (pos < size) {
        uint8_t h = data[pos++];
        uint16_t type = types[h & 3];
        if (h >> 2) {
            p.ts_usec += (uint64_t)(h >> 2) * 100000u;
            app_layer_timeout(ctx, p.ts_usec);
        }
        size_t n = 0;
        if (pos + 2 <= size) {
            n = (size_t)data[pos] << 8 | data[pos + 1];
            pos += 2;
        }
        if (n > size - pos)
            n = size - pos;
        frame[11] = (uint8_t)(pos & 7); /* a few source MACs */
        frame[12] = (uint8_t)(type >> 8);
        frame[13] = (uint8_t)type;
        memcpy(frame + 14, data + pos, n);
        pos += n;
        p.ethernet = frame;
        p.l2_type = type;
        p.l2_payload = frame + 14;
        p.l2_payload_len = (uint32_t)n;
        p.pcap_cnt++;
        const struct app_tx *tx = app_layer_handle_l2(ctx, &p);
        if (tx)
            read_tx(tx, &w);
        if (app_layer_thread_stats(ctx)->memuse > cfg.l2_memcap + 1024 * 1024)
            __builtin_trap(); /* the tables must stay within their memcap */
    }
    app_layer_thread_ctx_free(ctx);
    return 0;
}
