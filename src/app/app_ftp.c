/* SPDX-License-Identifier: Apache-2.0 */
/* FTP control channel and ftp-data.
 *
 * Control: one transaction per command line (and one for a reply that no
 * command waits for, such as the 220 banner); replies (multi-line ones
 * included) attach to the oldest transaction still waiting, 1xx replies are
 * preliminary. PASV/EPSV replies and PORT/EPRT commands give the data
 * connection's port; RETR/STOR name the transfer. The data connection is
 * announced to the framework with app_expectation_add() when the port is
 * known, carrying a shared, reference-counted struct ftp_transfer that RETR
 * or STOR fill in later (the data connection may open before the command is
 * parsed). Lines are limited to max_line (default 4096, Suricata's
 * ftp.max-line-length): longer commands/replies are truncated with
 * request_command_too_long / response_command_too_long.
 *
 * ftp-data: the payload of the expected flow becomes one file named by the
 * RETR/STOR argument; EVE "ftp_data" {filename, command} and fileinfo.
 *
 * Reference counts are not atomic: the expectation table is per worker and
 * both flows must be handled by the same worker (Suricata's ftp-hash). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "app/app_ftp.h"
#include "app/app_parser.h"
#include "app/file.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "util/json.h"

#define FTP_LINE_DEFAULT 4096
#define FTP_REPLY_LINES_MAX 64 /* reply lines kept per transaction */
#define FTP_EXPECT_TIMEOUT 60  /* seconds an announced data connection waits */
#define FTP_FILE_INSPECT (1u << 20)

enum ftp_transfer_cmd { FTP_XFER_NONE = 0, FTP_XFER_RETR, FTP_XFER_STOR };

/* Shared between the control flow and the data flow. */
struct ftp_transfer {
    int refs;
    uint8_t cmd; /* enum ftp_transfer_cmd */
    char *filename;
    size_t filename_len;
};

static struct ftp_transfer *ftp_transfer_ref(struct ftp_transfer *t)
{
    if (t)
        t->refs++;
    return t;
}

static void ftp_transfer_unref(void *p)
{
    struct ftp_transfer *t = p;
    if (!t || --t->refs > 0)
        return;
    free(t->filename);
    free(t);
}

struct ftp_state;

struct ftp_tx {
    struct app_tx base;
    struct ftp_tx *next;
    struct ftp_state *state;
    char *command; /* upper-cased verb, NULL for a reply-only transaction */
    uint8_t *data; /* argument */
    uint32_t data_len;
    bool has_data;
    bool command_truncated, reply_truncated;
    char **replies;   /* reply texts (after the code) */
    char (*codes)[4]; /* completion codes, parallel to replies where they have one */
    uint32_t reply_count, code_count;
    bool done;  /* a final (non-1xx) reply arrived */
    size_t mem; /* command and reply bytes reserved against the memcap */
    uint16_t dyn_port;
    int8_t active; /* -1 unset, 0 passive, 1 active */
    uint64_t events;
};

struct ftp_line {
    uint8_t *buf;
    uint32_t len, cap;
    bool discard;
};

struct ftp_state {
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;
    struct ftp_tx *head, *tail;
    uint32_t live;
    uint64_t next_id;
    uint32_t max_line;
    struct ftp_line line[2];
    struct ftp_tx *reply_tx;   /* transaction receiving a multi-line reply */
    char reply_code[4];        /* code of the multi-line reply in progress */
    struct ftp_transfer *xfer; /* the announced data connection */
    uint16_t dyn_port;
    bool active;
    bool too_many;
    bool eof[2];
    uint16_t switch_to;
};

enum ftp_event {
    FTP_EVENT_REQUEST_TOO_LONG = 0,
    FTP_EVENT_RESPONSE_TOO_LONG,
    FTP_EVENT_TOO_MANY_TX,
    FTP_EVENT_FILE_BEFORE_PORT,
};
static const char *const ftp_event_names[] = {"request_command_too_long",
                                              "response_command_too_long", "too_many_transactions",
                                              "file_before_port", NULL};

