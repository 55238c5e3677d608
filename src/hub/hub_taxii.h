/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the TAXII handlers (hub_taxii.c, hub_taxii_write.c): the
 * object query builder with the TLP filter, paging arguments and the
 * collection named in the path. */
#ifndef VIGIL_HUB_TAXII_H
#define VIGIL_HUB_TAXII_H

#include "hub/hub_server.h"

/* A growing SQL statement with its parameters; strings referenced by params
 * are kept in `owned` until the statement ran. */
struct query {
    char sql[16384];
    size_t len;
    struct hub_db_param params[4 * HUB_MATCH_MAX + 16];
    int n;
    char *owned[8];
    int nowned;
    bool overflow;
};

void q_add(struct query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a parameter and returns its placeholder number. */
int q_param(struct query *q, struct hub_db_param p);
void q_free(struct query *q);

struct page_args {
    int limit;
    int64_t after; /* exclusive lower bound on date_added (us) */
};

int parse_page_args(const struct hub_request *req, struct page_args *pa, struct hub_response *resp);

/* Builds the common SELECT over one collection: visibility, pagination and
 * the requested filters. columns: the select list. */
int build_object_query(struct query *q, struct hub_request *req, const struct hub_collection *coll,
                       const char *columns, const char *stix_id, const char *version_default,
                       const struct page_args *pa, struct hub_response *resp);
int run_query(struct hub_request *req, struct query *q, struct hub_db_result *res,
              struct hub_response *resp);

/* The collection of the path's {collection}: 0, or an error response set
 * (404 when absent or unreadable). */
int taxii_collection_of(struct hub_request *req, struct hub_response *resp,
                        struct hub_collection *coll);

/* The body of row i of res (columns 3 body, 4 gtlp, 5 producer_org, 6 row
 * id) as the caller may see it in coll: the stored text, a copy without the
 * granular parts it may not see (in *owned, freed by the caller), or NULL
 * when the object must be withheld. */
const char *hub_taxii_visible_body(struct hub_request *req, const struct hub_collection *coll,
                                   const struct hub_db_result *res, int i, char **owned);

#endif
