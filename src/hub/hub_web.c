/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's server side: static assets (GET /, GET /ui/...), login,
 * logout and the session endpoint (POST /web/login, POST /web/logout,
 * GET /web/session), and session authentication with its CSRF check, used
 * by the HTTP layer for every token-authenticated route (hub_web.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "hub/hub_handlers.h"
#include "hub/hub_util.h"
#include "hub/hub_web.h"
#include "util/log.h"

/* Sessions touched less than this long ago (or a quarter of the idle
 * timeout) keep their stored deadline: no write per request. */
#define SESSION_TOUCH_US (15LL * 1000000)

static int random_hex(char *out, size_t nbytes)
{
    unsigned char b[32];
    if (nbytes > sizeof b || RAND_bytes(b, (int)nbytes) != 1)
        return -EIO;
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

int hub_session_authenticate(struct hub_request *req, const char *sid, char *err, size_t errlen)
{
    struct hub_server *s = req->server;
    char hash[65];
    hub_sha256_hex(sid, strlen(sid), hash);
    int64_t now = hub_now_us();
    struct hub_db_conn *c = hub_db_acquire(s->db);
    struct hub_db_param p[] = {DB_TEXT(hash)};
    struct hub_db_result r;
    int rc = hub_db_exec(c,
                         "SELECT token_hash, csrf, created, expires, last_used FROM sessions"
                         " WHERE hash = $1",
                         1, p, &r, err, errlen);
    if (rc == 0 && (r.nrows == 0 || hub_db_cell_i64(&r, 0, 3) <= now)) {
        snprintf(err, errlen, "session expired or logged out: log in again");
        rc = -EACCES;
    }
    if (rc == 0)
        rc = hub_token_authenticate_hash(c, hub_db_cell(&r, 0, 0), now, &req->caller, err, errlen);
    if (rc == 0) {
        req->session = true;
        snprintf(req->session_hash, sizeof req->session_hash, "%s", hash);
        snprintf(req->csrf, sizeof req->csrf, "%s", hub_db_cell(&r, 0, 1));
        int64_t touch = s->cfg.session_idle_s * 1000000 / 4;
        if (touch > SESSION_TOUCH_US)
            touch = SESSION_TOUCH_US;
        if (now - hub_db_cell_i64(&r, 0, 4) >= touch) {
            int64_t until = now + s->cfg.session_idle_s * 1000000;
            int64_t cap = hub_db_cell_i64(&r, 0, 2) + (int64_t)HUB_SESSION_MAX_S * 1000000;
            struct hub_db_param pu[] = {DB_INT(until < cap ? until : cap), DB_INT(now),
                                        DB_TEXT(hash)};
            char uerr[256];
            if (hub_db_exec(c, "UPDATE sessions SET expires = $1, last_used = $2 WHERE hash = $3",
                            3, pu, NULL, uerr, sizeof uerr) < 0)
                log_error("hub: session refresh: %s", uerr);
        }
    }
    hub_db_result_free(&r);
    hub_db_release(s->db, c);
    return rc;
}

/* True when the Origin header (if any) names this hub as the browser
 * reached it: scheme and Host. */
static bool origin_ok(const struct hub_request *req, char *err, size_t errlen)
{
    const char *origin = hub_request_header(req, "Origin");
    const char *site = hub_request_header(req, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
        snprintf(err, errlen, "cross-site request refused (Sec-Fetch-Site: %s)", site);
        return false;
    }
    if (!origin)
        return true;
    const char *host = hub_request_header(req, "Host");
    char want[300];
    snprintf(want, sizeof want, "%s://%s", req->server->cfg.plain_http ? "http" : "https",
             host ? host : "");
    if (!host || strcasecmp(origin, want) != 0) {
        snprintf(err, errlen, "cross-origin request refused (Origin: %.100s)", origin);
        return false;
    }
    return true;
}

bool hub_session_csrf_ok(const struct hub_request *req, char *err, size_t errlen)
{
    const char *t = hub_request_header(req, "X-CSRF-Token");
    size_t n = strlen(req->csrf);
    if (!t || strlen(t) != n || n == 0 || CRYPTO_memcmp(t, req->csrf, n) != 0) {
        snprintf(err, errlen, "missing or wrong X-CSRF-Token for a change under a session");
        return false;
    }
    return origin_ok(req, err, errlen);
}

static void session_cookie(struct hub_request *req, struct hub_response *resp, const char *sid)
{
    char v[128];
    snprintf(v, sizeof v, HUB_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
             sid ? sid : "", sid ? "" : "; Max-Age=0",
             req->server->cfg.plain_http ? "" : "; Secure");
    hub_response_header(resp, "Set-Cookie", v);
}

static json_t *whoami(const struct hub_request *req, int64_t expires)
{
    const struct hub_caller *c = &req->caller;
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s}", "organisation", c->org.name, "sector",
                          c->org.sector, "role", hub_role_name(c->role), "coordinator",
                          c->org.coordinator, "identity", c->org.identity_id);
    if (req->session || req->csrf[0])
        json_object_set_new(o, "csrf", hub_json_str(req->csrf));
    if (expires) {
        char ts[40];
        hub_timestamp_format(expires, ts, sizeof ts);
        json_object_set_new(o, "session_expires", hub_json_str(ts));
    }
    return o;
}

