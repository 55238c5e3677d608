/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the mqtt parser through the real app-layer framework
 * (input format and checks in fuzz_app_common.h). The server port is 1883,
 * so the port hint favours mqtt. */
#include "fuzz_app_common.h"

/* A smaller transaction limit than the default keeps each run fast (every
 * live transaction is walked after every 4th chunk); the limit's own code
 * path is then reached sooner too. */
static void configure(struct app_layer_config *cfg)
{
    cfg->ics.mqtt_max_tx = 32;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_app_target target = {.port = 1883, .alt_port = 0, .allow_udp = false,
                                                  .configure = configure};
    return fuzz_app_run(&target, data, size);
}
