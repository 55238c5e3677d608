/* SPDX-License-Identifier: Apache-2.0 */
/* The immutable indicator set: normalisation of values, the builder, the
 * open-addressing table of exact values and the lookups (see intel.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "decode/packet.h"
#include "intel/intel_idn.h"
#include "intel/intel_internal.h"

static const char *const kind_names[INTEL_KIND_MAX] = {
#define INTEL_KIND_NAME(id, name) name,
    INTEL_KIND_LIST(INTEL_KIND_NAME)
#undef INTEL_KIND_NAME
};

const char *intel_kind_name(enum intel_kind kind)
{
    return (unsigned)kind < INTEL_KIND_MAX ? kind_names[kind] : "unknown";
}

int intel_kind_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strncmp(name, "Intel::", 7) == 0)
        name += 7;
    for (int i = 0; i < INTEL_KIND_MAX; i++)
        if (strcasecmp(kind_names[i], name) == 0)
            return i;
    static const struct {
        const char *n;
        int k;
    } aliases[] = {
        {"subnet", INTEL_KIND_ADDR},      {"ip", INTEL_KIND_ADDR},
        {"ipv4", INTEL_KIND_ADDR},        {"ipv6", INTEL_KIND_ADDR},
        {"ip-dst", INTEL_KIND_ADDR},      {"ip-src", INTEL_KIND_ADDR},
        {"cidr", INTEL_KIND_ADDR},        {"hostname", INTEL_KIND_DOMAIN},
        {"fqdn", INTEL_KIND_DOMAIN},      {"domain-name", INTEL_KIND_DOMAIN},
        {"uri", INTEL_KIND_URL},          {"email-addr", INTEL_KIND_EMAIL},
        {"email-src", INTEL_KIND_EMAIL},  {"email-dst", INTEL_KIND_EMAIL},
        {"cert_hash", INTEL_KIND_CERT_SHA1}, {"x509-fingerprint-sha1", INTEL_KIND_CERT_SHA1},
        {"x509-fingerprint-sha256", INTEL_KIND_CERT_SHA256},
        {"file_hash", INTEL_KIND_FILE_MD5}, {"md5", INTEL_KIND_FILE_MD5},
        {"sha1", INTEL_KIND_FILE_SHA1},   {"sha256", INTEL_KIND_FILE_SHA256},
        {"filename", INTEL_KIND_FILE_NAME}, {"ja3-fingerprint-md5", INTEL_KIND_JA3},
        {"ja3_hash", INTEL_KIND_JA3},     {"ja3s_hash", INTEL_KIND_JA3S},
        {"hassh-md5", INTEL_KIND_HASSH},  {"hasshserver-md5", INTEL_KIND_HASSH},
        {"hassh_server", INTEL_KIND_HASSH}, {"user-agent", INTEL_KIND_SOFTWARE},
        {"user_agent", INTEL_KIND_SOFTWARE},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(aliases[i].n, name) == 0)
            return aliases[i].k;
    return -1;
}

/* ---------- hashing ---------- */

static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t intel_hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ mix64(len + 0x9e3779b97f4a7c15ull, 0xa0761d6478bd642full);
    while (len >= 16) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        h = mix64(a ^ 0xe7037ed1a0b428dbull, b ^ h);
        p += 16;
        len -= 16;
    }
    uint64_t a = 0, b = 0;
    if (len >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + len - 8, 8);
    } else if (len >= 4) {
        uint32_t x, y;
        memcpy(&x, p, 4);
        memcpy(&y, p + len - 4, 4);
        a = x;
        b = y;
    } else if (len > 0) {
        a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
    }
    h = mix64(a ^ 0x8ebc6af09c88c6e3ull, b ^ h);
    return mix64(h ^ 0x589965cc75374cc3ull, 0x1d8e4e27c47d124full);
}

/* Domains: label hashes folded from the TLD inwards, so the hash of
 * "example.com" is an intermediate value of the hash of "www.example.com". */
static inline uint64_t domain_fold(uint64_t h, const uint8_t *label, size_t len)
{
    return intel_hash_bytes(label, len, h);
}

uint64_t intel_key_hash_slow(const struct intel_set *s, uint8_t kind, const void *key,
                             size_t len)
{
    uint64_t seed = s->seed ^ ((uint64_t)kind * 0x9e3779b97f4a7c15ull);
    /* exact names: one hash of the whole name (the label fold when the set
     * has "and subdomains" entries); those entries: the label fold, whose
     * intermediate values are the parents' */
    if (kind != INTEL_KIND_DOMAIN_SUB && !(kind == INTEL_KIND_DOMAIN && s->exact_fold))
        return intel_hash_bytes(key, len, seed);
    const uint8_t *p = key;
    uint64_t h = s->seed;
    size_t end = len;
    for (size_t i = len; i > 0; i--) {
        if (p[i - 1] == '.') {
            h = domain_fold(h, p + i, end - i);
            end = i - 1;
        }
    }
    h = domain_fold(h, p, end);
    return h ^ ((uint64_t)kind * 0x9e3779b97f4a7c15ull);
}

/* ---------- normalisation ---------- */

static void trim(const char **v, size_t *len)
{
    while (*len && isspace((unsigned char)(*v)[0])) {
        (*v)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*v)[*len - 1]))
        (*len)--;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static const int8_t hex_table[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
    ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
}; /* value + 1; 0: not a hex digit */

int intel_hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    if (len == 2 * n) { /* the common form: no separators */
        for (size_t i = 0; i < n; i++) {
            int hi = hex_table[p[2 * i]], lo = hex_table[p[2 * i + 1]];
            if (!hi || !lo)
                return -1;
            out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
        }
        return 0;
    }
    size_t o = 0, i = 0;
    while (i < len) {
        if (o == n)
            return -1;
        int hi = hex_table[p[i]];
        int lo = i + 1 < len ? hex_table[p[i + 1]] : 0;
        if (!hi || !lo)
            return -1;
        out[o++] = (uint8_t)((hi - 1) << 4 | (lo - 1));
        i += 2;
        if (i < len && (s[i] == ':' || s[i] == ' ')) {
            if (i + 1 == len)
                return -1;
            i++;
        }
    }
    return o == n ? 0 : -1;
}

