/* SPDX-License-Identifier: Apache-2.0 */
/* Look-alike domains: names seen on the wire (DNS queries, TLS SNI and
 * certificate names, HTTP hosts) that imitate a protected domain an
 * organisation registered. The protected set is immutable and shared by the
 * workers like the indicator set.
 *
 * A name is compared on its registrable domain (public suffix list, libpsl):
 * the protected registrable domain and all its subdomains are legitimate.
 * An owner lists its other registrations as protected domains too
 * ("amazon.de"), or declares "LABEL.*" when it holds its name under every
 * public suffix (its country sites: "amazon.*" makes amazon.co.jp and
 * amazon.in its own; edits of the label, added words and subdomains still
 * alert).
 * Otherwise, for each protected domain, in this order:
 *  - homoglyph: the Unicode TR39 skeletons (ICU's confusables data; punycode
 *    labels decoded first) of the two cores are equal but the names differ
 *    ("exarnplebank", "еxamplebank" with a Cyrillic е, "examp1ebank"); for
 *    names with non-ASCII letters also without diacritics ("paypaì");
 *  - other TLD / SLD: the same core under another public suffix;
 *  - typing errors: Damerau-Levenshtein distance 1 (2 for cores of 9+
 *    characters): transposition, repetition, omission, insertion,
 *    replacement. Under the protected domain's own suffix for cores of any
 *    length (2+); under another suffix only for cores of 7+ characters (the
 *    edit is then a second change, and short strings one edit apart are
 *    mostly other ordinary names);
 *  - added hyphens ("example-bank") and added words
 *    ("secure-examplebank-login"): the core (or its skeleton) as a token
 *    between hyphens/dots, or joined to lure words ("examplebanklogin",
 *    "ubssecure"; a list of the words phishing names add); a core of fewer
 *    than 4 characters takes nothing on its left ("mail|ing"); a core that
 *    is itself an ordinary lure word ("office") only among lure words;
 *  - subdomain: the protected domain or core as labels left of another
 *    registrable domain ("examplebank.com.login-check.net"), with the same
 *    token rules. */
#ifndef VIGIL_INTEL_LOOKALIKE_H
#define VIGIL_INTEL_LOOKALIKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lookalike_technique {
    LOOKALIKE_NONE = 0,
    LOOKALIKE_HOMOGLYPH = 1,
    LOOKALIKE_TLD_SWAP = 2,
    LOOKALIKE_TRANSPOSITION = 3,
    LOOKALIKE_REPETITION = 4,
    LOOKALIKE_OMISSION = 5,
    LOOKALIKE_INSERTION = 6,
    LOOKALIKE_REPLACEMENT = 7,
    LOOKALIKE_TYPO = 8,       /* two edits */
    LOOKALIKE_HYPHENATION = 9,
    LOOKALIKE_ADDED_WORD = 10,
    LOOKALIKE_SUBDOMAIN = 11,
    LOOKALIKE_BITSQUAT = 12,  /* a letter with its 8th bit set: "payðal" (ð = 'p' | 0x80) */
    LOOKALIKE_TECHNIQUE_MAX
};

/* "homoglyph", "tld-swap", "transposition", "repetition", "omission",
 * "insertion", "replacement", "typo", "hyphenation", "added-word",
 * "subdomain", "bitsquat". */
const char *lookalike_technique_name(enum lookalike_technique t);
/* "VIGIL LOOKALIKE <technique> of a protected domain" */
const char *lookalike_signature(enum lookalike_technique t);

struct lookalike_builder;
struct lookalike_set;

struct lookalike_builder *lookalike_builder_new(void);
void lookalike_builder_free(struct lookalike_builder *b);
/* Adds a protected domain (any name under a registrable domain protects that
 * registrable domain), or "LABEL.*" (the label under every public suffix).
 * owner and stix_id may be NULL. -EINVAL (err says why) for a name that has
 * no registrable part (a public suffix itself, an IP). */
int lookalike_builder_add(struct lookalike_builder *b, const char *domain, const char *owner,
                          const char *stix_id, char *err, size_t errlen);
/* Frees the builder; NULL on ENOMEM. An empty builder gives NULL too
 * (nothing protected: callers skip checks). */
struct lookalike_set *lookalike_builder_finish(struct lookalike_builder *b);
void lookalike_set_free(struct lookalike_set *s);
size_t lookalike_set_count(const struct lookalike_set *s);

struct lookalike_hit {
    enum lookalike_technique technique;
    const char *protected_domain; /* registrable protected domain */
    const char *owner, *stix_id;  /* may be "" */
    char unicode[256];            /* the name decoded from punycode, or "" */
};

/* True if name (as seen: any case, trailing dot allowed) imitates a
 * protected domain; fills hit. Thread-safe; no allocation. */
bool lookalike_check(const struct lookalike_set *s, const char *name, size_t len,
                     struct lookalike_hit *hit);

/* The Damerau-Levenshtein (optimal string alignment) distance of a and b,
 * or max + 1 when it is larger than max (max <= 3). Exposed for tests. */
int lookalike_distance(const char *a, size_t alen, const char *b, size_t blen, int max);

#endif
