/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the GTP parser (app_gtp.c) through the real app-layer
 * framework, GTP-C datagrams on UDP 2123 or GTP-U signalling on 2152 (flag
 * bit 1), TCP otherwise (not GTP: detection must refuse it). */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 2123, .alt_port = 2152, .allow_udp = true};
    return fuzz_app_run(&target, data, size);
}
