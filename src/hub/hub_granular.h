/* SPDX-License-Identifier: Apache-2.0 */
/* TLP in STIX granular markings (STIX 2.1 §7.2.3): parts of an object named
 * by selectors ("description", "external_references.[0].url") may carry a
 * stricter TLP than the object. A caller who may see the object but not such
 * a part gets the object without it (hub_granular_redact); when removing a
 * part would leave an invalid object (e.g. an indicator without its
 * pattern), the whole object takes that part's TLP at storage time
 * (hub_granular_classify), so it is withheld instead. */
#ifndef VIGIL_HUB_GRANULAR_H
#define VIGIL_HUB_GRANULAR_H

#include <stdbool.h>
#include <jansson.h>

/* Removes from obj every part whose granular TLP marking has a rank for
 * which hidden(rank, ctx) is true, and those marking entries themselves
 * (granular_markings is removed when it becomes empty). Returns the number
 * of parts removed. */
int hub_granular_redact(json_t *obj, bool (*hidden)(int rank, void *ctx), void *ctx);

/* The strictest TLP rank among obj's granular TLP markings, or -1. */
int hub_granular_max_rank(const json_t *obj);

/* For an object of TLP rank obj_rank: *eff_rank gets the rank the whole
 * object must be stored with (raised where removing the parts of a rank
 * breaks the object), *part_rank the strictest rank of parts above
 * *eff_rank that can be removed for callers who may not see them (-1 if
 * none). */
void hub_granular_classify(const json_t *obj, int obj_rank, int *eff_rank, int *part_rank);

#endif
