/* SPDX-License-Identifier: Apache-2.0 */
/* Rule parser: every keyword into its typed form, and the error paths
 * (each error names the keyword and the reason). */
#include <errno.h>
#include <stdint.h>

#include "detect/detect_buffer.h"
#include "detect/rule_set.h"
#include "test.h"
#include "util/config.h"

static struct rule_set *rs;
static uint32_t next_sid = 1000;

/* Parses "alert tcp any any -> any any (OPTS sid:N;)" and returns the rule. */
static const struct rule *ok_hdr(const char *hdr, const char *opts)
{
    char text[8192];
    snprintf(text, sizeof(text), "%s (%s sid:%u;)", hdr, opts, next_sid++);
    struct rule_error e;
    if (rule_set_add_rule(rs, text, "test.rules", 1, &e) != 0) {
        fprintf(stderr, "unexpected failure: %s\n  keyword '%s': %s\n", text, e.keyword, e.message);
        test_failures++;
        return NULL;
    }
    return rule_set_get(rs, rule_set_count(rs) - 1);
}

static const struct rule *ok(const char *opts)
{
    return ok_hdr("alert tcp any any -> any any", opts);
}

/* Expects a failure whose keyword is kw (NULL: any) and whose message
 * contains fragment (NULL: any). */
static void bad_hdr(const char *hdr, const char *opts, const char *kw, const char *fragment,
                    int line)
{
    size_t cap = strlen(hdr) + strlen(opts) + 64;
    char *text = malloc(cap);
    snprintf(text, cap, "%s (%s sid:%u;)", hdr, opts, next_sid++);
    struct rule_error e;
    test_checks++;
    if (rule_set_add_rule(rs, text, "test.rules", 1, &e) == 0) {
        fprintf(stderr, "line %d: unexpectedly loaded: %.300s\n", line, text);
        test_failures++;
    } else if ((kw && strcmp(e.keyword, kw) != 0) || (fragment && !strstr(e.message, fragment)) ||
               !e.reason[0] || !e.message[0]) {
        fprintf(stderr, "line %d: %.300s\n  got keyword '%s' reason '%s' message '%s'\n", line,
                text, e.keyword, e.reason, e.message);
        test_failures++;
    }
    free(text);
}
#define BAD(opts, kw, frag) bad_hdr("alert tcp any any -> any any", opts, kw, frag, __LINE__)
#define BAD_HDR(hdr, kw, frag) bad_hdr(hdr, "", kw, frag, __LINE__)

static const struct detect_item *item(const struct rule *r, uint32_t b, uint32_t i)
{
    if (!r || b >= r->nbuffers || i >= r->buffers[b].nitems)
        return NULL;
    return &r->buffers[b].items[i];
}

static void test_header(void)
{
    const struct rule *r =
        ok_hdr("drop udp [10.0.0.0/8,!10.1.0.0/16] [1:1024,!80] <> $HOME_NET 53", "msg:\"x\";");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->action, RULE_ACTION_DROP);
        CHECK_EQ_INT(r->ipproto, 17);
        CHECK(r->flags & RULE_FLAG_BIDIRECTIONAL);
        CHECK(rule_addr_set_match_v4(&r->src, 0x0a020304));
        CHECK(!rule_addr_set_match_v4(&r->src, 0x0a010304));
        CHECK(!rule_addr_set_match_v4(&r->src, 0x0b000001));
        CHECK(rule_port_set_match(&r->sp, 79));
        CHECK(!rule_port_set_match(&r->sp, 80));
        CHECK(!rule_port_set_match(&r->sp, 1025));
        CHECK(rule_addr_set_match_v4(&r->dst, 0xc0a80101)); /* 192.168.1.1 in HOME_NET */
        CHECK(rule_port_set_match(&r->dp, 53));
    }
    r = ok_hdr("alert ip $EXTERNAL_NET any -> any any", "");
    if (r) {
        CHECK(!rule_addr_set_match_v4(&r->src, 0xc0a80101));
        CHECK(rule_addr_set_match_v4(&r->src, 0x08080808));
        uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
        CHECK(rule_addr_set_match_v6(&r->src, v6)); /* negation of v4 covers v6 */
    }
    r = ok_hdr("alert tcp [1.2.3.4, [5.6.7.0/24, !5.6.7.8]] any -> 2001:db8::/32 $HTTP_PORTS", "");
    if (r) {
        CHECK(rule_addr_set_match_v4(&r->src, 0x05060709));
        CHECK(!rule_addr_set_match_v4(&r->src, 0x05060708));
        uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        CHECK(rule_addr_set_match_v6(&r->dst, v6));
        CHECK(rule_port_set_match(&r->dp, 80));
    }
    r = ok_hdr("alert http any any -> any any", "");
    if (r) {
        CHECK_EQ_INT(r->app_proto, RULE_APP_HTTP);
        CHECK_EQ_INT(r->ipproto, 6);
    }
    r = ok_hdr("pass dns any any -> any any", "");
    if (r)
        CHECK_EQ_INT(r->ipproto, 0);
    r = ok_hdr("reject tcp 1.1.1.1-1.1.1.9 any -> 10.0.0.0/255.255.0.0 :1023", "");
    if (r) {
        CHECK(rule_addr_set_match_v4(&r->src, 0x01010105));
        CHECK(rule_addr_set_match_v4(&r->dst, 0x0a00ffff));
        CHECK(!rule_addr_set_match_v4(&r->dst, 0x0a010000));
        CHECK(rule_port_set_match(&r->dp, 0));
        CHECK(!rule_port_set_match(&r->dp, 1024));
    }
    CHECK(ok_hdr("alert tcp any any -> any any", "") != NULL);
    CHECK(ok_hdr("alert pkthdr any any -> any any", "") != NULL);
    CHECK(ok_hdr("alert icmp any any -> any any", "") != NULL);
    CHECK(ok_hdr("alert tcp-pkt any any -> any any", "") != NULL);
    CHECK(ok_hdr("rejectboth tcp any any -> any any", "") != NULL);
    BAD_HDR("alrt tcp any any -> any any", "action", "unknown action");
    BAD_HDR("sdrop tcp any any -> any any", "action", "not supported");
    BAD_HDR("alert foo any any -> any any", "protocol", "unknown protocol");
    BAD_HDR("alert tcp any any <- any any", "direction", "'->' or '<>'");
    BAD_HDR("alert tcp 1.2.3.400 any -> any any", "source address", "invalid address");
    BAD_HDR("alert tcp 1.2.3.4/33 any -> any any", "source address", "prefix");
    BAD_HDR("alert tcp $NOPE any -> any any", "source address", "undefined variable");
    BAD_HDR("alert tcp !any any -> any any", "source address", "matches nothing");
    BAD_HDR("alert tcp [1.2.3.4 any -> any any", NULL, NULL);
    BAD_HDR("alert tcp any 70000 -> any any", "source port", "invalid port");
    BAD_HDR("alert tcp any 90:80 -> any any", "source port", "ends before");
    BAD_HDR("alert tcp any any -> any", "destination port", "no destination port");
    /* variable loops are errors, not hangs */
    CHECK_EQ_INT(rule_set_set_var(rs, "LOOP_A", "$LOOP_B", false), 0);
    CHECK_EQ_INT(rule_set_set_var(rs, "LOOP_B", "[$LOOP_A]", false), 0);
    BAD_HDR("alert tcp $LOOP_A any -> any any", "source address", "too deeply");
    BAD_HDR("alert tcp [[[[[[[[[[[[[[[[[[[[1.2.3.4]]]]]]]]]]]]]]]]]]]] any -> any any",
            "source address", "too deeply");
}

