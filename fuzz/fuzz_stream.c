/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the stream engine: the input is a configuration byte
 * then a sequence of TCP segments (direction, flags, sequence and ack
 * offsets, length) of one flow. Payload bytes are a fixed function of their
 * stream offset unless the segment is marked "corrupt", so with a handshake
 * and no corrupt segments every delivered byte can be checked. Also checked:
 * delivery is contiguous (data + gaps never skip or repeat), EOF comes once
 * and last, the depth holds, memory stays under the memcaps and returns to
 * the pools when the flow ends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_table.h"
#include "stream/stream.h"

#define CLIENT_ISN 0xfffff000u /* close to the wrap, to exercise it */
#define SERVER_ISN 0x10000000u

struct fuzz_state {
    struct stream_thread_ctx *stream;
    uint64_t pos[2];  /* stream offset of the next delivered byte */
    bool eof[2];
    bool corrupt[2];  /* some segment of the direction carried other bytes */
    bool checkable;   /* offsets start at ISN+1 (handshake seen) */
    uint32_t depth;
};

static uint8_t pattern(int dir, uint64_t off)
{
    return (uint8_t)((off * 131u + (uint64_t)dir * 17u + (off >> 8)) & 0xff);
}

static void on_data(void *user, struct flow *f, const struct packet *p, uint8_t dir,
                    const uint8_t *data, uint32_t len, uint32_t flags)
{
    (void)f;
    (void)p;
    struct fuzz_state *s = user;
    if (dir > 1)
        __builtin_trap();
    if (s->eof[dir])
        __builtin_trap(); /* nothing after EOF */
    if (flags & STREAM_DATA_EOF) {
        s->eof[dir] = true;
        return;
    }
    if (len == 0)
        __builtin_trap();
    if (!(flags & STREAM_DATA_GAP)) {
        if (!data)
            __builtin_trap();
        if (s->checkable && !s->corrupt[dir])
            for (uint32_t i = 0; i < len; i++)
                if (data[i] != pattern(dir, s->pos[dir] + i))
                    __builtin_trap();
    }
    s->pos[dir] += len;
    if (s->depth && s->pos[dir] > s->depth)
        __builtin_trap();
}

static void on_end(void *user, struct flow *f)
{
    struct fuzz_state *s = user;
    stream_flow_end(s->stream, f);
    /* A later flow on the same tuple (port reuse) starts over. */
    if (f->tcp && (!s->eof[0] || !s->eof[1]))
        __builtin_trap();
    memset(s->pos, 0, sizeof s->pos);
    memset(s->eof, 0, sizeof s->eof);
    s->checkable = false;
}

