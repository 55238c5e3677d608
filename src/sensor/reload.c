/* SPDX-License-Identifier: Apache-2.0 */
/* Rule reload: SIGUSR2 (and, later, the control socket's reload-rules and
 * ruleset-reload-nonblocking) end up here, in the main thread, from
 * sensor_housekeeping(). The reload itself (a new engine built beside the
 * running one, swapped between packets with util/swap.h, the old one freed
 * once no worker uses it; a broken rule file keeps the running rules) is
 * not written yet: until then the request is acknowledged and the running
 * rules stay. Returns 0 on success, -1 when the rules were not reloaded. */
#include "sensor/sensor_internal.h"
#include "util/log.h"

int sensor_reload_rules(struct run_state *rs)
{
    log_warning("rule reload requested (SIGUSR2, request %llu): rule reload is not available "
                "in this version; the running rules stay in place",
                (unsigned long long)rs->reloads_requested);
    return -1;
}
