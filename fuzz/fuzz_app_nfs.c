/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the NFS parser (ONC RPC, TCP record marking and, with flag bit 0, UDP
 * datagrams). The server port is 2049, so the port hint favours it (input format and checks in
 * fuzz_app_common.h). */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 2049, .alt_port = 0, .allow_udp = true};
    return fuzz_app_run(&target, data, size);
}
