/* SPDX-License-Identifier: Apache-2.0 */
/* TLS material for the hub: the operator's certificate and key, or a
 * self-signed P-256 certificate generated with OpenSSL on first start and
 * kept (key mode 0600) so that the fingerprint stays stable across restarts.
 * The generated certificate names localhost, 127.0.0.1, ::1, the listen
 * address and every --hostname. libmicrohttpd asks for the certificate of
 * each handshake through a GnuTLS callback (MHD_OPTION_HTTPS_CERT_CALLBACK),
 * so a reload (SIGHUP) swaps the pair for new handshakes without dropping a
 * connection. Loaded pairs are kept until the hub stops: a handshake in
 * progress may still use an older one. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub_server.h"
#include "hub/hub_tls.h"
#include "util/log.h"

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (len + 1 >= cap) {
            if (cap > (1u << 20)) {
                snprintf(err, errlen, "%s: too large for a PEM file", path);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    return buf;
}

static int fingerprint_pem(const char *pem, char *out, size_t outlen, char *err, size_t errlen)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x) {
        snprintf(err, errlen, "certificate: not a PEM X.509 certificate");
        return -EINVAL;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(x, EVP_sha256(), md, &n);
    X509_free(x);
    size_t pos = 0;
    for (unsigned int i = 0; i < n && pos + 4 < outlen; i++)
        pos += (size_t)snprintf(out + pos, outlen - pos, i ? ":%02X" : "%02X", md[i]);
    return 0;
}

static int write_private(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -errno;
    ssize_t w = write(fd, data, len);
    int rc = (w == (ssize_t)len && fsync(fd) == 0) ? 0 : -EIO;
    close(fd);
    return rc;
}

static int generate(const char *cert_path, const char *key_path, const char *san, char *err,
                    size_t errlen)
{
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    int rc = -EIO;
    BIO *kb = NULL, *cb = NULL;
    if (!pkey || !x)
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 24 * 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"vigil hub", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    if (!ext) {
        snprintf(err, errlen, "TLS: bad certificate names '%s' (check --hostname)", san);
        goto out;
    }
    if (ext) {
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (!X509_sign(x, pkey, EVP_sha256()))
        goto out;
    kb = BIO_new(BIO_s_mem());
    cb = BIO_new(BIO_s_mem());
    if (!kb || !cb || !PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(cb, x))
        goto out;
    char *data;
    long n = BIO_get_mem_data(kb, &data);
    if (write_private(key_path, data, (size_t)n, 0600) < 0) {
        snprintf(err, errlen, "%s: cannot write the generated key", key_path);
        goto out;
    }
    n = BIO_get_mem_data(cb, &data);
    if (write_private(cert_path, data, (size_t)n, 0644) < 0) {
        snprintf(err, errlen, "%s: cannot write the generated certificate", cert_path);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0 && !err[0])
        snprintf(err, errlen, "TLS: cannot generate a self-signed certificate");
    BIO_free(kb);
    BIO_free(cb);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

/* "DNS:localhost,IP:127.0.0.1,IP:::1" plus the listen address and the
 * hostnames (IP literals become IP: entries). */
static void san_list(const struct hub_config *cfg, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "DNS:localhost,IP:127.0.0.1,IP:::1");
    const char *names[HUB_MAX_HOSTNAMES + 1];
    int count = 0;
    if (strcmp(cfg->listen_addr, "0.0.0.0") != 0 && strcmp(cfg->listen_addr, "127.0.0.1") != 0)
        names[count++] = cfg->listen_addr;
    for (int i = 0; i < cfg->nhostnames; i++)
        names[count++] = cfg->hostnames[i];
    for (int i = 0; i < count && n < outlen; i++) {
        unsigned char buf[16];
        bool ip = inet_pton(AF_INET, names[i], buf) == 1 || inet_pton(AF_INET6, names[i], buf) == 1;
        if (strcmp(names[i], "localhost") == 0)
            continue;
        n += (size_t)snprintf(out + n, outlen - n, ",%s:%s", ip ? "IP" : "DNS", names[i]);
    }
}

/* Whether the certificate names every entry of cfg's hostnames and listen
 * address; the first missing one is written into missing. */
static bool cert_covers(const char *pem, const struct hub_config *cfg, char *missing, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x)
        return true;
    bool ok = true;
    for (int i = -1; ok && i < cfg->nhostnames; i++) {
        const char *name = i < 0 ? cfg->listen_addr : cfg->hostnames[i];
        if (i < 0 && strcmp(name, "0.0.0.0") == 0)
            continue;
        unsigned char buf[16];
        bool ip = inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
        int r = ip ? X509_check_ip_asc(x, name, 0) : X509_check_host(x, name, 0, 0, NULL);
        if (r != 1) {
            ok = false;
            snprintf(missing, len, "%s", name);
        }
    }
    X509_free(x);
    return ok;
}

/* SHA-256 of the SubjectPublicKeyInfo, base64: what curl's --pinnedpubkey
 * "sha256//..." takes. */
static void spki_pin(const char *pem, char *out, size_t outlen)
{
    out[0] = 0;
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!x)
        return;
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(X509_get0_pubkey(x), &der);
    if (n > 0) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
        unsigned char enc[64];
        EVP_EncodeBlock(enc, md, (int)mdlen);
        snprintf(out, outlen, "%s", enc);
    }
    OPENSSL_free(der);
    X509_free(x);
}

struct tls_pair {
    gnutls_pcert_st pcert[8];
    unsigned int npcert;
    gnutls_privkey_t key;
    struct tls_pair *older;
};

