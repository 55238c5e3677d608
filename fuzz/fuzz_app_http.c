/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the http parser through the real app-layer framework.
 * Input (same format as fuzz/seeds-app.py writes): byte 0 holds flags (bit 1:
 * a chunk whose first byte is 0xff is delivered as a gap of its length), then
 * chunks [header, bytes]: header bit 7 is the direction (1 = to client), bits
 * 0-6 the chunk length (0 means 128). The server port is 80, so the port
 * hint favours http. Every transaction's buffers (both directions) and JSON
 * are read after every 4th chunk and the last; memory accounting must balance
 * at the end. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/app.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/json.h"

static void fuzz_emit(void *user, const char *event_type, const struct flow *flow,
                      const struct packet *packet, uint8_t direction,
                      void (*write_body)(const void *object, struct json_writer *w),
                      const void *object)
{
    struct json_writer *w = user;
    json_writer_reset(w);
    json_object_begin(w);
    write_body(object, w);
    json_object_end(w);
}

static void fuzz_anomaly(void *user, const struct flow *flow, const struct packet *packet,
                         uint16_t app_proto, const char *event_name)
{
    (void)(volatile size_t)strlen(event_name);
}

static int fuzz_tx(struct app_tx *tx, void *user)
{
    struct json_writer *w = user;
    for (int b = 0; b < APP_BUFFER_MAX; b++) {
        for (uint32_t dir = 0; dir < 2; dir++) {
            const uint8_t *d;
            uint32_t l;
            uint32_t flag = dir ? APP_BUFFER_INDEX_TOCLIENT : 0;
            for (uint32_t i = 0;
                 i < 4 && app_tx_get_buffer(tx, (enum app_buffer)b, i | flag, &d, &l) == 0; i++)
                if (l)
                    (void)(volatile uint8_t)d[l - 1];
        }
    }
    json_writer_reset(w);
    json_object_begin(w);
    app_tx_write_json(tx, w);
    json_object_end(w);
    (void)app_tx_complete(tx, 0);
    (void)app_tx_complete(tx, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static struct json_writer w;
    static int init;
    if (!init) {
        json_writer_init(&w, 4096);
        init = 1;
    }
    bool gaps = (data[0] & 2) != 0;
    struct app_event_sink sink = {.user = &w, .emit = fuzz_emit, .anomaly = fuzz_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.memcap = 8u * 1024 * 1024;
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    if (!ctx)
        return 0;
    struct flow f;
    struct packet p;
    memset(&f, 0, sizeof(f));
    memset(&p, 0, sizeof(p));
    f.key.src.family = f.key.dst.family = 4;
    f.key.src_port = 40000;
    f.key.dst_port = 80;
    f.key.proto = 6;
    p.flow = &f;
    struct app_flow_state *st = NULL;
    size_t pos = 1;
    while (pos < size) {
        uint8_t h = data[pos++];
        uint8_t dir = h >> 7;
        size_t n = h & 0x7f ? h & 0x7f : 128;
        if (n > size - pos)
            n = size - pos;
        p.pcap_cnt++;
        if (gaps && n && data[pos] == 0xff)
            app_layer_handle_tcp_data(ctx, &st, &f, &p, dir, NULL, (uint32_t)n, APP_DATA_GAP);
        else
            app_layer_handle_tcp_data(ctx, &st, &f, &p, dir, data + pos, (uint32_t)n, 0);
        pos += n;
        /* every buffer of every tx after each chunk is slow; every 4th
         * chunk and the last still catch stale pointers */
        if ((p.pcap_cnt & 3) == 0 || pos >= size)
            app_flow_state_tx_foreach(st, fuzz_tx, &w);
    }
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, NULL, 0, APP_DATA_EOF);
    app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, NULL, 0, APP_DATA_EOF);
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    if (app_layer_thread_stats(ctx)->memuse != 0)
        __builtin_trap(); /* memory accounting must balance */
    app_layer_thread_ctx_free(ctx);
    return 0;
}
