/* SPDX-License-Identifier: Apache-2.0 */
/* Kerberos 5 (RFC 4120) over UDP and TCP (port 88; TCP messages carry a
 * 4-byte record mark). Each message is a transaction of its direction, as
 * Suricata makes them: AS-REQ and TGS-REQ (client name, realm, service name
 * from the request body), AS-REP and TGS-REP (client name and realm, the
 * ticket's service name, the encryption of the reply and of the ticket), and
 * KRB-ERROR (error code, service name, and the request it answers).
 * AP-REQ/AP-REP carry nothing logged and make no transaction.
 *
 * EVE "krb5" in Suricata's shape ("<empty>"/"<none>" for what is absent,
 * encryption types by their RFC 3961/3962/4757/8009 names, weak = neither AES
 * nor Camellia). Events: malformed_data, weak_encryption (a reply encrypted
 * with a weak type). Keywords: krb5_msg_type, krb5_err_code,
 * krb5.ticket_encryption, krb5.cname / krb5.sname (one buffer per name
 * component). Limits: TCP records of KRB5_RECORD_MAX bytes, max-tx
 * transactions per flow. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_der.h"
#include "app/app_parser.h"
#include "app/app_pdu.h"
#include "app/app_text.h"
#include "util/json.h"

#define KRB5_RECORD_MAX 100000u /* as Suricata's TCP reassembly limit */
#define KRB5_NAME_MAX 256
#define KRB5_COMPONENTS 8

enum {
    KRB5_AS_REQ = 10,
    KRB5_AS_REP = 11,
    KRB5_TGS_REQ = 12,
    KRB5_TGS_REP = 13,
    KRB5_AP_REQ = 14,
    KRB5_AP_REP = 15,
    KRB5_ERROR = 30,
};

enum krb5_event { KRB5_EV_MALFORMED_DATA = 0, KRB5_EV_WEAK_ENCRYPTION, KRB5_EV_COUNT };
static const char *const krb5_event_names[KRB5_EV_COUNT + 1] = {"malformed_data",
                                                                "weak_encryption"};

struct krb5_principal {
    bool present;
    uint8_t n;
    char comp[KRB5_COMPONENTS][KRB5_NAME_MAX];
};

struct krb5_tx {
    struct app_tx base;
    struct krb5_tx *next;
    uint8_t dir;
    uint8_t msg_type;
    uint8_t failed_request; /* errors: the request answered, 0 if unknown */
    bool has_error, has_etype, has_ticket_etype, has_realm;
    int32_t error_code, etype, ticket_etype;
    char realm[KRB5_NAME_MAX];
    struct krb5_principal cname, sname;
    uint32_t events;
};

/* TCP record assembly of one direction. */
struct krb5_record {
    uint8_t mark[4];
    uint8_t mark_len;
    uint32_t need;
    uint8_t *buf; /* owned, cap bytes accounted */
    uint32_t len, cap;
    bool broken;
};

struct krb5_state {
    struct app_layer_thread_ctx *thread;
    bool tcp;
    uint8_t req_id; /* type of the last request, for errors */
    struct krb5_tx *head, *tail;
    uint32_t ntx;
    uint64_t next_id;
    struct krb5_record dir[2];
};

/* ---------- names ---------- */

static const char *krb5_etype_name(int32_t e)
{
    switch (e) {
    case 0:
        return "null";
    case 1:
        return "des-cbc-crc";
    case 2:
        return "des-cbc-md4";
    case 3:
        return "des-cbc-md5";
    case 5:
        return "des3-cbc-md5";
    case 7:
        return "des3-cbc-sha1";
    case 9:
        return "dsaWithSHA1-CmsOID";
    case 10:
        return "md5WithRSAEncryption-CmsOID";
    case 11:
        return "sha1WithRSAEncryption-CmsOID";
    case 12:
        return "rc2CBC-EnvOID";
    case 13:
        return "rsaEncryption-EnvOID";
    case 14:
        return "rsaES-OAEP-ENV-OID";
    case 15:
        return "des-ede3-cbc-Env-OID";
    case 16:
        return "des3-cbc-sha1-kd";
    case 17:
        return "aes128-cts-hmac-sha1-96";
    case 18:
        return "aes256-cts-hmac-sha1-96";
    case 19:
        return "aes128-cts-hmac-sha256-128";
    case 20:
        return "aes256-cts-hmac-sha384-192";
    case 23:
        return "rc4-hmac";
    case 24:
        return "rc4-hmac-exp";
    case 25:
        return "camellia128-cts-cmac";
    case 26:
        return "camellia256-cts-cmac";
    case 65:
        return "subkey-keymaterial";
    case -128:
        return "rc4-md4";
    case -133:
        return "rc4-hmac-old";
    case -135:
        return "rc4-hmac-old-exp";
    default:
        return NULL;
    }
}