static void test_meta(void)
{
    const struct rule *r = ok("msg:\"a \\\"quoted\\\" \\; msg\"; gid:3; rev:7; priority:2; "
                              "classtype:trojan-activity; reference:url,example.com/x; "
                              "reference:cve,2020-1234; metadata:created_at 2020_01_01, "
                              "deployment Perimeter; target:dest_ip; noalert;");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_STR(r->msg, "a \"quoted\" ; msg");
        CHECK_EQ_INT(r->gid, 3);
        CHECK_EQ_INT(r->rev, 7);
        CHECK_EQ_INT(r->priority, 2);
        CHECK_EQ_INT(r->nrefs, 2);
        CHECK_EQ_STR(r->refs[1].key, "cve");
        CHECK_EQ_STR(r->refs[1].value, "2020-1234");
        CHECK_EQ_INT(r->nmetadata, 2);
        CHECK_EQ_STR(r->metadata[1].key, "deployment");
        CHECK_EQ_STR(r->metadata[1].value, "Perimeter");
        CHECK(r->flags & RULE_FLAG_TARGET_DST);
        CHECK(r->flags & RULE_FLAG_NOALERT);
        const struct rule_classification *c = rule_set_classification(rs, r->class_id);
        CHECK(c != NULL && strcmp(c->name, "trojan-activity") == 0);
        CHECK_EQ_INT(c ? c->priority : -1, 1);
    }
    r = ok("classtype:bad-unknown;");
    CHECK_EQ_INT(r ? r->priority : 0, 2); /* from classification.config */
    /* Suricata 8: an unknown classtype loads the rule, with priority 3 and
     * no category (the loader warns once per classtype). */
    r = ok("classtype:no-such-class;");
    CHECK(r != NULL);
    CHECK_EQ_INT(r ? r->class_id : 0, -1);
    CHECK_EQ_INT(r ? r->priority : -1, 3);
    BAD("sid:0;", "sid", NULL);
    BAD("sid:abc;", "sid", "not a number");
    BAD("sid:99999999999;", "sid", NULL);
    BAD("rev:-1;", "rev", NULL);
    BAD("priority:0;", "priority", NULL);
    BAD("priority:256;", "priority", NULL);
    BAD("reference:nocomma;", "reference", "type,value");
    {
        /* 2000 references: a cap, not unbounded growth */
        size_t cap = 2000 * 20 + 64;
        char *many = malloc(cap);
        many[0] = '\0';
        for (int i = 0; i < 2000; i++)
            strcat(many, "reference:url,x; ");
        BAD(many, "reference", "too many");
        free(many);
    }
    BAD("target:both;", "target", NULL);
    BAD("msg:\"unterminated;", "msg", NULL);
    BAD("noalert:1;", "noalert", "takes no value");
    BAD("msg;", "msg", "needs a value");
    BAD("nosuchkeyword;", "nosuchkeyword", "unknown keyword");
    BAD("asn1:oversize_length 100;", "asn1", "not supported");
    struct rule_error e;
    CHECK(rule_set_add_rule(rs, "alert tcp any any -> any any (msg:\"no sid\";)", NULL, 1, &e) !=
          0);
    CHECK_EQ_STR(e.keyword, "sid");
    CHECK(rule_set_add_rule(rs, "alert tcp any any -> any any (sid:1000;)", NULL, 1, &e) != 0);
    CHECK_EQ_STR(e.reason, "duplicate sid");
    CHECK(rule_set_add_rule(rs, "alert tcp any any -> any any (sid:77777; msg:\"x\")", NULL, 1,
                            &e) != 0);
    CHECK(strstr(e.message, "not terminated") != NULL);
    CHECK(rule_set_add_rule(rs, "alert tcp any any -> any any (sid:77778;) junk", NULL, 1, &e) !=
          0);
    CHECK(strstr(e.message, "after the closing") != NULL);
    CHECK(rule_set_add_rule(rs, "alert tcp any any -> any any sid:77779;", NULL, 1, &e) != 0);
    CHECK_EQ_INT(e.sid, 77779);
}

