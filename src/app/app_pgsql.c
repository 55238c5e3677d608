/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL frontend/backend protocol 3.0 (PostgreSQL documentation,
 * "Frontend/Backend Protocol", "Message Formats"), as Suricata's pgsql parser
 * sees it.
 *
 * Framing: until the client's StartupMessage, client messages carry no type
 * byte (length, then a code: StartupMessage 3.0, SSLRequest, GSSENCRequest,
 * CancelRequest); after it every message is a type byte and a length. The
 * server answers an SSLRequest / GSSENCRequest with one byte ('S' accepted:
 * the flow switches to TLS, 'N' refused).
 *
 * Transactions (as Suricata): each client message opens one (CopyData in
 * copy-in mode is gathered into one, closed by CopyDone or CopyFail); the
 * server's messages go to the newest transaction still waiting for its
 * answer. The extended query protocol (Parse, Bind, Execute, Sync, ...)
 * makes no transactions, and answers nothing waits for are skipped. An answer ends with
 * ReadyForQuery, an SSL answer, an authentication request that waits for the
 * client (cleartext, MD5, SASL, SASL continue, GSS, SSPI) or
 * CopyInResponse. Terminate and CancelRequest have no answer. Transactions
 * are logged (EVE "pgsql", Suricata's shape) when complete, the rest at flow
 * end. Passwords are logged only with eve-log types pgsql.passwords: yes,
 * else "password_redacted": true.
 *
 * Limits: a message is gathered up to PGSQL_MSG_MAX bytes; larger DataRow and
 * CopyData messages are counted and skipped, other larger ones are skipped
 * with invalid_length. Text kept per transaction is bounded
 * (PGSQL_TEXT_MAX, PGSQL_MAX_PARAMS parameters, PGSQL_MAX_FIELDS error
 * fields); at most app-layer.max-tx transactions per flow
 * (too_many_transactions). */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "util/json.h"

#define PGSQL_MSG_MAX (256u * 1024)
#define PGSQL_TEXT_MAX (1024u * 1024)
#define PGSQL_MAX_PARAMS 48
#define PGSQL_MAX_FIELDS 24
#define PGSQL_STARTUP_MAX 10000u

#define PGSQL_CODE_CANCEL 80877102u
#define PGSQL_CODE_SSL 80877103u
#define PGSQL_CODE_GSSENC 80877104u

enum pgsql_event {
    PGSQL_EV_INVALID_LENGTH = 0,
    PGSQL_EV_MALFORMED_REQUEST,
    PGSQL_EV_MALFORMED_RESPONSE,
    PGSQL_EV_TOO_MANY_TRANSACTIONS,
    PGSQL_EV_COUNT,
};
static const char *const pgsql_event_names[PGSQL_EV_COUNT + 1] = {
    "invalid_length", "malformed_request", "malformed_response", "too_many_transactions", NULL};

enum pgsql_req {
    PGSQL_REQ_NONE = 0,
    PGSQL_REQ_SSL,
    PGSQL_REQ_GSSENC,
    PGSQL_REQ_STARTUP,
    PGSQL_REQ_PASSWORD,
    PGSQL_REQ_SASL_INITIAL,
    PGSQL_REQ_SASL_RESPONSE,
    PGSQL_REQ_QUERY,
    PGSQL_REQ_COPY_IN,
    PGSQL_REQ_TERMINATE,
    PGSQL_REQ_CANCEL,
    PGSQL_REQ_UNKNOWN,
};

/* A piece of text in the transaction's arena. */
struct pgsql_ref {
    uint32_t off, len;
};

struct pgsql_param {
    struct pgsql_ref name, value;
};

struct pgsql_field {
    uint8_t type;
    struct pgsql_ref value;
};

struct pgsql_tx {
    struct app_tx base;
    struct pgsql_tx *next;
    uint32_t events;
    bool req_done, res_done, has_response;
    /* request */
    uint8_t req;
    bool log_password; /* eve-log types pgsql.passwords */
    uint16_t proto_major, proto_minor;
    struct pgsql_ref text; /* query, password, SASL data */
    struct pgsql_ref sasl_mech;
    struct pgsql_param params[PGSQL_MAX_PARAMS];
    uint8_t nparams;
    uint32_t cancel_pid, cancel_key;
    uint64_t copy_in_msgs, copy_in_size;
    uint8_t copy_end; /* 'c' CopyDone, 'f' CopyFail */
    /* response */
    bool has_ssl;
    bool ssl_accepted;
    const char *auth_message;
    bool has_md5;
    uint8_t md5_salt[4];
    bool has_sasl_final;
    struct pgsql_ref sasl_final;
    struct pgsql_param status[PGSQL_MAX_PARAMS];
    uint8_t nstatus;
    bool has_key;
    uint32_t pid, key;
    bool has_fields;
    uint16_t field_count;
    uint64_t data_rows, data_size;
    bool has_command;
    struct pgsql_ref command;
    struct pgsql_field fields[PGSQL_MAX_FIELDS];
    uint8_t nfields;
    bool has_copy_in, has_copy_out;
    uint16_t copy_in_cols, copy_out_cols;
    uint64_t copy_out_rows, copy_out_size;
    /* text arena: accounted, PGSQL_TEXT_MAX at most */
    uint8_t *arena;
    uint32_t alen, acap;
};

struct pgsql_dir {
    uint8_t hdr[5];
    uint8_t hdr_len;
    uint32_t need; /* body bytes of the current message */
    uint32_t have;
    bool skipping; /* the current body is skipped (too large) */
    uint8_t *buf;
    uint32_t cap;
};

struct pgsql_state {
    struct app_layer_thread_ctx *thread;
    struct pgsql_tx *head, *tail;
    uint32_t ntx;
    uint64_t next_id;
    bool startup_done; /* the client's StartupMessage was seen */
    bool ssl_pending;  /* an SSL/GSSENC request waits for its one-byte answer */
    bool copy_in;      /* the server accepted COPY FROM STDIN */
    bool broken[2];
    bool overflowed;
    uint16_t switch_to;
    struct pgsql_dir dir[2];
};

extern const struct app_parser app_parser_pgsql;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---------- transactions ---------- */

static void pgsql_tx_free(struct pgsql_state *st, struct pgsql_tx *tx)
{
    if (tx->arena)
        app_thread_memory_release(st->thread, tx->acap);
    free(tx->arena);
    app_thread_memory_release(st->thread, sizeof(*tx));
    free(tx);
}

static void pgsql_sweep(struct pgsql_state *st)
{
    struct pgsql_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct pgsql_tx *tx = *pp;
        if (app_tx_can_free(&tx->base)) {
            *pp = tx->next;
            if (st->tail == tx)
                st->tail = prev;
            st->ntx--;
            pgsql_tx_free(st, tx);
            continue;
        }
        prev = tx;
        pp = &tx->next;
    }
}