/* The token from a JSON body {"token": "..."} or a form body token=...
 * (the page posts JSON; a form keeps working without script). */
static int login_token(const struct hub_request *req, char *out, size_t outlen)
{
    const char *ct = hub_request_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        const char *t = strstr(req->body, "token=");
        if (!t || (t != req->body && t[-1] != '&'))
            return -EINVAL;
        t += 6;
        size_t n = strcspn(t, "&");
        if (n == 0 || n >= outlen)
            return -EINVAL;
        memcpy(out, t, n);
        out[n] = 0;
        return strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n
                   ? 0
                   : -EINVAL;
    }
    json_t *doc = json_loadb(req->body, req->body_len, 0, NULL);
    const char *t = json_string_value(json_object_get(doc, "token"));
    int rc = t && *t && strlen(t) < outlen ? 0 : -EINVAL;
    if (rc == 0)
        snprintf(out, outlen, "%s", t);
    json_decref(doc);
    return rc;
}

/* Login rate limit: at most login-max-failures refused tokens per client
 * within LOGIN_WINDOW_US; past that every login from the client (even with
 * a good token, so that guessing learns nothing) gets 429 with Retry-After
 * until the window ends. The client is the address behind any trusted
 * reverse proxy (--trusted-proxy: without it, everyone behind the proxy
 * would be one client and ten bad tokens would lock them all out), an
 * IPv6 one counted by its /64 (else rotating addresses inside one's own
 * prefix would escape the limit). Kept in memory, per hub process: a
 * small open-addressed table; when every probed slot is busy the client
 * shares the oldest one (it can then only be limited sooner, never later). */
#define LOGIN_SLOTS 1024
#define LOGIN_PROBES 8
#define LOGIN_WINDOW_US (60 * 1000000LL)
struct login_slot {
    char addr[64];
    int64_t window_start;
    int failures;
};
static struct login_slot login_slots[LOGIN_SLOTS];
static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;