/* Number of hex digits, or 0 if s is not hex with optional separators. */
static size_t hex_digits(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (hexval((unsigned char)s[i]) >= 0)
            n++;
        else if (s[i] != ':' && s[i] != ' ')
            return 0;
    }
    return n;
}

static int parse_addr(const char *v, size_t len, uint8_t *out, uint8_t *prefix_len, char *err,
                      size_t errlen)
{
    char buf[80];
    if (len >= sizeof buf) {
        set_err(err, errlen, "not an IP address or CIDR range");
        return -1;
    }
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *s = buf;
    if (s[0] == '[') { /* [v6] */
        char *close = strchr(s, ']');
        if (close) {
            memmove(close, close + 1, strlen(close + 1) + 1);
            s++;
        }
    }
    long plen = -1;
    char *slash = strchr(s, '/');
    if (slash) {
        *slash = '\0';
        char *end;
        plen = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || plen < 0) {
            set_err(err, errlen, "bad prefix length");
            return -1;
        }
    }
    uint8_t a[16];
    memset(out, 0, 17);
    if (inet_pton(AF_INET, s, a) == 1) {
        if (plen > 32) {
            set_err(err, errlen, "IPv4 prefix length over 32");
            return -1;
        }
        out[0] = 4;
        memcpy(out + 1 + 12, a, 4);
        *prefix_len = (uint8_t)(plen < 0 ? 32 : plen);
    } else if (inet_pton(AF_INET6, s, a) == 1) {
        if (plen > 128) {
            set_err(err, errlen, "IPv6 prefix length over 128");
            return -1;
        }
        /* ::ffff:a.b.c.d is IPv4 as the sensor sees it */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0 && (plen < 0 || plen >= 96)) {
            out[0] = 4;
            memcpy(out + 1 + 12, a + 12, 4);
            *prefix_len = (uint8_t)(plen < 0 ? 32 : plen - 96);
        } else {
            out[0] = 6;
            memcpy(out + 1, a, 16);
            *prefix_len = (uint8_t)(plen < 0 ? 128 : plen);
        }
    } else {
        set_err(err, errlen, "not an IP address or CIDR range");
        return -1;
    }
    /* mask host bits */
    int bits = out[0] == 4 ? 32 : 128;
    uint8_t *base = out + 1 + (out[0] == 4 ? 12 : 0);
    for (int i = *prefix_len; i < bits; i++)
        base[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    return 17;
}

static bool domain_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Lower-case, trailing dot removed, IDN to its ASCII (punycode) form. */
static int normalize_domain(const char *v, size_t len, uint8_t *out, size_t cap, unsigned *flags,
                            char *err, size_t errlen)
{
    if (len >= 2 && v[0] == '*' && v[1] == '.') {
        v += 2;
        len -= 2;
        if (flags)
            *flags |= INTEL_ADD_SUBDOMAINS;
    } else if (len >= 1 && v[0] == '.') {
        v++;
        len--;
        if (flags)
            *flags |= INTEL_ADD_SUBDOMAINS;
    }
    while (len && v[len - 1] == '.')
        len--;
    if (len == 0 || len > 253) {
        set_err(err, errlen, "empty or over-long domain name");
        return -1;
    }
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] >= 0x80)
            ascii = false;
    char idn[256];
    if (!ascii) {
        int n = intel_idn_to_ascii(v, len, idn, sizeof idn);
        if (n <= 0) {
            set_err(err, errlen, "internationalised domain name that IDNA rejects");
            return -1;
        }
        v = idn;
        len = (size_t)n;
    }
    if (len > cap) {
        set_err(err, errlen, "domain name too long");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tolower((unsigned char)v[i]);
        if (!domain_char_ok(c) || (c == '.' && (i == 0 || v[i - 1] == '.'))) {
            set_err(err, errlen, "not a domain name");
            return -1;
        }
        out[i] = c;
    }
    return (int)len;
}

static int normalize_email(const char *v, size_t len, uint8_t *out, size_t cap, char *err,
                           size_t errlen)
{
    const char *lt = memchr(v, '<', len);
    if (lt) {
        const char *gt = memchr(lt, '>', len - (size_t)(lt - v));
        if (!gt) {
            set_err(err, errlen, "unbalanced '<' in e-mail address");
            return -1;
        }
        len = (size_t)(gt - lt - 1);
        v = lt + 1;
    }
    if (len >= 7 && strncasecmp(v, "mailto:", 7) == 0) {
        v += 7;
        len -= 7;
    }
    trim(&v, &len);
    const char *at = memchr(v, '@', len);
    if (!at || at == v || at == v + len - 1 || len > cap) {
        set_err(err, errlen, "not an e-mail address");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c == '<' || c == '>' || c == ',') {
            set_err(err, errlen, "not an e-mail address");
            return -1;
        }
        out[i] = (uint8_t)tolower(c);
    }
    return (int)len;
}

static int hash_bytes_of(enum intel_kind kind)
{
    switch (kind) {
    case INTEL_KIND_JA3:
    case INTEL_KIND_JA3S:
    case INTEL_KIND_HASSH:
    case INTEL_KIND_FILE_MD5:
        return 16;
    case INTEL_KIND_CERT_SHA1:
    case INTEL_KIND_FILE_SHA1:
        return 20;
    case INTEL_KIND_CERT_SHA256:
    case INTEL_KIND_FILE_SHA256:
        return 32;
    default:
        return 0;
    }
}

int intel_kind_hash_size(enum intel_kind kind)
{
    return hash_bytes_of(kind);
}