static void test_content(void)
{
    BAD("content:\"x\"; fast_pattern; content:\"abcdef\"; fast_pattern:2,3;", "fast_pattern",
        "only one content");
    const struct rule *r =
        ok("content:\"GET |20 2f|\"; nocase; depth:10; offset:2; content:!\"a\\;b\\\\c\\\"\"; "
           "distance:-3; within:20; content:\"x\"; fast_pattern; rawbytes; "
           "content:\"end\"; endswith; content:\"abcdef\";");
    const struct detect_item *it = item(r, 0, 0);
    CHECK(it && it->type == DETECT_ITEM_CONTENT);
    if (it) {
        const struct detect_content *c = &it->u.content;
        CHECK_EQ_INT(c->len, 6);
        CHECK(memcmp(c->pattern, "get  /", 6) == 0);
        CHECK(c->flags & DETECT_CONTENT_NOCASE);
        CHECK_EQ_INT(c->offset, 2);
        CHECK_EQ_INT(c->depth, 12); /* stored as offset + depth */
    }
    it = item(r, 0, 1);
    if (it) {
        const struct detect_content *c = &it->u.content;
        CHECK_EQ_INT(c->len, 6);
        CHECK(memcmp(c->pattern, "a;b\\c\"", 6) == 0);
        CHECK(c->flags & DETECT_CONTENT_NEGATED);
        CHECK_EQ_INT(c->distance, -3);
        CHECK_EQ_INT(c->within, 20);
    }
    it = item(r, 0, 2);
    CHECK(it && (it->u.content.flags & DETECT_CONTENT_FAST_PATTERN) &&
          (it->u.content.flags & DETECT_CONTENT_RAWBYTES));
    it = item(r, 0, 3);
    CHECK(it && (it->u.content.flags & DETECT_CONTENT_ENDSWITH));
    r = ok("content:\"abcdef\"; fast_pattern:2,3; content:\"zz\"; startswith;");
    it = item(r, 0, 0);
    CHECK(it && (it->u.content.flags & DETECT_CONTENT_FP_CHOP) &&
          it->u.content.fp_chop_offset == 2 && it->u.content.fp_chop_len == 3);
    it = item(r, 0, 1);
    CHECK(it && (it->u.content.flags & DETECT_CONTENT_STARTSWITH) && it->u.content.depth == 2);
    r = ok("content:\"abc\"; fast_pattern:only;");
    it = item(r, 0, 0);
    CHECK(it && (it->u.content.flags & DETECT_CONTENT_FP_ONLY));
    r = ok("uricontent:\"/x.php\";");
    CHECK(r && r->nbuffers == 1 && r->buffers[0].buffer_id == detect_buffer_lookup("http.uri"));

    BAD("content:\"\";", "content", "empty content");
    BAD("content:abc;", "content", "quoted");
    BAD("content:\"abc;", "content", "unterminated");
    BAD("content:\"|41 4|\";", "content", "odd number");
    BAD("content:\"|4G|\";", "content", "invalid character");
    BAD("content:\"|41\";", "content", "missing '|'");
    BAD("content:\"a\\qb\";", "content", "invalid escape");
    BAD("content:\"a\" x;", "content", "unexpected text");
    BAD("nocase;", "nocase", "no preceding content");
    BAD("content:\"a\"; nocase; nocase;", "nocase", "twice");
    BAD("content:\"abc\"; depth:2;", "depth", "less than the content length");
    BAD("content:\"abc\"; depth:0;", "depth", "out of range");
    BAD("content:\"abc\"; depth:99999999999;", "depth", "out of range");
    BAD("content:\"abc\"; depth:5; depth:6;", "depth", "twice");
    BAD("content:\"abc\"; distance:1; depth:5;", "depth", "cannot be combined");
    BAD("content:\"abc\"; offset:1; within:5;", "within", "cannot be combined");
    BAD("content:\"abc\"; within:2;", "within", "less than the content length");
    BAD("content:\"abc\"; offset:-1;", "offset", "out of range");
    BAD("content:\"abc\"; distance:zz;", "distance", "variable");
    BAD("content:\"abc\"; startswith; offset:1;", "offset", "cannot be combined");
    BAD("content:\"abc\"; depth:5; startswith;", "startswith", "cannot be combined");
    BAD("content:\"abc\"; endswith; endswith;", "endswith", "twice");
    BAD("content:\"abc\"; fast_pattern:1,5;", "fast_pattern", "past the content");
    BAD("content:\"abc\"; fast_pattern:foo;", "fast_pattern", NULL);
    BAD("content:!\"abc\"; fast_pattern:only;", "fast_pattern", "cannot be used");
}

static void test_buffers(void)
{
    int uri = detect_buffer_lookup("http.uri");
    const struct rule *r = ok("flow:established,to_server; http.uri; content:\"/a\"; "
                              "content:\"b\"; distance:0; http.host; content:\"example\"; "
                              "pkt_data; content:\"raw\"; http_user_agent;");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->app_proto, RULE_APP_HTTP);
        CHECK(r->flags & RULE_FLAG_TOSERVER);
        CHECK_EQ_INT(r->nbuffers, 3); /* uri, host, user_agent; empty payload list dropped */
        CHECK_EQ_INT(r->buffers[0].buffer_id, uri);
        CHECK_EQ_INT(r->buffers[0].nitems, 2);
        CHECK_EQ_INT(r->buffers[2].buffer_id, detect_buffer_lookup("http.user_agent"));
    }
    r = ok("content:\"a\"; http_uri; content:\"b\"; http_header; content:\"c\";");
    if (r) {
        CHECK_EQ_INT(r->nbuffers, 3);
        CHECK_EQ_INT(r->buffers[0].buffer_id, DETECT_BUFFER_PAYLOAD);
        CHECK_EQ_INT(r->buffers[0].nitems, 1);
    }
    r = ok("dns_query; content:\"evil\"; nocase;");
    CHECK(r && r->app_proto == RULE_APP_DNS);
    r = ok_hdr("alert udp any any -> any 53", "dns.query; content:\"x\";");
    CHECK(r != NULL);
    BAD("tls.sni; content:\"a\"; tls.cert_subject; content:\"b\";", NULL,
        "to-server and to-client");
    r = ok("ja3.hash; content:\"e7d705a3286e19ea42f587b344ee6865\"; tls_sni; content:\"x\";");
    CHECK(r != NULL);
    r = ok("file_data; content:\"MZ\"; file.data; content:\"PE\"; distance:0;");
    CHECK(r && r->nbuffers == 1 && r->buffers[0].nitems == 2);
    r = ok("http.uri; to_lowercase; url_decode; content:\"/admin\"; http.uri; content:\"X\";");
    CHECK(r && r->nbuffers == 2 && r->buffers[0].ntransforms == 2 &&
          r->buffers[1].ntransforms == 0);
    r = ok("http.uri; content:\"a\"; http.uri; to_md5; content:\"|00|\";");
    CHECK(r && r->nbuffers == 2 && r->buffers[1].ntransforms == 1);
    r = ok("dns.query; dotprefix; content:\".evil.com\"; endswith;");
    CHECK(r != NULL);
    r = ok("http.header; pcrexform:\"Host: ([^\\r]+)\"; content:\"x\";");
    CHECK(r && r->buffers[0].transforms[0].code != NULL);
    r = ok("http.uri; xor:\"0d0ac8ff\"; content:\"x\";");
    CHECK(r && r->buffers[0].transforms[0].key_len == 4);
    r = ok("http.uri; strip_whitespace; compress_whitespace; to_sha1; to_sha256; to_uppercase; "
           "header_lowercase; strip_pseudo_headers; content:\"x\";");
    CHECK(r && r->buffers[0].ntransforms == 7);
    BAD("to_lowercase; content:\"x\";", "to_lowercase", "sticky buffer");
    /* A transform after matches starts a transformed list of the same
     * buffer (Suricata 8): the first list stays untransformed. */
    r = ok("http.uri; content:\"x\"; to_lowercase; content:\"y\";");
    CHECK(r && r->nbuffers == 2 && r->buffers[0].ntransforms == 0 &&
          r->buffers[1].ntransforms == 1 && r->buffers[1].buffer_id == r->buffers[0].buffer_id);
    BAD("http.uri; content:\"x\"; to_lowercase;", NULL, "not followed by any match");
    BAD("http.uri; xor:\"0d0\"; content:\"x\";", "xor", "even number");
    BAD("http.uri; xor:\"zz\"; content:\"x\";", "xor", "not hex");
    BAD("http.uri; pcrexform:\"abc\"; content:\"x\";", "pcrexform", "capture group");
    BAD("http.uri; pcrexform:\"(a\"; content:\"x\";", "pcrexform", "does not compile");
    BAD("http.uri; pcrexform:[a-z]+(.*); content:\"x\";", "pcrexform", "quoted");
    /* contents a transformed buffer can never hold */
    BAD("http.uri; to_lowercase; content:\"Abc\";", "content", "incompatible with to_lowercase");
    BAD("http.uri; to_uppercase; content:\"aBC\";", "content", "incompatible with to_uppercase");
    BAD("http.uri; strip_whitespace; content:\"a|0d|b\";", "content",
        "incompatible with strip_whitespace");
    BAD("http.uri; compress_whitespace; content:\"a  b\";", "content",
        "incompatible with compress_whitespace");
    BAD("http.uri; to_lowercase; strip_whitespace; content:\"aB\";", "content", "to_lowercase");
    CHECK(ok("http.uri; compress_whitespace; content:\"a b\";") != NULL);
    CHECK(ok("http.uri; to_lowercase; content:\"ABC\"; nocase;") != NULL);
    CHECK(ok("http.uri; to_lowercase; content:!\"ABC\";") != NULL);
    CHECK(ok("http.uri; to_lowercase; to_uppercase; content:\"ABC\";") != NULL);
    CHECK(ok("http.uri; to_lowercase; from_base64; content:\"ABC\";") != NULL);
    CHECK(ok("http.uri; strip_whitespace; to_md5; content:\"|20 20|\";") != NULL);
    CHECK(ok("http.uri; to_uppercase; dotprefix; subslice:1; content:\".ABC\";") != NULL);
    BAD("http.uri; to_md5:1; content:\"x\";", "to_md5", "takes no value");
    BAD("http.uri;", NULL, "not followed by any match");
    BAD("http.uri:1; content:\"x\";", "http.uri", "takes no value");
    BAD("http_uri;", "http_uri", "without a preceding content");
    BAD("http.uri; content:\"x\"; http_header;", "http_header", "sticky buffer");
    BAD("flow:to_client; http.uri; content:\"x\";", NULL, "can never match");
    BAD("flow:to_server; http.stat_code; content:\"200\";", NULL, "can never match");
    bad_hdr("alert dns any any -> any any", "http.uri; content:\"x\";", NULL, "needs protocol",
            __LINE__);
    bad_hdr("alert udp any any -> any any", "http.uri; content:\"x\";", NULL, "udp rule", __LINE__);
    BAD("http.uri; bsize:3; content:\"abcd\";", "content", "bsize");
    BAD("bsize:3;", "bsize", "sticky buffer");
    r = ok("http.uri; bsize:>3; content:\"abcd\"; urilen:5<>10;");
    CHECK(r && r->buffers[0].items[0].type == DETECT_ITEM_BSIZE);
    BAD("urilen:5,both;", "urilen", "raw or norm");
    BAD("urilen:abc;", "urilen", "invalid size");
    r = ok("base64_decode:bytes 10, offset 2, relative; base64_data; content:\"x\";");
    CHECK(r && r->nbuffers == 2 && r->buffers[1].buffer_id == DETECT_BUFFER_BASE64_DATA);
    BAD("base64_data; content:\"x\";", NULL, "base64_decode");
    BAD("base64_decode:bytes x;", "base64_decode", "invalid bytes");
    BAD("base64_decode:foo 1;", "base64_decode", "unknown");
}