static struct login_slot *login_slot_of(const char *addr, int64_t now)
{
    uint32_t h = 2166136261u;
    for (const char *c = addr; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    struct login_slot *oldest = NULL;
    for (int i = 0; i < LOGIN_PROBES; i++) {
        struct login_slot *sl = &login_slots[(h + (uint32_t)i) % LOGIN_SLOTS];
        if (strcmp(sl->addr, addr) == 0)
            return sl;
        if (!sl->addr[0] || now - sl->window_start >= LOGIN_WINDOW_US) {
            snprintf(sl->addr, sizeof sl->addr, "%s", addr);
            sl->window_start = now;
            sl->failures = 0;
            return sl;
        }
        if (!oldest || sl->window_start < oldest->window_start)
            oldest = sl;
    }
    return oldest;
}

/* Seconds until addr may try again, 0 when it may now. */
static int64_t login_blocked(const char *addr, int64_t now, int max_failures)
{
    pthread_mutex_lock(&login_lock);
    struct login_slot *sl = login_slot_of(addr, now);
    int64_t wait = 0;
    if (now - sl->window_start >= LOGIN_WINDOW_US) {
        sl->window_start = now;
        sl->failures = 0;
    } else if (sl->failures >= max_failures) {
        wait = (sl->window_start + LOGIN_WINDOW_US - now + 999999) / 1000000;
    }
    pthread_mutex_unlock(&login_lock);
    return wait;
}

static void login_failed(const char *addr, int64_t now)
{
    pthread_mutex_lock(&login_lock);
    login_slot_of(addr, now)->failures++;
    pthread_mutex_unlock(&login_lock);
}

struct session_stmt {
    const char *sql;
    int n;
    const struct hub_db_param *p;
};

/* Runs the statements and the audit entry `action` in one transaction; on
 * failure the response is set and <0 returned. */
static int session_write(struct hub_request *req, struct hub_response *resp,
                         const struct session_stmt *st, int nst, const char *action)
{
    char err[256];
    int rc = hub_db_begin(req->db, err, sizeof err);
    for (int i = 0; rc == 0 && i < nst; i++)
        rc = hub_db_exec(req->db, st[i].sql, st[i].n, st[i].p, NULL, err, sizeof err);
    if (rc == 0)
        rc = hub_audit_write(req->db, &req->caller, action, NULL, NULL, NULL,
                             req->caller.token_public);
    if (rc == 0)
        rc = hub_db_commit(req->db, err, sizeof err);
    else
        hub_db_rollback(req->db);
    if (rc < 0) {
        log_error("hub: %s: %s", action, err);
        hub_response_error(resp, 500, "Internal error", "storage error");
    }
    return rc;
}

void web_login(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    char err[256], token[256];
    if (!origin_ok(req, err, sizeof err)) {
        hub_response_error(resp, 403, "Forbidden", "%s", err);
        return;
    }
    if (login_token(req, token, sizeof token) < 0) {
        hub_response_error(resp, 400, "Bad request", "expected {\"token\": \"...\"}");
        return;
    }
    int64_t now = hub_now_us();
    char client[80];
    hub_client_key(req->client_addr, client, sizeof client);
    int64_t wait = login_blocked(client, now, s->cfg.login_max_failures);
    if (wait > 0) {
        char retry[24];
        snprintf(retry, sizeof retry, "%lld", (long long)wait);
        hub_response_error(resp, 429, "Too many requests",
                           "too many refused logins from this address: try again in %s s", retry);
        hub_response_header(resp, "Retry-After", retry);
        return;
    }
    int rc = hub_token_authenticate(req->db, token, now, &req->caller, err, sizeof err);
    if (rc == -EACCES) {
        hub_count(&s->metrics.auth_failures, 1);
        login_failed(client, now);
        hub_response_error(resp, 401, "Unauthorized", "%s", err);
        return;
    }
    if (rc == 0 && req->caller.role == HUB_ROLE_SENSOR) {
        hub_response_error(resp, 403, "Forbidden",
                           "sensor tokens cannot open a dashboard session: use an analyst or "
                           "admin token");
        return;
    }
    char sid[49], csrf[49], hash[65], thash[65];
    if (rc == 0 && (random_hex(sid, 24) < 0 || random_hex(csrf, 24) < 0))
        rc = -EIO;
    if (rc < 0) {
        log_error("hub: login: %s", rc == -EIO ? "no random source" : err);
        hub_response_error(resp, 500, "Internal error", "storage error");
        return;
    }
    hub_sha256_hex(sid, strlen(sid), hash);
    hub_sha256_hex(token, strlen(token), thash);
    int64_t expires = now + s->cfg.session_idle_s * 1000000;
    if (req->caller.token_expires && req->caller.token_expires < expires)
        expires = req->caller.token_expires;
    struct hub_db_param p[] = {DB_TEXT(hash), DB_TEXT(thash), DB_TEXT(csrf), DB_INT(now),
                               DB_INT(expires)};
    struct hub_db_param pd[] = {DB_INT(now)};
    const struct session_stmt st[] = {
        {"DELETE FROM sessions WHERE expires <= $1", 1, pd},
        {"INSERT INTO sessions (hash, token_hash, csrf, created, expires, last_used)"
         " VALUES ($1, $2, $3, $4, $5, $4)",
         5, p},
    };
    if (session_write(req, resp, st, 2, "login") < 0)
        return;
    snprintf(req->csrf, sizeof req->csrf, "%s", csrf);
    session_cookie(req, resp, sid);
    hub_response_json(resp, 200, "application/json", whoami(req, expires));
}

void web_logout(struct hub_request *req, struct hub_response *resp)
{
    if (!req->session) {
        hub_response_error(resp, 400, "Bad request", "no dashboard session to end");
        return;
    }
    struct hub_db_param p[] = {DB_TEXT(req->session_hash)};
    const struct session_stmt st[] = {{"DELETE FROM sessions WHERE hash = $1", 1, p}};
    if (session_write(req, resp, st, 1, "logout") < 0)
        return;
    session_cookie(req, resp, NULL);
    hub_response_json(resp, 200, "application/json", json_pack("{s:b}", "logged_out", 1));
}

void web_session(struct hub_request *req, struct hub_response *resp)
{
    int64_t expires = 0;
    if (req->session) {
        struct hub_db_param p[] = {DB_TEXT(req->session_hash)};
        char err[256];
        hub_db_query_i64(req->db, "SELECT expires FROM sessions WHERE hash = $1", 1, p, 0,
                         &expires, err, sizeof err);
    }
    hub_response_json(resp, 200, "application/json", whoami(req, expires));
}

void web_root(struct hub_request *req, struct hub_response *resp)
{
    (void)req;
    resp->status = 302;
    resp->content_type = "text/plain; charset=utf-8";
    resp->body = strdup("dashboard: /ui/\n");
    resp->len = resp->body ? strlen(resp->body) : 0;
    hub_response_header(resp, "Location", "/ui/");
}

static const char *media_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return "application/octet-stream";
}

