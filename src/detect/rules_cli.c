/* SPDX-License-Identifier: Apache-2.0 */
/* `vigil rules check [--strict] [-c suricata.yaml] [--set k=v] FILE...`:
 * loads rule files as the sensor would, prints every rule that is not
 * loaded (file:line: sid: keyword: message), a summary by reason, and ends
 * with "rules: N loaded, N failed". */
#include "detect/detect_lua.h"
#include "detect/rules_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/detect_engine.h"
#include "detect/rule_set.h"
#include "util/config.h"
#include "util/paths.h"

static void usage(FILE *out)
{
    fputs("usage: vigil rules check [options] FILE...\n"
          "\n"
          "Loads Suricata/Snort rule files and reports every rule that cannot be\n"
          "loaded, with the reason, and every rule that loads but cannot match\n"
          "(\"no parser for PROTO\"). Ends with 'rules: N loaded, N failed'; exits 1\n"
          "when no rule loads.\n"
          "\n"
          "Options:\n"
          "  -c FILE             suricata.yaml-style configuration (vars, classification-file,\n"
          "                      threshold-file)\n"
          "  --set KEY=VALUE     override a configuration value (repeatable)\n"
          "  --classification F  classification.config (default: from -c, else where the\n"
          "                      sensor finds it, else next to the first rules file)\n"
          "  --threshold F       threshold.config with suppress/event_filter lines\n"
          "  --strict            exit 1 if any rule failed\n"
          "  --build             also build the detection engine (Hyperscan) and report it\n"
          "  -q, --quiet         only print the summary\n",
          out);
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Resolves a path from the configuration relative to the configuration file. */
static void config_path(const char *cfg_file, const char *value, char *out, size_t outlen)
{
    if (value[0] == '/' || !cfg_file) {
        snprintf(out, outlen, "%s", value);
        return;
    }
    const char *slash = strrchr(cfg_file, '/');
    if (slash)
        snprintf(out, outlen, "%.*s/%s", (int)(slash - cfg_file), cfg_file, value);
    else
        snprintf(out, outlen, "%s", value);
}

static int rules_check(int argc, char **argv)
{
    bool strict = false, quiet = false, build = false;
    const char *cfg_file = NULL, *class_file = NULL, *thr_file = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof(*sets));
    const char **files = calloc((size_t)argc + 1, sizeof(*files));
    int nsets = 0, nfiles = 0, rc = 0;
    struct config *cfg = NULL;
    struct rule_set *rs = NULL;
    char **cfg_paths = NULL;
    int ncfg_paths = 0;
    if (!sets || !files) {
        fprintf(stderr, "vigil: rules: out of memory\n");
        rc = 1;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--strict")) {
            strict = true;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!strcmp(a, "--build")) {
            build = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            goto out;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--set") || !strcmp(a, "--classification") ||
                   !strcmp(a, "--threshold")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vigil: rules check: %s needs an argument\n", a);
                rc = 2;
                goto out;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-c"))
                cfg_file = v;
            else if (!strcmp(a, "--set"))
                sets[nsets++] = v;
            else if (!strcmp(a, "--classification"))
                class_file = v;
            else
                thr_file = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vigil: rules check: unknown option '%s'\n", a);
            rc = 2;
            goto out;
        } else {
            files[nfiles++] = a;
        }
    }
    char err[1024];
    if (nfiles == 0 && !cfg_file) {
        fprintf(stderr, "vigil: rules check: no rule files given\n");
        usage(stderr);
        rc = 2;
        goto out;
    }
    if (cfg_file) {
        cfg = config_load_file(cfg_file, err, sizeof(err));
        if (!cfg) {
            fprintf(stderr, "vigil: rules check: %s\n", err);
            rc = 1;
            goto out;
        }
    } else {
        cfg = config_new();
    }
    /* lua: scripts are found under default-rule-path, with security.lua. */
    if (cfg)
        detect_lua_configure(cfg);
    /* No files: the configuration's rule-files under default-rule-path. */
    if (nfiles == 0) {
        const struct config_node *rf = config_find(cfg, "rule-files");
        const char *dir = config_get(cfg, "default-rule-path");
        size_t cnt = config_node_child_count(rf);
        cfg_paths = calloc(cnt + 1, sizeof(*cfg_paths));
        const char **nf = realloc(files, (cnt + 1) * sizeof(*files));
        if (nf)
            files = nf;
        if (!cfg_paths || !nf) {
            fprintf(stderr, "vigil: rules: out of memory\n");
            rc = 1;
            goto out;
        }
        for (const struct config_node *n = config_node_first_child(rf); n;
             n = config_node_next(n)) {
            const char *v = config_node_value(n);
            if (!v)
                continue;
            char p[4096], d[4096];
            if (v[0] != '/' && dir) {
                config_path(cfg_file, dir, d, sizeof(d));
                snprintf(p, sizeof(p), "%.2000s/%.2000s", d, v);
            } else {
                config_path(cfg_file, v, p, sizeof(p));
            }
            cfg_paths[ncfg_paths] = strdup(p);
            if (cfg_paths[ncfg_paths])
                files[nfiles++] = cfg_paths[ncfg_paths++];
        }
        if (nfiles == 0) {
            fprintf(stderr, "vigil: rules check: no rule files given and none in %s\n", cfg_file);
            rc = 2;
            goto out;
        }
    }
    for (int i = 0; i < nsets; i++) {
        if (config_set_assignment(cfg, sets[i]) != 0) {
            fprintf(stderr, "vigil: rules check: --set '%s': expected KEY=VALUE\n", sets[i]);
            rc = 2;
            goto out;
        }
    }
    rs = rule_set_new(cfg);
    if (!rs) {
        fprintf(stderr, "vigil: rules: out of memory\n");
        rc = 1;
        goto out;
    }
    /* The sensor evaluates decoder, stream and app-layer events: rules that
     * use them load here exactly as they do in `vigil run`. */
    rule_set_enable_packet_events(rs, true);
    rule_set_enable_app_layer_events(rs, true);
    char path[4096];
    if (!class_file && config_get(cfg, "classification-file")) {
        config_path(cfg_file, config_get(cfg, "classification-file"), path, sizeof(path));
        if (file_exists(path))
            class_file = path;
    }
    char guess[4096], found[4096];
    /* As the sensor: the configuration directory, next to the configuration
     * file, the source tree's etc/ (util/paths.h); then next to the rules. */
    if (!class_file && vigil_find_data_file("classification.config", cfg_file, found, sizeof found))
        class_file = found;
    if (!class_file) {
        const char *slash = strrchr(files[0], '/');
        if (slash)
            snprintf(guess, sizeof(guess), "%.*s/classification.config", (int)(slash - files[0]),
                     files[0]);
        else
            snprintf(guess, sizeof(guess), "classification.config");
        if (file_exists(guess))
            class_file = guess;
    }
    if (class_file && rule_set_load_classification(rs, class_file, err, sizeof(err)) != 0) {
        fprintf(stderr, "vigil: rules check: %s\n", err);
        rc = 1;
        goto out;
    }
    char tpath[4096];
    if (!thr_file && config_get(cfg, "threshold-file")) {
        config_path(cfg_file, config_get(cfg, "threshold-file"), tpath, sizeof(tpath));
        thr_file = tpath;
    }
    FILE *report = quiet ? NULL : stdout;
    int bad_threshold = 0;
    if (thr_file) {
        int t = rule_set_load_threshold_config(rs, thr_file, stdout);
        if (t < 0) {
            rc = 1;
            goto out;
        }
        bad_threshold = t;
    }
    bool read_failed = false;
    for (int i = 0; i < nfiles; i++) {
        struct rule_load_stats before = *rule_set_stats(rs);
        if (rule_set_load_file(rs, files[i], report) < 0) {
            /* reported (to stdout, or here when quiet); the other files go on */
            if (quiet)
                fprintf(stderr, "vigil: rules check: cannot read %s\n", files[i]);
            read_failed = true;
            continue;
        }
        /* The dialect of the file, by what its rules are written in: rules
         * in Snort 3's own forms (sticky buffers before their content,
         * content's option form, header-less rules, service:, ...) are
         * read as Snort 3 and translated. */
        const struct rule_load_stats *now = rule_set_stats(rs);
        uint32_t all = (now->loaded - before.loaded) + (now->failed - before.failed) +
                       (now->skipped - before.skipped);
        uint32_t s3 = now->snort3 - before.snort3;
        /* A Suricata file has none of those forms (Suricata would reject
         * them); in a Snort 3 file the rules without them read the same in
         * both dialects. */
        printf("%s: dialect %s: %u rules (%u in Snort 3's own forms), %u loaded, %u failed\n",
               files[i], s3 ? "snort3" : "suricata", all, s3, now->loaded - before.loaded,
               now->failed - before.failed);
    }
    rule_set_finalize(rs);
    const struct rule_load_stats *st = rule_set_stats(rs);
    if (st->failed) {
        printf("failures by reason:\n");
        rule_set_print_reasons(rs, stdout);
    }
    /* Rules that load but can never match in this build. */
    char summary[512];
    size_t unmatchable = rule_set_report_unmatchable(rs, report, summary, sizeof(summary));
    if (unmatchable)
        printf("cannot match (no parser for their protocol): %zu rules: %s\n", unmatchable,
               summary);
    if (build) {
        struct detect_engine_stats es;
        struct detect_engine *de = detect_engine_build(rs, NULL, &es, err, sizeof(err));
        if (!de) {
            fprintf(stderr, "vigil: rules check: engine build failed: %s\n", err);
            rc = 1;
            goto out;
        }
        printf("engine: %u groups, %u prefilter databases, %u patterns, %u rules without "
               "prefilter, %.1f MB of databases, build %.3f s\n",
               es.groups, es.databases, es.patterns, es.non_prefilter_rules,
               (double)es.database_bytes / (1024.0 * 1024.0), es.build_seconds);
        detect_engine_free(de);
    }
    if (st->skipped)
        printf("rules: %u loaded, %u failed, %u skipped (requirements not met)\n", st->loaded,
               st->failed, st->skipped);
    else
        printf("rules: %u loaded, %u failed\n", st->loaded, st->failed);
    if (st->loaded == 0 && st->skipped == 0) {
        fprintf(stderr, "vigil: rules check: no rule loaded from %s%s\n", files[0],
                nfiles > 1 ? " and the other files" : "");
        rc = 1;
    }
    if (read_failed || (strict && (st->failed || bad_threshold)))
        rc = 1;
out:
    for (int i = 0; i < ncfg_paths; i++)
        free(cfg_paths[i]);
    free(cfg_paths);
    rule_set_free(rs);
    config_free(cfg);
    free(sets);
    free(files);
    return rc;
}

int rules_cli_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "check"))
        return rules_check(argc - 1, argv + 1);
    fprintf(stderr, "vigil: rules: unknown subcommand '%s' (try 'vigil rules --help')\n", argv[1]);
    return 2;
}
