/* SPDX-License-Identifier: Apache-2.0 */
/* A set of parsed rules with everything they refer to: address and port
 * variables (from the YAML configuration, or Suricata's defaults),
 * classification.config, reference.config, threshold.config, the names of
 * flowbits/flowint/xbits variables, and the load report (loaded, failed,
 * failures by reason).
 *
 * Loading never stops at a bad rule: the rule is reported (file, line, sid,
 * keyword, message) and skipped. The set owns its rules; rule_set_free()
 * frees everything. After rule_set_finalize() the set is immutable and may
 * be shared by worker threads. */
#ifndef VIGIL_DETECT_RULE_SET_H
#define VIGIL_DETECT_RULE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/rule.h"

struct config;
struct rule_set;

/* Longest rule accepted (after joining continuation lines). */
#define RULE_MAX_LEN (64 * 1024)

struct rule_error {
    uint32_t sid;      /* 0 if not parsed yet */
    char keyword[48];  /* offending keyword or header field */
    char reason[96];   /* short category for the summary */
    char message[512]; /* full explanation */
};

struct rule_classification {
    char *name;
    char *description;
    int priority;
};

enum rule_threshold_cfg_type {
    RULE_TCFG_SUPPRESS,
    RULE_TCFG_EVENT_FILTER, /* also "threshold" lines */
    RULE_TCFG_RATE_FILTER,
};
struct rule_threshold_cfg {
    uint8_t type;      /* enum rule_threshold_cfg_type */
    uint32_t gid, sid; /* sid 0 = all */
    struct rule_threshold t;
    struct rule_addr_set ip; /* suppress: the addresses (any when absent) */
    bool has_ip;
    uint8_t new_action; /* rate_filter */
    uint32_t timeout;
};

struct rule_load_stats {
    uint32_t loaded;
    uint32_t failed;
    /* Of failed: a keyword, option or protocol vigil lacks, or an error in a
     * keyword's value (where vigil may accept less than Suricata); the rest
     * (syntax, header, unknown keyword or event, duplicate sid) are invalid
     * in Suricata too. */
    uint32_t unsupported;
    uint32_t commented; /* commented-out rules seen (not counted in failed) */
    /* Rules whose `requires` the engine does not meet (neither loaded nor
     * failed, as Suricata's rules_skipped). */
    uint32_t skipped;
    /* Rules written in Snort 3's forms (translated, rule_snort3.c), of all
     * those read: the dialect `vigil rules check` reports per file. */
    uint32_t snort3;
};

/* New empty set. cfg (may be NULL) is read for vars.address-groups and
 * vars.port-groups now; it is not kept. NULL on allocation failure. */
struct rule_set *rule_set_new(const struct config *cfg);

/* Suricata's action-order: the order in which rules are evaluated by
 * action (a pass rule before a drop rule stops it, ...). rank[] is indexed
 * pass 0, drop 1, reject 2, alert 3 and gets each one's place (default
 * pass, drop, reject, alert). The list must name all four once; otherwise
 * -EINVAL, why says what is wrong and rank keeps the default. */
enum { RULE_ORDER_PASS, RULE_ORDER_DROP, RULE_ORDER_REJECT, RULE_ORDER_ALERT, RULE_ORDER_MAX };
int rule_action_order_parse(const struct config *cfg, uint8_t rank[RULE_ORDER_MAX], char *why,
                            size_t whylen);
const uint8_t *rule_set_action_rank(const struct rule_set *rs);
void rule_set_free(struct rule_set *rs);

/* app-layer-event is parsed into rule->app_event only once the engine that
 * evaluates it is in place: until then such rules are reported unsupported
 * (off by default). Call before loading. */
void rule_set_enable_app_layer_events(struct rule_set *rs, bool on);
/* Same for decode-event and stream-event (rule->pkt_event). */
void rule_set_enable_packet_events(struct rule_set *rs, bool on);

/* A build feature (`requires: feature NAME`: "ja3", "ja4", "lua", ...) the
 * configuration turned off or on again (ja3-fingerprints: no); -ENOENT if
 * vigil has no such feature. Call before loading. */
int rule_set_set_feature(struct rule_set *rs, const char *name, bool present);
/* Rule reload: makes the new, empty set rs the successor of prev, which
 * must stay alive and unchanged until rs is finalized. Flowbit, flowint and
 * xbit names keep the ids they have in prev (per-flow state of the running
 * engine stays valid under the new one), and a rule whose text equals one of
 * prev's, parsed in the same context (variables, classification and
 * reference tables, event options), is not parsed again but shared with
 * prev (its lists, compiled pcre, text: memory is only spent on what
 * changed). Call before loading anything that may add names. 0 or -errno. */
int rule_set_inherit(struct rule_set *rs, const struct rule_set *prev);
/* Rules taken over from the predecessor rather than parsed. */
uint32_t rule_set_reused_count(const struct rule_set *rs);

/* Overrides or adds one variable (address unless is_port). */
int rule_set_set_var(struct rule_set *rs, const char *name, const char *value, bool is_port);
const char *rule_set_get_var(const struct rule_set *rs, const char *name, bool is_port);