static void ftp_event(struct ftp_state *st, struct ftp_tx *tx, enum ftp_event ev)
{
    if (tx)
        tx->events |= 1ull << ev;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_FTP, ftp_event_names[ev]);
}

/* ---------- transactions ---------- */

static void ftp_tx_free(struct ftp_tx *tx)
{
    free(tx->command);
    free(tx->data);
    for (uint32_t i = 0; i < tx->reply_count; i++)
        free(tx->replies[i]);
    free(tx->replies);
    free(tx->codes);
    app_thread_memory_release(tx->state->thread, sizeof(*tx) + tx->mem);
    free(tx);
}

static struct ftp_tx *ftp_tx_new(struct ftp_state *st)
{
    const struct app_layer_config *cfg = st->ctx ? app_parser_config(st->ctx) : NULL;
    uint32_t max_tx = cfg && cfg->max_tx_per_flow ? cfg->max_tx_per_flow : 512;
    if (st->live >= max_tx) {
        if (!st->too_many)
            ftp_event(st, NULL, FTP_EVENT_TOO_MANY_TX);
        st->too_many = true;
        return NULL;
    }
    if (!app_thread_memory_reserve(st->thread, sizeof(struct ftp_tx)))
        return NULL;
    struct ftp_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_thread_memory_release(st->thread, sizeof(struct ftp_tx));
        return NULL;
    }
    tx->base.parser = &app_parser_ftp;
    tx->base.id = st->next_id++;
    tx->state = st;
    tx->active = -1;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->live++;
    if (st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_FTP);
    return tx;
}

/* ---------- EVE ---------- */

static void ftp_write_ftp(const struct ftp_tx *tx, struct json_writer *w)
{
    json_key_object_begin(w, "ftp");
    if (tx->command) {
        json_key_string(w, "command", tx->command);
        if (tx->has_data) {
            json_key_string_len(w, "command_data", tx->data, tx->data_len);
            json_key_bool(w, "command_truncated", tx->command_truncated);
        }
    }
    if (tx->reply_count) {
        json_key_array_begin(w, "reply");
        for (uint32_t i = 0; i < tx->reply_count; i++)
            json_write_string(w, tx->replies[i]);
        json_array_end(w);
    }
    if (tx->code_count) {
        json_key_array_begin(w, "completion_code");
        for (uint32_t i = 0; i < tx->code_count; i++)
            json_write_string(w, tx->codes[i]);
        json_array_end(w);
    }
    if (tx->dyn_port)
        json_key_u64(w, "dynamic_port", tx->dyn_port);
    if (tx->active >= 0)
        json_key_string(w, "mode", tx->active ? "active" : "passive");
    json_key_string(w, "reply_received", tx->done ? "yes" : "no");
    if (tx->reply_count)
        json_key_bool(w, "reply_truncated", tx->reply_truncated);
    json_object_end(w);
}

static void ftp_write_event(const void *object, struct json_writer *w)
{
    const struct ftp_tx *tx = object;
    json_key_u64(w, "tx_id", tx->base.id);
    ftp_write_ftp(tx, w);
}

static void ftp_tx_log(struct ftp_tx *tx)
{
    if (tx->base.logged || !tx->state->ctx)
        return;
    tx->base.logged = true;
    app_parser_log(tx->state->ctx, "ftp", 0, ftp_write_event, tx);
}

/* ---------- data connection ---------- */

/* Announces the data connection. Passive: from the control client to
 * server_ip:port; active: from the server to the client's port. */
static void ftp_expect(struct ftp_state *st, const struct ip_address *server_ip, uint16_t port,
                       bool active)
{
    if (!st->ctx || !st->ctx->flow || port == 0)
        return;
    struct ftp_transfer *t = calloc(1, sizeof(*t));
    if (!t)
        return;
    t->refs = 1; /* the control state's reference */
    ftp_transfer_unref(st->xfer);
    st->xfer = t;
    st->dyn_port = port;
    st->active = active;
    const struct flow *f = st->ctx->flow;
    const struct ip_address *client = active ? &f->key.dst : &f->key.src;
    const struct ip_address *server = server_ip ? server_ip : (active ? &f->key.src : &f->key.dst);
    if (app_expectation_add(st->ctx, APP_PROTO_FTP_DATA, client, server, port, FTP_EXPECT_TIMEOUT,
                            ftp_transfer_ref(t), ftp_transfer_unref) != 0)
        ftp_transfer_unref(t);
}

