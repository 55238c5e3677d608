/* SPDX-License-Identifier: Apache-2.0 */
/* The DCE/RPC, SMB, Kerberos and NFS transaction keywords
 * (src/detect/detect_kw_winrpc.c): what loads and what does not, the
 * protocol and direction a keyword gives its rule, and matching on
 * transactions the real parsers made from hand-built messages. */
#include <errno.h>
#include <stdint.h>

#include "app/app.h"
#include "decode/packet.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule_set.h"
#include "flow/flow.h"
#include "test.h"

static struct rule_set *rs;
static uint32_t next_sid = 1;

static const struct rule *ok(const char *hdr, const char *opts)
{
    char text[2048];
    snprintf(text, sizeof(text), "%s (%s sid:%u;)", hdr, opts, next_sid++);
    struct rule_error e;
    if (rule_set_add_rule(rs, text, "test.rules", 1, &e) != 0) {
        fprintf(stderr, "unexpected failure: %s\n  keyword '%s': %s\n", text, e.keyword, e.message);
        test_failures++;
        return NULL;
    }
    test_checks++;
    return rule_set_get(rs, rule_set_count(rs) - 1);
}

static void bad(const char *hdr, const char *opts, const char *fragment, int line)
{
    char text[2048];
    snprintf(text, sizeof(text), "%s (%s sid:%u;)", hdr, opts, next_sid++);
    struct rule_error e;
    test_checks++;
    if (rule_set_add_rule(rs, text, "test.rules", 1, &e) == 0) {
        fprintf(stderr, "line %d: unexpectedly loaded: %s\n", line, text);
        test_failures++;
    } else if (fragment && !strstr(e.message, fragment)) {
        fprintf(stderr, "line %d: %s\n  message '%s' lacks '%s'\n", line, text, e.message,
                fragment);
        test_failures++;
    }
}
#define BAD(hdr, opts, frag) bad(hdr, opts, frag, __LINE__)

static void test_parse(void)
{
    const struct rule *r;
    r = ok("alert tcp any any -> any any",
           "dcerpc.iface:12345778-1234-abcd-ef00-0123456789ab,>1,any_frag;");
    CHECK(r && r->app_proto == RULE_APP_DCERPC && r->ntx_conds == 1);
    r = ok("alert smb any any -> any any", "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee188;");
    CHECK(r && r->app_proto == RULE_APP_SMB); /* DCE/RPC over SMB */
    ok("alert udp any any -> any any", "dce_opnum:1,5-9,15;");
    ok("alert tcp any any -> any any", "dcerpc.opnum:>100;");
    ok("alert smb any any -> any any", "smb.version:2;");
    r = ok("alert krb5 any any -> any any", "krb5_msg_type:AS_REQ;");
    CHECK(r && r->ntx_conds == 1);
    ok("alert krb5 any any -> any any", "krb5_msg_type:KRB_TGS_REP;");
    ok("alert krb5 any any -> any any", "krb5_msg_type:!30;");
    ok("alert krb5 any any -> any any", "krb5_err_code:25;");
    ok("alert krb5 any any -> any any", "krb5.ticket_encryption:weak;");
    ok("alert krb5 any any -> any any", "krb5.ticket_encryption:rc4-hmac,17;");
    r = ok("alert nfs any any -> any any", "nfs_procedure:WRITE;");
    CHECK(r && (r->flags & RULE_FLAG_TOSERVER)); /* nfs keywords inspect requests */
    ok("alert nfs any any -> any any", "nfs_procedure:2<>4;");
    ok("alert nfs any any -> any any", "nfs.version:>=3;");

    BAD("alert tcp any any -> any any", "dcerpc.iface:1234;", "uuid");
    BAD("alert tcp any any -> any any",
        "dcerpc.iface:12345778-1234-abcd-ef00-0123456789ab,any_frag,any_frag;", "any_frag");
    BAD("alert tcp any any -> any any", "dcerpc.opnum:9-5;", "range");
    BAD("alert tcp any any -> any any", "dcerpc.opnum:70000;", NULL);
    BAD("alert smb any any -> any any", "smb.version:2; smb.version:3;", "2 or more");
    BAD("alert krb5 any any -> any any", "krb5_msg_type:NOT_A_TYPE;", "NOT_A_TYPE");
    BAD("alert krb5 any any -> any any", "krb5.ticket_encryption:no-such-etype;", "no-such");
    BAD("alert nfs any any -> any any", "nfs_procedure:NOT_A_PROC;", "NOT_A_PROC");
    BAD("alert http any any -> any any", "krb5_msg_type:10;", NULL); /* other protocol */
    BAD("alert smb any any -> any any", "nfs_procedure:3;", NULL);
}

