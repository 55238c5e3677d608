/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation failure is a tested path: the pattern parser's calloc/realloc
 * calls are wrapped (linked with --wrap, see CMakeLists.txt) and jansson's
 * allocator is replaced, failing the Nth allocation for every N until the call
 * succeeds. Each failure must give NULL / -ENOMEM with a message, never a
 * crash; the sanitizer build also proves nothing leaks on those paths. */
#include <errno.h>
#include <jansson.h>

#include "hub/eve_ingest.h"
#include "hub/stix_validate.h"
#include "intel/stix_pattern.h"
#include "test.h"

static long fail_countdown = -1; /* -1: never fail; 0: fail the next one */

static bool should_fail(void)
{
    if (fail_countdown < 0)
        return false;
    if (fail_countdown == 0)
        return true;
    fail_countdown--;
    return false;
}

void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : __real_realloc(ptr, size);
}

static void *failing_json_malloc(size_t size)
{
    return should_fail() ? NULL : malloc(size);
}

static void test_pattern_oom(void)
{
    static const char *const patterns[] = {
        "[file:hashes.'SHA-256' = "
        "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND "
        "file:name IN ('a', 'b\\'c') AND file:extensions.'x-e'.list[*].v > 7.0] REPEATS 2 TIMES "
        "WITHIN 5 SECONDS FOLLOWEDBY ([url:value MATCHES '^a+$'] OR [NOT EXISTS "
        "ipv4-addr:value]) START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
        "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
        "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    };
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        int failures = 0;
        bool succeeded = false;
        for (long n = 0; n < 10000 && !succeeded; n++) {
            char err[256] = "";
            fail_countdown = n;
            struct stix_pattern *p = stix_pattern_parse(patterns[i], err, sizeof(err));
            fail_countdown = -1;
            if (p) {
                succeeded = true;
                stix_pattern_free(p);
            } else {
                failures++;
                if (!strstr(err, "out of memory"))
                    fprintf(stderr, "  allocation %ld: unexpected error: %s\n", n, err);
                CHECK(strstr(err, "out of memory") != NULL);
            }
        }
        CHECK(succeeded);
        CHECK(failures > 10); /* the pattern really allocates along the way */
    }
}

static void test_eve_oom(void)
{
    json_t *eve = json_loads(
        "{\"timestamp\":\"2017-06-23T12:34:56.789012+0000\",\"flow_id\":1,\"event_type\":"
        "\"alert\",\"src_ip\":\"10.0.0.1\",\"src_port\":1,\"dest_ip\":\"10.0.0.2\","
        "\"dest_port\":80,\"proto\":\"TCP\",\"app_proto\":\"http\",\"alert\":{\"gid\":1,"
        "\"signature_id\":2000001,\"rev\":1,\"signature\":\"ET TEST\",\"category\":\"Misc "
        "activity\",\"severity\":3,\"metadata\":{\"a\":[\"b\"]}}}",
        0, NULL);
    CHECK(eve != NULL);
    json_set_alloc_funcs(failing_json_malloc, free);
    int failures = 0;
    bool succeeded = false;
    for (long n = 0; n < 10000 && !succeeded; n++) {
        json_t *ind = NULL, *sig = NULL;
        char err[256] = "";
        fail_countdown = n;
        int rc = eve_alert_to_stix(eve, "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", &ind,
                                   &sig, err, sizeof(err));
        fail_countdown = -1;
        if (rc == 0) {
            succeeded = true;
            CHECK_EQ_INT(stix_object_validate(ind, err, sizeof(err)), 0);
            CHECK_EQ_INT(stix_object_validate(sig, err, sizeof(err)), 0);
            json_decref(ind);
            json_decref(sig);
        } else {
            failures++;
            if (rc != -ENOMEM)
                fprintf(stderr, "  allocation %ld: rc %d: %s\n", n, rc, err);
            CHECK_EQ_INT(rc, -ENOMEM);
            CHECK(strstr(err, "out of memory") != NULL);
            CHECK(ind == NULL && sig == NULL);
        }
    }
    json_set_alloc_funcs(malloc, free);
    CHECK(succeeded);
    CHECK(failures > 20);
    json_decref(eve);
}

int main(void)
{
    test_pattern_oom();
    test_eve_oom();
    TEST_MAIN_END();
}
