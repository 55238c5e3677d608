/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's route table: every HTTP endpoint is one line of hub_routes[]
 * (hub_routes.c) naming its method, path pattern, handler, authentication,
 * body limit and media types, in the way Redis's command table maps each
 * command to one function. The HTTP layer (hub_http.c) matches a request
 * against the table once its headers are in, enforces the line's
 * requirements before reading any body, and calls the handler. Handlers do
 * not know each other or the HTTP library; they see a struct hub_request and
 * fill a struct hub_response (hub_server.h).
 *
 * Adding an endpoint: write the handler (a function in a new or an existing
 * handler file, declared in hub_handlers.h) and add one line to hub_routes[].
 * Path patterns are literal segments, "{name}" for one segment (read with
 * hub_request_param(req, "name")) and a final "{*name}" for the rest of the
 * path (possibly empty). A trailing slash is optional when matching. */
#ifndef VIGIL_HUB_ROUTE_H
#define VIGIL_HUB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hub_request;
struct hub_response;

typedef void (*hub_handler_fn)(struct hub_request *req, struct hub_response *resp);

enum hub_route_auth {
    HUB_AUTH_NONE,  /* anyone (health checks) */
    HUB_AUTH_TOKEN, /* a valid, unexpired, unrevoked token; req->caller is filled */
};

/* Body limits (max_body): no body, a small JSON document, or --max-body. */
#define HUB_BODY_NONE ((size_t)0)
#define HUB_BODY_SMALL ((size_t)64 * 1024)
#define HUB_BODY_CONFIG SIZE_MAX

#define HUB_MEDIA_TAXII "application/taxii+json"
#define HUB_MEDIA_JSON "application/json"

struct hub_route {
    const char *method;  /* "GET" (also serves HEAD), "POST", "DELETE" */
    const char *pattern; /* "/vigil/collections/{collection}/objects/" */
    hub_handler_fn handler;
    enum hub_route_auth auth;
    size_t max_body; /* larger bodies get 413 before they are read */
    /* Media type the client's Accept header must admit (406 otherwise), or
     * NULL for no check. */
    const char *produces;
    /* Comma-separated media types accepted as Content-Type of a body (415
     * otherwise, checked before the body is read), or NULL. */
    const char *consumes;
};

extern const struct hub_route hub_routes[];
extern const size_t hub_route_count;

#define HUB_MAX_PARAMS 4
#define HUB_PARAM_MAX 160

/* Path parameters captured by a match. */
struct hub_route_params {
    int n;
    struct {
        const char *name; /* points into the pattern, not NUL-terminated at '}' */
        size_t name_len;
        char value[HUB_PARAM_MAX];
    } p[HUB_MAX_PARAMS];
};

/* Finds the route for method and path. Returns its index in hub_routes, or
 * -404 when no pattern matches the path, -405 when patterns match but not
 * the method (allow then lists the methods that would, comma-separated). */
int hub_route_match(const char *method, const char *path, struct hub_route_params *params,
                    char *allow, size_t allowlen);

/* Media-type helpers shared by the HTTP layer and handlers. */
/* True if one media range of an Accept header admits mtype; for TAXII/STIX
 * types a version parameter must be 2.1. A missing header admits all. */
bool hub_media_accepts(const char *accept, const char *mtype);
/* True if the Content-Type ct is one of the comma-separated types in list
 * (parameters ignored, except that a TAXII/STIX version must be 2.1). */
bool hub_media_is(const char *ct, const char *list);

#endif
