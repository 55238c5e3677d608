/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the iec104 parser through the real app-layer framework
 * (input format and checks in fuzz_app_common.h). The server port is 2404,
 * so the port hint favours it; detection is still by content. */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 2404, .alt_port = 0, .allow_udp = false};
    return fuzz_app_run(&target, data, size);
}
