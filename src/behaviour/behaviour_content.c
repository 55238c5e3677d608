/* SPDX-License-Identifier: Apache-2.0 */
/* What transactions carry, for the behavioural detectors:
 * - payment card numbers (Luhn check, issuer prefix and length) and IBANs
 *   (country length and mod-97 check digits) leaving an internal host in
 *   cleartext: HTTP request lines and bodies, SMTP messages, FTP uploads
 *   (gid 7204, sids 5 and 6). The values are never logged: alerts carry
 *   the count and a masked example (first six and last four digits of a
 *   card, as PCI DSS allows to display; country, check digits and last four
 *   of an IBAN);
 * - client fingerprints (JA4, HASSH) of internal hosts, for the host
 *   profiles (gid 7205, sids 2 and 3; behaviour_exfil.c);
 * - the server certificate of a TLS session from an internal client to an
 *   external server: self-signed or expired (gid 7205, sids 4 and 5). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "app/app.h"
#include "behaviour/behaviour_internal.h"
#include "flow/flow.h"

bool behaviour_luhn_ok(const char *digits, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(digits[n - 1 - i] - '0');
        if (i & 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* Issuer prefixes and lengths of the card schemes (ISO/IEC 7812 ranges as
 * the schemes publish them): a Luhn-valid number of another shape is an
 * order or parcel number, not a card. */
static bool card_shape_ok(const char *d, size_t n)
{
    int p2 = (d[0] - '0') * 10 + (d[1] - '0');
    int p3 = p2 * 10 + (d[2] - '0');
    int p4 = p3 * 10 + (d[3] - '0');
    if (d[0] == '4')
        return n == 13 || n == 16 || n == 19; /* Visa */
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
        return n == 16; /* Mastercard */
    if (p2 == 34 || p2 == 37)
        return n == 15; /* American Express */
    if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649))
        return n >= 16 && n <= 19; /* Discover */
    if (p4 >= 3528 && p4 <= 3589)
        return n >= 16 && n <= 19; /* JCB */
    if (p2 == 36 || (p3 >= 300 && p3 <= 305) || p2 == 38)
        return n >= 14 && n <= 19; /* Diners Club */
    if (p2 == 62)
        return n >= 16 && n <= 19; /* UnionPay */
    return false;
}

/* IBAN lengths by country (ISO 13616 registry). */
static const char iban_lengths[] =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29BY28CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24"
    "FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32"
    "LI21LT20LU20LV21MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24RS22SA24"
    "SC31SE24SI19SK24SM27ST25SV28TL23TN24TR26UA29VA22VG24XK20";

static int iban_length(char c1, char c2)
{
    for (const char *p = iban_lengths; *p; p += 4)
        if (p[0] == c1 && p[1] == c2)
            return (p[2] - '0') * 10 + (p[3] - '0');
    return 0;
}

bool behaviour_iban_ok(const char *s, size_t n)
{
    if (n < 15 || n > 34 || iban_length(s[0], s[1]) != (int)n)
        return false;
    /* The first four characters move to the end; letters are 10..35;
     * the number mod 97 is 1. */
    unsigned rem = 0;
    for (size_t k = 0; k < n; k++) {
        char ch = s[(k + 4) % n];
        if (ch >= '0' && ch <= '9')
            rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
        else if (ch >= 'A' && ch <= 'Z')
            rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
        else
            return false;
    }
    return rem == 1;
}

static bool is_word(uint8_t c)
{
    return isalnum(c) || c == '_';
}

/* A card number at d[i]: 13-19 digits, optionally in groups separated by
 * one space or dash, not glued to other letters or digits. Returns the
 * characters used (0: none), the digits in out. */
static size_t card_at(const uint8_t *d, size_t len, size_t i, char out[20], size_t *nd)
{
    size_t n = 0, j = i;
    while (j < len && n < 20) {
        if (isdigit(d[j])) {
            out[n++] = (char)d[j++];
        } else if ((d[j] == ' ' || d[j] == '-' || d[j] == '+') && j + 1 < len &&
                   isdigit(d[j + 1]) && n > 0) {
            j++; /* '+' is a space in form encoding */
        } else {
            break;
        }
    }
    if (n < 13 || n > 19 || (j < len && is_word(d[j])))
        return 0;
    *nd = n;
    return j - i;
}

/* An IBAN at d[i] (upper case, optionally in groups of four separated by
 * single spaces or '+'). Returns the characters used, the IBAN in out. */
