/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP(S) front end on libmicrohttpd: thread pool with epoll. Once a
 * request's headers are in, its route is looked up in the route table
 * (hub_routes.c) and the route's requirements are enforced before any body
 * is read: authentication (401), Accept (406), Content-Type (415) and the
 * body limit (413). Then the body is read and the route's handler called
 * with a database connection. Connection limits and the header deadline
 * are in hub_conn.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#include "hub/hub_json.h"
#include "hub/hub_conn.h"
#include "hub/hub_server.h"
#include "hub/hub_tls.h"
#include "hub/hub_util.h"
#include "hub/hub_web.h"
#include "util/log.h"

/* Per-request state kept by libmicrohttpd between calls of the access
 * handler; freed in request_completed. */
struct http_ctx {
    char *body;
    size_t len;
    size_t cap;
    size_t limit;
    bool too_large;
    bool answered; /* a response was queued before the body (refusal) */
    int route;     /* index in hub_routes, or -1 */
    int status;
    int64_t start_us;
    struct hub_request req;
};

const char *hub_request_header(const struct hub_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *hub_request_arg(const struct hub_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *hub_request_param(const struct hub_request *r, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < r->params.n; i++)
        if (r->params.p[i].name_len == n && memcmp(r->params.p[i].name, name, n) == 0)
            return r->params.p[i].value;
    return NULL;
}

void hub_response_json(struct hub_response *resp, int status, const char *content_type,
                       json_t *body)
{
    resp->status = status;
    resp->content_type = content_type;
    free(resp->body);
    resp->len = 0;
    resp->body = hub_json_compact(body, &resp->len);
    json_decref(body);
}

void hub_response_error(struct hub_response *resp, int status, const char *title, const char *fmt,
                        ...)
{
    char desc[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof desc, fmt, ap);
    va_end(ap);
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    hub_response_json(
        resp, status, HUB_TAXII_MEDIA,
        json_pack("{s:s, s:s, s:s}", "title", title, "description", desc, "http_status", code));
}

void hub_response_header(struct hub_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= HUB_MAX_HEADERS)
        return;
    snprintf(resp->header_names[resp->nheaders], sizeof resp->header_names[0], "%s", name);
    snprintf(resp->header_values[resp->nheaders], sizeof resp->header_values[0], "%s", value);
    resp->nheaders++;
}

struct forwarded_acc {
    char *buf;
    size_t size, len;
};