static bool krb5_etype_weak(int32_t e)
{
    return !(e == 17 || e == 18 || e == 19 || e == 20 || e == 25 || e == 26);
}

static const char *krb5_msg_name(uint8_t t)
{
    switch (t) {
    case KRB5_AS_REQ:
        return "KRB_AS_REQ";
    case KRB5_AS_REP:
        return "KRB_AS_REP";
    case KRB5_TGS_REQ:
        return "KRB_TGS_REQ";
    case KRB5_TGS_REP:
        return "KRB_TGS_REP";
    case KRB5_AP_REQ:
        return "KRB_AP_REQ";
    case KRB5_AP_REP:
        return "KRB_AP_REP";
    case 20:
        return "KRB_SAFE";
    case 21:
        return "KRB_PRIV";
    case 22:
        return "KRB_CRED";
    case KRB5_ERROR:
        return "KRB_ERROR";
    default:
        return NULL;
    }
}

/* RFC 4120 7.5.9 */
static const char *const krb5_errors[] = {"KDC_ERR_NONE",
                                          "KDC_ERR_NAME_EXP",
                                          "KDC_ERR_SERVICE_EXP",
                                          "KDC_ERR_BAD_PVNO",
                                          "KDC_ERR_C_OLD_MAST_KVNO",
                                          "KDC_ERR_S_OLD_MAST_KVNO",
                                          "KDC_ERR_C_PRINCIPAL_UNKNOWN",
                                          "KDC_ERR_S_PRINCIPAL_UNKNOWN",
                                          "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
                                          "KDC_ERR_NULL_KEY",
                                          "KDC_ERR_CANNOT_POSTDATE",
                                          "KDC_ERR_NEVER_VALID",
                                          "KDC_ERR_POLICY",
                                          "KDC_ERR_BADOPTION",
                                          "KDC_ERR_ETYPE_NOSUPP",
                                          "KDC_ERR_SUMTYPE_NOSUPP",
                                          "KDC_ERR_PADATA_TYPE_NOSUPP",
                                          "KDC_ERR_TRTYPE_NOSUPP",
                                          "KDC_ERR_CLIENT_REVOKED",
                                          "KDC_ERR_SERVICE_REVOKED",
                                          "KDC_ERR_TGT_REVOKED",
                                          "KDC_ERR_CLIENT_NOTYET",
                                          "KDC_ERR_SERVICE_NOTYET",
                                          "KDC_ERR_KEY_EXPIRED",
                                          "KDC_ERR_PREAUTH_FAILED",
                                          "KDC_ERR_PREAUTH_REQUIRED",
                                          "KDC_ERR_SERVER_NOMATCH",
                                          "KDC_ERR_MUST_USE_USER2USER",
                                          "KDC_ERR_PATH_NOT_ACCEPTED",
                                          "KDC_ERR_SVC_UNAVAILABLE",
                                          NULL,
                                          "KRB_AP_ERR_BAD_INTEGRITY",
                                          "KRB_AP_ERR_TKT_EXPIRED",
                                          "KRB_AP_ERR_TKT_NYV",
                                          "KRB_AP_ERR_REPEAT",
                                          "KRB_AP_ERR_NOT_US",
                                          "KRB_AP_ERR_BADMATCH",
                                          "KRB_AP_ERR_SKEW",
                                          "KRB_AP_ERR_BADADDR",
                                          "KRB_AP_ERR_BADVERSION",
                                          "KRB_AP_ERR_MSG_TYPE",
                                          "KRB_AP_ERR_MODIFIED",
                                          "KRB_AP_ERR_BADORDER",
                                          NULL,
                                          "KRB_AP_ERR_BADKEYVER",
                                          "KRB_AP_ERR_NOKEY",
                                          "KRB_AP_ERR_MUT_FAIL",
                                          "KRB_AP_ERR_BADDIRECTION",
                                          "KRB_AP_ERR_METHOD",
                                          "KRB_AP_ERR_BADSEQ",
                                          "KRB_AP_ERR_INAPP_CKSUM",
                                          "KRB_AP_PATH_NOT_ACCEPTED",
                                          "KRB_ERR_RESPONSE_TOO_BIG",
                                          NULL,
                                          NULL,
                                          NULL,
                                          NULL,
                                          NULL,
                                          NULL,
                                          NULL,
                                          "KRB_ERR_GENERIC",
                                          "KRB_ERR_FIELD_TOOLONG",
                                          "KDC_ERROR_CLIENT_NOT_TRUSTED",
                                          "KDC_ERROR_KDC_NOT_TRUSTED",
                                          "KDC_ERROR_INVALID_SIG",
                                          "KDC_ERR_KEY_TOO_WEAK",
                                          "KDC_ERR_CERTIFICATE_MISMATCH",
                                          "KRB_AP_ERR_NO_TGT",
                                          "KDC_ERR_WRONG_REALM",
                                          "KRB_AP_ERR_USER_TO_USER_REQUIRED",
                                          "KDC_ERR_CANT_VERIFY_CERTIFICATE",
                                          "KDC_ERR_INVALID_CERTIFICATE",
                                          "KDC_ERR_REVOKED_CERTIFICATE",
                                          "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
                                          "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
                                          "KDC_ERR_CLIENT_NAME_MISMATCH",
                                          "KDC_ERR_KDC_NAME_MISMATCH"};

