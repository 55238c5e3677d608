/* SPDX-License-Identifier: Apache-2.0 */
/* LDAP's parser (app_ldap.c) and its EVE writer (app_ldap_log.c): the
 * messages and transactions they share, and the BER field readers both
 * walk a message with. Private to src/app/. */
#ifndef VIGIL_APP_LDAP_H
#define VIGIL_APP_LDAP_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app_ber.h"
#include "app/app_txlist.h"

struct json_writer;

/* protocolOp tags ([APPLICATION n]) */
enum ldap_op {
    LDAP_BIND_REQ = 0,
    LDAP_BIND_RESP = 1,
    LDAP_UNBIND_REQ = 2,
    LDAP_SEARCH_REQ = 3,
    LDAP_SEARCH_ENTRY = 4,
    LDAP_SEARCH_DONE = 5,
    LDAP_MODIFY_REQ = 6,
    LDAP_MODIFY_RESP = 7,
    LDAP_ADD_REQ = 8,
    LDAP_ADD_RESP = 9,
    LDAP_DEL_REQ = 10,
    LDAP_DEL_RESP = 11,
    LDAP_MODDN_REQ = 12,
    LDAP_MODDN_RESP = 13,
    LDAP_COMPARE_REQ = 14,
    LDAP_COMPARE_RESP = 15,
    LDAP_ABANDON_REQ = 16,
    LDAP_SEARCH_REF = 19,
    LDAP_EXTENDED_REQ = 23,
    LDAP_EXTENDED_RESP = 24,
    LDAP_INTERMEDIATE_RESP = 25,
};

/* One LDAPMessage, its bytes owned (allocated with the struct). */
struct ldap_msg {
    uint32_t id;
    uint8_t op;
    bool has_result;       /* an LDAPResult-bearing response */
    uint32_t result_code;
    const uint8_t *body;   /* the protocolOp's contents */
    uint32_t body_len;
    const uint8_t *controls; /* [0] Controls contents, or NULL */
    uint32_t controls_len;
    uint32_t len;          /* the message's length on the wire */
    uint8_t raw[];
};

struct ldap_tx {
    union {
        struct app_list_tx lt;
        struct app_tx base;
    };
    struct ldap_msg *request;
    struct ldap_msg **responses;
    uint32_t nresp, cap_resp;
    uint32_t resp_total; /* responses seen, kept or not */
    bool complete;
    uint32_t events;
    size_t alloc; /* accounted to the memcap, beyond the struct */
};

/* Suricata's names of an operation and a result code, or NULL. */
const char *ldap_op_name(uint8_t op);
const char *ldap_result_name(uint32_t code);
/* EVE "ldap" of a transaction (app_ldap_log.c). */
void ldap_tx_write_json(const struct app_tx *atx, struct json_writer *w);

static inline bool ldap_uint(struct ber_iter *it, uint32_t tag, uint32_t *out)
{
    struct ber_tlv t;
    uint64_t v;
    if (!ber_next_prim(it, tag, &t) || !ber_uint(t.val, t.len, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool ldap_octets(struct ber_iter *it, const uint8_t **s, uint32_t *n)
{
    struct ber_tlv t;
    if (!ber_next_prim(it, 4, &t))
        return false;
    *s = t.val;
    *n = t.len;
    return true;
}

static inline bool ldap_bool(struct ber_iter *it, bool *b)
{
    struct ber_tlv t;
    if (!ber_next_prim(it, 1, &t) || t.len != 1)
        return false;
    *b = t.val[0] != 0;
    return true;
}

/* The op's contents as a walk (primitive ops have no children). */
static inline struct ber_iter ldap_body(const struct ldap_msg *m)
{
    return ber_iter_make(m->body, m->body_len);
}

/* LDAPResult: resultCode, matchedDN, diagnosticMessage (referral [3] and
 * what follows are left on the walk). */
struct ldap_result {
    uint32_t code;
    const uint8_t *dn, *msg;
    uint32_t dn_len, msg_len;
};

static inline bool ldap_result(struct ber_iter *it, struct ldap_result *r)
{
    return ldap_uint(it, 10, &r->code) && ldap_octets(it, &r->dn, &r->dn_len) &&
           ldap_octets(it, &r->msg, &r->msg_len);
}

#endif
