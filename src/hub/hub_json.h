/* SPDX-License-Identifier: Apache-2.0 */
/* Compact serialisation of jansson values for storage and answers: the same
 * text as json_dumps(v, JSON_COMPACT) (members in insertion order, reals as
 * %.17g), written with the reusable util/json writer of the calling thread.
 * jansson's dumper checks every object and array for reference loops with a
 * formatted pointer in a hash table, which made serialising a posted
 * envelope's objects and its status a sixth of the hub's bulk-ingest CPU. */
#ifndef VIGIL_HUB_JSON_H
#define VIGIL_HUB_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Returns a malloc'd NUL-terminated text (length in *len if len is not
 * NULL), or NULL when out of memory. Falls back to json_dumps for values
 * nested deeper than the writer goes. */
char *hub_json_compact(const json_t *v, size_t *len);

#endif
