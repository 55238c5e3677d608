/* SPDX-License-Identifier: Apache-2.0 */
/* Data leaving (gid 7204) and new and rare (gid 7205), src/behaviour/:
 * card numbers and IBANs found and masked, ordinary numbers not; the
 * per-host baseline learnt over windows and a window far above it; large
 * uploads to new destinations; DNS and ICMP volume; an internal server's
 * first Internet contact; new JA4/HASSH after learning; self-signed and
 * expired server certificates; HOME_NET from the configuration. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "behaviour/behaviour.h"
#include "decode/packet.h"
#include "behaviour_test.h"
#include "test.h"
#include "util/config.h"

static int got[8][8]; /* [gid - 7200][sid] */
static char last_meta[256];

static void on_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    (void)user;
    (void)f;
    CHECK(a->gid == 7204 || a->gid == 7205);
    CHECK(a->sid >= 1 && a->sid <= 6);
    got[a->gid - 7200][a->sid]++;
    last_meta[0] = '\0';
    for (int i = 0; a->metadata && a->metadata[i]; i++) {
        strncat(last_meta, a->metadata[i], sizeof last_meta - strlen(last_meta) - 1);
        strncat(last_meta, " ", sizeof last_meta - strlen(last_meta) - 1);
    }
}

#define SEC 1000000ull
#define HOUR (3600ull * SEC)
#define T0 (1700000000ull * SEC)

static void test_pii(void)
{
    CHECK(behaviour_luhn_ok("4111111111111111", 16));
    CHECK(!behaviour_luhn_ok("4111111111111112", 16));
    CHECK(behaviour_iban_ok("DE89370400440532013000", 22));
    CHECK(behaviour_iban_ok("GB82WEST12345698765432", 22));
    CHECK(!behaviour_iban_ok("DE89370400440532013001", 22));
    CHECK(!behaviour_iban_ok("DE8937040044053201300", 21)); /* length of DE is 22 */
    uint32_t cards, ibans;
    char cm[BEHAVIOUR_PII_MASK_LEN], im[BEHAVIOUR_PII_MASK_LEN];
    const char *form = "name=A+B&card=4111+1111+1111+1111&exp=12%2F29&iban=DE89+3704+0044+0532+"
                       "0130+00&amex=378282246310005&mc=5555-5555-5555-4444";
    CHECK(!behaviour_scan_pii((const uint8_t *)form, strlen(form), &cards, &ibans, cm, im));
    CHECK_EQ_INT(cards, 3);
    CHECK_EQ_INT(ibans, 1);
    CHECK_EQ_STR(cm, "411111******1111");
    CHECK_EQ_STR(im, "DE89**************3000");
    /* Not cards: a Luhn-valid number of no scheme, an order id glued to
     * letters, a timestamp, a Luhn-invalid Visa-shaped number, digits
     * inside a longer run. Not IBANs: wrong check digits, lower case. */
    const char *benign = "order=1234567812345670&id=ab4111111111111111&ts=1700000000123456"
                         "&v=4111111111111112&x=441111111111111111111&i=DE89370400440532013001"
                         "&j=de89370400440532013000";
    behaviour_scan_pii((const uint8_t *)benign, strlen(benign), &cards, &ibans, cm, im);
    CHECK_EQ_INT(cards, 0);
    CHECK_EQ_INT(ibans, 0);
    CHECK_EQ_STR(cm, "");
    /* The scan limit: a card right before it counts, one straddling it or
     * past it does not, and the caller is told the tail went unscanned. */
    size_t big = BEHAVIOUR_PII_SCAN_MAX + 4096;
    uint8_t *buf = malloc(big);
    CHECK(buf != NULL);
    memset(buf, ' ', big);
    memcpy(buf + BEHAVIOUR_PII_SCAN_MAX - 24, "4111111111111111", 16);
    memcpy(buf + BEHAVIOUR_PII_SCAN_MAX - 6, "5555555555554444", 16);
    memcpy(buf + BEHAVIOUR_PII_SCAN_MAX + 100, "378282246310005", 15);
    CHECK(behaviour_scan_pii(buf, big, &cards, &ibans, cm, im));
    CHECK_EQ_INT(cards, 1);
    CHECK_EQ_STR(cm, "411111******1111");
    CHECK(!behaviour_scan_pii(buf, BEHAVIOUR_PII_SCAN_MAX, &cards, &ibans, NULL, NULL));
    free(buf);
}