static const char *krb5_error_name(int32_t c)
{
    if (c >= 0 && (size_t)c < sizeof(krb5_errors) / sizeof(krb5_errors[0]))
        return krb5_errors[c];
    return NULL;
}

/* ---------- DER ---------- */

static void krb5_string(const struct der_tlv *t, char *out)
{
    app_bytes_to_text(t->value, t->len, out, KRB5_NAME_MAX);
}

/* [tag] KerberosString */
static bool krb5_context_string(const uint8_t *v, uint32_t len, uint32_t tag, char *out)
{
    struct der_tlv f, s;
    if (!der_find_context(v, len, tag, &f))
        return false;
    const uint8_t *p = f.value;
    uint32_t n = f.len;
    if (!der_read(&p, &n, &s))
        return false;
    krb5_string(&s, out);
    return true;
}

/* [tag] PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF } */
static bool krb5_context_principal(const uint8_t *v, uint32_t len, uint32_t tag,
                                   struct krb5_principal *out)
{
    struct der_tlv f, seq, ns, list, s;
    if (!der_find_context(v, len, tag, &f))
        return false;
    const uint8_t *p = f.value;
    uint32_t n = f.len;
    if (!der_expect(&p, &n, DER_CLASS_UNIVERSAL, 16, &seq) ||
        !der_find_context(seq.value, seq.len, 1, &ns))
        return false;
    p = ns.value;
    n = ns.len;
    if (!der_expect(&p, &n, DER_CLASS_UNIVERSAL, 16, &list))
        return false;
    p = list.value;
    n = list.len;
    out->n = 0;
    while (n && out->n < KRB5_COMPONENTS && der_read(&p, &n, &s))
        krb5_string(&s, out->comp[out->n++]);
    out->present = true;
    return true;
}

/* [tag] EncryptedData ::= SEQUENCE { etype [0] Int32, ... } */
static bool krb5_context_etype(const uint8_t *v, uint32_t len, uint32_t tag, int32_t *etype)
{
    struct der_tlv f, seq;
    if (!der_find_context(v, len, tag, &f))
        return false;
    const uint8_t *p = f.value;
    uint32_t n = f.len;
    int64_t e;
    if (!der_expect(&p, &n, DER_CLASS_UNIVERSAL, 16, &seq) ||
        !der_context_integer(seq.value, seq.len, 0, &e))
        return false;
    *etype = (int32_t)e;
    return true;
}

