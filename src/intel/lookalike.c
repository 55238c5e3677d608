/* SPDX-License-Identifier: Apache-2.0 */
/* Look-alike domain detection (lookalike.h). The skeleton is Unicode TR39's,
 * from ICU's confusables data: for ASCII input it is the concatenation of
 * the skeletons of the characters, so a 128-entry table made from ICU once
 * covers the common case without a call; punycode names go through ICU.
 * Two ASCII sequences TR39 does not list but registrars see abused ("vv" for
 * "w", "cl" for "d") are folded after the skeleton. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <unicode/uspoof.h>

#include "intel/intel.h"
#include "intel/intel_idn.h"
#include "intel/lookalike.h"

#define NAME_MAX_LEN 253
#define CORE_MAX 64
#define SKEL_MAX 256

static const char *const technique_names[LOOKALIKE_TECHNIQUE_MAX] = {
    "none",     "homoglyph",   "tld-swap",   "transposition", "repetition", "omission",
    "insertion", "replacement", "typo",      "hyphenation",   "added-word", "subdomain",
};

static const char *const signatures[LOOKALIKE_TECHNIQUE_MAX] = {
    "VIGIL LOOKALIKE",
    "VIGIL LOOKALIKE homoglyph of a protected domain",
    "VIGIL LOOKALIKE protected domain under another TLD",
    "VIGIL LOOKALIKE transposed letters of a protected domain",
    "VIGIL LOOKALIKE repeated letter in a protected domain",
    "VIGIL LOOKALIKE letter omitted from a protected domain",
    "VIGIL LOOKALIKE letter inserted in a protected domain",
    "VIGIL LOOKALIKE letter replaced in a protected domain",
    "VIGIL LOOKALIKE typing errors of a protected domain",
    "VIGIL LOOKALIKE hyphenated protected domain",
    "VIGIL LOOKALIKE protected domain with added words",
    "VIGIL LOOKALIKE protected domain as a subdomain of another",
};

const char *lookalike_technique_name(enum lookalike_technique t)
{
    return (unsigned)t < LOOKALIKE_TECHNIQUE_MAX ? technique_names[t] : "unknown";
}

const char *lookalike_signature(enum lookalike_technique t)
{
    return (unsigned)t < LOOKALIKE_TECHNIQUE_MAX ? signatures[t] : signatures[0];
}

/* ---------- shared, read-only after first use ---------- */

static const psl_ctx_t *psl;
static USpoofChecker *spoof;
static char ascii_skel[128][8];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void lookalike_init(void)
{
    psl = psl_latest(NULL);
    if (!psl)
        psl = psl_builtin();
    UErrorCode e = U_ZERO_ERROR;
    spoof = uspoof_open(&e);
    if (U_FAILURE(e))
        spoof = NULL;
    for (int c = 0; c < 128; c++) {
        char in[2] = {(char)c, 0};
        ascii_skel[c][0] = (char)c;
        ascii_skel[c][1] = 0;
        if (c == 0 || !spoof)
            continue;
        char out[16];
        e = U_ZERO_ERROR;
        int32_t n = uspoof_getSkeletonUTF8(spoof, 0, in, 1, out, sizeof out, &e);
        if (U_SUCCESS(e) && n > 0 && n < 8) {
            for (int i = 0; i < n; i++)
                out[i] = (char)tolower((unsigned char)out[i]);
            memcpy(ascii_skel[c], out, (size_t)n);
            ascii_skel[c][n] = 0;
        }
    }
}

/* Folds the ASCII pairs TR39 leaves out, in place. */
static size_t fold_pairs(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && s[i] == 'v' && s[i + 1] == 'v') {
            s[o++] = 'w';
            i++;
        } else if (i + 1 < n && s[i] == 'c' && s[i + 1] == 'l') {
            s[o++] = 'd';
            i++;
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

/* Skeleton of a core label (ASCII, or UTF-8 when unicode). -1 on failure. */
static int skeleton(const char *in, size_t len, bool unicode, char *out, size_t cap)
{
    size_t o = 0;
    if (!unicode) {
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)in[i];
            const char *sk = c < 128 ? ascii_skel[c] : NULL;
            size_t sl = sk ? strlen(sk) : 0;
            if (!sk || o + sl >= cap)
                return -1;
            memcpy(out + o, sk, sl);
            o += sl;
        }
    } else {
        if (!spoof)
            return -1;
        UErrorCode e = U_ZERO_ERROR;
        int32_t n = uspoof_getSkeletonUTF8(spoof, 0, in, (int32_t)len, out, (int32_t)cap - 1, &e);
        if (U_FAILURE(e) || n <= 0 || (size_t)n >= cap)
            return -1;
        o = (size_t)n;
        for (size_t i = 0; i < o; i++)
            if ((unsigned char)out[i] < 128)
                out[i] = (char)tolower((unsigned char)out[i]);
    }
    o = fold_pairs(out, o);
    out[o] = '\0';
    return (int)o;
}