static void flow_out(struct behaviour_ctx *b, struct ip_address host, struct ip_address peer,
                     uint8_t proto, uint16_t dport, bool dns, uint64_t bytes, uint64_t ts)
{
    behaviour_profile_flow(b, NULL, &host, &peer, true, proto, dport, dns, bytes, ts);
}

/* Four learning windows, a 10 MiB floor, no learning for the "new" sids. */
static void volume_config(struct behaviour_config *c)
{
    behaviour_config_defaults(c);
    c->exfil.learning_windows = 4;
    c->exfil.min_bytes = 10 << 20;
    c->rare.learning_sec = 0;
    c->rare.learning_flows = 0;
}

static void test_volume(void)
{
    struct behaviour_config c;
    volume_config(&c);
    memset(got, 0, sizeof got);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    CHECK(b != NULL);
    struct ip_address h = v4(10, 0, 0, 5), ext = v4(198, 51, 100, 7);
    CHECK(behaviour_is_home(&c, &h));
    CHECK(!behaviour_is_home(&c, &ext));
    /* Four learning hours of 2 MiB (in 16 flows each): then an hour
     * above 10x that (and above the 10 MiB floor) alerts. */
    uint64_t t = T0;
    for (int hr = 0; hr < 4; hr++)
        for (int i = 0; i < 16; i++)
            flow_out(b, h, ext, 6, 443, false, 128 << 10, t + (uint64_t)hr * HOUR + i * SEC);
    /* A big hour during learning did not alert (none so far). */
    CHECK_EQ_INT(got[4][1], 0);
    t += 4 * HOUR;
    for (int i = 0; i < 20; i++)
        flow_out(b, h, ext, 6, 443, false, 1 << 20, t + i * SEC);
    CHECK_EQ_INT(got[4][1], 0); /* 20 MiB: not above 10 x the 2 MiB baseline */
    for (int i = 0; i < 5; i++)
        flow_out(b, h, ext, 6, 443, false, 1 << 20, t + (30 + i) * SEC);
    CHECK_EQ_INT(got[4][1], 1); /* once per window */
    CHECK(strstr(last_meta, "exfil_baseline_bytes 2097152") != NULL);
    /* The next hour starts over; a host of its own baseline is not
     * disturbed by another's. */
    struct ip_address h2 = v4(10, 0, 0, 6);
    for (int i = 0; i < 40; i++)
        flow_out(b, h2, ext, 6, 443, false, 1 << 20, t + i * SEC);
    CHECK_EQ_INT(got[4][1], 1); /* h2 is not learnt */
    /* A new destination: 64 MiB in one flow to a never used address; the
     * same to a known one is not. */
    flow_out(b, h, ext, 6, 443, false, 70ull << 20, t + HOUR);
    CHECK_EQ_INT(got[4][2], 0);
    flow_out(b, h, v4(203, 0, 113, 9), 6, 443, false, 70ull << 20, t + HOUR + SEC);
    CHECK_EQ_INT(got[4][2], 1);
    behaviour_ctx_free(b);
}

/* Profiles across a restart: what a store learnt, saved and loaded into a
 * new store, is what the new one judges by (a fresh store is still
 * learning); a damaged file is refused whole. */
static void learn_hours(struct behaviour_ctx *b, struct ip_address h, struct ip_address ext)
{
    for (int hr = 0; hr < 4; hr++)
        for (int i = 0; i < 16; i++)
            flow_out(b, h, ext, 6, 443, false, 128 << 10, T0 + (uint64_t)hr * HOUR + i * SEC);
}

static int big_hour(struct behaviour_config *c, struct behaviour_store *s, struct ip_address h,
                    struct ip_address ext)
{
    memset(got, 0, sizeof got);
    struct behaviour_ctx *b = behaviour_ctx_new(c, s, on_alert, NULL);
    for (int i = 0; i < 25; i++)
        flow_out(b, h, ext, 6, 443, false, 1 << 20, T0 + 4 * HOUR + i * SEC);
    flow_out(b, h, ext, 6, 443, false, 70ull << 20, T0 + 5 * HOUR);              /* known */
    flow_out(b, h, v4(203, 0, 113, 9), 6, 443, false, 70ull << 20, T0 + 5 * HOUR + SEC);
    behaviour_ctx_free(b);
    return got[4][1] * 10 + got[4][2];
}

