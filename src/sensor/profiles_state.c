/* SPDX-License-Identifier: Apache-2.0 */
/* The behavioural detectors' per-host profiles across restarts: a sensor
 * restarted for an upgrade keeps what it learnt of its hosts (baselines of
 * the bytes they send out, the destinations and fingerprints they use)
 * instead of learning for a day again. On by default for live capture
 * only: a capture file is a replay that starts from nothing, unless
 * behaviour.profiles.persist says yes. */
#include <stdio.h>
#include <stdlib.h>

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

/* The periodic save's disk work (write, fsync, rename) runs on a thread of
 * its own: with one worker, housekeeping runs on the packet thread, and an
 * fsync on a busy disk would stall capture for as long as it takes. */
struct profiles_write_job {
    struct run_state *rs;
    uint8_t *image;
    size_t size;
    int count;
};

static void *profiles_write_thread(void *arg)
{
    struct profiles_write_job *job = arg;
    char err[600] = "";
    if (behaviour_profiles_write(job->rs->profiles_path, job->image, job->size, err,
                                 sizeof err) < 0)
        log_warning("behaviour: host profiles not saved: %s", err);
    else
        log_info("behaviour: %d host profiles saved to %s", job->count, job->rs->profiles_path);
    atomic_store(&job->rs->profiles_writer_done, true);
    free(job->image);
    free(job);
    return NULL;
}

/* Waits for a write still running (at most one is). */
static void profiles_writer_join(struct run_state *rs)
{
    if (!rs->profiles_writer_started)
        return;
    pthread_join(rs->profiles_writer, NULL);
    rs->profiles_writer_started = false;
}

void sensor_profiles_save(struct run_state *rs)
{
    if (!rs->profiles_persist || !rs->shared.behaviour)
        return;
    rs->last_profiles_save_ms = sensor_monotonic_ms();
    if (rs->profiles_writer_started) {
        if (!atomic_load(&rs->profiles_writer_done)) {
            /* The disk has not finished the last save: skip this one
             * rather than queue images behind it. */
            rs->profiles_saves_skipped++;
            log_warning("behaviour: host profiles not saved: the previous save is still being "
                        "written");
            return;
        }
        profiles_writer_join(rs);
    }
    char err[600] = "";
    struct profiles_write_job *job = calloc(1, sizeof *job);
    if (job)
        job->image = behaviour_profiles_snapshot(rs->shared.behaviour, &job->size,
                                                 &job->count, err, sizeof err);
    if (!job || !job->image) {
        if (!job || err[0])
            log_warning("behaviour: host profiles not saved: %s",
                        err[0] ? err : "out of memory");
        free(job);
        return;
    }
    job->rs = rs;
    atomic_store(&rs->profiles_writer_done, false);
    if (pthread_create(&rs->profiles_writer, NULL, profiles_write_thread, job) == 0) {
        rs->profiles_writer_started = true;
        return;
    }
    /* No thread to be had: write here rather than not at all. */
    profiles_write_thread(job);
}

void sensor_profiles_save_final(struct run_state *rs)
{
    profiles_writer_join(rs); /* its image is older than the one taken now */
    if (!rs->profiles_persist || !rs->shared.behaviour)
        return;
    char err[600] = "";
    int n = behaviour_profiles_save(rs->shared.behaviour, rs->profiles_path, err, sizeof err);
    if (n < 0)
        log_warning("behaviour: host profiles not saved: %s", err);
    else
        log_info("behaviour: %d host profiles saved to %s", n, rs->profiles_path);
}
