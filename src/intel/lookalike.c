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
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "intel/intel.h"
#include "intel/intel_idn.h"
#include "intel/lookalike.h"

#define NAME_MAX_LEN 253
#define CORE_MAX 64
#define SKEL_MAX 256

static const char *const technique_names[LOOKALIKE_TECHNIQUE_MAX] = {
    "none",     "homoglyph",   "tld-swap",   "transposition", "repetition", "omission",
    "insertion", "replacement", "typo",      "hyphenation",   "added-word", "subdomain",
    "bitsquat",
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
    "VIGIL LOOKALIKE flipped bit in a protected domain",
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

static int skeleton(const char *in, size_t len, bool unicode, char *out, size_t cap);
static void lure_init(void);
static bool lure_seq(const char *s, size_t n, bool skel, int depth);

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
    lure_init();
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

/* The UTF-8 text without its diacritics (NFD, non-spacing marks dropped,
 * NFC): "paypaì" -> "paypai". -1 on failure. */
static int strip_marks(const char *in, size_t len, char *out, size_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&e);
    const UNormalizer2 *nfc = U_SUCCESS(e) ? unorm2_getNFCInstance(&e) : NULL;
    UChar a[SKEL_MAX], b[SKEL_MAX];
    int32_t al = 0;
    u_strFromUTF8(a, SKEL_MAX, &al, in, (int32_t)len, &e);
    if (U_FAILURE(e) || !nfd || !nfc || al >= SKEL_MAX)
        return -1;
    int32_t bl = unorm2_normalize(nfd, a, al, b, SKEL_MAX, &e);
    if (U_FAILURE(e) || bl >= SKEL_MAX)
        return -1;
    int32_t o = 0;
    for (int32_t i = 0; i < bl; i++)
        if (u_charType(b[i]) != U_NON_SPACING_MARK)
            b[o++] = b[i];
    al = unorm2_normalize(nfc, b, o, a, SKEL_MAX, &e);
    if (U_FAILURE(e) || al >= SKEL_MAX)
        return -1;
    int32_t n = 0;
    u_strToUTF8(out, (int32_t)cap - 1, &n, a, al, &e);
    if (U_FAILURE(e) || n <= 0 || (size_t)n >= cap)
        return -1;
    out[n] = '\0';
    return n;
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

/* ---------- prefilters ---------- */

static int char_class(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '0' && c <= '9')
        return 26 + (c - '0');
    return 36 + (c & 15); /* '-', '_', bytes of IDN labels */
}

static void histogram(const char *s, size_t n, uint8_t h[64])
{
    memset(h, 0, 64);
    for (size_t i = 0; i < n; i++)
        h[char_class((unsigned char)s[i])]++;
}

/* A single edit changes the character counts by at most 2, a transposition
 * not at all: counts further apart than 2 * max cannot be within max. */
static bool histogram_close(const uint8_t a[64], const uint8_t b[64], int max)
{
    int d = 0;
    for (int i = 0; i < 64; i++) {
        d += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
        if (d > 2 * max)
            return false;
    }
    return true;
}

/* ---------- the set ---------- */

struct protected_domain {
    char *registrable; /* "examplebank.co.uk" */
    char *core;        /* "examplebank" */
    char *suffix;      /* "co.uk" */
    char *skel;        /* skeleton of the core */
    size_t core_len, skel_len;
    char *owner, *stix_id;
    uint8_t hist[64];  /* character counts of the core (edit-distance prefilter) */
    uint64_t chars;    /* which character classes occur in the core */
    bool generic;      /* the core is an ordinary lure word ("office", "mybank") */
    bool any_suffix;   /* "core.*": the owner's under every public suffix */
};

struct lookalike_builder {
    struct protected_domain *p;
    size_t n, cap;
};

/* Needles (protected cores, skeletons and registrable domains) indexed by
 * their first four bytes, so a name is scanned once for all of them. */
enum needle_what { NEEDLE_CORE, NEEDLE_SKEL, NEEDLE_REG };
struct needle {
    uint32_t key4;
    uint32_t idx;
    uint8_t what;
};

