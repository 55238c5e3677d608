/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the SIP parser (UDP datagrams or a TCP stream with
 * gaps, flag bits of fuzz_app_common.h) through the real app-layer
 * framework. The server port is 5060, so the port hint favours SIP;
 * detection is still by content. */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 5060, .alt_port = 0, .allow_udp = true};
    return fuzz_app_run(&target, data, size);
}