static void pgsql_event(struct app_parse_ctx *ctx, struct pgsql_tx *tx, enum pgsql_event e)
{
    if (tx) {
        if (tx->events & (1u << e))
            return;
        tx->events |= 1u << e;
    }
    app_parser_anomaly(ctx, APP_PROTO_PGSQL, pgsql_event_names[e]);
}

static void pgsql_log_body(const void *object, struct json_writer *w);

static void pgsql_maybe_log(struct pgsql_tx *tx, struct app_parse_ctx *ctx, bool force)
{
    if (tx->base.logged || (!force && !(tx->req_done && tx->res_done)))
        return;
    tx->req_done = tx->res_done = true;
    tx->base.logged = true;
    /* Suricata logs nothing for a transaction with neither a request nor an
     * answer (one that only carries an event). */
    if (tx->req != PGSQL_REQ_NONE || tx->has_response)
        app_parser_log(ctx, "pgsql", 0, pgsql_log_body, &tx->base);
}

static struct pgsql_tx *pgsql_tx_new(struct pgsql_state *st, struct app_parse_ctx *ctx)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max_tx = cfg->max_tx_per_flow ? cfg->max_tx_per_flow : 1024;
    if (st->ntx >= max_tx && st->head) {
        if (!st->overflowed) {
            st->overflowed = true;
            pgsql_event(ctx, st->tail, PGSQL_EV_TOO_MANY_TRANSACTIONS);
        }
        pgsql_maybe_log(st->head, ctx, true);
        st->head->base.detect_done = 3; /* given up: detection no longer waits */
        pgsql_sweep(st);
    }
    if (!app_memory_reserve(ctx, sizeof(struct pgsql_tx)))
        return NULL;
    struct pgsql_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_memory_release(ctx, sizeof(struct pgsql_tx));
        return NULL;
    }
    tx->base.parser = &app_parser_pgsql;
    tx->base.id = st->next_id++;
    tx->log_password = cfg->pgsql_log_passwords;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->ntx++;
    app_parser_count_tx(ctx, APP_PROTO_PGSQL);
    return tx;
}

/* Copies n bytes into the transaction's arena (truncated at PGSQL_TEXT_MAX). */
static struct pgsql_ref pgsql_keep(struct pgsql_tx *tx, struct app_parse_ctx *ctx,
                                   const uint8_t *d, uint32_t n)
{
    struct pgsql_ref r = {tx->alen, 0};
    if (tx->alen >= PGSQL_TEXT_MAX)
        return r;
    if (n > PGSQL_TEXT_MAX - tx->alen)
        n = PGSQL_TEXT_MAX - tx->alen;
    if (!app_buf_grow(ctx, &tx->arena, &tx->acap, tx->alen + n, 256, PGSQL_TEXT_MAX))
        return r;
    if (n)
        memcpy(tx->arena + tx->alen, d, n);
    tx->alen += n;
    r.len = n;
    return r;
}

/* A NUL-terminated string at *p (< end): its length, *p moved past the NUL.
 * Returns false when there is no NUL. */
static bool pgsql_cstr(const uint8_t **p, const uint8_t *end, uint32_t *len)
{
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    if (!z)
        return false;
    *len = (uint32_t)(z - *p);
    *p = z + 1;
    return true;
}

