/* SPDX-License-Identifier: Apache-2.0 */
/* Frames: typed byte ranges of a flow's reassembled stream reported by the
 * parsers (Suricata's frames: "stream annotations" saying which unit of the
 * protocol starts at which offset), kept per direction until detection has
 * inspected them once. A frame's bytes are copied from the parser's view
 * of the reassembled stream into a per-direction area that is reused (it
 * only grows, up to APP_FRAME_DATA_MAX, and is accounted against the
 * app-layer memcap): no allocation per frame in steady state. A frame whose
 * bytes do not all fit, or were not all there, is inspected with what is
 * there and reported incomplete. */
#include "app/app_frame.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"

static atomic_bool frames_active, stream_frames_active;

void app_layer_set_frames_active(bool active)
{
    atomic_store(&frames_active, active);
}

bool app_layer_frames_active(void)
{
    return atomic_load(&frames_active);
}

void app_layer_set_stream_frames_active(bool active)
{
    atomic_store(&stream_frames_active, active);
}

bool app_layer_stream_frames_active(void)
{
    return atomic_load(&stream_frames_active);
}

struct app_frame {
    uint64_t id, offset;
    int64_t len, tx_id;
    uint32_t data_off, data_len; /* in the direction's area */
    uint32_t cap;                /* bytes reserved there: data_len < cap is pending */
    uint8_t type;
    bool open; /* app_frame_open: length not known yet (pending until closed) */
    bool gap;  /* a gap took some of its bytes */
    /* the first gap inside it: its bytes before the gap are data[0, gap_at),
     * gap_len stream bytes are missing, then come the rest (a second gap
     * ends the frame's bytes) */
    uint32_t gap_at, gap_len;
};

struct app_frames_dir {
    struct app_frame f[APP_FRAMES_MAX];
    uint32_t n;
    /* The stream frame: the last bytes of the stream seen before, so that
     * a pattern across two deliveries is found (stream_tail_len of them,
     * ending at stream_offset); alerted: rules that have alerted on it
     * (a rule alerts once per stream frame). */
    uint8_t stream_tail[APP_STREAM_FRAME_OVERLAP];
    uint32_t stream_tail_len;
    uint32_t stream_alerted[APP_STREAM_FRAME_ALERTS];
    uint32_t nstream_alerted;
    uint64_t next_id; /* frame ids count per direction, as Suricata's */
    uint64_t stream_offset;
    uint8_t *data;
    uint32_t data_len, data_cap;
};

struct app_frames {
    struct app_layer_thread_ctx *thread;
    const struct app_parser *parser;
    struct app_frames_dir d[2];
};

struct app_frames *app_frames_new(struct app_layer_thread_ctx *thread, bool tcp)
{
    if (!app_thread_memory_reserve(thread, sizeof(struct app_frames)))
        return NULL;
    struct app_frames *fr = calloc(1, sizeof(*fr));
    if (!fr) {
        app_thread_memory_release(thread, sizeof(struct app_frames));
        return NULL;
    }
    fr->thread = thread;
    /* On TCP, Suricata's first frame of each direction is the stream frame
     * (<proto>.stream, the whole stream): the parsers' frames count from
     * 2 there. */
    for (int d = 0; d < 2; d++)
        fr->d[d].next_id = tcp ? 2 : 1;
    return fr;
}

void app_frames_free(struct app_frames *fr)
{
    if (!fr)
        return;
    for (int d = 0; d < 2; d++) {
        app_thread_memory_release(fr->thread, fr->d[d].data_cap);
        free(fr->d[d].data);
    }
    app_thread_memory_release(fr->thread, sizeof(*fr));
    free(fr);
}

uint64_t app_frames_stream_offset(const struct app_frames *fr, uint8_t direction)
{
    return fr->d[direction & 1].stream_offset;
}

void app_frames_stream_advance(struct app_frames *fr, uint8_t direction, uint64_t len)
{
    fr->d[direction & 1].stream_offset += len;
}

void app_frames_set_parser(struct app_frames *fr, const struct app_parser *parser)
{
    fr->parser = parser;
}

