/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor's HTTP client for its hub (libcurl): TAXII 2.1 reads of shared
 * indicators and POSTs of alerts. TLS is verified against a CA file, or
 * pinned: by the SHA-256 fingerprint of the hub's certificate (what `vigil
 * hub` prints at start, "AB:CD:..."), or by libcurl's public-key pin
 * ("sha256//BASE64"). One client per thread (a curl handle is not shared). */
#ifndef VIGIL_INTEL_HUB_CLIENT_H
#define VIGIL_INTEL_HUB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct hub_client_config {
    const char *url;        /* "https://hub:8443" (no trailing path) */
    const char *token;      /* bearer token */
    const char *ca_file;    /* PEM CA bundle, or NULL */
    const char *pin;        /* certificate SHA-256 fingerprint or "sha256//..." */
    long timeout_ms;        /* whole request (default 10 s) */
    long connect_timeout_ms;
};

struct hub_client;

struct hub_response_buf {
    char *data; /* NUL-terminated; owned by the client, valid until the next request */
    size_t len;
    long status;
    char date_added_last[48]; /* X-TAXII-Date-Added-Last, if the response had it */
};

/* NULL with err on failure (bad URL, bad pin). */
struct hub_client *hub_client_new(const struct hub_client_config *c, char *err, size_t errlen);
void hub_client_free(struct hub_client *hc);

/* GET url + path (path starts with '/', already escaped). Returns 0 when a
 * response arrived (any HTTP status, in out->status), -1 on transport errors
 * (err says which: refused, timeout, TLS pin mismatch...). */
int hub_client_get(struct hub_client *hc, const char *path, const char *accept,
                   struct hub_response_buf *out, char *err, size_t errlen);
int hub_client_post(struct hub_client *hc, const char *path, const char *content_type,
                    const char *body, size_t len, struct hub_response_buf *out, char *err,
                    size_t errlen);

/* Percent-encodes s for a query string into out. */
void hub_client_escape(const char *s, char *out, size_t cap);

#endif