int intel_normalize(enum intel_kind kind, const char *value, size_t len, uint8_t *out, size_t cap,
                    uint8_t *prefix_len, unsigned *flags, char *err, size_t errlen)
{
    if (!value) {
        set_err(err, errlen, "no value");
        return -1;
    }
    trim(&value, &len);
    if (len == 0) {
        set_err(err, errlen, "empty value");
        return -1;
    }
    int hb = hash_bytes_of(kind);
    if (hb) {
        if ((size_t)hb > cap || intel_hex_decode(value, len, out, (size_t)hb) != 0) {
            set_err(err, errlen, "not a hexadecimal hash of the expected length");
            return -1;
        }
        return hb;
    }
    switch (kind) {
    case INTEL_KIND_ADDR: {
        if (cap < 17)
            return -1;
        uint8_t pl = 0;
        int n = parse_addr(value, len, out, &pl, err, errlen);
        if (prefix_len)
            *prefix_len = pl;
        return n;
    }
    case INTEL_KIND_DOMAIN:
        return normalize_domain(value, len, out, cap, flags, err, errlen);
    case INTEL_KIND_URL: {
        int n = intel_url_normalize(value, len, (char *)out, cap);
        if (n <= 0)
            set_err(err, errlen, "not a URL");
        return n <= 0 ? -1 : n;
    }
    case INTEL_KIND_EMAIL:
        return normalize_email(value, len, out, cap, err, errlen);
    case INTEL_KIND_JA4:
        if (len > cap || len < 10 || memchr(value, '_', len) == NULL) {
            set_err(err, errlen, "not a JA4 fingerprint");
            return -1;
        }
        for (size_t i = 0; i < len; i++)
            out[i] = (uint8_t)tolower((unsigned char)value[i]);
        return (int)len;
    case INTEL_KIND_FILE_NAME:
    case INTEL_KIND_SOFTWARE:
        if (len > cap || len > 4096) {
            set_err(err, errlen, "value too long");
            return -1;
        }
        memcpy(out, value, len);
        return (int)len;
    default:
        set_err(err, errlen, "unknown indicator kind");
        return -1;
    }
}

/* ---------- URL normalisation ---------- */

static int url_decode_path(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%' && i + 2 < len && hexval((unsigned char)in[i + 1]) >= 0 &&
            hexval((unsigned char)in[i + 2]) >= 0) {
            c = (unsigned char)(hexval((unsigned char)in[i + 1]) << 4 | hexval((unsigned char)in[i + 2]));
            i += 2;
        } else if (c == '%' && i + 5 < len && (in[i + 1] == 'u' || in[i + 1] == 'U') &&
                   hexval((unsigned char)in[i + 2]) >= 0 && hexval((unsigned char)in[i + 3]) >= 0 &&
                   hexval((unsigned char)in[i + 4]) >= 0 && hexval((unsigned char)in[i + 5]) >= 0) {
            /* %uHHHH: libhtp's best-fit keeps the low byte of U+00xx, else '?' */
            unsigned hi = (unsigned)(hexval((unsigned char)in[i + 2]) << 4 | hexval((unsigned char)in[i + 3]));
            unsigned lo = (unsigned)(hexval((unsigned char)in[i + 4]) << 4 | hexval((unsigned char)in[i + 5]));
            c = hi == 0 ? (unsigned char)lo : '?';
            i += 5;
        }
        if (c == '\\')
            c = '/';
        if (c == '/' && o > 0 && out[o - 1] == '/')
            continue; /* compress separators */
        if (o >= cap)
            return -1;
        out[o++] = (char)c;
    }
    return (int)o;
}