static enum MHD_Result forwarded_add(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct forwarded_acc *acc = cls;
    if (!key || !value || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    size_t n = strlen(value);
    /* Several headers are one list, in order. Past the buffer the oldest
     * (leftmost) entries go: the walk reads from the right. */
    size_t need = (acc->len ? 1 : 0) + n;
    if (need >= acc->size) {
        snprintf(acc->buf, acc->size, "%s", value + (n - (acc->size - 1)));
        const char *comma = strchr(acc->buf, ',');
        if (comma) /* a cut entry is not an address */
            memmove(acc->buf, comma + 1, strlen(comma + 1) + 1);
        acc->len = strlen(acc->buf);
        return MHD_YES;
    }
    if (acc->len + need >= acc->size) {
        size_t drop = acc->len + need - (acc->size - 1);
        const char *comma = strchr(acc->buf + drop, ',');
        size_t keep = comma ? strlen(comma + 1) : 0;
        memmove(acc->buf, comma ? comma + 1 : acc->buf, keep + 1);
        acc->buf[keep] = '\0';
        acc->len = keep;
    }
    acc->len += (size_t)snprintf(acc->buf + acc->len, acc->size - acc->len, "%s%s",
                                 acc->len ? "," : "", value);
    return MHD_YES;
}

/* Every X-Forwarded-For header of the request as one list; NULL when none. */
static const char *forwarded_for(struct MHD_Connection *conn, char *buf, size_t size)
{
    struct forwarded_acc acc = {buf, size, 0};
    buf[0] = '\0';
    MHD_get_connection_values(conn, MHD_HEADER_KIND, forwarded_add, &acc);
    return buf[0] ? buf : NULL;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct hub_response *resp)
{
    if (!resp->body) {
        resp->body = strdup("");
        resp->len = 0;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(resp->body);
        return MHD_NO;
    }
    resp->body = NULL;
    if (resp->content_type)
        MHD_add_response_header(r, "Content-Type", resp->content_type);
    bool cache_set = false;
    for (int i = 0; i < resp->nheaders; i++) {
        MHD_add_response_header(r, resp->header_names[i], resp->header_values[i]);
        cache_set = cache_set || strcasecmp(resp->header_names[i], "Cache-Control") == 0;
    }
    /* Security headers on every answer (the dashboard's pages and data, and
     * the APIs alike): a strict CSP, no sniffing, no framing, no referrer;
     * data is never cached unless the handler says otherwise. */
    MHD_add_response_header(r, "Content-Security-Policy", HUB_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    if (!cache_set)
        MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Extracts the token from "Bearer T" or "Basic base64(user:T)" (OpenSSL's
 * base64 decoder). -ENOENT without a header, -EINVAL when malformed. */
static int auth_token(const char *header, char *out, size_t outlen)
{
    if (!header)
        return -ENOENT;
    if (strncasecmp(header, "Bearer ", 7) == 0) {
        const char *t = header + 7;
        while (*t == ' ')
            t++;
        if (!*t || strlen(t) >= outlen)
            return -EINVAL;
        snprintf(out, outlen, "%s", t);
        return 0;
    }
    if (strncasecmp(header, "Basic ", 6) != 0)
        return -EINVAL;
    const char *b = header + 6;
    while (*b == ' ')
        b++;
    size_t n = strlen(b);
    unsigned char dec[400];
    if (n == 0 || n % 4 || n / 4 * 3 >= sizeof dec)
        return -EINVAL;
    int len = EVP_DecodeBlock(dec, (const unsigned char *)b, (int)n);
    if (len < 0)
        return -EINVAL;
    /* EVP_DecodeBlock counts the bytes that padding stands for. */
    if (b[n - 1] == '=')
        len -= b[n - 2] == '=' ? 2 : 1;
    dec[len] = 0;
    if (memchr(dec, 0, (size_t)len))
        return -EINVAL;
    const char *colon = strchr((const char *)dec, ':');
    if (!colon || !colon[1] || strlen(colon + 1) >= outlen)
        return -EINVAL;
    snprintf(out, outlen, "%s", colon + 1);
    return 0;
}

static void unauthorized(struct hub_response *resp, const char *fmt, const char *detail)
{
    hub_response_error(resp, 401, "Unauthorized", fmt, detail);
    hub_response_header(resp, "WWW-Authenticate", "Basic realm=\"vigil hub\", Bearer");
}

/* Authenticates the request's token into req->caller. 0, or a response is
 * set (401, or 500 when storage is down). */
static int authenticate(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    char token[256];
    const char *authz = hub_request_header(req, "Authorization");
    const char *sid = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, HUB_SESSION_COOKIE);
    if (!authz && sid && *sid) {
        /* A dashboard session: the same token check behind it (hub_web.c),
         * and the CSRF check on anything that is not a read. */
        char err[256];
        int rc = hub_session_authenticate(req, sid, err, sizeof err);
        if (rc == -EACCES) {
            hub_count(&s->metrics.auth_failures, 1);
            hub_response_error(resp, 401, "Unauthorized", "%s", err);
        } else if (rc < 0) {
            log_error("hub: session: %s", err);
            hub_response_error(resp, 500, "Internal error", "storage unavailable");
        } else if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
                   !hub_session_csrf_ok(req, err, sizeof err)) {
            hub_response_error(resp, 403, "Forbidden", "%s", err);
            rc = -EPERM;
        }
        return rc;
    }
    int rc = auth_token(authz, token, sizeof token);
    if (rc < 0) {
        hub_count(&s->metrics.auth_failures, 1);
        unauthorized(resp, "%s",
                     rc == -ENOENT ? "authentication required: HTTP Basic (token as password) "
                                     "or Bearer token"
                                   : "malformed Authorization header");
        return -EACCES;
    }
    struct hub_db_conn *c = hub_db_acquire(s->db);
    char err[256];
    rc = hub_token_authenticate(c, token, hub_now_us(), &req->caller, err, sizeof err);
    hub_db_release(s->db, c);
    if (rc == -EACCES) {
        hub_count(&s->metrics.auth_failures, 1);
        unauthorized(resp, "%s", err);
    } else if (rc < 0) {
        log_error("hub: authentication: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage unavailable");
    }
    return rc;
}

static bool has_body(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl)
        return strtoull(cl, NULL, 10) > 0;
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
}

/* Everything decided from the request head: route, authentication, media
 * types, body limit. Returns true when the request may go on to its body;
 * otherwise resp holds the refusal. */
