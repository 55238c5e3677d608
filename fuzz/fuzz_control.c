/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the control socket's session (util/control.c) - the
 * version handshake, protocol 0.1 (bare JSON objects) and 0.2 (one object
 * per line), commands with and without arguments - fed as a client would
 * send it, in pieces cut where the input's first byte says. Every answer must
 * be one whole JSON object per line (protocol 0.2). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/control.h"
#include "util/control_test.h"

static int echo(const json_t *args, json_t *answer, void *data)
{
    (void)data;
    return control_answer(answer, args ? json_deep_copy(args) : json_null());
}

static int fail(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    return control_answer_error(answer, "refused");
}

static void later(const json_t *args, struct control_reply *reply, void *data)
{
    (void)args;
    (void)data;
    control_reply_send(reply, true, json_string("done"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int registered;
    if (!registered) {
        control_register("echo", echo, NULL, CONTROL_TAKES_ARGS);
        control_register("fail", fail, NULL, 0);
        control_register_async("later", later, NULL, 0);
        registered = 1;
    }
    if (size == 0)
        return 0;
    size_t step = data[0] ? data[0] : 1;
    data++;
    size--;
    struct control_test_client *t = control_test_client_new();
    if (!t)
        return 0;
    for (size_t off = 0; off < size; off += step) {
        size_t n = size - off < step ? size - off : step;
        if (!control_test_client_feed(t, data + off, n))
            break;
    }
    static char out[1 << 20];
    size_t len = control_test_client_output(t, out, sizeof out);
    /* Whole answers only: the handshake answer (0.1: no newline) aside,
     * every newline ends a JSON object. */
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (out[i] != '\n')
            continue;
        json_error_t e;
        json_t *j = json_loadb(out + start, i - start, JSON_DISABLE_EOF_CHECK, &e);
        if (!j)
            abort();
        json_decref(j);
        start = i + 1;
    }
    control_test_client_free(t);
    return 0;
}
