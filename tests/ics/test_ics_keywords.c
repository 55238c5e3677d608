/* SPDX-License-Identifier: Apache-2.0 */
/* Integer keywords of the grid/industrial parsers through the transaction
 * keyword registry (detect_tx_kw.h): Suricata's comparison forms, value
 * names, multi-integer indexes, the protocol they imply, and errors;
 * sticky buffers of the same protocols. */
#include <errno.h>
#include <stdint.h>

#include "app/app.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/detect_uint.h"
#include "detect/rule_set.h"
#include "test.h"

static struct rule_set *rs;
static uint32_t next_sid = 1;

static const struct rule *ok(const char *hdr, const char *opts)
{
    char text[4096];
    snprintf(text, sizeof text, "%s (%s sid:%u;)", hdr, opts, next_sid++);
    struct rule_error e;
    if (rule_set_add_rule(rs, text, "t.rules", 1, &e) != 0) {
        fprintf(stderr, "unexpected failure: %s\n  %s: %s\n", text, e.keyword, e.message);
        test_failures++;
        return NULL;
    }
    return rule_set_get(rs, rule_set_count(rs) - 1);
}

static void bad(const char *hdr, const char *opts, const char *fragment, int line)
{
    char text[4096];
    snprintf(text, sizeof text, "%s (%s sid:%u;)", hdr, opts, next_sid++);
    struct rule_error e;
    test_checks++;
    if (rule_set_add_rule(rs, text, "t.rules", 1, &e) == 0) {
        fprintf(stderr, "line %d: unexpectedly loaded: %s\n", line, text);
        test_failures++;
    } else if (fragment && !strstr(e.message, fragment)) {
        fprintf(stderr, "line %d: %s\n  message '%s'\n", line, text, e.message);
        test_failures++;
    }
}
#define BAD(hdr, opts, frag) bad(hdr, opts, frag, __LINE__)

static void check_uint(const struct rule *r, uint32_t i, const char *kw, uint8_t mode, uint64_t a,
                       uint64_t b)
{
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK(i < r->ntx_conds);
    if (i >= r->ntx_conds)
        return;
    const struct detect_tx_kw *k = r->tx_conds[i].kw;
    CHECK_EQ_STR(k->name, kw);
    CHECK(k->from_app);
    uint16_t proto, field;
    CHECK(app_uint_keyword_lookup(kw, &proto, &field) != NULL);
    CHECK_EQ_INT(k->app_field_proto, proto);
    CHECK_EQ_INT(k->app_field, field);
    const struct detect_uint_multi *m = r->tx_conds[i].data;
    CHECK_EQ_INT(m->value.mode, mode);
    CHECK_EQ_INT(m->value.a, a);
    CHECK_EQ_INT(m->value.b, b);
}

static void test_forms(void)
{
    const char *h = "alert iec104 any any -> any any";
    check_uint(ok(h, "iec104.typeid:45;"), 0, "iec104.typeid", DETECT_UINT_EQ, 45, 0);
    check_uint(ok(h, "iec104.typeid:=0x2d;"), 0, "iec104.typeid", DETECT_UINT_EQ, 45, 0);
    check_uint(ok(h, "iec104.typeid:!45;"), 0, "iec104.typeid", DETECT_UINT_NE, 45, 0);
    check_uint(ok(h, "iec104.typeid:!=45;"), 0, "iec104.typeid", DETECT_UINT_NE, 45, 0);
    check_uint(ok(h, "iec104.typeid:>44;"), 0, "iec104.typeid", DETECT_UINT_GT, 44, 0);
    check_uint(ok(h, "iec104.typeid:>=45;"), 0, "iec104.typeid", DETECT_UINT_GE, 45, 0);
    check_uint(ok(h, "iec104.typeid:<45;"), 0, "iec104.typeid", DETECT_UINT_LT, 45, 0);
    check_uint(ok(h, "iec104.typeid:<=64;"), 0, "iec104.typeid", DETECT_UINT_LE, 64, 0);
    check_uint(ok(h, "iec104.typeid:44-65;"), 0, "iec104.typeid", DETECT_UINT_RANGE, 44, 65);
    check_uint(ok(h, "iec104.typeid:44<>65;"), 0, "iec104.typeid", DETECT_UINT_RANGE, 44, 65);
    check_uint(ok(h, "iec104.typeid:!44-65;"), 0, "iec104.typeid", DETECT_UINT_NRANGE, 44, 65);
    check_uint(ok(h, "iec104.cot:&0x3f=6;"), 0, "iec104.cot", DETECT_UINT_MASK_EQ, 0x3f, 6);
    check_uint(ok(h, "iec104.cot:&0x3f!=6;"), 0, "iec104.cot", DETECT_UINT_MASK_NE, 0x3f, 6);
    /* value names, case-insensitive, in every form */
    check_uint(ok(h, "iec104.typeid:C_SC_NA_1;"), 0, "iec104.typeid", DETECT_UINT_EQ, 45, 0);
    check_uint(ok(h, "iec104.cot:!spont;"), 0, "iec104.cot", DETECT_UINT_NE, 3, 0);
    /* multi-integers: an index form on a field with several instances */
    check_uint(ok(h, "iec104.ioa:>1000,all;"), 0, "iec104.ioa", DETECT_UINT_GT, 1000, 0);
    const struct rule *r = ok(h, "iec104.typeid:45; iec104.cot:act; iec104.common_addr:3;");
    check_uint(r, 1, "iec104.cot", DETECT_UINT_EQ, 6, 0);
    check_uint(r, 2, "iec104.common_addr", DETECT_UINT_EQ, 3, 0);
    /* keywords imply the protocol on a plain tcp/udp rule */
    r = ok("alert tcp any any -> any 102", "s7comm.function:plc_stop;");
    CHECK(r && r->app_proto == (uint16_t)rule_app_proto_lookup("s7comm"));
    check_uint(r, 0, "s7comm.function", DETECT_UINT_EQ, 0x29, 0);
    r = ok("alert udp any any -> any 47808", "bacnet.service:reinitializeDevice;");
    check_uint(r, 0, "bacnet.service", DETECT_UINT_EQ, 20, 0);
    check_uint(ok("alert mms any any -> any any", "mms.service:write;"), 0, "mms.service",
               DETECT_UINT_EQ, 5, 0);
    check_uint(ok("alert opcua any any -> any any", "opcua.security_mode:none;"), 0,
               "opcua.security_mode", DETECT_UINT_EQ, 1, 0);
    check_uint(ok("alert goose any any -> any any", "goose.stnum:>1000;"), 0, "goose.stnum",
               DETECT_UINT_GT, 1000, 0);
    check_uint(ok("alert c37118 any any -> any any", "c37118.command:turn_off_transmission;"), 0,
               "c37118.command", DETECT_UINT_EQ, 1, 0);
    check_uint(ok("alert profinet any any -> any any", "profinet.dcp_option:factory_reset;"), 0,
               "profinet.dcp_option", DETECT_UINT_EQ, 0x0505, 0);
    check_uint(ok("alert s7comm any any -> any any", "s7comm.szl_id:0x0011;"), 0,
               "s7comm.szl_id", DETECT_UINT_EQ, 0x11, 0);
    /* sticky buffers */
    r = ok("alert mms any any -> any any", "mms.domain; content:\"CTRL\"; mms.item; "
                                           "content:\"$Oper\"; endswith;");
    CHECK(r && r->nbuffers == 2);
    r = ok("alert goose any any -> any any", "goose.gocbref; content:\"gcbTrip\";");
    CHECK(r && r->nbuffers == 1);
    ok("alert tcp any any -> any any", "opcua.security_policy; content:\"#None\"; endswith;");
    ok("alert profinet any any -> any any", "profinet.name_of_station; content:\"plc\";");
}