static void build(struct packet *p, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                  const uint8_t *payload, uint32_t len, uint64_t ts)
{
    static const uint8_t l4[20];
    memset(p, 0, sizeof *p);
    p->ip_version = 4;
    p->src.family = p->dst.family = 4;
    p->src.addr.u8[15] = dir ? 2 : 1;
    p->dst.addr.u8[15] = dir ? 1 : 2;
    p->src_port = dir ? 80 : 40000;
    p->dst_port = dir ? 40000 : 80;
    p->proto = 6;
    p->l4 = l4;
    p->tcp_flags = flags;
    p->tcp_seq = seq;
    p->tcp_ack = ack;
    p->tcp_window = 65535;
    p->payload = payload;
    p->payload_len = len;
    p->caplen = p->wirelen = 54 + len;
    p->ts_usec = ts;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t cfgb = data[0];
    data++;
    size--;
    struct fuzz_state st = {0};
    struct stream_config scfg;
    stream_config_defaults(&scfg);
    scfg.overlap_policy = (uint8_t)((cfgb & 0x0f) % STREAM_POLICY_MAX);
    scfg.midstream = cfgb & 0x10;
    scfg.reassembly_depth = (cfgb & 0x20) ? 3000 : 0;
    scfg.max_retained_bytes = (cfgb & 0x40) ? 0 : 256 * 1024;
    /* Both delivery modes; the choice reuses bits so old seeds stay valid. */
    scfg.ack_based_delivery = ((cfgb >> 4) ^ cfgb) & 1;
    scfg.max_unacked_bytes = (cfgb & 0x02) ? 100 : 1024 * 1024;
    scfg.reassembly_memcap = 64 * 1024;
    scfg.max_ooo_segments = 64;
    bool handshake = !(cfgb & 0x80);
    st.depth = scfg.reassembly_depth;
    st.checkable = handshake;
    struct stream_callbacks cb = {.user = &st, .data = on_data};
    st.stream = stream_thread_ctx_new(&scfg, &cb);
    struct flow_config fcfg;
    flow_config_defaults(&fcfg);
    fcfg.hash_size = 16;
    fcfg.prealloc = 2;
    struct flow_hooks hooks = {.user = &st, .flow_end = on_end};
    stream_flow_hooks_set(&hooks, st.stream);
    struct flow_table *t = flow_table_new(&fcfg, &hooks, NULL, 0);
    if (!t || !st.stream)
        abort();

    struct packet p;
    uint64_t ts = 1000000;
    if (handshake) {
        /* Both sides use timestamps, so PAWS is exercised too. */
        build(&p, 0, TCP_FLAG_SYN, CLIENT_ISN, 0, NULL, 0, ts++);
        p.flags |= PACKET_FLAG_HAS_TCP_TIMESTAMP;
        p.tcp_tsval = 100;
        stream_handle_packet(st.stream, flow_table_get(t, &p), &p);
        build(&p, 1, TCP_FLAG_SYN | TCP_FLAG_ACK, SERVER_ISN, CLIENT_ISN + 1, NULL, 0, ts++);
        p.flags |= PACKET_FLAG_HAS_TCP_TIMESTAMP;
        p.tcp_tsval = 100;
        stream_handle_packet(st.stream, flow_table_get(t, &p), &p);
        build(&p, 0, TCP_FLAG_ACK, CLIENT_ISN + 1, SERVER_ISN + 1, NULL, 0, ts++);
        stream_handle_packet(st.stream, flow_table_get(t, &p), &p);
    }
    uint8_t payload[256];
    while (size >= 6) {
        uint8_t fl = data[0];
        uint32_t seq_off = (uint32_t)data[1] << 8 | data[2];
        uint32_t len = data[3];
        uint32_t ack_off = (uint32_t)data[4] << 8 | data[5];
        data += 6;
        size -= 6;
        int dir = fl & 1;
        bool corrupt = fl & 0x20;
        for (uint32_t i = 0; i < len; i++)
            payload[i] = (uint8_t)(pattern(dir, seq_off + i) ^ (corrupt ? 0x5a : 0));
        if (corrupt && len)
            st.corrupt[dir] = true;
        uint8_t tcpfl = 0;
        if (fl & 0x02)
            tcpfl |= TCP_FLAG_FIN;
        if (fl & 0x04)
            tcpfl |= TCP_FLAG_RST;
        if (fl & 0x08)
            tcpfl |= TCP_FLAG_SYN;
        if (!(fl & 0x10))
            tcpfl |= TCP_FLAG_ACK;
        if (fl & 0x40)
            tcpfl |= TCP_FLAG_PSH;
        uint32_t isn = dir ? SERVER_ISN : CLIENT_ISN, oisn = dir ? CLIENT_ISN : SERVER_ISN;
        build(&p, dir, tcpfl, isn + 1 + seq_off, oisn + 1 + ack_off, payload, len, ts++);
        if (fl & 0x80)
            p.flags |= PACKET_FLAG_TCP_CSUM_BAD;
        if (ack_off & 1) {
            p.flags |= PACKET_FLAG_HAS_TCP_TIMESTAMP;
            p.tcp_tsval = 100 + (ack_off >> 1);
        }
        struct flow *f = flow_table_get(t, &p);
        if (!f)
            abort();
        stream_handle_packet(st.stream, f, &p);
        const struct stream_stats *ss = stream_thread_stats(st.stream);
        if (ss->reassembly_memuse > scfg.reassembly_memcap || ss->memuse > scfg.memcap)
            __builtin_trap();
    }
    flow_table_shutdown(t);
    const struct stream_stats *ss = stream_thread_stats(st.stream);
    if (ss->active_sessions != 0)
        __builtin_trap();
    flow_table_free(t);
    stream_thread_ctx_free(st.stream);
    return 0;
}