static int load_bytes(struct behaviour_config *c, const char *path, const uint8_t *d, size_t n,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fwrite(d, 1, n, f);
    fclose(f);
    struct behaviour_store *s = behaviour_store_new(c);
    int r = behaviour_profiles_load(s, path, err, errlen);
    behaviour_store_free(s);
    return r;
}

static void test_persist(void)
{
    struct behaviour_config c;
    volume_config(&c);
    char dir[] = "/tmp/vigil-profiles-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], other[256], err[600] = "";
    snprintf(path, sizeof path, "%s/profiles.dat", dir);
    snprintf(other, sizeof other, "%s/damaged.dat", dir);
    struct ip_address h = v4(10, 0, 0, 5), ext = v4(198, 51, 100, 7);

    struct behaviour_store *a = behaviour_store_new(&c);
    struct behaviour_ctx *ca = behaviour_ctx_new(&c, a, on_alert, NULL);
    learn_hours(ca, h, ext);
    learn_hours(ca, v4(10, 0, 0, 6), ext);
    behaviour_ctx_free(ca);
    CHECK_EQ_INT(behaviour_profiles_save(a, path, err, sizeof err), 2);
    /* In two steps, as the sensor saves (the disk work on a thread of its
     * own): the image is the store when it was taken, whatever is learnt
     * while it is being written. */
    size_t image_size = 0;
    int image_count = 0;
    uint8_t *image = behaviour_profiles_snapshot(a, &image_size, &image_count, err, sizeof err);
    CHECK(image != NULL);
    CHECK_EQ_INT(image_count, 2);
    ca = behaviour_ctx_new(&c, a, on_alert, NULL);
    learn_hours(ca, v4(10, 0, 0, 7), ext);
    behaviour_ctx_free(ca);
    CHECK_EQ_INT(behaviour_profiles_write(other, image, image_size, err, sizeof err), 0);
    free(image);
    struct behaviour_store *taken = behaviour_store_new(&c);
    CHECK_EQ_INT(behaviour_profiles_load(taken, other, err, sizeof err), 2);
    behaviour_store_free(taken);
    CHECK_EQ_INT(behaviour_profiles_save(a, other, err, sizeof err), 3);
    behaviour_store_free(a);

    struct behaviour_store *b = behaviour_store_new(&c);
    CHECK_EQ_INT(behaviour_profiles_load(b, path, err, sizeof err), 2);
    /* the baseline (sid 1) and the known destinations (sid 2) came back */
    CHECK_EQ_INT(big_hour(&c, b, h, ext), 21); /* sid 1 in both hours, sid 2 once */
    behaviour_store_free(b);
    struct behaviour_store *fresh = behaviour_store_new(&c);
    CHECK_EQ_INT(big_hour(&c, fresh, h, ext), 0); /* still learning */
    behaviour_store_free(fresh);

    /* No file: nothing to restore. A file not written: an error naming it. */
    char none[256];
    snprintf(none, sizeof none, "%s/none.dat", dir);
    struct behaviour_store *s = behaviour_store_new(&c);
    CHECK_EQ_INT(behaviour_profiles_load(s, none, err, sizeof err), 0);
    snprintf(none, sizeof none, "%s/no/such/dir.dat", dir);
    CHECK_EQ_INT(behaviour_profiles_save(s, none, err, sizeof err), -1);
    CHECK(strstr(err, "no/such/dir.dat.tmp") != NULL);
    behaviour_store_free(s);

    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    uint8_t d[4096];
    size_t n = fread(d, 1, sizeof d, f);
    fclose(f);
    CHECK(n > 100 && n < sizeof d);
    d[n / 2] ^= 0x20;
    CHECK_EQ_INT(load_bytes(&c, other, d, n, err, sizeof err), -1);
    CHECK(strstr(err, "checksum") != NULL);
    d[n / 2] ^= 0x20;
    CHECK_EQ_INT(load_bytes(&c, other, d, n - 7, err, sizeof err), -1);
    CHECK(strstr(err, "truncated") != NULL);
    CHECK_EQ_INT(load_bytes(&c, other, d, n, err, sizeof err), 2);
    d[9] = 9; /* the version */
    CHECK_EQ_INT(load_bytes(&c, other, d, n, err, sizeof err), -1);
    CHECK(strstr(err, "version") != NULL);
    CHECK_EQ_INT(load_bytes(&c, other, (const uint8_t *)"garbage", 7, err, sizeof err), -1);
    CHECK(strstr(err, "not a vigil profiles file") != NULL);
    /* a count far beyond the bytes: refused without trusting it */
    d[9] = 1;
    d[12] = d[13] = d[14] = 0xff;
    CHECK_EQ_INT(load_bytes(&c, other, d, n, err, sizeof err), -1);
    unlink(path);
    unlink(other);
    rmdir(dir);
}

