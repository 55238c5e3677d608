/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the HTTP/2 parser through the real app-layer framework
 * (input format and checks in fuzz_app_common.h). HTTP/2 has no port hint:
 * the client connection preface selects it (the seeds in
 * fuzz/corpus/app_http2 start with it, taken from nghttp/nghttpd and curl
 * sessions); port 80 also lets the HTTP/1 "Upgrade: h2c" path in. Flag bit 1
 * makes chunks starting with 0xff gaps (inside DATA payloads and outside). */
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {
        .port = 80, .alt_port = 0, .allow_udp = false, .configure = NULL};
    return fuzz_app_run(&target, data, size);
}
