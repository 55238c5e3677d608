/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_tlp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hub/stix_validate.h"

static const char *const tlp_names[] = {"clear", "green", "amber", "amber+strict", "red"};

int hub_tlp_rank(const char *tlp)
{
    for (int i = 0; i < 5; i++)
        if (tlp && strcmp(tlp, tlp_names[i]) == 0)
            return i;
    return -1;
}

const char *hub_tlp_canonical(const char *name)
{
    if (!name)
        return NULL;
    if (strncasecmp(name, "tlp:", 4) == 0)
        name += 4;
    if (strcasecmp(name, "white") == 0)
        return "clear";
    for (int i = 0; i < 5; i++)
        if (strcasecmp(name, tlp_names[i]) == 0)
            return tlp_names[i];
    return NULL;
}

const char *hub_tlp_of_object(const json_t *obj, const char *dflt)
{
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *id = json_string_value(json_object_get(obj, "id"));
    if (type && id && strcmp(type, "marking-definition") == 0 && stix_tlp_marking_normalize(id))
        return "clear";
    int best = -1;
    const json_t *refs = json_object_get(obj, "object_marking_refs");
    size_t i;
    const json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *name = stix_tlp_marking_normalize(json_string_value(ref));
        int rank = hub_tlp_rank(name);
        if (rank > best)
            best = rank;
    }
    return best >= 0 ? tlp_names[best] : dflt;
}

bool hub_collection_is_member(const struct hub_collection *coll, const struct hub_org *org)
{
    switch (coll->kind) {
    case HUB_COLL_NATIONAL:
        return true;
    case HUB_COLL_SECTOR:
        return strcmp(coll->sector, org->sector) == 0;
    case HUB_COLL_ORG:
        return coll->org_id == org->id;
    }
    return false;
}

bool hub_collection_can_read(const struct hub_collection *coll, const struct hub_caller *caller)
{
    (void)coll;
    (void)caller;
    return true;
}

bool hub_collection_can_write(const struct hub_collection *coll, const struct hub_caller *caller)
{
    if (coll->kind == HUB_COLL_ORG)
        return coll->org_id == caller->org.id;
    if (caller->role == HUB_ROLE_SENSOR)
        return false;
    if (caller->org.coordinator)
        return true;
    return hub_collection_is_member(coll, &caller->org);
}

bool hub_tlp_visible(const char *tlp, int64_t producer_org, bool is_recipient, bool member,
                     const struct hub_caller *caller)
{
    int rank = hub_tlp_rank(tlp);
    if (producer_org == caller->org.id)
        return true;
    switch (rank) {
    case 0:
    case 1:
        return true;
    case 2:
    case 3:
        return member || caller->org.coordinator;
    case 4:
        return is_recipient;
    default:
        return false;
    }
}

void hub_tlp_sql(char *buf, size_t len, bool member, const struct hub_caller *caller, int org_param)
{
    bool amber = member || caller->org.coordinator;
    /* Quarantined lineages (an id colliding with an object its poster could
     * not see, hub_objects.c) are for their poster only. */
    snprintf(buf, len,
             "(o.lineage = 0 OR o.lineage = $%d) AND (o.producer_org = $%d OR o.tlp IN ('clear',"
             " 'green'%s) OR (o.tlp = 'red' AND EXISTS (SELECT 1 FROM object_recipients r"
             " WHERE r.object_id = o.id AND r.org_id = $%d)))",
             org_param, org_param, amber ? ", 'amber', 'amber+strict'" : "", org_param);
}