static size_t iban_at(const uint8_t *d, size_t len, size_t i, char out[35], size_t *nc)
{
    if (i + 4 > len || !isupper(d[i]) || !isupper(d[i + 1]) || !isdigit(d[i + 2]) ||
        !isdigit(d[i + 3]))
        return 0;
    int want = iban_length((char)d[i], (char)d[i + 1]);
    if (!want)
        return 0;
    size_t n = 0, j = i;
    while (j < len && n < (size_t)want) {
        if (isdigit(d[j]) || isupper(d[j])) {
            out[n++] = (char)d[j++];
        } else if ((d[j] == ' ' || d[j] == '+') && n % 4 == 0 && j + 1 < len &&
                   isalnum(d[j + 1])) {
            j++;
        } else {
            break;
        }
    }
    if (n != (size_t)want || (j < len && is_word(d[j])))
        return 0;
    *nc = n;
    return j - i;
}

bool behaviour_scan_pii(const uint8_t *d, size_t len, uint32_t *cards, uint32_t *ibans,
                        char *card_mask, char *iban_mask)
{
    /* A bound on the work per buffer (a request body, a message): what is
     * past it is not scanned, and counted so the operator knows. */
    bool truncated = len > BEHAVIOUR_PII_SCAN_MAX;
    *cards = *ibans = 0;
    if (card_mask)
        card_mask[0] = '\0';
    if (iban_mask)
        iban_mask[0] = '\0';
    if (truncated)
        len = BEHAVIOUR_PII_SCAN_MAX;
    for (size_t i = 0; i < len;) {
        bool boundary = i == 0 || !is_word(d[i - 1]);
        if (boundary && isdigit(d[i]) && d[i] != '0') {
            char num[20];
            size_t nd = 0;
            size_t used = card_at(d, len, i, num, &nd);
            if (used) {
                if (card_shape_ok(num, nd) && behaviour_luhn_ok(num, nd)) {
                    if (card_mask && !*cards)
                        snprintf(card_mask, BEHAVIOUR_PII_MASK_LEN, "%.6s%.*s%.4s", num, (int)(nd - 10),
                                 "*********", num + nd - 4);
                    (*cards)++;
                }
                i += used;
                continue;
            }
        } else if (boundary && isupper(d[i])) {
            char ib[35];
            size_t nc = 0;
            size_t used = iban_at(d, len, i, ib, &nc);
            if (used && behaviour_iban_ok(ib, nc)) {
                if (iban_mask && !*ibans)
                    snprintf(iban_mask, BEHAVIOUR_PII_MASK_LEN, "%.4s%.*s%.4s", ib, (int)(nc - 8),
                             "******************************", ib + nc - 4);
                (*ibans)++;
                i += used;
                continue;
            }
        }
        while (i < len && is_word(d[i]))
            i++; /* the rest of the word */
        i++;
    }
    return truncated;
}

static void pii_alert(struct behaviour_ctx *b, struct flow *f, int sid, uint32_t count,
                      const char *mask)
{
    char n[16];
    snprintf(n, sizeof n, "%u", count);
    const char *meta[] = {"pii_count", n, "pii_example_masked", mask, NULL};
    struct builtin_alert a = {
        .gid = BEHAVIOUR_GID_EXFIL,
        .sid = (uint32_t)sid,
        .rev = 1,
        .signature = sid == BEHAVIOUR_SID_EXFIL_CARDS
                         ? "VIGIL EXFIL payment card numbers sent out in cleartext"
                         : "VIGIL EXFIL IBANs sent out in cleartext",
        .category = "Potential Corporate Privacy Violation",
        .severity = 1,
        .direction = 0,
        .metadata = meta,
    };
    b->stats.exfil_data_alerts++;
    if (b->alert)
        b->alert(b->alert_user, f, &a);
}

static void scan_tx_pii(struct behaviour_ctx *b, struct flow *f, const struct app_tx *tx,
                        uint16_t proto)
{
    enum app_buffer bufs[2];
    int nb = 0;
    if (proto == APP_PROTO_HTTP) {
        bufs[nb++] = APP_BUFFER_HTTP_URI;
        bufs[nb++] = APP_BUFFER_HTTP_REQUEST_BODY;
    } else if (proto == APP_PROTO_SMTP || proto == APP_PROTO_FTP || proto == APP_PROTO_FTP_DATA) {
        bufs[nb++] = APP_BUFFER_FILE_DATA;
    } else {
        return;
    }
    uint32_t cards = 0, ibans = 0;
    char cmask[BEHAVIOUR_PII_MASK_LEN] = "", imask[BEHAVIOUR_PII_MASK_LEN] = "";
    for (int i = 0; i < nb; i++) {
        const uint8_t *d;
        uint32_t len;
        if (app_tx_get_buffer(tx, bufs[i], 0, &d, &len) != 0 || len == 0)
            continue;
        uint32_t c, n;
        char cm[BEHAVIOUR_PII_MASK_LEN], im[BEHAVIOUR_PII_MASK_LEN];
        if (behaviour_scan_pii(d, len, &c, &n, cm, im))
            b->stats.exfil_scan_truncated++;
        if (c && !cards)
            memcpy(cmask, cm, sizeof cm);
        if (n && !ibans)
            memcpy(imask, im, sizeof im);
        cards += c;
        ibans += n;
    }
    b->stats.exfil_cards += cards;
    b->stats.exfil_ibans += ibans;
    if (b->cfg.exfil.card_numbers && cards >= b->cfg.exfil.card_numbers)
        pii_alert(b, f, BEHAVIOUR_SID_EXFIL_CARDS, cards, cmask);
    if (b->cfg.exfil.ibans && ibans >= b->cfg.exfil.ibans)
        pii_alert(b, f, BEHAVIOUR_SID_EXFIL_IBANS, ibans, imask);
}