/* "h1,h2,h3,h4,p1,p2" anywhere in s; fills ip (IPv4) and port. */
static bool ftp_parse_hostport(const char *s, size_t len, struct ip_address *ip, uint16_t *port)
{
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            continue;
        unsigned v[6];
        size_t j = i;
        int k;
        for (k = 0; k < 6; k++) {
            if (j >= len || !isdigit((unsigned char)s[j]))
                break;
            unsigned x = 0;
            int nd = 0;
            while (j < len && isdigit((unsigned char)s[j]) && nd < 4) {
                x = x * 10 + (unsigned)(s[j] - '0');
                j++;
                nd++;
            }
            if (x > 255)
                break;
            v[k] = x;
            if (k < 5) {
                if (j >= len || s[j] != ',')
                    break;
                j++;
            }
        }
        if (k == 6) {
            memset(ip, 0, sizeof(*ip));
            ip->family = 4;
            for (int b = 0; b < 4; b++)
                ip->addr.u8[12 + b] = (uint8_t)v[b];
            *port = (uint16_t)(v[4] * 256 + v[5]);
            return *port != 0;
        }
    }
    return false;
}

/* EPRT |af|addr|port|  */
static bool ftp_parse_eprt(const char *s, size_t len, struct ip_address *ip, uint16_t *port)
{
    if (len < 7)
        return false;
    char d = s[0];
    char buf[128];
    if (len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *f1 = buf + 1, *e1 = strchr(f1, d);
    if (!e1)
        return false;
    *e1 = 0;
    char *f2 = e1 + 1, *e2 = strchr(f2, d);
    if (!e2)
        return false;
    *e2 = 0;
    char *f3 = e2 + 1, *e3 = strchr(f3, d);
    if (!e3)
        return false;
    *e3 = 0;
    long p = strtol(f3, NULL, 10);
    if (p <= 0 || p > 65535)
        return false;
    memset(ip, 0, sizeof(*ip));
    if (strcmp(f1, "1") == 0) {
        ip->family = 4;
        if (inet_pton(AF_INET, f2, ip->addr.u8 + 12) != 1)
            return false;
    } else if (strcmp(f1, "2") == 0) {
        ip->family = 6;
        if (inet_pton(AF_INET6, f2, ip->addr.u8) != 1)
            return false;
    } else {
        return false;
    }
    *port = (uint16_t)p;
    return true;
}

/* EPSV reply: "(|||port|)" */
static bool ftp_parse_epsv(const char *s, size_t len, uint16_t *port)
{
    const char *p = memchr(s, '(', len);
    if (!p)
        return false;
    size_t rest = len - (size_t)(p - s);
    if (rest < 6)
        return false;
    char d = p[1];
    if (p[2] != d || p[3] != d)
        return false;
    long v = 0;
    size_t i = 4;
    while (i < rest && isdigit((unsigned char)p[i]) && v <= 65535)
        v = v * 10 + (p[i++] - '0');
    if (i >= rest || p[i] != d || v <= 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

/* ---------- control channel ---------- */

static void ftp_command_line(struct ftp_state *st, const uint8_t *line, size_t len, bool truncated)
{
    if (len == 0 && !truncated)
        return;
    struct ftp_tx *tx = ftp_tx_new(st);
    if (!tx)
        return;
    if (!app_thread_memory_reserve(st->thread, len + 2))
        return; /* memcap: the transaction stays without its command */
    tx->mem += len + 2;
    size_t vl = 0;
    while (vl < len && line[vl] != ' ')
        vl++;
    tx->command = malloc(vl + 1);
    if (tx->command) {
        for (size_t i = 0; i < vl; i++)
            tx->command[i] = (char)toupper(line[i]);
        tx->command[vl] = 0;
    }
    if (vl < len) {
        size_t dl = len - vl - 1;
        tx->data = malloc(dl + 1);
        if (tx->data) {
            memcpy(tx->data, line + vl + 1, dl);
            tx->data[dl] = 0;
            tx->data_len = (uint32_t)dl;
            tx->has_data = true;
        }
    }
    tx->command_truncated = truncated;
    if (truncated)
        ftp_event(st, tx, FTP_EVENT_REQUEST_TOO_LONG);
    if (!tx->command)
        return;
    const char *arg = tx->data ? (const char *)tx->data : "";
    size_t al = tx->data_len;
    struct ip_address ip;
    uint16_t port;
    if (strcmp(tx->command, "PORT") == 0) {
        tx->active = 1;
        if (ftp_parse_hostport(arg, al, &ip, &port)) {
            tx->dyn_port = port;
            ftp_expect(st, &ip, port, true);
        }
    } else if (strcmp(tx->command, "EPRT") == 0) {
        tx->active = 1;
        if (ftp_parse_eprt(arg, al, &ip, &port)) {
            tx->dyn_port = port;
            ftp_expect(st, &ip, port, true);
        }
    } else if (strcmp(tx->command, "PASV") == 0 || strcmp(tx->command, "EPSV") == 0) {
        tx->active = 0;
    } else if (strcmp(tx->command, "RETR") == 0 || strcmp(tx->command, "STOR") == 0 ||
               strcmp(tx->command, "APPE") == 0 || strcmp(tx->command, "STOU") == 0) {
        if (!st->xfer || st->xfer->cmd != FTP_XFER_NONE) {
            /* a transfer with no data connection announced for it */
            ftp_event(st, tx, FTP_EVENT_FILE_BEFORE_PORT);
            return;
        }
        struct ftp_transfer *t = st->xfer;
        t->cmd = tx->command[0] == 'R' ? FTP_XFER_RETR : FTP_XFER_STOR;
        t->filename = malloc(al + 1);
        if (t->filename) {
            memcpy(t->filename, arg, al);
            t->filename[al] = 0;
            t->filename_len = al;
        }
    }
}

static void ftp_tx_add_reply(struct ftp_tx *tx, const uint8_t *code, const uint8_t *text,
                             size_t len, bool truncated)
{
    if (tx->reply_count >= FTP_REPLY_LINES_MAX)
        return;
    size_t need = len + 1 + sizeof(char *) + 4;
    if (!app_thread_memory_reserve(tx->state->thread, need))
        return; /* memcap: the line is dropped (counted by the framework) */
    tx->mem += need;
    char **nr = realloc(tx->replies, (tx->reply_count + 1) * sizeof(*nr));
    if (!nr)
        return;
    tx->replies = nr;
    char *t = malloc(len + 1);
    if (!t)
        return;
    memcpy(t, text, len);
    t[len] = 0;
    tx->replies[tx->reply_count++] = t;
    if (code) {
        char(*nc)[4] = realloc(tx->codes, (tx->code_count + 1) * sizeof(*nc));
        if (nc) {
            tx->codes = nc;
            memcpy(tx->codes[tx->code_count], code, 3);
            tx->codes[tx->code_count][3] = 0;
            tx->code_count++;
        }
    }
    if (truncated)
        tx->reply_truncated = true;
}

static struct ftp_tx *ftp_oldest_waiting(struct ftp_state *st)
{
    for (struct ftp_tx *tx = st->head; tx; tx = tx->next)
        if (!tx->done)
            return tx;
    return NULL;
}

static void ftp_reply_final(struct ftp_state *st, struct ftp_tx *tx, unsigned code,
                            const char *text, size_t len)
{
    if (tx->command && code == 227 && strcmp(tx->command, "PASV") == 0) {
        struct ip_address ip;
        uint16_t port;
        if (ftp_parse_hostport(text, len, &ip, &port)) {
            tx->dyn_port = port;
            ftp_expect(st, &ip, port, false);
        }
    } else if (tx->command && code == 229 && strcmp(tx->command, "EPSV") == 0) {
        uint16_t port;
        if (ftp_parse_epsv(text, len, &port)) {
            tx->dyn_port = port;
            ftp_expect(st, NULL, port, false);
        }
    } else if (tx->command && code == 234 && strcmp(tx->command, "AUTH") == 0) {
        if (tx->data_len >= 3 && (strncasecmp((const char *)tx->data, "TLS", 3) == 0 ||
                                  strncasecmp((const char *)tx->data, "SSL", 3) == 0))
            st->switch_to = APP_PROTO_TLS;
    }
    if (code >= 200) {
        tx->done = true;
        ftp_tx_log(tx);
    }
}

static void ftp_reply_line(struct ftp_state *st, const uint8_t *line, size_t len, bool truncated)
{
    if (truncated)
        ftp_event(st, st->reply_tx, FTP_EVENT_RESPONSE_TOO_LONG);
    bool has_code = len >= 3 && isdigit(line[0]) && isdigit(line[1]) && isdigit(line[2]) &&
                    (len == 3 || line[3] == ' ' || line[3] == '-');
    struct ftp_tx *tx = st->reply_tx;
    if (!tx) {
        tx = ftp_oldest_waiting(st);
        if (!tx) {
            tx = ftp_tx_new(st); /* a reply nobody asked for: the banner */
            if (!tx)
                return;
        }
    }
    if (!has_code) {
        /* a line inside a multi-line reply */
        ftp_tx_add_reply(tx, NULL, line, len, truncated);
        if (!st->reply_tx)
            st->reply_tx = tx;
        return;
    }
    const uint8_t *text = len > 4 ? line + 4 : line + len;
    size_t tl = len > 4 ? len - 4 : 0;
    bool more = len > 3 && line[3] == '-';
    if (st->reply_tx && memcmp(line, st->reply_code, 3) == 0 && !more) {
        /* last line of a multi-line reply */
        ftp_tx_add_reply(tx, line, text, tl, truncated);
        st->reply_tx = NULL;
    } else if (st->reply_tx) {
        ftp_tx_add_reply(tx, NULL, line, len, truncated);
        return;
    } else {
        ftp_tx_add_reply(tx, line, text, tl, truncated);
        if (more) {
            st->reply_tx = tx;
            memcpy(st->reply_code, line, 3);
            return;
        }
    }
    unsigned code = (unsigned)(line[0] - '0') * 100 + (unsigned)(line[1] - '0') * 10 +
                    (unsigned)(line[2] - '0');
    ftp_reply_final(st, tx, code, (const char *)text, tl);
}

/* Splits into lines with the line limit (see app_smtp.c for the rule). */
static void ftp_lines(struct ftp_state *st, int dir, const uint8_t *data, size_t len)
{
    struct ftp_line *lb = &st->line[dir];
    size_t i = 0;
    while (i < len && !st->switch_to) {
        const uint8_t *lf = memchr(data + i, '\n', len - i);
        size_t seg = lf ? (size_t)(lf - (data + i)) : len - i;
        if (lb->discard) {
            i += seg + (lf ? 1 : 0);
            if (lf)
                lb->discard = false;
            continue;
        }
        if (!lb->buf) {
            lb->buf = malloc(st->max_line);
            if (!lb->buf)
                return;
            lb->cap = st->max_line;
        }
        size_t room = lb->cap - lb->len;
        if (seg >= room && !(lf && seg == room && seg > 0 && data[i + seg - 1] == '\r')) {
            memcpy(lb->buf + lb->len, data + i, room);
            size_t l = lb->cap;
            lb->len = 0;
            if (lf && seg == room) {
                i += room + 1;
            } else {
                lb->discard = true;
                i += room;
            }
            if (dir == 0)
                ftp_command_line(st, lb->buf, l, true);
            else
                ftp_reply_line(st, lb->buf, l, true);
            continue;
        }
        memcpy(lb->buf + lb->len, data + i, seg);
        lb->len += (uint32_t)seg;
        i += seg;
        if (!lf)
            break;
        i++;
        size_t l = lb->len;
        if (l && lb->buf[l - 1] == '\r')
            l--;
        lb->len = 0;
        if (dir == 0)
            ftp_command_line(st, lb->buf, l, false);
        else
            ftp_reply_line(st, lb->buf, l, false);
    }
}

static enum app_probe_result ftp_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (direction == 1) {
        if (len < 4)
            return APP_PROBE_NEED_MORE;
        if (memcmp(data, "220", 3) != 0 || (data[3] != ' ' && data[3] != '-'))
            return APP_PROBE_NO;
        const uint8_t *eol = memchr(data, '\n', len);
        size_t n = eol ? (size_t)(eol - data) : len;
        for (size_t i = 4; i + 3 <= n; i++)
            if (strncasecmp((const char *)data + i, "FTP", 3) == 0)
                return APP_PROBE_MATCH;
        return !eol && len < 512 ? APP_PROBE_NEED_MORE : APP_PROBE_NO;
    }
    static const char *const cmds[] = {"USER ", "AUTH TLS", "AUTH SSL", "FEAT", "OPTS ", "SYST"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        size_t n = strlen(cmds[i]);
        if (len >= n) {
            if (strncasecmp((const char *)data, cmds[i], n) == 0)
                return APP_PROBE_MATCH;
        } else if (strncasecmp((const char *)data, cmds[i], len) == 0) {
            return APP_PROBE_NEED_MORE;
        }
    }
    return APP_PROBE_NO;
}

static void *ftp_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct ftp_state)))
        return NULL;
    struct ftp_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct ftp_state));
        return NULL;
    }
    st->thread = ctx->thread;
    const struct app_layer_config *cfg = app_parser_config(ctx);
    st->max_line = cfg && cfg->ftp_max_line_length ? cfg->ftp_max_line_length : FTP_LINE_DEFAULT;
    if (st->max_line < 16)
        st->max_line = 16;
    if (!app_memory_reserve(ctx, 2 * (size_t)st->max_line)) {
        app_memory_release(ctx, sizeof(struct ftp_state));
        free(st);
        return NULL;
    }
    return st;
}

