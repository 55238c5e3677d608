/* SPDX-License-Identifier: Apache-2.0 */
/* The dataset and datarep keywords: on the current sticky buffer, after its
 * transforms (detect_dataset.h holds the sets). */
#include <stdio.h>
#include <string.h>

#include "detect/detect_dataset.h"
#include "detect/detect_iprep.h"
#include "detect/rule_parse_internal.h"

static int add_dataset_item(struct pctx *pc, char *v, bool rep)
{
    if (pc->cur_list < 0)
        return pctx_fail(pc, "%s needs a sticky buffer", rep ? "datarep" : "dataset");
    struct detect_dataset_kw kw;
    char err[512];
    int rc = rep ? detect_datarep_parse(v, &kw, err, sizeof err)
                 : detect_dataset_parse(v, &kw, err, sizeof err);
    if (rc != 0)
        return pctx_fail(pc, "%s", err);
    int idx = item_add(pc, pc->cur_list, DETECT_ITEM_DATASET);
    if (idx < 0)
        return -1;
    pc->r->buffers[pc->cur_list].items[idx].u.dataset = kw;
    return 0;
}

int kw_dataset(struct pctx *pc, char *v)
{
    return add_dataset_item(pc, v, false);
}

int kw_datarep(struct pctx *pc, char *v)
{
    return add_dataset_item(pc, v, true);
}

/* iprep:<side>,<category>,<op>,<score> | iprep:<side>,<category>,isset|isnotset */
int kw_iprep(struct pctx *pc, char *v)
{
    char *tok[5];
    int n = split_commas(v, tok, 5);
    if (n < 3)
        return pctx_fail(pc, "iprep: expected <side>,<category>,<op>,<value> or "
                             "<side>,<category>,isset|isnotset");
    const char *side = str_trim(tok[0]);
    uint8_t s;
    if (!strcmp(side, "src"))
        s = DETECT_IPREP_SRC;
    else if (!strcmp(side, "dst"))
        s = DETECT_IPREP_DST;
    else if (!strcmp(side, "both"))
        s = DETECT_IPREP_BOTH;
    else if (!strcmp(side, "any"))
        s = DETECT_IPREP_ANY;
    else
        return pctx_fail(pc, "iprep: side '%s' (src, dst, both or any)", side);
    const char *cat_name = str_trim(tok[1]);
    int cat = detect_iprep_category(cat_name);
    if (cat < 0)
        return pctx_fail(pc, "iprep: unknown category '%s' (see reputation-categories-file)",
                         cat_name);
    struct rule_pkt_match *m = add_pkt(pc, RULE_PKT_IPREP);
    if (!m)
        return -1;
    m->modifier = s;
    m->bits = (uint8_t)cat;
    const char *op = str_trim(tok[2]);
    if (n == 3 && !strcmp(op, "isset")) {
        m->ignore = DETECT_IPREP_ISSET;
        return 0;
    }
    if (n == 3 && !strcmp(op, "isnotset")) {
        m->ignore = DETECT_IPREP_ISNOTSET;
        return 0;
    }
    if (n < 4)
        return pctx_fail(pc, "iprep: missing value after '%s'", op);
    char cond[64];
    const char *val = str_trim(tok[3]);
    if (!strcmp(op, "=") || !strcmp(op, "=="))
        snprintf(cond, sizeof cond, "%s", val);
    else
        snprintf(cond, sizeof cond, "%s%s", op, val);
    if (detect_uint_parse(cond, 127, &m->num) != 0)
        return pctx_fail(pc, "iprep: invalid comparison '%s %s' (score 0-127)", op, val);
    return 0;
}
