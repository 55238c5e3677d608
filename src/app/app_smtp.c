/* SPDX-License-Identifier: Apache-2.0 */
/* SMTP parser: commands and replies (multi-line replies, pipelining with a
 * queue matching replies to commands), HELO/EHLO, MAIL FROM, RCPT TO, DATA
 * (dot-unstuffing, end-of-data), BDAT chunks, RSET and HELO/EHLO resets,
 * STARTTLS (switch to tls after the 220), and the message through the MIME
 * decoder (mime.h) with attachments as files. One transaction per mail; it
 * is logged (EVE "smtp" with "smtp" and "email" members, as Suricata 8) when
 * the server answers the end of the message, when a reset abandons it, or at
 * flow end. Lines are limited to SMTP_LINE_MAX bytes (TRUNCATED_LINE).
 *
 * Frames (as Suricata's): smtp.command_line (each client line outside a
 * message, its CRLF included, SASL responses too), smtp.data (a DATA message
 * from the byte after the DATA line to the end of its "." line, opened
 * while its end is unknown; each BDAT chunk), smtp.response_line (each
 * server line, multi-line replies line by line), with the transaction of
 * the command they belong to. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_parser.h"
#include "app/app_smtp.h"
#include "app/file.h"
#include "app/mime.h"
#include "util/json.h"

#define SMTP_LINE_MAX 4096
#define SMTP_MAX_CMDS 512 /* commands waiting for a reply */
#define SMTP_MAX_RCPT 1024
#define SMTP_MAX_ANOMALIES 256
#define SMTP_FILE_INSPECT 100000 /* smtp.inspected-tracker.content-limit */

enum smtp_cmd {
    SMTP_CMD_OTHER = 0,
    SMTP_CMD_HELO,
    SMTP_CMD_DATA,
    SMTP_CMD_DATA_END,
    SMTP_CMD_BDAT,
    SMTP_CMD_BDAT_LAST,
    SMTP_CMD_STARTTLS,
    SMTP_CMD_RSET,
    SMTP_CMD_QUIT,
    SMTP_CMD_AUTH, /* AUTH and the client's lines of its SASL exchange */
};

/* clang-format off */
#define SMTP_EVENT_LIST(X)                                                                         \
    X(INVALID_REPLY)                                                                               \
    X(UNABLE_TO_MATCH_REPLY_WITH_REQUEST)                                                          \
    X(MAX_COMMAND_LINE_LEN_EXCEEDED)                                                               \
    X(MAX_REPLY_LINE_LEN_EXCEEDED)                                                                 \
    X(INVALID_PIPELINED_SEQUENCE)                                                                  \
    X(BDAT_CHUNK_LEN_EXCEEDED)                                                                     \
    X(NO_SERVER_WELCOME_MESSAGE)                                                                   \
    X(TLS_REJECTED)                                                                                \
    X(DATA_COMMAND_REJECTED)                                                                       \
    X(FAILED_PROTOCOL_CHANGE)                                                                      \
    X(TRUNCATED_LINE)                                                                              \
    X(MIME_PARSE_FAILED)                                                                           \
    X(MIME_MALFORMED_MSG)                                                                          \
    X(MIME_INVALID_BASE64)                                                                         \
    X(MIME_INVALID_QP)                                                                             \
    X(MIME_LONG_LINE)                                                                              \
    X(MIME_LONG_ENC_LINE)                                                                          \
    X(MIME_LONG_HEADER_NAME)                                                                       \
    X(MIME_LONG_HEADER_VALUE)                                                                      \
    X(MIME_LONG_BOUNDARY)                                                                          \
    X(MIME_LONG_FILENAME)                                                                          \
    X(MIME_INVALID_HEADER)                                                                         \
    X(DUPLICATE_FIELDS)                                                                            \
    X(UNPARSABLE_CONTENT)                                                                          \
    X(INVALID_BDAT)                                                                                \
    X(TOO_MANY_TRANSACTIONS)
/* clang-format on */

enum smtp_event {
#define SMTP_EVENT_ENUM(n) SMTP_EVENT_##n,
    SMTP_EVENT_LIST(SMTP_EVENT_ENUM)
#undef SMTP_EVENT_ENUM
        SMTP_EVENT_MAX
};

static const char *const smtp_event_names[SMTP_EVENT_MAX + 1] = {
#define SMTP_EVENT_NAME(n) [SMTP_EVENT_##n] = #n,
    SMTP_EVENT_LIST(SMTP_EVENT_NAME)
#undef SMTP_EVENT_NAME
};

struct smtp_state;

struct smtp_tx {
    struct app_tx base;
    struct smtp_tx *next;
    struct smtp_state *state;
    char *mail_from;
    char **rcpt;
    uint32_t rcpt_count, rcpt_cap;
    bool done;      /* no more commands belong to it */
    bool data_seen; /* DATA or BDAT was issued */
    bool has_mime;
    struct mime_message mime;
    struct app_file *files;
    uint64_t events;
    size_t mem; /* envelope strings reserved against the memcap */
    uint32_t auth_failures; /* AUTH exchanges answered 535 (RFC 4954: credentials invalid) */
};

struct smtp_line {
    uint8_t buf[SMTP_LINE_MAX];
    uint32_t len;
    bool discard; /* the line overflowed: skip to its LF */
};