struct lookalike_set {
    struct needle *needles; /* sorted by key4 */
    size_t nneedles;
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
    /* "NAME.*": the owner holds NAME under every public suffix. The label is
     * checked as NAME.com would be, then stands with the suffix "*". */
    size_t dl = strlen(domain);
    bool any_suffix = dl > 2 && strcmp(domain + dl - 2, ".*") == 0;
    char probe[NAME_MAX_LEN + 8];
    if (any_suffix) {
        if (dl - 2 > NAME_MAX_LEN - 4 || memchr(domain, '.', dl - 2)) {
            snprintf(err, errlen, "'%s': expected LABEL.* (one label before .*)", domain);
            return -EINVAL;
        }
        snprintf(probe, sizeof probe, "%.*s.com", (int)(dl - 2), domain);
        domain = probe;
    }
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
    if (any_suffix) {
        if (strcmp(reg, ascii) != 0) {
            snprintf(err, errlen, "'%.*s.*': expected LABEL.* (one label before .*)",
                     (int)(dl - 2), domain);
            return -EINVAL;
        }
        /* "label.com" -> "label.*" (both in ascii, same length) */
        char *dot = strchr(ascii, '.');
        dot[1] = '*';
        dot[2] = '\0';
        reg = ascii;
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
    p->any_suffix = any_suffix;
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
    histogram(p->core, p->core_len, p->hist);
    p->generic = lure_seq(p->core, p->core_len, false, 0);
    for (int c = 0; c < 64; c++)
        if (p->hist[c])
            p->chars |= 1ull << c;
    b->n++;
    return 0;
}

static uint64_t name_hash(const char *s, size_t n)
{
    return intel_hash_bytes(s, n, 0x6c6f6f6b616c696bull) | 1;
}

static int needle_cmp(const void *a, const void *b)
{
    const struct needle *x = a, *y = b;
    if (x->key4 != y->key4)
        return x->key4 < y->key4 ? -1 : 1;
    if (x->idx != y->idx)
        return x->idx < y->idx ? -1 : 1;
    return (int)x->what - (int)y->what;
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
    s->needles = calloc(s->n * 3 + 1, sizeof *s->needles);
    for (size_t i = 0; s->needles && i < s->n; i++) {
        const struct protected_domain *p = &s->p[i];
        const char *txt[3] = {p->core, p->skel, p->registrable};
        size_t len[3] = {p->core_len, p->skel_len, strlen(p->registrable)};
        for (int w = 0; w < 3; w++) {
            if (len[w] < 4)
                continue;
            struct needle *nd = &s->needles[s->nneedles++];
            memcpy(&nd->key4, txt[w], 4);
            nd->idx = (uint32_t)i;
            nd->what = (uint8_t)w;
        }
    }
    if (s->needles)
        qsort(s->needles, s->nneedles, sizeof *s->needles, needle_cmp);
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
    free(s->needles);
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

/* Cores this long take hyphens added under another suffix. */
#define MIN_CORE_TYPO 4
/* Cores at least this long take an edit under another suffix too. */
#define MIN_CORE_ANY_EDIT 7
/* Shortest core matched by edits under its own suffix, hyphens and tokens. */
#define MIN_CORE_SAME_SUFFIX 2

/* Cores up to this long count an edit only when a typist or a flipped bit
 * makes it (plausible_edit): one arbitrary letter more, less or changed in
 * "ing", "bt" or "visa" is mostly another name ("bing", "xing", "ft",
 * "rt", "2isa"). */
#define MAX_CORE_PLAUSIBLE 4

/* Row and column of c on a QWERTY keyboard (digits row 0), or -1. */
static int key_pos(char c, int *col)
{
    static const char *const rows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
    for (int r = 0; r < 4; r++) {
        const char *x = strchr(rows[r], c);
        if (c && x) {
            *col = (int)(x - rows[r]);
            return r;
        }
    }
    return -1;
}

/* Neighbouring keys (each row is offset half a key to the right of the one
 * above it: "a" touches q, w, s, z). */
static bool keys_adjacent(char a, char b)
{
    int ca, cb;
    int ra = key_pos(a, &ca), rb = key_pos(b, &cb);
    if (ra < 0 || rb < 0 || a == b)
        return false;
    if (ra == rb)
        return ca - cb == 1 || cb - ca == 1;
    if (rb == ra - 1)
        return cb == ca || cb == ca + 1;
    if (rb == ra + 1)
        return cb == ca || cb == ca - 1;
    return false;
}

static bool is_vowel(char c)
{
    return c && strchr("aeiouy", c) != NULL;
}

/* Characters a reader takes for each other in ASCII names. */
static bool glyph_pair(char a, char b)
{
    static const char *const pairs[] = {"o0", "l1", "i1", "il", "e3", "a4", "s5", "g9", "b8",
                                        "z2", "g6", "t7"};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if ((a == pairs[i][0] && b == pairs[i][1]) || (a == pairs[i][1] && b == pairs[i][0]))
            return true;
    return false;
}

/* One edit between the name's core n and the protected core p (distance 1)
 * that a typing error, a flipped bit or a glyph makes: a transposition, an
 * omission, a letter replaced by a neighbouring key, another vowel, a
 * one-bit change or a look-alike glyph, a letter inserted that repeats or
 * neighbours the letter beside it. */
static bool plausible_edit(const char *n, size_t nl, const char *p, size_t pl)
{
    if (nl < pl)
        return true; /* omission */
    size_t i = 0;
    while (i < pl && n[i] == p[i])
        i++;
    if (nl == pl) {
        if (i + 1 < pl && n[i] == p[i + 1] && n[i + 1] == p[i])
            return true; /* transposition */
        char a = n[i], b = p[i];
        return keys_adjacent(a, b) || (is_vowel(a) && is_vowel(b)) ||
               __builtin_popcount((unsigned char)(a ^ b)) == 1 || glyph_pair(a, b);
    }
    /* insertion of n[i] */
    char x = n[i];
    char before = i ? n[i - 1] : 0, after = i + 1 < nl ? n[i + 1] : 0;
    return x == before || x == after || keys_adjacent(x, before) || keys_adjacent(x, after);
}

/* The name's core against protected p. For a name with non-ASCII letters
 * (punycode decoded) the comparison is on the core without diacritics too:
 * its skeleton (bskel) equal to the protected one, or the core itself
 * (ecore: "paypaì" -> "paypai") one edit from the protected core. */
static enum lookalike_technique compare(const struct protected_domain *p, const char *core,
                                        size_t core_len, const char *suffix, const char *skel,
                                        size_t skel_len, bool idn, const char *bskel,
                                        size_t bskel_len, const char *ecore, size_t elen,
                                        const uint8_t hist[64], uint64_t chars, bool hyphen)
{
    bool same_core = core_len == p->core_len && memcmp(core, p->core, core_len) == 0;
    if (skel_len == p->skel_len && memcmp(skel, p->skel, skel_len) == 0 && (!same_core || idn))
        return LOOKALIKE_HOMOGLYPH;
    if (idn && bskel_len == p->skel_len && memcmp(bskel, p->skel, bskel_len) == 0)
        return LOOKALIKE_HOMOGLYPH;
    bool same_suffix = strcmp(suffix, p->suffix) == 0;
    if (same_core && !same_suffix)
        return p->any_suffix ? LOOKALIKE_NONE : LOOKALIKE_TLD_SWAP;
    /* Under the protected domain's own suffix, one edit is what a mistyped
     * address or a typosquatter's registration looks like, for short brands
     * too: their neighbourhood under one suffix is a few dozen names. Under
     * another suffix an edit is a second change: only cores of 7+
     * characters, where one edit rarely makes another ordinary word. */
    size_t min_edit = same_suffix ? MIN_CORE_SAME_SUFFIX : MIN_CORE_ANY_EDIT;
    size_t min_hyphen = same_suffix ? MIN_CORE_SAME_SUFFIX : MIN_CORE_TYPO;
    if (p->core_len >= min_hyphen && hyphen && core_len <= CORE_MAX) {
        char dehyph[CORE_MAX + 1];
        size_t o = 0;
        for (size_t i = 0; i < core_len; i++)
            if (core[i] != '-')
                dehyph[o++] = core[i];
        if (o == p->core_len && memcmp(dehyph, p->core, o) == 0)
            return LOOKALIKE_HYPHENATION;
    }
    const char *pc = p->core;
    size_t pl = p->core_len;
    size_t ldiff = elen > pl ? elen - pl : pl - elen;
    if (p->core_len >= min_edit && ldiff <= 1) {
        /* two edits only under the protected domain's own suffix: with
         * another suffix that would be three changes ("chinabank.com" is
         * not "caixabank.es") */
        int max = same_suffix && p->core_len >= 9 ? 2 : 1;
        /* each edit adds or removes at most one character class */
        if (idn || (__builtin_popcountll(chars ^ p->chars) <= 2 * max &&
                    histogram_close(hist, p->hist, max))) {
            int d = lookalike_distance(ecore, elen, pc, pl, max);
            if (d == 1 && !idn && pl <= MAX_CORE_PLAUSIBLE &&
                !plausible_edit(ecore, elen, pc, pl))
                return LOOKALIKE_NONE;
            if (d == 1)
                return idn ? LOOKALIKE_HOMOGLYPH : classify_edit(ecore, elen, pc, pl);
            if (d == 2 && max >= 2)
                return idn ? LOOKALIKE_HOMOGLYPH : LOOKALIKE_TYPO;
        }
    }
    return LOOKALIKE_NONE;
}

/* Words phishing names add to a brand ("hsbclogin", "secureubs",
 * "paypal-customercare"): a core joined to other letters without a hyphen
 * or label boundary counts only when those letters are such words (one to
 * three of them); otherwise "onmicrosoft", "doloresantander" or "mailing"
 * would read as brands with added words. */
static const char *const lure_words[] = {
    "access",  "account", "accounts", "alert",   "app",      "auth",     "bank",     "banking",
    "billing", "care",    "cash",     "center",  "check",    "client",   "confirm",  "connect",
    "customer", "help",   "home",     "id",      "info",     "invoice",  "live",     "login",
    "logon",   "mail",    "member",   "mobile",  "my",       "net",      "notice",   "office",
    "online",  "pass",    "password", "pay",     "payment",  "portal",   "recover",  "recovery",
    "refund",  "reset",   "secure",   "security", "service", "services", "session",  "sign",
    "signin",  "signon",  "sso",      "support", "team",     "update",   "user",     "validate",
    "verify",  "wallet",  "web",
};
#define NLURE (sizeof lure_words / sizeof lure_words[0])
/* The words' skeletons ("client" reads "dient"), for joined skeletons. */
static char lure_skel[NLURE][16];

static void lure_init(void)
{
    for (size_t i = 0; i < NLURE; i++) {
        char sk[SKEL_MAX];
        int n = skeleton(lure_words[i], strlen(lure_words[i]), false, sk, sizeof sk);
        if (n > 0 && (size_t)n < sizeof lure_skel[i])
            memcpy(lure_skel[i], sk, (size_t)n + 1);
    }
}

/* s[0..n) is a concatenation of 1-3 lure words (of their skeletons). */
static bool lure_seq(const char *s, size_t n, bool skel, int depth)
{
    if (n == 0)
        return depth > 0;
    if (depth == 3)
        return false;
    for (size_t i = 0; i < NLURE; i++) {
        const char *w = skel ? lure_skel[i] : lure_words[i];
        size_t wl = strlen(w);
        if (wl && wl <= n && memcmp(s, w, wl) == 0 && lure_seq(s + wl, n - wl, skel, depth + 1))
            return true;
    }
    return false;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* text[pos..pos+len) is a match of a core of core_len characters inside a
 * run of letters and digits: true when the rest of that run, left and
 * right, is lure words (left of a core shorter than 4 nothing may stand:
 * "mail|ing", "bank|ing"). */
static bool joined_ok(const char *text, size_t tl, size_t pos, size_t len, size_t core_len,
                      bool skel)
{
    size_t a = pos, z = pos + len;
    while (a > 0 && alnum(text[a - 1]))
        a--;
    while (z < tl && alnum(text[z]))
        z++;
    if (a == pos && z == pos + len)
        return true; /* on boundaries both sides */
    if (core_len < 4 && a != pos)
        return false;
    return (a == pos || lure_seq(text + a, pos - a, skel, 0)) &&
           (z == pos + len || lure_seq(text + pos + len, z - pos - len, skel, 0));
}

/* The tokens (runs of letters and digits) of text other than the match at
 * [pos, pos + len), and those of other (the registrable core for a
 * subdomain match, or NULL): how many there are, and how many of them are
 * lure words. */
static void count_tokens(const char *text, size_t tl, size_t pos, size_t len, const char *other,
                         size_t ol, bool skel, unsigned *tokens, unsigned *lures)
{
    *tokens = *lures = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *t = pass ? other : text;
        size_t n = pass ? ol : tl;
        for (size_t i = 0; t && i < n;) {
            size_t j = i;
            while (j < n && alnum(t[j]))
                j++;
            bool match = !pass && i <= pos && pos + len <= j;
            if (j > i && !match) {
                (*tokens)++;
                *lures += lure_seq(t + i, j - i, skel, 0);
            }
            i = j + 1;
        }
    }
}

/* A core that is itself an ordinary word ("office") is everywhere in
 * names ("chefs-office", "office.school.example"): its matches count only
 * among lure words ("office-login", "office.secure-login.net"). The other
 * tokens (count_tokens) must all be lure words, and there must be one. */
static bool generic_ok(const struct protected_domain *p, const char *text, size_t tl, size_t pos,
                       size_t len, const char *other, size_t ol, bool skel)
{
    if (!p->generic)
        return true;
    unsigned tokens, lures;
    count_tokens(text, tl, pos, len, other, ol, skel, &tokens, &lures);
    return lures > 0 && lures == tokens;
}

/* A lure word among the other tokens (count_tokens). */
static bool lure_token(const char *text, size_t tl, size_t pos, size_t len, const char *other,
                       size_t ol)
{
    unsigned tokens, lures;
    count_tokens(text, tl, pos, len, other, ol, false, &tokens, &lures);
    return lures > 0;
}

/* Cores shorter than four characters (the needles index four bytes): as a
 * whole token between hyphens, dots and underscores among lure words
 * ("secure-ing", "ubs.login"; two or three letters beside other words are
 * mostly abbreviations of something else: "bec-ing", "dhl-uk", "univ-ubs",
 * "ing.una.py") or at the start of a token followed by lure words
 * ("ubslogin"). Returns the protected index or -1. */
static long scan_short(const struct lookalike_set *s, const char *text, size_t tl,
                       const char *other, size_t ol)
{
    for (size_t k = 0; k < s->n; k++) {
        const struct protected_domain *p = &s->p[k];
        size_t cl = p->core_len;
        if (cl < MIN_CORE_SAME_SUFFIX || cl >= 4)
            continue;
        for (size_t i = 0; i + cl <= tl; i++) {
            if ((i > 0 && alnum(text[i - 1])) || memcmp(text + i, p->core, cl) != 0)
                continue;
            bool token = i + cl == tl || !alnum(text[i + cl]);
            if (joined_ok(text, tl, i, cl, cl, false) &&
                generic_ok(p, text, tl, i, cl, other, ol, false) &&
                (!token || lure_token(text, tl, i, cl, other, ol)))
                return (long)k;
        }
    }
    return -1;
}

/* The needles of kind what found in text (one pass over text); the first
 * that satisfies its rule decides. Returns the protected index or -1. */
static long scan_needles(const struct lookalike_set *s, const char *text, size_t tl,
                         uint8_t what_mask, const char *core, size_t core_len,
                         enum lookalike_technique *tech)
{
    for (size_t i = 0; i + 4 <= tl; i++) {
        uint32_t k;
        memcpy(&k, text + i, 4);
        size_t lo = 0, hi = s->nneedles;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (s->needles[mid].key4 < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < s->nneedles && s->needles[lo].key4 == k; lo++) {
            const struct needle *nd = &s->needles[lo];
            if (!(what_mask & (1u << nd->what)))
                continue;
            const struct protected_domain *p = &s->p[nd->idx];
            const char *nt = nd->what == NEEDLE_CORE ? p->core
                             : nd->what == NEEDLE_SKEL ? p->skel
                                                       : p->registrable;
            size_t nl = nd->what == NEEDLE_CORE ? p->core_len
                        : nd->what == NEEDLE_SKEL ? p->skel_len
                                                  : strlen(p->registrable);
            if (i + nl > tl || memcmp(text + i, nt, nl) != 0)
                continue;
            bool left = i == 0 || !alnum(text[i - 1]);
            bool right = i + nl == tl || !alnum(text[i + nl]);
            bool bounded = left && right;
            if (what_mask == (1u << NEEDLE_REG) || (what_mask & (1u << NEEDLE_REG) && core)) {
                /* subdomain scan: registrable needs label bounds; a core
                 * inside labels needs bounds unless long */
                /* a core that is a whole label or token needs a lure word
                 * beside it ("paypal.secure-login.net", "paypal-login.x.net"):
                 * hosts named after the product they run ("outlook.uni.ac.th",
                 * "github.corp.example") are a company's own */
                if (nd->what == NEEDLE_REG
                        ? bounded
                        : (p->core_len >= 4 &&
                           joined_ok(text, tl, i, nl, p->core_len, false) &&
                           generic_ok(p, text, tl, i, nl, core, core_len, false) &&
                           (!bounded || lure_token(text, tl, i, nl, core, core_len)))) {
                    *tech = LOOKALIKE_SUBDOMAIN;
                    return nd->idx;
                }
                continue;
            }
            /* added words: the core (4+ chars) on a word boundary, or bare
             * when long; a long skeleton inside the name's skeleton */
            if (nd->what == NEEDLE_CORE && core_len > p->core_len &&
                joined_ok(text, tl, i, nl, p->core_len, false) &&
                generic_ok(p, text, tl, i, nl, NULL, 0, false)) {
                *tech = LOOKALIKE_ADDED_WORD;
                return nd->idx;
            }
            if (nd->what == NEEDLE_SKEL && tl > p->skel_len &&
                joined_ok(text, tl, i, nl, p->skel_len, true) &&
                generic_ok(p, text, tl, i, nl, NULL, 0, true)) {
                *tech = LOOKALIKE_ADDED_WORD;
                return nd->idx;
            }
        }
    }
    return -1;
}

/* Suffixes only a class of organisations may register under (academic,
 * government, military, schools: "ac.jp", "edu.pl", "gov.uk", "edu"): a
 * name there that resembles a brand is the institution's own name, not a
 * registration an impostor could make. Only subdomain look-alikes (labels
 * left of the registrable domain: a compromised site) are checked there. */
static bool restricted_suffix(const char *suffix)
{
    static const char *const first[] = {"ac", "edu", "gov", "govt", "gob", "gouv",
                                        "mil", "sch", "k12", "int"};
    size_t l = strcspn(suffix, ".");
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (strlen(first[i]) == l && memcmp(suffix, first[i], l) == 0)
            return suffix[l] == '.' || strcmp(first[i], "int") == 0 ||
                   strcmp(first[i], "edu") == 0 || strcmp(first[i], "gov") == 0 ||
                   strcmp(first[i], "mil") == 0;
    return false;
}

/* The core with each letter of U+0080..U+00FF whose low seven bits are an
 * ASCII letter or digit replaced by that character: its 8th bit flipped, as
 * a bit error in memory or on the wire makes "payðal" (ð = 'p' | 0x80) of
 * "paypal". 0 if there is no such letter or another non-ASCII one. */
static size_t unflip_8th_bit(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    bool flipped = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (o + 1 >= cap)
            return 0;
        if (c < 0x80) {
            out[o++] = (char)c;
            continue;
        }
        if ((c != 0xc2 && c != 0xc3) || i + 1 >= len || ((unsigned char)in[i + 1] & 0xc0) != 0x80)
            return 0;
        unsigned cp = (unsigned)(c & 0x1f) << 6 | ((unsigned char)in[++i] & 0x3f);
        char a = (char)tolower((int)(cp ^ 0x80));
        if (!((a >= 'a' && a <= 'z') || (a >= '0' && a <= '9')))
            return 0;
        out[o++] = a;
        flipped = true;
    }
    out[o] = '\0';
    return flipped ? o : 0;
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
    char core[CORE_MAX + 3];
    memcpy(core, reg, core_len);
    /* the owner's name under another suffix it declared ("label.*") */
    memcpy(core + core_len, ".*", 3);
    if (is_legit(s, core, core_len + 2))
        return false;
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
    uint8_t hist[64];
    histogram(core, core_len, hist);
    uint64_t chars = 0;
    for (int c = 0; c < 64; c++)
        if (hist[c])
            chars |= 1ull << c;
    bool hyphen = memchr(core, '-', core_len) != NULL;
    bool uname = ul > 0 || nonascii;
    const char *ecore = core, *eskel = sk;
    size_t elen = core_len, eskel_len = (size_t)sl;
    char bare[SKEL_MAX], esk[SKEL_MAX];
    if (uname) {
        int bl = strip_marks(ul > 0 ? uni : core, ul > 0 ? (size_t)ul : core_len, bare,
                             sizeof bare);
        int el = bl > 0 ? skeleton(bare, (size_t)bl, true, esk, sizeof esk) : -1;
        if (el > 0) {
            eskel = esk;
            eskel_len = (size_t)el;
        }
        if (bl > 0) {
            for (int i = 0; i < bl; i++)
                if ((unsigned char)bare[i] < 128)
                    bare[i] = (char)tolower((unsigned char)bare[i]);
            ecore = bare;
            elen = (size_t)bl;
        }
    }
    char unflipped[CORE_MAX + 1];
    size_t flen = uname ? unflip_8th_bit(ul > 0 ? uni : core, ul > 0 ? (size_t)ul : core_len,
                                         unflipped, sizeof unflipped)
                        : 0;
    bool restricted = restricted_suffix(suffix);
    for (size_t i = 0; !restricted && i < s->n; i++) {
        enum lookalike_technique t = compare(&s->p[i], core, core_len, suffix, sk, (size_t)sl,
                                             uname, eskel, eskel_len, ecore, elen, hist, chars,
                                             hyphen);
        /* a flipped bit is one edit: under another suffix for long cores only */
        if (t == LOOKALIKE_NONE && flen == s->p[i].core_len &&
            memcmp(unflipped, s->p[i].core, flen) == 0 &&
            (strcmp(suffix, s->p[i].suffix) == 0 || flen >= MIN_CORE_ANY_EDIT))
            t = LOOKALIKE_BITSQUAT;
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
    enum lookalike_technique t = LOOKALIKE_NONE;
    long idx = -1;
    if (!restricted)
        idx = scan_needles(s, core, core_len, (1u << NEEDLE_CORE), core, core_len, &t);
    if (idx < 0 && !restricted)
        idx = scan_needles(s, sk, (size_t)sl, (1u << NEEDLE_SKEL), core, core_len, &t);
    if (idx < 0 && prefix_len)
        idx = scan_needles(s, lname, prefix_len, (1u << NEEDLE_REG) | (1u << NEEDLE_CORE), core,
                           core_len, &t);
    if (idx < 0 && !restricted && (idx = scan_short(s, core, core_len, NULL, 0)) >= 0)
        t = LOOKALIKE_ADDED_WORD;
    if (idx < 0 && prefix_len && (idx = scan_short(s, lname, prefix_len, core, core_len)) >= 0)
        t = LOOKALIKE_SUBDOMAIN;
    if (idx < 0)
        return false;
    hit->technique = t;
    hit->protected_domain = s->p[idx].registrable;
    hit->owner = s->p[idx].owner;
    hit->stix_id = s->p[idx].stix_id;
    hit->unicode[0] = '\0';
    if (ul > 0) {
        char full[SKEL_MAX];
        int fl = intel_idn_to_unicode(lname, (size_t)n, full, sizeof full);
        snprintf(hit->unicode, sizeof hit->unicode, "%s", fl > 0 ? full : uni);
    }
    return true;
}