static void test_pcre(void)
{
    const struct rule *r = ok("content:\"a\"; pcre:\"/^b[0-9]+\\x3b/Rsmi\"; "
                              "pcre:!\"/c/U\"; pcre:\"/d/QE\";");
    CHECK(r != NULL);
    if (r) {
        const struct detect_item *it = item(r, 0, 1);
        CHECK(it && it->type == DETECT_ITEM_PCRE && (it->u.pcre.flags & DETECT_PCRE_RELATIVE));
        CHECK(r->nbuffers == 3);
        CHECK(r->buffers[1].buffer_id == detect_buffer_lookup("http.uri"));
        CHECK(r->buffers[1].items[0].u.pcre.flags & DETECT_PCRE_NEGATED);
        CHECK(r->buffers[2].buffer_id == detect_buffer_lookup("file.data"));
    }
    CHECK(ok("pcre:\"/a/AGxsmiBO\";") != NULL);
    CHECK(ok("http.response_body; pcre:\"/x/Q\";") != NULL);
    BAD("pcre:\"/a/z\";", "pcre", "unknown pcre flag");
    BAD("pcre:\"/(a/\";", "pcre", "does not compile");
    BAD("pcre:\"a\";", "pcre", "start with '/'");
    BAD("pcre:\"/abc\";", "pcre", "closing");
    /* The unquoted Snort form is accepted, as Suricata does. */
    CHECK(ok("pcre:/abc/i;") != NULL);
    CHECK(ok("tcp.flags:S,12;") != NULL); /* Suricata 8 name of flags */
    CHECK(ok("pcre:!/abc/;") != NULL);
    BAD("pcre:abc;", "pcre", "quoted");
    BAD("pcre:\"//\";", "pcre", "empty pcre");
    BAD("pcre:\"/a/UH\";", "pcre", "two buffers");
    BAD("http.uri; pcre:\"/a/H\";", "pcre", "conflicts");
    /* hostile patterns fail at compile time with PCRE2's message */
    BAD("pcre:\"/(?:(?:(?:a{1000}){1000}){1000})/\";", "pcre", "too large");
    char deep[512] = "pcre:\"/";
    for (int i = 0; i < 100; i++)
        strcat(deep, "(");
    strcat(deep, "a");
    for (int i = 0; i < 100; i++)
        strcat(deep, ")");
    strcat(deep, "/\";");
    BAD(deep, "pcre", "too deeply nested");
}

