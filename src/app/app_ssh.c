/* SPDX-License-Identifier: Apache-2.0 */
/* SSH (RFC 4253): identification banners of both sides, the unencrypted
 * binary packets up to NEWKEYS, and KEXINIT for HASSH / HASSH-server (MD5 of
 * "kex;ciphers;macs;compression" of the client->server resp. server->client
 * lists, as Salesforce's HASSH defines them). After NEWKEYS a direction is
 * encrypted and its bytes are ignored.
 *
 * One transaction per flow, logged once (EVE "ssh", Suricata's shape) when
 * both directions reached NEWKEYS, else at flow end if any banner was seen.
 * Limits: banner lines SSH_BANNER_MAX bytes (long_banner), KEXINIT packets
 * buffered up to SSH_KEX_MAX bytes (long_kex_record), other packets are
 * skipped without buffering. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app/app_parser.h"
#include "app/app_ssh.h"
#include "util/json.h"

#define SSH_BANNER_MAX 255
#define SSH_PRE_BANNER_LINES 16
#define SSH_KEX_MAX (64u * 1024)
#define SSH_PACKET_MAX (256u * 1024)
#define SSH_MSG_KEXINIT 20
#define SSH_MSG_NEWKEYS 21

enum ssh_dir_state {
    SSH_BANNER = 0,
    SSH_RECORD_HEADER, /* reading the 5-byte packet header */
    SSH_RECORD_BODY,   /* buffering a KEXINIT */
    SSH_RECORD_SKIP,   /* skipping a packet body */
    SSH_ENCRYPTED,
    SSH_DONE, /* SSH-1 or a broken stream: ignore the rest */
};

enum ssh_event {
    SSH_EV_INVALID_BANNER = 0,
    SSH_EV_LONG_BANNER,
    SSH_EV_INVALID_RECORD,
    SSH_EV_LONG_KEX_RECORD,
    SSH_EV_COUNT,
};
static const char *const ssh_event_names[SSH_EV_COUNT + 1] = {
    "invalid_banner", "long_banner", "invalid_record", "long_kex_record", NULL};

struct ssh_side {
    uint8_t state;
    bool banner_seen;
    uint8_t pre_banner_lines;
    char line[SSH_BANNER_MAX + 1];
    uint32_t line_len;
    bool line_overflow;
    char proto_version[SSH_BANNER_MAX + 1];
    char software_version[SSH_BANNER_MAX + 1];
    char comments[SSH_BANNER_MAX + 1];
    uint8_t hdr[5];
    uint32_t hdr_len;
    uint32_t remaining; /* body bytes still to read or skip */
    uint8_t *kex;       /* owned; SSH_KEX_MAX bytes at most */
    uint32_t kex_len, kex_need;
    char *hassh_string; /* owned; hassh_alloc bytes accounted */
    size_t hassh_alloc;
    char hassh[33];
};

struct ssh_tx {
    struct app_tx base;
    struct ssh_side side[2]; /* 0: client, 1: server */
    uint32_t events;
};

struct ssh_state {
    struct app_layer_thread_ctx *thread;
    struct ssh_tx tx;
    bool counted;
};

static void ssh_event(struct app_parse_ctx *ctx, struct ssh_tx *tx, enum ssh_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_SSH, ssh_event_names[e]);
}

/* "SSH-protoversion-softwareversion SP comments" (CR stripped). */
static bool ssh_banner_parse(struct ssh_side *s, const char *line, uint32_t len)
{
    if (len < 4 || memcmp(line, "SSH-", 4) != 0)
        return false;
    const char *p = line + 4, *end = line + len;
    const char *dash = memchr(p, '-', (size_t)(end - p));
    if (!dash)
        return false;
    size_t pv = (size_t)(dash - p);
    memcpy(s->proto_version, p, pv);
    s->proto_version[pv] = 0;
    p = dash + 1;
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    size_t sv = (size_t)((sp ? sp : end) - p);
    memcpy(s->software_version, p, sv);
    s->software_version[sv] = 0;
    if (sp) {
        size_t cv = (size_t)(end - sp - 1);
        memcpy(s->comments, sp + 1, cv);
        s->comments[cv] = 0;
    }
    return true;
}