/* Trailing NULs are not part of a logged text. */
static uint32_t pgsql_trim(const uint8_t *d, uint32_t n)
{
    while (n && d[n - 1] == 0)
        n--;
    return n;
}

/* ---------- client messages ---------- */

static struct pgsql_tx *pgsql_request_tx(struct pgsql_state *st, struct app_parse_ctx *ctx,
                                         uint8_t kind)
{
    struct pgsql_tx *tx = pgsql_tx_new(st, ctx);
    if (tx) {
        tx->req = kind;
        tx->req_done = true;
    }
    return tx;
}

/* Name-value pairs up to an empty name (startup parameters). */
static bool pgsql_pairs(struct pgsql_tx *tx, struct app_parse_ctx *ctx, const uint8_t *p,
                        const uint8_t *end)
{
    while (p < end) {
        const uint8_t *name = p;
        uint32_t nl, vl;
        if (!pgsql_cstr(&p, end, &nl))
            return false;
        if (nl == 0)
            return true;
        const uint8_t *val = p;
        if (!pgsql_cstr(&p, end, &vl))
            return false;
        if (tx->nparams < PGSQL_MAX_PARAMS) {
            struct pgsql_param *pp = &tx->params[tx->nparams++];
            pp->name = pgsql_keep(tx, ctx, name, nl);
            pp->value = pgsql_keep(tx, ctx, val, vl);
        }
    }
    return false;
}

/* A message of the startup phase: length (already checked), code, body. */
static void pgsql_startup_message(struct pgsql_state *st, struct app_parse_ctx *ctx,
                                  const uint8_t *m, uint32_t len)
{
    uint32_t code = be32(m + 4);
    const uint8_t *body = m + 8, *end = m + len;
    struct pgsql_tx *tx;
    if (len == 8 && (code == PGSQL_CODE_SSL || code == PGSQL_CODE_GSSENC)) {
        tx = pgsql_tx_new(st, ctx);
        if (!tx)
            return;
        tx->req = code == PGSQL_CODE_SSL ? PGSQL_REQ_SSL : PGSQL_REQ_GSSENC;
        tx->req_done = true;
        st->ssl_pending = true;
        return;
    }
    if (len == 16 && code == PGSQL_CODE_CANCEL) {
        tx = pgsql_tx_new(st, ctx);
        if (!tx)
            return;
        tx->req = PGSQL_REQ_CANCEL;
        tx->cancel_pid = be32(body);
        tx->cancel_key = be32(body + 4);
        tx->req_done = tx->res_done = true; /* no answer comes */
        pgsql_maybe_log(tx, ctx, false);
        return;
    }
    uint16_t major = (uint16_t)(code >> 16);
    if (major == 3 || major == 2) {
        tx = pgsql_tx_new(st, ctx);
        if (!tx)
            return;
        tx->req = PGSQL_REQ_STARTUP;
        tx->proto_major = major;
        tx->proto_minor = (uint16_t)(code & 0xffff);
        tx->req_done = true;
        if (!pgsql_pairs(tx, ctx, body, end))
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_REQUEST);
        st->startup_done = true;
        return;
    }
    tx = pgsql_tx_new(st, ctx);
    if (tx) {
        tx->req_done = tx->res_done = true;
        pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_REQUEST);
        pgsql_maybe_log(tx, ctx, false);
    } else {
        pgsql_event(ctx, NULL, PGSQL_EV_MALFORMED_REQUEST);
    }
}

/* The copy-in transaction: the newest one gathering CopyData. */
static struct pgsql_tx *pgsql_copy_tx(struct pgsql_state *st, struct app_parse_ctx *ctx)
{
    struct pgsql_tx *tx = st->tail;
    if (tx && tx->req == PGSQL_REQ_COPY_IN && !tx->req_done)
        return tx;
    tx = pgsql_tx_new(st, ctx);
    if (tx)
        tx->req = PGSQL_REQ_COPY_IN;
    return tx;
}

