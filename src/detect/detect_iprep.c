/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's IP reputation (iprep keyword) on the indicator structures: the
 * reputation files ("address or CIDR,category id,score" per line) become an
 * intel_set whose entries are the addresses and ranges and whose indicator
 * metadata carry the category (tag) and the score (confidence); a lookup is
 * the set's address lookup (exact address first, then the innermost range
 * that has the category, as Suricata's radix tree answers).
 *
 * Configuration (suricata.yaml): reputation-categories-file (lines
 * "id,shortname,description"), default-reputation-path, reputation-files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/packet.h"
#include "detect/detect_iprep.h"
#include "detect/rule.h"
#include "intel/intel.h"
#include "util/config.h"
#include "util/log.h"

#define MAX_CATEGORIES 256

static struct {
    char names[MAX_CATEGORIES][64];
    bool defined[MAX_CATEGORIES];
    struct intel_set *set;
    bool loaded;
} rep;

static void load_categories(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        log_warning("reputation-categories-file %s: cannot open", path);
        return;
    }
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r')
            continue;
        char *c1 = strchr(line, ',');
        if (!c1)
            continue;
        *c1 = '\0';
        char *c2 = strchr(c1 + 1, ',');
        if (c2)
            *c2 = '\0';
        long id = strtol(line, NULL, 10);
        if (id < 0 || id >= MAX_CATEGORIES) {
            log_warning("%s:%d: category id %ld out of range", path, lineno, id);
            continue;
        }
        snprintf(rep.names[id], sizeof rep.names[id], "%s", c1 + 1);
        rep.defined[id] = true;
    }
    fclose(fp);
}

static void load_reputation(struct intel_builder *b, uint32_t metas[][128], const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        log_warning("reputation file %s: cannot open", path);
        return;
    }
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || !*s)
            continue;
        char *c1 = strchr(s, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2) {
            log_warning("%s:%d: expected address,category,score", path, lineno);
            continue;
        }
        *c1 = *c2 = '\0';
        long cat = strtol(c1 + 1, NULL, 10), score = strtol(c2 + 1, NULL, 10);
        if (cat < 0 || cat >= MAX_CATEGORIES || score < 0 || score > 127) {
            log_warning("%s:%d: category or score out of range", path, lineno);
            continue;
        }
        /* one metadata record per (category, score), shared by every address */
        if (metas[cat][score] == UINT32_MAX) {
            struct intel_meta_in m = {.confidence = (int)score, .tag = (uint32_t)cat,
                                      .source = "iprep"};
            metas[cat][score] = intel_builder_add_meta(b, &m);
        }
        char err[128];
        if (intel_builder_add(b, INTEL_KIND_ADDR, s, strlen(s), metas[cat][score], 0, err,
                              sizeof err) != 0)
            log_warning("%s:%d: %s", path, lineno, err);
    }
    fclose(fp);
}

void detect_iprep_configure(const struct config *cfg)
{
    if (rep.loaded)
        return;
    rep.loaded = true;
    const char *cats = config_get(cfg, "reputation-categories-file");
    const struct config_node *files = config_find(cfg, "reputation-files");
    if (!cats && !files)
        return;
    if (cats)
        load_categories(cats);
    const char *dir = config_get(cfg, "default-reputation-path");
    struct intel_builder *b = intel_builder_new();
    static uint32_t metas[MAX_CATEGORIES][128];
    memset(metas, 0xff, sizeof metas);
    for (const struct config_node *n = files ? config_node_first_child(files) : NULL; b && n;
         n = config_node_next(n)) {
        const char *f = config_node_value(n);
        if (!f)
            continue;
        char path[4096];
        if (f[0] == '/' || !dir)
            snprintf(path, sizeof path, "%s", f);
        else
            snprintf(path, sizeof path, "%s/%s", dir, f);
        load_reputation(b, metas, path);
    }
    if (files && !config_node_first_child(files) && config_node_value(files) && b) {
        const char *f = config_node_value(files);
        char path[4096];
        if (f[0] == '/' || !dir)
            snprintf(path, sizeof path, "%s", f);
        else
            snprintf(path, sizeof path, "%s/%s", dir, f);
        load_reputation(b, metas, path);
    }
    rep.set = b ? intel_builder_finish(b, 1) : NULL;
}

void detect_iprep_finish(void)
{
    intel_set_free(rep.set);
    memset(&rep, 0, sizeof rep);
}

int detect_iprep_category(const char *name)
{
    for (int i = 0; i < MAX_CATEGORIES; i++)
        if (rep.defined[i] && strcmp(rep.names[i], name) == 0)
            return i;
    return -1;
}

/* The score of category cat for address a, or -1. */
static int score_of(const struct ip_address *a, int cat)
{
    if (!rep.set)
        return -1;
    struct intel_hit hits[INTEL_MAX_HITS];
    unsigned n = intel_set_lookup_addr(rep.set, a, hits, INTEL_MAX_HITS);
    for (unsigned i = 0; i < n; i++)
        for (uint32_t k = 0; k < hits[i].meta_count; k++) {
            const struct intel_meta *m = intel_set_meta(rep.set, hits[i].metas[k]);
            if (m && (int)m->tag == cat)
                return m->confidence;
        }
    return -1;
}

static bool side_match(const struct ip_address *a, int cat, uint8_t mode,
                       const struct detect_uint *num)
{
    int s = score_of(a, cat);
    if (mode == DETECT_IPREP_ISSET)
        return s >= 0;
    if (mode == DETECT_IPREP_ISNOTSET)
        return s < 0;
    return s >= 0 && detect_uint_match(num, (uint64_t)s);
}

bool detect_iprep_match(uint8_t side, uint8_t cat, uint8_t mode, const struct detect_uint *num,
                        const struct packet *p)
{
    if (p->ip_version != 4 && p->ip_version != 6)
        return false;
    switch (side) {
    case DETECT_IPREP_SRC:
        return side_match(&p->src, cat, mode, num);
    case DETECT_IPREP_DST:
        return side_match(&p->dst, cat, mode, num);
    case DETECT_IPREP_BOTH:
        return side_match(&p->src, cat, mode, num) && side_match(&p->dst, cat, mode, num);
    default: /* any */
        return side_match(&p->src, cat, mode, num) || side_match(&p->dst, cat, mode, num);
    }
}
