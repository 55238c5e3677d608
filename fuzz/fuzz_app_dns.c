/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the dns parser through the real app-layer framework.
 * Input: byte 0 selects the transport (bit 0: UDP, only meaningful for DNS;
 * bit 1: port 5353, multicast DNS)
 * and the rest is a sequence of chunks [header, bytes]: header bit 7 is the
 * direction (1 = to client), bits 0-6 the chunk length (0 means 128). A
 * truncated last chunk is fed as it is. Flow ends with EOF and flow end.
 * The server port is 53, so the port hint favours dns. */
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

static int fuzz_tx(struct app_tx *tx, void *user)
{
    struct json_writer *w = user;
    for (int b = 0; b < APP_BUFFER_MAX; b++) {
        const uint8_t *d;
        uint32_t l;
        for (uint32_t i = 0; i < 4 && app_tx_get_buffer(tx, (enum app_buffer)b, i, &d, &l) == 0;
             i++)
            if (l)
                (void)(volatile uint8_t)d[l - 1];
        for (uint8_t dir = 0; dir < 2; dir++)
            for (uint32_t i = 0;
                 i < 4 && app_tx_get_buffer_dir(tx, (enum app_buffer)b, dir, i, &d, &l) == 0; i++)
                if (l)
                    (void)(volatile uint8_t)d[l - 1];
    }
    json_writer_reset(w);
    json_object_begin(w);
    app_tx_write_json(tx, w);
    json_object_end(w);
    (void)app_tx_complete(tx, 0);
    (void)app_tx_direction(tx);
    (void)app_tx_has_event(tx, "dns.malformed_data");
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
    bool udp = (data[0] & 1) != 0;
    struct app_event_sink sink = {.user = &w, .emit = fuzz_emit};
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
    f.key.dst_port = (data[0] & 2) ? 5353 : 53; /* bit 1: multicast DNS */
    f.key.proto = udp ? 17 : 6;
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
        if (udp)
            app_layer_handle_udp(ctx, &st, &f, &p, dir, data + pos, (uint32_t)n);
        else
            app_layer_handle_tcp_data(ctx, &st, &f, &p, dir, data + pos, (uint32_t)n, 0);
        app_flow_state_tx_foreach(st, fuzz_tx, &w);
        pos += n;
    }
    if (!udp) {
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, NULL, 0, APP_DATA_EOF);
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, NULL, 0, APP_DATA_EOF);
    }
    app_layer_flow_end(ctx, st, &f);
    app_flow_state_free(st);
    if (app_layer_thread_stats(ctx)->memuse != 0)
        __builtin_trap(); /* memory accounting must balance */
    app_layer_thread_ctx_free(ctx);
    return 0;
}
