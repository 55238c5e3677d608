/* SPDX-License-Identifier: Apache-2.0 */
/* The behavioural detectors' parsers of traffic content; the first byte
 * picks the target:
 *  0: the card-number and IBAN scan of a transaction buffer, with its
 *     promises checked: a masked example never holds more than the first
 *     six and last four digits, the counts are bounded by the input;
 *  1: a DNS question through the DNS detectors (tunnel lengths, entropy,
 *     the DGA model), as the DNS parser hands names over (lower case);
 *  2: a server certificate (DER) through the self-signed/expired checks;
 *  3: a saved host-profiles file (behaviour.profiles.persist); the bytes
 *     get a valid checksum half of the time so the records are reached. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "behaviour/behaviour.h"
#include "behaviour/behaviour_internal.h"
#include "decode/packet.h"

static void on_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    (void)user;
    (void)f;
    if (!a->signature)
        abort();
}

static struct behaviour_ctx *ctx(void)
{
    static struct behaviour_ctx *b;
    if (!b) {
        struct behaviour_config c;
        behaviour_config_defaults(&c);
        b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    }
    return b;
}

/* The longest run of digits in s. */
static size_t digit_run(const char *s)
{
    size_t best = 0, run = 0;
    for (; *s; s++) {
        run = isdigit((unsigned char)*s) ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

static void scan(const uint8_t *d, size_t n)
{
    uint32_t cards = 0, ibans = 0;
    char cm[BEHAVIOUR_PII_MASK_LEN], im[BEHAVIOUR_PII_MASK_LEN];
    bool truncated = behaviour_scan_pii(d, n, &cards, &ibans, cm, im);
    if (truncated != (n > BEHAVIOUR_PII_SCAN_MAX))
        abort();
    /* A card has at least 13 digits and an IBAN 15 characters, each
     * followed by a separator or the end. */
    if ((uint64_t)cards * 13 > n || (uint64_t)ibans * 15 > n)
        abort();
    if ((cards == 0) != (cm[0] == '\0') || (ibans == 0) != (im[0] == '\0'))
        abort();
    if (digit_run(cm) > 6 || strlen(cm) > 19 || strlen(im) > 34)
        abort();
}

static void dns(const uint8_t *d, size_t n)
{
    struct behaviour_ctx *b = ctx();
    if (!b || n < 1)
        return;
    char name[256];
    size_t len = n - 1 < sizeof name ? n - 1 : sizeof name;
    for (size_t i = 0; i < len; i++)
        name[i] = (char)tolower(d[1 + i]);
    struct ip_address client;
    memset(&client, 0, sizeof client);
    client.family = 4;
    client.addr.u8[12] = 10;
    client.addr.u8[15] = (uint8_t)(d[0] & 7);
    static uint64_t ts = 1700000000000000ull;
    ts += 1000;
    behaviour_dns_question(b, NULL, &client, name, len, d[0] & 1 ? 16 : 1, d[0] & 2,
                           (uint8_t)(d[0] >> 4), ts);
}

static void profiles(const uint8_t *d, size_t n, bool fix_crc)
{
    static struct behaviour_store *s;
    if (!s) {
        struct behaviour_config c;
        behaviour_config_defaults(&c);
        c.profiles_memcap = 64 * 1024; /* small: eviction on load is reached */
        s = behaviour_store_new(&c);
    }
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return;
    memcpy(buf, d, n);
    if (fix_crc && n >= 4) {
        uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(n - 4));
        for (int i = 0; i < 4; i++)
            buf[n - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    char err[256];
    int r = behaviour_profiles_parse(s, buf, n, "fuzz", err, sizeof err);
    if (r < -1)
        abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0:
        scan(d, n);
        break;
    case 1:
        dns(d, n);
        break;
    case 2:
        if (ctx())
            behaviour_check_certificate(ctx(), NULL, d, n, 1700000000000000ull);
        break;
    default:
        profiles(d, n, data[0] & 4);
        break;
    }
    return 0;
}
