/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interface of the hub server: configuration, the HTTP request and
 * response seen by endpoint handlers, and the handlers themselves. */
#ifndef VIGIL_HUB_SERVER_H
#define VIGIL_HUB_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

#include "hub/hub_db.h"
#include "hub/hub_metrics.h"
#include "hub/hub_route.h"
#include "hub/hub_store.h"
#include "hub/hub_util.h"

#define HUB_API_ROOT "/vigil/"
#define HUB_TAXII_MEDIA "application/taxii+json;version=2.1"
#define HUB_STIX_MEDIA "application/stix+json;version=2.1"
#define HUB_PAGE_DEFAULT 100
#define HUB_PAGE_MAX 1000
#define HUB_MATCH_MAX 100
/* Memcap on one POST: objects per envelope (each gets a status entry). */
#define HUB_ENVELOPE_MAX_OBJECTS 100000

/* A jansson string of a C string. (Kept from when util/json.h's writer
 * exported a json_string() that shadowed jansson's at link time.) */
static inline json_t *hub_json_str(const char *s)
{
    return json_stringn(s, strlen(s));
}

#define HUB_MAX_HOSTNAMES 16

#define HUB_MAX_PROXIES 16

struct hub_config {
    const char *db_uri;
    char listen_addr[64];
    int listen_port;
    const char *cert_file;
    const char *key_file;
    const char *tls_dir;
    bool plain_http;
    int threads;
    size_t max_body;
    const char *unmarked_tlp;
    int64_t correlation_window_us;
    int connection_timeout_s;
    /* Connections: total, per client address, and how long a connection
     * that has not authenticated may take to send its request headers. */
    int max_connections;
    int max_per_address;
    int header_timeout_s;
    /* Names (DNS or IP) the generated certificate covers besides localhost
     * and the listen address. */
    const char *hostnames[HUB_MAX_HOSTNAMES];
    int nhostnames;
    const char *log_file; /* stderr when NULL; reopened on SIGHUP */
    const char *config_file;
    int64_t token_lifetime_s; /* default lifetime of issued tokens; 0 = none */
    int64_t session_idle_s;   /* dashboard session idle timeout (hub_web.c) */
    bool metrics;             /* serve GET /metrics */
    /* Reverse proxies whose X-Forwarded-For is believed (hub_client_address)
     * and the dashboard's refused-login limit per client (hub_web.c). */
    struct hub_net trusted_proxies[HUB_MAX_PROXIES];
    int ntrusted_proxies;
    int login_max_failures;
};

struct hub_audit_queue;
struct hub_conn_table;
struct hub_tls_state;

struct hub_server {
    struct hub_config cfg;
    struct hub_db *db;
    struct hub_audit_queue *audit;
    /* Objects stored since the last statistics refresh (PostgreSQL): the
     * audit thread runs ANALYZE past HUB_ANALYZE_EVERY so that plans follow
     * a table growing faster than autovacuum notices. */
    _Atomic long stored_since_analyze;
    /* Sightings stored since start: the dashboard's overview cache is
     * valid only while this is unchanged (hub_dash.c). */
    _Atomic long sightings_gen;
    struct hub_metrics metrics;
    struct hub_conn_table *conns; /* hub_conn.c */
    struct hub_tls_state *tls;    /* hub_tls.c; NULL for plain HTTP */
};
#define HUB_ANALYZE_EVERY 20000

#define HUB_MAX_HEADERS 6

/* What a handler produces. body is malloc'd and freed by the HTTP layer. */
struct hub_response {
    int status;
    char *body;
    size_t len;
    const char *content_type;
    int nheaders;
    char header_names[HUB_MAX_HEADERS][40];
    char header_values[HUB_MAX_HEADERS][128];
};

struct hub_request {
    struct hub_server *server;
    void *conn; /* struct MHD_Connection */
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    const struct hub_route *route;
    struct hub_route_params params;
    struct hub_caller caller; /* filled when the route needs a token */
    struct hub_db_conn *db;
    char remote_addr[64];
    /* The client behind any trusted proxies (hub_client_address); the
     * socket's address when there are none. */
    char client_addr[64];
    /* Authenticated by a dashboard session cookie rather than a token
     * header (hub_web.c); csrf is the session's anti-forgery token. */
    bool session;
    char session_hash[65];
    char csrf[65];
};

/* Request accessors (hub_http.c). */
const char *hub_request_header(const struct hub_request *r, const char *name);
const char *hub_request_arg(const struct hub_request *r, const char *name);
/* A path parameter of the route ("collection" for "{collection}"), or NULL. */
const char *hub_request_param(const struct hub_request *r, const char *name);

/* Response helpers (hub_http.c). */
void hub_response_json(struct hub_response *resp, int status, const char *content_type,
                       json_t *body);