/* Chart.js from Debian's libjs-chart.js, read once: the maintained charting
 * library is served by the hub itself (no CDN), and the page falls back to
 * tables without it. */
static const char *const chartjs_paths[] = {
    "/usr/share/javascript/chart.js/chart.min.js", /* Debian 12: Chart.js 3, UMD */
    "/usr/share/javascript/chart.js/chart.js",
    "/usr/share/javascript/chart.js/chart.umd.js", /* Chart.js 4 */
    "/usr/share/javascript/chart.js/Chart.min.js",
};

static char *chartjs_load(size_t *len)
{
    const char *env = getenv("VIGIL_CHARTJS");
    for (size_t i = 0; i <= sizeof chartjs_paths / sizeof chartjs_paths[0]; i++) {
        const char *p = i == 0 ? env : chartjs_paths[i - 1];
        if (!p)
            continue;
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        char *buf = NULL;
        if (fseek(f, 0, SEEK_END) == 0) {
            long n = ftell(f);
            if (n > 0 && n < 8L * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0) {
                buf = malloc((size_t)n);
                if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
                    *len = (size_t)n;
                else {
                    free(buf);
                    buf = NULL;
                }
            }
        }
        fclose(f);
        if (buf)
            return buf;
    }
    return NULL;
}

static char *chartjs;
static size_t chartjs_len;
static pthread_once_t chartjs_once = PTHREAD_ONCE_INIT;
static void chartjs_init(void)
{
    chartjs = chartjs_load(&chartjs_len);
}

void web_asset(struct hub_request *req, struct hub_response *resp)
{
    const char *path = hub_request_param(req, "path");
    if (!path || !*path)
        path = "index.html";
    hub_response_header(resp, "Cache-Control", "no-cache");
    if (strcmp(path, "vendor/chart.js") == 0) {
        pthread_once(&chartjs_once, chartjs_init);
        char *js = chartjs ? malloc(chartjs_len) : NULL;
        if (!js) {
            hub_response_error(resp, 404, "Not found",
                               "Chart.js is not installed (Debian package libjs-chart.js)");
            return;
        }
        resp->status = 200;
        resp->content_type = media_of(".js");
        memcpy(js, chartjs, chartjs_len);
        resp->body = js;
        resp->len = chartjs_len;
        return;
    }
    for (size_t i = 0; i < hub_web_asset_count; i++) {
        if (strcmp(hub_web_assets[i].path, path) != 0)
            continue;
        resp->body = malloc(hub_web_assets[i].len + 1);
        if (!resp->body) {
            hub_response_error(resp, 503, "Unavailable", "out of memory");
            return;
        }
        memcpy(resp->body, hub_web_assets[i].data, hub_web_assets[i].len);
        resp->len = hub_web_assets[i].len;
        resp->status = 200;
        resp->content_type = media_of(path);
        return;
    }
    hub_response_error(resp, 404, "Not found", "no dashboard file %s", path);
}
