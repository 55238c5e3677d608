/* SPDX-License-Identifier: Apache-2.0 */
/* The body shared by the app-layer libFuzzer harnesses (fuzz_app_<proto>.c):
 * one protocol parser through the real framework, with the port that makes
 * the port hint favour it.
 *
 * Input: byte 0 holds flags, then chunks [header, bytes]: header bit 7 is the
 * direction (1 = to client), bits 0-6 the chunk length (0 means 128); a
 * truncated last chunk is fed as it is. Flags (each only when the target
 * allows it): bit 0, UDP datagrams instead of a TCP stream; bit 1, either a
 * chunk whose first byte is 0xff is delivered as a gap of its length, or the
 * alternative port (multicast DNS). Every transaction's buffers (both
 * directions, both buffer calls), EVE JSON, completion and events are read
 * after every 4th chunk and the last; at the end the flow is closed and the
 * app-layer memory accounting must be back to zero. */
#ifndef VIGIL_FUZZ_APP_COMMON_H
#define VIGIL_FUZZ_APP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/app.h"
#include "app/app_parser.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/json.h"

struct fuzz_app_target {
    uint16_t port;      /* server port (the port hint) */
    uint16_t alt_port;  /* used when flag bit 1 is set; 0: bit 1 means gap chunks */
    bool allow_udp;     /* flag bit 0 selects UDP */
    bool sctp;          /* chunks are SCTP packets (after the common header) */
    /* Optional: adjusts the configuration (e.g. smaller per-flow transaction
     * limits, so that walking every transaction stays fast). */
    void (*configure)(struct app_layer_config *cfg);
    /* Optional, UDP only: turns chunk `index` of direction dir into the
     * datagram fed (e.g. QUIC: the chunk as the plaintext of a protected
     * Initial packet, so the fuzzer reaches what is behind the encryption).
     * Returns its length (at most cap), or 0 to feed the chunk as it is. */
    uint32_t (*datagram)(uint8_t dir, uint32_t index, const uint8_t *in, uint32_t n, uint8_t *out,
                         uint32_t cap);
    /* Optional, TCP only: sees each chunk before the parser does, at its
     * stream offset (as the outputs see a packet before its delivery). */
    void (*before_chunk)(const struct flow *f, uint8_t dir, const uint8_t *d, uint32_t n,
                         uint64_t offset);
};

