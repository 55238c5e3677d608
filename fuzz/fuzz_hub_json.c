/* SPDX-License-Identifier: Apache-2.0 */
/* Differential fuzzing of the hub's fast request-body parser
 * (hub_json_parse.c) against jansson: the fast path may give up on any
 * input, but what it accepts jansson must accept as the same value, with
 * the members in the same order; parsed in the jansson arena as POST
 * /objects does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int installed;
    if (!installed) {
        hub_json_alloc_install();
        installed = 1;
    }
    hub_json_arena_begin();
    json_t *fast = hub_json_parse_fast((const char *)data, size);
    hub_json_arena_end();
    json_t *jan = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (fast) {
        if (!jan || !json_equal(fast, jan))
            abort();
        char *a = hub_json_compact(fast, NULL), *b = hub_json_compact(jan, NULL);
        if (!a || !b || strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
    }
    json_decref(fast);
    json_decref(jan);
    hub_json_arena_reset();
    return 0;
}
