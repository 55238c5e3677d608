/* SPDX-License-Identifier: Apache-2.0 */
/* The hub's web dashboard, server side (hub_web.c): the static assets
 * embedded from src/hub/web (cmake/web.cmake), browser sessions and the
 * checks that come with them.
 *
 * A browser logs in by posting a token; the hub answers with a random
 * session id in a cookie (HttpOnly, SameSite=Strict, Secure under TLS)
 * and keeps only its hash. A request carrying the cookie instead of an
 * Authorization header is authenticated as the token the session was
 * opened with, through the same token check (revoked or expired tokens end
 * their sessions), so every endpoint behind the route table's token
 * authentication — TAXII included — applies the same TLP rules to a
 * browser as to any client. State-changing requests under a session must
 * carry the session's CSRF token (X-CSRF-Token) and, when the browser sends
 * one, a same-origin Origin. */
#ifndef VIGIL_HUB_WEB_H
#define VIGIL_HUB_WEB_H

#include <stdbool.h>
#include <stddef.h>

struct hub_request;

#define HUB_SESSION_COOKIE "vigil_session"
/* Absolute session lifetime whatever the activity. */
#define HUB_SESSION_MAX_S (12 * 3600)

/* Content-Security-Policy of every hub response: scripts, styles and
 * connections to the hub itself only, no inline script, no framing. */
#define HUB_CSP                                                                                    \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"              \
    " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self';"                  \
    " frame-ancestors 'none'"

struct hub_web_asset {
    const char *path; /* relative to src/hub/web, e.g. "app.js" */
    const unsigned char *data;
    size_t len;
};
extern const struct hub_web_asset hub_web_assets[];
extern const size_t hub_web_asset_count;

/* Authenticates req by the session id sid into req->caller (req->session,
 * req->csrf set). 0, -EACCES (unknown, expired, or its token no longer
 * valid; reason in err) or another -errno. Refreshes the idle deadline. */
int hub_session_authenticate(struct hub_request *req, const char *sid, char *err, size_t errlen);
/* For a state-changing request under a session: true when its CSRF token
 * and origin are right (why not in err). */
bool hub_session_csrf_ok(const struct hub_request *req, char *err, size_t errlen);

#endif
