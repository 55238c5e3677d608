/* SPDX-License-Identifier: Apache-2.0 */
/* Datasets loaded from json and ndjson files (Suricata 8's datajson): the
 * value at value_key (a dotted path) is the member, the object its context
 * (without the value with remove_key), an array found at array_key, the first
 * of duplicates kept, entries without the key skipped; isset hands the
 * context to the caller only with a context_key; and every bad file is a load
 * error naming the set, the file and the line or element. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect_dataset.h"
#include "test.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static int parse(const char *opts, struct detect_dataset_kw *kw, char *err, size_t errlen)
{
    err[0] = '\0';
    return detect_dataset_parse(opts, kw, err, errlen);
}

/* The context isset finds for a buffer, as a string ("" if none, "-" if no match). */
static const char *lookup(const struct detect_dataset_kw *kw, const void *data, size_t len)
{
    static char out[DATASET_CONTEXT_MAX + 1];
    struct detect_dataset_context c;
    if (!detect_dataset_match(kw, data, (uint32_t)len, &c))
        return "-";
    if (!c.json)
        return "";
    snprintf(out, sizeof out, "%.*s", (int)c.len, c.json);
    return out;
}

static void test_json_array(void)
{
    char err[512];
    struct detect_dataset_kw kw, plain, rm;
    write_file("src.json", "[{\"ip\": \"192.0.2.7\", \"tag\": \"ours\", \"n\": 3},\n"
                           " {\"ip\": \"192.0.2.7\", \"tag\": \"second\"},\n"
                           " {\"other\": 1},\n"
                           " {\"ip\": \"2001:db8::1\", \"tag\": \"v6\"}]\n");
    CHECK_EQ_INT(parse("isset,src,type ip,load src.json,format json,context_key src_ip,"
                       "value_key ip",
                       &kw, err, sizeof err),
                 0);
    CHECK_EQ_STR(kw.context_key, "src_ip");
    uint8_t a4[4], a6[16];
    inet_pton(AF_INET, "192.0.2.7", a4);
    inet_pton(AF_INET6, "2001:db8::1", a6);
    /* the first of the duplicates wins; the element without "ip" is skipped */
    CHECK_EQ_STR(lookup(&kw, a4, 4), "{\"ip\":\"192.0.2.7\",\"tag\":\"ours\",\"n\":3}");
    CHECK_EQ_STR(lookup(&kw, a6, 16), "{\"ip\":\"2001:db8::1\",\"tag\":\"v6\"}");
    inet_pton(AF_INET, "192.0.2.8", a4);
    CHECK_EQ_STR(lookup(&kw, a4, 4), "-");
    /* the same set from a rule without context_key: a match, no context */
    CHECK_EQ_INT(parse("isset,src", &plain, err, sizeof err), 0);
    inet_pton(AF_INET, "192.0.2.7", a4);
    CHECK_EQ_STR(lookup(&plain, a4, 4), "");
    /* isnotset never carries a context */
    CHECK_EQ_INT(parse("isnotset,src,context_key src_ip", &plain, err, sizeof err), 0);
    CHECK_EQ_STR(lookup(&plain, a4, 4), "-");
    inet_pton(AF_INET, "192.0.2.9", a4);
    CHECK_EQ_STR(lookup(&plain, a4, 4), "");
    /* remove_key: the value leaves the context */
    CHECK_EQ_INT(parse("isset,src_rm,type ip,load src.json,format json,context_key s,"
                       "value_key ip,remove_key",
                       &rm, err, sizeof err),
                 0);
    inet_pton(AF_INET, "192.0.2.7", a4);
    CHECK_EQ_STR(lookup(&rm, a4, 4), "{\"tag\":\"ours\",\"n\":3}");
}

static void test_nested(void)
{
    char err[512];
    struct detect_dataset_kw kw;
    /* the array inside an object (array_key), the value in a nested object */
    write_file("feed.json", "{\"time\": \"x\", \"info\": {\"threat\": [\n"
                            "  {\"year\": 2005, \"host\": {\"fqdn\": \"a.example\", \"d\": \"example\"}},\n"
                            "  {\"year\": 2023, \"host\": {\"d\": \"example\"}}]}}\n");
    CHECK_EQ_INT(parse("isset,feed,type string,load feed.json,format json,context_key f,"
                       "value_key host.fqdn,array_key info.threat",
                       &kw, err, sizeof err),
                 0);
    CHECK_EQ_STR(lookup(&kw, "a.example", 9),
                 "{\"year\":2005,\"host\":{\"fqdn\":\"a.example\",\"d\":\"example\"}}");
    /* ndjson (and its other name, jsonline), a nested key removed */
    write_file("hosts.ndjson", "{\"ioc\": {\"host\": \"b.example\"}, \"year\": 2005}\n"
                               "\n"
                               "{\"ioc\": {\"host\": \"c.example\"}, \"year\": 2006}\n");
    CHECK_EQ_INT(parse("isset,nd,type string,load hosts.ndjson,format ndjson,context_key h,"
                       "value_key ioc.host,remove_key",
                       &kw, err, sizeof err),
                 0);
    CHECK_EQ_STR(lookup(&kw, "c.example", 9), "{\"ioc\":{},\"year\":2006}");
    CHECK_EQ_INT(parse("isset,jl,type string,load hosts.ndjson,format jsonline,context_key h,"
                       "value_key ioc.host",
                       &kw, err, sizeof err),
                 0);
    CHECK_EQ_STR(lookup(&kw, "b.example", 9), "{\"ioc\":{\"host\":\"b.example\"},\"year\":2005}");
    /* hashes: hex in the file, raw digests (to_md5) or hex on the wire */
    write_file("md5.json", "[{\"hash\": \"b65d49730d16e5a8a7b2ab95350848b8\", \"y\": 2007}]");
    CHECK_EQ_INT(parse("isset,md,type md5,load md5.json,format json,context_key m,value_key hash",
                       &kw, err, sizeof err),
                 0);
    CHECK_EQ_STR(lookup(&kw, "b65d49730d16e5a8a7b2ab95350848b8", 32),
                 "{\"hash\":\"b65d49730d16e5a8a7b2ab95350848b8\",\"y\":2007}");
}