/* ---------- transactions ---------- */

static void krb5_log_body(const void *object, struct json_writer *w);

static void krb5_sweep(struct krb5_state *st)
{
    struct krb5_tx **pp = &st->head, *prev = NULL;
    while (*pp) {
        struct krb5_tx *tx = *pp;
        if (app_tx_can_free(&tx->base)) {
            *pp = tx->next;
            if (st->tail == tx)
                st->tail = prev;
            st->ntx--;
            app_thread_memory_release(st->thread, sizeof(*tx));
            free(tx);
            continue;
        }
        prev = tx;
        pp = &tx->next;
    }
}

static struct krb5_tx *krb5_tx_new(struct krb5_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                                   uint8_t msg_type)
{
    const struct app_layer_config *cfg = app_parser_config(ctx);
    uint32_t max_tx = cfg->max_tx_per_flow ? cfg->max_tx_per_flow : 512;
    if (st->ntx >= max_tx && st->head) {
        st->head->base.detect_done = 3; /* given up: detection no longer waits */
        krb5_sweep(st);
    }
    if (!app_memory_reserve(ctx, sizeof(struct krb5_tx)))
        return NULL;
    struct krb5_tx *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        app_memory_release(ctx, sizeof(struct krb5_tx));
        return NULL;
    }
    tx->base.parser = st->tcp ? &app_parser_krb5_tcp : &app_parser_krb5_udp;
    tx->base.id = st->next_id++;
    tx->dir = dir;
    tx->msg_type = msg_type;
    if (st->tail)
        st->tail->next = tx;
    else
        st->head = tx;
    st->tail = tx;
    st->ntx++;
    app_parser_count_tx(ctx, APP_PROTO_KRB5);
    return tx;
}

static void krb5_event(struct app_parse_ctx *ctx, struct krb5_tx *tx, enum krb5_event e)
{
    if (tx)
        tx->events |= 1u << e;
    app_parser_anomaly(ctx, APP_PROTO_KRB5, krb5_event_names[e]);
}

static void krb5_done(struct krb5_tx *tx, struct app_parse_ctx *ctx)
{
    tx->base.logged = true;
    app_parser_log(ctx, "krb5", tx->dir, krb5_log_body, &tx->base);
}