/* classification.config: "config classification: name,description,priority". */
int rule_set_load_classification(struct rule_set *rs, const char *path, char *err, size_t errlen);
/* reference.config: "config reference: type url". */
int rule_set_load_reference_config(struct rule_set *rs, const char *path, char *err, size_t errlen);
/* threshold.config: suppress, event_filter, threshold, rate_filter lines.
 * Bad lines are reported to `report` (may be NULL) and skipped; returns the
 * number of bad lines, or -errno if the file cannot be read. */
int rule_set_load_threshold_config(struct rule_set *rs, const char *path, FILE *report);
/* Snort 3's event_filter, suppress and rate_filter tables of a snort.lua
 * (read, not run: rule_snort_lua.c), added as threshold.config entries. Bad
 * entries are reported to `report` (file:line: table: field: why) and
 * skipped; returns their number, or -errno if the file cannot be read. */
int rule_set_load_snort_lua(struct rule_set *rs, const char *path, FILE *report);
/* The same on text in memory; name is used in the reports. */
int rule_set_load_snort_lua_buffer(struct rule_set *rs, const char *data, size_t len,
                                   const char *name, FILE *report);
/* Appends one threshold.config entry (the rule set takes t->ip.ranges). */
int rule_set_add_threshold_cfg(struct rule_set *rs, const struct rule_threshold_cfg *t);
const struct rule_classification *rule_set_classification(const struct rule_set *rs, int id);
int rule_set_classification_lookup(const struct rule_set *rs, const char *name);
size_t rule_set_threshold_cfg_count(const struct rule_set *rs);
const struct rule_threshold_cfg *rule_set_threshold_cfg(const struct rule_set *rs, size_t i);

/* Parses one rule and adds it. Returns 0, or -EINVAL with *e filled (the rule
 * is not added), or 1 when the rule's `requires` are not met (skipped, not
 * added; e->message says why). file may be NULL. */
int rule_set_add_rule(struct rule_set *rs, const char *text, const char *file, uint32_t line,
                      struct rule_error *e);
/* Called for every rule that fails to load (after it is counted), with the
 * file name given to the loader (may be NULL), the line, the rule text (NULL
 * when it is too long or not clean text) and the error. */
typedef void (*rule_failure_fn)(void *ctx, const char *file, uint32_t line, const char *text,
                                const struct rule_error *e);
void rule_set_on_failure(struct rule_set *rs, rule_failure_fn fn, void *ctx);

/* Loads a rules file: joins backslash-continued lines, skips comments and
 * blank lines, counts commented-out rules, reports each failed rule to
 * `report` as "file:line: sid N: keyword 'k': message" (report may be NULL).
 * Returns 0 or -errno if the file cannot be read. */
int rule_set_load_file(struct rule_set *rs, const char *path, FILE *report);
/* Same for text in memory (used by tests and the fuzzer). */
int rule_set_load_buffer(struct rule_set *rs, const char *data, size_t len, const char *name,
                         FILE *report);

/* Chooses fast patterns, derives per-item flags and directions; call once
 * after loading and before building an engine. */
int rule_set_finalize(struct rule_set *rs);

/* The bytes the prefilter looks for in the raw buffer for a rule's fast
 * pattern (after rule_set_finalize): the content or its chop, made caseless
 * under to_lowercase/to_uppercase, without the leading '.' under dotprefix.
 * Returns the buffer id, or -1 when the rule has no usable fast pattern
 * (none, negated, or in a list whose transforms hide it from the raw buffer). */
int rule_prefilter_pattern(const struct rule *r, const uint8_t **p, uint16_t *len, bool *nocase);

const struct rule_load_stats *rule_set_stats(const struct rule_set *rs);
/* Prints "N  reason" lines, most frequent first. */
void rule_set_print_reasons(const struct rule_set *rs, FILE *out);
size_t rule_set_reason_count(const struct rule_set *rs);
/* i-th reason (sorted by count after rule_set_print_reasons or finalize). */
const char *rule_set_reason(const struct rule_set *rs, size_t i, uint32_t *count);

size_t rule_set_count(const struct rule_set *rs);
const struct rule *rule_set_get(const struct rule_set *rs, size_t i);
/* Rule by gid/sid, or NULL. */
const struct rule *rule_set_find(const struct rule_set *rs, uint32_t gid, uint32_t sid);

/* Names of flowbits / flowint / xbits (one namespace per kind). */
enum rule_var_kind { RULE_VAR_FLOWBIT, RULE_VAR_FLOWINT, RULE_VAR_XBIT, RULE_VAR_KIND_MAX };
uint32_t rule_set_var_count(const struct rule_set *rs, enum rule_var_kind kind);
const char *rule_set_var_name(const struct rule_set *rs, enum rule_var_kind kind, uint32_t id);
/* id or -1 */
int64_t rule_set_var_lookup(const struct rule_set *rs, enum rule_var_kind kind, const char *name);

/* Every keyword the rule parser accepts (options, sticky buffers and their
 * legacy names, content modifiers, transforms): fn(name, kind, user). */
/* The application-layer protocol a loaded rule needs but this build has no
 * parser for (the rule can never match), or NULL. */
const char *rule_missing_parser(const struct rule *r);
/* Counts such rules; prints each as "file:line: sid N: no parser for P: ..."
 * to `each` (may be NULL) and a "proto N, proto N" summary into `summary`. */
size_t rule_set_report_unmatchable(const struct rule_set *rs, FILE *each, char *summary,
                                   size_t summary_len);

void rule_keywords_foreach(void (*fn)(const char *name, const char *kind, void *user), void *user);

#endif
