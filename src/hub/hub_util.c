/* SPDX-License-Identifier: Apache-2.0 */
#include "hub/hub_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t hub_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void hub_timestamp_format(int64_t us, char *out, size_t outlen)
{
    time_t sec = (time_t)(us / 1000000);
    int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec--;
    }
    struct tm tm;
    gmtime_r(&sec, &tm);
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999 || outlen < 28) {
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", year, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
        return;
    }
    /* Digits by hand: snprintf was ~4,000 instructions per stored object
     * (two timestamps each; callgrind, issue 12). Same text. */
    int f = (int)frac;
    char *p = out;
    const int parts[] = {year / 100, year % 100, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min,  tm.tm_sec};
    static const char sep[7] = {0, 0, '-', '-', 'T', ':', ':'}; /* before each part */
    for (int i = 0; i < 7; i++) {
        if (sep[i])
            *p++ = sep[i];
        *p++ = (char)('0' + parts[i] / 10);
        *p++ = (char)('0' + parts[i] % 10);
    }
    *p++ = '.';
    for (int d = 100000; d; d /= 10)
        *p++ = (char)('0' + f / d % 10);
    *p++ = 'Z';
    *p = 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int hub_timestamp_parse(const char *s, int64_t *us_out)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &se))
        return -EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -EINVAL;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        while (isdigit((unsigned char)*p)) {
            if (n < 6) {
                frac = frac * 10 + (*p - '0');
                n++;
            }
            p++;
        }
        while (n++ < 6)
            frac *= 10;
    }
    if ((*p != 'Z' && *p != 'z') || p[1])
        return -EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    time_t t = timegm(&tm);
    *us_out = (int64_t)t * 1000000 + frac;
    return 0;
}

static void uuid_format(const unsigned char b[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

void hub_uuid4(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        /* RAND_bytes failing means no entropy source: derive from time, unique enough
         * for ids but never used for secrets. */
        int64_t t = hub_now_us();
        memcpy(b, &t, sizeof t);
        memcpy(b + 8, &t, sizeof t);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

void hub_uuid5(const char *name, char out[37])
{
    /* Namespace: a fixed UUID for vigil hub collections. */
    static const unsigned char ns[16] = {0x6f, 0x1c, 0x3a, 0x52, 0x9d, 0x4e, 0x4b, 0x8a,
                                         0xa1, 0x07, 0x2c, 0x55, 0x90, 0x3e, 0x71, 0xd4};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    EVP_DigestUpdate(ctx, ns, sizeof ns);
    EVP_DigestUpdate(ctx, name, strlen(name));
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    unsigned char b[16];
    memcpy(b, md, 16);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x50);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

void hub_sha256_hex(const char *s, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = 0;
}

int hub_token_generate(char out[69])
{
    unsigned char b[32];
    if (RAND_bytes(b, sizeof b) != 1)
        return -EIO;
    memcpy(out, "vgl_", 4);
    for (int i = 0; i < 32; i++)
        snprintf(out + 4 + 2 * i, 3, "%02x", b[i]);
    out[68] = 0;
    return 0;
}

int hub_net_parse(const char *s, struct hub_net *out)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || len >= sizeof buf)
        return -EINVAL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof *out);
    int max;
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(out->addr, mapped, 12) == 0 && !slash) {
            memmove(out->addr, out->addr + 12, 4);
            memset(out->addr + 4, 0, 12);
            out->family = 4;
            max = 32;
        } else {
            out->family = 6;
            max = 128;
        }
    } else {
        return -EINVAL;
    }
    out->prefix = max;
    if (slash) {
        char *end;
        errno = 0;
        long p = strtol(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || p < 0 || p > max)
            return -EINVAL;
        out->prefix = (int)p;
    }
    return 0;
}

bool hub_net_contains(const struct hub_net *net, const struct hub_net *addr)
{
    if (net->family != addr->family)
        return false;
    int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr->addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (addr->addr[full] & mask);
}

static void net_format(const struct hub_net *a, char *out, size_t outlen)
{
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, text, sizeof text))
        text[0] = '\0';
    snprintf(out, outlen, "%s", text);
}

static bool net_trusted(const struct hub_net *a, const struct hub_net *trusted, int ntrusted)
{
    for (int i = 0; i < ntrusted; i++)
        if (hub_net_contains(&trusted[i], a))
            return true;
    return false;
}

void hub_client_address(const char *peer, const char *forwarded_for,
                        const struct hub_net *trusted, int ntrusted, char *out, size_t outlen)
{
    struct hub_net hop;
    if (hub_net_parse(peer, &hop) < 0) {
        snprintf(out, outlen, "%s", peer);
        return;
    }
    if (forwarded_for && net_trusted(&hop, trusted, ntrusted)) {
        /* Right to left: each entry is what the hop to its right saw. */
        const char *end = forwarded_for + strlen(forwarded_for);
        while (end > forwarded_for) {
            const char *start = end;
            while (start > forwarded_for && start[-1] != ',')
                start--;
            const char *a = start, *b = end;
            while (a < b && (*a == ' ' || *a == '\t'))
                a++;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            char entry[64];
            struct hub_net next;
            if (b - a <= 0 || (size_t)(b - a) >= sizeof entry)
                break;
            memcpy(entry, a, (size_t)(b - a));
            entry[b - a] = '\0';
            if (strchr(entry, '/') || hub_net_parse(entry, &next) < 0)
                break;
            hop = next;
            if (!net_trusted(&hop, trusted, ntrusted))
                break;
            end = start > forwarded_for ? start - 1 : forwarded_for;
        }
    }
    net_format(&hop, out, outlen);
}

void hub_client_key(const char *addr, char *out, size_t outlen)
{
    struct hub_net a;
    if (hub_net_parse(addr, &a) < 0 || a.family == 4) {
        snprintf(out, outlen, "%s", addr);
        return;
    }
    memset(a.addr + 8, 0, 8);
    char text[INET6_ADDRSTRLEN];
    net_format(&a, text, sizeof text);
    snprintf(out, outlen, "%s/64", text);
}