/* TAXII error object with title and description. */
void hub_response_error(struct hub_response *resp, int status, const char *title, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
void hub_response_header(struct hub_response *resp, const char *name, const char *value);

/* Object storage shared by TAXII POST and EVE ingestion (hub_objects.c).
 * Stores one validated-or-not object posted by caller into coll inside the
 * caller's open write transaction. On failure returns <0 with the reason in
 * msg; on success 0 and *version_out (>= 32 bytes) gets the version.
 * severity: 1 high, 2 medium, 3 low, 0 unknown (sightings only). */
int hub_object_store(struct hub_server *s, struct hub_db_conn *c, const struct hub_collection *coll,
                     const struct hub_caller *caller, json_t *obj, int64_t date_added, int severity,
                     unsigned flags, char *version_out, char *msg, size_t msglen);

/* The same in two phases, so that validation and serialisation (no storage
 * access) run outside the write transaction, in parallel across requests:
 * hub_object_prepare checks and classifies obj (kept referenced, not owned)
 * and fills p; hub_object_commit stores it inside the write transaction.
 * p->body is freed by hub_object_prepared_free. */
struct hub_object_prepared {
    json_t *obj;
    const char *id;
    const char *type;
    const char *tlp;  /* of the whole object (raised by granular parts that cannot be cut) */
    const char *gtlp; /* strictest granular TLP cut for callers who may not see it, or NULL */
    const char *spec_version;
    char version[40];      /* normalised (ordering and keys) */
    char version_text[48]; /* as posted, returned as is */
    bool revoked;
    bool ok;
    bool as_hub;              /* created by the hub itself (owner 0) */
    bool once_per_collection; /* store only if the collection has no version yet */
    bool creator_added;       /* created_by_ref was absent and set to the poster */
    bool foreign_creator;     /* created_by_ref names another identity */
    const char *correction;   /* x_vigil_correction_reason */
    bool committed;           /* stored by hub_object_commit_batch */
    bool version_auto;        /* version set from date_added at commit (SCOs) */
    char *body;
};
/* Flags of hub_object_store. */
#define HUB_STORE_AS_HUB 1u
#define HUB_STORE_ONCE_PER_COLLECTION 2u
int hub_object_prepare(struct hub_server *s, const struct hub_collection *coll,
                       const struct hub_caller *caller, json_t *obj, struct hub_object_prepared *p,
                       char *msg, size_t msglen);
int hub_object_commit(struct hub_server *s, struct hub_db_conn *c,
                      const struct hub_collection *coll, const struct hub_caller *caller,
                      struct hub_object_prepared *p, int64_t date_added, int severity,
                      char *version_out, char *msg, size_t msglen);
void hub_object_prepared_free(struct hub_object_prepared *p);
/* Stores, with a few multi-row statements, the prepared objects of an
 * envelope that take the plain path: ids new to the hub, appearing once in
 * the envelope, no sighting, no RED recipients. Those get committed = true;
 * the others are left for hub_object_commit. p[i] gets date_added
 * first_added + i. Inside the caller's write transaction. */
int hub_object_commit_batch(struct hub_server *s, struct hub_db_conn *c,
                            const struct hub_collection *coll, const struct hub_caller *caller,
                            struct hub_object_prepared *p, size_t n, int64_t first_added, char *msg,
                            size_t msglen);

/* Correlation: after a sighting of indicator_id at seen_us by org, raise or
 * extend a cross-organisation incident (hub_correlate.c). */
int hub_correlate_sighting(struct hub_server *s, struct hub_db_conn *c, const char *indicator_id,
                           int64_t seen_us, char *err, size_t errlen);

/* Audit (hub_audit.c). Writes are recorded inside the write transaction;
 * reads of AMBER/RED objects are queued and flushed in batches. */
int hub_audit_start(struct hub_server *s);
void hub_audit_stop(struct hub_server *s);
int hub_audit_write(struct hub_db_conn *c, const struct hub_caller *caller, const char *action,
                    const char *coll, const char *stix_id, const char *tlp, const char *detail);
void hub_audit_read(struct hub_server *s, const struct hub_caller *caller, const char *coll,
                    const char *stix_id, const char *tlp);

/* The signals the hub handles synchronously (INT, TERM: stop; HUP, USR2:
 * reload). Blocked in every thread before the first thread starts. */
void hub_signal_set(sigset_t *set);
/* Opens --log-file onto stdout and stderr (again on SIGHUP). */
int hub_log_reopen(const struct hub_server *s);
/* Writes the queued read-audit entries now. */
void hub_audit_flush(struct hub_server *s);

/* Runs the server until SIGINT/SIGTERM (hub_http.c). */
int hub_server_run(struct hub_server *s);

#endif
