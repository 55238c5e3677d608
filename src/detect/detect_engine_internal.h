/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine (detect_prefilter.c, detect_inspect.c). */
#ifndef VIGIL_DETECT_ENGINE_INTERNAL_H
#define VIGIL_DETECT_ENGINE_INTERNAL_H

#include <hs/hs.h>

#include "detect/detect_engine.h"

struct hsdb;

struct detect_prefilter_db {
    hs_database_t **db; /* ndb databases, NULL when the buffer has no pattern */
    struct hsdb **hdb;  /* the shared, refcounted objects behind db (detect_hsdb.h) */
    uint32_t *chunk_first; /* map[d] NULL: id i of database d is pattern chunk_first[d] + i */
    uint32_t **map;        /* else map[d][i] is the pattern (UINT32_MAX: masked; rule reload) */
    uint32_t ndb;
    uint32_t npatterns;
    uint32_t *pat_rule_start; /* npatterns + 1 offsets into pat_rules */
    uint32_t *pat_rules;      /* rule ids */
    bool shared;              /* the arrays belong to another group's identical database */
};

/* Stabbing index over address ranges: interval k is [starts[k], starts[k+1])
 * (the last one runs to the top of the space) and holds the rules
 * ids[off[k] .. off[k+1]). */
struct detect_addr_index {
    rule_ip_t *starts;
    uint32_t *off;
    uint32_t *ids;
    uint32_t m;
};

struct detect_group {
    uint32_t *rules; /* owned */
    uint32_t nrules;
    uint32_t *nonpf; /* owned */
    uint32_t nnonpf;
    /* nonpf split by address: rules always candidates, and rules indexed
     * by their (small) source or destination address list */
    uint32_t *nonpf_always;
    uint32_t nnonpf_always;
    struct detect_addr_index by_src, by_dst;
    struct detect_prefilter_db *dbs; /* detect_buffer_count() entries, db NULL when none */
};

struct detect_engine {
    const struct rule_set *rs;
    uint64_t generation;
    struct detect_group **groups; /* owned, deduplicated */
    uint32_t ngroups;
    /* per transport and direction: the any-port group (may be NULL) and a
     * port -> port-group map (index into groups, UINT16_MAX none) */
    struct detect_group *any[DETECT_TRANSPORT_MAX][2];
    uint16_t *port_map[DETECT_TRANSPORT_MAX][2];
    bool any_in_port; /* port groups hold the any-port rules (one group per packet) */
    uint32_t nrules;
    uint32_t max_captures;
};

struct detect_grow_buf {
    uint8_t *data;
    uint32_t cap;
};

struct detect_thread_ctx {
    const struct detect_engine *de;
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_match_context *mctx_nolimit;
    pcre2_jit_stack *jit_stack;
    uint64_t byte_values[RULE_MAX_BYTE_VARS];
    uint32_t buffer_offset;
    uint32_t pcre_match_start_offset;
    uint32_t steps;
    const struct rule *rule;
    /* datajson contexts matched while evaluating `rule` (one per key) */
    struct detect_dataset_context dsctx[DATASET_MAX_CONTEXT];
    uint8_t ndsctx;
    struct detect_grow_buf xform[2];
    struct detect_grow_buf b64;
    /* candidates */
    uint32_t *seen; /* per rule: epoch of last addition */
    uint32_t epoch;
    uint32_t *cand;
    uint32_t ncand;
    uint32_t cand_cap;
    bool sorted;
    const struct detect_prefilter_db *cur_db;
    uint32_t cur_first; /* chunk_first of the database being scanned */
    const uint32_t *cur_map;
};

int detect_grow(struct detect_grow_buf *b, uint32_t need);
void detect_candidate_add(struct detect_thread_ctx *ctx, uint32_t rule_id);

#endif