static void ssh_md5_hex(const char *s, size_t n, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = 0;
    if (!EVP_Digest(s, n, md, &mdlen, EVP_md5(), NULL))
        return;
    for (unsigned i = 0; i < mdlen && i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Reads one SSH name-list at *pos; returns false if it doesn't fit. */
static bool ssh_namelist(const uint8_t *b, uint32_t len, uint32_t *pos, const uint8_t **s,
                         uint32_t *slen)
{
    if (*pos + 4 > len)
        return false;
    uint32_t n = ((uint32_t)b[*pos] << 24) | ((uint32_t)b[*pos + 1] << 16) |
                 ((uint32_t)b[*pos + 2] << 8) | b[*pos + 3];
    *pos += 4;
    if (n > len - *pos)
        return false;
    *s = b + *pos;
    *slen = n;
    *pos += n;
    return true;
}

/* KEXINIT payload (after the message code): cookie, then 10 name-lists. */
static void ssh_kexinit(struct ssh_side *s, struct app_parse_ctx *ctx, bool server,
                        const uint8_t *p, uint32_t len)
{
    uint32_t pos = 16;
    const uint8_t *l[10];
    uint32_t ll[10];
    for (int i = 0; i < 10; i++)
        if (!ssh_namelist(p, len, &pos, &l[i], &ll[i]))
            return;
    /* client: kex, enc c2s, mac c2s, comp c2s; server: the s2c lists. */
    int idx[4] = {0, server ? 3 : 2, server ? 5 : 4, server ? 7 : 6};
    size_t total = 4;
    for (int i = 0; i < 4; i++)
        total += ll[idx[i]];
    if (s->hassh_string) {
        app_memory_release(ctx, s->hassh_alloc);
        free(s->hassh_string);
        s->hassh_string = NULL;
    }
    if (!app_memory_reserve(ctx, total))
        return;
    char *str = malloc(total);
    if (!str) {
        app_memory_release(ctx, total);
        return;
    }
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        if (i)
            str[o++] = ';';
        memcpy(str + o, l[idx[i]], ll[idx[i]]);
        o += ll[idx[i]];
    }
    str[o] = 0;
    s->hassh_string = str;
    s->hassh_alloc = total;
    ssh_md5_hex(str, strlen(str), s->hassh);
}

static void ssh_log_body(const void *object, struct json_writer *w);

static void ssh_maybe_log(struct ssh_state *st, struct app_parse_ctx *ctx, bool at_end)
{
    struct ssh_tx *tx = &st->tx;
    /* A direction past NEWKEYS needs no KEXINIT buffer any more. */
    for (int d = 0; d < 2; d++) {
        struct ssh_side *s = &tx->side[d];
        if (s->kex && s->state == SSH_ENCRYPTED) {
            free(s->kex);
            s->kex = NULL;
            app_memory_release(ctx, SSH_KEX_MAX);
        }
    }
    if (tx->base.logged)
        return;
    bool done = tx->side[0].state == SSH_ENCRYPTED && tx->side[1].state == SSH_ENCRYPTED;
    bool any = tx->side[0].banner_seen || tx->side[1].banner_seen;
    if (!(done || (at_end && any)))
        return;
    tx->base.logged = true;
    app_parser_log(ctx, "ssh", 0, ssh_log_body, &tx->base);
}

static void ssh_line_done(struct ssh_state *st, struct app_parse_ctx *ctx, uint8_t d)
{
    struct ssh_side *s = &st->tx.side[d];
    uint32_t n = s->line_len;
    if (n && s->line[n - 1] == '\r')
        n--;
    s->line[n] = 0;
    if (ssh_banner_parse(s, s->line, n)) {
        s->banner_seen = true;
        if (s->line_overflow)
            ssh_event(ctx, &st->tx, SSH_EV_LONG_BANNER);
        /* SSH-1 has another packet format; 1.99 means 2.0 compatible. */
        if (strcmp(s->proto_version, "2.0") == 0 || strcmp(s->proto_version, "1.99") == 0)
            s->state = SSH_RECORD_HEADER;
        else
            s->state = SSH_DONE;
        if (!st->counted) {
            st->counted = true;
            app_parser_count_tx(ctx, APP_PROTO_SSH);
        }
    } else if (d == 1 && ++s->pre_banner_lines <= SSH_PRE_BANNER_LINES) {
        /* RFC 4253 4.2: a server may send other lines first. */
    } else {
        ssh_event(ctx, &st->tx, SSH_EV_INVALID_BANNER);
        s->state = SSH_DONE;
    }
    s->line_len = 0;
    s->line_overflow = false;
}

/* Frames of the unencrypted binary packets (Suricata's ssh frames):
 * record.pdu (the whole packet from its length field), record.hdr (length,
 * padding length and message code: 6 bytes) and record.data (the rest:
 * payload and padding). Bytes not at hand yet are filled in by the frame
 * store as the stream is parsed. */
enum { SSH_FRAME_PDU, SSH_FRAME_HDR, SSH_FRAME_DATA };
static const char *const ssh_frame_names[] = {"record.pdu", "record.hdr", "record.data", NULL};

static void ssh_record_frames(struct app_parse_ctx *ctx, uint8_t d, uint64_t off, const uint8_t *rec,
                              uint32_t avail, uint32_t plen)
{
    uint64_t total = 4 + (uint64_t)plen;
    uint32_t have = avail < total ? avail : (uint32_t)total;
    app_frame_add(ctx, d, off, (int64_t)total, SSH_FRAME_PDU, 0, rec, have);
    app_frame_add(ctx, d, off, 6, SSH_FRAME_HDR, 0, rec, have < 6 ? have : 6);
    app_frame_add(ctx, d, off + 6, (int64_t)total - 6, SSH_FRAME_DATA, 0, have > 6 ? rec + 6 : NULL,
                  have > 6 ? have - 6 : 0);
}

static int ssh_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    struct ssh_state *st = state;
    uint8_t d = direction & 1;
    struct ssh_side *s = &st->tx.side[d];
    const uint8_t *data0 = data;
    const uint8_t *rec = NULL; /* frames: a packet starting in this call */

    if (flags & APP_DATA_GAP) {
        if (s->state != SSH_ENCRYPTED)
            s->state = SSH_DONE;
        data = NULL;
        len = 0;
    }
    while (data && len > 0) {
        switch (s->state) {
        case SSH_BANNER: {
            const uint8_t *nl = memchr(data, '\n', len);
            uint32_t n = nl ? (uint32_t)(nl - data) : len;
            uint32_t room = SSH_BANNER_MAX - s->line_len;
            uint32_t c = n < room ? n : room;
            memcpy(s->line + s->line_len, data, c);
            s->line_len += c;
            if (c < n)
                s->line_overflow = true;
            if (nl) {
                ssh_line_done(st, ctx, d);
                n++;
            }
            data += n;
            len -= n;
            break;
        }
        case SSH_RECORD_HEADER: {
            if (s->hdr_len == 0)
                rec = data;
            uint32_t c = 5 - s->hdr_len;
            if (c > len)
                c = len;
            memcpy(s->hdr + s->hdr_len, data, c);
            s->hdr_len += c;
            data += c;
            len -= c;
            if (s->hdr_len < 5)
                break;
            s->hdr_len = 0;
            uint32_t plen = ((uint32_t)s->hdr[0] << 24) | ((uint32_t)s->hdr[1] << 16) |
                            ((uint32_t)s->hdr[2] << 8) | s->hdr[3];
            uint8_t msg = s->hdr[4]; /* first byte after the length is padding_length */
            (void)msg;
            if (plen < 2 || plen > SSH_PACKET_MAX) {
                ssh_event(ctx, &st->tx, SSH_EV_INVALID_RECORD);
                s->state = SSH_DONE;
                break;
            }
            if (app_frames_on(ctx)) {
                /* the packet's start: in this call, or 5 - c bytes before it */
                uint64_t here = ctx->stream_offset + (uint64_t)(data - data0);
                bool whole = rec && rec + 5 == data;
                /* a header cut across calls: its 5 bytes are in s->hdr (the
                 * rest of the packet is filled in from the stream) */
                ssh_record_frames(ctx, d, here - 5, whole ? rec : s->hdr, whole ? len + 5 : 5,
                                  plen);
            }
            rec = NULL;
            /* plen counts padding_length byte (already read) + payload + padding. */
            s->remaining = plen - 1;
            s->kex_len = 0;
            s->kex_need = plen - 1;
            s->state = SSH_RECORD_BODY;
            break;
        }
        case SSH_RECORD_BODY: {
            /* The first body byte is the message code: only KEXINIT is kept. */
            if (s->kex_len == 0 && data[0] != SSH_MSG_KEXINIT) {
                if (data[0] == SSH_MSG_NEWKEYS) {
                    uint32_t c = s->remaining < len ? s->remaining : len;
                    data += c;
                    len -= c;
                    s->remaining -= c;
                    s->state = s->remaining ? SSH_RECORD_SKIP : SSH_ENCRYPTED;
                    if (!s->remaining)
                        ssh_maybe_log(st, ctx, false);
                    else
                        s->kex_len = UINT32_MAX; /* NEWKEYS pending in SKIP */
                    break;
                }
                s->state = SSH_RECORD_SKIP;
                break;
            }
            if (s->kex_need > SSH_KEX_MAX) {
                ssh_event(ctx, &st->tx, SSH_EV_LONG_KEX_RECORD);
                s->state = SSH_RECORD_SKIP;
                break;
            }
            if (!s->kex) {
                if (!app_memory_reserve(ctx, SSH_KEX_MAX))
                    return -1;
                s->kex = malloc(SSH_KEX_MAX);
                if (!s->kex) {
                    app_memory_release(ctx, SSH_KEX_MAX);
                    return -1;
                }
            }
            uint32_t c = s->remaining < len ? s->remaining : len;
            memcpy(s->kex + s->kex_len, data, c);
            s->kex_len += c;
            s->remaining -= c;
            data += c;
            len -= c;
            if (s->remaining == 0) {
                ssh_kexinit(s, ctx, d == 1, s->kex + 1, s->kex_len - 1);
                s->kex_len = 0;
                s->state = SSH_RECORD_HEADER;
            }
            break;
        }
        case SSH_RECORD_SKIP: {
            uint32_t c = s->remaining < len ? s->remaining : len;
            data += c;
            len -= c;
            s->remaining -= c;
            if (s->remaining == 0) {
                if (s->kex_len == UINT32_MAX) {
                    s->kex_len = 0;
                    s->state = SSH_ENCRYPTED;
                    ssh_maybe_log(st, ctx, false);
                } else {
                    s->state = SSH_RECORD_HEADER;
                }
            }
            break;
        }
        case SSH_ENCRYPTED:
        case SSH_DONE:
        default:
            len = 0;
            break;
        }
    }
    return 0;
}

