/* SPDX-License-Identifier: Apache-2.0 */
/* LDAP's EVE record (Suricata 8's shape): the request with its operation's
 * fields and controls, and the responses, read from the messages' BER with
 * the bounded readers of app_ldap.h. */
#include <stdio.h>
#include <stdlib.h>

#include "app/app_ldap.h"
#include "app/app_parser.h"
#include "util/json.h"

static void ldap_write_op(struct json_writer *w, const char *key, uint8_t op)
{
    const char *n = ldap_op_name(op);
    json_key_string(w, key, n ? n : "unknown");
}

static void ldap_write_result_code(struct json_writer *w, uint32_t code)
{
    const char *n = ldap_result_name(code);
    if (n) {
        json_key_string(w, "result_code", n);
    } else {
        char b[16];
        snprintf(b, sizeof(b), "%u", code);
        json_key_string(w, "result_code", b);
    }
}

/* Bytes as lower-case hex (Suricata's set_hex). */
static void ldap_write_hex(struct json_writer *w, const char *key, const uint8_t *s, uint32_t n)
{
    static const char hx[] = "0123456789abcdef";
    char *buf = malloc((size_t)n * 2 + 1);
    if (!buf)
        return;
    for (uint32_t i = 0; i < n; i++) {
        buf[2 * i] = hx[s[i] >> 4];
        buf[2 * i + 1] = hx[s[i] & 15];
    }
    json_key_string_len(w, key, buf, (size_t)n * 2);
    free(buf);
}

/* Values of an attribute list: [{"<name_key>": type, "values": [...]}] */
static void ldap_write_attrs(struct json_writer *w, const char *key, const char *name_key,
                             const uint8_t *p, uint32_t n)
{
    struct ber_iter it = ber_iter_make(p, n);
    struct ber_tlv a, v;
    bool open = false;
    while (ber_next(&it, &a)) {
        struct ber_iter ai = ber_iter_make(a.val, a.len);
        const uint8_t *s;
        uint32_t sl;
        if (!ldap_octets(&ai, &s, &sl) || !ber_next(&ai, &v))
            break;
        if (!open) {
            json_key_array_begin(w, key);
            open = true;
        }
        json_object_begin(w);
        json_key_string_from_bytes(w, name_key, s, sl);
        struct ber_iter vi = ber_iter_make(v.val, v.len);
        bool vopen = false;
        while (ldap_octets(&vi, &s, &sl)) {
            if (!vopen) {
                json_key_array_begin(w, "values");
                vopen = true;
            }
            json_write_string_from_bytes(w, s, sl, NULL);
        }
        if (vopen)
            json_array_end(w);
        json_object_end(w);
    }
    if (open)
        json_array_end(w);
}