struct smtp_pending {
    uint8_t cmd;    /* enum smtp_cmd */
    uint64_t tx_id; /* for DATA_END / BDAT_LAST: the mail to log on the reply */
};

enum { SMTP_FRAME_COMMAND_LINE, SMTP_FRAME_DATA, SMTP_FRAME_RESPONSE_LINE };
static const char *const smtp_frame_names[] = {"command_line", "data", "response_line", NULL};

struct smtp_state {
    struct app_layer_thread_ctx *thread;
    struct app_parse_ctx *ctx;
    const struct app_layer_config *cfg; /* the worker's, for logging outside a call */
    struct smtp_tx *head, *tail, *curr;
    uint32_t live;
    uint64_t next_id;
    char *helo;
    struct smtp_line cline, sline, mline; /* client commands, server replies, BDAT message */
    bool data_mode;
    bool auth_exchange;      /* AUTH answered 334: client lines are SASL data until the
                              * final reply (never set without the server's 334, so a
                              * one-sided capture or pipelined commands stay commands) */
    bool data_reply_pending; /* DATA sent, 354 not seen yet */
    bool data_early;         /* data mode entered before the 354 (pipelining) */
    bool pipeline_warned;
    uint64_t bdat_remaining;
    bool bdat_last;
    bool bdat_last_reply_pending;
    bool first_reply_seen;
    bool pipelining_server;
    struct smtp_pending queue[SMTP_MAX_CMDS];
    uint32_t q_head, q_count;
    uint16_t switch_to;
    uint32_t anomalies;
    bool too_many;
    bool eof[2];
    /* Frames: the stream offset of feed_base (the data of this parse
     * call), the line being handed to a callback (its wire bytes end at
     * line_end, line_wire long, CRLF included), the open DATA frame. */
    const uint8_t *feed_base;
    uint64_t feed_off;
    uint64_t line_end;
    uint32_t line_wire, line_have;
    uint64_t data_frame, data_frame_start;
    uint64_t client_end; /* stream offset after the client's last line */
};

/* ---------- helpers ---------- */

static void smtp_event(struct smtp_state *st, struct smtp_tx *tx, enum smtp_event ev)
{
    if (tx)
        tx->events |= 1ull << ev;
    if (!st->ctx || st->anomalies >= SMTP_MAX_ANOMALIES)
        return;
    st->anomalies++;
    app_parser_anomaly(st->ctx, APP_PROTO_SMTP, smtp_event_names[ev]);
}

static void smtp_tx_free(struct smtp_tx *tx)
{
    free(tx->mail_from);
    for (uint32_t i = 0; i < tx->rcpt_count; i++)
        free(tx->rcpt[i]);
    free(tx->rcpt);
    if (tx->has_mime)
        mime_message_free(&tx->mime);
    file_list_free(tx->files);
    app_thread_memory_release(tx->state->thread, sizeof(*tx) + tx->mem);
    free(tx);
}

static struct smtp_tx *smtp_tx_new(struct smtp_state *st)
{
    const struct app_layer_config *cfg = st->ctx ? app_parser_config(st->ctx) : NULL;
    uint32_t max_tx = cfg && cfg->max_tx_per_flow ? cfg->max_tx_per_flow : 512;
    if (st->live >= max_tx) {
        if (!st->too_many)
            smtp_event(st, NULL, SMTP_EVENT_TOO_MANY_TRANSACTIONS);
        st->too_many = true;
        return NULL;
    }
    if (!app_thread_memory_reserve(st->thread, sizeof(struct smtp_tx)))
        return NULL;
    struct smtp_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_thread_memory_release(st->thread, sizeof(struct smtp_tx));
        return NULL;
    }
    tx->base.parser = &app_parser_smtp;
    tx->base.id = st->next_id++;
    tx->state = st;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->live++;
    if (st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_SMTP);
    return tx;
}

static struct smtp_tx *smtp_tx_find(struct smtp_state *st, uint64_t id)
{
    for (struct smtp_tx *tx = st->head; tx; tx = tx->next)
        if (tx->base.id == id)
            return tx;
    return NULL;
}

/* ---------- EVE ---------- */

static void smtp_write_addr(void *user, const char *s, size_t n)
{
    json_write_string_len(user, s, n);
}

static void smtp_write_smtp(const struct smtp_tx *tx, struct json_writer *w)
{
    const struct smtp_state *st = tx->state;
    json_key_object_begin(w, "smtp");
    if (st->helo)
        json_key_string(w, "helo", st->helo);
    if (tx->mail_from)
        json_key_string(w, "mail_from", tx->mail_from);
    if (tx->rcpt_count) {
        json_key_array_begin(w, "rcpt_to");
        for (uint32_t i = 0; i < tx->rcpt_count; i++)
            json_write_string(w, tx->rcpt[i]);
        json_array_end(w);
    }
    json_object_end(w);
}

