/* SPDX-License-Identifier: Apache-2.0 */
/* Application-layer throughput benchmark and standalone driver.
 *
 *   bench_app [-l OUTDIR] [-n REPEAT] FILE.pcap...
 *
 * Reads each capture with libpcap into memory, then (REPEAT times) decodes
 * Ethernet/VLAN/IPv4/IPv6 + TCP/UDP, reassembles TCP in order (a simple
 * per-direction next-sequence tracker with a small out-of-order queue) and
 * feeds the payload through app_layer_handle_tcp_data/app_layer_handle_udp.
 * Prints MB/s of payload per detected protocol against the baseline of the
 * same loop without the application layer (plain pcap walking + decode).
 * With -l it writes OUTDIR/eve.json with the app-layer events (protocol
 * objects and minimal headers), which lets compare.py score the parsers
 * without the full sensor. Not a sensor: no defragmentation, no timeouts. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/json.h"

struct frame {
    uint8_t *data;
    uint32_t len;
    uint64_t ts_usec;
};

#define OOO_MAX 64
struct ooo {
    uint32_t seq, len;
    uint8_t *data;
};

struct bflow {
    struct flow f;
    struct app_flow_state *app;
    bool tcp;
    bool seq_init[2];
    uint32_t next_seq[2];
    struct ooo q[2][OOO_MAX];
    uint32_t qn[2];
    uint64_t payload[2];
    struct bflow *next;
};

#define HASH_SIZE 65536
static struct bflow *table[HASH_SIZE];
static FILE *eve;
static struct json_writer ew;
static bool app_enabled = true;
static uint64_t payload_bytes[APP_PROTO_MAX];
static double proto_time[APP_PROTO_MAX]; /* seconds inside app_layer_handle_* per protocol */
static bool timing;

static double now_sec(void);
/* Wall clock through the vDSO: cheap enough to wrap every app-layer call. */
static double call_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ip_string(const struct ip_address *a, char *out, size_t n)
{
    if (a->family == 4)
        snprintf(out, n, "%u.%u.%u.%u", a->addr.u8[12], a->addr.u8[13], a->addr.u8[14],
                 a->addr.u8[15]);
    else {
        size_t o = 0;
        for (int i = 0; i < 16; i += 2)
            o += (size_t)snprintf(out + o, n - o, "%s%x", i ? ":" : "",
                                  (a->addr.u8[i] << 8) | a->addr.u8[i + 1]);
    }
}

static void sink_emit(void *user, const char *event_type, const struct flow *flow,
                      const struct packet *packet, uint8_t direction,
                      void (*write_body)(const void *object, struct json_writer *w),
                      const void *object)
{
    if (!eve)
        return;
    char s[64], d[64];
    json_writer_reset(&ew);
    json_object_begin(&ew);
    json_key_u64(&ew, "pcap_cnt", packet ? packet->pcap_cnt : 0);
    json_key_string(&ew, "event_type", event_type);
    const struct ip_address *src = direction ? &flow->key.dst : &flow->key.src;
    const struct ip_address *dst = direction ? &flow->key.src : &flow->key.dst;
    ip_string(src, s, sizeof(s));
    ip_string(dst, d, sizeof(d));
    json_key_string(&ew, "src_ip", s);
    json_key_u64(&ew, "src_port", direction ? flow->key.dst_port : flow->key.src_port);
    json_key_string(&ew, "dest_ip", d);
    json_key_u64(&ew, "dest_port", direction ? flow->key.src_port : flow->key.dst_port);
    json_key_string(&ew, "proto", flow->key.proto == 6 ? "TCP" : "UDP");
    json_key_string(&ew, "app_proto", app_proto_name(flow->app_proto));
    write_body(object, &ew);
    json_object_end(&ew);
    fwrite(ew.data, 1, ew.len, eve);
    fputc('\n', eve);
}

