/* SPDX-License-Identifier: Apache-2.0 */
/* Renders decode statistics as one JSON object. A separate translation unit
 * because util/json.h and jansson.h both declare json_string(). */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "util/json.h"

char *stats_json_render(const struct decode_stats *s, size_t *len);

/* Returns a malloc'd copy of {"decoder":...,"defrag":...}; the caller frees. */
char *stats_json_render(const struct decode_stats *s, size_t *len)
{
    struct json_writer w;
    if (json_writer_init(&w, 256) < 0)
        return NULL;
    json_object_begin(&w);
    decode_stats_write_json(s, &w);
    json_object_end(&w);
    char *out = NULL;
    if (!w.failed && (out = malloc(w.len + 1)) != NULL) {
        memcpy(out, w.data, w.len);
        out[w.len] = '\0';
        *len = w.len;
    }
    json_writer_free(&w);
    return out;
}
