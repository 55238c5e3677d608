/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata-style YAML configuration (libyaml), kept as a tree of named nodes.
 *
 * Mappings are nodes whose children carry the keys; sequences are nodes whose
 * children are named "0", "1", ... (as Suricata does), so `outputs.0.eve-log.enabled`
 * addresses the first entry of the `outputs` sequence. When a sequence entry
 * is a mapping, the entry node's value is the first key of that mapping
 * (`outputs.0` has the value "eve-log"), again as Suricata does.
 *
 * Loading handles the "%YAML 1.1" directive and "---", `include: file` (or a
 * list of files) at any mapping level and the `!include` tag on a value, both
 * relative to the including file, and anchors/aliases. A later key replaces
 * an earlier one; mappings merge. Keys are addressed with dots: a key that
 * itself contains a dot cannot be addressed (Suricata has the same limit). */
#ifndef VIGIL_UTIL_CONFIG_H
#define VIGIL_UTIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct config_node;

/* Limits against hostile files. */
#define CONFIG_MAX_DEPTH 64
#define CONFIG_MAX_INCLUDE_DEPTH 8
#define CONFIG_MAX_NODES 200000
#define CONFIG_MAX_FILE_SIZE (16 * 1024 * 1024)

/* An empty configuration. NULL on allocation failure. Free with config_free. */
struct config *config_new(void);
/* Loads a YAML file. NULL on failure with a message naming file and line in
 * err. The caller frees the result with config_free. */
struct config *config_load_file(const char *path, char *err, size_t errlen);
/* Same from a string; `name` is used in messages and includes are resolved
 * relative to the current directory. */
struct config *config_load_string(const char *yaml, size_t len, const char *name, char *err,
                                  size_t errlen);
/* Merges a YAML file into an existing configuration (later keys win). */
int config_merge_file(struct config *c, const char *path, char *err, size_t errlen);
void config_free(struct config *c);

/* Sets a dotted key to a scalar, creating the intermediate nodes (for
 * `--set key=value`). Returns 0, -EINVAL (bad key) or -ENOMEM. */
int config_set(struct config *c, const char *dotted_key, const char *value);
/* Parses "key=value" and calls config_set. */
int config_set_assignment(struct config *c, const char *assignment);

/* Scalar value of a dotted key, or NULL if absent or not a scalar. Valid
 * until the node is changed or the configuration freed. */
const char *config_get(const struct config *c, const char *dotted_key);
/* yes/true/on/1 are true, no/false/off/0 false; dflt if absent or other. */
bool config_get_bool(const struct config *c, const char *key, bool dflt);
/* 0, -ENOENT (absent) or -EINVAL (not an integer or out of range). */
int config_get_int(const struct config *c, const char *key, long long *out);
/* Sizes as Suricata accepts them: "4096", "4kb", "64mb", "1gb", "1.5mb"
 * (units are powers of 1024, case-insensitive, "k"/"m"/"g" also accepted).
 * 0, -ENOENT or -EINVAL. */
int config_get_size(const struct config *c, const char *key, uint64_t *out);
/* The parsers used by the getters, for values from other sources. */
int config_parse_size(const char *s, uint64_t *out);
int config_parse_bool(const char *s, bool *out);

/* Tree access. config_find(c, NULL or "") returns the root. */
const struct config_node *config_find(const struct config *c, const char *dotted_key);
const struct config_node *config_node_child(const struct config_node *n, const char *name);
const struct config_node *config_node_find(const struct config_node *n, const char *dotted_key);
const struct config_node *config_node_first_child(const struct config_node *n);
const struct config_node *config_node_next(const struct config_node *n);
const char *config_node_name(const struct config_node *n);
/* The scalar value, or for a sequence entry that is a mapping its first key; else NULL.
 * Marks the node as read (see config_foreach_unused). */
const char *config_node_value(const struct config_node *n);
/* The same without marking: for dispatching on a name (an entry of a list of
 * event types) that the caller may not support. */
const char *config_node_peek_value(const struct config_node *n);
/* Marks a node (or a whole subtree) as read. */
void config_node_mark_used(const struct config_node *n);
void config_node_mark_subtree_used(const struct config_node *n);
bool config_node_is_used(const struct config_node *n);
bool config_node_is_sequence(const struct config_node *n);
/* Line of the node in its source file (0 when set from the command line). */
int config_node_line(const struct config_node *n);
/* File the node came from (NULL when set from the command line). */
const char *config_node_file(const struct config_node *n);
size_t config_node_child_count(const struct config_node *n);

/* Keys no consumer read (config_get, config_get_*, config_node_value, or
 * marked): fn(path, node) for each unread key, or once for a whole section
 * nobody read, with a dotted path whose sequence indexes are left out
 * ("outputs.eve-log.xff.mode", "af-packet.cluster-id"). A list of plain
 * values counts as read when any of its values was; its values are data, so
 * a consumer that cannot use one reports it itself. A mapping with
 * "enabled: no" is skipped: switched off, it changes nothing. */
void config_foreach_unused(const struct config *c,
                           void (*fn)(const char *path, const struct config_node *n, void *user),
                           void *user);

/* Prints every node as Suricata's --dump-config does: "dotted.key = value",
 * sequence entries by index ("rule-files.0 = a.rules"), a mapping entry of a
 * sequence with its first key as value ("outputs.0 = fast"). */
void config_dump(const struct config *c, FILE *out);

#endif