static void test_dns_icmp(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.exfil.dns_bytes = 100000;
    c.exfil.icmp_bytes = 50000;
    memset(got, 0, sizeof got);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    struct ip_address h = v4(192, 168, 1, 20), ext = v4(8, 8, 8, 8);
    for (int i = 0; i < 999; i++)
        flow_out(b, h, ext, 17, 53, true, 100, T0 + i * SEC);
    CHECK_EQ_INT(got[4][3], 0);
    for (int i = 0; i < 3; i++)
        flow_out(b, h, ext, 17, 53, true, 100, T0 + (1000 + i) * SEC);
    CHECK_EQ_INT(got[4][3], 1);
    for (int i = 0; i < 60; i++)
        flow_out(b, h, ext, 1, 0, false, 1000, T0 + i * SEC);
    CHECK_EQ_INT(got[4][4], 1);
    /* Next window: again. */
    for (int i = 0; i < 60; i++)
        flow_out(b, h, ext, 1, 0, false, 1000, T0 + HOUR + i * SEC);
    CHECK_EQ_INT(got[4][4], 2);
    behaviour_ctx_free(b);
}

static void test_new(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.rare.learning_sec = 600;
    c.rare.learning_flows = 10;
    memset(got, 0, sizeof got);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    struct ip_address srv = v4(10, 1, 1, 1), ws = v4(10, 1, 1, 2), ext = v4(198, 51, 100, 1);
    /* The server answers external clients for 20 minutes. */
    for (int i = 0; i < 20; i++) {
        behaviour_profile_served(b, &srv, T0 + (uint64_t)i * 60 * SEC);
        behaviour_profile_flow(b, NULL, &srv, &ext, false, 6, 443, false, 5000,
                               T0 + (uint64_t)i * 60 * SEC);
    }
    /* Its resolver and time queries do not count; then its first own
     * connection out does, once. */
    flow_out(b, srv, ext, 17, 53, true, 80, T0 + 1300 * SEC);
    CHECK_EQ_INT(got[5][1], 0);
    flow_out(b, srv, ext, 6, 4444, false, 800, T0 + 1301 * SEC);
    CHECK_EQ_INT(got[5][1], 1);
    flow_out(b, srv, ext, 6, 4444, false, 800, T0 + 1302 * SEC);
    CHECK_EQ_INT(got[5][1], 1);
    /* A workstation that always went out is no server. */
    for (int i = 0; i < 20; i++)
        flow_out(b, ws, ext, 6, 443, false, 900, T0 + (uint64_t)i * 60 * SEC);
    CHECK_EQ_INT(got[5][1], 1);
    /* Fingerprints: learnt during the first 10 minutes, new after. */
    const uint8_t ja4a[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
    const uint8_t ja4b[] = "t12d190800_d83cc789557e_7af1ed941c26";
    behaviour_profile_fingerprint(b, NULL, BEHAVIOUR_SID_NEW_JA4, &ws, ja4a, sizeof ja4a - 1,
                                  T0 + 10 * SEC);
    behaviour_profile_fingerprint(b, NULL, BEHAVIOUR_SID_NEW_JA4, &ws, ja4a, sizeof ja4a - 1,
                                  T0 + 1500 * SEC);
    CHECK_EQ_INT(got[5][2], 0);
    behaviour_profile_fingerprint(b, NULL, BEHAVIOUR_SID_NEW_JA4, &ws, ja4b, sizeof ja4b - 1,
                                  T0 + 1501 * SEC);
    CHECK_EQ_INT(got[5][2], 1);
    CHECK(strstr(last_meta, "t12d190800") != NULL);
    behaviour_profile_fingerprint(b, NULL, BEHAVIOUR_SID_NEW_JA4, &ws, ja4b, sizeof ja4b - 1,
                                  T0 + 1502 * SEC);
    CHECK_EQ_INT(got[5][2], 1);
    /* The same value as a HASSH is another fingerprint. */
    behaviour_profile_fingerprint(b, NULL, BEHAVIOUR_SID_NEW_HASSH, &ws, ja4a, sizeof ja4a - 1,
                                  T0 + 1503 * SEC);
    CHECK_EQ_INT(got[5][3], 1);
    /* After a silence longer than the learning period the host is learnt
     * again: nothing is new at first. */
    behaviour_profile_fingerprint(b, NULL, BEHAVIOUR_SID_NEW_JA4, &ws, (const uint8_t *)"x", 1,
                                  T0 + 100000 * SEC);
    CHECK_EQ_INT(got[5][2], 1);
    behaviour_ctx_free(b);
}

/* A certificate valid from nb to na (seconds from now), self-signed or
 * signed by another key; its DER in *der (caller frees). */
static int make_cert(bool self, long nb, long na, unsigned char **der)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    EVP_PKEY *ca = self ? k : EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), nb);
    X509_gmtime_adj(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"c2.example", -1,
                               -1, 0);
    X509_NAME *in = X509_NAME_new();
    X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC,
                               (const unsigned char *)(self ? "c2.example" : "Some CA"), -1, -1,
                               0);
    X509_set_issuer_name(x, in);
    X509_NAME_free(in);
    X509_sign(x, ca, EVP_sha256());
    *der = NULL;
    int len = i2d_X509(x, der);
    X509_free(x);
    if (ca != k)
        EVP_PKEY_free(ca);
    EVP_PKEY_free(k);
    return len;
}