/* One message. Returns 0, or -1 when it is no Kerberos message at all. */
static int krb5_message(struct krb5_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                        const uint8_t *d, uint32_t len)
{
    struct der_tlv app, seq;
    const uint8_t *p = d;
    uint32_t n = len;
    if (!der_read(&p, &n, &app) || app.cls != DER_CLASS_APPLICATION) {
        krb5_event(ctx, st->tail, KRB5_EV_MALFORMED_DATA);
        return -1;
    }
    p = app.value;
    n = app.len;
    if (!der_expect(&p, &n, DER_CLASS_UNIVERSAL, 16, &seq)) {
        krb5_event(ctx, st->tail, KRB5_EV_MALFORMED_DATA);
        return 0;
    }
    const uint8_t *v = seq.value;
    uint32_t vl = seq.len;
    struct krb5_tx *tx = NULL;
    switch (app.tag) {
    case KRB5_AS_REQ:
    case KRB5_TGS_REQ: {
        st->req_id = (uint8_t)app.tag;
        struct der_tlv body, bseq;
        tx = krb5_tx_new(st, ctx, dir, (uint8_t)app.tag);
        if (!tx)
            return 0;
        if (der_find_context(v, vl, 4, &body)) {
            const uint8_t *q = body.value;
            uint32_t m = body.len;
            if (der_expect(&q, &m, DER_CLASS_UNIVERSAL, 16, &bseq)) {
                krb5_context_principal(bseq.value, bseq.len, 1, &tx->cname);
                tx->has_realm = krb5_context_string(bseq.value, bseq.len, 2, tx->realm);
                krb5_context_principal(bseq.value, bseq.len, 3, &tx->sname);
            }
        } else {
            krb5_event(ctx, tx, KRB5_EV_MALFORMED_DATA);
        }
        break;
    }
    case KRB5_AS_REP:
    case KRB5_TGS_REP: {
        st->req_id = 0;
        struct der_tlv t, tapp, tseq;
        tx = krb5_tx_new(st, ctx, dir, (uint8_t)app.tag);
        if (!tx)
            return 0;
        tx->has_realm = krb5_context_string(v, vl, 3, tx->realm);
        krb5_context_principal(v, vl, 4, &tx->cname);
        if (der_find_context(v, vl, 5, &t)) {
            const uint8_t *q = t.value;
            uint32_t m = t.len;
            if (der_expect(&q, &m, DER_CLASS_APPLICATION, 1, &tapp)) {
                q = tapp.value;
                m = tapp.len;
                if (der_expect(&q, &m, DER_CLASS_UNIVERSAL, 16, &tseq)) {
                    krb5_context_principal(tseq.value, tseq.len, 2, &tx->sname);
                    tx->has_ticket_etype =
                        krb5_context_etype(tseq.value, tseq.len, 3, &tx->ticket_etype);
                }
            }
        }
        tx->has_etype = krb5_context_etype(v, vl, 6, &tx->etype);
        if (!tx->has_etype || !tx->cname.present)
            krb5_event(ctx, tx, KRB5_EV_MALFORMED_DATA);
        else if (krb5_etype_weak(tx->etype))
            krb5_event(ctx, tx, KRB5_EV_WEAK_ENCRYPTION);
        break;
    }
    case KRB5_AP_REQ:
        st->req_id = KRB5_AP_REQ;
        return 0;
    case KRB5_AP_REP:
        st->req_id = 0;
        return 0;
    case KRB5_ERROR: {
        tx = krb5_tx_new(st, ctx, dir, KRB5_ERROR);
        if (!tx)
            return 0;
        tx->failed_request = st->req_id;
        st->req_id = 0;
        int64_t code = 0;
        tx->has_error = der_context_integer(v, vl, 6, &code);
        tx->error_code = (int32_t)code;
        if (!tx->has_error)
            krb5_event(ctx, tx, KRB5_EV_MALFORMED_DATA);
        tx->has_realm = krb5_context_string(v, vl, 7, tx->realm);
        krb5_context_principal(v, vl, 8, &tx->cname);
        krb5_context_principal(v, vl, 10, &tx->sname);
        break;
    }
    default:
        return 0;
    }
    krb5_done(tx, ctx);
    return 0;
}

static int krb5_parse_udp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                          const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct krb5_state *st = state;
    (void)flags;
    if (data && len)
        krb5_message(st, ctx, direction & 1, data, len);
    krb5_sweep(st);
    return 0;
}

static int krb5_parse_tcp(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                          const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct krb5_state *st = state;
    uint8_t d = direction & 1;
    struct krb5_record *r = &st->dir[d];
    if (flags & APP_DATA_GAP) {
        r->broken = true; /* no way to find the next record mark */
        return 0;
    }
    while (data && len && !r->broken) {
        if (r->mark_len < 4) {
            if (!app_be32_gather(r->mark, &r->mark_len, &data, &len, &r->need))
                break;
            r->len = 0;
            if (r->need & 0x80000000u || r->need > KRB5_RECORD_MAX) {
                krb5_event(ctx, st->tail, KRB5_EV_MALFORMED_DATA);
                r->broken = true;
                break;
            }
            if (r->need == 0) {
                r->mark_len = 0;
                continue;
            }
        }
        if (r->len == 0 && len >= r->need) {
            krb5_message(st, ctx, d, data, r->need);
            data += r->need;
            len -= r->need;
            r->mark_len = 0;
            continue;
        }
        if (!app_buf_grow(ctx, &r->buf, &r->cap, r->need, 0, r->need))
            return -1;
        uint32_t n = r->need - r->len < len ? r->need - r->len : len;
        memcpy(r->buf + r->len, data, n);
        r->len += n;
        data += n;
        len -= n;
        if (r->len == r->need) {
            krb5_message(st, ctx, d, r->buf, r->len);
            r->mark_len = 0;
            r->len = 0;
        }
    }
    krb5_sweep(st);
    return 0;
}