static void ftp_state_free(void *state)
{
    struct ftp_state *st = state;
    if (!st)
        return;
    struct ftp_tx *tx = st->head;
    while (tx) {
        struct ftp_tx *n = tx->next;
        ftp_tx_free(tx);
        tx = n;
    }
    free(st->line[0].buf);
    free(st->line[1].buf);
    ftp_transfer_unref(st->xfer);
    app_thread_memory_release(st->thread, sizeof(*st) + 2 * (size_t)st->max_line);
    free(st);
}

static void ftp_tx_gc(struct ftp_state *st)
{
    while (st->head && st->head->done && app_tx_can_free(&st->head->base) &&
           st->head != st->reply_tx) {
        struct ftp_tx *tx = st->head;
        st->head = tx->next;
        if (!st->head)
            st->tail = NULL;
        st->live--;
        ftp_tx_free(tx);
    }
}

static void ftp_log_all(struct ftp_state *st)
{
    for (struct ftp_tx *tx = st->head; tx; tx = tx->next)
        ftp_tx_log(tx);
}

static int ftp_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                     uint32_t len, uint32_t flags)
{
    struct ftp_state *st = state;
    if (st->switch_to)
        return 0;
    st->ctx = ctx;
    ftp_tx_gc(st);
    int dir = direction & 1;
    if (flags & APP_DATA_GAP) {
        st->line[dir].len = 0;
        st->line[dir].discard = true;
    } else if (data && len) {
        ftp_lines(st, dir, data, len);
    }
    if (flags & APP_DATA_EOF)
        st->eof[dir] = true;
    if (st->eof[0] && st->eof[1])
        ftp_log_all(st);
    st->ctx = NULL;
    return st->too_many ? -1 : 0;
}

