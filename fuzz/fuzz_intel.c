/* SPDX-License-Identifier: Apache-2.0 */
/* Indicator input and wire names: the first byte picks the target,
 *  0: a list file (plain, CSV or Zeek intel) through intel_load_lines, the
 *     set built and every line looked up in it;
 *  1: a STIX document (bundle, envelope, object) through intel_load_file;
 *  2: URL normalisation and the set's typed lookups of arbitrary bytes;
 *  3: look-alike checks of names against a fixed protected set;
 *  4: a dataset file through the dataset keyword parser's loader: csv, or
 *     (by the first byte's higher digits) datajson's json with an array_key
 *     or ndjson, with nested value keys and remove_key, then looked up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/packet.h"
#include "detect/detect_dataset.h"
#include "intel/intel.h"
#include "intel/intel_source.h"
#include "intel/lookalike.h"

static struct lookalike_set *protected_set(void)
{
    static struct lookalike_set *s;
    if (!s) {
        struct lookalike_builder *b = lookalike_builder_new();
        char err[128];
        const char *names[] = {"examplebank.com", "northgrid-energy.co.uk", "hsbc.com",
                               "paypal.com", "xn--bcher-kva.de"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            lookalike_builder_add(b, names[i], "o", "indicator--x", err, sizeof err);
        s = lookalike_builder_finish(b);
    }
    return s;
}

static void lookup_all(const struct intel_set *s, const uint8_t *d, size_t n)
{
    struct intel_hit h[INTEL_MAX_HITS];
    for (int k = 0; k < INTEL_KIND_MAX; k++)
        intel_set_lookup(s, (enum intel_kind)k, d, n, h, INTEL_MAX_HITS);
    intel_set_lookup_domain(s, d, n, h, INTEL_MAX_HITS);
    if (n >= 16) {
        struct ip_address a;
        memset(&a, 0, sizeof a);
        a.family = (d[0] & 1) ? 4 : 6;
        memcpy(a.addr.u8, d, 16);
        intel_set_lookup_addr(s, &a, h, INTEL_MAX_HITS);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t target = data[0] % 5, variant = (uint8_t)(data[0] / 5 % 3);
    data++;
    size--;
    char err[256];
    if (target == 0 || target == 1) {
        struct intel_builder *b = intel_builder_new();
        struct intel_load_opts o;
        intel_load_opts_init(&o);
        struct intel_load_stats st = {0};
        if (target == 0) {
            intel_load_lines(b, (const char *)data, size, "fuzz", &o, &st);
        } else {
            char path[] = "/tmp/vigil-fuzz-intel-XXXXXX";
            int fd = mkstemp(path);
            if (fd >= 0) {
                if (write(fd, data, size) == (ssize_t)size)
                    intel_load_file(b, path, &o, &st, err, sizeof err);
                close(fd);
                unlink(path);
            }
        }
        struct intel_set *s = intel_builder_finish(b, 1);
        if (s) {
            size_t i = 0;
            while (i < size) {
                size_t e = i;
                while (e < size && data[e] != '\n')
                    e++;
                lookup_all(s, data + i, e - i);
                i = e + 1;
            }
            intel_set_free(s);
        }
    } else if (target == 2) {
        char out[8192];
        intel_url_normalize((const char *)data, size, out, sizeof out);
        struct intel_builder *b = intel_builder_new();
        struct intel_meta_in m = {.confidence = -1};
        uint32_t meta = intel_builder_add_meta(b, &m);
        for (int k = 0; k < INTEL_KIND_MAX; k++)
            intel_builder_add(b, (enum intel_kind)k, (const char *)data, size, meta, 0, err,
                              sizeof err);
        struct intel_set *s = intel_builder_finish(b, 1);
        if (s) {
            lookup_all(s, data, size);
            intel_set_free(s);
        }
    } else if (target == 3) {
        struct lookalike_hit h;
        lookalike_check(protected_set(), (const char *)data, size, &h);
    } else {
        char dir[] = "/tmp/vigil-fuzz-ds-XXXXXX";
        if (!mkdtemp(dir))
            return 0;
        char path[128];
        snprintf(path, sizeof path, "%s/set.csv", dir);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(data, 1, size, f);
            fclose(f);
            detect_datasets_configure(NULL, dir);
            detect_datasets_rule_file(path);
            static const char *const types[] = {"string", "md5", "sha256", "ipv4", "ip"};
            static const char *const json_opts[] = {
                "",
                ",format json,context_key c,value_key v.k,array_key a.b",
                ",format ndjson,context_key c,value_key v,remove_key",
            };
            char opts[256];
            struct detect_dataset_kw kw;
            snprintf(opts, sizeof opts, "isset,fz,type %s,load set.csv%s", types[size % 5],
                     json_opts[variant]);
            struct detect_dataset_context c;
            if (detect_dataset_parse(opts, &kw, err, sizeof err) == 0)
                detect_dataset_match(&kw, data, (uint32_t)(size > 64 ? 64 : size), &c);
            detect_datasets_rule_file(NULL);
            detect_datasets_finish(true);
            unlink(path);
        }
        rmdir(dir);
    }
    return 0;
}
