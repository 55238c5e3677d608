/* SPDX-License-Identifier: Apache-2.0 */
/* A flow table + stream engine pair that records what the stream delivers,
 * for stream unit tests. */
#ifndef VIGIL_TEST_STREAM_HARNESS_H
#define VIGIL_TEST_STREAM_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "flow/flow_table.h"
#include "flow/packet_build.h"
#include "stream/stream.h"

#define HARNESS_BUF 8192
#define HARNESS_GAP_BYTE '#'

struct harness_dir {
    uint8_t buf[HARNESS_BUF]; /* delivered bytes, gaps written as '#' */
    uint32_t len;
    uint32_t gaps, gap_bytes;
    uint32_t eofs;
    uint32_t chunks;
};

struct harness {
    struct flow_table *flows;
    struct stream_thread_ctx *stream;
    struct harness_dir dir[2];
    uint32_t events[STREAM_EVENT_MAX];
    uint32_t flows_ended;
};

static void harness_data(void *user, struct flow *f, const struct packet *p, uint8_t direction,
                         const uint8_t *data, uint32_t len, uint32_t flags)
{
    (void)f;
    (void)p;
    struct harness *h = user;
    struct harness_dir *d = &h->dir[direction & 1];
    if (flags & STREAM_DATA_EOF) {
        d->eofs++;
        return;
    }
    d->chunks++;
    if (flags & STREAM_DATA_GAP) {
        d->gaps++;
        d->gap_bytes += len;
    }
    for (uint32_t i = 0; i < len && d->len < HARNESS_BUF; i++)
        d->buf[d->len++] = data ? data[i] : HARNESS_GAP_BYTE;
}

static void harness_event(void *user, struct flow *f, const struct packet *p, int ev)
{
    (void)f;
    (void)p;
    struct harness *h = user;
    h->events[ev]++;
}

static void harness_flow_end(void *user, struct flow *f)
{
    struct harness *h = user;
    h->flows_ended++;
    stream_flow_end(h->stream, f);
}

static struct harness *harness_new(const struct stream_config *scfg)
{
    struct harness *h = calloc(1, sizeof *h);
    struct stream_callbacks cb = {.user = h, .data = harness_data, .event = harness_event};
    h->stream = stream_thread_ctx_new(scfg, &cb);
    struct flow_config fcfg;
    flow_config_defaults(&fcfg);
    fcfg.hash_size = 1024;
    fcfg.prealloc = 0;
    struct flow_hooks hooks = {.user = h, .flow_end = harness_flow_end};
    stream_flow_hooks_set(&hooks, h->stream);
    h->flows = flow_table_new(&fcfg, &hooks, NULL, 0);
    return h;
}

static void harness_free(struct harness *h)
{
    flow_table_shutdown(h->flows);
    flow_table_free(h->flows);
    stream_thread_ctx_free(h->stream);
    free(h);
}

static struct flow *harness_packet(struct harness *h, struct packet *p)
{
    struct flow *f = flow_table_get(h->flows, p);
    if (f)
        stream_handle_packet(h->stream, f, p);
    return f;
}

/* Client 10.0.0.1:1000 -> server 10.0.0.2:80; client ISN 1000, server 5000. */
#define H_CLI "10.0.0.1"
#define H_SRV "10.0.0.2"
#define H_CISN 1000u
#define H_SISN 5000u

static uint64_t harness_ts = 1000000;

static struct flow *harness_send(struct harness *h, int from_client, uint8_t flags, uint32_t seq,
                                 uint32_t ack, const void *data, uint32_t len)
{
    struct packet p;
    harness_ts += 1000;
    if (from_client)
        packet_build_tcp(&p, H_CLI, 1000, H_SRV, 80, flags, seq, ack, data, len, harness_ts);
    else
        packet_build_tcp(&p, H_SRV, 80, H_CLI, 1000, flags, seq, ack, data, len, harness_ts);
    return harness_packet(h, &p);
}

static struct flow *harness_handshake(struct harness *h)
{
    harness_send(h, 1, TCP_FLAG_SYN, H_CISN, 0, NULL, 0);
    harness_send(h, 0, TCP_FLAG_SYN | TCP_FLAG_ACK, H_SISN, H_CISN + 1, NULL, 0);
    return harness_send(h, 1, TCP_FLAG_ACK, H_CISN + 1, H_SISN + 1, NULL, 0);
}

#endif
