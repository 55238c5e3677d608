/* SPDX-License-Identifier: Apache-2.0 */
/* Indicator sources: STIX 2.1 indicators (files, a hub's TAXII collections)
 * and plain lists (one value per line, CSV, Zeek intel files), read into an
 * intel_builder. */
#ifndef VIGIL_INTEL_SOURCE_H
#define VIGIL_INTEL_SOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intel/intel.h"

/* What a load found; every value that was not used is counted in one of the
 * not-used fields and reported through intel_load_opts.report. */
struct intel_load_stats {
    size_t indicators;  /* STIX indicators read (or list rows) */
    size_t values;      /* values added to the set */
    size_t unmatchable; /* indicators whose pattern cannot be matched on the wire */
    size_t invalid;     /* values or objects that are not valid (bad address, bad JSON...) */
    size_t expired;     /* valid_until in the past */
    size_t revoked;
    size_t not_yet_valid; /* valid_from in the future */
};

/* Per-source options (yaml intel.files entries, --intel FILE). */
struct intel_load_opts {
    int kind;             /* plain lists: force this kind (-1: infer from each value) */
    bool subdomains;      /* domains also cover their subdomains */
    const char *source;   /* meta.source; default: the file name */
    const char *name;     /* meta.name of list entries */
    const char *tlp;      /* list entries' TLP */
    int confidence;       /* list entries' confidence, -1 unknown */
    int64_t now_sec;      /* for valid_until / valid_from (0: the current time) */
    uint32_t generation;  /* first_generation of the metas created */
    /* Called for each unmatchable indicator / invalid value: what (an id or
     * "file:line") and why. May be NULL. */
    void (*report)(void *user, bool unmatchable, const char *what, const char *why);
    void *user;
};

void intel_load_opts_init(struct intel_load_opts *o);

/* Reads a file in any of the supported formats (detected from its content:
 * JSON is STIX, "#fields" a Zeek intel file, else CSV or one value per
 * line). Returns 0, or -errno when the file cannot be read (err names it).
 * Bad lines/objects do not fail the load: they are counted and reported. */
int intel_load_file(struct intel_builder *b, const char *path, const struct intel_load_opts *o,
                    struct intel_load_stats *st, char *err, size_t errlen);

/* Plain-list helpers for data already in memory (also used by tests). */
int intel_load_lines(struct intel_builder *b, const char *data, size_t len, const char *label,
                     const struct intel_load_opts *o, struct intel_load_stats *st);

/* ---- STIX ---- */

/* The parts of a STIX indicator the sensor uses (borrowed from the JSON). */
struct intel_stix_indicator {
    const char *id, *name, *description, *pattern, *pattern_type, *created_by_ref, *modified,
        *created;
    const char *tlp;          /* from object_marking_refs (TLP 1.0/2.0 ids) or NULL */
    int confidence;           /* -1 when absent */
    bool revoked;
    int64_t valid_from, valid_until; /* seconds; valid_until 0: none */
};

/* Reads an indicator object; -1 (with why) if obj is not a usable indicator. */
int intel_stix_indicator_read(const json_t *obj, struct intel_stix_indicator *out, char *why,
                              size_t whylen);

/* Maps a pattern (pattern_type stix) to values: calls emit for each
 * (kind, value, flags). Returns 0, or 1 when the pattern cannot be matched
 * on the wire (why says which part), or -1 when emit failed. */
int intel_stix_pattern_map(const char *pattern,
                           int (*emit)(void *user, enum intel_kind kind, const char *value,
                                       size_t len, unsigned flags),
                           void *user, char *why, size_t whylen);

/* Adds one indicator (already read) with its metadata to the builder;
 * shared_by is the producer's name when known (else created_by_ref).
 * Returns 0 if values were added, 1 if the indicator was skipped (counted in
 * st: unmatchable, expired, revoked...), -ENOMEM. */
int intel_stix_add(struct intel_builder *b, const struct intel_stix_indicator *ind,
                   const char *shared_by, const char *source, const struct intel_load_opts *o,
                   struct intel_load_stats *st);

/* TLP name ("clear", "green", "amber", "amber+strict", "red") of a TLP 1.0 or
 * 2.0 marking-definition id, or NULL. */
const char *intel_tlp_of_marking(const char *marking_id);

#endif