/* ---------- EVE ---------- */

static void krb5_principal_text(const struct krb5_principal *p, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (uint8_t i = 0; i < p->n && o + 1 < cap; i++) {
        int w = snprintf(out + o, cap - o, "%s%s", i ? "/" : "", p->comp[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    if (o >= cap)
        out[cap - 1] = 0;
}

static void krb5_write_etype(struct json_writer *w, const char *key, int32_t e)
{
    const char *n = krb5_etype_name(e);
    char buf[32];
    if (!n) {
        snprintf(buf, sizeof(buf), "%d", e);
        n = buf;
    }
    json_key_string(w, key, n);
}

static void krb5_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct krb5_tx *tx = (const struct krb5_tx *)atx;
    char buf[KRB5_NAME_MAX * KRB5_COMPONENTS + 16];
    json_key_object_begin(w, "krb5");
    if (tx->msg_type == KRB5_ERROR) {
        json_key_string(w, "msg_type", "KRB_ERROR");
        const char *fr = krb5_msg_name(tx->failed_request);
        if (!fr) {
            snprintf(buf, sizeof(buf), "MessageType(%u)", tx->failed_request);
            fr = buf;
        }
        json_key_string(w, "failed_request", fr);
        const char *en = krb5_error_name(tx->error_code);
        if (!en) {
            snprintf(buf, sizeof(buf), "ErrorCode(%d)", tx->error_code);
            en = buf;
        }
        json_key_string(w, "error_code", en);
    } else {
        json_key_string(w, "msg_type", krb5_msg_name(tx->msg_type));
    }
    if (tx->cname.present) {
        krb5_principal_text(&tx->cname, buf, sizeof(buf));
        json_key_string(w, "cname", buf);
    } else {
        json_key_string(w, "cname", "<empty>");
    }
    json_key_string(w, "realm", tx->has_realm ? tx->realm : "<empty>");
    if (tx->sname.present) {
        krb5_principal_text(&tx->sname, buf, sizeof(buf));
        json_key_string(w, "sname", buf);
    } else {
        json_key_string(w, "sname", "<empty>");
    }
    if (tx->has_etype)
        krb5_write_etype(w, "encryption", tx->etype);
    else
        json_key_string(w, "encryption", "<none>");
    json_key_bool(w, "weak_encryption", tx->has_etype && krb5_etype_weak(tx->etype));
    if (tx->has_ticket_etype) {
        krb5_write_etype(w, "ticket_encryption", tx->ticket_etype);
        json_key_bool(w, "ticket_weak_encryption", krb5_etype_weak(tx->ticket_etype));
    }
    json_object_end(w);
}

static void krb5_log_body(const void *object, struct json_writer *w)
{
    krb5_tx_write_json(object, w);
}

/* ---------- detection ---------- */

static int krb5_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct krb5_tx *tx = (const struct krb5_tx *)atx;
    const struct krb5_principal *p = buffer == APP_BUFFER_KRB5_CNAME   ? &tx->cname
                                     : buffer == APP_BUFFER_KRB5_SNAME ? &tx->sname
                                                                       : NULL;
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    if (!p || !p->present || index >= p->n)
        return -ENOENT;
    *data = (const uint8_t *)p->comp[index];
    *len = (uint32_t)strlen(p->comp[index]);
    return 0;
}

/* Integer fields (Suricata's keyword syntax: detect_kw_winrpc.c). */
enum { KRB5_F_MSG_TYPE, KRB5_F_ERR_CODE, KRB5_F_TICKET_ENCRYPTION, KRB5_F_COUNT };
static const struct app_uint_field krb5_uint_fields[KRB5_F_COUNT] = {
    [KRB5_F_MSG_TYPE] = {"krb5.msg_type", 3, 255, NULL, true},
    [KRB5_F_ERR_CODE] = {"krb5.err_code", 3, UINT32_MAX, NULL, true},
    [KRB5_F_TICKET_ENCRYPTION] = {"krb5.ticket_encryption", 3, UINT32_MAX, NULL, true},
};

static int krb5_tx_get_uint(const struct app_tx *atx, uint16_t field, uint32_t index,
                            uint64_t *value, const char **name)
{
    const struct krb5_tx *tx = (const struct krb5_tx *)atx;
    if (index)
        return -ENOENT;
    switch (field) {
    case KRB5_F_MSG_TYPE: {
        *value = tx->msg_type;
        const char *n = krb5_msg_name(tx->msg_type);
        *name = n ? n + 4 : NULL; /* "AS_REQ", as krb5_msg_type names values */
        return 0;
    }
    case KRB5_F_ERR_CODE:
        if (!tx->has_error)
            return -ENOENT;
        *value = (uint32_t)tx->error_code;
        *name = krb5_error_name(tx->error_code);
        return 0;
    case KRB5_F_TICKET_ENCRYPTION:
        if (!tx->has_ticket_etype)
            return -ENOENT;
        *value = (uint32_t)tx->ticket_etype;
        *name = krb5_etype_name(tx->ticket_etype);
        return 0;
    default:
        return -ENOENT;
    }
}

static int krb5_uint_value_from_name(uint16_t field, const char *name, uint64_t *value)
{
    switch (field) {
    case KRB5_F_MSG_TYPE:
        for (uint8_t t = 10; t <= 30; t++) {
            const char *n = krb5_msg_name(t);
            if (n && (!strcasecmp(n, name) || !strcasecmp(n + 4, name))) {
                *value = t;
                return 1;
            }
        }
        return -1;
    case KRB5_F_ERR_CODE:
        for (size_t i = 0; i < sizeof(krb5_errors) / sizeof(krb5_errors[0]); i++)
            if (krb5_errors[i] && !strcasecmp(krb5_errors[i], name)) {
                *value = i;
                return 1;
            }
        return -1;
    case KRB5_F_TICKET_ENCRYPTION:
        for (int32_t e = -135; e <= 65; e++) {
            const char *n = krb5_etype_name(e);
            if (n && !strcasecmp(n, name)) {
                *value = (uint32_t)e;
                return 1;
            }
        }
        return -1;
    default:
        return -1;
    }
}

static bool krb5_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct krb5_tx *tx = (const struct krb5_tx *)atx;
    for (int e = 0; e < KRB5_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && !strcasecmp(krb5_event_names[e], name))
            return true;
    return false;
}