/* RFC 3986 remove_dot_segments, in place, on a path starting with '/'. */
static size_t remove_dot_segments(char *p, size_t len)
{
    size_t i = 0, o = 0;
    while (i < len) {
        size_t rem = len - i;
        if (rem >= 3 && p[i + 1] == '.' && p[i + 2] == '/') {
            i += 2; /* "/./" -> "/" */
            continue;
        }
        if (rem == 2 && p[i + 1] == '.') {
            p[o++] = '/';
            break;
        }
        bool up = rem >= 3 && p[i + 1] == '.' && p[i + 2] == '.' && (rem == 3 || p[i + 3] == '/');
        if (up) {
            while (o > 0 && p[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            if (rem == 3) {
                p[o++] = '/';
                break;
            }
            i += 3;
            continue;
        }
        size_t j = i + 1;
        while (j < len && p[j] != '/')
            j++;
        memmove(p + o, p + i, j - i);
        o += j - i;
        i = j;
    }
    if (o == 0)
        p[o++] = '/';
    return o;
}

int intel_url_normalize(const char *url, size_t len, char *out, size_t cap)
{
    trim(&url, &len);
    bool https = false;
    const char *colon = memchr(url, ':', len);
    if (colon && colon + 2 < url + len && colon[1] == '/' && colon[2] == '/') {
        size_t slen = (size_t)(colon - url);
        https = slen == 5 && strncasecmp(url, "https", 5) == 0;
        len -= slen + 3;
        url = colon + 3;
    }
    /* authority */
    size_t a = 0;
    while (a < len && url[a] != '/' && url[a] != '?' && url[a] != '#')
        a++;
    const char *auth = url;
    size_t alen = a;
    const char *at = memchr(auth, '@', alen); /* drop user info */
    if (at) {
        alen -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    if (alen == 0 || alen + 1 >= cap)
        return -1;
    size_t o = 0;
    size_t hostlen = alen;
    /* port: drop the scheme's default */
    const char *pc = NULL;
    for (size_t i = alen; i > 0; i--) {
        if (auth[i - 1] == ':') {
            pc = auth + i - 1;
            break;
        }
        if (auth[i - 1] == ']')
            break;
    }
    if (pc) {
        hostlen = (size_t)(pc - auth);
        size_t plen = alen - hostlen - 1;
        bool dflt = plen == 0 || (plen == 2 && memcmp(pc + 1, "80", 2) == 0 && !https) ||
                    (plen == 3 && memcmp(pc + 1, "443", 3) == 0 && https);
        if (dflt)
            alen = hostlen;
    }
    for (size_t i = 0; i < alen; i++)
        out[o++] = (char)(i < hostlen ? tolower((unsigned char)auth[i]) : auth[i]);
    while (o > 0 && out[o - 1] == '.')
        o--; /* trailing dot of the host */
    const char *rest = url + a;
    size_t rlen = len - a;
    const char *q = memchr(rest, '?', rlen);
    const char *frag = memchr(rest, '#', rlen);
    if (frag && q && frag < q)
        q = NULL;
    size_t pathlen = q ? (size_t)(q - rest) : frag ? (size_t)(frag - rest) : rlen;
    if (o + 1 >= cap)
        return -1;
    char *path = out + o;
    if (pathlen == 0) {
        path[0] = '/';
        o++;
    } else {
        int n = url_decode_path(rest, pathlen, path, cap - o);
        if (n < 0)
            return -1;
        if (path[0] != '/') {
            if (o + (size_t)n + 1 >= cap)
                return -1;
            memmove(path + 1, path, (size_t)n);
            path[0] = '/';
            n++;
        }
        o += remove_dot_segments(path, (size_t)n);
    }
    if (q) {
        size_t qlen = frag && frag > q ? (size_t)(frag - q) : rlen - (size_t)(q - rest);
        if (o + qlen >= cap)
            return -1;
        memcpy(out + o, q, qlen);
        o += qlen;
    }
    return (int)o;
}

/* ---------- builder ---------- */

struct meta_build {
    uint32_t stix_id, name, tlp, shared_by, source; /* offsets in the meta pool */
    int confidence;
    uint32_t first_generation;
    uint8_t severity;
    uint32_t tag;
};

struct intel_builder {
    struct intel_entry *entries;
    uint32_t nentries, cap_entries;
    size_t entries_mapped;
    uint8_t *pool;
    size_t pool_len, pool_cap;
    size_t pool_mapped;
    struct meta_build *metas;
    uint32_t nmetas, cap_metas;
    char *mpool;
    size_t mpool_len, mpool_cap;
    /* interning of the short repeated meta strings (tlp, organisation, source) */
    uint32_t intern_off[64];
    uint32_t intern_n;
};

static void hbuf_free(void *p, size_t mapped);

struct intel_builder *intel_builder_new(void)
{
    struct intel_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->mpool = malloc(256);
    if (!b->mpool) {
        free(b);
        return NULL;
    }
    b->mpool_cap = 256;
    b->mpool[0] = '\0'; /* offset 0 is "" */
    b->mpool_len = 1;
    return b;
}

void intel_builder_free(struct intel_builder *b)
{
    if (!b)
        return;
    hbuf_free(b->entries, b->entries_mapped);
    hbuf_free(b->pool, b->pool_mapped);
    free(b->metas);
    free(b->mpool);
    free(b);
}

size_t intel_builder_count(const struct intel_builder *b)
{
    return b->nentries;
}

static uint32_t mpool_add(struct intel_builder *b, const char *s, bool intern)
{
    if (!s || !s[0])
        return 0;
    size_t n = strlen(s) + 1;
    if (intern) {
        for (uint32_t i = 0; i < b->intern_n; i++)
            if (strcmp(b->mpool + b->intern_off[i], s) == 0)
                return b->intern_off[i];
    }
    if (b->mpool_len + n > b->mpool_cap) {
        size_t nc = b->mpool_cap * 2;
        while (nc < b->mpool_len + n)
            nc *= 2;
        char *p = realloc(b->mpool, nc);
        if (!p)
            return UINT32_MAX;
        b->mpool = p;
        b->mpool_cap = nc;
    }
    if (b->mpool_len + n > UINT32_MAX)
        return UINT32_MAX;
    uint32_t off = (uint32_t)b->mpool_len;
    memcpy(b->mpool + off, s, n);
    b->mpool_len += n;
    if (intern) {
        if (b->intern_n < 64)
            b->intern_off[b->intern_n++] = off;
        else
            b->intern_off[off % 64] = off;
    }
    return off;
}

uint32_t intel_builder_add_meta(struct intel_builder *b, const struct intel_meta_in *m)
{
    if (b->nmetas == b->cap_metas) {
        uint32_t nc = b->cap_metas ? b->cap_metas * 2 : 64;
        struct meta_build *p = realloc(b->metas, nc * sizeof *p);
        if (!p)
            return UINT32_MAX;
        b->metas = p;
        b->cap_metas = nc;
    }
    struct meta_build mb = {
        .confidence = m->confidence,
        .first_generation = m->first_generation,
        .severity = m->severity,
        .tag = m->tag,
    };
    mb.stix_id = mpool_add(b, m->stix_id, false);
    mb.name = mpool_add(b, m->name, false);
    mb.tlp = mpool_add(b, m->tlp, true);
    mb.shared_by = mpool_add(b, m->shared_by, true);
    mb.source = mpool_add(b, m->source, true);
    if (mb.stix_id == UINT32_MAX || mb.name == UINT32_MAX || mb.tlp == UINT32_MAX ||
        mb.shared_by == UINT32_MAX || mb.source == UINT32_MAX)
        return UINT32_MAX;
    b->metas[b->nmetas] = mb;
    return b->nmetas++;
}

/* Grows a buffer to at least need bytes (doubling). Large buffers live in
 * anonymous mappings grown with mremap (no copy, no transient double size)
 * and advised to use huge pages, so that the finished set's lookups do not
 * pay a TLB miss per access. *mapped: bytes mapped, 0 while malloc'ed. */
static int hbuf_grow(void **p, size_t *cap, size_t *mapped, size_t need, size_t first)
{
    size_t nc = *cap ? *cap : first;
    while (nc < need)
        nc *= 2;
    if (nc < (4u << 20)) {
        void *q = realloc(*p, nc);
        if (!q)
            return -ENOMEM;
        *p = q;
        *cap = nc;
        return 0;
    }
    size_t len = (nc + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    void *q;
    if (*mapped) {
        q = mremap(*p, *mapped, len, MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
            return -ENOMEM;
    } else {
        q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED)
            return -ENOMEM;
        if (*p)
            memcpy(q, *p, *cap);
        free(*p);
    }
    madvise(q, len, MADV_HUGEPAGE);
    *p = q;
    *mapped = len;
    *cap = len;
    return 0;
}

static void hbuf_free(void *p, size_t mapped)
{
    if (mapped)
        munmap(p, mapped);
    else
        free(p);
}

static int builder_push(struct intel_builder *b, uint8_t kind, const uint8_t *v, size_t len,
                        uint32_t meta, uint8_t flags, uint8_t prefix_len)
{
    if (b->nentries == b->cap_entries) {
        size_t cap = (size_t)b->cap_entries * sizeof *b->entries;
        void *p = b->entries;
        if (hbuf_grow(&p, &cap, &b->entries_mapped, cap + sizeof *b->entries,
                      1024 * sizeof *b->entries) != 0)
            return -ENOMEM;
        b->entries = p;
        b->cap_entries = (uint32_t)(cap / sizeof *b->entries);
    }
    if (b->pool_len + len > b->pool_cap) {
        void *p = b->pool;
        if (hbuf_grow(&p, &b->pool_cap, &b->pool_mapped, b->pool_len + len, 65536) != 0)
            return -ENOMEM;
        b->pool = p;
    }
    if (b->pool_len + len > UINT32_MAX || b->nentries >= UINT32_MAX - 1)
        return -ENOMEM;
    struct intel_entry *e = &b->entries[b->nentries++];
    memset(e, 0, sizeof *e);
    e->value_off = (uint32_t)b->pool_len;
    e->value_len = (uint16_t)len;
    e->kind = kind;
    e->flags = flags;
    e->meta = meta;
    e->prefix_len = prefix_len;
    memcpy(b->pool + b->pool_len, v, len);
    b->pool_len += len;
    return 0;
}

int intel_builder_add(struct intel_builder *b, enum intel_kind kind, const char *value, size_t len,
                      uint32_t meta, unsigned flags, char *err, size_t errlen)
{
    if ((unsigned)kind >= INTEL_KIND_MAX || meta >= b->nmetas) {
        set_err(err, errlen, "bad kind or indicator");
        return -EINVAL;
    }
    /* Generic file / certificate hashes: the length says which. */
    if (kind == INTEL_KIND_FILE_MD5 || kind == INTEL_KIND_FILE_SHA1 ||
        kind == INTEL_KIND_FILE_SHA256 || kind == INTEL_KIND_CERT_SHA1 ||
        kind == INTEL_KIND_CERT_SHA256) {
        const char *v = value;
        size_t l = len;
        trim(&v, &l);
        size_t d = hex_digits(v, l);
        bool file = kind <= INTEL_KIND_FILE_SHA256 && kind >= INTEL_KIND_FILE_MD5;
        if (d == 32 && file)
            kind = INTEL_KIND_FILE_MD5;
        else if (d == 40)
            kind = file ? INTEL_KIND_FILE_SHA1 : INTEL_KIND_CERT_SHA1;
        else if (d == 64)
            kind = file ? INTEL_KIND_FILE_SHA256 : INTEL_KIND_CERT_SHA256;
    }
    uint8_t buf[4200];
    uint8_t prefix_len = 0;
    int n = intel_normalize(kind, value, len, buf, sizeof buf, &prefix_len, &flags, err, errlen);
    if (n < 0)
        return -EINVAL;
    if (kind == INTEL_KIND_ADDR) {
        bool v4 = buf[0] == 4;
        const uint8_t *a = buf + 1 + (v4 ? 12 : 0);
        size_t alen = v4 ? 4 : 16;
        bool exact = prefix_len == (v4 ? 32 : 128);
        /* a range's key is the address and its prefix length, so it never
         * equals an exact address's key but identical ranges merge */
        uint8_t key[17];
        memcpy(key, a, alen);
        key[alen] = prefix_len;
        return builder_push(b, INTEL_KIND_ADDR, key, exact ? alen : alen + 1, meta,
                            exact ? 0 : INTEL_ENTRY_RANGE, prefix_len);
    }
    uint8_t k = (uint8_t)kind;
    if (kind == INTEL_KIND_DOMAIN && (flags & INTEL_ADD_SUBDOMAINS))
        k = INTEL_KIND_DOMAIN_SUB;
    return builder_push(b, k, buf, (size_t)n, meta, 0, 0);
}

/* ---------- the finished set ---------- */

/* Large tables in transparent huge pages where the kernel allows it: a
 * lookup that misses touches one slot, and with 4 KiB pages that slot costs
 * a TLB miss too (twice as dear under virtualisation). Zeroed. */
static void *big_calloc(size_t bytes, size_t *mapped)
{
    if (bytes < (2u << 20)) {
        *mapped = 0;
        return calloc(1, bytes);
    }
    size_t len = (bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        *mapped = 0;
        return calloc(1, bytes);
    }
    madvise(p, len, MADV_HUGEPAGE);
    *mapped = len;
    return p;
}

static void big_free(void *p, size_t mapped)
{
    if (mapped)
        munmap(p, mapped);
    else
        free(p);
}

static uint64_t random_seed(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&s, sizeof s, 1, f) != 1)
            s = 0;
        fclose(f);
    }
    return s ^ (uint64_t)(uintptr_t)&s ^ 0x243f6a8885a308d3ull;
}

static inline bool entry_equal(const struct intel_set *s, const struct intel_entry *e,
                               uint8_t kind, const void *key, size_t len)
{
    return e->kind == kind && e->value_len == len &&
           memcmp(s->pool + e->value_off, key, len) == 0;
}

const struct intel_slot *intel_set_find(const struct intel_set *s, uint8_t kind, uint64_t h,
                                        const void *key, size_t len)
{
    if (!s->slots)
        return NULL;
    /* the slot is loaded while the filter is tested: a value the set holds
     * costs max(filter, slot) + value, not their sum */
    __builtin_prefetch(&s->slots[h & s->mask]);
    if (!intel_filter_may_hold(&s->filter, h))
        return NULL;
    uint32_t tag = (uint32_t)(h >> 32);
    for (uint64_t i = h & s->mask;; i = (i + 1) & s->mask) {
        const struct intel_slot *sl = &s->slots[i];
        if (!sl->flags)
            return NULL;
        if (sl->tag == tag && intel_slot_holds(s->pool, sl, kind, key, len))
            return sl;
    }
}

struct intel_set *intel_builder_finish(struct intel_builder *b, uint32_t generation)
{
    struct intel_set *s = calloc(1, sizeof *s);
    uint32_t *dup_next = NULL;
    if (!s)
        goto fail;
    s->generation = generation;
    s->seed = random_seed();
    uint32_t n = b->nentries;
    /* hashed entries: everything but address ranges */
    uint64_t cap = 16;
    while (cap * 3 < (uint64_t)n * 4) /* load factor <= 0.75 (the filter answers most misses) */
        cap *= 2;
    s->slots = big_calloc(cap * sizeof *s->slots, &s->slots_mapped);
    s->mask = cap - 1;
    dup_next = n ? malloc((size_t)n * sizeof *dup_next) : NULL;
    if (!s->slots || (n && !dup_next))
        goto fail;
    if (n >= 65536) {
        /* the fingerprint filter, ~12 bits per value, set as values are
         * inserted */
        s->filter.nblocks = (uint32_t)(((uint64_t)n * 12 + 255) / 256);
        s->filter.blocks = big_calloc((size_t)s->filter.nblocks * 32, &s->filter.mapped);
        if (!s->filter.blocks)
            goto fail;
    }
    for (uint32_t i = 0; i < n && !s->exact_fold; i++)
        s->exact_fold = b->entries[i].kind == INTEL_KIND_DOMAIN_SUB;
    s->entries = b->entries;
    s->entries_mapped = b->entries_mapped;
    s->nentries = n;
    s->pool = b->pool;
    s->pool_mapped = b->pool_mapped;
    s->pool_len = b->pool_len;
    b->entries = NULL;
    b->pool = NULL;
    b->entries_mapped = b->pool_mapped = 0;
    size_t extra_lists = 0;
    /* hashes computed a batch ahead, their slots prefetched: the inserts
     * then mostly hit the cache */
    enum { AHEAD = 16 };
    uint64_t ahead[AHEAD];
    for (uint32_t i = 0; i < n && i < AHEAD; i++) {
        const struct intel_entry *e = &s->entries[i];
        ahead[i] = intel_key_hash(s, e->kind, s->pool + e->value_off, e->value_len);
        __builtin_prefetch(&s->slots[ahead[i] & s->mask], 1);
        if (s->filter.nblocks)
            __builtin_prefetch(intel_filter_block(&s->filter, ahead[i]), 1);
    }
    for (uint32_t i = 0; i < n; i++) {
        dup_next[i] = UINT32_MAX;
        struct intel_entry *e = &s->entries[i];
        const uint8_t *key = s->pool + e->value_off;
        uint64_t h = ahead[i % AHEAD];
        if (i + AHEAD < n) {
            const struct intel_entry *en = &s->entries[i + AHEAD];
            uint64_t hn = intel_key_hash(s, en->kind, s->pool + en->value_off, en->value_len);
            ahead[i % AHEAD] = hn;
            __builtin_prefetch(&s->slots[hn & s->mask], 1);
            if (s->filter.nblocks)
                __builtin_prefetch(intel_filter_block(&s->filter, hn), 1);
        }
        uint32_t tag = (uint32_t)(h >> 32);
        uint64_t j = h & s->mask;
        for (;; j = (j + 1) & s->mask) {
            struct intel_slot *sl = &s->slots[j];
            if (!sl->flags) {
                sl->tag = tag;
                sl->flags = INTEL_SLOT_USED;
                sl->meta = i; /* until the meta lists are made */
                sl->value_off = e->value_off;
                sl->value_len = e->value_len;
                sl->kind = e->kind;
                s->counts[e->kind]++;
                if (e->kind == INTEL_KIND_DOMAIN_SUB) {
                    unsigned labels = 1;
                    for (uint16_t c = 0; c < e->value_len; c++)
                        labels += key[c] == '.';
                    s->sub_depths |= intel_depth_bit(labels);
                }
                if (s->filter.nblocks) {
                    uint32_t *blk = (uint32_t *)intel_filter_block(&s->filter, h);
                    for (int k = 0; k < 8; k++)
                        blk[k] |= intel_filter_bit(h, k);
                }
                break;
            }
            if (sl->tag == tag) {
                uint32_t first = sl->meta;
                struct intel_entry *f = &s->entries[first];
                if (entry_equal(s, f, e->kind, key, e->value_len)) {
                    /* same value from another indicator: chain its meta */
                    e->flags |= INTEL_ENTRY_DEAD;
                    dup_next[i] = dup_next[first];
                    dup_next[first] = i;
                    extra_lists++;
                    break;
                }
            }
        }
    }
    /* meta lists for values shared by several indicators */
    if (extra_lists) {
        /* each list: count + ids; bounded by 2 * (extra + heads) */
        size_t need = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (dup_next[i] != UINT32_MAX && !(s->entries[i].flags & INTEL_ENTRY_DEAD)) {
                size_t c = 1;
                for (uint32_t k = dup_next[i]; k != UINT32_MAX; k = dup_next[k])
                    c++;
                need += c + 1;
            }
        }
        s->meta_lists = malloc(need * sizeof *s->meta_lists);
        if (!s->meta_lists)
            goto fail;
        size_t o = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct intel_entry *e = &s->entries[i];
            if (dup_next[i] == UINT32_MAX || (e->flags & INTEL_ENTRY_DEAD))
                continue;
            size_t start = o++;
            uint32_t c = 0;
            /* own meta first, then the others; the same meta twice is kept once */
            s->meta_lists[o++] = e->meta;
            c++;
            for (uint32_t k = dup_next[i]; k != UINT32_MAX; k = dup_next[k]) {
                uint32_t m = s->entries[k].meta;
                bool seen = false;
                for (uint32_t x = 0; x < c; x++)
                    if (s->meta_lists[start + 1 + x] == m)
                        seen = true;
                if (!seen) {
                    s->meta_lists[o++] = m;
                    c++;
                }
            }
            s->meta_lists[start] = c;
            if (c == 1) {
                o = start; /* all duplicates of one indicator: no list needed */
                continue;
            }
            e->meta = (uint32_t)start;
            e->flags |= INTEL_ENTRY_MULTI;
        }
        s->meta_lists_len = o;
    }
    free(dup_next);
    dup_next = NULL;
    /* the slots take what a hit reports from their entries */
    for (uint64_t j = 0; j <= s->mask; j++) {
        struct intel_slot *sl = &s->slots[j];
        if (!sl->flags)
            continue;
        const struct intel_entry *e = &s->entries[sl->meta];
        sl->meta = e->meta;
        sl->flags = (uint8_t)(INTEL_SLOT_USED | (e->flags & (INTEL_ENTRY_MULTI | INTEL_ENTRY_RANGE)));
        if (sl->value_len <= sizeof sl->value_off && !(sl->flags & INTEL_ENTRY_RANGE)) {
            uint32_t v = 0;
            memcpy(&v, s->pool + sl->value_off, sl->value_len);
            sl->value_off = v;
            sl->flags |= INTEL_SLOT_INLINE;
        }
    }
    /* metas */
    s->nmetas = b->nmetas;
    s->meta_pool = b->mpool;
    s->meta_pool_len = b->mpool_len;
    b->mpool = NULL;
    s->metas = calloc(s->nmetas ? s->nmetas : 1, sizeof *s->metas);
    if (!s->metas)
        goto fail;
    for (uint32_t i = 0; i < s->nmetas; i++) {
        const struct meta_build *mb = &b->metas[i];
        struct intel_meta *m = &s->metas[i];
        m->stix_id = s->meta_pool + mb->stix_id;
        m->name = s->meta_pool + mb->name;
        m->tlp = s->meta_pool + mb->tlp;
        m->shared_by = s->meta_pool + mb->shared_by;
        m->source = s->meta_pool + mb->source;
        m->confidence = mb->confidence;
        m->first_generation = mb->first_generation;
        m->severity = mb->severity;
        m->tag = mb->tag;
    }
    if (intel_prefix_build(s) != 0)
        goto fail;
    /* The slots carry what a hit reports: only the address ranges' entries
     * are read from now on. Keep those (renumbered), free the rest. */
    uint32_t nr = s->v4.nranges + s->v6.nranges;
    struct intel_entry *kept = malloc((nr ? nr : 1) * sizeof *kept);
    if (!kept)
        goto fail;
    uint32_t k = 0;
    for (int fam = 0; fam < 2; fam++) {
        struct intel_prefix_table *t = fam ? &s->v6 : &s->v4;
        for (uint32_t r = 0; r < t->nranges; r++) {
            kept[k] = s->entries[t->range_entry[r]];
            t->range_entry[r] = k++;
        }
    }
    hbuf_free(s->entries, s->entries_mapped);
    s->entries = kept;
    s->entries_mapped = 0;
    s->nentries = nr;
    s->memory = sizeof *s + cap * sizeof *s->slots + (size_t)s->filter.nblocks * 32 +
                (size_t)nr * sizeof *s->entries +
                s->pool_len + s->meta_lists_len * 4 + s->nmetas * sizeof *s->metas +
                s->meta_pool_len;
    s->memory += (size_t)s->v4.count * 8 + (size_t)s->v6.count * 20 +
                 (size_t)(s->v4.nranges + s->v6.nranges) * 8 +
                 (s->v4.dir ? 65537 * 4 : 0) + (s->v6.dir ? 65537 * 4 : 0) +
                 (s->v4.cover ? INTEL_COVER_BYTES : 0);
    intel_builder_free(b);
    return s;