static void test_errors(void)
{
    const char *h = "alert iec104 any any -> any any";
    BAD(h, "iec104.typeid;", "needs a value");
    BAD(h, "iec104.typeid:256;", "out of range");
    BAD(h, "iec104.typeid:C_XX_NA_1;", "unknown value 'C_XX_NA_1'");
    BAD(h, "iec104.typeid:>;", "not a number");
    BAD(h, "iec104.typeid:10-5;", "is empty");
    BAD(h, "iec104.cot:&0x3f;", "bitmask needs");
    BAD(h, "s7comm.function:plc_stop;", "needs protocol s7comm but the rule is for iec104");
    BAD("alert udp any any -> any any", "iec104.typeid:45;", "cannot be used");
    BAD("alert icmp any any -> any any", "goose.stnum:1;", "cannot be used");
    BAD(h, "iec104.nosuchfield:1;", "unknown keyword");
}

/* One mechanism for every integer field: the parsers' tables, found by
 * keyword name. A field several protocols list (dcerpc.opnum: DCE/RPC and
 * DCE/RPC over SMB) resolves for each; fields whose keyword has a syntax of
 * its own make no generic keyword; value names come from the tables or,
 * when they depend on the transaction, from the parser. */
static void test_unified_fields(void)
{
    struct app_uint_ref ref;
    CHECK_EQ_INT(app_uint_ref_resolve("dcerpc.opnum", &ref), 2);
    CHECK(ref.field[APP_PROTO_DCERPC] != 0);
    CHECK(ref.field[APP_PROTO_SMB] != 0);
    CHECK_EQ_INT(ref.field[APP_PROTO_IEC104], 0);
    CHECK_EQ_INT(app_uint_ref_resolve("krb5.msg_type", &ref), 1); /* TCP and UDP share it */
    CHECK_EQ_INT(app_uint_ref_resolve("iec104.typeid", &ref), 1);
    CHECK_EQ_INT(app_uint_ref_resolve("no.such_field", &ref), 0);
    /* own syntax: the winrpc table's keyword, not a generic one */
    const struct detect_tx_kw *k = detect_tx_kw_lookup("dcerpc.opnum");
    CHECK(k != NULL && !k->from_app && k->parse != NULL);
    k = detect_tx_kw_lookup("s7comm.function");
    CHECK(k != NULL && k->from_app);
    uint64_t v = 0;
    CHECK_EQ_INT(app_uint_value_from_name("krb5.msg_type", "AS_REQ", &v), 1);
    CHECK_EQ_INT(v, 10);
    CHECK_EQ_INT(app_uint_value_from_name("nfs.procedure", "WRITE", &v), 0); /* by version */
    CHECK_EQ_INT(app_uint_value_from_name("nfs.procedure", "NOPE", &v), -1);
    CHECK_EQ_INT(app_uint_value_from_name("iec104.typeid", "C_SC_NA_1", &v), 1);
    CHECK_EQ_INT(v, 45);
    ok("alert smb any any -> any any", "dcerpc.opnum:1-3,7; smb.version:2;");
    ok("alert nfs any any -> any any", "nfs_procedure:WRITE;");
    BAD("alert krb5 any any -> any any", "krb5_msg_type:NOPE;", "unknown value");
}

int main(void)
{
    rs = rule_set_new(NULL);
    test_forms();
    test_unified_fields();
    test_errors();
    rule_set_free(rs);
    TEST_MAIN_END();
}