static void smtp_write_email(const struct smtp_tx *tx, struct json_writer *w)
{
    if (!tx->has_mime)
        return;
    const struct mime_message *m = &tx->mime;
    const struct app_layer_config *cfg = tx->state->cfg;
    json_key_object_begin(w, "email");
    json_key_string(w, "status", mime_status_name(m->status));
    const char *v = mime_message_header(m, "from");
    if (v)
        json_key_string(w, "from", v);
    static const char *const lists[] = {"to", "cc"};
    for (size_t i = 0; i < 2; i++) {
        v = mime_message_header(m, lists[i]);
        const char *q = v;
        while (q && (*q == ' ' || *q == '\t' || *q == ','))
            q++;
        if (!q || !*q)
            continue; /* "To: " with nothing: Suricata logs no list */
        json_key_array_begin(w, lists[i]);
        mime_address_list_foreach(v, smtp_write_addr, w);
        json_array_end(w);
    }
    if (cfg && cfg->smtp_extended) {
        static const struct {
            const char *hdr, *key;
        } ext[] = {{"message-id", "message_id"}, {"subject", "subject"},   {"x-mailer", "x_mailer"},
                   {"user-agent", "user_agent"}, {"reply-to", "reply_to"}, {"date", "date"}};
        for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
            v = mime_message_header(m, ext[i].hdr);
            if (v)
                json_key_string(w, ext[i].key, v);
        }
    }
    if (m->attachment_count) {
        json_key_array_begin(w, "attachment");
        for (uint32_t i = 0; i < m->attachment_count; i++)
            json_write_string(w, m->attachments[i] ? m->attachments[i] : "");
        json_array_end(w);
    }
    if (m->url_count) {
        json_key_array_begin(w, "url");
        for (uint32_t i = 0; i < m->url_count; i++)
            json_write_string(w, m->urls[i]);
        json_array_end(w);
    }
    json_object_end(w);
}

static void smtp_write_members(const void *object, struct json_writer *w)
{
    const struct smtp_tx *tx = object;
    smtp_write_smtp(tx, w);
    smtp_write_email(tx, w);
}

static void smtp_write_event(const void *object, struct json_writer *w)
{
    const struct smtp_tx *tx = object;
    json_key_u64(w, "tx_id", tx->base.id);
    smtp_write_members(tx, w);
}

static void smtp_tx_log(struct smtp_tx *tx)
{
    if (tx->base.logged || !tx->state->ctx)
        return;
    tx->base.logged = true;
    app_parser_log(tx->state->ctx, "smtp", 0, smtp_write_event, tx);
    for (struct app_file *f = tx->files; f; f = f->next)
        if (f->state != FILE_STATE_OPEN && !f->logged)
            file_log(tx->state->ctx, f, smtp_write_members, tx);
}

/* The mail is over (end of data, reset, BDAT LAST): no more commands go to it. */
static void smtp_tx_finish(struct smtp_state *st, struct smtp_tx *tx, bool complete)
{
    if (!tx)
        return;
    tx->done = true;
    if (tx->has_mime)
        mime_message_end(&tx->mime, complete);
}

/* ---------- MIME hooks ---------- */

static struct app_file *smtp_mime_file_open(void *user, const uint8_t *name, size_t len)
{
    struct smtp_tx *tx = user;
    if (!tx->state->ctx)
        return NULL;
    struct app_file *f = file_open(tx->state->ctx, name, len, tx->base.id, 0, SMTP_FILE_INSPECT);
    if (!f)
        return NULL;
    if (tx->base.file_store & 1u)
        file_store_mark(f); /* filestore with scope tx matched already */
    struct app_file **pp = &tx->files;
    while (*pp)
        pp = &(*pp)->next;
    *pp = f;
    return f;
}

static void smtp_mime_file_data(void *user, struct app_file *f, const uint8_t *data, size_t len)
{
    struct smtp_tx *tx = user;
    file_append(tx->state->ctx, f, data, len);
}

static void smtp_mime_file_close(void *user, struct app_file *f, bool complete)
{
    struct smtp_tx *tx = user;
    file_close(tx->state->ctx, f, complete ? FILE_STATE_CLOSED : FILE_STATE_TRUNCATED);
}

static void smtp_mime_event(void *user, const char *name)
{
    struct smtp_tx *tx = user;
    for (int i = 0; i < SMTP_EVENT_MAX; i++) {
        if (strcmp(smtp_event_names[i], name) == 0) {
            smtp_event(tx->state, tx, (enum smtp_event)i);
            return;
        }
    }
}

static void smtp_tx_mime_start(struct smtp_tx *tx)
{
    if (tx->has_mime)
        return;
    struct mime_hooks hooks = {.user = tx,
                               .file_open = smtp_mime_file_open,
                               .file_data = smtp_mime_file_data,
                               .file_close = smtp_mime_file_close,
                               .event = smtp_mime_event};
    mime_message_init(&tx->mime, &hooks);
    tx->has_mime = true;
    tx->state->mline.len = 0;
    tx->state->mline.discard = false;
}

/* ---------- command queue ---------- */

static void smtp_queue_push(struct smtp_state *st, uint8_t cmd, uint64_t tx_id)
{
    if (st->q_count >= SMTP_MAX_CMDS) {
        /* drop the oldest: a client that never reads replies */
        st->q_head = (st->q_head + 1) % SMTP_MAX_CMDS;
        st->q_count--;
    }
    struct smtp_pending *p = &st->queue[(st->q_head + st->q_count) % SMTP_MAX_CMDS];
    p->cmd = cmd;
    p->tx_id = tx_id;
    st->q_count++;
}