fail:
    free(dup_next);
    intel_builder_free(b);
    intel_set_free(s);
    return NULL;
}

void intel_set_free(struct intel_set *s)
{
    if (!s)
        return;
    big_free(s->slots, s->slots_mapped);
    if (s->filter.blocks)
        big_free(s->filter.blocks, s->filter.mapped);
    hbuf_free(s->entries, s->entries_mapped);
    hbuf_free(s->pool, s->pool_mapped);
    free(s->meta_lists);
    free(s->metas);
    free(s->meta_pool);
    intel_prefix_free(&s->v4);
    intel_prefix_free(&s->v6);
    free(s);
}

/* ---------- reading ---------- */

static void fill_hit(const struct intel_set *s, uint8_t kind, const uint8_t *value, uint16_t len,
                     uint8_t flags, const uint32_t *meta, uint8_t prefix_len, struct intel_hit *h)
{
    h->kind = kind == INTEL_KIND_DOMAIN_SUB ? INTEL_KIND_DOMAIN : (enum intel_kind)kind;
    h->value = value;
    h->value_len = len - ((flags & INTEL_ENTRY_RANGE) ? 1u : 0u);
    h->prefix_len = prefix_len;
    h->subdomains = kind == INTEL_KIND_DOMAIN_SUB;
    if (flags & INTEL_ENTRY_MULTI) {
        h->meta_count = s->meta_lists[*meta];
        h->metas = &s->meta_lists[*meta + 1];
    } else {
        h->meta_count = 1;
        h->metas = meta;
    }
}