static void ftp_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct ftp_state *st = state;
    st->ctx = ctx;
    ftp_log_all(st);
    st->ctx = NULL;
}

static int ftp_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct ftp_state *st = state;
    for (struct ftp_tx *tx = st->head; tx; tx = tx->next) {
        int r = fn(&tx->base, user);
        if (r)
            return r;
    }
    return 0;
}

static bool ftp_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct ftp_tx *tx = (const struct ftp_tx *)atx;
    return direction == 0 ? true : tx->done;
}

static int ftp_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                             const uint8_t **data, uint32_t *len)
{
    const struct ftp_tx *tx = (const struct ftp_tx *)atx;
    if (index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER))
        return -ENOENT;
    if (buffer == APP_BUFFER_FTP_COMMAND && tx->command) {
        *data = (const uint8_t *)tx->command;
        *len = (uint32_t)strlen(tx->command);
        return 0;
    }
    if (buffer == APP_BUFFER_FTP_COMMAND_DATA && tx->has_data) {
        *data = tx->data;
        *len = tx->data_len;
        return 0;
    }
    return -ENOENT;
}

static void ftp_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    ftp_write_ftp((const struct ftp_tx *)atx, w);
}

static uint16_t ftp_switch_proto(void *state)
{
    return ((struct ftp_state *)state)->switch_to;
}