static int krb5_tx_direction(const struct app_tx *atx)
{
    return ((const struct krb5_tx *)atx)->dir;
}

static bool krb5_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    (void)atx;
    (void)direction;
    return true;
}

static int krb5_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct krb5_state *st = state;
    return app_tx_list_foreach(st->head, offsetof(struct krb5_tx, next), fn, user);
}

/* ---------- framework glue ---------- */

/* TLV header at d (tag and length only, the value may be incomplete):
 * returns the header length or 0 when more bytes are needed / malformed. */
static uint32_t krb5_tlv_header(const uint8_t *d, uint32_t len, uint8_t *tag_byte, bool *bad)
{
    *bad = false;
    if (len < 2)
        return 0;
    *tag_byte = d[0];
    if ((d[0] & 0x1f) == 0x1f) {
        *bad = true; /* Kerberos tags fit in one octet */
        return 0;
    }
    uint32_t l = d[1];
    if (!(l & 0x80))
        return 2;
    uint32_t nb = l & 0x7f;
    if (nb == 0 || nb > 4) {
        *bad = true;
        return 0;
    }
    return len >= 2 + nb ? 2 + nb : 0;
}

/* An APPLICATION-tagged message (tag <= 30) holding a SEQUENCE whose first
 * member is pvno 5, as Suricata's probe checks (headers only: the message
 * itself may still be arriving). */