static void test_byte_keywords(void)
{
    const struct rule *r = ok("content:\"x\"; byte_extract:2,0,len,relative,little; "
                              "byte_test:4,!>,len,0,relative,big; "
                              "byte_test:3,=,123,len,string,dec; "
                              "byte_jump:2,1,relative,multiplier 2,align,post_offset -1,big; "
                              "byte_math:bytes 2, offset 0, oper +, rvalue len, result sum, "
                              "relative, endian little; isdataat:!sum,relative; "
                              "content:\"y\"; depth:len; isdataat:10;");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->nbyte_vars, 2);
        CHECK_EQ_STR(r->byte_var_names[1], "sum");
        const struct detect_item *it = item(r, 0, 1);
        CHECK(it && it->type == DETECT_ITEM_BYTE_EXTRACT &&
              it->u.byte.endian == DETECT_ENDIAN_LITTLE);
        it = item(r, 0, 2);
        CHECK(it && it->type == DETECT_ITEM_BYTE_TEST && (it->u.byte.flags & DETECT_BYTE_NEGOP) &&
              (it->u.byte.flags & DETECT_BYTE_VALUE_VAR) && it->u.byte.op == DETECT_BYTE_OP_GT);
        it = item(r, 0, 3);
        CHECK(it && (it->u.byte.flags & DETECT_BYTE_OFFSET_VAR) &&
              (it->u.byte.flags & DETECT_BYTE_STRING) && it->u.byte.base == 10);
        it = item(r, 0, 4);
        CHECK(it && it->type == DETECT_ITEM_BYTE_JUMP && it->u.byte.multiplier == 2 &&
              it->u.byte.post_offset == -1 && (it->u.byte.flags & DETECT_BYTE_ALIGN));
        it = item(r, 0, 5);
        CHECK(it && it->type == DETECT_ITEM_BYTE_MATH && it->u.byte.op == DETECT_BYTE_OP_ADD);
        it = item(r, 0, 6);
        CHECK(it && it->type == DETECT_ITEM_ISDATAAT &&
              (it->u.isdataat.flags & DETECT_ISDATAAT_VAR) &&
              (it->u.isdataat.flags & DETECT_ISDATAAT_NEGATED));
        it = item(r, 0, 7);
        CHECK(it && (it->u.content.flags & DETECT_CONTENT_DEPTH_VAR));
    }
    CHECK(ok("byte_test:0,=,40,0,string,dec;") != NULL);
    CHECK(ok("byte_jump:4,0,from_beginning,bitmask 0x0fff,dce;") != NULL);
    BAD("byte_test:9,=,1,0;", "byte_test", "more than 8 bytes");
    BAD("byte_test:24,=,1,0,string;", "byte_test", "number of bytes");
    BAD("byte_test:4,~,1,0;", "byte_test", "unknown operator");
    BAD("byte_test:4,=,1;", "byte_test", "needs");
    BAD("byte_test:4,=,1,0,hex;", "byte_test", "need 'string'");
    BAD("byte_test:4,=,1,0,string,dce;", "byte_test", "dce");
    BAD("byte_test:4,=,1,0,sideways;", "byte_test", "unknown option");
    BAD("byte_test:4,=,nosuchvar,0;", "byte_test", "variable");
    BAD("byte_jump:4;", "byte_jump", "needs");
    BAD("byte_jump:4,0,from_beginning,from_end;", "byte_jump", "together");
    BAD("byte_jump:4,0,multiplier 0;", "byte_jump", "multiplier");
    BAD("byte_extract:4,0;", "byte_extract", "needs");
    BAD("byte_extract:4,0,1abc;", "byte_extract", "invalid variable name");
    BAD("byte_extract:4,0,v; byte_extract:4,0,v;", "byte_extract", "defined twice");
    BAD("byte_extract:2,0,v,align 3;", "byte_extract", "align");
    BAD("byte_math:bytes 2, offset 0, oper +, rvalue 1;", "byte_math", "result");
    BAD("byte_math:bytes 2, offset 0, oper %, rvalue 1, result r;", "byte_math", "unknown oper");
    BAD("byte_math:bytes 2, offset 0, oper /, rvalue 0, result r;", "byte_math", "division");
    BAD("isdataat:;", "isdataat", "needs a value");
    BAD("isdataat:5,sideways;", "isdataat", "unknown isdataat option");
    BAD("isdataat:70000;", "isdataat", "out of range");
}

static void test_flow_and_packet(void)
{
    const struct rule *r = ok("flow:established,from_client,no_stream; flowbits:set,a&b; "
                              "flowbits:isset,c|d; flowbits:noalert; flowint:cnt,+,1; "
                              "flowint:cnt,>,other; flowint:cnt,isset; "
                              "xbits:set,scan,track ip_src,expire 60;");
    CHECK(r != NULL);
    if (r) {
        CHECK(r->flow_flags & RULE_FLOW_ESTABLISHED);
        CHECK(r->flow_flags & RULE_FLOW_TOSERVER);
        CHECK(r->flow_flags & RULE_FLOW_NO_STREAM);
        CHECK_EQ_INT(r->nflowbits, 3);
        CHECK_EQ_INT(r->flowbits[0].nids, 2);
        CHECK_EQ_INT(r->flowbits[1].cmd, RULE_FLOWBIT_ISSET);
        CHECK_EQ_INT(r->flowbits[1].nids, 2);
        CHECK(r->flowbits[2].is_xbits && r->flowbits[2].track == 1 && r->flowbits[2].expire == 60);
        CHECK(r->flags & RULE_FLAG_NOALERT);
        CHECK_EQ_INT(r->nflowints, 3);
        CHECK(r->flowints[1].value_is_var);
        CHECK(rule_set_var_lookup(rs, RULE_VAR_FLOWBIT, "c") >= 0);
        CHECK(rule_set_var_lookup(rs, RULE_VAR_FLOWINT, "other") >= 0);
    }
    BAD("flow:sideways;", "flow", "unknown flow option");
    BAD("flow:to_server,to_client;", "flow", "never match");
    BAD("flow:established,not_established;", "flow", "conflicts");
    BAD("flow:established; flow:to_server;", "flow", "only one");
    BAD("flow:established,established;", "flow", "twice");
    BAD("flowbits:frob,x;", "flowbits", "unknown flowbits command");
    BAD("flowbits:set;", "flowbits", "needs a name");
    BAD("flowbits:set,a|b;", "flowbits", "only valid with isset");
    BAD("flowbits:isset,a|b&c;", "flowbits", "cannot mix");
    BAD("flowbits:noalert,x;", "flowbits", "takes no name");
    BAD("flowint:x;", "flowint", "needs");
    BAD("flowint:x,~,1;", "flowint", "unknown flowint operator");
    BAD("flowint:x,+;", "flowint", "needs a value");
    BAD("flowint:x,isset,1;", "flowint", "takes no value");
    BAD("flowint:x,=,99999999999;", "flowint", "out of range");
    BAD("xbits:set,x;", "xbits", "track");
    BAD("xbits:set,x,track nowhere;", "xbits", "unknown xbits track");

    r = ok("dsize:>10; ttl:<5; tos:!8; id:1234; ipopts:lsrr; fragbits:+MD; fragoffset:>100; "
           "sameip; flags:SA,CE; seq:1; ack:2; window:!1024; itype:8; icode:0<>3; icmp_id:5; "
           "icmp_seq:6; ip_proto:udp; stream_size:server,>,100;");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->npkt, 18);
        CHECK_EQ_INT(r->pkt[0].type, RULE_PKT_DSIZE);
        CHECK_EQ_INT(r->pkt[0].num.mode, DETECT_UINT_GT);
        CHECK(detect_uint_match(&r->pkt[0].num, 11) && !detect_uint_match(&r->pkt[0].num, 10));
        CHECK(r->pkt[2].num.mode == DETECT_UINT_NE && r->pkt[2].num.a == 8);
        CHECK(r->pkt[5].bits == (RULE_FRAG_MF | RULE_FRAG_DF) &&
              r->pkt[5].modifier == RULE_BITS_PLUS);
        CHECK(r->pkt[8].bits == (RULE_TCP_SYN | RULE_TCP_ACK) &&
              r->pkt[8].ignore == (RULE_TCP_CWR | RULE_TCP_ECE));
        CHECK(detect_uint_match(&r->pkt[13].num, 2) && !detect_uint_match(&r->pkt[13].num, 3));
        CHECK(r->pkt[16].num.a == 17);
    }
    CHECK(ok("tos:x10; flags:!0; dsize:100-200; ttl:>=3; fragbits:!R;") != NULL);
    r = ok("tcp.mss:<536; ipv4-csum:valid; tcpv4-csum:invalid; prefilter; "
           "byte_test:1,=,65,214748364;");
    if (r) {
        CHECK_EQ_INT(r->npkt, 3);
        CHECK(r->pkt[0].type == RULE_PKT_TCP_MSS && r->pkt[0].num.mode == DETECT_UINT_LT);
        CHECK(r->pkt[1].type == RULE_PKT_CHECKSUM && r->pkt[1].modifier == RULE_CSUM_IPV4 &&
              !r->pkt[1].negated);
        CHECK(r->pkt[2].modifier == RULE_CSUM_TCPV4 && r->pkt[2].negated);
    }
    BAD("ipv4-csum:maybe;", "ipv4-csum", "valid or invalid");
    BAD("prefilter:1;", "prefilter", "takes no value");
    BAD("detection_filter:track by_src, count 1, seconds 1, unique_on src_port;",
        "detection_filter", "unique_on");
    CHECK(ok("tls.alpn; content:\"h2\";") != NULL);
    BAD("dsize:abc;", "dsize", "invalid value");
    BAD("dsize:70000;", "dsize", NULL);
    BAD("dsize:10<>5;", "dsize", NULL);
    BAD("dsize:1; dsize:2;", "dsize", "twice");
    BAD("ttl:256;", "ttl", NULL);
    BAD("tos:300;", "tos", NULL);
    BAD("ipopts:bogus;", "ipopts", "unknown ip option");
    BAD("fragbits:X;", "fragbits", "invalid fragbits");
    BAD("flags:Z;", "flags", "invalid tcp flag");
    BAD("flags:S,0;", "flags", "ignore mask");
    BAD("flags:+*S;", "flags", "more than one modifier");
    BAD("seq:-1;", "seq", NULL);
    BAD("ip_proto:<bogus;", "ip_proto", NULL);
    BAD("stream_size:server,>;", "stream_size", "needs");
    BAD("stream_size:middle,>,1;", "stream_size", "side");
    BAD("stream_size:server,~,1;", "stream_size", "operator");
    BAD("sameip:1;", "sameip", "takes no value");
}