static void sink_anomaly(void *user, const struct flow *flow, const struct packet *packet,
                         uint16_t app_proto, const char *event_name)
{
    if (!eve)
        return;
    fprintf(eve,
            "{\"event_type\":\"anomaly\",\"pcap_cnt\":%llu,\"anomaly\":{\"type\":\"applayer\","
            "\"app_proto\":\"%s\",\"event\":\"%s\"}}\n",
            (unsigned long long)(packet ? packet->pcap_cnt : 0), app_proto_name(app_proto),
            event_name);
}

static uint32_t key_hash(const struct ip_address *a, const struct ip_address *b, uint16_t pa,
                         uint16_t pb, uint8_t proto)
{
    uint32_t h = 2166136261u ^ proto;
    for (int i = 0; i < 16; i++)
        h = (h ^ (uint32_t)(a->addr.u8[i] ^ b->addr.u8[i])) * 16777619u;
    return (h ^ (uint32_t)(pa ^ pb)) * 16777619u;
}

static bool ip_eq(const struct ip_address *a, const struct ip_address *b)
{
    return a->family == b->family && memcmp(a->addr.u8, b->addr.u8, 16) == 0;
}

static struct bflow *flow_get(const struct packet *p, uint8_t *dir)
{
    uint32_t h = key_hash(&p->src, &p->dst, p->src_port, p->dst_port, p->proto) % HASH_SIZE;
    for (struct bflow *f = table[h]; f; f = f->next) {
        const struct flow_key *k = &f->f.key;
        if (k->proto != p->proto)
            continue;
        if (ip_eq(&k->src, &p->src) && ip_eq(&k->dst, &p->dst) && k->src_port == p->src_port &&
            k->dst_port == p->dst_port) {
            *dir = 0;
            return f;
        }
        if (ip_eq(&k->src, &p->dst) && ip_eq(&k->dst, &p->src) && k->src_port == p->dst_port &&
            k->dst_port == p->src_port) {
            *dir = 1;
            return f;
        }
    }
    struct bflow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    /* The sender of a SYN without ACK is the client; else a well-known
     * (lower) destination port decides; else the first sender. */
    bool swap = false;
    if (p->proto == 6 &&
        (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
        swap = true;
    else if (!(p->proto == 6 && (p->tcp_flags & TCP_FLAG_SYN)) && p->src_port < 1024 &&
             p->dst_port >= 1024)
        swap = true;
    f->f.key.src = swap ? p->dst : p->src;
    f->f.key.dst = swap ? p->src : p->dst;
    f->f.key.src_port = swap ? p->dst_port : p->src_port;
    f->f.key.dst_port = swap ? p->src_port : p->dst_port;
    f->f.key.proto = p->proto;
    static uint64_t ids;
    f->f.flow_id = ++ids;
    f->tcp = p->proto == 6;
    f->next = table[h];
    table[h] = f;
    *dir = swap ? 1 : 0;
    return f;
}

static struct app_layer_thread_ctx *actx;

static void deliver(struct bflow *f, struct packet *p, uint8_t dir, const uint8_t *d, uint32_t n)
{
    f->payload[dir] += n;
    if (app_enabled) {
        double t0 = timing ? call_sec() : 0;
        app_layer_handle_tcp_data(actx, &f->app, &f->f, p, dir, d, n, 0);
        if (timing) {
            uint16_t pr = app_flow_state_proto(f->app);
            if (pr < APP_PROTO_MAX)
                proto_time[pr] += call_sec() - t0;
        }
    }
}

static void tcp_segment(struct bflow *f, struct packet *p, uint8_t dir)
{
    uint32_t seq = p->tcp_seq;
    const uint8_t *d = p->payload;
    uint32_t n = p->payload_len;
    if (p->tcp_flags & TCP_FLAG_SYN) {
        f->next_seq[dir] = seq + 1;
        f->seq_init[dir] = true;
        return;
    }
    if (!f->seq_init[dir]) {
        f->next_seq[dir] = seq;
        f->seq_init[dir] = true;
    }
    if (n) {
        int32_t diff = (int32_t)(seq - f->next_seq[dir]);
        if (diff < 0) {
            if ((uint32_t)-diff >= n)
                return; /* retransmission */
            d += -diff;
            n -= (uint32_t)-diff;
            diff = 0;
        }
        if (diff > 0) {
            if (f->qn[dir] < OOO_MAX) {
                struct ooo *o = &f->q[dir][f->qn[dir]++];
                o->seq = seq;
                o->len = n;
                o->data = malloc(n);
                if (o->data)
                    memcpy(o->data, d, n);
                else
                    f->qn[dir]--;
            }
            return;
        }
        deliver(f, p, dir, d, n);
        f->next_seq[dir] += n;
        /* drain the queue */
        bool progress = true;
        while (progress && f->qn[dir]) {
            progress = false;
            for (uint32_t i = 0; i < f->qn[dir]; i++) {
                struct ooo *o = &f->q[dir][i];
                int32_t df = (int32_t)(o->seq - f->next_seq[dir]);
                if (df > 0)
                    continue;
                if ((uint32_t)-df < o->len) {
                    deliver(f, p, dir, o->data + (-df), o->len - (uint32_t)-df);
                    f->next_seq[dir] += o->len - (uint32_t)-df;
                }
                free(o->data);
                f->q[dir][i] = f->q[dir][--f->qn[dir]];
                progress = true;
                break;
            }
        }
    }
    if (p->tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) {
        if (app_enabled)
            app_layer_handle_tcp_data(actx, &f->app, &f->f, p, dir, NULL, 0, APP_DATA_EOF);
    }
}

/* Minimal decoder: Ethernet (+VLAN/QinQ), raw IP, Linux SLL; IPv4/IPv6; TCP/UDP. */
static bool decode(struct packet *p, int dlt, const uint8_t *d, uint32_t len)
{
    uint32_t off = 0;
    uint16_t et;
    if (dlt == DLT_EN10MB) {
        if (len < 14)
            return false;
        et = (uint16_t)((d[12] << 8) | d[13]);
        off = 14;
        while ((et == 0x8100 || et == 0x88a8) && off + 4 <= len) {
            et = (uint16_t)((d[off + 2] << 8) | d[off + 3]);
            off += 4;
        }
    } else if (dlt == DLT_LINUX_SLL) {
        if (len < 16)
            return false;
        et = (uint16_t)((d[14] << 8) | d[15]);
        off = 16;
    } else if (dlt == DLT_RAW || dlt == 12 || dlt == 101) {
        et = len && (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
    } else if (dlt == DLT_NULL) {
        if (len < 4)
            return false;
        et = d[0] == 2 || d[3] == 2 ? 0x0800 : 0x86dd;
        off = 4;
    } else {
        return false;
    }
    const uint8_t *ip = d + off;
    uint32_t il = len - off;
    uint8_t proto;
    const uint8_t *l4;
    uint32_t l4len;
    memset(&p->src, 0, sizeof(p->src));
    memset(&p->dst, 0, sizeof(p->dst));
    if (et == 0x0800) {
        if (il < 20 || (ip[0] >> 4) != 4)
            return false;
        uint32_t hl = (ip[0] & 0xf) * 4u, tl = (uint32_t)((ip[2] << 8) | ip[3]);
        if (hl < 20 || tl < hl || tl > il)
            tl = il;
        if (hl > tl)
            return false;
        if (((ip[6] & 0x1f) | ip[7]) != 0 || (ip[6] & 0x20))
            return false; /* fragments: not handled here */
        proto = ip[9];
        p->src.family = p->dst.family = 4;
        memcpy(p->src.addr.u8 + 12, ip + 12, 4);
        memcpy(p->dst.addr.u8 + 12, ip + 16, 4);
        l4 = ip + hl;
        l4len = tl - hl;
    } else if (et == 0x86dd) {
        if (il < 40)
            return false;
        proto = ip[6];
        uint32_t pl = (uint32_t)((ip[4] << 8) | ip[5]);
        if (40 + pl > il)
            pl = il - 40;
        p->src.family = p->dst.family = 6;
        memcpy(p->src.addr.u8, ip + 8, 16);
        memcpy(p->dst.addr.u8, ip + 24, 16);
        l4 = ip + 40;
        l4len = pl;
        /* skip simple extension headers */
        while ((proto == 0 || proto == 43 || proto == 60) && l4len >= 8) {
            uint32_t el = (l4[1] + 1u) * 8;
            if (el > l4len)
                return false;
            proto = l4[0];
            l4 += el;
            l4len -= el;
        }
    } else {
        return false;
    }
    p->proto = proto;
    if (proto == 6) {
        if (l4len < 20)
            return false;
        uint32_t hl = (l4[12] >> 4) * 4u;
        if (hl < 20 || hl > l4len)
            return false;
        p->src_port = (uint16_t)((l4[0] << 8) | l4[1]);
        p->dst_port = (uint16_t)((l4[2] << 8) | l4[3]);
        p->tcp_seq =
            ((uint32_t)l4[4] << 24) | ((uint32_t)l4[5] << 16) | ((uint32_t)l4[6] << 8) | l4[7];
        p->tcp_flags = l4[13];
        p->payload = l4 + hl;
        p->payload_len = l4len - hl;
        return true;
    }
    if (proto == 17) {
        if (l4len < 8)
            return false;
        p->src_port = (uint16_t)((l4[0] << 8) | l4[1]);
        p->dst_port = (uint16_t)((l4[2] << 8) | l4[3]);
        p->payload = l4 + 8;
        p->payload_len = l4len - 8;
        return true;
    }
    return false;
}

static void flows_end(void)
{
    for (uint32_t h = 0; h < HASH_SIZE; h++) {
        struct bflow *f = table[h];
        while (f) {
            struct bflow *n = f->next;
            if (app_enabled) {
                app_layer_flow_end(actx, f->app, &f->f);
                uint16_t pr = app_flow_state_proto(f->app);
                if (pr < APP_PROTO_MAX)
                    payload_bytes[pr] += f->payload[0] + f->payload[1];
            }
            app_flow_state_free(f->app);
            for (int d = 0; d < 2; d++)
                for (uint32_t i = 0; i < f->qn[d]; i++)
                    free(f->q[d][i].data);
            free(f);
            f = n;
        }
        table[h] = NULL;
    }
}

static void run(struct frame *frames, size_t nframes, int dlt)
{
    struct packet p;
    for (size_t i = 0; i < nframes; i++) {
        memset(&p, 0, sizeof(p));
        p.ts_usec = frames[i].ts_usec;
        p.pcap_cnt = i + 1;
        if (!decode(&p, dlt, frames[i].data, frames[i].len))
            continue;
        if (p.proto != 6 && p.proto != 17)
            continue;
        uint8_t dir;
        struct bflow *f = flow_get(&p, &dir);
        if (!f)
            continue;
        p.flow = &f->f;
        p.flow_direction = dir;
        f->f.last_usec = p.ts_usec;
        if (p.proto == 6) {
            tcp_segment(f, &p, dir);
        } else if (p.payload_len) {
            f->payload[dir] += p.payload_len;
            if (app_enabled) {
                double t0 = timing ? call_sec() : 0;
                app_layer_handle_udp(actx, &f->app, &f->f, &p, dir, p.payload, p.payload_len);
                if (timing) {
                    uint16_t pr = app_flow_state_proto(f->app);
                    if (pr < APP_PROTO_MAX)
                        proto_time[pr] += call_sec() - t0;
                }
            }
        }
    }
    flows_end();
}

static double now_sec(void)
{
    struct timespec ts;
    /* CPU time of this (single-threaded) process: the figures stay
     * meaningful on a machine shared with other jobs. */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *outdir = NULL;
    int repeat = 1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
            outdir = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_app [-l OUTDIR] [-n REPEAT] FILE.pcap...\n");
            return 2;
        }
    }
    if (i >= argc || repeat < 1) {
        fprintf(stderr, "usage: bench_app [-l OUTDIR] [-n REPEAT] FILE.pcap...\n");
        return 2;
    }
    if (outdir) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/eve.json", outdir);
        eve = fopen(path, "w");
        if (!eve) {
            fprintf(stderr, "bench_app: %s: %s\n", path, strerror(errno));
            return 1;
        }
        json_writer_init(&ew, 4096);
    }
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    struct app_event_sink sink = {.emit = sink_emit, .anomaly = sink_anomaly};
    actx = app_layer_thread_ctx_new(&cfg, &sink);
    double t_base = 0, t_app = 0;
    uint64_t total_payload = 0;
    for (; i < argc; i++) {
        char err[PCAP_ERRBUF_SIZE];
        pcap_t *pc = pcap_open_offline(argv[i], err);
        if (!pc) {
            fprintf(stderr, "bench_app: %s: %s\n", argv[i], err);
            return 1;
        }
        int dlt = pcap_datalink(pc);
        struct frame *frames = NULL;
        size_t n = 0, cap = 0;
        struct pcap_pkthdr *h;
        const u_char *data;
        while (pcap_next_ex(pc, &h, &data) == 1) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                frames = realloc(frames, cap * sizeof(*frames));
                if (!frames)
                    return 1;
            }
            frames[n].data = malloc(h->caplen ? h->caplen : 1);
            memcpy(frames[n].data, data, h->caplen);
            frames[n].len = h->caplen;
            frames[n].ts_usec = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
            n++;
        }
        pcap_close(pc);
        FILE *saved = eve;
        /* warm-up (allocator, caches); not timed, not counted */
        app_enabled = false;
        eve = NULL;
        run(frames, n, dlt);
        for (int r = 0; r < repeat; r++) {
            app_enabled = false;
            eve = NULL;
            double t0 = now_sec();
            run(frames, n, dlt);
            t_base += now_sec() - t0;
            app_enabled = true;
            eve = r == 0 ? saved : NULL;
            t0 = now_sec();
            run(frames, n, dlt);
            t_app += now_sec() - t0;
            /* a third pass attributes app-layer time to protocols (clock
             * calls around every app-layer call; not part of the totals) */
            uint64_t saved_bytes[APP_PROTO_MAX];
            memcpy(saved_bytes, payload_bytes, sizeof(saved_bytes));
            timing = true;
            eve = NULL;
            run(frames, n, dlt);
            timing = false;
            memcpy(payload_bytes, saved_bytes, sizeof(saved_bytes));
        }
        eve = saved;
        for (size_t k = 0; k < n; k++)
            free(frames[k].data);
        free(frames);
    }
    for (int p = 0; p < APP_PROTO_MAX; p++)
        total_payload += payload_bytes[p];
    double mb = (double)total_payload / 1e6;
    double app_only = t_app - t_base;
    printf("payload %.2f MB (x%d), CPU time; plain decode+reassembly %.3f s = %.1f MB/s; with app "
           "layer "
           "%.3f s = %.1f MB/s (ratio %.2f); app layer alone %.1f MB/s\n",
           mb, repeat, t_base, t_base > 0 ? mb / t_base : 0, t_app, t_app > 0 ? mb / t_app : 0,
           t_base > 0 ? t_app / t_base : 0, app_only > 0 ? mb / app_only : 0);
    printf("  per protocol (wall clock around each call; indicative on a busy machine):\n");
    printf("  %-8s %10s %10s %12s\n", "proto", "MB", "seconds", "MB/s");
    for (int p = 0; p < APP_PROTO_MAX_BUILTIN; p++)
        if (payload_bytes[p])
            printf("  %-8s %10.2f %10.3f %12.1f\n", app_proto_name((uint16_t)p),
                   (double)payload_bytes[p] / 1e6, proto_time[p],
                   proto_time[p] > 0 ? (double)payload_bytes[p] / 1e6 / proto_time[p] : 0);
    app_layer_thread_ctx_free(actx);
    if (eve) {
        fclose(eve);
        json_writer_free(&ew);
    }
    return 0;
}
