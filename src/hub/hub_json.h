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

/* jansson allocations of the hub process. Parsing a posted envelope of 1000
 * objects makes tens of thousands of small allocations that all die
 * together with the envelope: json_loadb and json_decref of envelopes were
 * a quarter of the hub's bulk-ingest CPU, malloc/free most of it (perf,
 * issue 12). While a thread's arena is active, jansson's allocations on that
 * thread are cut from large chunks and their frees cost nothing; the chunks
 * are reused by the thread's next envelope.
 *
 * hub_json_alloc_install() routes every jansson allocation through the
 * hub's functions; it must run before any jansson value exists in the
 * process (first thing in `vigil hub`), and afterwards memory returned by
 * jansson (json_dumps) must be freed with hub_json_free(), not free().
 * Without it the arena calls below do nothing. */
void hub_json_alloc_install(void);
void hub_json_free(void *p);

/* Makes the calling thread's arena receive its jansson allocations until
 * hub_json_arena_end(). Values allocated meanwhile may be changed and freed
 * from any thread (freeing does nothing) but must all be gone before
 * hub_json_arena_reset() on this thread, which recycles the memory. */
void hub_json_arena_begin(void);
void hub_json_arena_end(void);
void hub_json_arena_reset(void);
/* Bytes handed out by the calling thread's arena since its last reset. */
size_t hub_json_arena_used(void);

/* A request body parsed as json_loadb(buf, len, JSON_REJECT_DUPLICATES, err)
 * does, fast (hub_json_parse.c): the same values and, since anything that is
 * not plainly valid goes to jansson itself, the same errors. */
json_t *hub_json_loadb(const char *buf, size_t len, json_error_t *err);
/* The fast path alone: NULL whenever it cannot decide (jansson then must). */
json_t *hub_json_parse_fast(const char *buf, size_t len);

#endif