static bool ftp_tx_has_event(const struct app_tx *atx, const char *event_name)
{
    const struct ftp_tx *tx = (const struct ftp_tx *)atx;
    for (size_t i = 0; ftp_event_names[i]; i++)
        if ((tx->events & (1ull << i)) && strcasecmp(ftp_event_names[i], event_name) == 0)
            return true;
    return false;
}

const struct app_parser app_parser_ftp = {
    .proto = APP_PROTO_FTP,
    .name = "ftp",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {21, 0},
    .probe = ftp_probe,
    .state_new = ftp_state_new,
    .state_free = ftp_state_free,
    .parse = ftp_parse,
    .flow_end = ftp_flow_end,
    .tx_foreach = ftp_tx_foreach,
    .tx_complete = ftp_tx_complete,
    .tx_get_buffer = ftp_tx_get_buffer,
    .tx_write_json = ftp_tx_write_json,
    .switch_proto = ftp_switch_proto,
    .tx_has_event = ftp_tx_has_event,
    .event_names = ftp_event_names,
    .event_names_unsupported = (const char *const[]){"file_without_name", NULL},
};

/* ---------- ftp-data ---------- */

struct ftp_data_state {
    struct app_tx base;
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;
    struct ftp_transfer *xfer;
    struct app_file *file;
    uint8_t direction; /* of the payload */
    bool eof[2];
    bool logged_ftp_data;
};

