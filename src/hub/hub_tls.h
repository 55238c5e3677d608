/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's TLS certificate (hub_tls.c): load or generate at start, reload
 * on SIGHUP, handed to libmicrohttpd per handshake. */
#ifndef VIGIL_HUB_TLS_H
#define VIGIL_HUB_TLS_H

#include <stddef.h>

struct hub_server;

/* Loads --cert/--key, or the generated pair in --tls-dir (generating it on
 * first start with the names of hub_config). 0 or -errno with err set. */
int hub_tls_open(struct hub_server *s, char *err, size_t errlen);
/* Re-reads the certificate and key files; on failure the current pair stays
 * in use and err says why. */
int hub_tls_reload(struct hub_server *s, char *err, size_t errlen);
void hub_tls_close(struct hub_server *s);
/* The GnuTLS certificate-retrieve callback for MHD_OPTION_HTTPS_CERT_CALLBACK. */
void *hub_tls_callback(void);
/* SHA-256 fingerprint of the current certificate ("AB:CD:..."). */
const char *hub_tls_fingerprint(const struct hub_server *s);
/* base64 SHA-256 of its public key (curl --pinnedpubkey sha256//PIN). */
const char *hub_tls_pin(const struct hub_server *s);

#endif
