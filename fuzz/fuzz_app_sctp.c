/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: SCTP packets (the chunks after the common header)
 * through app_layer_handle_sctp, so Diameter's DATA-chunk path (TSN order,
 * lost TSNs, fragments, PPIDs) and the Diameter parser see arbitrary
 * chunks; on port 3868, or 2905 (flag bit 1: the PPID alone decides). */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {
        .port = 3868, .alt_port = 2905, .allow_udp = false, .sctp = true};
    return fuzz_app_run(&target, data, size);
}
