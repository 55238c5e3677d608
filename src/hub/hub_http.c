/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP(S) front end on libmicrohttpd: thread pool with epoll, body size
 * limit (413), connection timeout against slow clients, authentication, and
 * dispatch to the TAXII and risk endpoints. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub/hub_server.h"
#include "util/log.h"

struct http_ctx {
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    bool started;
};

const char *hub_request_header(const struct hub_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *hub_request_arg(const struct hub_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void hub_response_json(struct hub_response *resp, int status, const char *content_type,
                       json_t *body)
{
    resp->status = status;
    resp->content_type = content_type;
    free(resp->body);
    resp->body = json_dumps(body, JSON_COMPACT);
    resp->len = resp->body ? strlen(resp->body) : 0;
    json_decref(body);
}

void hub_response_error(struct hub_response *resp, int status, const char *title,
                        const char *fmt, ...)
{
    char desc[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof desc, fmt, ap);
    va_end(ap);
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    hub_response_json(resp, status, HUB_TAXII_MEDIA,
                      json_pack("{s:s, s:s, s:s}", "title", title, "description", desc,
                                "http_status", code));
}

void hub_response_header(struct hub_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= HUB_MAX_HEADERS)
        return;
    snprintf(resp->header_names[resp->nheaders], sizeof resp->header_names[0], "%s", name);
    snprintf(resp->header_values[resp->nheaders], sizeof resp->header_values[0], "%s", value);
    resp->nheaders++;
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
    for (int i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->header_names[i], resp->header_values[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Extracts the token from "Bearer T" or "Basic base64(user:T)". */
static int auth_token(const char *header, char *out, size_t outlen)
{
    if (!header)
        return -ENOENT;
    if (strncasecmp(header, "Bearer ", 7) == 0) {
        const char *t = header + 7;
        while (*t == ' ')
            t++;
        if (strlen(t) >= outlen)
            return -EINVAL;
        snprintf(out, outlen, "%s", t);
        return 0;
    }
    if (strncasecmp(header, "Basic ", 6) == 0) {
        const char *b = header + 6;
        while (*b == ' ')
            b++;
        static const char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char dec[512];
        size_t n = 0;
        unsigned acc = 0;
        int bits = 0;
        for (; *b && *b != '='; b++) {
            const char *p = strchr(alphabet, *b);
            if (!p || !*b)
                return -EINVAL;
            acc = (acc << 6) | (unsigned)(p - alphabet);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                if (n + 1 >= sizeof dec)
                    return -EINVAL;
                dec[n++] = (char)((acc >> bits) & 0xff);
            }
        }
        dec[n] = 0;
        if (memchr(dec, 0, n))
            return -EINVAL;
        const char *colon = strchr(dec, ':');
        if (!colon || strlen(colon + 1) >= outlen)
            return -EINVAL;
        snprintf(out, outlen, "%s", colon + 1);
        return 0;
    }
    return -EINVAL;
}

static void dispatch(struct hub_request *req, struct hub_response *resp)
{
    struct hub_server *s = req->server;
    char token[256];
    int rc = auth_token(hub_request_header(req, "Authorization"), token, sizeof token);
    if (rc < 0) {
        hub_response_error(resp, 401, "Unauthorized",
                           rc == -ENOENT ? "authentication required: HTTP Basic (token as "
                                           "password) or Bearer token"
                                         : "malformed Authorization header");
        hub_response_header(resp, "WWW-Authenticate", "Basic realm=\"vigil hub\", Bearer");
        return;
    }
    req->db = hub_db_acquire(s->db);
    char err[256];
    rc = hub_token_authenticate(req->db, token, &req->caller, err, sizeof err);
    if (rc == -EACCES) {
        hub_response_error(resp, 401, "Unauthorized", "%s", err);
        hub_response_header(resp, "WWW-Authenticate", "Basic realm=\"vigil hub\", Bearer");
    } else if (rc < 0) {
        log_error("hub: authentication: %s", err);
        hub_response_error(resp, 500, "Internal error", "storage unavailable");
    } else if (strncmp(req->url, "/api/v1/", 8) == 0) {
        hub_risk_handle(req, resp);
    } else {
        hub_taxii_handle(req, resp);
    }
    hub_db_release(s->db, req->db);
    req->db = NULL;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    struct hub_server *s = cls;
    struct http_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx)
            return MHD_NO;
        *con_cls = ctx;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        unsigned long long content_length = cl ? strtoull(cl, NULL, 10) : 0;
        if (cl && content_length > s->cfg.max_body) {
            ctx->too_large = true;
            struct hub_response resp = {0};
            hub_response_error(&resp, 413, "Payload too large",
                               "request body of %s bytes exceeds the limit of %zu bytes", cl,
                               s->cfg.max_body);
            return send_response(conn, &resp);
        }
        /* Size the body buffer once when the length is announced. */
        if (content_length > 0) {
            ctx->body = malloc((size_t)content_length + 1);
            if (!ctx->body)
                return MHD_NO;
            ctx->cap = (size_t)content_length + 1;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!ctx->too_large) {
            if (ctx->len + *upload_data_size > s->cfg.max_body) {
                ctx->too_large = true;
                free(ctx->body);
                ctx->body = NULL;
                ctx->len = ctx->cap = 0;
            } else {
                if (ctx->len + *upload_data_size + 1 > ctx->cap) {
                    size_t ncap = ctx->cap ? ctx->cap : 65536;
                    while (ncap < ctx->len + *upload_data_size + 1)
                        ncap *= 2;
                    char *nb = realloc(ctx->body, ncap);
                    if (!nb)
                        return MHD_NO;
                    ctx->body = nb;
                    ctx->cap = ncap;
                }
                memcpy(ctx->body + ctx->len, upload_data, *upload_data_size);
                ctx->len += *upload_data_size;
                ctx->body[ctx->len] = 0;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct hub_response resp = {0};
    if (ctx->too_large) {
        hub_response_error(&resp, 413, "Payload too large",
                           "request body exceeds the limit of %zu bytes", s->cfg.max_body);
        return send_response(conn, &resp);
    }
    struct hub_request req = {.server = s,
                              .conn = conn,
                              .method = method,
                              .url = url,
                              .body = ctx->body ? ctx->body : "",
                              .body_len = ctx->len};
    dispatch(&req, &resp);
    return send_response(conn, &resp);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct http_ctx *ctx = *con_cls;
    if (ctx) {
        free(ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    if (log_get_level() < LOG_LEVEL_INFO)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = 0;
    log_info("hub: http: %s", line);
}

int hub_server_run(struct hub_server *s)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->cfg.listen_port);
    if (inet_pton(AF_INET, s->cfg.listen_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "vigil: hub: --listen '%s': not an IPv4 address\n", s->cfg.listen_addr);
        return 2;
    }
    char *cert = NULL, *key = NULL;
    char fingerprint[128] = "";
    if (!s->cfg.plain_http) {
        char err[512];
        if (hub_tls_load_or_create(s->cfg.cert_file, s->cfg.key_file, s->cfg.tls_dir, &cert, &key,
                                   fingerprint, sizeof fingerprint, err, sizeof err) < 0) {
            fprintf(stderr, "vigil: hub: %s\n", err);
            return 1;
        }
    }
    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (!s->cfg.plain_http)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, &sa},
        {MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, 512, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)s->cfg.listen_port, NULL, NULL, access_handler, s,
                         MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "vigil: hub: cannot listen on %s:%d%s\n", s->cfg.listen_addr,
                s->cfg.listen_port,
                s->cfg.plain_http ? "" : " (address in use, or TLS not supported by libmicrohttpd)");
        free(cert);
        free(key);
        return 1;
    }
    int port = s->cfg.listen_port;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        port = info->port;
    const char *scheme = s->cfg.plain_http ? "http" : "https";
    if (!s->cfg.plain_http)
        printf("vigil hub: TLS certificate SHA-256 fingerprint %s\n", fingerprint);
    printf("vigil hub: listening on %s://%s:%d/ (TAXII discovery %s://%s:%d/taxii2/)\n", scheme,
           s->cfg.listen_addr, port, scheme, s->cfg.listen_addr, port);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    printf("vigil hub: signal %d, stopping\n", sig);
    fflush(stdout);
    MHD_stop_daemon(d);
    free(cert);
    free(key);
    return 0;
}
