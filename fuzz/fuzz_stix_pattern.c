/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the STIX pattern parser: input is pattern text.
 * Parses, then exercises both accessors on whatever parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intel/stix_pattern.h"

static int count_comparison(const char *type, const char *path, const char *op, const char *value,
                            bool negated, void *ctx)
{
    size_t *n = ctx;
    /* Touch every string so ASan sees a dangling or unterminated one. */
    *n += strlen(type) + strlen(path) + strlen(op) + (value ? strlen(value) : 0) + negated;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char err[256];
    struct stix_pattern *p = stix_pattern_parse(text, err, sizeof(err));
    if (p) {
        size_t n = 0;
        stix_pattern_foreach_comparison(p, count_comparison, &n);
        (void)stix_pattern_is_simple_disjunction(p);
        stix_pattern_free(p);
    } else if (strncmp(err, "offset ", 7) != 0) {
        abort(); /* every refusal names an offset */
    }
    free(text);
    return 0;
}