static bool smtp_queue_pop(struct smtp_state *st, struct smtp_pending *out)
{
    if (st->q_count == 0)
        return false;
    *out = st->queue[st->q_head];
    st->q_head = (st->q_head + 1) % SMTP_MAX_CMDS;
    st->q_count--;
    return true;
}

/* ---------- frames ---------- */

/* The line being handed to a callback as a frame: its bytes are in `line`
 * (CR included, the LF not: the framework takes it from the stream). */
static void smtp_line_frame(struct smtp_state *st, uint8_t dir, uint8_t type, const uint8_t *line,
                            int64_t tx_id)
{
    if (!app_frames_on(st->ctx) || !st->line_wire)
        return;
    app_frame_add(st->ctx, dir, st->line_end - st->line_wire, st->line_wire, type, tx_id, line,
                  st->line_have);
}

static void smtp_data_frame_open(struct smtp_state *st, struct smtp_tx *tx)
{
    if (!app_frames_on(st->ctx) || !tx)
        return;
    if (st->data_frame)
        app_frame_close(st->ctx, 0, st->data_frame,
                        (int64_t)(st->line_end - st->line_wire - st->data_frame_start));
    st->data_frame_start = st->line_end;
    st->data_frame =
        app_frame_open(st->ctx, 0, st->line_end, SMTP_FRAME_DATA, (int64_t)tx->base.id);
}

/* The DATA frame ends at `end` (0 long when the server refused DATA). */
static void smtp_data_frame_close(struct smtp_state *st, uint64_t end)
{
    if (!st->data_frame)
        return;
    app_frame_close(st->ctx, 0, st->data_frame,
                    end > st->data_frame_start ? (int64_t)(end - st->data_frame_start) : 0);
    st->data_frame = 0;
}

/* ---------- client side ---------- */

static bool smtp_prefix(const uint8_t *line, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && strncasecmp((const char *)line, word, n) == 0;
}

/* Suricata's parameter rule: skip prefix + 1 (the ':' or space), then
 * spaces; the value ends at the next space. */
static char *smtp_param(const uint8_t *line, size_t len, size_t prefix)
{
    size_t i = prefix + 1;
    while (i < len && line[i] == ' ')
        i++;
    size_t e = i;
    while (e < len && line[e] != ' ')
        e++;
    if (i > len)
        i = len;
    char *r = malloc(e - i + 1);
    if (!r)
        return NULL;
    memcpy(r, line + i, e - i);
    r[e - i] = 0;
    return r;
}

static void smtp_message_line(struct smtp_state *st, const uint8_t *line, size_t len)
{
    struct smtp_tx *tx = st->curr;
    if (tx && tx->has_mime)
        mime_message_line(&tx->mime, line, len);
}

static void smtp_data_end(struct smtp_state *st)
{
    struct smtp_tx *tx = st->curr;
    st->data_mode = false;
    st->data_early = false;
    if (!tx)
        return;
    smtp_tx_finish(st, tx, true);
    smtp_queue_push(st, SMTP_CMD_DATA_END, tx->base.id);
}

static bool smtp_tx_has_envelope(const struct smtp_tx *tx)
{
    return tx->mail_from || tx->rcpt_count || tx->data_seen;
}

