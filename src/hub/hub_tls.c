/* SPDX-License-Identifier: Apache-2.0 */
/* TLS material for the hub: the operator's certificate and key, or a
 * self-signed P-256 certificate generated with OpenSSL on first start and
 * kept (key mode 0600) so that the fingerprint stays stable across restarts. */
#include <errno.h>
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

static int generate(const char *cert_path, const char *key_path, char *err, size_t errlen)
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
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"vigil hub", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
                                              "DNS:localhost,IP:127.0.0.1,IP:::1");
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

int hub_tls_load_or_create(const char *cert_file, const char *key_file, const char *dir,
                           char **cert_pem, char **key_pem, char *fingerprint, size_t fplen,
                           char *err, size_t errlen)
{
    char cert_path[4096], key_path[4096];
    err[0] = 0;
    *cert_pem = *key_pem = NULL;
    if (cert_file || key_file) {
        if (!cert_file || !key_file) {
            snprintf(err, errlen, "--cert and --key go together");
            return -EINVAL;
        }
        snprintf(cert_path, sizeof cert_path, "%s", cert_file);
        snprintf(key_path, sizeof key_path, "%s", key_file);
    } else {
        snprintf(cert_path, sizeof cert_path, "%s/hub-cert.pem", dir);
        snprintf(key_path, sizeof key_path, "%s/hub-key.pem", dir);
        if (access(cert_path, R_OK) != 0 || access(key_path, R_OK) != 0) {
            int rc = generate(cert_path, key_path, err, errlen);
            if (rc < 0)
                return rc;
            printf("vigil hub: generated a self-signed certificate %s (key %s)\n", cert_path,
                   key_path);
        }
    }
    *cert_pem = read_file(cert_path, err, errlen);
    *key_pem = *cert_pem ? read_file(key_path, err, errlen) : NULL;
    if (!*cert_pem || !*key_pem) {
        free(*cert_pem);
        free(*key_pem);
        *cert_pem = *key_pem = NULL;
        return -EIO;
    }
    int rc = fingerprint_pem(*cert_pem, fingerprint, fplen, err, errlen);
    if (rc < 0) {
        char inner[256];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "%s: %s", cert_path, inner);
        free(*cert_pem);
        free(*key_pem);
        *cert_pem = *key_pem = NULL;
    }
    return rc;
}
