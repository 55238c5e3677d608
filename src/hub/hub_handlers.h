/* SPDX-License-Identifier: Apache-2.0 */
/* Every endpoint handler of the hub, one per line of the route table
 * (hub_routes.c). A handler reads struct hub_request (authenticated caller,
 * path parameters, body already read and within the route's limit, a
 * database connection in req->db) and fills struct hub_response. Handlers
 * never call each other; shared work lives below them (hub_objects.c,
 * hub_correlate.c, hub_store.c, hub_tlp.c, hub_audit.c). */
#ifndef VIGIL_HUB_HANDLERS_H
#define VIGIL_HUB_HANDLERS_H

#include "hub/hub_server.h"

/* TAXII 2.1 (hub_taxii.c: reads; hub_taxii_write.c: POST and DELETE). */
void taxii_discovery(struct hub_request *req, struct hub_response *resp);
void taxii_api_root(struct hub_request *req, struct hub_response *resp);
void taxii_collections(struct hub_request *req, struct hub_response *resp);
void taxii_collection(struct hub_request *req, struct hub_response *resp);
void taxii_objects_get(struct hub_request *req, struct hub_response *resp);
void taxii_objects_post(struct hub_request *req, struct hub_response *resp);
void taxii_object_get(struct hub_request *req, struct hub_response *resp);
void taxii_object_delete(struct hub_request *req, struct hub_response *resp);
void taxii_object_versions(struct hub_request *req, struct hub_response *resp);
void taxii_manifest(struct hub_request *req, struct hub_response *resp);
void taxii_status(struct hub_request *req, struct hub_response *resp);

/* Sensor reports (hub_eve.c). */
void eve_post(struct hub_request *req, struct hub_response *resp);

/* Risk views (hub_risk.c). */
void risk_get(struct hub_request *req, struct hub_response *resp);
void incidents_get(struct hub_request *req, struct hub_response *resp);
void audit_get(struct hub_request *req, struct hub_response *resp);

void incident_status_post(struct hub_request *req, struct hub_response *resp);

/* The dashboard (hub_web.c: pages and sessions; hub_dash.c: its data). */
void web_root(struct hub_request *req, struct hub_response *resp);
void web_asset(struct hub_request *req, struct hub_response *resp);
void web_login(struct hub_request *req, struct hub_response *resp);
void web_logout(struct hub_request *req, struct hub_response *resp);
void web_session(struct hub_request *req, struct hub_response *resp);
void dash_overview(struct hub_request *req, struct hub_response *resp);
void dash_indicators(struct hub_request *req, struct hub_response *resp);
void dash_indicator(struct hub_request *req, struct hub_response *resp);
void dash_sensors(struct hub_request *req, struct hub_response *resp);

/* Management (hub_manage.c). */
void orgs_list(struct hub_request *req, struct hub_response *resp);
void orgs_add(struct hub_request *req, struct hub_response *resp);
void tokens_list(struct hub_request *req, struct hub_response *resp);
void tokens_issue(struct hub_request *req, struct hub_response *resp);
void tokens_revoke(struct hub_request *req, struct hub_response *resp);
void tokens_rotate(struct hub_request *req, struct hub_response *resp);

/* The intelligence loop (hub_intel.c): protected domains, where an
 * indicator was sighted. */
void intel_protected_list(struct hub_request *req, struct hub_response *resp);
void intel_protected_add(struct hub_request *req, struct hub_response *resp);
void intel_protected_remove(struct hub_request *req, struct hub_response *resp);
void intel_sightings_get(struct hub_request *req, struct hub_response *resp);

/* Operations (hub_ops.c). */
void ops_healthz(struct hub_request *req, struct hub_response *resp);
void ops_metrics(struct hub_request *req, struct hub_response *resp);

#endif