static void ftp_data_write_member(const void *object, struct json_writer *w)
{
    const struct ftp_data_state *ds = object;
    json_key_object_begin(w, "ftp_data");
    if (ds->xfer && ds->xfer->filename)
        json_key_string_len(w, "filename", ds->xfer->filename, ds->xfer->filename_len);
    if (ds->xfer && ds->xfer->cmd)
        json_key_string(w, "command", ds->xfer->cmd == FTP_XFER_RETR ? "RETR" : "STOR");
    json_object_end(w);
}

static void ftp_data_write_event(const void *object, struct json_writer *w)
{
    json_key_u64(w, "tx_id", 0);
    ftp_data_write_member(object, w);
}

static void *ftp_data_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct ftp_data_state)))
        return NULL;
    struct ftp_data_state *ds = calloc(1, sizeof(*ds));
    if (!ds) {
        app_memory_release(ctx, sizeof(struct ftp_data_state));
        return NULL;
    }
    ds->base.parser = &app_parser_ftp_data;
    ds->thread = ctx->thread;
    ds->xfer = ftp_transfer_ref(ctx->expectation_data);
    app_parser_count_tx(ctx, APP_PROTO_FTP_DATA);
    return ds;
}

static void ftp_data_state_free(void *state)
{
    struct ftp_data_state *ds = state;
    if (!ds)
        return;
    file_free(ds->file);
    ftp_transfer_unref(ds->xfer);
    app_thread_memory_release(ds->thread, sizeof(*ds));
    free(ds);
}

