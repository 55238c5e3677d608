/* SPDX-License-Identifier: Apache-2.0 */
/* Rules for `vigil run`: -S (only these) / -s (in addition) files and the
 * configuration's rule-files under default-rule-path, each a glob as in
 * Suricata; classification.config, reference.config and threshold.config
 * from the configuration or the places Suricata looks (util/paths.h), so
 * alerts get their severity even without -c. Rules that load but cannot
 * match (no parser for their protocol) are counted and reported once. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect_dataset.h"
#include "detect/detect_engine.h"
#include "detect/rule_set.h"
#include "sensor/sensor_internal.h"
#include "util/config.h"
#include "util/log.h"
#include "util/paths.h"

static bool has_glob_chars(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Loads one path or glob. required: a pattern matching nothing or an
 * unreadable file is an error (command line), else a warning (config). */
static int load_pattern(struct run_state *rs, const char *pattern, bool required)
{
    bool fatal = required || rs->opts.init_errors_fatal || rs->opts.test_config;
    if (!has_glob_chars(pattern)) {
        if (access(pattern, R_OK) != 0) {
            if (fatal) {
                log_error("rule file %s: %s", pattern, strerror(errno));
                return 2;
            }
            log_warning("rule file %s: %s (skipped)", pattern, strerror(errno));
            return 0;
        }
        /* The loader reports an unreadable file itself, naming it. */
        return rule_set_load_file(rs->rules, pattern, stderr) != 0 ? 2 : 0;
    }
    glob_t g;
    int grc = glob(pattern, GLOB_ERR, NULL, &g);
    if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0)) {
        if (grc == 0)
            globfree(&g);
        if (fatal) {
            log_error("rule files %s: no file matches", pattern);
            return 2;
        }
        log_warning("rule files %s: no file matches (skipped)", pattern);
        return 0;
    }
    if (grc != 0) {
        log_error("rule files %s: cannot expand the pattern", pattern);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
        if (rule_set_load_file(rs->rules, g.gl_pathv[i], stderr) != 0)
            rc = 2;
    globfree(&g);
    return rc;
}

/* An auxiliary file: the configuration's key if set (a missing file is a
 * warning, as in Suricata), else the first of the usual places. */
static void load_aux_file(struct run_state *rs, const char *key, const char *default_name)
{
    const char *value = config_get(rs->cfg, key);
    char path[SENSOR_PATH_MAX];
    if (value && *value) {
        vigil_config_relative_path(value, rs->opts.config_path, path, sizeof path);
        if (access(path, R_OK) != 0) {
            log_warning("%s: %s: cannot read: %s", key, path, strerror(errno));
            return;
        }
    } else if (!vigil_find_data_file(default_name, rs->opts.config_path, path, sizeof path)) {
        if (strcmp(key, "threshold-file") != 0)
            log_warning("%s: no %s found (looked in %s, next to the configuration file and in "
                        "%s): alerts get severity 3",
                        key, default_name, vigil_config_dir(), vigil_source_etc_dir());
        return;
    }
    char err[512] = "";
    int rc = 0;
    if (strcmp(key, "classification-file") == 0)
        rc = rule_set_load_classification(rs->rules, path, err, sizeof err);
    else if (strcmp(key, "reference-config-file") == 0)
        rc = rule_set_load_reference_config(rs->rules, path, err, sizeof err);
    else
        rc = rule_set_load_threshold_config(rs->rules, path, stderr) < 0 ? -1 : 0;
    if (rc != 0 && err[0])
        log_warning("%s", err);
    else if (rc == 0)
        log_config("%s: %s", key, path);
}