static bool admit_request(struct hub_server *s, struct http_ctx *ctx, struct MHD_Connection *conn,
                          struct hub_response *resp)
{
    struct hub_request *req = &ctx->req;
    char allow[64];
    ctx->route = hub_route_match(req->method, req->url, &req->params, allow, sizeof allow);
    if (ctx->route == -405) {
        ctx->route = -1;
        hub_response_error(resp, 405, "Method not allowed", "%s supports %s", req->url, allow);
        hub_response_header(resp, "Allow", allow);
        return false;
    }
    if (ctx->route < 0) {
        ctx->route = -1;
        hub_response_error(resp, 404, "Not found", "no resource at %s", req->url);
        return false;
    }
    const struct hub_route *r = &hub_routes[ctx->route];
    req->route = r;
    if (r->auth == HUB_AUTH_TOKEN) {
        if (authenticate(req, resp) < 0)
            return false;
        hub_conn_authenticated(s, conn);
    }
    if (r->produces && !hub_media_accepts(hub_request_header(req, "Accept"), r->produces)) {
        hub_response_error(resp, 406, "Not acceptable", "this endpoint produces %s%s", r->produces,
                           strcmp(r->produces, HUB_MEDIA_TAXII) == 0 ? ";version=2.1" : "");
        return false;
    }
    if (r->consumes && has_body(conn) &&
        !hub_media_is(hub_request_header(req, "Content-Type"), r->consumes)) {
        hub_response_error(resp, 415, "Unsupported media type", "Content-Type must be %s%s",
                           r->consumes,
                           strcmp(r->consumes, HUB_MEDIA_TAXII) == 0 ? ";version=2.1" : "");
        return false;
    }
    ctx->limit = r->max_body == HUB_BODY_CONFIG ? s->cfg.max_body : r->max_body;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    unsigned long long content_length = cl ? strtoull(cl, NULL, 10) : 0;
    if (content_length > ctx->limit) {
        hub_count(&s->metrics.bodies_too_large, 1);
        if (ctx->limit == 0)
            hub_response_error(resp, 413, "Payload too large", "%s %s takes no request body",
                               req->method, r->pattern);
        else
            hub_response_error(resp, 413, "Payload too large",
                               "request body of %s bytes exceeds the limit of %zu bytes", cl,
                               ctx->limit);
        return false;
    }
    /* Size the body buffer once when the length is announced. */
    if (content_length > 0) {
        ctx->body = malloc((size_t)content_length + 1);
        if (!ctx->body) {
            hub_response_error(resp, 503, "Unavailable", "out of memory");
            return false;
        }
        ctx->cap = (size_t)content_length + 1;
    }
    return true;
}

static int append_body(struct http_ctx *ctx, const char *data, size_t n)
{
    if (ctx->too_large)
        return 0;
    if (ctx->len + n > ctx->limit) {
        ctx->too_large = true;
        free(ctx->body);
        ctx->body = NULL;
        ctx->len = ctx->cap = 0;
        return 0;
    }
    if (ctx->len + n + 1 > ctx->cap) {
        size_t ncap = ctx->cap ? ctx->cap : 65536;
        while (ncap < ctx->len + n + 1)
            ncap *= 2;
        char *nb = realloc(ctx->body, ncap);
        if (!nb)
            return -ENOMEM;
        ctx->body = nb;
        ctx->cap = ncap;
    }
    memcpy(ctx->body + ctx->len, data, n);
    ctx->len += n;
    ctx->body[ctx->len] = 0;
    return 0;
}