static void smtp_command(struct smtp_state *st, const uint8_t *line, size_t len)
{
    if (!st->first_reply_seen && st->next_id == 0 && !st->curr)
        smtp_event(st, NULL, SMTP_EVENT_NO_SERVER_WELCOME_MESSAGE);
    bool is_rset = smtp_prefix(line, len, "rset");
    bool is_quit = smtp_prefix(line, len, "quit");
    /* RFC 2920 3.1: STARTTLS and DATA end a pipelined group; a command
     * queued behind one that is not answered yet is out of sequence (a
     * command after BDAT LAST is not: the next mail may follow it) */
    if (st->q_count && !st->pipeline_warned) {
        uint8_t prev = st->queue[(st->q_head + st->q_count - 1) % SMTP_MAX_CMDS].cmd;
        if (prev == SMTP_CMD_STARTTLS || prev == SMTP_CMD_DATA) {
            st->pipeline_warned = true;
            smtp_event(st, st->curr, SMTP_EVENT_INVALID_PIPELINED_SEQUENCE);
        }
    }
    if (!st->curr || (st->curr->done && !is_rset && !is_quit)) {
        struct smtp_tx *tx = smtp_tx_new(st);
        if (!tx)
            return;
        st->curr = tx;
    }
    struct smtp_tx *tx = st->curr;
    uint8_t cmd = SMTP_CMD_OTHER;
    if (smtp_prefix(line, len, "starttls")) {
        cmd = SMTP_CMD_STARTTLS;
    } else if (smtp_prefix(line, len, "data")) {
        cmd = SMTP_CMD_DATA;
        if (tx->has_mime && tx->mime.status != MIME_STATUS_PARSE_DONE && tx->data_seen &&
            tx->mime.status > MIME_STATUS_HEADER_STARTED) {
            /* two mails chained without an end of data */
            smtp_event(st, tx, SMTP_EVENT_UNPARSABLE_CONTENT);
            smtp_tx_finish(st, tx, false);
            smtp_tx_log(tx);
            struct smtp_tx *n = smtp_tx_new(st);
            if (!n)
                return;
            st->curr = tx = n;
        }
        tx->data_seen = true;
        smtp_tx_mime_start(tx);
        smtp_data_frame_open(st, tx);
        st->data_reply_pending = true;
        if (st->pipelining_server) {
            st->data_mode = true;
            st->data_early = true;
        }
    } else if (smtp_prefix(line, len, "bdat")) {
        /* BDAT <size> [LAST] */
        size_t i = 4;
        while (i < len && line[i] == ' ')
            i++;
        uint64_t size = 0;
        size_t digits = 0;
        while (i < len && isdigit(line[i]) && digits < 19) {
            size = size * 10 + (uint64_t)(line[i] - '0');
            i++;
            digits++;
        }
        while (i < len && line[i] == ' ')
            i++;
        bool last = false, valid = digits > 0;
        if (i < len) {
            if (len - i >= 4 && strncasecmp((const char *)line + i, "last", 4) == 0) {
                last = true;
                i += 4;
                while (i < len && line[i] == ' ')
                    i++;
                valid = valid && i == len;
            } else {
                valid = false;
            }
        }
        if (!valid) {
            smtp_event(st, tx, SMTP_EVENT_INVALID_BDAT);
            cmd = SMTP_CMD_OTHER;
        } else {
            cmd = last ? SMTP_CMD_BDAT_LAST : SMTP_CMD_BDAT;
            tx->data_seen = true;
            smtp_tx_mime_start(tx);
            st->bdat_remaining = size;
            st->bdat_last = last;
            if (size && app_frames_on(st->ctx))
                app_frame_add(st->ctx, 0, st->line_end, (int64_t)size, SMTP_FRAME_DATA,
                              (int64_t)tx->base.id, NULL, 0);
            smtp_queue_push(st, cmd, tx->base.id);
            if (size == 0 && last) {
                smtp_tx_finish(st, tx, true);
                st->bdat_last_reply_pending = true;
            }
            return;
        }
    } else if (smtp_prefix(line, len, "helo") || smtp_prefix(line, len, "ehlo")) {
        cmd = SMTP_CMD_HELO;
        if (!tx->done && smtp_tx_has_envelope(tx)) {
            /* RFC 5321 4.1.4: HELO/EHLO resets the mail in progress */
            smtp_tx_finish(st, tx, false);
            smtp_tx_log(tx);
        }
        if (st->helo) {
            smtp_event(st, tx, SMTP_EVENT_DUPLICATE_FIELDS);
        } else {
            size_t i = 4;
            while (i < len && line[i] == ' ')
                i++;
            st->helo = malloc(len - i + 1);
            if (st->helo) {
                memcpy(st->helo, line + i, len - i);
                st->helo[len - i] = 0;
            }
        }
    } else if (smtp_prefix(line, len, "mail from")) {
        if (tx->mail_from) {
            smtp_event(st, tx, SMTP_EVENT_DUPLICATE_FIELDS);
        } else {
            if (app_thread_memory_reserve(st->thread, len + 1)) {
                tx->mem += len + 1;
                tx->mail_from = smtp_param(line, len, 9);
            }
        }
    } else if (smtp_prefix(line, len, "rcpt to")) {
        if (tx->rcpt_count < SMTP_MAX_RCPT) {
            if (tx->rcpt_count == tx->rcpt_cap) {
                uint32_t cap = tx->rcpt_cap ? tx->rcpt_cap * 2 : 4;
                char **n = realloc(tx->rcpt, cap * sizeof(*n));
                if (n) {
                    tx->rcpt = n;
                    tx->rcpt_cap = cap;
                }
            }
            if (tx->rcpt_count < tx->rcpt_cap) {
                char *r = NULL;
                if (app_thread_memory_reserve(st->thread, len + sizeof(char *))) {
                    tx->mem += len + sizeof(char *);
                    r = smtp_param(line, len, 7);
                }
                if (r)
                    tx->rcpt[tx->rcpt_count++] = r;
            }
        }
    } else if (is_rset) {
        cmd = SMTP_CMD_RSET;
        if (!tx->done && smtp_tx_has_envelope(tx)) {
            smtp_tx_finish(st, tx, false);
            smtp_tx_log(tx);
        }
    } else if (is_quit) {
        cmd = SMTP_CMD_QUIT;
    } else if (smtp_prefix(line, len, "auth")) {
        cmd = SMTP_CMD_AUTH;
    }
    smtp_queue_push(st, cmd, tx->base.id);
}

static void smtp_client_line(struct smtp_state *st, const uint8_t *line, size_t len)
{
    st->client_end = st->line_end;
    if (st->data_mode) {
        if (st->data_reply_pending && st->data_early && !st->pipeline_warned) {
            st->pipeline_warned = true;
            smtp_event(st, st->curr, SMTP_EVENT_INVALID_PIPELINED_SEQUENCE);
        }
        if (len == 1 && line[0] == '.') {
            smtp_data_frame_close(st, st->line_end);
            smtp_data_end(st);
            return;
        }
        if (len >= 1 && line[0] == '.') {
            line++;
            len--;
        }
        smtp_message_line(st, line, len);
        return;
    }
    if (st->auth_exchange) {
        /* A SASL response (base64, or "*" to cancel): not a command,
         * whatever it happens to start with (RFC 4954 section 4). */
        if (st->curr) {
            smtp_line_frame(st, 0, SMTP_FRAME_COMMAND_LINE, line, (int64_t)st->curr->base.id);
            smtp_queue_push(st, SMTP_CMD_AUTH, st->curr->base.id);
        }
        return;
    }
    if (len == 0)
        return;
    smtp_command(st, line, len);
    if (st->curr)
        smtp_line_frame(st, 0, SMTP_FRAME_COMMAND_LINE, line, (int64_t)st->curr->base.id);
}

