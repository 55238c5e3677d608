/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the YAML configuration loader. Input: YAML text. The
 * tree is walked completely and the typed getters run on every scalar. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"

static size_t walk(const struct config *c, const struct config_node *n, char *key, size_t klen,
                   int depth)
{
    size_t count = 1;
    if (depth > CONFIG_MAX_DEPTH + 2)
        abort(); /* the loader's depth limit was not enforced */
    for (const struct config_node *ch = config_node_first_child(n); ch; ch = config_node_next(ch)) {
        const char *name = config_node_name(ch);
        size_t nl = strlen(name);
        if (klen + nl + 2 < 1024) {
            size_t at = klen;
            if (klen)
                key[at++] = '.';
            memcpy(key + at, name, nl + 1);
            if (!strchr(name, '.')) {
                const char *v = config_get(c, key);
                if (v) {
                    long long i;
                    uint64_t sz;
                    config_get_int(c, key, &i);
                    config_get_size(c, key, &sz);
                    config_get_bool(c, key, false);
                }
            }
            count += walk(c, ch, key, at + nl, depth + 1);
            key[klen] = '\0';
        }
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct config *c = config_load_string((const char *)data, size, "fuzz.yaml", err, sizeof(err));
    if (!c)
        return 0;
    char key[1024] = "";
    walk(c, config_find(c, NULL), key, 0, 0);
    config_set(c, "fuzz.added.key", "1mb");
    config_free(c);
    return 0;
}
