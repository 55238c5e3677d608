/* SPDX-License-Identifier: Apache-2.0 */
/* STIX 2.1 patterning language (STIX 2.1 specification, section 9):
 * a parser to an immutable tree, plus accessors that let a sensor turn simple
 * indicators into detections. See docs/stix.md for the grammar coverage. */
#ifndef VIGIL_INTEL_STIX_PATTERN_H
#define VIGIL_INTEL_STIX_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

struct stix_pattern;

/* Maximum pattern length and nesting depth accepted (bad input must not
 * exhaust the stack or memory). */
#define STIX_PATTERN_MAX_LEN (64 * 1024)
#define STIX_PATTERN_MAX_DEPTH 64

/* Parses a pattern. Returns NULL on error with err naming the byte offset and
 * what was expected ("offset 12: expected ']' ..."). The caller frees the
 * result with stix_pattern_free. */
struct stix_pattern *stix_pattern_parse(const char *text, char *err, size_t errlen);
void stix_pattern_free(struct stix_pattern *p);

/* Calls fn for every comparison expression, left to right. object_type is the
 * SCO type ("file"), property_path the path after ':' as written
 * ("hashes.'SHA-256'", "extensions.'x'.sections[*].entropy"), op the operator
 * in upper case ("=", "!=", ">", "<", ">=", "<=", "IN", "LIKE", "MATCHES",
 * "ISSUBSET", "ISSUPERSET", "EXISTS"); value the constant rendered as a
 * string: strings unescaped, numbers and booleans as written, t'..'/h'..'/b'..'
 * as their inner text, sets as "(v1, v2)" with string items quoted; NULL for
 * EXISTS. negated is true if NOT was applied. The strings are only valid
 * during the call. A non-zero return from fn stops the walk and is returned. */
int stix_pattern_foreach_comparison(const struct stix_pattern *p,
                                    int (*fn)(const char *object_type, const char *property_path,
                                              const char *op, const char *value, bool negated,
                                              void *ctx),
                                    void *ctx);

/* True if the pattern is a single observation expression without qualifiers
 * whose comparisons are only equality tests (not negated) joined by OR, e.g.
 * "[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '5.6.7.8']": the shape a
 * sensor can match on one observable. */
bool stix_pattern_is_simple_disjunction(const struct stix_pattern *p);

/* The same shape with any operator (IN, LIKE, ...): every comparison alone
 * decides a match, so a sensor that can test each one can match the whole. */
bool stix_pattern_is_disjunction(const struct stix_pattern *p);

/* True if type is a STIX 2.1 SCO type (or a custom "x-" type). */
bool stix_pattern_sco_type_is_known(const char *type);

/* Parses a STIX timestamp (RFC 3339, "Z" only, optional fraction of any
 * length; digits past nanoseconds are ignored) of len bytes into seconds since
 * the epoch and nanoseconds. Returns 0 or -EINVAL. Shared with the hub's
 * validator so both read timestamps the same way. */
int stix_timestamp_parse(const char *s, size_t len, long long *sec, long *nsec);

#endif
