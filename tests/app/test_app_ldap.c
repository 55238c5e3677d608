/* SPDX-License-Identifier: Apache-2.0 */
/* LDAP, hand-built messages: a simple bind, a search answered with an entry
 * and its done, a modify, an unbind; EVE shape (request, responses with
 * their results), split at every offset; a response to no request raises
 * request_not_found, an unsolicited notice does not; a message that is not
 * BER raises invalid_data; StartTLS hands the flow to TLS; connectionless
 * LDAP over UDP. */
#include "app/app_buffer.h"
#include "app/app_parser.h"
#include "app_test_util.h"
#include "ber_build.h"
#include "test.h"

static void msg_begin(struct berb *b, uint32_t id, uint8_t op)
{
    berb_open(b, 0x30);
    berb_int(b, 0x02, id);
    berb_open(b, op);
}

static void msg_end(struct berb *b)
{
    berb_close(b);
    berb_close(b);
}

static void result(struct berb *b, uint32_t id, uint8_t op, uint32_t code, const char *msg)
{
    msg_begin(b, id, op);
    berb_int(b, 0x0a, code);
    berb_str(b, 0x04, "");
    berb_str(b, 0x04, msg);
    msg_end(b);
}

static void bind_req(struct berb *b, uint32_t id)
{
    msg_begin(b, id, 0x60);
    berb_int(b, 0x02, 3);
    berb_str(b, 0x04, "cn=admin,dc=example,dc=org");
    berb_str(b, 0x80, "secret");
    msg_end(b);
}

static void search_req(struct berb *b, uint32_t id)
{
    msg_begin(b, id, 0x63);
    berb_str(b, 0x04, "dc=example,dc=org");
    berb_int(b, 0x0a, 2);
    berb_int(b, 0x0a, 0);
    berb_int(b, 0x02, 500);
    berb_int(b, 0x02, 10);
    berb_prim(b, 0x01, "\x00", 1);
    berb_str(b, 0x87, "objectClass");
    berb_open(b, 0x30);
    berb_str(b, 0x04, "cn");
    berb_str(b, 0x04, "mail");
    berb_close(b);
    msg_end(b);
}

static void search_entry(struct berb *b, uint32_t id)
{
    msg_begin(b, id, 0x64);
    berb_str(b, 0x04, "cn=bob,dc=example,dc=org");
    berb_open(b, 0x30);
    berb_open(b, 0x30);
    berb_str(b, 0x04, "mail");
    berb_open(b, 0x31);
    berb_str(b, 0x04, "bob@example.org");
    berb_str(b, 0x04, "robert@example.org");
    berb_close(b);
    berb_close(b);
    berb_close(b);
    msg_end(b);
}

static void modify_req(struct berb *b, uint32_t id)
{
    msg_begin(b, id, 0x66);
    berb_str(b, 0x04, "cn=bob,dc=example,dc=org");
    berb_open(b, 0x30);
    berb_open(b, 0x30);
    berb_int(b, 0x0a, 2);
    berb_open(b, 0x30);
    berb_str(b, 0x04, "telephoneNumber");
    berb_open(b, 0x31);
    berb_str(b, 0x04, "+1 555 0100");
    berb_close(b);
    berb_close(b);
    berb_close(b);
    berb_close(b);
    msg_end(b);
}

struct conv {
    struct berb m[8];
    struct test_segment segs[8];
    size_t n;
};

static void add(struct conv *c, uint8_t dir)
{
    c->segs[c->n] = (struct test_segment){dir, c->m[c->n].d, c->m[c->n].n};
    c->n++;
}

static void build_session(struct conv *c)
{
    memset(c, 0, sizeof(*c));
    bind_req(&c->m[0], 1);
    add(c, 0);
    result(&c->m[1], 1, 0x61, 0, "");
    add(c, 1);
    search_req(&c->m[2], 2);
    add(c, 0);
    search_entry(&c->m[3], 2);
    result(&c->m[3], 2, 0x65, 4, "size limit"); /* same segment: entry and done */
    add(c, 1);
    modify_req(&c->m[4], 3);
    add(c, 0);
    result(&c->m[5], 3, 0x67, 50, "no");
    add(c, 1);
    msg_begin(&c->m[6], 4, 0x42); /* unbind: [APPLICATION 2] primitive, empty */
    berb_close(&c->m[6]);
    berb_close(&c->m[6]);
    add(c, 0);
}