static void test_app_layer_protocol_several(void)
{
    /* Every app-layer-protocol keyword of a rule must hold (Suricata). */
    const struct rule *r = ok("app-layer-protocol:!http1; app-layer-protocol:!tls;");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->app_proto_match, RULE_APP_HTTP1);
        CHECK(r->flags & RULE_FLAG_APP_PROTO_NEGATED);
        CHECK_EQ_INT(r->n_app_proto_match_extra, 1);
        CHECK_EQ_INT(r->app_proto_match_extra[0], RULE_APP_TLS);
        CHECK_EQ_INT(r->app_proto_extra_negated, 1);
    }
    BAD("app-layer-protocol:http; app-layer-protocol:tls; app-layer-protocol:dns; "
        "app-layer-protocol:ssh; app-layer-protocol:smtp;",
        "app-layer-protocol", "at most 4");
}

static void test_filestore(void)
{
    const struct rule *r = ok_hdr("alert http any any -> any any", "filestore;");
    CHECK(r && r->filestore && r->filestore_dirs == 0 && r->filestore_scope == RULE_FILESTORE_FILE);
    r = ok_hdr("alert http any any -> any any", "filestore:response;");
    CHECK(r && r->filestore_dirs == 2 && r->filestore_scope == RULE_FILESTORE_TX);
    r = ok_hdr("alert http any any -> any any", "filestore:both,flow;");
    CHECK(r && r->filestore_dirs == 3 && r->filestore_scope == RULE_FILESTORE_FLOW);
    r = ok_hdr("alert smtp any any -> any any", "filestore:to_server,file;");
    CHECK(r && r->filestore_dirs == 1 && r->filestore_scope == RULE_FILESTORE_FILE);
    /* Legacy file keywords: file.name content, nocase (fileext: ".x" at the
     * end); the payload stays the sticky buffer after them. */
    r = ok_hdr("alert http any any -> any any",
               "filename:\"Secret.Doc\"; fileext:!\"EXE\"; content:\"abc\";");
    const struct detect_item *a = item(r, 0, 0), *b = item(r, 0, 1);
    CHECK(r && r->nbuffers == 2 && r->buffers[0].buffer_id == detect_buffer_lookup("file.name"));
    CHECK(a && a->u.content.len == 10 && memcmp(a->u.content.pattern, "secret.doc", 10) == 0 &&
          (a->u.content.flags & DETECT_CONTENT_NOCASE));
    CHECK(b && b->u.content.len == 4 && memcmp(b->u.content.pattern, ".exe", 4) == 0 &&
          (b->u.content.flags & DETECT_CONTENT_ENDSWITH) &&
          (b->u.content.flags & DETECT_CONTENT_NEGATED));
    CHECK(r && r->buffers[1].buffer_id != r->buffers[0].buffer_id);
    BAD("fileext:exe;", "fileext", "quoted");
    BAD("filestore:sideways;", "filestore", "direction");
    BAD("filestore:both,forever;", "filestore", "scope");
}