static enum app_probe_result krb5_probe_msg(const uint8_t *d, uint32_t len)
{
    uint8_t tag;
    bool bad;
    if (len <= 10)
        return APP_PROBE_NEED_MORE;
    if ((d[0] & 0xc0) != DER_CLASS_APPLICATION || (d[0] & 0x1f) > 30)
        return APP_PROBE_NO;
    uint32_t h1 = krb5_tlv_header(d, len, &tag, &bad);
    if (!h1)
        return bad ? APP_PROBE_NO : APP_PROBE_NEED_MORE;
    if (h1 >= len)
        return APP_PROBE_NEED_MORE;
    if (d[h1] != 0x30)
        return APP_PROBE_NO;
    uint32_t h2 = krb5_tlv_header(d + h1, len - h1, &tag, &bad);
    if (!h2)
        return bad ? APP_PROBE_NO : APP_PROBE_NEED_MORE;
    const uint8_t *r = d + h1 + h2;
    if (len < h1 + h2 + 5)
        return APP_PROBE_NEED_MORE;
    return r[2] == 2 && r[3] == 1 && r[4] == 5 ? APP_PROBE_MATCH : APP_PROBE_NO;
}

static enum app_probe_result krb5_probe_udp(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    enum app_probe_result r = krb5_probe_msg(data, len);
    return r == APP_PROBE_NEED_MORE ? APP_PROBE_NO : r;
}

static enum app_probe_result krb5_probe_tcp(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < 4)
        return APP_PROBE_NEED_MORE;
    uint32_t mark =
        (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    if (mark > 16384)
        return APP_PROBE_NO;
    if (len <= 14)
        return APP_PROBE_NEED_MORE;
    return krb5_probe_msg(data + 4, len - 4);
}

static void *krb5_state_new_common(struct app_parse_ctx *ctx, bool tcp)
{
    struct krb5_state *st = app_state_alloc(ctx, sizeof(*st));
    if (!st)
        return NULL;
    st->thread = ctx->thread;
    st->tcp = tcp;
    return st;
}

static void *krb5_state_new_tcp(struct app_parse_ctx *ctx)
{
    return krb5_state_new_common(ctx, true);
}

static void *krb5_state_new_udp(struct app_parse_ctx *ctx)
{
    return krb5_state_new_common(ctx, false);
}

static void krb5_state_free(void *state)
{
    struct krb5_state *st = state;
    if (!st)
        return;
    while (st->head) {
        struct krb5_tx *n = st->head->next;
        app_thread_memory_release(st->thread, sizeof(*st->head));
        free(st->head);
        st->head = n;
    }
    for (int d = 0; d < 2; d++)
        app_buf_free(st->thread, &st->dir[d].buf, &st->dir[d].cap);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

static void krb5_flow_end(void *state, struct app_parse_ctx *ctx)
{
    (void)ctx;
    krb5_sweep(state);
}

#define KRB5_PARSER_COMMON                                                                         \
    .proto = APP_PROTO_KRB5, .name = "krb5", .ports = {88}, .state_free = krb5_state_free,         \
    .flow_end = krb5_flow_end, .tx_foreach = krb5_tx_foreach, .tx_complete = krb5_tx_complete,     \
    .tx_get_buffer = krb5_tx_get_buffer, .tx_write_json = krb5_tx_write_json,                      \
    .tx_has_event = krb5_tx_has_event, .event_names = krb5_event_names,                            \
    .tx_direction = krb5_tx_direction, .uint_fields = krb5_uint_fields,                            \
    .n_uint_fields = KRB5_F_COUNT, .tx_get_field_uint = krb5_tx_get_uint,                          \
    .uint_value_from_name = krb5_uint_value_from_name, .probe_needs_port = true

const struct app_parser app_parser_krb5_tcp = {
    KRB5_PARSER_COMMON,      .ipprotos = APP_IPPROTO_TCP,
    .probe = krb5_probe_tcp, .state_new = krb5_state_new_tcp,
    .parse = krb5_parse_tcp,
};

const struct app_parser app_parser_krb5_udp = {
    KRB5_PARSER_COMMON,      .ipprotos = APP_IPPROTO_UDP,
    .probe = krb5_probe_udp, .state_new = krb5_state_new_udp,
    .parse = krb5_parse_udp,
};