static void test_certificates(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    memset(got, 0, sizeof got);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    uint64_t now = (uint64_t)time(NULL) * SEC;
    unsigned char *der;
    int len = make_cert(true, -86400, 86400 * 30, &der);
    CHECK(len > 0);
    behaviour_check_certificate(b, NULL, der, (size_t)len, now);
    CHECK_EQ_INT(got[5][4], 1);
    CHECK_EQ_INT(got[5][5], 0);
    CHECK(strstr(last_meta, "c2.example") != NULL);
    OPENSSL_free(der);
    len = make_cert(false, -86400 * 30, -86400, &der);
    behaviour_check_certificate(b, NULL, der, (size_t)len, now);
    CHECK_EQ_INT(got[5][4], 1); /* issued by another */
    CHECK_EQ_INT(got[5][5], 1); /* expired yesterday */
    /* Seen when it was still valid (a capture of that time): not expired. */
    behaviour_check_certificate(b, NULL, der, (size_t)len, now - 10 * 86400 * SEC);
    CHECK_EQ_INT(got[5][5], 1);
    OPENSSL_free(der);
    behaviour_check_certificate(b, NULL, (const uint8_t *)"garbage", 7, now);
    CHECK_EQ_INT(got[5][4] + got[5][5], 2);
    behaviour_ctx_free(b);
}

static void test_config(void)
{
    struct behaviour_config c;
    char err[256];
    behaviour_config_defaults(&c);
    struct config *cfg = config_new();
    CHECK_EQ_INT(config_set(cfg, "vars.address-groups.SERVERS", "[203.0.113.0/24]"), 0);
    CHECK_EQ_INT(config_set(cfg, "vars.address-groups.HOME_NET", "[$SERVERS,10.9.0.0/16]"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.exfil.min-bytes", "1gb"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.new.learning", "3600"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), 0);
    struct ip_address a = v4(203, 0, 113, 77), b = v4(10, 0, 0, 1), d = v4(10, 9, 3, 3);
    CHECK(behaviour_is_home(&c, &a));
    CHECK(!behaviour_is_home(&c, &b));
    CHECK(behaviour_is_home(&c, &d));
    CHECK(c.exfil.min_bytes == 1024ull * 1024 * 1024);
    CHECK_EQ_INT(c.rare.learning_sec, 3600);
    CHECK_EQ_INT(config_set(cfg, "behaviour.exfil.dns-bytes", "lots"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), -1);
    CHECK(strstr(err, "behaviour.exfil.dns-bytes") != NULL);
    CHECK_EQ_INT(config_set(cfg, "behaviour.exfil.dns-bytes", "1mb"), 0);
    CHECK_EQ_INT(config_set(cfg, "vars.address-groups.HOME_NET", "[10.0.0.0/33]"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), -1);
    CHECK(strstr(err, "HOME_NET") != NULL);
    config_free(cfg);
}

int main(void)
{
    test_pii();
    test_volume();
    test_persist();
    test_dns_icmp();
    test_new();
    test_certificates();
    test_config();
    TEST_MAIN_END();
}
