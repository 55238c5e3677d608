/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket's session parser (util/control.c) through its test
 * hook: answers do not depend on how the client's bytes are split (every
 * offset, and byte by byte), both protocol versions, and bad input closes the
 * session without an answer it should not give. The real socket is tested
 * with Suricata's client in tests/sensor/control_socket.sh. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/control.h"
#include "util/control_test.h"

static int echo(const json_t *args, json_t *answer, void *data)
{
    (void)data;
    return control_answer(answer, json_deep_copy(args));
}

static int hello(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    return control_answer_string(answer, data);
}

/* Feeds msg in pieces cut at the given offsets; returns the output. */
static size_t run(const char *msg, size_t len, const size_t *cuts, size_t ncuts, char *out,
                  size_t cap, bool *open)
{
    struct control_test_client *t = control_test_client_new();
    size_t prev = 0;
    *open = true;
    for (size_t i = 0; i <= ncuts && *open; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        if (end > prev)
            *open = control_test_client_feed(t, msg + prev, end - prev);
        prev = end;
    }
    size_t n = control_test_client_output(t, out, cap);
    control_test_client_free(t);
    return n;
}

static void check_splits(const char *msg, const char *expect, bool expect_open)
{
    size_t len = strlen(msg);
    char whole[8192], part[8192];
    bool open;
    size_t n = run(msg, len, NULL, 0, whole, sizeof whole, &open);
    CHECK_EQ_INT(n, strlen(expect));
    CHECK(n == strlen(expect) && memcmp(whole, expect, n) == 0);
    CHECK(open == expect_open);
    if (n != strlen(expect) || memcmp(whole, expect, n) != 0)
        fprintf(stderr, "got: %.*s\n", (int)n, whole);
    for (size_t k = 1; k < len; k++) {
        bool o;
        size_t m = run(msg, len, &k, 1, part, sizeof part, &o);
        CHECK(m == n && memcmp(part, whole, n) == 0 && o == open);
    }
    size_t *every = malloc(len * sizeof *every);
    for (size_t k = 0; k < len; k++)
        every[k] = k + 1;
    bool o;
    size_t m = run(msg, len, every, len - 1, part, sizeof part, &o);
    CHECK(m == n && memcmp(part, whole, n) == 0 && o == open);
    free(every);
}

int main(void)
{
    CHECK_EQ_INT(control_register("hello", hello, "world", 0), 0);
    CHECK_EQ_INT(control_register("echo", echo, NULL, CONTROL_TAKES_ARGS), 0);
    CHECK_EQ_INT(control_register("hello", hello, "again", 0), -EEXIST);

    /* Protocol 0.2: one object per line, answers end with a newline. */
    check_splits("{\"version\": \"0.2\"}{\"command\": \"hello\"}\n"
                 "\n{\"command\": \"echo\", \"arguments\": {\"a\": [1, \"x\"]}}\r\n"
                 "{\"command\": \"nosuch\"}\n{\"command\": \"echo\"}\n",
                 "{\"return\":\"OK\"}\n"
                 "{\"message\":\"world\",\"return\":\"OK\"}\n"
                 "{\"message\":{\"a\":[1,\"x\"]},\"return\":\"OK\"}\n"
                 "{\"message\":\"Unknown command\",\"return\":\"NOK\"}\n"
                 "{\"message\":\"arguments are missing\",\"return\":\"NOK\"}\n",
                 true);
    /* Protocol 0.1: bare objects, answers without a newline. */
    check_splits("{\"version\":\"0.1\"} {\"command\":\"hello\"}{\"command\":\"echo\",\"arguments\":{}}",
                 "{\"return\":\"OK\"}{\"message\":\"world\",\"return\":\"OK\"}"
                 "{\"message\":{},\"return\":\"OK\"}",
                 true);
    /* Bad input closes the session (nothing answered after it). */
    check_splits("garbage", "", false);
    check_splits("{\"version\": \"7.0\"}", "", false);
    check_splits("{\"version\": \"0.2\"}{\"command\": \"hello\"}\n[1,2]\n{\"command\": \"hello\"}\n",
                 "{\"return\":\"OK\"}\n{\"message\":\"world\",\"return\":\"OK\"}\n", false);
    check_splits("{\"version\": \"0.2\"}{\"command\": 5}\n", "{\"return\":\"OK\"}\n", false);
    /* An oversized message. */
    size_t big = 70000;
    char *msg = malloc(big + 64);
    strcpy(msg, "{\"version\": \"0.2\"}{\"command\": \"");
    size_t off = strlen(msg);
    memset(msg + off, 'a', big);
    strcpy(msg + off + big, "\"}\n");
    char out[256];
    bool open;
    size_t n = run(msg, strlen(msg), NULL, 0, out, sizeof out, &open);
    CHECK(!open);
    CHECK(n == strlen("{\"return\":\"OK\"}\n"));
    free(msg);
    /* The command list holds what was registered. */
    json_t *list = control_command_list();
    CHECK_EQ_INT(json_array_size(list), 2);
    json_decref(list);
    CHECK_EQ_INT(control_unregister("echo"), 0);
    CHECK_EQ_INT(control_unregister("echo"), -ENOENT);
    TEST_MAIN_END();
}