/* ---------- distance ---------- */

int lookalike_distance(const char *a, size_t alen, const char *b, size_t blen, int max)
{
    if (alen > CORE_MAX || blen > CORE_MAX)
        return max + 1;
    size_t diff = alen > blen ? alen - blen : blen - alen;
    if ((int)diff > max)
        return max + 1;
    /* optimal string alignment, three rows */
    int rows[3][CORE_MAX + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= blen; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= alen; i++) {
        cur[0] = (int)i;
        int best = cur[0];
        for (size_t j = 1; j <= blen; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < best)
                best = v;
        }
        if (best > max)
            return max + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[blen] > max ? max + 1 : prev[blen];
}

/* The kind of a single edit turning protected p into observed o. */
static enum lookalike_technique classify_edit(const char *o, size_t ol, const char *p, size_t pl)
{
    size_t i = 0;
    while (i < ol && i < pl && o[i] == p[i])
        i++;
    if (ol == pl) {
        if (i + 1 < ol && o[i] == p[i + 1] && o[i + 1] == p[i])
            return LOOKALIKE_TRANSPOSITION;
        return LOOKALIKE_REPLACEMENT;
    }
    if (ol == pl + 1) {
        char c = o[i];
        if ((i > 0 && o[i - 1] == c) || (i + 1 < ol && o[i + 1] == c))
            return LOOKALIKE_REPETITION;
        return LOOKALIKE_INSERTION;
    }
    return LOOKALIKE_OMISSION;
}

/* ---------- the set ---------- */

struct protected_domain {
    char *registrable; /* "examplebank.co.uk" */
    char *core;        /* "examplebank" */
    char *suffix;      /* "co.uk" */
    char *skel;        /* skeleton of the core */
    size_t core_len, skel_len;
    char *owner, *stix_id;
};

struct lookalike_builder {
    struct protected_domain *p;
    size_t n, cap;
};

struct lookalike_set {
    struct protected_domain *p;
    size_t n;
    /* registrable domains that are legitimate: open addressing on a hash */
    uint64_t *legit;
    uint64_t legit_mask;
};

struct lookalike_builder *lookalike_builder_new(void)
{
    pthread_once(&init_once, lookalike_init);
    return calloc(1, sizeof(struct lookalike_builder));
}

static void protected_free(struct protected_domain *p)
{
    free(p->registrable);
    free(p->owner);
    free(p->stix_id);
    free(p->skel);
}

void lookalike_builder_free(struct lookalike_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        protected_free(&b->p[i]);
    free(b->p);
    free(b);
}

/* Lower-cases name into out, drops a trailing dot; 0 or -1. */
static int lower_name(const char *name, size_t len, char *out, size_t cap)
{
    while (len && name[len - 1] == '.')
        len--;
    if (len == 0 || len >= cap)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == 0)
            return -1;
        out[i] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
    }
    out[len] = '\0';
    return (int)len;
}

