/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/detect: the rule set's layout, shared by the loader
 * (rule_set.c), the parser (rule_parse*.c) and the engine builder. */
#ifndef VIGIL_DETECT_RULE_INTERNAL_H
#define VIGIL_DETECT_RULE_INTERNAL_H

#include "detect/rule_set.h"

struct name_table {
    char **names; /* id -> name, owned */
    uint32_t count, cap;
    uint32_t *slots; /* open addressing: id + 1, 0 empty */
    uint32_t nslots;
};
int name_table_intern(struct name_table *t, const char *name, uint32_t *id);
int64_t name_table_find(const struct name_table *t, const char *name);
void name_table_free(struct name_table *t);

struct rule_var {
    char *name;
    char *value;
    bool is_port;
};

struct rule_reason {
    char *text;
    uint32_t count;
};

struct rule_set {
    struct rule **rules;
    uint8_t action_rank[4]; /* action-order (rule_action_order_parse) */
    char *snort3_buf; /* a Snort 3 rule's translation (rule_snort3.c), made on first use */
    size_t nrules, cap;
    struct rule_var *vars;
    size_t nvars;
    struct rule_classification *classes;
    size_t nclasses;
    bool have_classification;
    struct rule_kv *ref_types; /* type -> url prefix */
    size_t nref_types;
    struct rule_threshold_cfg *tcfg;
    size_t ntcfg;
    struct name_table vars_by_kind[RULE_VAR_KIND_MAX];
    struct name_table files;
    /* (gid << 32 | sid) + 1 -> rule index, open addressing */
    uint64_t *sid_keys;
    uint32_t *sid_vals;
    size_t sid_slots, sid_used;
    struct rule_reason *reasons;
    size_t nreasons;
    struct rule_load_stats stats;
    /* rule reload (rule_set_reuse.c): the set this one succeeds, an index
     * of its rules by text, and the context rules were parsed in */
    const struct rule_set *donor;
    struct rule_reuse_index *reuse;
    uint64_t context_hash;
    bool context_recorded;
    uint32_t reused;
    rule_failure_fn on_failure;
    void *on_failure_ctx;
    bool finalized;
    bool app_events;
    bool pkt_events;
    uint32_t features_off; /* build features turned off by configuration (rule_requires.c) */
    /* classtypes rules named that classification.config lacks (Suricata 8
     * loads such rules with priority 3 and warns once per name) */
    char **unknown_classtypes;
    size_t n_unknown_classtypes;
    const char *new_unknown_classtype; /* set by the parser, reported by the loader */
};

/* Rule reload (rule_set_reuse.c). A rule's deep parts are shared between
 * copies through a reference count: rule_share_new() for a parsed rule (NULL
 * on allocation failure: then never shared), rule_share_release() is true
 * while another copy still holds them. */
struct rule_share *rule_share_new(void);
bool rule_share_release(struct rule *r);
/* Records the context rules are parsed in (variables, classification and
 * reference tables, event options) when the first rule is added. */
void rule_reuse_record_context(struct rule_set *rs);
/* A copy of the donor's rule with exactly this text, parsed in the same
 * context, or NULL (then parse it). The copy shares the donor rule's parts;
 * its id, file and line are the caller's to set. */
struct rule *rule_reuse_find(struct rule_set *rs, const char *text);
void rule_reuse_free(struct rule_set *rs);

/* Parses one rule into a new struct rule (caller frees with rule_free);
 * NULL with e filled on failure. */
struct rule *rule_parse(struct rule_set *rs, const char *text, struct rule_error *e);
/* rule_snort3.c: a rule written in Snort 3's dialect, translated into the
 * one rule_parse reads (into buf). False when the rule is not Snort 3's (or
 * has a form that cannot be translated, or buf is too small). */
bool rule_snort3_translate(const char *in, char *buf, size_t buflen);

/* `requires` (rule_requires.c): 0 when the rule text has no requires
 * option or its requirements hold; 1 when they do not (the rule is to be
 * skipped; why says which); -EINVAL when the value is malformed (why says
 * how). Runs before the rule is parsed. */
int rule_requires_check(const struct rule_set *rs, const char *text, char *why, size_t whylen);
/* The Suricata version vigil follows ("9.0.0"), and its build features
 * ("ja3", "ja4", "lua", ...). */
const char *rule_compat_version(void);
bool rule_feature_present(const struct rule_set *rs, const char *name);
/* Whether name is a rule keyword vigil implements (rule_parse.c). */
bool rule_keyword_known(const char *name);

/* Parse a Suricata unsigned-integer condition ("5", "<5", ">=5", "1<>9",
 * "1-9", "!5"); max bounds the values. 0 or -EINVAL. */
int detect_uint_parse(const char *s, uint64_t max, struct detect_uint *out);

#endif