/* Splits bytes into lines (LF, optional CR stripped) with the line limit:
 * a line longer than SMTP_LINE_MAX is cut there (cb gets the first
 * SMTP_LINE_MAX bytes; *truncated is set) and the rest up to LF dropped.
 * Returns the bytes consumed (stops early when stop() says so). */
static size_t smtp_lines(struct smtp_state *st, struct smtp_line *lb, const uint8_t *data,
                         size_t len, void (*cb)(struct smtp_state *, const uint8_t *, size_t),
                         bool (*stop)(struct smtp_state *), bool *truncated)
{
    size_t i = 0;
    while (i < len) {
        if (stop && stop(st))
            break;
        const uint8_t *lf = memchr(data + i, '\n', len - i);
        size_t seg = lf ? (size_t)(lf - (data + i)) : len - i;
        if (lb->discard) {
            i += seg + (lf ? 1 : 0);
            if (lf)
                lb->discard = false;
            continue;
        }
        size_t room = SMTP_LINE_MAX - lb->len;
        if (seg >= room) {
            /* overflow (a line that fills the buffer before its LF, CR
             * included): deliver SMTP_LINE_MAX bytes, drop the rest */
            memcpy(lb->buf + lb->len, data + i, room);
            lb->len = SMTP_LINE_MAX;
            if (truncated)
                *truncated = true;
            st->line_end = st->feed_off + (uint64_t)(data + i + room - st->feed_base);
            st->line_wire = st->line_have = SMTP_LINE_MAX;
            cb(st, lb->buf, lb->len);
            lb->len = 0;
            if (lf && seg == room) {
                i += room + 1;
            } else {
                lb->discard = true;
                i += room;
            }
            continue;
        }
        memcpy(lb->buf + lb->len, data + i, seg);
        lb->len += (uint32_t)seg;
        i += seg;
        if (!lf)
            break;
        i++; /* the LF */
        size_t l = lb->len;
        st->line_end = st->feed_off + (uint64_t)(data + i - st->feed_base);
        st->line_have = (uint32_t)l;
        st->line_wire = (uint32_t)l + 1;
        if (l && lb->buf[l - 1] == '\r')
            l--;
        lb->len = 0;
        cb(st, lb->buf, l);
    }
    return i;
}

static bool smtp_client_stop(struct smtp_state *st)
{
    return st->bdat_remaining > 0 || st->switch_to != 0;
}

static void smtp_parse_client(struct smtp_state *st, const uint8_t *data, size_t len)
{
    while (len) {
        if (st->bdat_remaining > 0) {
            size_t n = len < st->bdat_remaining ? len : (size_t)st->bdat_remaining;
            smtp_lines(st, &st->mline, data, n, smtp_message_line, NULL, NULL);
            st->bdat_remaining -= n;
            data += n;
            len -= n;
            if (st->bdat_remaining == 0 && st->bdat_last) {
                if (st->mline.len) {
                    smtp_message_line(st, st->mline.buf, st->mline.len);
                    st->mline.len = 0;
                }
                smtp_tx_finish(st, st->curr, true);
                st->bdat_last_reply_pending = true;
            }
            continue;
        }
        bool trunc = false;
        size_t used =
            smtp_lines(st, &st->cline, data, len, smtp_client_line, smtp_client_stop, &trunc);
        if (trunc)
            smtp_event(st, st->curr, SMTP_EVENT_TRUNCATED_LINE);
        if (st->switch_to)
            return;
        data += used;
        len -= used;
        if (used == 0 && st->bdat_remaining == 0)
            break;
    }
}

/* ---------- server side ---------- */

static void smtp_reply(struct smtp_state *st, uint32_t code)
{
    if (!st->first_reply_seen && st->q_count == 0) {
        st->first_reply_seen = true;
        return;
    }
    st->first_reply_seen = true;
    st->pipeline_warned = false; /* one INVALID_PIPELINED_SEQUENCE per reply round */
    struct smtp_pending p;
    if (!smtp_queue_pop(st, &p)) {
        if (st->data_mode && !st->data_reply_pending) {
            /* the server answered a message whose end we did not see: its
             * frame ends with what the client sent */
            struct smtp_tx *tx = st->curr;
            smtp_data_frame_close(st, st->client_end);
            st->data_mode = false;
            if (tx) {
                smtp_tx_finish(st, tx, true);
                smtp_tx_log(tx);
            }
            return;
        }
        smtp_event(st, st->curr, SMTP_EVENT_UNABLE_TO_MATCH_REPLY_WITH_REQUEST);
        return;
    }
    switch (p.cmd) {
    case SMTP_CMD_STARTTLS:
        if (code == 220)
            st->switch_to = APP_PROTO_TLS;
        else
            smtp_event(st, st->curr, SMTP_EVENT_TLS_REJECTED);
        break;
    case SMTP_CMD_DATA:
        st->data_reply_pending = false;
        if (code == 354) {
            st->data_mode = true;
            st->data_early = false;
        } else {
            smtp_event(st, st->curr, SMTP_EVENT_DATA_COMMAND_REJECTED);
            smtp_data_frame_close(st, 0);
            if (st->data_mode) {
                st->data_mode = false;
                st->data_early = false;
            }
        }
        break;
    case SMTP_CMD_AUTH: {
        /* 334: the server's next challenge, the exchange goes on; any
         * other reply ends it, 535 as a failed login. */
        if (code == 334) {
            st->auth_exchange = true;
            break;
        }
        st->auth_exchange = false;
        struct smtp_tx *tx = smtp_tx_find(st, p.tx_id);
        if (tx && code == 535 && tx->auth_failures < UINT32_MAX)
            tx->auth_failures++;
        break;
    }
    case SMTP_CMD_DATA_END:
    case SMTP_CMD_BDAT_LAST: {
        if (p.cmd == SMTP_CMD_BDAT_LAST)
            st->bdat_last_reply_pending = false;
        struct smtp_tx *tx = smtp_tx_find(st, p.tx_id);
        if (tx) {
            smtp_tx_finish(st, tx, true);
            smtp_tx_log(tx);
        }
        break;
    }
    default:
        break;
    }
}