int lookalike_builder_add(struct lookalike_builder *b, const char *domain, const char *owner,
                          const char *stix_id, char *err, size_t errlen)
{
    char ascii[NAME_MAX_LEN + 2];
    uint8_t norm[NAME_MAX_LEN + 2];
    unsigned flags = 0;
    int n = intel_normalize(INTEL_KIND_DOMAIN, domain, strlen(domain), norm, NAME_MAX_LEN, NULL,
                            &flags, err, errlen);
    if (n <= 0)
        return -EINVAL;
    memcpy(ascii, norm, (size_t)n);
    ascii[n] = '\0';
    const char *reg = psl ? psl_registrable_domain(psl, ascii) : NULL;
    if (!reg) {
        snprintf(err, errlen, "'%s' has no registrable domain (a public suffix?)", ascii);
        return -EINVAL;
    }
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->p[i].registrable, reg) == 0)
            return 0; /* already protected */
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        struct protected_domain *np = realloc(b->p, nc * sizeof *np);
        if (!np)
            return -ENOMEM;
        b->p = np;
        b->cap = nc;
    }
    struct protected_domain *p = &b->p[b->n];
    memset(p, 0, sizeof *p);
    size_t rl = strlen(reg);
    const char *dot = strchr(reg, '.');
    size_t cl = dot ? (size_t)(dot - reg) : rl;
    /* one buffer: "registrable\0core\0" */
    p->registrable = malloc(rl + 1 + cl + 1);
    p->owner = strdup(owner ? owner : "");
    p->stix_id = strdup(stix_id ? stix_id : "");
    if (!p->registrable || !p->owner || !p->stix_id) {
        protected_free(p);
        return -ENOMEM;
    }
    memcpy(p->registrable, reg, rl + 1);
    p->core = p->registrable + rl + 1;
    memcpy(p->core, reg, cl);
    p->core[cl] = '\0';
    p->core_len = cl;
    p->suffix = dot ? p->registrable + cl + 1 : p->registrable + rl;
    char uni[SKEL_MAX], sk[SKEL_MAX];
    bool is_idn = strncmp(p->core, "xn--", 4) == 0;
    int ul = is_idn ? intel_idn_to_unicode(p->core, cl, uni, sizeof uni) : -1;
    int sl = ul > 0 ? skeleton(uni, (size_t)ul, true, sk, sizeof sk)
                    : skeleton(p->core, cl, false, sk, sizeof sk);
    if (sl <= 0) {
        protected_free(p);
        snprintf(err, errlen, "'%s': no skeleton", ascii);
        return -EINVAL;
    }
    p->skel = strdup(sk);
    if (!p->skel) {
        protected_free(p);
        return -ENOMEM;
    }
    p->skel_len = (size_t)sl;
    b->n++;
    return 0;
}

static uint64_t name_hash(const char *s, size_t n)
{
    return intel_hash_bytes(s, n, 0x6c6f6f6b616c696bull) | 1;
}

struct lookalike_set *lookalike_builder_finish(struct lookalike_builder *b)
{
    if (!b || b->n == 0) {
        lookalike_builder_free(b);
        return NULL;
    }
    struct lookalike_set *s = calloc(1, sizeof *s);
    uint64_t cap = 16;
    while (cap < b->n * 2)
        cap *= 2;
    if (s)
        s->legit = calloc(cap, sizeof *s->legit);
    if (!s || !s->legit) {
        free(s);
        lookalike_builder_free(b);
        return NULL;
    }
    s->legit_mask = cap - 1;
    s->p = b->p;
    s->n = b->n;
    b->p = NULL;
    b->n = 0;
    lookalike_builder_free(b);
    for (size_t i = 0; i < s->n; i++) {
        uint64_t h = name_hash(s->p[i].registrable, strlen(s->p[i].registrable));
        uint64_t j = h & s->legit_mask;
        while (s->legit[j] && s->legit[j] != h)
            j = (j + 1) & s->legit_mask;
        s->legit[j] = h;
    }
    return s;
}

void lookalike_set_free(struct lookalike_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        protected_free(&s->p[i]);
    free(s->p);
    free(s->legit);
    free(s);
}

size_t lookalike_set_count(const struct lookalike_set *s)
{
    return s ? s->n : 0;
}

