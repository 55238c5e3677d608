/* SPDX-License-Identifier: Apache-2.0 */
/* Shared indicators in the sensor: an immutable indicator set, built once
 * from feeds (STIX bundles, plain lists, a hub's TAXII collections) and read
 * by every worker without locks until a newer set replaces it whole
 * (util/swap.h).
 *
 * Kinds are those of Zeek's intel framework plus the TLS/SSH fingerprints.
 * Values are normalised when added (lower-case domains without a trailing
 * dot, hashes as raw bytes, URLs as the HTTP parser normalises http.uri), so
 * a lookup compares bytes only.
 *
 * Structures (intel_set.c, intel_addr.c): one open-addressing hash table for
 * every exact value (key = kind + bytes; the slot keeps a 32-bit tag of the
 * hash so a miss touches one cache line); domains are hashed label by label
 * from the TLD inwards, so the hash of each parent domain is a by-product of
 * hashing the name and "domain and all its subdomains" entries cost one
 * probe per label; address ranges (CIDR) are flattened into sorted disjoint
 * intervals under a 65,536-entry directory of the top 16 bits. */
#ifndef VIGIL_INTEL_H
#define VIGIL_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_address;

#define INTEL_KIND_LIST(X)                                                                         \
    X(ADDR, "addr")               /* IPv4/IPv6 address or CIDR range */                           \
    X(DOMAIN, "domain")           /* DNS name (exact, or with all its subdomains) */              \
    X(URL, "url")                 /* host + normalised path and query, no scheme */               \
    X(EMAIL, "email")             /* e-mail address */                                            \
    X(CERT_SHA1, "cert_sha1")     /* SHA-1 of a DER certificate (TLS fingerprint) */              \
    X(CERT_SHA256, "cert_sha256") /* SHA-256 of a DER certificate */                              \
    X(JA3, "ja3")                 /* JA3 client fingerprint (MD5) */                              \
    X(JA3S, "ja3s")               /* JA3S server fingerprint (MD5) */                             \
    X(JA4, "ja4")                 /* JA4 client fingerprint */                                    \
    X(HASSH, "hassh")             /* HASSH (client) or HASSH server (MD5) */                      \
    X(FILE_MD5, "file_md5")                                                                        \
    X(FILE_SHA1, "file_sha1")                                                                      \
    X(FILE_SHA256, "file_sha256")                                                                  \
    X(FILE_NAME, "file_name")                                                                      \
    X(SOFTWARE, "software") /* HTTP User-Agent / SSH software banner, exact */

enum intel_kind {
#define INTEL_KIND_ENUM(id, name) INTEL_KIND_##id,
    INTEL_KIND_LIST(INTEL_KIND_ENUM)
#undef INTEL_KIND_ENUM
    INTEL_KIND_MAX
};

const char *intel_kind_name(enum intel_kind kind);
/* Accepts the names above and Zeek's Intel:: types (ADDR, SUBNET, DOMAIN,
 * URL, EMAIL, CERT_HASH, FILE_HASH, FILE_NAME, SOFTWARE, JA3...). FILE_HASH
 * and CERT_HASH are resolved by length when the value is added: returns the
 * MD5 / SHA-1 kind and the caller passes the value to intel_builder_add,
 * which corrects it. -1 if unknown. */
int intel_kind_from_name(const char *name);

/* Who shared an indicator and how it may be handled. Strings are copied. */
struct intel_meta_in {
    const char *stix_id;     /* "indicator--..." or NULL (plain lists) */
    const char *name;        /* indicator name / description, or NULL */
    int confidence;          /* 0-100, -1 unknown */
    const char *tlp;         /* "clear", "green", "amber", "amber+strict", "red" or NULL */
    const char *shared_by;   /* organisation (name or identity id), or NULL */
    const char *source;      /* "hub:energy", a file path, ... */
    uint32_t first_generation; /* set generation in which the indicator first appeared */
    uint8_t severity;          /* alert severity 1-3; 0: from confidence */
    uint32_t tag;              /* for other users of the structure (iprep: the category) */
};

struct intel_meta {
    const char *stix_id, *name, *tlp, *shared_by, *source; /* never NULL ("" when absent) */
    int confidence;
    uint32_t first_generation;
    uint8_t severity;
    uint32_t tag;
};

/* ---- building ---- */

struct intel_builder;

/* NULL on ENOMEM. */
struct intel_builder *intel_builder_new(void);
void intel_builder_free(struct intel_builder *b);
/* Records an indicator's metadata; returns its id (used by intel_builder_add)
 * or UINT32_MAX on ENOMEM. */
uint32_t intel_builder_add_meta(struct intel_builder *b, const struct intel_meta_in *m);