/* A load error: parse fails and the message holds each fragment. */
static void expect_error(const char *opts, const char *frag1, const char *frag2, int line)
{
    char err[1024];
    struct detect_dataset_kw kw;
    int rc = parse(opts, &kw, err, sizeof err);
    const char *reg = detect_datasets_error();
    const char *msg = err[0] ? err : reg ? reg : "";
    bool ok = rc != 0 && strstr(msg, frag1) && (!frag2 || strstr(msg, frag2));
    if (!ok)
        fprintf(stderr, "line %d: rc %d, message '%s'\n", line, rc, msg);
    CHECK(ok);
    detect_datasets_finish(false); /* clears the error for the next case */
}

static void test_errors(void)
{
    write_file("num.ndjson", "{\"value\": \"d41d8cd98f00b204e9800998ecf8427e\"}\n"
                             "{\"value\": 12345, \"extra\": \"ctx\"}\n");
    expect_error("isset,e1,type md5,load num.ndjson,format ndjson,context_key x",
                 "failed to get value because it is not a string", "num.ndjson line 2",
                 __LINE__);
    write_file("null.json", "[{\"value\": null}]");
    expect_error("isset,e2,type ipv4,load null.json,format json", "not a string",
                 "null.json element 1", __LINE__);
    write_file("bad.ndjson", "{\"value\": \"a\"}\n{\"value\": \"b\",\n");
    expect_error("isset,e3,type string,load bad.ndjson,format ndjson", "invalid JSON",
                 "bad.ndjson line 2", __LINE__);
    write_file("bad.json", "[\n{\"value\": \"a\"},\n10.16.1.11,kjefe\n]\n");
    expect_error("isset,e4,type string,load bad.json,format json", "invalid JSON",
                 "bad.json line 3", __LINE__);
    write_file("csv.lst", "10.16.1.12,42\n");
    expect_error("isset,e5,type ip,load csv.lst,format json,value_key ip", "invalid JSON",
                 "csv.lst line 1", __LINE__);
    write_file("obj.json", "{\"a\": [{\"value\": \"x\"}]}");
    expect_error("isset,e6,type string,load obj.json,format json", "not a JSON array", NULL,
                 __LINE__);
    expect_error("isset,e7,type string,load obj.json,format json,array_key b", "no array at 'b'",
                 NULL, __LINE__);
    expect_error("isset,e8,type string,load obj.json,format json,array_key a,value_key host",
                 "no entry with the key 'host'", "obj.json", __LINE__);
    write_file("badip.json", "[{\"value\": \"10.0.0.300\"}]");
    expect_error("isset,e9,type ip,load badip.json,format json", "bad ip value '10.0.0.300'",
                 "badip.json element 1", __LINE__);
    char big[DATASET_CONTEXT_MAX + 64];
    snprintf(big, sizeof big, "{\"value\": \"x\", \"pad\": \"%0*d\"}\n", DATASET_CONTEXT_MAX, 0);
    write_file("big.ndjson", big);
    expect_error("isset,e10,type string,load big.ndjson,format ndjson", "big.ndjson line 1",
                 "at most 4096", __LINE__);
    write_file("many.ndjson", "{\"value\": \"aaaaaaaaaaaaaaaaaaaa\", \"c\": 1}\n"
                              "{\"value\": \"bbbbbbbbbbbbbbbbbbbb\", \"c\": 2}\n"
                              "{\"value\": \"cccccccccccccccccccc\", \"c\": 3}\n");
    expect_error("isset,e11,type string,load many.ndjson,format ndjson,memcap 150",
                 "memcap reached", "many.ndjson line", __LINE__);
    expect_error("set,e12,type string,load many.ndjson,format ndjson", "not changed", NULL,
                 __LINE__);
    expect_error("isset,e13,type string,load many.ndjson,format ndjson,array_key a",
                 "array_key needs format json", NULL, __LINE__);
    expect_error("isset,e14,type string,load many.ndjson,format xml", "unknown format", NULL,
                 __LINE__);
    expect_error("isset,e15,type string,load missing.json,format json", "cannot open",
                 "missing.json", __LINE__);
    /* two failing keywords in one load: each reports its own failure (the
     * second used to repeat the first's), the run's verdict keeps the first */
    char err[1024];
    struct detect_dataset_kw kw;
    CHECK(parse("isnotset,a1,type string,state /abs-one.txt", &kw, err, sizeof err) != 0);
    CHECK(strstr(err, "/abs-one.txt") != NULL);
    CHECK(parse("isnotset,a2,type string,save /abs-two.txt", &kw, err, sizeof err) != 0);
    CHECK(strstr(err, "/abs-two.txt") != NULL);
    CHECK(detect_datasets_error() && strstr(detect_datasets_error(), "/abs-one.txt"));
    detect_datasets_finish(false);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vigil-test-ds-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char rules[128];
    snprintf(rules, sizeof rules, "%s/test.rules", dir);
    detect_datasets_configure(NULL, dir);
    detect_datasets_rule_file(rules);
    test_json_array();
    test_nested();
    detect_datasets_finish(false);
    test_errors();
    detect_datasets_rule_file(NULL);
    detect_datasets_finish(false);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    TEST_MAIN_END();
}
