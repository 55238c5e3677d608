/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the rule parser and, for small sets, the engine build
 * and the inspection of every loaded rule's buffers against the input bytes
 * themselves. Input: rule file text (several lines, continuations, ...). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect_engine.h"
#include "detect/rule_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rule_set *rs = rule_set_new(NULL);
    if (!rs)
        return 0;
    rule_set_load_buffer(rs, (const char *)data, size, "fuzz.rules", NULL);
    rule_set_finalize(rs);
    const struct rule_load_stats *st = rule_set_stats(rs);
    if (st->loaded != rule_set_count(rs))
        __builtin_trap();
    if (rule_set_count(rs) > 0 && rule_set_count(rs) <= 8) {
        char err[256];
        struct detect_engine *de = detect_engine_build(rs, NULL, NULL, err, sizeof(err));
        struct detect_thread_ctx *tc = de ? detect_thread_ctx_new(de) : NULL;
        for (size_t i = 0; tc && i < rule_set_count(rs); i++) {
            const struct rule *r = rule_set_get(rs, i);
            for (uint32_t b = 0; b < r->nbuffers; b++)
                detect_buffer_inspect(r, &r->buffers[b], data, (uint32_t)size, tc);
        }
        if (tc) {
            const struct detect_group *g[2];
            unsigned n = detect_engine_groups(de, DETECT_TRANSPORT_TCP, true, 80, g);
            detect_candidates_reset(tc);
            for (unsigned k = 0; k < n; k++) {
                detect_prefilter_scan(g[k], 0, data, (uint32_t)size, tc);
                detect_candidates_add_nonprefilter(g[k], tc);
                uint32_t a = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                                             (uint32_t)data[2] << 8 | data[3]
                                       : 0x0a000001;
                detect_candidates_add_nonprefilter_addr(g[k], rule_ip_from_v4(a),
                                                        rule_ip_from_v4(~a), tc);
            }
            const uint32_t *ids;
            detect_candidates_get(tc, &ids);
        }
        detect_thread_ctx_free(tc);
        detect_engine_free(de);
    }
    rule_set_free(rs);
    return 0;
}
