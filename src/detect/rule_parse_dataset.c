/* SPDX-License-Identifier: Apache-2.0 */
/* The dataset and datarep keywords: on the current sticky buffer, after its
 * transforms (detect_dataset.h holds the sets). */
#include <stdio.h>

#include "detect/detect_dataset.h"
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
