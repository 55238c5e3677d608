/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the snort.lua reader (Snort 3's event_filter, suppress
 * and rate_filter tables, src/detect/rule_snort_lua.c). Input: Lua text. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/rule_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rule_set *rs = rule_set_new(NULL);
    if (!rs)
        return 0;
    int bad = rule_set_load_snort_lua_buffer(rs, (const char *)data, size, "fuzz.lua", NULL);
    if (bad < 0)
        __builtin_trap();
    for (size_t i = 0; i < rule_set_threshold_cfg_count(rs); i++)
        if (!rule_set_threshold_cfg(rs, i))
            __builtin_trap();
    rule_set_free(rs);
    return 0;
}