/* A typed client message (body without type and length). */
static void pgsql_request(struct pgsql_state *st, struct app_parse_ctx *ctx, uint8_t type,
                          const uint8_t *b, uint32_t n)
{
    struct pgsql_tx *tx;
    if (st->copy_in && (type == 'd' || type == 'c' || type == 'f')) {
        tx = pgsql_copy_tx(st, ctx);
        if (!tx)
            return;
        if (type == 'd') {
            tx->copy_in_msgs++;
            tx->copy_in_size += n;
            return;
        }
        tx->copy_end = type;
        tx->req_done = true;
        st->copy_in = false;
        return;
    }
    switch (type) {
    case 'Q':
        if ((tx = pgsql_request_tx(st, ctx, PGSQL_REQ_QUERY)))
            tx->text = pgsql_keep(tx, ctx, b, pgsql_trim(b, n));
        return;
    case 'X':
        if ((tx = pgsql_request_tx(st, ctx, PGSQL_REQ_TERMINATE))) {
            tx->res_done = true;
            pgsql_maybe_log(tx, ctx, false);
        }
        return;
    case 'p': {
        /* PasswordMessage, SASLInitialResponse and SASLResponse share the
         * type: what the server asked for tells them apart. */
        const struct pgsql_tx *prev = st->tail;
        const char *auth = prev ? prev->auth_message : NULL;
        if (auth && !strcmp(auth, "authentication_sasl")) {
            tx = pgsql_request_tx(st, ctx, PGSQL_REQ_SASL_INITIAL);
            if (!tx)
                return;
            const uint8_t *p = b, *end = b + n;
            uint32_t ml;
            if (!pgsql_cstr(&p, end, &ml) || end - p < 4) {
                pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_REQUEST);
                return;
            }
            tx->sasl_mech = pgsql_keep(tx, ctx, b, ml);
            int32_t pl = (int32_t)be32(p);
            p += 4;
            uint32_t avail = (uint32_t)(end - p);
            uint32_t l = pl < 0 ? 0 : (uint32_t)pl;
            if (l > avail) {
                pgsql_event(ctx, tx, PGSQL_EV_INVALID_LENGTH);
                l = avail;
            }
            tx->text = pgsql_keep(tx, ctx, p, l);
        } else if (auth && !strcmp(auth, "authentication_sasl_continue")) {
            if ((tx = pgsql_request_tx(st, ctx, PGSQL_REQ_SASL_RESPONSE)))
                tx->text = pgsql_keep(tx, ctx, b, n);
        } else {
            if ((tx = pgsql_request_tx(st, ctx, PGSQL_REQ_PASSWORD)))
                tx->text = pgsql_keep(tx, ctx, b, pgsql_trim(b, n));
        }
        return;
    }
    case 'd': case 'c': case 'f':
        /* copy data outside copy-in mode: nothing asked for it */
        if ((tx = pgsql_request_tx(st, ctx, PGSQL_REQ_UNKNOWN)))
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_REQUEST);
        return;
    case 'B': case 'C': case 'D': case 'E': case 'F': case 'H': case 'P': case 'S':
        /* extended query protocol and function calls: no transaction (as
         * Suricata, which neither describes nor logs them); their answers
         * find no transaction waiting and are skipped */
        return;
    default:
        if ((tx = pgsql_request_tx(st, ctx, PGSQL_REQ_UNKNOWN)))
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_REQUEST);
        return;
    }
}

/* ---------- server messages ---------- */

/* The transaction an answer belongs to: the newest one still waiting, or
 * NULL. */
static struct pgsql_tx *pgsql_response_tx(struct pgsql_state *st, struct app_parse_ctx *ctx)
{
    struct pgsql_tx *tx = st->tail;
    if (tx && !tx->res_done && tx->req != PGSQL_REQ_COPY_IN)
        return tx;
    if (tx && tx->req == PGSQL_REQ_COPY_IN && tx->req_done && !tx->res_done)
        return tx;
    return NULL; /* nothing asked for it (extended query protocol answers) */
}

static void pgsql_fields(struct pgsql_tx *tx, struct app_parse_ctx *ctx, const uint8_t *b,
                         uint32_t n)
{
    const uint8_t *p = b, *end = b + n;
    while (p < end && *p) {
        uint8_t t = *p++;
        const uint8_t *v = p;
        uint32_t vl;
        if (!pgsql_cstr(&p, end, &vl)) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        if (tx->nfields < PGSQL_MAX_FIELDS) {
            tx->fields[tx->nfields].type = t;
            tx->fields[tx->nfields].value = pgsql_keep(tx, ctx, v, vl);
            tx->nfields++;
        }
    }
}

static const char *pgsql_auth_name(uint32_t code, bool *waits)
{
    *waits = true;
    switch (code) {
    case 0:
        *waits = false;
        return "authentication_ok";
    case 2:
        return "authentication_kerberos_v5";
    case 3:
        return "authentication_cleartext_password";
    case 5:
        return "authentication_md5_password";
    case 6:
        return "authentication_scm_credential";
    case 7:
        return "authentication_gss";
    case 8:
        return "authentication_gss_continue";
    case 9:
        return "authentication_sspi";
    case 10:
        return "authentication_sasl";
    case 11:
        return "authentication_sasl_continue";
    case 12:
        *waits = false;
        return "authentication_sasl_final";
    default:
        return NULL;
    }
}