static enum app_probe_result ssh_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    static const char sig[] = "SSH-";
    uint32_t n = len < 4 ? len : 4;
    if (memcmp(data, sig, n) != 0)
        return APP_PROBE_NO;
    if (len < 4)
        return APP_PROBE_NEED_MORE;
    /* "SSH-" then a version with a dash. */
    for (uint32_t i = 4; i < len && i < 64; i++) {
        if (data[i] == '-')
            return APP_PROBE_MATCH;
        if (data[i] == '\n' || data[i] == ' ')
            return APP_PROBE_NO;
    }
    return len < 64 ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
}

static void *ssh_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct ssh_state)))
        return NULL;
    struct ssh_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct ssh_state));
        return NULL;
    }
    st->thread = ctx->thread;
    st->tx.base.parser = &app_parser_ssh;
    return st;
}

static void ssh_state_free(void *state)
{
    struct ssh_state *st = state;
    if (!st)
        return;
    for (int d = 0; d < 2; d++) {
        struct ssh_side *s = &st->tx.side[d];
        if (s->kex) {
            free(s->kex);
            app_thread_memory_release(st->thread, SSH_KEX_MAX);
        }
        if (s->hassh_string) {
            app_thread_memory_release(st->thread, s->hassh_alloc);
            free(s->hassh_string);
        }
    }
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void ssh_flow_end(void *state, struct app_parse_ctx *ctx)
{
    ssh_maybe_log(state, ctx, true);
}

static void ssh_write_side(const struct ssh_side *s, struct json_writer *w, const char *key)
{
    if (!s->banner_seen)
        return;
    json_key_object_begin(w, key);
    json_key_string(w, "proto_version", s->proto_version);
    json_key_string(w, "software_version", s->software_version);
    if (s->hassh_string) {
        json_key_object_begin(w, "hassh");
        json_key_string(w, "hash", s->hassh);
        json_key_string(w, "string", s->hassh_string);
        json_object_end(w);
    }
    json_object_end(w);
}

static void ssh_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct ssh_tx *tx = (const struct ssh_tx *)atx;
    json_key_object_begin(w, "ssh");
    ssh_write_side(&tx->side[0], w, "client");
    ssh_write_side(&tx->side[1], w, "server");
    json_object_end(w);
}