static void ftp_data_finish(struct ftp_data_state *ds, enum file_state fs)
{
    if (!ds->ctx)
        return;
    if (ds->file && ds->file->state == FILE_STATE_OPEN)
        file_close(ds->ctx, ds->file, fs);
    if (!ds->base.logged) {
        ds->base.logged = true;
        app_parser_log(ds->ctx, "ftp_data", ds->direction, ftp_data_write_event, ds);
    }
    if (ds->file && !ds->file->logged)
        file_log(ds->ctx, ds->file, ftp_data_write_member, ds);
}

static int ftp_data_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                          const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct ftp_data_state *ds = state;
    ds->ctx = ctx;
    bool is_file = ds->xfer && ds->xfer->cmd != FTP_XFER_NONE; /* not LIST/NLST */
    if (is_file && ((data && len) || (flags & APP_DATA_GAP))) {
        if (!ds->file) {
            ds->direction = direction;
            const char *name = ds->xfer && ds->xfer->filename ? ds->xfer->filename : "";
            size_t nl = ds->xfer && ds->xfer->filename ? ds->xfer->filename_len : 0;
            ds->file = file_open(ctx, name, nl, 0, direction, FTP_FILE_INSPECT);
        }
        if (ds->file && direction == ds->direction) {
            if (flags & APP_DATA_GAP)
                file_add_gap(ds->file, len);
            else
                file_append(ctx, ds->file, data, len);
        }
    }
    if (flags & APP_DATA_EOF) {
        ds->eof[direction & 1] = true;
        if (ds->file && (direction == ds->direction || (ds->eof[0] && ds->eof[1])))
            ftp_data_finish(ds, FILE_STATE_CLOSED);
    }
    ds->ctx = NULL;
    return 0;
}

static void ftp_data_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct ftp_data_state *ds = state;
    ds->ctx = ctx;
    if (ds->file)
        ftp_data_finish(ds, FILE_STATE_TRUNCATED);
    else if (!ds->base.logged && ds->xfer && ds->xfer->cmd) {
        ds->base.logged = true;
        app_parser_log(ctx, "ftp_data", 0, ftp_data_write_event, ds);
    }
    ds->ctx = NULL;
}

static int ftp_data_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct ftp_data_state *ds = state;
    return fn(&ds->base, user);
}

static bool ftp_data_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct ftp_data_state *ds = (const struct ftp_data_state *)atx;
    return ds->file && ds->file->state != FILE_STATE_OPEN;
}

static int ftp_data_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                                  const uint8_t **data, uint32_t *len)
{
    const struct ftp_data_state *ds = (const struct ftp_data_state *)atx;
    if ((index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER)) != 0 || !ds->file)
        return -ENOENT;
    if (buffer == APP_BUFFER_FILE_DATA) {
        *data = ds->file->data ? ds->file->data : (const uint8_t *)"";
        *len = ds->file->data_len;
        return 0;
    }
    if (buffer == APP_BUFFER_FILE_NAME) {
        *data = ds->file->name;
        *len = ds->file->name_len;
        return 0;
    }
    return -ENOENT;
}

static void ftp_data_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    ftp_data_write_member(atx, w);
}

const struct app_parser app_parser_ftp_data = {
    .proto = APP_PROTO_FTP_DATA,
    .name = "ftp-data",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {0},
    .probe = NULL,
    .state_new = ftp_data_state_new,
    .state_free = ftp_data_state_free,
    .parse = ftp_data_parse,
    .flow_end = ftp_data_flow_end,
    .tx_foreach = ftp_data_tx_foreach,
    .tx_complete = ftp_data_tx_complete,
    .tx_get_buffer = ftp_data_tx_get_buffer,
    .tx_write_json = ftp_data_tx_write_json,
};

int app_ftp_tx_final_code(const struct app_tx *atx, const char **command)
{
    if (command)
        *command = NULL;
    if (app_tx_proto(atx) != APP_PROTO_FTP)
        return -1;
    const struct ftp_tx *tx = (const struct ftp_tx *)atx;
    if (!tx->done || tx->code_count == 0)
        return -1;
    if (command)
        *command = tx->command;
    const char *c = tx->codes[tx->code_count - 1];
    for (int i = 0; i < 3; i++)
        if (c[i] < '0' || c[i] > '9')
            return -1;
    return (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
}