static enum MHD_Result answer(struct http_ctx *ctx, struct MHD_Connection *conn,
                              struct hub_response *resp)
{
    ctx->status = resp->status;
    return send_response(conn, resp);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)version;
    struct hub_server *s = cls;
    struct http_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx)
            return MHD_NO;
        *con_cls = ctx;
        ctx->start_us = hub_now_us();
        ctx->route = -1;
        hub_conn_request_started(s, conn);
        struct hub_request *req = &ctx->req;
        req->server = s;
        req->conn = conn;
        req->method = method;
        req->url = url;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->remote_addr,
                          sizeof req->remote_addr);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->remote_addr,
                          sizeof req->remote_addr);
        }
        char forwarded[1024];
        hub_client_address(req->remote_addr,
                           s->cfg.ntrusted_proxies ? forwarded_for(conn, forwarded, sizeof forwarded)
                                                   : NULL,
                           s->cfg.trusted_proxies, s->cfg.ntrusted_proxies, req->client_addr,
                           sizeof req->client_addr);
        struct hub_response resp = {0};
        if (!admit_request(s, ctx, conn, &resp)) {
            ctx->answered = true;
            return answer(ctx, conn, &resp);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->answered)
            return MHD_YES;
        return append_body(ctx, upload_data, n) < 0 ? MHD_NO : MHD_YES;
    }
    if (ctx->answered)
        return MHD_YES;
    struct hub_response resp = {0};
    if (ctx->too_large) {
        hub_count(&s->metrics.bodies_too_large, 1);
        hub_response_error(&resp, 413, "Payload too large",
                           "request body exceeds the limit of %zu bytes", ctx->limit);
        return answer(ctx, conn, &resp);
    }
    struct hub_request *req = &ctx->req;
    req->body = ctx->body ? ctx->body : "";
    req->body_len = ctx->len;
    req->db = hub_db_acquire(s->db);
    req->route->handler(req, &resp);
    hub_db_release(s->db, req->db);
    req->db = NULL;
    if (!resp.status)
        hub_response_error(&resp, 500, "Internal error", "no response");
    return answer(ctx, conn, &resp);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct hub_server *s = cls;
    struct http_ctx *ctx = *con_cls;
    if (ctx) {
        hub_metrics_request(&s->metrics, ctx->route < 0 ? HUB_METRICS_ROUTES : ctx->route,
                            ctx->status, hub_now_us() - ctx->start_us);
        free(ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
    hub_conn_request_finished(s, conn);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (log_get_level() < LOG_LEVEL_INFO)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = 0;
    log_info("hub: http: %s", line);
}

/* --log-file: stdout and stderr go to the file, opened for appending;
 * reopened on SIGHUP so that logrotate can rename it. */
int hub_log_reopen(const struct hub_server *s)
{
    if (!s->cfg.log_file)
        return 0;
    int fd = open(s->cfg.log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    fflush(stdout);
    fflush(stderr);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    return 0;
}

/* SIGHUP / SIGUSR2: reopen the log, reload the certificate, flush the audit
 * queue. Nothing is interrupted. */
static void reload(struct hub_server *s, int sig)
{
    int rc = hub_log_reopen(s);
    if (rc < 0)
        log_error("hub: %s: cannot reopen the log: %s", s->cfg.log_file, strerror(-rc));
    printf("vigil hub: signal %d: log reopened, reloading the certificate\n", sig);
    char err[512];
    if (!s->cfg.plain_http) {
        if (hub_tls_reload(s, err, sizeof err) < 0)
            log_error("hub: certificate not reloaded, the current one stays in use: %s", err);
        else
            printf("vigil hub: TLS certificate SHA-256 fingerprint %s\n", hub_tls_fingerprint(s));
    }
    hub_audit_flush(s);
    hub_count(&s->metrics.reloads, 1);
    fflush(stdout);
}

int hub_server_run(struct hub_server *s)
{
    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } sa = {0};
    bool v6 = false;
    if (inet_pton(AF_INET, s->cfg.listen_addr, &sa.v4.sin_addr) == 1) {
        sa.v4.sin_family = AF_INET;
        sa.v4.sin_port = htons((uint16_t)s->cfg.listen_port);
    } else if (inet_pton(AF_INET6, s->cfg.listen_addr, &sa.v6.sin6_addr) == 1) {
        v6 = true;
        sa.v6.sin6_family = AF_INET6;
        sa.v6.sin6_port = htons((uint16_t)s->cfg.listen_port);
    } else {
        fprintf(stderr, "vigil: hub: --listen '%s': not an IPv4 or IPv6 address\n",
                s->cfg.listen_addr);
        return 2;
    }
    char err[512];
    if (!s->cfg.plain_http && hub_tls_open(s, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: hub: %s\n", err);
        return 1;
    }
    if (hub_conn_start(s) < 0) {
        fprintf(stderr, "vigil: hub: cannot start the connection guard\n");
        hub_tls_close(s);
        return 1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (!s->cfg.plain_http)
        flags |= MHD_USE_TLS;
    if (v6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, &sa},
        {MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_per_address, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)hub_conn_notify, s},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {s->cfg.plain_http ? MHD_OPTION_END : MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
         s->cfg.plain_http ? NULL : hub_tls_callback()},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)s->cfg.listen_port, NULL, NULL, access_handler, s,
                         MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "vigil: hub: cannot listen on %s:%d%s\n", s->cfg.listen_addr,
                s->cfg.listen_port,
                s->cfg.plain_http ? ""
                                  : " (address in use, or TLS not supported by libmicrohttpd)");
        hub_conn_stop(s);
        hub_tls_close(s);
        return 1;
    }
    int port = s->cfg.listen_port;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        port = info->port;
    const char *scheme = s->cfg.plain_http ? "http" : "https";
    if (!s->cfg.plain_http)
        printf("vigil hub: TLS certificate SHA-256 fingerprint %s (public key pin sha256//%s)\n",
               hub_tls_fingerprint(s), hub_tls_pin(s));
    const char *lb = v6 ? "[" : "", *rb = v6 ? "]" : "";
    printf("vigil hub: listening on %s://%s%s%s:%d/ (TAXII discovery %s://%s%s%s:%d/taxii2/)\n",
           scheme, lb, s->cfg.listen_addr, rb, port, scheme, lb, s->cfg.listen_addr, rb, port);
    fflush(stdout);
    atomic_store(&s->metrics.started_us, hub_now_us());
    sigset_t set;
    hub_signal_set(&set);
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP || sig == SIGUSR2) {
            reload(s, sig);
            continue;
        }
        printf("vigil hub: signal %d, stopping\n", sig);
        fflush(stdout);
        break;
    }
    MHD_stop_daemon(d);
    hub_conn_stop(s);
    hub_tls_close(s);
    return 0;
}