static void ssh_log_body(const void *object, struct json_writer *w)
{
    ssh_tx_write_json(object, w);
}

static int ssh_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct ssh_state *st = state;
    return fn(&st->tx.base, user);
}

static bool ssh_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct ssh_tx *tx = (const struct ssh_tx *)atx;
    uint8_t s = tx->side[direction & 1].state;
    return s == SSH_ENCRYPTED || s == SSH_DONE;
}

/* ssh.proto / ssh.software: instance 0 is the client's, 1 the server's (an
 * instance is absent until that banner is seen). HASSH buffers: the side's
 * own (client for ssh.hassh, server for ssh.hassh.server). */
static int ssh_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct ssh_tx *tx = (const struct ssh_tx *)atx;
    const char *v = NULL;
    switch (buffer) {
    case APP_BUFFER_SSH_PROTO:
    case APP_BUFFER_SSH_SOFTWARE:
        if (index > 1 || !tx->side[index].banner_seen)
            return -ENOENT;
        v = buffer == APP_BUFFER_SSH_PROTO ? tx->side[index].proto_version
                                           : tx->side[index].software_version;
        break;
    case APP_BUFFER_SSH_HASSH:
        v = tx->side[0].hassh_string ? tx->side[0].hassh : NULL;
        break;
    case APP_BUFFER_SSH_HASSH_STRING:
        v = tx->side[0].hassh_string;
        break;
    case APP_BUFFER_SSH_HASSH_SERVER:
        v = tx->side[1].hassh_string ? tx->side[1].hassh : NULL;
        break;
    case APP_BUFFER_SSH_HASSH_SERVER_STRING:
        v = tx->side[1].hassh_string;
        break;
    default:
        return -ENOENT;
    }
    if (!v || (buffer != APP_BUFFER_SSH_PROTO && buffer != APP_BUFFER_SSH_SOFTWARE && index))
        return -ENOENT;
    *data = (const uint8_t *)v;
    *len = (uint32_t)strlen(v);
    return 0;
}