static void smtp_server_line(struct smtp_state *st, const uint8_t *line, size_t len)
{
    /* the reply belongs to the transaction of the command it answers */
    smtp_line_frame(st, 1, SMTP_FRAME_RESPONSE_LINE, line,
                    st->q_count ? (int64_t)st->queue[st->q_head].tx_id : -1);
    if (len < 3 || !isdigit(line[0]) || !isdigit(line[1]) || !isdigit(line[2]) ||
        (len > 3 && line[3] != ' ' && line[3] != '-')) {
        smtp_event(st, st->curr, SMTP_EVENT_INVALID_REPLY);
        return;
    }
    if (len >= 14 && strncasecmp((const char *)line + 4, "PIPELINING", 10) == 0)
        st->pipelining_server = true;
    if (len > 3 && line[3] == '-')
        return; /* continuation of a multi-line reply */
    uint32_t code = (uint32_t)(line[0] - '0') * 100 + (uint32_t)(line[1] - '0') * 10 +
                    (uint32_t)(line[2] - '0');
    smtp_reply(st, code);
}

static bool smtp_server_stop(struct smtp_state *st)
{
    return st->switch_to != 0;
}

/* ---------- parser ops ---------- */

static enum app_probe_result smtp_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (direction == 1) {
        /* "220 " or "220-" banner */
        if (len < 4)
            return (len == 0 || data[0] == '2') && (len < 2 || data[1] == '2') &&
                           (len < 3 || data[2] == '0')
                       ? APP_PROBE_NEED_MORE
                       : APP_PROBE_NO;
        if (memcmp(data, "220", 3) == 0 && (data[3] == ' ' || data[3] == '-')) {
            /* FTP also greets with 220: SMTP banners name the protocol */
            const uint8_t *eol = memchr(data, '\n', len);
            size_t n = eol ? (size_t)(eol - data) : len;
            for (size_t i = 4; i + 4 <= n; i++)
                if (strncasecmp((const char *)data + i, "SMTP", 4) == 0)
                    return APP_PROBE_MATCH;
            if (!eol && len < 512)
                return APP_PROBE_NEED_MORE;
        }
        return APP_PROBE_NO;
    }
    static const char *const cmds[] = {"EHLO ", "HELO ", "EHLO\r", "HELO\r", "EHLO\n", "HELO\n"};
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

static void *smtp_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct smtp_state)))
        return NULL;
    struct smtp_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct smtp_state));
        return NULL;
    }
    st->thread = ctx->thread;
    st->cfg = app_parser_config(ctx);
    return st;
}

static void smtp_state_free(void *state)
{
    struct smtp_state *st = state;
    if (!st)
        return;
    st->ctx = NULL;
    struct smtp_tx *tx = st->head;
    while (tx) {
        struct smtp_tx *n = tx->next;
        smtp_tx_free(tx);
        tx = n;
    }
    free(st->helo);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void smtp_tx_gc(struct smtp_state *st)
{
    while (st->head && st->head->done && app_tx_can_free(&st->head->base) && st->head != st->curr) {
        struct smtp_tx *tx = st->head;
        bool referenced = false;
        for (uint32_t i = 0; i < st->q_count; i++)
            referenced =
                referenced || st->queue[(st->q_head + i) % SMTP_MAX_CMDS].tx_id == tx->base.id;
        if (referenced)
            break;
        st->head = tx->next;
        if (!st->head)
            st->tail = NULL;
        st->live--;
        smtp_tx_free(tx);
    }
}

static int smtp_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct smtp_state *st = state;
    if (st->switch_to)
        return 0;
    st->ctx = ctx;
    st->feed_base = data;
    st->feed_off = ctx->stream_offset;
    smtp_tx_gc(st);
    if (flags & APP_DATA_GAP) {
        /* lost bytes: the line in progress and any message part are unusable */
        struct smtp_line *lb = direction == 0 ? &st->cline : &st->sline;
        lb->len = 0;
        lb->discard = true;
        if (direction == 0 && st->bdat_remaining) {
            uint64_t n = len < st->bdat_remaining ? len : st->bdat_remaining;
            st->bdat_remaining -= n;
        }
        if (direction == 0 && st->curr && st->curr->has_mime)
            for (struct app_file *f = st->curr->files; f; f = f->next)
                file_add_gap(f, len);
    } else if (data && len) {
        if (direction == 0) {
            smtp_parse_client(st, data, len);
        } else {
            bool trunc = false;
            smtp_lines(st, &st->sline, data, len, smtp_server_line, smtp_server_stop, &trunc);
            if (trunc)
                smtp_event(st, st->curr, SMTP_EVENT_TRUNCATED_LINE);
        }
    }
    if (flags & APP_DATA_EOF)
        st->eof[direction & 1] = true;
    if (st->eof[0] && st->eof[1]) {
        /* the session is over: what is still open is logged now, with the
         * packet that closed it (as Suricata does) */
        for (struct smtp_tx *tx = st->head; tx; tx = tx->next) {
            if (!tx->done)
                smtp_tx_finish(st, tx, false);
            smtp_tx_log(tx);
        }
    }
    if (st->too_many) {
        st->ctx = NULL;
        return -1;
    }
    st->ctx = NULL;
    return 0;
}