static void pgsql_response(struct pgsql_state *st, struct app_parse_ctx *ctx, uint8_t type,
                           const uint8_t *b, uint32_t n, uint32_t full)
{
    struct pgsql_tx *tx = pgsql_response_tx(st, ctx);
    if (!tx)
        return;
    tx->has_response = true;
    switch (type) {
    case 'R': {
        if (n < 4) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        bool waits;
        uint32_t code = be32(b);
        const char *name = pgsql_auth_name(code, &waits);
        if (!name) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        if (code == 5 && n >= 8) {
            tx->has_md5 = true;
            memcpy(tx->md5_salt, b + 4, 4);
        } else if (code == 12) {
            tx->has_sasl_final = true;
            tx->sasl_final = pgsql_keep(tx, ctx, b + 4, n - 4);
        } else {
            tx->auth_message = name;
        }
        if (waits)
            tx->res_done = true;
        return;
    }
    case 'S': {
        const uint8_t *p = b, *end = b + n;
        uint32_t nl, vl;
        const uint8_t *name = p;
        if (!pgsql_cstr(&p, end, &nl)) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        const uint8_t *val = p;
        if (!pgsql_cstr(&p, end, &vl)) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        if (tx->nstatus < PGSQL_MAX_PARAMS) {
            struct pgsql_param *pp = &tx->status[tx->nstatus++];
            pp->name = pgsql_keep(tx, ctx, name, nl);
            pp->value = pgsql_keep(tx, ctx, val, vl);
        }
        return;
    }
    case 'K':
        if (n < 8) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        tx->has_key = true;
        tx->pid = be32(b);
        tx->key = be32(b + 4);
        return;
    case 'Z':
        tx->res_done = true;
        return;
    case 'T':
        if (n < 2) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        tx->has_fields = true;
        tx->field_count = be16(b);
        return;
    case 'D': {
        tx->data_rows++;
        if (n < full) {
            /* too large to gather: the values' bytes, less the lengths */
            uint64_t overhead = 2 + 4ull * tx->field_count;
            tx->data_size += full > overhead ? full - overhead : 0;
            return;
        }
        if (n < 2) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        uint16_t cols = be16(b);
        uint32_t p = 2;
        for (uint16_t i = 0; i < cols; i++) {
            if (n - p < 4) {
                pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
                return;
            }
            int32_t l = (int32_t)be32(b + p);
            p += 4;
            if (l <= 0)
                continue; /* NULL or empty */
            if ((uint32_t)l > n - p) {
                pgsql_event(ctx, tx, PGSQL_EV_INVALID_LENGTH);
                return;
            }
            tx->data_size += (uint32_t)l;
            p += (uint32_t)l;
        }
        return;
    }
    case 'C':
        tx->has_command = true;
        tx->command = pgsql_keep(tx, ctx, b, pgsql_trim(b, n));
        return;
    case 'E':
    case 'N':
        pgsql_fields(tx, ctx, b, n);
        return;
    case 'G':
    case 'H': {
        if (n < 3) {
            pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
            return;
        }
        uint16_t cols = be16(b + 1);
        if (type == 'G') {
            tx->has_copy_in = true;
            tx->copy_in_cols = cols;
            tx->res_done = true; /* the server waits for the data */
            st->copy_in = true;
        } else {
            tx->has_copy_out = true;
            tx->copy_out_cols = cols;
        }
        return;
    }
    case 'd':
        tx->copy_out_rows++;
        tx->copy_out_size += full;
        return;
    case '1': case '2': case '3': case 'A': case 'I': case 'V': case 'W': case 'c': case 'n':
    case 's': case 't': case 'v':
        return; /* known, not logged */
    default:
        pgsql_event(ctx, tx, PGSQL_EV_MALFORMED_RESPONSE);
        return;
    }
}

/* ---------- framing ---------- */

static void pgsql_after(struct pgsql_state *st, struct app_parse_ctx *ctx)
{
    for (struct pgsql_tx *tx = st->head; tx; tx = tx->next)
        pgsql_maybe_log(tx, ctx, false);
    pgsql_sweep(st);
}

/* One whole message (typed: type != 0) of direction d; full is its body
 * length on the wire (n < full when the body was skipped). */
static void pgsql_message(struct pgsql_state *st, struct app_parse_ctx *ctx, uint8_t d,
                          uint8_t type, const uint8_t *body, uint32_t n, uint32_t full)
{
    if (d == 0)
        pgsql_request(st, ctx, type, body, n);
    else
        pgsql_response(st, ctx, type, body, n, full);
}