void behaviour_check_certificate(struct behaviour_ctx *b, struct flow *f, const uint8_t *der,
                                 size_t len, uint64_t ts_usec)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return;
    /* Self-signed: issued by itself (names and key identifiers agree) and
     * its signature verifies with its own key. */
    bool self_signed = false;
    if (X509_check_issued(x, x) == X509_V_OK) {
        EVP_PKEY *k = X509_get0_pubkey(x);
        self_signed = k && X509_verify(x, k) == 1;
    }
    time_t now = (time_t)(ts_usec / 1000000u);
    bool expired = X509_cmp_time(X509_get0_notAfter(x), &now) < 0;
    char subject[256] = "";
    X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof subject);
    X509_free(x);
    for (int i = 0; i < 2; i++) {
        int sid = i == 0 ? BEHAVIOUR_SID_SELF_SIGNED : BEHAVIOUR_SID_EXPIRED;
        if (!(i == 0 ? self_signed : expired))
            continue;
        const char *meta[] = {"certificate_subject", subject, NULL};
        struct builtin_alert a = {
            .gid = BEHAVIOUR_GID_NEW,
            .sid = (uint32_t)sid,
            .rev = 1,
            .signature = i == 0 ? "VIGIL NEW outbound TLS to a server with a self-signed "
                                  "certificate"
                                : "VIGIL NEW outbound TLS to a server with an expired certificate",
            .category = "Potentially Bad Traffic",
            .severity = 3,
            .direction = 1,
            .metadata = meta,
        };
        b->stats.new_alerts++;
        if (b->alert)
            b->alert(b->alert_user, f, &a);
    }
}

void behaviour_content_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts,
                          const struct app_tx *tx, uint8_t direction)
{
    const struct behaviour_config *c = &b->cfg;
    bool exfil = c->exfil.enabled && (c->exfil.card_numbers || c->exfil.ibans);
    bool rare = c->rare.enabled && (c->rare.fingerprints || c->rare.certificates || c->rare.server);
    if (!exfil && !rare)
        return;
    /* An internal host that answers a transaction is a server: noted now,
     * while its sessions are open (flows end late and in any order). */
    if (direction == 1 && c->rare.enabled && c->rare.server &&
        behaviour_is_home(c, &f->key.dst) && !(f->behaviour_flags & BEHAVIOUR_FLOW_SERVED)) {
        f->behaviour_flags |= BEHAVIOUR_FLOW_SERVED;
        behaviour_profile_served(b, &f->key.dst, ts);
    }
    /* The flow's client is the one that opened it (the key's source). */
    if (!behaviour_is_home(c, &f->key.src))
        return;
    bool outbound = !behaviour_is_home(c, &f->key.dst);
    uint16_t proto = app_tx_proto(tx);
    const uint8_t *d;
    uint32_t len;
    if (direction == 0 && exfil && outbound)
        scan_tx_pii(b, f, tx, proto);
    if (!rare)
        return;
    if (proto == APP_PROTO_TLS && direction == 0 && c->rare.fingerprints &&
        app_tx_get_buffer(tx, APP_BUFFER_JA4_HASH, 0, &d, &len) == 0)
        behaviour_profile_fingerprint(b, f, BEHAVIOUR_SID_NEW_JA4, &f->key.src, d, len, ts);
    if (proto == APP_PROTO_SSH && direction == 0 && c->rare.fingerprints &&
        app_tx_get_buffer(tx, APP_BUFFER_SSH_HASSH, 0, &d, &len) == 0)
        behaviour_profile_fingerprint(b, f, BEHAVIOUR_SID_NEW_HASSH, &f->key.src, d, len, ts);
    if (proto == APP_PROTO_TLS && direction == 1 && outbound && c->rare.certificates &&
        app_tx_get_buffer_dir(tx, APP_BUFFER_TLS_CERTS, 1, 0, &d, &len) == 0)
        behaviour_check_certificate(b, f, d, len, ts);
}
