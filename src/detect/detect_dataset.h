/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's datasets and datarep: named sets of values shared by every rule
 * that names them (and by the control socket's dataset-* commands), tested
 * or changed from a sticky buffer:
 *   dataset:<isset|isnotset|set|unset>,<name>[,type <string|md5|sha256|ipv4|ip>]
 *           [,load <file>][,save <file>][,state <file>][,memcap <size>][,hashsize <n>]
 *           [,format <csv|json|ndjson>][,value_key <key>][,match subdomain]
 *           [,context_key <key>][,array_key <path>][,remove_key]
 *   datarep:<name>,<op>,<value>[,load <file>][,type <t>]    op: > < >= <= ==
 * Files: one value per line (strings base64-encoded; md5/sha256 in hex;
 * addresses as text), datarep files "value,reputation"; json/ndjson objects
 * whose value_key (a dotted path) holds the value (Suricata 8's datajson):
 * the object itself, compacted (without the value with remove_key; at most
 * DATASET_CONTEXT_MAX bytes), is the member's context, written by an alert
 * of a rule whose isset matched it as alert.context.<context_key>. json
 * files hold one array (or an object with the array at array_key); ndjson
 * (jsonline) files one object per line. The first of duplicate values wins. load is relative to the rule file's
 * directory, save/state to the data directory (--data-dir); absolute paths
 * and ".." are refused unless datasets.rules.allow-absolute-filenames, and
 * save/state in rules are refused with datasets.rules.allow-write: false.
 *
 * A set is one hash table of the indicator structures' hashing
 * (intel_hash_bytes, random seed) split into 64 stripes, each behind its own
 * mutex, so workers adding values (dataset:set) rarely meet; a set that is
 * only loaded and tested is read under the same short locks. */
#ifndef VIGIL_DETECT_DATASET_H
#define VIGIL_DETECT_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct dataset;

enum dataset_type {
    DATASET_STRING,
    DATASET_MD5,
    DATASET_SHA256,
    DATASET_IPV4,
    DATASET_IP,
};

enum dataset_cmd {
    DATASET_CMD_ISSET,
    DATASET_CMD_ISNOTSET,
    DATASET_CMD_SET,
    DATASET_CMD_UNSET,
    DATASET_CMD_DATAREP, /* datarep: compare the value's reputation */
};

/* One dataset/datarep keyword of a rule (the item's payload). */
struct detect_dataset_kw {
    uint8_t cmd;            /* enum dataset_cmd */
    uint8_t rep_op;         /* datarep: 0 >, 1 <, 2 >=, 3 <=, 4 == */
    bool match_subdomain;   /* string sets: the buffer or any parent domain */
    int64_t rep_value;
    struct dataset *set;    /* registry-owned */
    const char *context_key; /* alert.context key (datajson), registry-owned, or NULL */
};

/* A datajson member's context found by a match: JSON text owned by the set,
 * valid until detect_datasets_finish (sets outlive rule reloads). */
#define DATASET_CONTEXT_MAX 4096
#define DATASET_MAX_CONTEXT 4 /* contexts (keys) one alert carries */
struct detect_dataset_context {
    const char *key;  /* the keyword's context_key */
    const char *json;
    uint32_t len;
};

/* Before rules are parsed: configuration (datasets.* keys, sets declared in
 * the yaml) and the data directory (NULL: the current directory). */
void detect_datasets_configure(const struct config *cfg, const char *data_dir);
/* The rule file being parsed (for relative load paths); NULL after. */
void detect_datasets_rule_file(const char *path);
/* Set when a dataset could not be created or loaded: the run must stop
 * (Suricata fails at start too). The message names the set and file. */
const char *detect_datasets_error(void);

/* Keyword parsers: fill kw from the option text; -1 with err on error. */
int detect_dataset_parse(const char *opts, struct detect_dataset_kw *kw, char *err, size_t errlen);
int detect_datarep_parse(const char *opts, struct detect_dataset_kw *kw, char *err, size_t errlen);

/* Evaluates the keyword on a buffer (after transforms). On an isset match of
 * a member that has a context, with a context_key on the keyword, fills *ctx
 * (if not NULL); else sets ctx->json to NULL. */
bool detect_dataset_match(const struct detect_dataset_kw *kw, const uint8_t *data, uint32_t len,
                          struct detect_dataset_context *ctx);

/* Writes save/state files (with save: after a run, not after -T or a
 * failed start) and frees every set (at exit). */
void detect_datasets_finish(bool save);

/* For the control socket (dataset-add, dataset-remove, dataset-lookup,
 * dataset-clear, dataset-dump): value as text (strings base64 as in files).
 * Return 1 (added/removed/found), 0 (not), or -1 with err. */
int detect_dataset_cmd_add(const char *name, const char *type, const char *value, char *err,
                           size_t errlen);
/* dataset-add-json (Suricata 8): the value with json (any JSON text, kept
 * compacted, at most DATASET_CONTEXT_MAX bytes) as its context. A member
 * already in the set keeps its context (0); a removed one takes the new. */
int detect_dataset_cmd_add_json(const char *name, const char *type, const char *value,
                                const char *json, char *err, size_t errlen);
int detect_dataset_cmd_remove(const char *name, const char *type, const char *value, char *err,
                              size_t errlen);
int detect_dataset_cmd_lookup(const char *name, const char *type, const char *value, char *err,
                              size_t errlen);
int detect_dataset_cmd_clear(const char *name, const char *type, char *err, size_t errlen);
/* Writes every set's save/state file now. */
int detect_dataset_cmd_dump(char *err, size_t errlen);

#endif
