/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the ISO 8583 parser (a TCP stream with gaps, flag bits
 * of fuzz_app_common.h) through the real app-layer framework, on its port
 * (8583); detection is by content (a whole first message) as well. */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 8583, .alt_port = 0, .allow_udp = false};
    return fuzz_app_run(&target, data, size);
}
