/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the ISO 8583 parser (a TCP stream with gaps, flag bits
 * of fuzz_app_common.h) through the real app-layer framework, on its port
 * (8583); detection is by content (a whole first message) as well; the
 * outputs' card-data redaction runs on every chunk before the parser. */
#include "app/app_iso8583.h"
#include "fuzz_app_common.h"

/* The outputs' redaction on every chunk before the parser has it (its
 * walk parses the bytes ahead of the parser), placed and not. */
static void fuzz_iso_redact(const struct flow *f, uint8_t dir, const uint8_t *d, uint32_t n,
                            uint64_t offset)
{
    struct app_iso8583_where w = {.len = n, .direction = dir, .offset_known = true,
                                  .offset = offset};
    uint8_t x = 0;
    for (int k = 0; k < 2; k++) {
        const uint8_t *r = app_iso8583_redact_at(f, d, n, k ? NULL : &w);
        for (uint32_t i = 0; r && i < n; i++)
            x ^= r[i];
    }
    (void)(volatile uint8_t)x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {
        .port = 8583, .alt_port = 0, .allow_udp = false, .before_chunk = fuzz_iso_redact};
    return fuzz_app_run(&target, data, size);
}