void intel_hit_from_entry(const struct intel_set *s, const struct intel_entry *e,
                          struct intel_hit *h)
{
    fill_hit(s, e->kind, s->pool + e->value_off, e->value_len, e->flags, &e->meta, e->prefix_len,
             h);
}

void intel_hit_from_slot(const struct intel_set *s, const struct intel_slot *sl,
                         struct intel_hit *h)
{
    /* values looked up are whole addresses; a range's key ends with its
     * prefix length */
    bool range = (sl->flags & INTEL_ENTRY_RANGE) != 0;
    uint8_t prefix = sl->kind != INTEL_KIND_ADDR ? 0
                     : range                     ? s->pool[sl->value_off + sl->value_len - 1]
                                                 : (uint8_t)(sl->value_len * 8);
    fill_hit(s, sl->kind, intel_slot_value(s->pool, sl), sl->value_len, sl->flags, &sl->meta,
             prefix, h);
}

unsigned intel_set_lookup(const struct intel_set *s, enum intel_kind kind, const void *value,
                          size_t len, struct intel_hit *hits, unsigned max)
{
    if (!s || max == 0 || (unsigned)kind >= INTEL_KIND_MAX || !s->counts[kind])
        return 0;
    if (kind == INTEL_KIND_DOMAIN)
        return intel_set_lookup_domain(s, value, len, hits, max);
    uint8_t buf[4200];
    const void *key = value;
    size_t klen = len;
    int hb = hash_bytes_of(kind);
    if (hb) {
        /* wire form: hex with or without colons; raw bytes of the right size
         * are taken as they are */
        if (len != (size_t)hb) {
            if (intel_hex_decode(value, len, buf, (size_t)hb) != 0)
                return 0;
            key = buf;
            klen = (size_t)hb;
        }
    } else if (kind == INTEL_KIND_EMAIL || kind == INTEL_KIND_JA4) {
        int n = intel_normalize(kind, value, len, buf, sizeof buf, NULL, NULL, NULL, 0);
        if (n <= 0)
            return 0;
        key = buf;
        klen = (size_t)n;
    }
    uint64_t h = intel_key_hash(s, (uint8_t)kind, key, klen);
    const struct intel_slot *e = intel_set_find(s, (uint8_t)kind, h, key, klen);
    if (!e)
        return 0;
    intel_hit_from_slot(s, e, &hits[0]);
    return 1;
}

