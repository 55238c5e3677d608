/* SPDX-License-Identifier: Apache-2.0 */
/* The behavioural detectors' per-host profiles across restarts: a sensor
 * restarted for an upgrade keeps what it learnt of its hosts (baselines of
 * the bytes they send out, the destinations and fingerprints they use)
 * instead of learning for a day again. On by default for live capture
 * only: a capture file is a replay that starts from nothing, unless
 * behaviour.profiles.persist says yes. */
#include <stdio.h>

#include "behaviour/behaviour.h"
#include "sensor/sensor_internal.h"
#include "util/log.h"

void sensor_profiles_restore(struct run_state *rs)
{
    const struct behaviour_config *bc = &rs->sc.behaviour;
    bool live = rs->ninputs == 0 && !rs->pcap_continuous && !rs->socket_mode;
    rs->profiles_persist = rs->shared.behaviour &&
                           (bc->profiles_persist == 1 || (bc->profiles_persist == -1 && live));
    if (!rs->profiles_persist)
        return;
    const char *f = bc->profiles_file;
    int n = f[0] == '/' ? snprintf(rs->profiles_path, sizeof rs->profiles_path, "%s", f)
                        : snprintf(rs->profiles_path, sizeof rs->profiles_path, "%s/%s",
                                   rs->data_dir ? rs->data_dir : ".", f);
    if (n < 0 || (size_t)n >= sizeof rs->profiles_path) {
        log_warning("behaviour.profiles.state-file: path too long; profiles are not kept");
        rs->profiles_persist = false;
        return;
    }
    rs->last_profiles_save_ms = sensor_monotonic_ms();
    char err[600] = "";
    int got = behaviour_profiles_load(rs->shared.behaviour, rs->profiles_path, err, sizeof err);
    if (got < 0) {
        /* Not fatal: the sensor learns again. The file is kept aside for
         * a look, not overwritten by the next save. */
        char bad[4200];
        snprintf(bad, sizeof bad, "%s.bad", rs->profiles_path);
        bool kept = rename(rs->profiles_path, bad) == 0;
        log_warning("behaviour: host profiles not restored: %s; learning again%s%s", err,
                    kept ? ", the file moved to " : "", kept ? bad : "");
    } else if (got > 0) {
        log_notice("behaviour: %d host profiles restored from %s", got, rs->profiles_path);
    }
}

void sensor_profiles_save(struct run_state *rs)
{
    if (!rs->profiles_persist || !rs->shared.behaviour)
        return;
    rs->last_profiles_save_ms = sensor_monotonic_ms();
    char err[600] = "";
    int n = behaviour_profiles_save(rs->shared.behaviour, rs->profiles_path, err, sizeof err);
    if (n < 0)
        log_warning("behaviour: host profiles not saved: %s", err);
    else
        log_info("behaviour: %d host profiles saved to %s", n, rs->profiles_path);
}