/* Each side's own banner and HASSH. */
static int ssh_tx_get_buffer_dir(const struct app_tx *atx, enum app_buffer buffer,
                                 uint8_t direction, uint32_t index, const uint8_t **data,
                                 uint32_t *len)
{
    const struct ssh_tx *tx = (const struct ssh_tx *)atx;
    const struct ssh_side *s = &tx->side[direction & 1];
    const char *v;
    switch (buffer) {
    case APP_BUFFER_SSH_PROTO:
        v = s->banner_seen ? s->proto_version : NULL;
        break;
    case APP_BUFFER_SSH_SOFTWARE:
        v = s->banner_seen ? s->software_version : NULL;
        break;
    default:
        return -EAGAIN;
    }
    if (!v || index)
        return -ENOENT;
    *data = (const uint8_t *)v;
    *len = (uint32_t)strlen(v);
    return 0;
}

static bool ssh_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct ssh_tx *tx = (const struct ssh_tx *)atx;
    for (int e = 0; e < SSH_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(ssh_event_names[e], name) == 0)
            return true;
    return false;
}

const struct app_parser app_parser_ssh = {
    .proto = APP_PROTO_SSH,
    .name = "ssh",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {22},
    .probe = ssh_probe,
    .state_new = ssh_state_new,
    .state_free = ssh_state_free,
    .parse = ssh_parse,
    .frame_names = ssh_frame_names,
    .flow_end = ssh_flow_end,
    .tx_foreach = ssh_tx_foreach,
    .tx_complete = ssh_tx_complete,
    .tx_get_buffer = ssh_tx_get_buffer,
    .tx_write_json = ssh_tx_write_json,
    .tx_has_event = ssh_tx_has_event,
    .event_names = ssh_event_names,
    .tx_get_buffer_dir = ssh_tx_get_buffer_dir,
};

bool app_ssh_tx_side_encrypted(const struct app_tx *atx, uint8_t side)
{
    if (app_tx_proto(atx) != APP_PROTO_SSH)
        return false;
    const struct ssh_tx *tx = (const struct ssh_tx *)atx;
    return tx->side[side & 1].state == SSH_ENCRYPTED;
}