static void fuzz_app_emit(void *user, const char *event_type, const struct flow *flow,
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

static void fuzz_app_anomaly(void *user, const struct flow *flow, const struct packet *packet,
                             uint16_t app_proto, const char *event_name)
{
    (void)(volatile size_t)strlen(event_name);
}

static int fuzz_app_tx(struct app_tx *tx, void *user)
{
    struct json_writer *w = user;
    for (int b = 0; b < APP_BUFFER_MAX; b++) {
        for (uint8_t dir = 0; dir < 2; dir++) {
            const uint8_t *d;
            uint32_t l;
            uint32_t flag = dir ? APP_BUFFER_INDEX_TOCLIENT : 0;
            for (uint32_t i = 0;
                 i < 4 && app_tx_get_buffer(tx, (enum app_buffer)b, i | flag, &d, &l) == 0; i++)
                if (l)
                    (void)(volatile uint8_t)d[l - 1];
            for (uint32_t i = 0;
                 i < 4 && app_tx_get_buffer_dir(tx, (enum app_buffer)b, dir, i, &d, &l) == 0; i++)
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
    (void)app_tx_direction(tx);
    /* Integer fields, every instance, with the names of their values. */
    const struct app_parser *ps = tx->parser;
    for (uint16_t f = 0; ps && f < ps->n_uint_fields; f++) {
        uint64_t v;
        const char *name;
        for (uint32_t i = 0;
             i < 300 && app_tx_get_field_uint(tx, ps->proto, f, i, &v, &name) == 0; i++)
            if (name)
                (void)(volatile size_t)strlen(name);
    }
    (void)app_tx_has_event(tx, "dns.malformed_data");
    return 0;
}

/* Frames (app_frame_add, filled from the stream): every byte read, as the
 * frame keyword and the EVE frame log would. */
static void fuzz_app_frame(const struct app_frame_info *fi, void *user)
{
    (void)user;
    uint8_t x = 0;
    for (uint32_t i = 0; i < fi->data_len; i++)
        x ^= fi->data[i];
    (void)(volatile uint8_t)x;
    if (fi->type_name)
        (void)(volatile size_t)strlen(fi->type_name);
    if (fi->len >= 0 && fi->data_len > (uint64_t)fi->len)
        __builtin_trap(); /* more bytes than the frame holds */
}

static int fuzz_app_run(const struct fuzz_app_target *t, const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static struct json_writer w;
    static int init;
    if (!init) {
        json_writer_init(&w, 4096);
        init = 1;
    }
    bool udp = t->allow_udp && (data[0] & 1);
    bool bit1 = (data[0] & 2) != 0;
    bool gaps = bit1 && !t->alt_port && !udp;
    struct app_event_sink sink = {.user = &w, .emit = fuzz_app_emit, .anomaly = fuzz_app_anomaly};
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.memcap = 8u * 1024 * 1024;
    if (t->configure)
        t->configure(&cfg);
    app_layer_set_frames_active(true);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(&cfg, &sink);
    if (!ctx)
        return 0;
    struct flow f;
    struct packet p;
    memset(&f, 0, sizeof(f));
    memset(&p, 0, sizeof(p));
    f.key.src.family = f.key.dst.family = 4;
    f.key.src_port = 40000;
    f.key.dst_port = bit1 && t->alt_port ? t->alt_port : t->port;
    f.key.proto = t->sctp ? 132 : udp ? 17 : 6;
    p.flow = &f;
    struct app_flow_state *st = NULL;
    uint64_t fed[2] = {0, 0};
    size_t pos = 1;
    while (pos < size) {
        uint8_t h = data[pos++];
        uint8_t dir = h >> 7;
        size_t n = h & 0x7f ? h & 0x7f : 128;
        if (n > size - pos)
            n = size - pos;
        p.pcap_cnt++;
        static uint8_t dg[2048];
        uint32_t dn = udp && t->datagram ? t->datagram(dir, (uint32_t)p.pcap_cnt, data + pos,
                                                       (uint32_t)n, dg, sizeof(dg))
                                         : 0;
        if (t->sctp)
            app_layer_handle_sctp(ctx, &st, &f, &p, dir, data + pos, (uint32_t)n);
        else if (udp && dn)
            app_layer_handle_udp(ctx, &st, &f, &p, dir, dg, dn);
        else if (udp)
            app_layer_handle_udp(ctx, &st, &f, &p, dir, data + pos, (uint32_t)n);
        else if (gaps && n && data[pos] == 0xff)
            app_layer_handle_tcp_data(ctx, &st, &f, &p, dir, NULL, (uint32_t)n, APP_DATA_GAP);
        else {
            if (t->before_chunk && n) {
                f.app = st;
                f.app_proto = st ? app_flow_state_proto(st) : 0;
                t->before_chunk(&f, dir, data + pos, (uint32_t)n, fed[dir]);
            }
            app_layer_handle_tcp_data(ctx, &st, &f, &p, dir, data + pos, (uint32_t)n, 0);
        }
        if (!udp && !t->sctp)
            fed[dir] += n;
        pos += n;
        /* Every buffer of every tx after each chunk is slow; every 4th chunk
         * and the last still catch stale pointers. */
        if ((p.pcap_cnt & 3) == 0 || pos >= size)
            app_flow_state_tx_foreach(st, fuzz_app_tx, &w);
        app_flow_frames_foreach(st, dir, false, fuzz_app_frame, NULL);
        app_flow_frames_clear(st, dir, false);
    }
    if (!udp && !t->sctp) {
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 0, NULL, 0, APP_DATA_EOF);
        app_layer_handle_tcp_data(ctx, &st, &f, &p, 1, NULL, 0, APP_DATA_EOF);
    }
    app_layer_flow_end(ctx, st, &f);
    app_flow_frames_inspect(st, 0, fuzz_app_frame, NULL);
    app_flow_frames_inspect(st, 1, fuzz_app_frame, NULL);
    app_flow_state_free(st);
    if (app_layer_thread_stats(ctx)->memuse != 0)
        __builtin_trap(); /* memory accounting must balance */
    app_layer_thread_ctx_free(ctx);
    return 0;
}

#endif