/* Room for n more bytes in the area (it grows by doubling, bounded). */
static uint32_t area_room(struct app_frames *fr, struct app_frames_dir *fd, uint32_t n)
{
    uint32_t left = APP_FRAME_DATA_MAX - fd->data_len;
    if (n > left)
        n = left;
    if (fd->data_len + n <= fd->data_cap)
        return n;
    uint32_t cap = fd->data_cap ? fd->data_cap : 1024;
    while (cap < fd->data_len + n)
        cap *= 2;
    if (cap > APP_FRAME_DATA_MAX)
        cap = APP_FRAME_DATA_MAX;
    if (!app_thread_memory_reserve(fr->thread, cap - fd->data_cap))
        return fd->data_cap - fd->data_len;
    uint8_t *p = realloc(fd->data, cap);
    if (!p) {
        app_thread_memory_release(fr->thread, cap - fd->data_cap);
        return fd->data_cap - fd->data_len;
    }
    fd->data = p;
    fd->data_cap = cap;
    return n;
}

uint64_t app_frame_add(struct app_parse_ctx *ctx, uint8_t direction, uint64_t offset, int64_t len,
                       uint8_t type, int64_t tx_id, const uint8_t *data, uint32_t avail)
{
    if (!ctx || !ctx->frames)
        return 0;
    struct app_frames *fr = ctx->frames;
    struct app_frames_dir *fd = &fr->d[direction & 1];
    if (fd->n >= APP_FRAMES_MAX)
        return 0; /* detection has not caught up: the frame is not kept */
    if (!data)
        avail = 0;
    if (len >= 0 && avail > len)
        avail = (uint32_t)len;
    /* Room for the whole frame when its length is known: the bytes not at
     * hand yet are filled in from the stream as it is parsed
     * (app_frames_fill), up to APP_FRAME_DATA_MAX per direction. */
    uint64_t want = len >= 0 ? (uint64_t)len : avail;
    uint32_t cap = area_room(fr, fd, want > UINT32_MAX ? UINT32_MAX : (uint32_t)want);
    uint32_t n = avail < cap ? avail : cap;
    struct app_frame *f = &fd->f[fd->n++];
    f->id = fd->next_id++;
    f->offset = offset;
    f->len = len;
    f->tx_id = tx_id;
    f->type = type;
    f->data_off = fd->data_len;
    f->data_len = n;
    f->cap = cap;
    if (n)
        memcpy(fd->data + fd->data_len, data, n);
    fd->data_len += cap;
    return f->id;
}

uint64_t app_frame_open(struct app_parse_ctx *ctx, uint8_t direction, uint64_t offset,
                        uint8_t type, int64_t tx_id)
{
    if (!app_frames_on(ctx))
        return 0;
    struct app_frames *fr = ctx->frames;
    struct app_frames_dir *fd = &fr->d[direction & 1];
    if (fd->n >= APP_FRAMES_MAX)
        return 0;
    /* room for its bytes up to APP_FRAME_OPEN_MAX, filled from the stream
     * as it is parsed; the length is known when the parser closes it */
    uint32_t cap = area_room(fr, fd, APP_FRAME_OPEN_MAX);
    struct app_frame *f = &fd->f[fd->n++];
    *f = (struct app_frame){.id = fd->next_id++, .offset = offset, .len = -1, .tx_id = tx_id,
                            .type = type, .data_off = fd->data_len, .cap = cap, .open = true};
    fd->data_len += cap;
    return f->id;
}

void app_frame_close(struct app_parse_ctx *ctx, uint8_t direction, uint64_t id, int64_t len)
{
    if (!app_frames_on(ctx) || !id)
        return;
    struct app_frames_dir *fd = &ctx->frames->d[direction & 1];
    for (uint32_t i = 0; i < fd->n; i++) {
        struct app_frame *f = &fd->f[i];
        if (f->id != id || !f->open)
            continue;
        f->open = false;
        f->len = len < 0 ? 0 : len;
        uint64_t want = (uint64_t)f->len > f->gap_len ? (uint64_t)f->len - f->gap_len : 0;
        if (want < f->cap)
            f->cap = (uint32_t)want; /* the rest of its room stays unused */
        if (f->data_len > f->cap)
            f->data_len = f->cap;
        return;
    }
}