/* Kerberos AS-REQ (msg 10) for alice, hand-encoded DER. */
static const uint8_t as_req[] = {
    0x6a, 0x5e, 0x30, 0x5c, 0xa1, 0x03, 0x02, 0x01, 0x05, 0xa2, 0x03, 0x02, 0x01, 0x0a, 0xa4,
    0x50, 0x30, 0x4e, 0xa0, 0x07, 0x03, 0x05, 0x00, 0x40, 0x81, 0x00, 0x10, 0xa1, 0x12, 0x30,
    0x10, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05, 'a',  'l',  'i',
    'c',  'e',  0xa2, 0x0d, 0x1b, 0x0b, 'E',  'X',  'A',  'M',  'P',  'L',  'E',  '.',  'C',
    'O',  'M',  0xa3, 0x20, 0x30, 0x1e, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x17, 0x30, 0x15,
    0x1b, 0x06, 'k',  'r',  'b',  't',  'g',  't',  0x1b, 0x0b, 'E',  'X',  'A',  'M',  'P',
    'L',  'E',  '.',  'C',  'O',  'M',  0xa7, 0x04, 0x02, 0x02, 0x30, 0x39};

struct match_run {
    const struct rule *r;
    int matched;
};

static int match_cb(struct app_tx *tx, void *user)
{
    struct match_run *m = user;
    bool all = true;
    for (uint32_t i = 0; i < m->r->ntx_conds; i++)
        if (!detect_tx_kw_match(m->r->tx_conds[i].kw, tx, 0, m->r->tx_conds[i].data))
            all = false;
    if (all)
        m->matched++;
    return 0;
}

static int matches(const char *opts)
{
    const struct rule *r = ok("alert krb5 any any -> any any", opts);
    if (!r)
        return -1;
    app_layer_set_detection_active(true);
    struct app_layer_thread_ctx *ctx = app_layer_thread_ctx_new(NULL, NULL);
    struct flow f;
    struct packet p;
    memset(&f, 0, sizeof(f));
    memset(&p, 0, sizeof(p));
    f.key.src.family = f.key.dst.family = 4;
    f.key.src_port = 50000;
    f.key.dst_port = 88;
    f.key.proto = 17;
    p.flow = &f;
    struct app_flow_state *st = NULL;
    app_layer_handle_udp(ctx, &st, &f, &p, 0, as_req, sizeof(as_req));
    struct match_run m = {r, 0};
    app_flow_state_tx_foreach(st, match_cb, &m);
    app_flow_state_free(st);
    app_layer_thread_ctx_free(ctx);
    app_layer_set_detection_active(false);
    return m.matched;
}

static void test_match(void)
{
    CHECK_EQ_INT(matches("krb5_msg_type:10;"), 1);
    CHECK_EQ_INT(matches("krb5_msg_type:AS_REQ;"), 1);
    CHECK_EQ_INT(matches("krb5_msg_type:KRB_AS_REQ;"), 1);
    CHECK_EQ_INT(matches("krb5_msg_type:11;"), 0);
    CHECK_EQ_INT(matches("krb5_msg_type:!11;"), 1);
    CHECK_EQ_INT(matches("krb5_msg_type:<11;"), 1);
    /* a request has no error code: neither 25 nor its negation matches */
    CHECK_EQ_INT(matches("krb5_err_code:25;"), 0);
    CHECK_EQ_INT(matches("krb5_err_code:!25;"), 0);
}

int main(void)
{
    rs = rule_set_new(NULL);
    test_parse();
    test_match();
    rule_set_free(rs);
    TEST_MAIN_END();
}