static void ldap_write_request(struct json_writer *w, const struct ldap_msg *m)
{
    struct ber_iter it = ldap_body(m);
    const uint8_t *s;
    uint32_t sl, u;
    bool b;
    struct ber_tlv t;
    switch (m->op) {
    case LDAP_BIND_REQ:
        json_key_object_begin(w, "bind_request");
        if (ldap_uint(&it, 2, &u))
            json_key_u64(w, "version", u);
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "name", s, sl);
        if (ber_next(&it, &t) && t.cls == BER_CONTEXT && t.tag == 3 && t.constructed) {
            struct ber_iter si = ber_iter_make(t.val, t.len);
            json_key_object_begin(w, "sasl");
            if (ldap_octets(&si, &s, &sl))
                json_key_string_from_bytes(w, "mechanism", s, sl);
            if (ldap_octets(&si, &s, &sl))
                ldap_write_hex(w, "credentials", s, sl);
            json_object_end(w);
        }
        json_object_end(w);
        break;
    case LDAP_SEARCH_REQ:
        json_key_object_begin(w, "search_request");
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "base_object", s, sl);
        if (ldap_uint(&it, 10, &u))
            json_key_u64(w, "scope", u);
        if (ldap_uint(&it, 10, &u))
            json_key_u64(w, "deref_alias", u);
        if (ldap_uint(&it, 2, &u))
            json_key_u64(w, "size_limit", u);
        if (ldap_uint(&it, 2, &u))
            json_key_u64(w, "time_limit", u);
        if (ldap_bool(&it, &b))
            json_key_bool(w, "types_only", b);
        if (ber_next(&it, &t) && t.cls == BER_CONTEXT && t.tag == 7 && !t.constructed) {
            json_key_object_begin(w, "filter");
            json_key_string(w, "type", "present");
            json_key_string_from_bytes(w, "value", t.val, t.len);
            json_object_end(w);
        }
        if (ber_next(&it, &t) && t.constructed && t.len) {
            struct ber_iter ai = ber_iter_make(t.val, t.len);
            json_key_array_begin(w, "attributes");
            while (ldap_octets(&ai, &s, &sl))
                json_write_string_from_bytes(w, s, sl, NULL);
            json_array_end(w);
        }
        json_object_end(w);
        break;
    case LDAP_MODIFY_REQ:
        json_key_object_begin(w, "modify_request");
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "object", s, sl);
        if (ber_next(&it, &t) && t.len) {
            struct ber_iter ci = ber_iter_make(t.val, t.len);
            struct ber_tlv c, a;
            json_key_array_begin(w, "changes");
            while (ber_next(&ci, &c)) {
                struct ber_iter x = ber_iter_make(c.val, c.len);
                if (!ldap_uint(&x, 10, &u) || !ber_next(&x, &a))
                    break;
                json_object_begin(w);
                static const char *const ops[] = {"add", "delete", "replace"};
                char nb[16];
                snprintf(nb, sizeof(nb), "%u", u);
                json_key_string(w, "operation", u < 3 ? ops[u] : nb);
                json_key_object_begin(w, "modification");
                struct ber_iter ai = ber_iter_make(a.val, a.len);
                struct ber_tlv v;
                if (ldap_octets(&ai, &s, &sl))
                    json_key_string_from_bytes(w, "attribute_type", s, sl);
                if (ber_next(&ai, &v) && v.len) {
                    struct ber_iter vi = ber_iter_make(v.val, v.len);
                    json_key_array_begin(w, "attribute_values");
                    while (ldap_octets(&vi, &s, &sl))
                        json_write_string_from_bytes(w, s, sl, NULL);
                    json_array_end(w);
                }
                json_object_end(w);
                json_object_end(w);
            }
            json_array_end(w);
        }
        json_object_end(w);
        break;
    case LDAP_ADD_REQ:
        json_key_object_begin(w, "add_request");
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "entry", s, sl);
        if (ber_next(&it, &t))
            ldap_write_attrs(w, "attributes", "name", t.val, t.len);
        json_object_end(w);
        break;
    case LDAP_DEL_REQ:
        json_key_object_begin(w, "del_request");
        json_key_string_from_bytes(w, "dn", m->body, m->body_len);
        json_object_end(w);
        break;
    case LDAP_MODDN_REQ:
        json_key_object_begin(w, "mod_dn_request");
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "entry", s, sl);
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "new_rdn", s, sl);
        if (ldap_bool(&it, &b))
            json_key_bool(w, "delete_old_rdn", b);
        if (ber_next(&it, &t) && t.cls == BER_CONTEXT && t.tag == 0)
            json_key_string_from_bytes(w, "new_superior", t.val, t.len);
        json_object_end(w);
        break;
    case LDAP_COMPARE_REQ:
        json_key_object_begin(w, "compare_request");
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "entry", s, sl);
        if (ber_next(&it, &t)) {
            struct ber_iter ai = ber_iter_make(t.val, t.len);
            json_key_object_begin(w, "attribute_value_assertion");
            if (ldap_octets(&ai, &s, &sl))
                json_key_string_from_bytes(w, "description", s, sl);
            if (ldap_octets(&ai, &s, &sl))
                json_key_string_from_bytes(w, "value", s, sl);
            json_object_end(w);
        }
        json_object_end(w);
        break;
    case LDAP_ABANDON_REQ: {
        uint64_t v = 0;
        json_key_object_begin(w, "abandon_request");
        if (ber_uint(m->body, m->body_len, &v))
            json_key_u64(w, "message_id", v);
        json_object_end(w);
        break;
    }
    case LDAP_EXTENDED_REQ:
        json_key_object_begin(w, "extended_request");
        if (ber_next(&it, &t) && t.tag == 0)
            json_key_string_from_bytes(w, "name", t.val, t.len);
        if (ber_next(&it, &t) && t.tag == 1)
            json_key_string_from_bytes(w, "value", t.val, t.len);
        json_object_end(w);
        break;
    default:
        break;
    }
}