void app_frames_fill(struct app_frames *fr, uint8_t direction, uint64_t offset,
                     const uint8_t *data, uint32_t len)
{
    struct app_frames_dir *fd = &fr->d[direction & 1];
    for (uint32_t i = 0; i < fd->n; i++) {
        struct app_frame *f = &fd->f[i];
        if (f->data_len >= f->cap)
            continue; /* (an open frame past its room: what it has is kept) */
        uint64_t from = f->offset + f->data_len + f->gap_len;
        if (!data && from >= offset && from < offset + len && !f->gap) {
            /* a gap inside the frame: marked, the bytes after it still come */
            uint64_t g = offset + len - from;
            uint32_t room = f->cap - f->data_len;
            f->gap = true;
            f->gap_at = f->data_len;
            f->gap_len = g < room ? (uint32_t)g : room;
            f->cap -= f->gap_len;
            continue;
        }
        if (!data || from < offset) {
            f->gap = f->gap || (!data && from < offset + len);
            f->cap = f->data_len; /* lost (gap) or behind: it stays incomplete */
            continue;
        }
        if (from >= offset + len)
            continue; /* starts further on */
        uint64_t n = offset + len - from;
        if (n > f->cap - f->data_len)
            n = f->cap - f->data_len;
        memcpy(fd->data + f->data_off + f->data_len, data + (from - offset), (size_t)n);
        f->data_len += (uint32_t)n;
    }
}

/* The stream frame (id 1) of the bytes [offset, offset + len) just fed:
 * inspected with the tail of the bytes before them, complete as it is. */
void app_frames_add_stream(struct app_frames *fr, uint8_t direction, uint64_t offset,
                           const uint8_t *data, uint32_t len)
{
    struct app_frames_dir *fd = &fr->d[direction & 1];
    if (!data || !len) {
        if (!data)
            fd->stream_tail_len = 0; /* a gap: nothing spans it */
        return;
    }
    if (fd->n >= APP_FRAMES_MAX)
        return;
    uint32_t tail = fd->stream_tail_len;
    if (tail > offset)
        tail = (uint32_t)offset;
    uint64_t want = (uint64_t)tail + len;
    uint32_t cap = area_room(fr, fd, want > UINT32_MAX ? UINT32_MAX : (uint32_t)want);
    if (cap < want) {
        /* little room: the newest bytes */
        uint32_t drop = (uint32_t)(want - cap);
        uint32_t dt = drop < tail ? drop : tail;
        tail -= dt;
        drop -= dt;
        data += drop;
        len -= drop;
        offset += drop;
    }
    struct app_frame *f = &fd->f[fd->n++];
    f->id = 1;
    f->offset = offset - tail;
    f->len = (int64_t)tail + len;
    f->tx_id = -1;
    f->type = APP_FRAME_TYPE_STREAM;
    f->data_off = fd->data_len;
    f->data_len = tail + len;
    f->cap = f->data_len;
    memcpy(fd->data + fd->data_len, fd->stream_tail + (fd->stream_tail_len - tail), tail);
    memcpy(fd->data + fd->data_len + tail, data, len);
    fd->data_len += f->cap;
    /* keep the newest bytes as the next tail */
    if (len >= APP_STREAM_FRAME_OVERLAP) {
        memcpy(fd->stream_tail, data + len - APP_STREAM_FRAME_OVERLAP, APP_STREAM_FRAME_OVERLAP);
        fd->stream_tail_len = APP_STREAM_FRAME_OVERLAP;
    } else {
        uint32_t keep = APP_STREAM_FRAME_OVERLAP - len;
        if (keep > fd->stream_tail_len)
            keep = fd->stream_tail_len;
        memmove(fd->stream_tail, fd->stream_tail + fd->stream_tail_len - keep, keep);
        memcpy(fd->stream_tail + keep, data, len);
        fd->stream_tail_len = keep + len;
    }
}

bool app_flow_stream_frame_alerted(struct app_flow_state *state, uint8_t direction,
                                   uint32_t rule, bool set)
{
    struct app_frames *fr = app_flow_state_frames(state);
    if (!fr)
        return false;
    struct app_frames_dir *fd = &fr->d[direction & 1];
    for (uint32_t i = 0; i < fd->nstream_alerted; i++)
        if (fd->stream_alerted[i] == rule)
            return true;
    if (set && fd->nstream_alerted < APP_STREAM_FRAME_ALERTS)
        fd->stream_alerted[fd->nstream_alerted++] = rule;
    return false;
}

