/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the LDAP parser over TCP and connectionless LDAP over UDP (BER messages,
 * responses joined to requests, StartTLS). The server port is 389, so the port hint favours it
 * (input format and checks in fuzz_app_common.h). */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 389, .alt_port = 0, .allow_udp = true};
    return fuzz_app_run(&target, data, size);
}