static int pgsql_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                       const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct pgsql_state *st = state;
    uint8_t d = direction & 1;
    struct pgsql_dir *r = &st->dir[d];
    if (flags & APP_DATA_GAP) {
        /* no way to find the next message boundary */
        st->broken[d] = true;
        return 0;
    }
    while (data && len && !st->broken[d] && !st->switch_to) {
        /* the one-byte answer to an SSL / GSSENC request */
        if (d == 1 && st->ssl_pending && r->hdr_len == 0) {
            st->ssl_pending = false;
            uint8_t c = data[0];
            struct pgsql_tx *tx = st->tail;
            if ((c == 'S' || c == 'N' || c == 'G') && tx &&
                (tx->req == PGSQL_REQ_SSL || tx->req == PGSQL_REQ_GSSENC)) {
                data++;
                len--;
                tx->has_response = true;
                tx->has_ssl = true;
                tx->ssl_accepted = c == 'S' || c == 'G';
                tx->res_done = true;
                pgsql_maybe_log(tx, ctx, false);
                if (c == 'S')
                    st->switch_to = APP_PROTO_TLS;
                continue;
            }
            /* an error message instead (a server that does not speak SSL
             * and refuses at once): parse it as a message */
        }
        bool typed = d == 1 || st->startup_done;
        uint8_t hlen = typed ? 5 : 4;
        if (r->hdr_len < hlen) {
            uint32_t k = hlen - r->hdr_len;
            if (k > len)
                k = len;
            memcpy(r->hdr + r->hdr_len, data, k);
            r->hdr_len = (uint8_t)(r->hdr_len + k);
            data += k;
            len -= k;
            if (r->hdr_len < hlen)
                break;
            uint32_t mlen = be32(r->hdr + (typed ? 1 : 0));
            uint32_t min = typed ? 4 : 8;
            if (mlen < min || (!typed && mlen > PGSQL_STARTUP_MAX)) {
                pgsql_event(ctx, st->tail, PGSQL_EV_INVALID_LENGTH);
                if (!typed || d == 0)
                    pgsql_event(ctx, st->tail,
                                d == 0 ? PGSQL_EV_MALFORMED_REQUEST : PGSQL_EV_MALFORMED_RESPONSE);
                st->broken[d] = true;
                break;
            }
            /* startup messages: the code is part of the body here */
            r->need = typed ? mlen - 4 : mlen - 4;
            r->have = 0;
            r->skipping = r->need > PGSQL_MSG_MAX;
            if (r->skipping && typed && r->hdr[0] != 'D' && r->hdr[0] != 'd')
                pgsql_event(ctx, st->tail, PGSQL_EV_INVALID_LENGTH);
        }
        uint32_t k = r->need - r->have;
        if (k > len)
            k = len;
        const uint8_t *body = NULL;
        if (r->skipping) {
            r->have += k;
        } else if (r->have == 0 && k == r->need) {
            body = data; /* whole in place */
            r->have = k;
        } else {
            if (!app_buf_grow(ctx, &r->buf, &r->cap, r->need, 256, 0))
                return -1;
            memcpy(r->buf + r->have, data, k);
            r->have += k;
            body = r->buf;
        }
        data += k;
        len -= k;
        if (r->have < r->need)
            break;
        r->hdr_len = 0;
        if (!typed) {
            uint8_t m[PGSQL_STARTUP_MAX];
            memcpy(m, r->hdr, 4);
            memcpy(m + 4, body, r->need);
            pgsql_startup_message(st, ctx, m, r->need + 4);
        } else {
            pgsql_message(st, ctx, d, r->hdr[0], r->skipping ? NULL : body,
                          r->skipping ? 0 : r->need, r->need);
        }
        app_buf_shrink(st->thread, &r->buf, &r->cap, 0, 64 * 1024);
        pgsql_after(st, ctx);
    }
    pgsql_after(st, ctx);
    return 0;
}

/* ---------- probing ---------- */

static enum app_probe_result pgsql_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    if (direction == 0) {
        /* a startup-phase message: StartupMessage 3.0, SSLRequest,
         * GSSENCRequest or CancelRequest */
        if (len < 8)
            return APP_PROBE_NEED_MORE;
        uint32_t mlen = be32(data), code = be32(data + 4);
        if ((code == PGSQL_CODE_SSL || code == PGSQL_CODE_GSSENC) && mlen == 8)
            return APP_PROBE_MATCH;
        if (code == PGSQL_CODE_CANCEL && mlen == 16)
            return APP_PROBE_MATCH;
        if (code == 0x00030000u && mlen > 8 && mlen <= PGSQL_STARTUP_MAX)
            return APP_PROBE_MATCH;
        return APP_PROBE_NO;
    }
    /* the server: an answer to an SSL request, an authentication request or
     * an error */
    if (len == 0)
        return APP_PROBE_NEED_MORE;
    if ((data[0] == 'S' || data[0] == 'N') && len == 1)
        return APP_PROBE_MATCH;
    if (data[0] != 'R' && data[0] != 'E')
        return APP_PROBE_NO;
    if (len < 5)
        return APP_PROBE_NEED_MORE;
    uint32_t mlen = be32(data + 1);
    if (mlen < 8 || mlen > PGSQL_MSG_MAX)
        return APP_PROBE_NO;
    if (data[0] == 'R') {
        if (len < 9)
            return APP_PROBE_NEED_MORE;
        bool waits;
        return pgsql_auth_name(be32(data + 5), &waits) ? APP_PROBE_MATCH : APP_PROBE_NO;
    }
    if (len < 6)
        return APP_PROBE_NEED_MORE;
    return data[5] == 'S' || data[5] == 'V' ? APP_PROBE_MATCH : APP_PROBE_NO;
}

/* ---------- state ---------- */

static void *pgsql_state_new(struct app_parse_ctx *ctx)
{
    struct pgsql_state *st = app_state_alloc(ctx, sizeof(*st));
    if (!st)
        return NULL;
    st->thread = ctx->thread;
    return st;
}

static void pgsql_state_free(void *state)
{
    struct pgsql_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct pgsql_tx *n = st->head->next;
        pgsql_tx_free(st, st->head);
        st->head = n;
    }
    for (int d = 0; d < 2; d++)
        app_buf_free(st->thread, &st->dir[d].buf, &st->dir[d].cap);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void pgsql_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct pgsql_state *st = state;
    for (struct pgsql_tx *tx = st->head; tx; tx = tx->next)
        pgsql_maybe_log(tx, ctx, true);
    pgsql_sweep(st);
}

