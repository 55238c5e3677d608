/* SPDX-License-Identifier: Apache-2.0 */
/* Rule reload: a new rule set takes over the unchanged rules of the one it
 * replaces instead of parsing them again (rule_set_inherit in rule_set.h).
 *
 * A rule's meaning depends on its text and on the context it was parsed in:
 * address and port variables, the classification and reference tables, the
 * event options and the ids of flowbit/flowint/xbit names. The successor
 * inherits the names (same ids) and records its context when its first rule
 * is added; when that context equals the donor's, a rule with the same text
 * is a shallow copy of the donor's struct rule sharing every pointer (text,
 * address lists, content lists, compiled pcre), whose reference count
 * (struct rule_share) frees them with the last copy. Only id, file, line and
 * the class id (the class table may differ past the configured classes) are
 * the copy's own. A reload of an unchanged ET Open thus costs one struct rule
 * per rule instead of the whole parse (about 440 bytes instead of 3 KB).
 *
 * The donor is only read, so workers may keep using it meanwhile. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule_internal.h"

struct rule_share {
    _Atomic uint32_t refs;
};

struct rule_reuse_index {
    uint32_t *slots; /* donor rule index + 1, 0 empty */
    uint32_t nslots;
};

struct rule_share *rule_share_new(void)
{
    struct rule_share *s = malloc(sizeof *s);
    if (s)
        atomic_init(&s->refs, 1);
    return s;
}

bool rule_share_release(struct rule *r)
{
    if (!r->share)
        return false;
    if (atomic_fetch_sub(&r->share->refs, 1) > 1)
        return true;
    free(r->share);
    r->share = NULL;
    return false;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

void rule_reuse_record_context(struct rule_set *rs)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < rs->nvars; i++) {
        h = fnv_str(h, rs->vars[i].name);
        h = fnv_str(h, rs->vars[i].value);
        h = fnv(h, &rs->vars[i].is_port, sizeof rs->vars[i].is_port);
    }
    h = fnv(h, &rs->have_classification, sizeof rs->have_classification);
    for (size_t i = 0; i < rs->nclasses; i++) {
        h = fnv_str(h, rs->classes[i].name);
        h = fnv(h, &rs->classes[i].priority, sizeof rs->classes[i].priority);
    }
    for (size_t i = 0; i < rs->nref_types; i++) {
        h = fnv_str(h, rs->ref_types[i].key);
        h = fnv_str(h, rs->ref_types[i].value);
    }
    uint8_t ev[2] = {rs->app_events, rs->pkt_events};
    h = fnv(h, ev, sizeof ev);
    rs->context_hash = h;
    rs->context_recorded = true;
}

int rule_set_inherit(struct rule_set *rs, const struct rule_set *prev)
{
    if (!prev)
        return 0;
    if (rs->nrules || rs->donor)
        return -EINVAL;
    for (int k = 0; k < RULE_VAR_KIND_MAX; k++) {
        if (rs->vars_by_kind[k].count)
            return -EINVAL;
        for (uint32_t i = 0; i < prev->vars_by_kind[k].count; i++) {
            uint32_t id;
            if (name_table_intern(&rs->vars_by_kind[k], prev->vars_by_kind[k].names[i], &id))
                return -ENOMEM;
        }
    }
    if (!prev->context_recorded || prev->nrules == 0)
        return 0; /* nothing to share */
    struct rule_reuse_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return -ENOMEM;
    ix->nslots = 64;
    while (ix->nslots < prev->nrules * 2)
        ix->nslots *= 2;
    ix->slots = calloc(ix->nslots, sizeof *ix->slots);
    if (!ix->slots) {
        free(ix);
        return -ENOMEM;
    }
    for (size_t i = 0; i < prev->nrules; i++) {
        const struct rule *r = prev->rules[i];
        if (!r->share || !r->text || !r->finalized)
            continue;
        uint32_t slot = (uint32_t)fnv_str(1469598103934665603ull, r->text) & (ix->nslots - 1);
        while (ix->slots[slot])
            slot = (slot + 1) & (ix->nslots - 1);
        ix->slots[slot] = (uint32_t)i + 1;
    }
    rs->reuse = ix;
    rs->donor = prev;
    return 0;
}

/* The class of a copied rule in the new set's table (the same index for
 * the configured classes; classes added while parsing are found by name or
 * appended, as the parser does). -2 on allocation failure. */
static int map_class(struct rule_set *rs, const struct rule_set *donor, int id)
{
    if (id < 0 || (size_t)id >= donor->nclasses)
        return -1;
    const struct rule_classification *c = &donor->classes[id];
    int mine = rule_set_classification_lookup(rs, c->name);
    if (mine >= 0)
        return mine;
    struct rule_classification *nc = realloc(rs->classes, (rs->nclasses + 1) * sizeof *nc);
    if (!nc)
        return -2;
    rs->classes = nc;
    nc[rs->nclasses].name = strdup(c->name);
    nc[rs->nclasses].description = strdup(c->description ? c->description : c->name);
    nc[rs->nclasses].priority = c->priority;
    if (!nc[rs->nclasses].name || !nc[rs->nclasses].description) {
        free(nc[rs->nclasses].name);
        free(nc[rs->nclasses].description);
        return -2;
    }
    return (int)rs->nclasses++;
}

struct rule *rule_reuse_find(struct rule_set *rs, const char *text)
{
    const struct rule_set *d = rs->donor;
    struct rule_reuse_index *ix = rs->reuse;
    if (!d || !ix || !rs->context_recorded || rs->context_hash != d->context_hash)
        return NULL;
    uint32_t slot = (uint32_t)fnv_str(1469598103934665603ull, text) & (ix->nslots - 1);
    const struct rule *src = NULL;
    for (; ix->slots[slot]; slot = (slot + 1) & (ix->nslots - 1)) {
        const struct rule *r = d->rules[ix->slots[slot] - 1];
        if (strcmp(r->text, text) == 0) {
            src = r;
            break;
        }
    }
    if (!src)
        return NULL;
    int cls = map_class(rs, d, src->class_id);
    if (cls == -2)
        return NULL;
    struct rule *copy = malloc(sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *src;
    copy->class_id = cls;
    copy->file = NULL;
    copy->line = 0;
    atomic_fetch_add(&src->share->refs, 1);
    rs->reused++;
    return copy;
}

void rule_reuse_free(struct rule_set *rs)
{
    if (rs->reuse) {
        free(rs->reuse->slots);
        free(rs->reuse);
        rs->reuse = NULL;
    }
    rs->donor = NULL;
}

uint32_t rule_set_reused_count(const struct rule_set *rs)
{
    return rs->reused;
}
