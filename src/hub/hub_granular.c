/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_granular.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_tlp.h"
#include "hub/stix_validate.h"

static int marking_rank(const json_t *g)
{
    const char *ref = json_string_value(json_object_get(g, "marking_ref"));
    return ref ? hub_tlp_rank(stix_tlp_marking_normalize(ref)) : -1;
}

int hub_granular_max_rank(const json_t *obj)
{
    int best = -1;
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(obj, "granular_markings"), i, g)
    {
        int r = marking_rank(g);
        best = r > best ? r : best;
    }
    return best;
}

#define MAX_TOUCHED 64

/* Removes one selector's part. List elements become null and the list is
 * remembered in touched so that it is compacted once all removals are done
 * (indices of later selectors stay valid meanwhile). */
static int remove_selector(json_t *obj, const char *selector, json_t **touched, int *ntouched)
{
    char path[512];
    snprintf(path, sizeof path, "%s", selector);
    json_t *cur = obj;
    char *save = NULL, *tok = strtok_r(path, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        if (tok[0] == '[') {
            char *end;
            long idx = strtol(tok + 1, &end, 10);
            if (!json_is_array(cur) || *end != ']' || idx < 0 ||
                (size_t)idx >= json_array_size(cur))
                return 0;
            if (!next) {
                if (json_is_null(json_array_get(cur, (size_t)idx)))
                    return 0;
                json_array_set_new(cur, (size_t)idx, json_null());
                bool seen = false;
                for (int i = 0; i < *ntouched; i++)
                    seen = seen || touched[i] == cur;
                if (!seen && *ntouched < MAX_TOUCHED)
                    touched[(*ntouched)++] = cur;
                return 1;
            }
            cur = json_array_get(cur, (size_t)idx);
        } else {
            if (!json_is_object(cur) || !json_object_get(cur, tok))
                return 0;
            if (!next)
                return json_object_del(cur, tok) == 0;
            cur = json_object_get(cur, tok);
        }
        tok = next;
    }
    return 0;
}

int hub_granular_redact(json_t *obj, bool (*hidden)(int rank, void *ctx), void *ctx)
{
    json_t *gm = json_object_get(obj, "granular_markings");
    if (!json_is_array(gm))
        return 0;
    json_incref(gm);
    json_t *keep = json_array();
    json_t *touched[MAX_TOUCHED];
    int ntouched = 0, removed = 0;
    size_t i;
    json_t *g;
    json_array_foreach(gm, i, g)
    {
        int r = marking_rank(g);
        if (r < 0 || !hidden(r, ctx)) {
            json_array_append(keep, g);
            continue;
        }
        size_t j;
        json_t *sel;
        json_array_foreach(json_object_get(g, "selectors"), j, sel)
        {
            const char *s = json_string_value(sel);
            if (s && strcmp(s, "granular_markings") != 0 && strncmp(s, "granular_markings.", 18))
                removed += remove_selector(obj, s, touched, &ntouched);
        }
    }
    for (int t = 0; t < ntouched; t++) {
        for (size_t k = json_array_size(touched[t]); k-- > 0;)
            if (json_is_null(json_array_get(touched[t], k)))
                json_array_remove(touched[t], k);
    }
    if (json_array_size(keep))
        json_object_set_new(obj, "granular_markings", keep);
    else {
        json_decref(keep);
        json_object_del(obj, "granular_markings");
    }
    json_decref(gm);
    return removed;
}

static bool at_least(int rank, void *ctx)
{
    return rank >= *(int *)ctx;
}

void hub_granular_classify(const json_t *obj, int obj_rank, int *eff_rank, int *part_rank)
{
    *eff_rank = obj_rank;
    *part_rank = -1;
    int max = hub_granular_max_rank(obj);
    if (max <= obj_rank)
        return;
    /* From the strictest level down: if removing every part of that level
     * or stricter breaks the object, the object as a whole is that level. */
    for (int level = max; level > obj_rank; level--) {
        json_t *copy = json_deep_copy(obj);
        if (!copy) {
            *eff_rank = max; /* cannot tell: the safe answer */
            return;
        }
        hub_granular_redact(copy, at_least, &level);
        char err[256];
        bool ok = stix_object_validate(copy, err, sizeof err) == 0;
        json_decref(copy);
        if (!ok) {
            *eff_rank = level;
            break;
        }
    }
    if (max > *eff_rank)
        *part_rank = max;
}