static uint16_t pgsql_switch_proto(void *state)
{
    return ((struct pgsql_state *)state)->switch_to;
}

/* ---------- EVE ---------- */

static void pgsql_key_ref(struct json_writer *w, const struct pgsql_tx *tx, const char *key,
                          struct pgsql_ref r)
{
    json_key_string_from_bytes(w, key, tx->arena ? tx->arena + r.off : (const uint8_t *)"", r.len);
}

/* Suricata's names of the parameters it knows (as the server or client
 * spells them); others are logged under the name on the wire. */
static const char *pgsql_param_name(const uint8_t *s, uint32_t n, char *buf, size_t cap)
{
    static const struct {
        const char *wire, *name;
    } known[] = {
        {"DateStyle", "date_style"},         {"TimeZone", "time_zone"},
        {"IntervalStyle", "interval_style"}, {"client_encoding", "client_encoding"},
        {"application_name", "application_name"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i].wire) == n && memcmp(known[i].wire, s, n) == 0)
            return known[i].name;
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(buf, s, k);
    buf[k] = 0;
    return buf;
}

static void pgsql_write_params(struct json_writer *w, const struct pgsql_tx *tx,
                               const struct pgsql_param *ps, uint8_t np, bool skip_user)
{
    for (uint8_t i = 0; i < np; i++) {
        const uint8_t *name = tx->arena + ps[i].name.off;
        if (skip_user && ps[i].name.len == 4 && !memcmp(name, "user", 4))
            continue;
        char buf[128];
        json_object_begin(w);
        pgsql_key_ref(w, tx, pgsql_param_name(name, ps[i].name.len, buf, sizeof(buf)),
                      ps[i].value);
        json_object_end(w);
    }
}

static const char *pgsql_field_name(uint8_t t)
{
    switch (t) {
    case 'S': return "severity_localizable";
    case 'V': return "severity_non_localizable";
    case 'C': return "code";
    case 'M': return "message";
    case 'D': return "detail";
    case 'H': return "hint";
    case 'P': return "position";
    case 'p': return "internal_position";
    case 'q': return "internal_query";
    case 'W': return "where";
    case 's': return "schema_name";
    case 't': return "table_name";
    case 'c': return "column_name";
    case 'd': return "data_type_name";
    case 'n': return "constraint_name";
    case 'F': return "file";
    case 'L': return "line";
    case 'R': return "routine";
    default: return NULL;
    }
}

static void pgsql_write_request(const struct pgsql_tx *tx, struct json_writer *w)
{
    json_key_object_begin(w, "request");
    switch (tx->req) {
    case PGSQL_REQ_SSL:
        json_key_string(w, "message", "SSL Request");
        break;
    case PGSQL_REQ_GSSENC:
        json_key_string(w, "message", "GSSENC Request");
        break;
    case PGSQL_REQ_STARTUP: {
        char v[16];
        snprintf(v, sizeof(v), "%u.%u", tx->proto_major, tx->proto_minor);
        json_key_string(w, "protocol_version", v);
        json_key_object_begin(w, "startup_parameters");
        bool others = false;
        for (uint8_t i = 0; i < tx->nparams; i++) {
            if (tx->params[i].name.len == 4 && !memcmp(tx->arena + tx->params[i].name.off, "user", 4))
                pgsql_key_ref(w, tx, "user", tx->params[i].value);
            else
                others = true;
        }
        if (others) {
            json_key_array_begin(w, "optional_parameters");
            pgsql_write_params(w, tx, tx->params, tx->nparams, true);
            json_array_end(w);
        }
        json_object_end(w);
        break;
    }
    case PGSQL_REQ_PASSWORD:
        if (tx->log_password)
            pgsql_key_ref(w, tx, "password", tx->text);
        else
            json_key_bool(w, "password_redacted", true);
        break;
    case PGSQL_REQ_SASL_INITIAL: {
        const uint8_t *m = tx->arena ? tx->arena + tx->sasl_mech.off : NULL;
        uint32_t ml = tx->sasl_mech.len;
        if (m && ml == 13 && !memcmp(m, "SCRAM-SHA-256", 13))
            json_key_string(w, "sasl_authentication_mechanism", "scram_SHA256");
        else if (m && ml == 18 && !memcmp(m, "SCRAM-SHA-256-PLUS", 18))
            json_key_string(w, "sasl_authentication_mechanism", "scram_SHA256_plus");
        else
            pgsql_key_ref(w, tx, "sasl_authentication_mechanism", tx->sasl_mech);
        pgsql_key_ref(w, tx, "sasl_param", tx->text);
        break;
    }
    case PGSQL_REQ_SASL_RESPONSE:
        pgsql_key_ref(w, tx, "sasl_response", tx->text);
        break;
    case PGSQL_REQ_QUERY:
        pgsql_key_ref(w, tx, "simple_query", tx->text);
        break;
    case PGSQL_REQ_COPY_IN:
        json_key_object_begin(w, "copy_data_in");
        json_key_u64(w, "msg_count", tx->copy_in_msgs);
        json_key_u64(w, "data_size", tx->copy_in_size);
        json_object_end(w);
        if (tx->copy_end)
            json_key_string(w, "message", tx->copy_end == 'c' ? "copy_done" : "copy_fail");
        break;
    case PGSQL_REQ_TERMINATE:
        json_key_string(w, "message", "termination_message");
        break;
    case PGSQL_REQ_CANCEL:
        json_key_string(w, "message", "cancel_request");
        json_key_u64(w, "process_id", tx->cancel_pid);
        json_key_u64(w, "secret_key", tx->cancel_key);
        break;
    default:
        break;
    }
    json_object_end(w);
}