static void test_session(void)
{
    struct conv c;
    build_session(&c);
    uint16_t proto = 0;
    char *log = test_run_tcp(c.segs, c.n, 50000, 389, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_LDAP);
    CHECK(strstr(log, "\"request\":{\"message_id\":1,\"operation\":\"bind_request\",\"bind_"
                      "request\":{\"version\":3,\"name\":\"cn=admin,dc=example,dc=org\"}}") !=
          NULL);
    CHECK(strstr(log, "\"responses\":[{\"operation\":\"bind_response\",\"bind_response\":{"
                      "\"result_code\":\"success\",\"matched_dn\":\"\",\"message\":\"\"}}]") !=
          NULL);
    CHECK(strstr(log, "\"search_request\":{\"base_object\":\"dc=example,dc=org\",\"scope\":2,"
                      "\"deref_alias\":0,\"size_limit\":500,\"time_limit\":10,\"types_only\":"
                      "false,\"filter\":{\"type\":\"present\",\"value\":\"objectClass\"},"
                      "\"attributes\":[\"cn\",\"mail\"]}") != NULL);
    CHECK(strstr(log, "{\"operation\":\"search_result_entry\",\"search_result_entry\":{"
                      "\"base_object\":\"cn=bob,dc=example,dc=org\",\"attributes\":[{\"type\":"
                      "\"mail\",\"values\":[\"bob@example.org\",\"robert@example.org\"]}]}}") !=
          NULL);
    CHECK(strstr(log, "\"result_code\":\"size_limit_exceeded\",\"matched_dn\":\"\","
                      "\"message\":\"size limit\"") != NULL);
    CHECK(strstr(log, "\"changes\":[{\"operation\":\"replace\",\"modification\":{"
                      "\"attribute_type\":\"telephoneNumber\",\"attribute_values\":[\"+1 555 "
                      "0100\"]}}]") != NULL);
    CHECK(strstr(log, "\"result_code\":\"insufficient_access_rights\"") != NULL);
    CHECK(strstr(log, "\"operation\":\"unbind_request\"") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(c.segs, c.n, 50000, 389), 0);
}

static void test_orphans_and_garbage(void)
{
    struct conv c;
    memset(&c, 0, sizeof(c));
    /* a server's notice of disconnection (RFC 4511 4.4.1): no request */
    msg_begin(&c.m[0], 0, 0x78);
    berb_int(&c.m[0], 0x0a, 52);
    berb_str(&c.m[0], 0x04, "");
    berb_str(&c.m[0], 0x04, "shutting down");
    berb_str(&c.m[0], 0x8a, "1.3.6.1.4.1.1466.20036");
    msg_end(&c.m[0]);
    bind_req(&c.m[1], 7);
    add(&c, 0);
    c.segs[0].direction = 1;
    add(&c, 0);
    /* a delete response for message 9, never asked */
    result(&c.m[2], 9, 0x6b, 0, "");
    add(&c, 1);
    uint16_t proto = 0;
    char *log = test_run_tcp(c.segs, c.n, 50000, 389, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_LDAP);
    CHECK(strstr(log, "\"responses\":[{\"operation\":\"extended_response\",\"message_id\":0,"
                      "\"extended_response\":{\"result_code\":\"unavailable\"") != NULL);
    CHECK(strstr(log, "\"name\":\"1.3.6.1.4.1.1466.20036\"") != NULL);
    CHECK(strstr(log, "anomaly ldap request_not_found") != NULL);
    CHECK(strstr(log, "\"message_id\":9") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    /* an LDAP-looking start, then bytes that are no LDAPMessage */
    struct berb g = {0};
    bind_req(&g, 1);
    static const uint8_t junk[] = {0x30, 0x05, 0x02, 0x01, 0x02, 0x7f, 0x00};
    berb_raw(&g, junk, sizeof(junk));
    struct test_segment s[1] = {{0, g.d, g.n}};
    log = test_run_tcp(s, 1, 50000, 389, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_LDAP);
    CHECK(strstr(log, "anomaly ldap invalid_data") != NULL);
    CHECK(strstr(log, "\"operation\":\"bind_request\"") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

static void test_starttls(void)
{
    struct berb req = {0}, resp = {0};
    msg_begin(&req, 1, 0x77);
    berb_str(&req, 0x80, "1.3.6.1.4.1.1466.20037");
    msg_end(&req);
    msg_begin(&resp, 1, 0x78);
    berb_int(&resp, 0x0a, 0);
    berb_str(&resp, 0x04, "");
    berb_str(&resp, 0x04, "");
    msg_end(&resp);
    /* a TLS ClientHello record header and a few bytes: TLS from here on */
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03};
    struct test_segment segs[] = {{0, req.d, req.n}, {1, resp.d, resp.n}, {0, hello, sizeof(hello)}};
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 3, 50000, 389, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_TLS);
    CHECK(strstr(log, "\"extended_request\":{\"name\":\"1.3.6.1.4.1.1466.20037\"}") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
}

static void test_udp(void)
{
    struct berb q = {0}, r = {0};
    search_req(&q, 1);
    search_entry(&r, 1);
    result(&r, 1, 0x65, 0, "");
    struct test_segment dg[] = {{0, q.d, q.n}, {1, r.d, r.n}};
    uint16_t proto = 0;
    unsigned events = 0;
    char *log = test_run_udp(dg, 2, 40000, 389, &proto, &events, NULL);
    CHECK_EQ_INT(proto, APP_PROTO_LDAP);
    CHECK_EQ_INT(events, 1);
    CHECK(strstr(log, "\"responses\":[{\"operation\":\"search_result_entry\"") != NULL);
    CHECK(strstr(log, "{\"operation\":\"search_result_done\"") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_session();
    test_orphans_and_garbage();
    test_starttls();
    test_udp();
    TEST_MAIN_END();
}
