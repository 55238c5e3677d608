/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the RFB (VNC) handshake parser (versions, security types and results, VNC
 * authentication, client and server init). The server port is 5900, so the port hint favours it
 * (input format and checks in fuzz_app_common.h). */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 5900, .alt_port = 0, .allow_udp = false};
    return fuzz_app_run(&target, data, size);
}