static void pgsql_write_response(const struct pgsql_tx *tx, struct json_writer *w)
{
    json_key_object_begin(w, "response");
    if (tx->has_ssl)
        json_key_bool(w, "ssl_accepted", tx->ssl_accepted);
    for (uint8_t i = 0; i < tx->nfields; i++) {
        const char *name = pgsql_field_name(tx->fields[i].type);
        if (name)
            pgsql_key_ref(w, tx, name, tx->fields[i].value);
    }
    if (tx->has_md5)
        json_key_string_from_bytes(w, "authentication_md5_password", tx->md5_salt, 4);
    if (tx->has_sasl_final)
        pgsql_key_ref(w, tx, "authentication_sasl_final", tx->sasl_final);
    if (tx->auth_message)
        json_key_string(w, "message", tx->auth_message);
    if (tx->nstatus) {
        json_key_array_begin(w, "parameter_status");
        pgsql_write_params(w, tx, tx->status, tx->nstatus, false);
        json_array_end(w);
    }
    if (tx->has_key) {
        json_key_u64(w, "process_id", tx->pid);
        json_key_u64(w, "secret_key", tx->key);
    }
    if (tx->has_copy_in) {
        json_key_object_begin(w, "copy_in_response");
        json_key_u64(w, "columns", tx->copy_in_cols);
        json_object_end(w);
    }
    if (tx->has_copy_out) {
        json_key_object_begin(w, "copy_out_response");
        json_key_u64(w, "columns", tx->copy_out_cols);
        json_object_end(w);
    }
    if (tx->copy_out_rows) {
        json_key_object_begin(w, "copy_data_out");
        json_key_u64(w, "row_count", tx->copy_out_rows);
        json_key_u64(w, "data_size", tx->copy_out_size);
        json_object_end(w);
    }
    if (tx->has_fields)
        json_key_u64(w, "field_count", tx->field_count);
    if (tx->data_rows) {
        json_key_u64(w, "data_rows", tx->data_rows);
        json_key_u64(w, "data_size", tx->data_size);
    }
    if (tx->has_command)
        pgsql_key_ref(w, tx, "command_completed", tx->command);
    json_object_end(w);
}

static void pgsql_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct pgsql_tx *tx = (const struct pgsql_tx *)atx;
    json_key_object_begin(w, "pgsql");
    json_key_u64(w, "tx_id", tx->base.id + 1);
    if (tx->req != PGSQL_REQ_NONE)
        pgsql_write_request(tx, w);
    if (tx->has_response)
        pgsql_write_response(tx, w);
    json_object_end(w);
}

static void pgsql_log_body(const void *object, struct json_writer *w)
{
    pgsql_tx_write_json(object, w);
}

/* ---------- detection ---------- */

static int pgsql_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct pgsql_state *st = state;
    return app_tx_list_foreach(st->head, offsetof(struct pgsql_tx, next), fn, user);
}

static bool pgsql_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct pgsql_tx *tx = (const struct pgsql_tx *)atx;
    (void)direction;
    return tx->req_done && tx->res_done;
}

static int pgsql_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                               const uint8_t **data, uint32_t *len)
{
    const struct pgsql_tx *tx = (const struct pgsql_tx *)atx;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    if (buffer != APP_BUFFER_PGSQL_QUERY || index || tx->req != PGSQL_REQ_QUERY || !tx->arena)
        return -ENOENT;
    *data = tx->arena + tx->text.off;
    *len = tx->text.len;
    return 0;
}

static bool pgsql_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct pgsql_tx *tx = (const struct pgsql_tx *)atx;
    for (int e = 0; e < PGSQL_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && !strcasecmp(pgsql_event_names[e], name))
            return true;
    return false;
}

const struct app_parser app_parser_pgsql = {
    .proto = APP_PROTO_PGSQL,
    .name = "pgsql",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {5432},
    .probe = pgsql_probe,
    .probe_needs_port = true,
    .state_new = pgsql_state_new,
    .state_free = pgsql_state_free,
    .parse = pgsql_parse,
    .flow_end = pgsql_flow_end,
    .tx_foreach = pgsql_tx_foreach,
    .tx_complete = pgsql_tx_complete,
    .tx_get_buffer = pgsql_tx_get_buffer,
    .tx_write_json = pgsql_tx_write_json,
    .switch_proto = pgsql_switch_proto,
    .tx_has_event = pgsql_tx_has_event,
    .event_names = pgsql_event_names,
};