void app_frame_add_pdu(struct app_parse_ctx *ctx, uint8_t direction, uint64_t offset,
                       const uint8_t *pdu, uint32_t len, uint32_t hdr_len, uint8_t t_pdu,
                       uint8_t t_hdr, uint8_t t_data, int64_t tx_id)
{
    if (!app_frames_on(ctx))
        return;
    if (hdr_len > len)
        hdr_len = len;
    app_frame_add(ctx, direction, offset, len, t_pdu, tx_id, pdu, len);
    app_frame_add(ctx, direction, offset, hdr_len, t_hdr, tx_id, pdu, hdr_len);
    if (len > hdr_len)
        app_frame_add(ctx, direction, offset + hdr_len, len - hdr_len, t_data, tx_id,
                      pdu + hdr_len, len - hdr_len);
}

int app_frame_type_lookup(uint16_t app_proto, const char *name)
{
    const struct app_parser *p = NULL;
    /* <proto>.stream: the whole stream of a TCP protocol, framed by the
     * framework for every parser. */
    if (!strcasecmp(name, "stream"))
        return app_parser_by_proto_index(app_proto, 0) ? APP_FRAME_TYPE_STREAM : -1;
    for (size_t i = 0; (p = app_parser_by_proto_index(app_proto, i)) != NULL; i++)
        for (int t = 0; p->frame_names && p->frame_names[t]; t++)
            if (!strcasecmp(p->frame_names[t], name))
                return t;
    return -1;
}

/* A frame still waiting for bytes the stream has not delivered. */
static bool frame_pending(const struct app_frame *f)
{
    return f->open || f->data_len < f->cap;
}

void app_flow_frames_foreach(struct app_flow_state *state, uint8_t direction, bool final,
                             void (*fn)(const struct app_frame_info *fi, void *user), void *user)
{
    struct app_frames *fr = app_flow_state_frames(state);
    if (!fr)
        return;
    struct app_frames_dir *fd = &fr->d[direction & 1];
    for (uint32_t i = 0; i < fd->n; i++) {
        const struct app_frame *f = &fd->f[i];
        if (!final && frame_pending(f))
            continue;
        const char *const *names = fr->parser ? fr->parser->frame_names : NULL;
        bool stream = f->type == APP_FRAME_TYPE_STREAM;
        struct app_frame_info fi = {
            .id = f->id,
            .offset = f->offset,
            .len = f->len,
            .tx_id = f->tx_id,
            .log_tx_id = f->tx_id >= 0 && fr->parser && fr->parser->frame_tx_id_from_one
                             ? f->tx_id + 1
                             : f->tx_id,
            .app_proto = fr->parser ? fr->parser->proto : 0,
            .type = f->type,
            .direction = direction & 1,
            .complete = f->len >= 0 && (uint64_t)f->len == f->data_len && !f->gap,
            .type_name = stream ? "stream" : names ? names[f->type] : "",
            .data = fd->data + f->data_off,
            .data_len = f->data_len,
            /* bytes a gap took, or that never came (flow end) */
            .missing = f->gap_len && f->data_len > f->gap_at ? f->gap_len
                       : (f->gap || final) && f->len > (int64_t)f->data_len
                           ? (uint64_t)f->len - f->data_len
                           : 0,
            .missing_at = f->gap_len && f->data_len > f->gap_at ? f->gap_at : f->data_len,
        };
        fn(&fi, user);
    }
}

void app_flow_frames_clear(struct app_flow_state *state, uint8_t direction, bool final)
{
    struct app_frames *fr = app_flow_state_frames(state);
    if (!fr)
        return;
    struct app_frames_dir *fd = &fr->d[direction & 1];
    /* Pending frames stay (moved to the front, their bytes too). */
    uint32_t n = 0, used = 0;
    for (uint32_t i = 0; i < fd->n && !final; i++) {
        struct app_frame f = fd->f[i];
        if (!frame_pending(&f))
            continue;
        memmove(fd->data + used, fd->data + f.data_off, f.data_len);
        f.data_off = used;
        used += f.cap;
        fd->f[n++] = f;
    }
    fd->n = n;
    fd->data_len = used;
}

void app_flow_frames_inspect(struct app_flow_state *state, uint8_t direction,
                             void (*fn)(const struct app_frame_info *fi, void *user), void *user)
{
    app_flow_frames_foreach(state, direction, true, fn, user);
    app_flow_frames_clear(state, direction, true);
}