/* Flags for intel_builder_add. */
#define INTEL_ADD_SUBDOMAINS 1u /* DOMAIN: also every subdomain of the value */

/* Adds one value of kind for indicator meta. The value is normalised; a
 * value that is not valid for the kind returns -EINVAL with the reason in err
 * (e.g. "not an IP address or CIDR range"). A leading "*." or "." on a domain
 * means "and all subdomains" as INTEL_ADD_SUBDOMAINS. -ENOMEM on memory. */
int intel_builder_add(struct intel_builder *b, enum intel_kind kind, const char *value, size_t len,
                      uint32_t meta, unsigned flags, char *err, size_t errlen);
/* Values added so far (after normalisation, duplicates counted). */
size_t intel_builder_count(const struct intel_builder *b);

/* Builds the immutable set and frees the builder (also on failure). NULL on
 * ENOMEM. generation is a number the caller increases with every new set. */
struct intel_set *intel_builder_finish(struct intel_builder *b, uint32_t generation);

void intel_set_free(struct intel_set *s);

/* ---- reading (any thread, no locks) ---- */

/* One matching indicator value. */
struct intel_hit {
    enum intel_kind kind;
    const uint8_t *value; /* the indicator's normalised value (raw bytes for hashes and addresses) */
    uint32_t value_len;
    uint8_t prefix_len;   /* ADDR: the range's prefix length (32/128 for one address) */
    bool subdomains;      /* DOMAIN: matched as a parent domain of the name */
    uint32_t meta_count;
    const uint32_t *metas; /* ids for intel_set_meta() */
};

#define INTEL_MAX_HITS 8

/* Exact lookup of a value of kind as it appears on the wire (domains: use
 * intel_set_lookup_domain; addresses: intel_set_lookup_addr). The observed
 * value is normalised the same way as indicators (case of domains, hex hashes
 * with or without colons, "<user@host>" e-mail forms). Fills up to max hits;
 * returns the number filled. */
unsigned intel_set_lookup(const struct intel_set *s, enum intel_kind kind, const void *value,
                          size_t len, struct intel_hit *hits, unsigned max);
/* A DNS name: exact entries for the name and subdomain entries for the name
 * and each parent domain. */
unsigned intel_set_lookup_domain(const struct intel_set *s, const void *name, size_t len,
                                 struct intel_hit *hits, unsigned max);
/* An address: the exact entry and every range containing it (most specific
 * first). */
unsigned intel_set_lookup_addr(const struct intel_set *s, const struct ip_address *a,
                               struct intel_hit *hits, unsigned max);

/* Several lookups at once (the values of one packet, transaction or file):
 * the same results as the single lookups above, but the memory accesses of
 * all the values are issued together (prefetched in stages: filter, slot, value), so a large set costs about one memory latency per batch
 * rather than one to three per value. */
struct intel_query {
    enum intel_kind kind; /* ADDR: value points to a struct ip_address (len unused) */
    const void *value;
    size_t len;
    unsigned nhits;                        /* out */
    struct intel_hit hits[INTEL_MAX_HITS]; /* out */
};

/* Fills q[i].nhits/hits for n queries; returns the total of hits. */
unsigned intel_set_lookup_batch(const struct intel_set *s, struct intel_query *q, unsigned n);

const struct intel_meta *intel_set_meta(const struct intel_set *s, uint32_t id);
uint32_t intel_set_generation(const struct intel_set *s);
/* Distinct values per kind. */
size_t intel_set_count(const struct intel_set *s, enum intel_kind kind);
size_t intel_set_total(const struct intel_set *s);
/* Bytes held by the set. */
size_t intel_set_memory(const struct intel_set *s);
bool intel_set_has_kind(const struct intel_set *s, enum intel_kind kind);

/* ---- helpers shared with the dataset keywords and the loaders ---- */

/* Normalises value for kind into out (cap bytes); returns the length, or -1
 * with the reason in err. Addresses are written as 17 bytes: the family (4 or
 * 6), then the 16-byte address (IPv4 in the last four) and *prefix_len. */
int intel_normalize(enum intel_kind kind, const char *value, size_t len, uint8_t *out, size_t cap,
                    uint8_t *prefix_len, unsigned *flags, char *err, size_t errlen);

/* The HTTP URL form of indicators: "host[:port]/path?query" with the host in
 * lower case, default ports and the scheme removed, and the path decoded as
 * the HTTP parser's http.uri (percent-decoding, backslashes to slashes,
 * repeated slashes compressed, dot segments removed); the query as written.
 * Returns the length or -1. */
int intel_url_normalize(const char *url, size_t len, char *out, size_t cap);

/* 64-bit hash of bytes with a seed (also used by datasets). */
uint64_t intel_hash_bytes(const void *data, size_t len, uint64_t seed);

#endif