static bool is_legit(const struct lookalike_set *s, const char *reg, size_t n)
{
    uint64_t h = name_hash(reg, n);
    for (uint64_t j = h & s->legit_mask; s->legit[j]; j = (j + 1) & s->legit_mask)
        if (s->legit[j] == h) {
            for (size_t i = 0; i < s->n; i++)
                if (strlen(s->p[i].registrable) == n && memcmp(s->p[i].registrable, reg, n) == 0)
                    return true;
            return false;
        }
    return false;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* needle inside hay; on a word boundary when required. */
static bool contains_token(const char *hay, size_t hl, const char *needle, size_t nl,
                           bool need_boundary)
{
    if (nl == 0 || nl > hl)
        return false;
    for (size_t i = 0; i + nl <= hl; i++) {
        if (memcmp(hay + i, needle, nl) != 0)
            continue;
        if (!need_boundary)
            return true;
        bool left = i == 0 || !alnum(hay[i - 1]);
        bool right = i + nl == hl || !alnum(hay[i + nl]);
        if (left && right)
            return true;
    }
    return false;
}

/* Minimum core length for edit-distance and substring rules. */
#define MIN_CORE_FUZZY 5
/* Cores at least this long match inside words without boundaries. */
#define MIN_CORE_BARE 7

static enum lookalike_technique compare(const struct protected_domain *p, const char *core,
                                        size_t core_len, const char *suffix, const char *skel,
                                        size_t skel_len, bool idn, const char *prefix,
                                        size_t prefix_len)
{
    bool same_core = core_len == p->core_len && memcmp(core, p->core, core_len) == 0;
    if (skel_len == p->skel_len && memcmp(skel, p->skel, skel_len) == 0 && (!same_core || idn))
        return LOOKALIKE_HOMOGLYPH;
    if (same_core && strcmp(suffix, p->suffix) != 0)
        return LOOKALIKE_TLD_SWAP;
    if (p->core_len >= 4 && memchr(core, '-', core_len) && core_len <= CORE_MAX) {
        char dehyph[CORE_MAX + 1];
        size_t o = 0;
        for (size_t i = 0; i < core_len; i++)
            if (core[i] != '-')
                dehyph[o++] = core[i];
        if (o == p->core_len && memcmp(dehyph, p->core, o) == 0)
            return LOOKALIKE_HYPHENATION;
    }
    if (p->core_len >= MIN_CORE_FUZZY && !idn) {
        int max = p->core_len >= 9 ? 2 : 1;
        int d = lookalike_distance(core, core_len, p->core, p->core_len, max);
        if (d == 1)
            return classify_edit(core, core_len, p->core, p->core_len);
        if (d == 2 && max >= 2)
            return LOOKALIKE_TYPO;
    }
    if (core_len > p->core_len && p->core_len >= 4) {
        bool bare = p->core_len >= MIN_CORE_BARE;
        if (contains_token(core, core_len, p->core, p->core_len, !bare) ||
            (p->skel_len >= MIN_CORE_BARE &&
             contains_token(skel, skel_len, p->skel, p->skel_len, false)))
            return LOOKALIKE_ADDED_WORD;
    }
    if (prefix_len) {
        /* the protected registrable domain, or its core, among the labels on
         * the left: "examplebank.com.evil.net", "examplebank-login.evil.net" */
        size_t rl = strlen(p->registrable);
        if (contains_token(prefix, prefix_len, p->registrable, rl, true))
            return LOOKALIKE_SUBDOMAIN;
        if (p->core_len >= MIN_CORE_FUZZY &&
            contains_token(prefix, prefix_len, p->core, p->core_len, p->core_len < MIN_CORE_BARE))
            return LOOKALIKE_SUBDOMAIN;
    }
    return LOOKALIKE_NONE;
}

bool lookalike_check(const struct lookalike_set *s, const char *name, size_t len,
                     struct lookalike_hit *hit)
{
    if (!s || s->n == 0 || !psl)
        return false;
    char lname[NAME_MAX_LEN + 2];
    int n = lower_name(name, len, lname, sizeof lname);
    if (n <= 0 || !memchr(lname, '.', (size_t)n))
        return false;
    const char *reg = psl_registrable_domain(psl, lname);
    if (!reg)
        return false;
    size_t rl = strlen(reg);
    if (is_legit(s, reg, rl))
        return false;
    const char *dot = strchr(reg, '.');
    size_t core_len = dot ? (size_t)(dot - reg) : rl;
    if (core_len == 0 || core_len > CORE_MAX)
        return false;
    char core[CORE_MAX + 1];
    memcpy(core, reg, core_len);
    core[core_len] = '\0';
    const char *suffix = dot ? dot + 1 : reg + rl;
    size_t prefix_len = (size_t)(reg - lname);
    if (prefix_len)
        prefix_len--; /* without the dot before the registrable domain */
    char uni[SKEL_MAX], sk[SKEL_MAX];
    bool idn = strncmp(core, "xn--", 4) == 0;
    int ul = idn ? intel_idn_to_unicode(core, core_len, uni, sizeof uni) : -1;
    bool nonascii = false;
    for (size_t i = 0; i < core_len; i++)
        if ((unsigned char)core[i] >= 0x80)
            nonascii = true;
    int sl = ul > 0 ? skeleton(uni, (size_t)ul, true, sk, sizeof sk)
                    : skeleton(core, core_len, nonascii, sk, sizeof sk);
    if (sl <= 0)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        enum lookalike_technique t = compare(&s->p[i], core, core_len, suffix, sk, (size_t)sl,
                                             ul > 0 || nonascii, lname, prefix_len);
        if (t == LOOKALIKE_NONE)
            continue;
        hit->technique = t;
        hit->protected_domain = s->p[i].registrable;
        hit->owner = s->p[i].owner;
        hit->stix_id = s->p[i].stix_id;
        hit->unicode[0] = '\0';
        if (ul > 0) {
            char full[SKEL_MAX];
            int fl = intel_idn_to_unicode(lname, (size_t)n, full, sizeof full);
            snprintf(hit->unicode, sizeof hit->unicode, "%s", fl > 0 ? full : uni);
        }
        return true;
    }
    return false;
}
