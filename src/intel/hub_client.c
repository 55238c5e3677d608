/* SPDX-License-Identifier: Apache-2.0 */
#include "intel/hub_client.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "intel/intel_internal.h"

struct hub_client {
    CURL *curl;
    char *base;
    char *auth_header;
    char *ca_file;
    uint8_t pin[32];
    bool have_pin;
    char *spki_pin;
    long timeout_ms, connect_timeout_ms;
    char *buf;
    size_t len, cap;
    char date_added_last[48];
    int pin_failed;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct hub_client *hc = user;
    size_t n = size * nmemb;
    if (hc->len + n + 1 > hc->cap) {
        size_t nc = hc->cap ? hc->cap : 65536;
        while (nc < hc->len + n + 1)
            nc *= 2;
        if (nc > (size_t)256 << 20)
            return 0; /* a hub page is never this large: stop */
        char *p = realloc(hc->buf, nc);
        if (!p)
            return 0;
        hc->buf = p;
        hc->cap = nc;
    }
    memcpy(hc->buf + hc->len, ptr, n);
    hc->len += n;
    hc->buf[hc->len] = '\0';
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct hub_client *hc = user;
    size_t n = size * nmemb;
    static const char name[] = "x-taxii-date-added-last:";
    if (n > sizeof name && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        const char *v = ptr + sizeof name - 1;
        size_t vl = n - (sizeof name - 1);
        while (vl && (*v == ' ' || *v == '\t')) {
            v++;
            vl--;
        }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < sizeof hc->date_added_last) {
            memcpy(hc->date_added_last, v, vl);
            hc->date_added_last[vl] = '\0';
        }
    }
    return n;
}

/* Certificate pinning: the leaf certificate's SHA-256 must be the pin; the
 * chain and the host name are not otherwise checked (a pinned hub is
 * typically self-signed). */
static int pin_ex_index = -1;

static int pin_verify(int preverify_ok, X509_STORE_CTX *ctx)
{
    (void)preverify_ok;
    if (X509_STORE_CTX_get_error_depth(ctx) != 0)
        return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    SSL_CTX *sctx = ssl ? SSL_get_SSL_CTX(ssl) : NULL;
    struct hub_client *hc = sctx ? SSL_CTX_get_ex_data(sctx, pin_ex_index) : NULL;
    X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!hc || !cert || X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32 ||
        memcmp(md, hc->pin, 32) != 0) {
        if (hc)
            hc->pin_failed = 1;
        X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return 1;
}

static CURLcode on_ssl_ctx(CURL *curl, void *sslctx, void *user)
{
    (void)curl;
    SSL_CTX *ctx = sslctx;
    SSL_CTX_set_ex_data(ctx, pin_ex_index, user);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, pin_verify);
    return CURLE_OK;
}

struct hub_client *hub_client_new(const struct hub_client_config *c, char *err, size_t errlen)
{
    pthread_once(&curl_once, curl_init_once);
    if (!c->url || (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)) {
        snprintf(err, errlen, "hub URL must start with http:// or https://");
        return NULL;
    }
    struct hub_client *hc = calloc(1, sizeof *hc);
    if (!hc)
        return NULL;
    hc->base = strdup(c->url);
    size_t bl = strlen(hc->base);
    while (bl && hc->base[bl - 1] == '/')
        hc->base[--bl] = '\0';
    if (c->token) {
        hc->auth_header = malloc(strlen(c->token) + 32);
        if (hc->auth_header)
            sprintf(hc->auth_header, "Authorization: Bearer %s", c->token);
    }
    hc->ca_file = c->ca_file ? strdup(c->ca_file) : NULL;
    if (c->pin && c->pin[0]) {
        if (strncmp(c->pin, "sha256//", 8) == 0) {
            hc->spki_pin = strdup(c->pin);
        } else if (intel_hex_decode(c->pin, strlen(c->pin), hc->pin, 32) == 0) {
            hc->have_pin = true;
        } else {
            snprintf(err, errlen, "hub pin: expected the certificate's SHA-256 fingerprint "
                                  "(64 hex digits, colons allowed) or sha256//BASE64");
            hub_client_free(hc);
            return NULL;
        }
    }
    if (pin_ex_index < 0)
        pin_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    hc->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 10000;
    hc->connect_timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 3000;
    hc->curl = curl_easy_init();
    if (!hc->base || !hc->curl || (c->token && !hc->auth_header)) {
        snprintf(err, errlen, "out of memory");
        hub_client_free(hc);
        return NULL;
    }
    return hc;
}

void hub_client_free(struct hub_client *hc)
{
    if (!hc)
        return;
    if (hc->curl)
        curl_easy_cleanup(hc->curl);
    free(hc->base);
    free(hc->auth_header);
    free(hc->ca_file);
    free(hc->spki_pin);
    free(hc->buf);
    free(hc);
}

static int perform(struct hub_client *hc, const char *path, const char *accept,
                   const char *content_type, const char *body, size_t len,
                   struct hub_response_buf *out, char *err, size_t errlen)
{
    CURL *c = hc->curl;
    curl_easy_reset(c);
    char url[4096];
    snprintf(url, sizeof url, "%s%s", hc->base, path);
    hc->len = 0;
    if (hc->buf)
        hc->buf[0] = '\0';
    hc->date_added_last[0] = '\0';
    hc->pin_failed = 0;
    struct curl_slist *h = NULL;
    char acc[160], ct[160];
    if (hc->auth_header)
        h = curl_slist_append(h, hc->auth_header);
    if (accept) {
        snprintf(acc, sizeof acc, "Accept: %s", accept);
        h = curl_slist_append(h, acc);
    }
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, hc);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, hc);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, hc->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, hc->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil-sensor/" VIGIL_VERSION_STRING);
    if (hc->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, hc->ca_file);
    if (hc->have_pin) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, hc);
    } else if (hc->spki_pin) {
        curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, hc->spki_pin);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        if (hc->pin_failed)
            snprintf(err, errlen, "%s: the hub's certificate does not match the pinned "
                                  "fingerprint", hc->base);
        else
            snprintf(err, errlen, "%s: %s", hc->base, curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (!hc->buf) {
        hc->buf = malloc(1);
        if (!hc->buf)
            return -1;
        hc->buf[0] = '\0';
        hc->cap = 1;
    }
    out->data = hc->buf;
    out->len = hc->len;
    out->status = status;
    snprintf(out->date_added_last, sizeof out->date_added_last, "%s", hc->date_added_last);
    return 0;
}

int hub_client_get(struct hub_client *hc, const char *path, const char *accept,
                   struct hub_response_buf *out, char *err, size_t errlen)
{
    return perform(hc, path, accept, NULL, NULL, 0, out, err, errlen);
}

int hub_client_post(struct hub_client *hc, const char *path, const char *content_type,
                    const char *body, size_t len, struct hub_response_buf *out, char *err,
                    size_t errlen)
{
    return perform(hc, path, NULL, content_type, body ? body : "", len, out, err, errlen);
}

void hub_client_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
    }
    out[o] = '\0';
}
