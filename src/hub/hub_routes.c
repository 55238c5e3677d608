/* SPDX-License-Identifier: Apache-2.0 */
/* The route table: one line per endpoint (see hub_route.h). Order matters
 * only between patterns that match the same path; the first line wins. */
#include "hub/hub_handlers.h"
#include "hub/hub_route.h"

#define TAXII HUB_MEDIA_TAXII
#define JSON HUB_MEDIA_JSON
#define COLL "/vigil/collections/{collection}"
#define NONE HUB_AUTH_NONE
#define TOKEN HUB_AUTH_TOKEN
#define NOBODY HUB_BODY_NONE
#define SMALL HUB_BODY_SMALL
#define CONFIG HUB_BODY_CONFIG

/* clang-format off */
const struct hub_route hub_routes[] = {
    /* method  path                                   handler               auth   body    produces consumes */
    {"GET",    "/healthz",                            ops_healthz,          NONE,  NOBODY, NULL,  NULL},
    {"GET",    "/metrics",                            ops_metrics,          TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/taxii2/",                            taxii_discovery,      TOKEN, NOBODY, TAXII, NULL},
    {"GET",    "/vigil/",                             taxii_api_root,       TOKEN, NOBODY, TAXII, NULL},
    {"GET",    "/vigil/collections/",                 taxii_collections,    TOKEN, NOBODY, TAXII, NULL},
    {"GET",    COLL "/",                              taxii_collection,     TOKEN, NOBODY, TAXII, NULL},
    {"GET",    COLL "/objects/",                      taxii_objects_get,    TOKEN, NOBODY, TAXII, NULL},
    {"POST",   COLL "/objects/",                      taxii_objects_post,   TOKEN, CONFIG, TAXII, TAXII},
    {"GET",    COLL "/objects/{object}/",             taxii_object_get,     TOKEN, NOBODY, TAXII, NULL},
    {"DELETE", COLL "/objects/{object}/",             taxii_object_delete,  TOKEN, NOBODY, TAXII, NULL},
    {"GET",    COLL "/objects/{object}/versions/",    taxii_object_versions, TOKEN, NOBODY, TAXII, NULL},
    {"GET",    COLL "/manifest/",                     taxii_manifest,       TOKEN, NOBODY, TAXII, NULL},
    {"GET",    "/vigil/status/{status}/",             taxii_status,         TOKEN, NOBODY, TAXII, NULL},
    {"POST",   "/api/v1/eve",                         eve_post,             TOKEN, CONFIG, NULL,
               "application/x-ndjson,application/json,application/jsonl,application/x-jsonlines"},
    {"GET",    "/api/v1/risk",                        risk_get,             TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/incidents",                   incidents_get,        TOKEN, NOBODY, NULL,  NULL},
    {"POST",   "/api/v1/incidents/{incident}/status", incident_status_post, TOKEN, SMALL, NULL, JSON},
    {"GET",    "/api/v1/audit",                       audit_get,            TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/protected-domains",           intel_protected_list, TOKEN, NOBODY, NULL,  NULL},
    {"POST",   "/api/v1/protected-domains",           intel_protected_add,  TOKEN, SMALL,  NULL,  JSON},
    {"DELETE", "/api/v1/protected-domains/{domain}",  intel_protected_remove, TOKEN, NOBODY, NULL, NULL},
    {"GET",    "/api/v1/sightings",                   intel_sightings_get,  TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/orgs",                        orgs_list,            TOKEN, NOBODY, NULL,  NULL},
    {"POST",   "/api/v1/orgs",                        orgs_add,             TOKEN, SMALL,  NULL,  JSON},
    {"GET",    "/api/v1/tokens",                      tokens_list,          TOKEN, NOBODY, NULL,  NULL},
    {"POST",   "/api/v1/tokens",                      tokens_issue,         TOKEN, SMALL,  NULL,  JSON},
    {"POST",   "/api/v1/tokens/revoke",               tokens_revoke,        TOKEN, SMALL,  NULL,  JSON},
    {"POST",   "/api/v1/tokens/rotate",               tokens_rotate,        TOKEN, SMALL,  NULL,  JSON},
    /* The dashboard: pages, sessions, and its data. */
    {"GET",    "/",                                   web_root,             NONE,  NOBODY, NULL,  NULL},
    {"GET",    "/ui/{*path}",                         web_asset,            NONE,  NOBODY, NULL,  NULL},
    {"POST",   "/web/login",                          web_login,            NONE,  SMALL,  NULL,
               "application/json,application/x-www-form-urlencoded"},
    {"POST",   "/web/logout",                         web_logout,           TOKEN, SMALL,  NULL,  NULL},
    {"GET",    "/web/session",                        web_session,          TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/dashboard/overview",          dash_overview,        TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/dashboard/indicators",        dash_indicators,      TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/dashboard/indicators/{object}", dash_indicator,     TOKEN, NOBODY, NULL,  NULL},
    {"GET",    "/api/v1/dashboard/sensors",           dash_sensors,         TOKEN, NOBODY, NULL,  NULL},
};
/* clang-format on */

const size_t hub_route_count = sizeof hub_routes / sizeof hub_routes[0];