static int load_config_rule_files(struct run_state *rs)
{
    const struct config_node *files = config_find(rs->cfg, "rule-files");
    const char *dir = config_get(rs->cfg, "default-rule-path");
    for (const struct config_node *n = config_node_first_child(files); n; n = config_node_next(n)) {
        const char *name = config_node_value(n);
        if (!name || !*name)
            continue;
        char path[SENSOR_PATH_MAX];
        if (name[0] == '/' || !dir || !*dir)
            snprintf(path, sizeof path, "%s", name);
        else
            snprintf(path, sizeof path, "%s/%s", dir, name);
        int rc = load_pattern(rs, path, false);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sensor_load_rules(struct run_state *rs, bool for_run)
{
    if (rs->opts.disable_detection)
        return 0;
    bool use_config = !rs->opts.rules_exclusive && config_find(rs->cfg, "rule-files");
    if (rs->opts.rule_file_count == 0 && !use_config) {
        if (rs->opts.test_config)
            log_warning("no rule files: give -S FILE or rule-files in the configuration");
        return 0;
    }
    rs->rules = rule_set_new(rs->cfg);
    if (!rs->rules)
        return 1;
    /* dataset/datarep/iprep: their configuration and the data directory,
     * before the rules that name them are parsed. */
    detect_datasets_configure(rs->cfg, rs->data_dir);
    /* The sensor feeds decoder, stream and application-layer anomalies to
     * detection, so rules using them can load. */
    rule_set_enable_packet_events(rs->rules, true);
    rule_set_enable_app_layer_events(rs->rules, true);
    /* Fingerprint features exist only while computed (Suricata provides
     * them when the TLS parser's ja3/ja4-fingerprints are on). */
    rule_set_set_feature(rs->rules, "ja3", rs->sc.app.ja3_fingerprints);
    rule_set_set_feature(rs->rules, "ja4", rs->sc.app.ja4_fingerprints);
    load_aux_file(rs, "classification-file", "classification.config");
    load_aux_file(rs, "reference-config-file", "reference.config");
    for (int i = 0; i < rs->opts.rule_file_count; i++) {
        int rc = load_pattern(rs, rs->opts.rule_files[i], true);
        if (rc != 0)
            return rc;
    }
    if (use_config) {
        int rc = load_config_rule_files(rs);
        if (rc != 0)
            return rc;
    }
    load_aux_file(rs, "threshold-file", "threshold.config");
    if (detect_datasets_error()) {
        /* As Suricata: a set that cannot be created or loaded stops start-up. */
        log_error("%s", detect_datasets_error());
        return 1;
    }
    rule_set_finalize(rs->rules);
    const struct rule_load_stats *st = rule_set_stats(rs->rules);
    if (st->failed)
        log_warning("rules: %u loaded, %u failed", st->loaded, st->failed);
    else
        log_info("rules: %u loaded", st->loaded);
    /* As Suricata: with --init-errors-fatal any rule that fails to load
     * stops start-up; without it, rule files of which not one rule loads do.
     * -T fails on a rule Suricata would reject too (syntax, unknown keyword,
     * duplicate sid); rules Suricata would load but vigil does not support
     * (a keyword it lacks) are reported, never fatal without the option, so
     * suricata-update's test of a merged ruleset passes as with Suricata. */
    uint32_t invalid = st->failed - st->unsupported;
    bool fatal = rs->opts.init_errors_fatal ? st->failed > 0
                 : rs->opts.test_config     ? invalid > 0
                                            : st->loaded == 0 && invalid > 0;
    if (fatal) {
        log_error("%s", rs->opts.init_errors_fatal ? "rule load errors are fatal "
                                                     "(--init-errors-fatal)"
                        : rs->opts.test_config     ? "invalid rules (-T)"
                                                   : "no rule could be loaded");
        return 1;
    }
    char summary[512];
    size_t unmatchable = rule_set_report_unmatchable(rs->rules, NULL, summary, sizeof summary);
    if (unmatchable)
        log_warning("rules: %zu of %u loaded rules cannot match: no parser for their protocol "
                    "(%s); 'vigil rules check' lists them",
                    unmatchable, st->loaded, summary);
    if (!for_run)
        return 0;
    char err[512] = "";
    struct detect_engine_stats es;
    memset(&es, 0, sizeof es);
    rs->engine = detect_engine_build(rs->rules, NULL, &es, err, sizeof err);
    if (!rs->engine) {
        log_error("cannot build the detection engine: %s", err);
        return 1;
    }
    log_perf("detection engine: %u groups, %u prefilter databases, %u patterns, %u rules "
             "without prefilter (summed over groups), built in %.2f s",
             es.groups, es.databases, es.patterns, es.non_prefilter_rules, es.build_seconds);
    rs->shared.engine = rs->engine;
    app_layer_set_detection_active(true);
    if (rs->sc.fast_enabled) {
        rs->shared.fast_log = fast_log_open(rs->sc.fast_path, &rs->sc.fast_file, err, sizeof err);
        if (!rs->shared.fast_log) {
            log_error("%s", err);
            return 1;
        }
    }
    return 0;
}