static void smtp_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct smtp_state *st = state;
    st->ctx = ctx;
    for (struct smtp_tx *tx = st->head; tx; tx = tx->next) {
        if (!tx->done)
            smtp_tx_finish(st, tx, false);
        smtp_tx_log(tx);
    }
    st->ctx = NULL;
}

static int smtp_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct smtp_state *st = state;
    for (struct smtp_tx *tx = st->head; tx; tx = tx->next) {
        int r = fn(&tx->base, user);
        if (r)
            return r;
    }
    return 0;
}

static bool smtp_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct smtp_tx *tx = (const struct smtp_tx *)atx;
    return tx->done;
}

static int smtp_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct smtp_tx *tx = (const struct smtp_tx *)atx;
    bool toclient = (index & APP_BUFFER_INDEX_TOCLIENT) != 0;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    switch (buffer) {
    case APP_BUFFER_SMTP_HELO:
        if (index || !tx->state->helo)
            return -ENOENT;
        *data = (const uint8_t *)tx->state->helo;
        *len = (uint32_t)strlen(tx->state->helo);
        return 0;
    case APP_BUFFER_SMTP_MAIL_FROM:
        if (index || !tx->mail_from)
            return -ENOENT;
        *data = (const uint8_t *)tx->mail_from;
        *len = (uint32_t)strlen(tx->mail_from);
        return 0;
    case APP_BUFFER_SMTP_RCPT_TO:
        if (index >= tx->rcpt_count)
            return -ENOENT;
        *data = (const uint8_t *)tx->rcpt[index];
        *len = (uint32_t)strlen(tx->rcpt[index]);
        return 0;
    case APP_BUFFER_FILE_DATA:
    case APP_BUFFER_FILE_NAME: {
        if (toclient)
            return -ENOENT;
        uint32_t i = 0;
        for (const struct app_file *f = tx->files; f; f = f->next) {
            if (i++ != index)
                continue;
            if (buffer == APP_BUFFER_FILE_NAME) {
                *data = f->name;
                *len = f->name_len;
            } else {
                *data = f->data ? f->data : (const uint8_t *)"";
                *len = f->data_len;
            }
            return 0;
        }
        return -ENOENT;
    }
    default:
        return -ENOENT;
    }
}

/* Alert metadata: smtp and email, and the mail's attachments as
 * Suricata's "files" array. */
static void smtp_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    smtp_write_members(atx, w);
    file_write_alert_files(((const struct smtp_tx *)atx)->files, 0, w);
}

static uint16_t smtp_switch_proto(void *state)
{
    return ((struct smtp_state *)state)->switch_to;
}

static bool smtp_tx_has_event(const struct app_tx *atx, const char *event_name)
{
    const struct smtp_tx *tx = (const struct smtp_tx *)atx;
    for (int i = 0; i < SMTP_EVENT_MAX; i++)
        if ((tx->events & (1ull << i)) && strcasecmp(smtp_event_names[i], event_name) == 0)
            return true;
    return false;
}

static struct app_file *smtp_tx_files(const struct app_tx *atx)
{
    return ((const struct smtp_tx *)atx)->files;
}

const struct app_parser app_parser_smtp = {
    .tx_files = smtp_tx_files,
    .proto = APP_PROTO_SMTP,
    .name = "smtp",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {25, 587, 465, 2525, 0},
    .probe = smtp_probe,
    .state_new = smtp_state_new,
    .state_free = smtp_state_free,
    .parse = smtp_parse,
    .flow_end = smtp_flow_end,
    .tx_foreach = smtp_tx_foreach,
    .tx_complete = smtp_tx_complete,
    .tx_get_buffer = smtp_tx_get_buffer,
    .tx_write_json = smtp_tx_write_json,
    .switch_proto = smtp_switch_proto,
    .tx_has_event = smtp_tx_has_event,
    .event_names = smtp_event_names,
    .frame_names = smtp_frame_names,
};

uint32_t app_smtp_tx_auth_failures(const struct app_tx *atx)
{
    if (app_tx_proto(atx) != APP_PROTO_SMTP)
        return 0;
    return ((const struct smtp_tx *)atx)->auth_failures;
}