struct hub_tls_state {
    char cert_path[4096], key_path[4096];
    char fingerprint[128];
    char pin[64];
    pthread_mutex_t lock; /* reloads */
};

/* The pair handed to new handshakes; one hub per process. */
static _Atomic(struct tls_pair *) current_pair;

static void pair_free(struct tls_pair *p)
{
    while (p) {
        struct tls_pair *older = p->older;
        for (unsigned int i = 0; i < p->npcert; i++)
            gnutls_pcert_deinit(&p->pcert[i]);
        if (p->key)
            gnutls_privkey_deinit(p->key);
        free(p);
        p = older;
    }
}

static struct tls_pair *pair_load(const char *cert_pem, const char *key_pem, char *err,
                                  size_t errlen)
{
    struct tls_pair *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    gnutls_datum_t cd = {(unsigned char *)cert_pem, (unsigned int)strlen(cert_pem)};
    gnutls_datum_t kd = {(unsigned char *)key_pem, (unsigned int)strlen(key_pem)};
    p->npcert = 8;
    int rc = gnutls_pcert_list_import_x509_raw(p->pcert, &p->npcert, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        p->npcert = 0;
        snprintf(err, errlen, "certificate: %s", gnutls_strerror(rc));
        pair_free(p);
        return NULL;
    }
    rc = gnutls_privkey_init(&p->key);
    if (rc == 0)
        rc = gnutls_privkey_import_x509_raw(p->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0) {
        snprintf(err, errlen, "key: %s", gnutls_strerror(rc));
        pair_free(p);
        return NULL;
    }
    return p;
}

static int cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *privkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    struct tls_pair *p = atomic_load(&current_pair);
    if (!p)
        return -1;
    *pcert = p->pcert;
    *pcert_length = p->npcert;
    *privkey = p->key;
    return 0;
}

void *hub_tls_callback(void)
{
    return (void *)cert_callback;
}

/* Reads the pair from the state's paths and makes it current. */
static int load_current(struct hub_tls_state *st, char *err, size_t errlen)
{
    char *cert = read_file(st->cert_path, err, errlen);
    char *key = cert ? read_file(st->key_path, err, errlen) : NULL;
    int rc = -EIO;
    if (cert && key) {
        char fp[128];
        rc = fingerprint_pem(cert, fp, sizeof fp, err, errlen);
        struct tls_pair *p = rc == 0 ? pair_load(cert, key, err, errlen) : NULL;
        if (rc == 0 && !p)
            rc = -EINVAL;
        if (p) {
            snprintf(st->fingerprint, sizeof st->fingerprint, "%s", fp);
            spki_pin(cert, st->pin, sizeof st->pin);
            p->older = atomic_load(&current_pair);
            atomic_store(&current_pair, p);
        }
    }
    if (rc < 0) {
        char inner[512];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "%s: %s", st->cert_path, inner);
    }
    free(cert);
    free(key);
    return rc;
}

int hub_tls_open(struct hub_server *s, char *err, size_t errlen)
{
    const struct hub_config *cfg = &s->cfg;
    err[0] = 0;
    struct hub_tls_state *st = calloc(1, sizeof *st);
    if (!st)
        return -ENOMEM;
    pthread_mutex_init(&st->lock, NULL);
    bool generated = false;
    if (cfg->cert_file) {
        snprintf(st->cert_path, sizeof st->cert_path, "%s", cfg->cert_file);
        snprintf(st->key_path, sizeof st->key_path, "%s", cfg->key_file);
    } else {
        snprintf(st->cert_path, sizeof st->cert_path, "%s/hub-cert.pem", cfg->tls_dir);
        snprintf(st->key_path, sizeof st->key_path, "%s/hub-key.pem", cfg->tls_dir);
        if (access(st->cert_path, R_OK) != 0 || access(st->key_path, R_OK) != 0) {
            char san[2048];
            san_list(cfg, san, sizeof san);
            int rc = generate(st->cert_path, st->key_path, san, err, errlen);
            if (rc < 0) {
                free(st);
                return rc;
            }
            generated = true;
            printf("vigil hub: generated a self-signed certificate %s (key %s) for %s\n",
                   st->cert_path, st->key_path, san);
        }
    }
    int rc = load_current(st, err, errlen);
    if (rc < 0) {
        free(st);
        return rc;
    }
    if (!cfg->cert_file && !generated) {
        char *pem = read_file(st->cert_path, err, errlen);
        char missing[256];
        if (pem && !cert_covers(pem, cfg, missing, sizeof missing))
            log_warning("hub: the generated certificate %s does not name '%s': remove %s and "
                        "its key to generate a new one (its fingerprint changes: tell the "
                        "organisations that pin it)",
                        st->cert_path, missing, st->cert_path);
        free(pem);
        err[0] = 0;
    }
    s->tls = st;
    return 0;
}

int hub_tls_reload(struct hub_server *s, char *err, size_t errlen)
{
    struct hub_tls_state *st = s->tls;
    if (!st)
        return 0;
    pthread_mutex_lock(&st->lock);
    int rc = load_current(st, err, errlen);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

const char *hub_tls_fingerprint(const struct hub_server *s)
{
    return s->tls ? s->tls->fingerprint : "";
}

const char *hub_tls_pin(const struct hub_server *s)
{
    return s->tls ? s->tls->pin : "";
}

void hub_tls_close(struct hub_server *s)
{
    if (!s->tls)
        return;
    pair_free(atomic_exchange(&current_pair, NULL));
    pthread_mutex_destroy(&s->tls->lock);
    free(s->tls);
    s->tls = NULL;
}