static const char *ldap_response_key(uint8_t op)
{
    switch (op) {
    case LDAP_BIND_RESP:
        return "bind_response";
    case LDAP_SEARCH_DONE:
        return "search_result_done";
    case LDAP_MODIFY_RESP:
        return "modify_response";
    case LDAP_ADD_RESP:
        return "add_response";
    case LDAP_DEL_RESP:
        return "del_response";
    case LDAP_MODDN_RESP:
        return "mod_dn_response";
    case LDAP_COMPARE_RESP:
        return "compare_response";
    case LDAP_EXTENDED_RESP:
        return "extended_response";
    default:
        return NULL;
    }
}

static void ldap_write_response(struct json_writer *w, const struct ldap_msg *m)
{
    struct ber_iter it = ldap_body(m);
    const uint8_t *s;
    uint32_t sl;
    struct ber_tlv t;
    if (m->has_result) {
        struct ldap_result r;
        if (!ldap_result(&it, &r))
            return;
        json_key_object_begin(w, ldap_response_key(m->op));
        ldap_write_result_code(w, r.code);
        json_key_string_from_bytes(w, "matched_dn", r.dn, r.dn_len);
        json_key_string_from_bytes(w, "message", r.msg, r.msg_len);
        while (ber_next(&it, &t)) {
            if (t.cls != BER_CONTEXT)
                continue;
            if (m->op == LDAP_BIND_RESP && t.tag == 7)
                ldap_write_hex(w, "server_sasl_creds", t.val, t.len);
            else if (m->op == LDAP_EXTENDED_RESP && t.tag == 10)
                json_key_string_from_bytes(w, "name", t.val, t.len);
            else if (m->op == LDAP_EXTENDED_RESP && t.tag == 11)
                json_key_string_from_bytes(w, "value", t.val, t.len);
        }
        json_object_end(w);
        return;
    }
    switch (m->op) {
    case LDAP_SEARCH_ENTRY:
        json_key_object_begin(w, "search_result_entry");
        if (ldap_octets(&it, &s, &sl))
            json_key_string_from_bytes(w, "base_object", s, sl);
        if (ber_next(&it, &t))
            ldap_write_attrs(w, "attributes", "type", t.val, t.len);
        json_object_end(w);
        break;
    case LDAP_INTERMEDIATE_RESP:
        json_key_object_begin(w, "intermediate_response");
        while (ber_next(&it, &t)) {
            if (t.tag == 0)
                json_key_string_from_bytes(w, "name", t.val, t.len);
            else if (t.tag == 1)
                json_key_string_from_bytes(w, "value", t.val, t.len);
        }
        json_object_end(w);
        break;
    default:
        break;
    }
}

static void ldap_write_controls(struct json_writer *w, const struct ldap_msg *m)
{
    if (!m->controls)
        return;
    struct ber_iter it = ber_iter_make(m->controls, m->controls_len);
    struct ber_tlv c, t;
    json_key_array_begin(w, "controls");
    while (ber_next(&it, &c)) {
        struct ber_iter ci = ber_iter_make(c.val, c.len);
        const uint8_t *s;
        uint32_t sl;
        if (!ldap_octets(&ci, &s, &sl))
            break;
        json_object_begin(w);
        json_key_string_from_bytes(w, "control_type", s, sl);
        bool crit = false;
        const uint8_t *val = NULL;
        uint32_t vl = 0;
        while (ber_next(&ci, &t)) {
            if (t.cls == BER_UNIVERSAL && t.tag == 1 && t.len == 1)
                crit = t.val[0] != 0;
            else if (t.cls == BER_UNIVERSAL && t.tag == 4) {
                val = t.val;
                vl = t.len;
            }
        }
        json_key_bool(w, "criticality", crit);
        if (val)
            ldap_write_hex(w, "control_value", val, vl);
        json_object_end(w);
    }
    json_array_end(w);
}

void ldap_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct ldap_tx *tx = (const struct ldap_tx *)atx;
    json_key_object_begin(w, "ldap");
    if (tx->request) {
        json_key_object_begin(w, "request");
        json_key_u64(w, "message_id", tx->request->id);
        ldap_write_op(w, "operation", tx->request->op);
        ldap_write_request(w, tx->request);
        ldap_write_controls(w, tx->request);
        json_object_end(w);
    }
    if (tx->nresp) {
        json_key_array_begin(w, "responses");
        for (uint32_t i = 0; i < tx->nresp; i++) {
            const struct ldap_msg *m = tx->responses[i];
            json_object_begin(w);
            ldap_write_op(w, "operation", m->op);
            if (!tx->request)
                json_key_u64(w, "message_id", m->id);
            ldap_write_response(w, m);
            ldap_write_controls(w, m);
            json_object_end(w);
        }
        json_array_end(w);
    }
    json_object_end(w);
}
