/* SPDX-License-Identifier: Apache-2.0 */
/* Rules for `vigil run`: -S (only these) / -s (in addition) files and the
 * configuration's rule-files under default-rule-path, each a glob as in
 * Suricata; classification.config, reference.config and threshold.config
 * from the configuration or the places Suricata looks (util/paths.h). The
 * loading itself is sensor/reload.c's (one loader for start-up, -T and
 * reloads); this file describes the sources and opens fast.log. */
#include <stdio.h>
#include <string.h>

#include "sensor/sensor_internal.h"
#include "util/log.h"

int sensor_load_rules(struct run_state *rs, bool for_run)
{
    rs->rules_source = (struct sensor_rules_source){
        .cfg = rs->cfg,
        .rule_files = rs->opts.rule_files,
        .rule_file_count = rs->opts.rule_file_count,
        .exclusive = rs->opts.rules_exclusive,
        .disabled = rs->opts.disable_detection,
        .init_errors_fatal = rs->opts.init_errors_fatal,
        .test_config = !for_run,
        .config_path = rs->opts.config_path,
        .data_dir = rs->data_dir,
        .ja3 = rs->sc.app.ja3_fingerprints,
        .ja4 = rs->sc.app.ja4_fingerprints,
    };
    char err[700] = "";
    int rc = sensor_engine_init(&rs->rules_source, err, sizeof err);
    if (rc != 0) {
        log_error("%s", err);
        return rc;
    }
    /* The unix-socket mode opens fast.log per session, in its directory. */
    return for_run && !rs->socket_mode ? sensor_open_fast_log(rs) : 0;
}

int sensor_open_fast_log(struct run_state *rs)
{
    const struct sensor_engine *e = sensor_engine_current();
    if (!e || !e->engine || !rs->sc.fast_enabled || rs->shared.fast_log)
        return 0;
    char err[512];
    rs->shared.fast_log = fast_log_open(rs->sc.fast_path, &rs->sc.fast_file, err, sizeof err);
    if (!rs->shared.fast_log) {
        log_error("%s", err);
        return 1;
    }
    return 0;
}