static void test_threshold_tag_app(void)
{
    const struct rule *r =
        ok("threshold:type both, track by_src, count 5, seconds 60; "
           "detection_filter:track by_dst, count 10, seconds 1; tag:host,300,seconds,src; "
           "app-layer-protocol:!tls;");
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(r->threshold.type, RULE_THRESHOLD_BOTH);
        CHECK_EQ_INT(r->threshold.track, RULE_TRACK_BY_SRC);
        CHECK_EQ_INT(r->threshold.count, 5);
        CHECK_EQ_INT(r->threshold.seconds, 60);
        CHECK_EQ_INT(r->detection_filter.track, RULE_TRACK_BY_DST);
        CHECK_EQ_INT(r->ntags, 1);
        CHECK_EQ_INT(r->tag[0].type, RULE_TAG_HOST);
        CHECK_EQ_INT(r->tag[0].metric, RULE_TAG_SECONDS);
        CHECK_EQ_INT(r->tag[0].count, 300);
        CHECK_EQ_INT(r->app_proto_match, RULE_APP_TLS);
        CHECK(r->flags & RULE_FLAG_APP_PROTO_NEGATED);
    }
    CHECK(ok("threshold:type limit,track by_rule,count 1,seconds 3600; tag:session;") != NULL);
    /* Several tags in one rule: a host tag and a session tag both apply. */
    r = ok("tag:host,100,packets,src; tag:session;");
    CHECK(r && r->ntags == 2 && r->tag[0].type == RULE_TAG_HOST && r->tag[0].count == 100 &&
          r->tag[1].type == RULE_TAG_SESSION && r->tag[1].count == 256);
    CHECK(ok("tag:session,10,packets; threshold:type threshold, track by_both, count 2, seconds "
             "5;") != NULL);
    BAD("threshold:type limit, track by_src, count 1;", "threshold", "required");
    r = ok("threshold:type backoff, track by_flow, count 1, multiplier 10;");
    CHECK(r && r->threshold.type == RULE_THRESHOLD_BACKOFF && r->threshold.multiplier == 10 &&
          r->threshold.track == RULE_TRACK_BY_FLOW);
    BAD("threshold:type backoff, track by_flow, count 1;", "threshold", "multiplier");
    BAD("threshold:type limit, track by_src, count 1, seconds 2, multiplier 3;", "threshold",
        "only valid with type backoff");
    BAD("threshold:type never, track by_src, count 1, seconds 1;", "threshold", "unknown type");
    BAD("threshold:type limit, track by_ear, count 1, seconds 1;", "threshold", "unknown track");
    BAD("threshold:type limit, track by_src, count 0, seconds 1;", "threshold", "count");
    BAD("threshold:type limit, track by_src, count 1, seconds 1, color red;", "threshold",
        "unknown option");
    BAD("detection_filter:count 1, seconds 1;", "detection_filter", "required");
    BAD("tag:flow;", "tag", "session or host");
    BAD("tag:session,10;", "tag", "metric");
    BAD("tag:session,10,parsecs;", "tag", "metric");
    BAD("tag:session,10,packets,src;", "tag", "host tags");
    BAD("app-layer-protocol:gopher;", "app-layer-protocol", "unknown app-layer protocol");
    /* app-layer-event: unsupported until enabled, then parsed */
    BAD("app-layer-event:http.request_field_too_long;", "app-layer-event", "not enabled");
    rule_set_enable_app_layer_events(rs, true);
    r = ok("app-layer-event:http.request_field_too_long;");
    CHECK(r && r->app_event && !strcmp(r->app_event, "http.request_field_too_long") &&
          r->app_proto == RULE_APP_HTTP);
    r = ok("app-layer-event:!applayer_mismatch_protocol_both_directions;");
    CHECK(r && (r->flags & RULE_FLAG_APP_EVENT_NEGATED));
    bad_hdr("alert dns any any -> any any", "app-layer-event:http.missing_host_header;",
            "app-layer-event", "on a dns rule", __LINE__);
    BAD("app-layer-event:bad name;", "app-layer-event", "invalid character");
    BAD("app-layer-event:http.missing_host_header; app-layer-event:http.request_line_invalid;",
        "app-layer-event", "only one");
    /* Names are checked against the parsers' registered event tables. */
    BAD("app-layer-event:dnp3.no_such_event;", "app-layer-event", "unknown app-layer event");
    BAD("app-layer-event:gopher.malformed_data;", "app-layer-event", "no app-layer parser");
    BAD("app-layer-event:http.no_such_event;", "app-layer-event", "has no event 'no_such_event'");
    BAD("app-layer-event:applayer_no_such_thing;", "app-layer-event", "unknown app-layer event");
    /* A Suricata event the parser does not raise: unsupported, not loaded. */
    BAD("app-layer-event:tls.heartbeat_message;", "app-layer-event", "not raised");
    CHECK(ok("app-layer-event:dns.not_request;") != NULL);      /* alias */
    CHECK(ok("app-layer-event:SMTP.INVALID_REPLY;") != NULL);   /* any case */
    CHECK(ok("app-layer-event:ssh.invalid_record;") != NULL);
    CHECK(ok("app-layer-event:ftp.request_command_too_long;") != NULL);
    CHECK(ok("app-layer-event:tls.invalid_sni_type;") != NULL);
    rule_set_enable_app_layer_events(rs, false);
    /* decode-event / stream-event: the same opt-in */
    bad_hdr("alert pkthdr any any -> any any", "decode-event:ipv4.trunc_pkt;", "decode-event",
            "not enabled", __LINE__);
    rule_set_enable_packet_events(rs, true);
    r = ok_hdr("alert pkthdr any any -> any any", "decode-event:ipv4.trunc_pkt;");
    CHECK(r && r->pkt_event && !strcmp(r->pkt_event, "ipv4.trunc_pkt") &&
          r->pkt_event_kind == RULE_EVENT_DECODE);
    r = ok("stream-event:3whs_async_wrong_seq;");
    CHECK(r && r->pkt_event_kind == RULE_EVENT_STREAM);
    BAD("stream-event:a b;", "stream-event", "invalid character");
    BAD("stream-event:3whs_async_wrong_seq; decode-event:ipv4.trunc_pkt;", "decode-event",
        "only one");
    BAD("stream-event:no_such_event;", "stream-event", "unknown stream-event");
    BAD("decode-event:ipv4.no_such_event;", "decode-event", "unknown decode-event");
    rule_set_enable_packet_events(rs, false);
    r = ok_hdr("alert igmp any any -> any any", "");
    CHECK(r && r->ipproto == 2);
    r = ok_hdr("alert sctp any any -> any any", "");
    CHECK(r && r->ipproto == 132);
    r = ok_hdr("alert mdns any any -> any any", "");
    CHECK(r && r->app_proto == RULE_APP_MDNS && r->ipproto == 17);
}