unsigned intel_set_lookup_domain(const struct intel_set *s, const void *name, size_t len,
                                 struct intel_hit *hits, unsigned max)
{
    if (!s || max == 0)
        return 0;
    bool have_exact = s->counts[INTEL_KIND_DOMAIN] != 0;
    bool have_sub = s->counts[INTEL_KIND_DOMAIN_SUB] != 0;
    if (!have_exact && !have_sub)
        return 0;
    const uint8_t *in = name;
    while (len && in[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return 0;
    uint8_t buf[256];
    intel_lower_ascii(buf, in, len);
    unsigned n = 0;
    const uint64_t ks = (uint64_t)INTEL_KIND_DOMAIN_SUB * 0x9e3779b97f4a7c15ull;
    if (have_exact && !(s->exact_fold && have_sub)) {
        uint64_t hx = intel_key_hash(s, INTEL_KIND_DOMAIN, buf, len);
        const struct intel_slot *e = intel_set_find(s, INTEL_KIND_DOMAIN, hx, buf, len);
        if (e)
            intel_hit_from_slot(s, e, &hits[n++]);
    }
    if (!have_sub)
        return n;
    /* label boundaries */
    uint8_t starts[128];
    unsigned nl = 0;
    starts[nl++] = 0;
    for (size_t i = 0; i < len && nl < 128; i++)
        if (buf[i] == '.')
            starts[nl++] = (uint8_t)(i + 1);
    /* fold from the right: suffix hash for each label start */
    uint64_t hs[128];
    uint64_t h = s->seed;
    size_t end = len;
    for (unsigned k = nl; k > 0; k--) {
        size_t st = starts[k - 1];
        if (st > end)
            return 0; /* empty label (".." ) */
        h = domain_fold(h, buf + st, end - st);
        hs[k - 1] = h;
        end = st ? st - 1 : 0;
    }
    if (have_exact && s->exact_fold) { /* the whole name's fold */
        const uint64_t kd = (uint64_t)INTEL_KIND_DOMAIN * 0x9e3779b97f4a7c15ull;
        const struct intel_slot *e = intel_set_find(s, INTEL_KIND_DOMAIN, hs[0] ^ kd, buf, len);
        if (e)
            intel_hit_from_slot(s, e, &hits[n++]);
    }
    /* the filter blocks and slots of every label count probed, loaded
     * together before any is tested */
    for (unsigned k = 0; k < nl; k++)
        if (s->sub_depths & intel_depth_bit(nl - k)) {
            if (s->filter.nblocks)
                __builtin_prefetch(intel_filter_block(&s->filter, hs[k] ^ ks));
            if (s->slots)
                __builtin_prefetch(&s->slots[(hs[k] ^ ks) & s->mask]);
        }
    for (unsigned k = 0; k < nl && n < max; k++) {
        if (!(s->sub_depths & intel_depth_bit(nl - k)))
            continue; /* no entry has that many labels */
        const struct intel_slot *e = intel_set_find(s, INTEL_KIND_DOMAIN_SUB, hs[k] ^ ks,
                                                     buf + starts[k], len - starts[k]);
        if (e)
            intel_hit_from_slot(s, e, &hits[n++]);
    }
    return n;
}

unsigned intel_set_lookup_addr(const struct intel_set *s, const struct ip_address *a,
                               struct intel_hit *hits, unsigned max)
{
    if (!s || max == 0 || !s->counts[INTEL_KIND_ADDR])
        return 0;
    bool v4 = a->family == 4;
    const uint8_t *key = v4 ? a->addr.u8 + 12 : a->addr.u8;
    size_t klen = v4 ? 4 : 16;
    unsigned n = 0;
    const struct intel_prefix_table *t = v4 ? &s->v4 : &s->v6;
    /* the range bitmap's word is loaded while the exact value is probed */
    if (v4 && t->cover)
        __builtin_prefetch(intel_prefix_cover_word(t, key));
    uint64_t h = intel_key_hash(s, INTEL_KIND_ADDR, key, klen);
    const struct intel_slot *e = intel_set_find(s, INTEL_KIND_ADDR, h, key, klen);
    if (e)
        intel_hit_from_slot(s, e, &hits[n++]);
    if (!t->nranges)
        return n;
    for (uint32_t r = intel_prefix_find(t, key, v4 ? 4 : 6); r != UINT32_MAX && n < max;
         r = t->range_parent[r])
        intel_hit_from_entry(s, &s->entries[t->range_entry[r]], &hits[n++]);
    return n;
}

const struct intel_meta *intel_set_meta(const struct intel_set *s, uint32_t id)
{
    return id < s->nmetas ? &s->metas[id] : NULL;
}

uint32_t intel_set_generation(const struct intel_set *s)
{
    return s ? s->generation : 0;
}

size_t intel_set_count(const struct intel_set *s, enum intel_kind kind)
{
    if (!s || (unsigned)kind >= INTEL_KIND_MAX)
        return 0;
    return s->counts[kind] + (kind == INTEL_KIND_DOMAIN ? s->counts[INTEL_KIND_DOMAIN_SUB] : 0);
}

size_t intel_set_total(const struct intel_set *s)
{
    size_t t = 0;
    for (int k = 0; s && k < INTEL_KIND_INTERNAL_MAX; k++)
        t += s->counts[k];
    return t;
}

size_t intel_set_memory(const struct intel_set *s)
{
    return s ? s->memory : 0;
}

bool intel_set_has_kind(const struct intel_set *s, enum intel_kind kind)
{
    return intel_set_count(s, kind) != 0;
}