static void test_files(const char *shared)
{
    struct rule_set *s = rule_set_new(NULL);
    const char *text = "# comment\n"
                       "#alert tcp any any -> any any (sid:1;)\n"
                       "# alert udp any any -> any any (sid:2;)\n"
                       "alert tcp any any -> any any (msg:\"multi\"; \\\n"
                       "   content:\"abc\"; sid:3;)\n"
                       "\n"
                       "alert tcp any any -> any any (msg:\"bad\"; frobnicate; sid:4;)\r\n"
                       "alert tcp any any -> any any (msg:\"\xff\xfe\"; sid:5;)\n"
                       "alert tcp any any -> any any (msg:\"ok\"; sid:6;)";
    CHECK_EQ_INT(rule_set_load_buffer(s, text, strlen(text), "mem.rules", NULL), 0);
    const struct rule_load_stats *st = rule_set_stats(s);
    CHECK_EQ_INT(st->loaded, 2);
    CHECK_EQ_INT(st->failed, 2);
    CHECK_EQ_INT(st->commented, 2);
    const struct rule *r = rule_set_find(s, 1, 3);
    CHECK(r != NULL && r->line == 4);
    CHECK(rule_set_find(s, 1, 6) != NULL);
    uint32_t cnt = 0;
    rule_set_finalize(s);
    CHECK_EQ_INT(rule_set_reason_count(s), 2);
    const char *reason = rule_set_reason(s, 0, &cnt);
    CHECK(reason != NULL && cnt == 1);
    rule_set_free(s);

    /* a 100 KB line and an absurd continuation are rejected, not crashed on */
    s = rule_set_new(NULL);
    size_t big = 100 * 1024;
    char *buf = malloc(big + 64);
    strcpy(buf, "alert tcp any any -> any any (content:\"");
    size_t n = strlen(buf);
    memset(buf + n, 'A', big);
    strcpy(buf + n + big, "\"; sid:9;)\n");
    CHECK_EQ_INT(rule_set_load_buffer(s, buf, strlen(buf), "big.rules", NULL), 0);
    CHECK_EQ_INT(rule_set_stats(s)->failed, 1);
    rule_set_finalize(s);
    const char *why = rule_set_reason(s, 0, NULL);
    CHECK(why != NULL && strstr(why, "too long") != NULL);
    free(buf);
    rule_set_free(s);

    /* variables from a configuration */
    struct config *cfg = config_new();
    config_set(cfg, "vars.address-groups.HOME_NET", "[192.0.2.0/24]");
    config_set(cfg, "vars.port-groups.HTTP_PORTS", "[80,8080]");
    s = rule_set_new(cfg);
    struct rule_error e;
    CHECK_EQ_INT(
        rule_set_add_rule(s, "alert tcp $HOME_NET any -> any $HTTP_PORTS (sid:1;)", NULL, 1, &e),
        0);
    r = rule_set_get(s, 0);
    CHECK(r && rule_addr_set_match_v4(&r->src, 0xc0000201) &&
          !rule_addr_set_match_v4(&r->src, 0xc0a80001));
    CHECK(r && rule_port_set_match(&r->dp, 8080));
    rule_set_free(s);
    config_free(cfg);

    /* auxiliary files */
    s = rule_set_new(NULL);
    char path[1024], err[256];
    snprintf(path, sizeof(path), "%s/conformance/suricata-verify/etc/reference.config", shared);
    CHECK_EQ_INT(rule_set_load_reference_config(s, path, err, sizeof(err)), 0);
    CHECK(rule_set_load_classification(s, "/nonexistent/classification.config", err, sizeof(err)) <
          0);
    CHECK(strstr(err, "/nonexistent/") != NULL);
    FILE *tf = fopen("detect/data/threshold.config", "r");
    CHECK(tf != NULL);
    if (tf)
        fclose(tf);
    int bad = rule_set_load_threshold_config(s, "detect/data/threshold.config", NULL);
    CHECK_EQ_INT(bad, 3);
    CHECK_EQ_INT(rule_set_threshold_cfg_count(s), 4);
    const struct rule_threshold_cfg *t = rule_set_threshold_cfg(s, 0);
    CHECK(t && t->type == RULE_TCFG_SUPPRESS && t->sid == 2002087 && t->has_ip &&
          rule_addr_set_match_v4(&t->ip, 0x0a010203));
    t = rule_set_threshold_cfg(s, 1);
    CHECK(t && t->type == RULE_TCFG_EVENT_FILTER && t->t.type == RULE_THRESHOLD_LIMIT &&
          t->t.count == 1 && t->t.seconds == 60);
    t = rule_set_threshold_cfg(s, 3);
    CHECK(t && t->type == RULE_TCFG_RATE_FILTER && t->new_action == RULE_ACTION_DROP &&
          t->timeout == 10);
    rule_set_free(s);

    /* Snort 3's tables in a snort.lua: read without running Lua. */
    s = rule_set_new(NULL);
    char *rep = NULL;
    size_t replen = 0;
    FILE *mf = open_memstream(&rep, &replen);
    bad = rule_set_load_snort_lua(s, "detect/data/snort.lua", mf);
    fclose(mf);
    CHECK_EQ_INT(bad, 3);
    CHECK(rep && strstr(rep, "detect/data/snort.lua:20: event_filter: type: expected 'limit'"));
    CHECK(rep && strstr(rep, "detect/data/snort.lua:28: suppress: ip: a variable or expression"));
    CHECK(rep && strstr(rep, "detect/data/snort.lua:29: suppress: ip: required with track"));
    free(rep);
    /* 2 event filters (the count -1 one never trips), 2 suppresses, 1 rate filter */
    CHECK_EQ_INT(rule_set_threshold_cfg_count(s), 5);
    t = rule_set_threshold_cfg(s, 0);
    CHECK(t && t->type == RULE_TCFG_EVENT_FILTER && t->gid == 1 && t->sid == 1000001 &&
          t->t.type == RULE_THRESHOLD_LIMIT && t->t.track == RULE_TRACK_BY_SRC &&
          t->t.count == 1 && t->t.seconds == 60);
    t = rule_set_threshold_cfg(s, 1);
    CHECK(t && t->gid == 1 && t->sid == 1000002 && t->t.type == RULE_THRESHOLD_THRESHOLD &&
          t->t.track == RULE_TRACK_BY_DST && t->t.count == 3 && t->t.seconds == 10);
    t = rule_set_threshold_cfg(s, 2);
    CHECK(t && t->type == RULE_TCFG_SUPPRESS && t->sid == 1000004 && !t->has_ip);
    t = rule_set_threshold_cfg(s, 3);
    CHECK(t && t->type == RULE_TCFG_SUPPRESS && t->sid == 1000005 && t->has_ip &&
          t->t.track == RULE_TRACK_BY_DST && rule_addr_set_match_v4(&t->ip, 0x0a010203) &&
          rule_addr_set_match_v4(&t->ip, 0xc0a80001) &&
          !rule_addr_set_match_v4(&t->ip, 0x0a010303));
    t = rule_set_threshold_cfg(s, 4);
    CHECK(t && t->type == RULE_TCFG_RATE_FILTER && t->sid == 1000008 &&
          t->t.track == RULE_TRACK_BY_RULE && t->new_action == RULE_ACTION_DROP &&
          t->timeout == 10 && t->t.count == 5);
    CHECK(rule_set_load_snort_lua(s, "/nonexistent/snort.lua", NULL) == -ENOENT);
    rule_set_free(s);
    /* Every prefix of the file (a file cut anywhere) reads without harm. */
    FILE *lf = fopen("detect/data/snort.lua", "rb");
    static char lua[4096];
    size_t lualen = lf ? fread(lua, 1, sizeof lua, lf) : 0;
    if (lf)
        fclose(lf);
    CHECK(lualen > 0);
    for (size_t cut = 0; cut <= lualen; cut++) {
        s = rule_set_new(NULL);
        CHECK(rule_set_load_snort_lua_buffer(s, lua, cut, "cut.lua", NULL) >= 0);
        CHECK(rule_set_threshold_cfg_count(s) <= 5);
        rule_set_free(s);
    }
}

int main(void)
{
    const char *shared = getenv("VIGIL_SHARED");
    if (!shared)
        shared = "../../shared";
    rs = rule_set_new(NULL);
    char path[1024], err[256];
    snprintf(path, sizeof(path), "%s/rules/et-open-suricata/rules/classification.config", shared);
    CHECK_EQ_INT(rule_set_load_classification(rs, path, err, sizeof(err)), 0);
    test_header();
    test_meta();
    test_content();
    test_buffers();
    test_pcre();
    test_byte_keywords();
    test_flow_and_packet();
    test_threshold_tag_app();
    test_filestore();
    test_app_layer_protocol_several();
    test_files(shared);
    CHECK_EQ_INT(rule_set_finalize(rs), 0);
    rule_set_free(rs);
    TEST_MAIN_END();
}
