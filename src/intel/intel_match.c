/* SPDX-License-Identifier: Apache-2.0 */
/* Where indicators are matched and how a hit becomes an alert (intel_match.h).
 *
 * Transaction fields come from one table of (buffer, direction, how to read
 * it, kind); protocols are never named here, so parsers added later only
 * add lines. One alert per indicator and transaction direction: the same
 * indicator seen in the SNI and the certificate of one handshake alerts
 * once, with the first field that showed it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "app/app.h"
#include "app/file.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "intel/intel.h"
#include "intel/intel_feed.h"
#include "intel/intel_match.h"
#include "intel/lookalike.h"

enum field_how {
    HOW_VALUE,       /* the buffer is the value */
    HOW_DOMAIN,      /* a DNS name */
    HOW_HOST,        /* a host: IP literal or DNS name, optional :port */
    HOW_URL,         /* http.uri, prefixed with the request's host */
    HOW_ABS_URL,     /* an absolute URL (Referer) */
    HOW_CERT_CN,     /* the CN= of a certificate subject */
    HOW_EMAILS,      /* e-mail address(es), "<a@b>" or "Name <a@b>, ..." */
    HOW_HEADER_FROM, /* the From header in a header block ("Name: value\r\n"...) */
    HOW_DER_SHA256,  /* DER certificate: its SHA-256 */
};

struct field {
    enum app_buffer buffer;
    uint8_t dir; /* 0 to server, 1 to client, 2 both */
    uint8_t how;
    uint8_t kind;
    bool dir_index;   /* the buffer exists in both directions: select by index flag */
    bool lookalike;   /* names that are checked against protected domains too */
    const char *where;
};

static const struct field fields[] = {
    {APP_BUFFER_DNS_QUERY, 0, HOW_DOMAIN, INTEL_KIND_DOMAIN, false, true, "dns.query"},
    {APP_BUFFER_DNS_ANSWER_NAME, 1, HOW_DOMAIN, INTEL_KIND_DOMAIN, false, false,
     "dns.answer.name"},
    {APP_BUFFER_TLS_SNI, 0, HOW_DOMAIN, INTEL_KIND_DOMAIN, false, true, "tls.sni"},
    {APP_BUFFER_TLS_CERT_SUBJECT, 2, HOW_CERT_CN, INTEL_KIND_DOMAIN, false, true,
     "tls.cert_subject"},
    {APP_BUFFER_TLS_SUBJECTALTNAME, 2, HOW_DOMAIN, INTEL_KIND_DOMAIN, false, true,
     "tls.subjectaltname"},
    {APP_BUFFER_TLS_CERT_FINGERPRINT, 2, HOW_VALUE, INTEL_KIND_CERT_SHA1, false, false,
     "tls.cert_fingerprint"},
    {APP_BUFFER_TLS_CERTS, 2, HOW_DER_SHA256, INTEL_KIND_CERT_SHA256, false, false, "tls.certs"},
    {APP_BUFFER_JA3_HASH, 0, HOW_VALUE, INTEL_KIND_JA3, false, false, "ja3.hash"},
    {APP_BUFFER_JA3S_HASH, 1, HOW_VALUE, INTEL_KIND_JA3S, false, false, "ja3s.hash"},
    {APP_BUFFER_JA4_HASH, 0, HOW_VALUE, INTEL_KIND_JA4, false, false, "ja4.hash"},
    {APP_BUFFER_SSH_HASSH, 0, HOW_VALUE, INTEL_KIND_HASSH, false, false, "ssh.hassh"},
    {APP_BUFFER_SSH_HASSH_SERVER, 1, HOW_VALUE, INTEL_KIND_HASSH, false, false,
     "ssh.hassh.server"},
    {APP_BUFFER_HTTP_HOST, 0, HOW_HOST, INTEL_KIND_DOMAIN, false, true, "http.host"},
    {APP_BUFFER_HTTP_URI, 0, HOW_URL, INTEL_KIND_URL, false, false, "http.uri"},
    {APP_BUFFER_HTTP_REFERER, 0, HOW_ABS_URL, INTEL_KIND_URL, false, false, "http.referer"},
    {APP_BUFFER_HTTP_USER_AGENT, 0, HOW_VALUE, INTEL_KIND_SOFTWARE, false, false,
     "http.user_agent"},
    {APP_BUFFER_HTTP_HEADER, 0, HOW_HEADER_FROM, INTEL_KIND_EMAIL, true, false, "http.header"},
    {APP_BUFFER_SMTP_MAIL_FROM, 0, HOW_EMAILS, INTEL_KIND_EMAIL, false, false, "smtp.mail_from"},
    {APP_BUFFER_SMTP_RCPT_TO, 0, HOW_EMAILS, INTEL_KIND_EMAIL, false, false, "smtp.rcpt_to"},
    {APP_BUFFER_SMTP_HELO, 0, HOW_HOST, INTEL_KIND_DOMAIN, false, false, "smtp.helo"},
};

#define MAX_INSTANCES 64
#define MAX_ALERTED 32
#define PENDING_MAX 16
#define PENDING_VALUE_MAX 256

struct inspection {
    struct intel_matcher *m;
    const struct intel_snapshot *snap;
    const struct intel_set *s; /* the set being looked up */
    unsigned set_index;
    struct flow *flow;
    const struct packet *packet;
    const struct app_tx *tx;
    uint8_t direction;
    /* (indicator value, meta) pairs already alerted in this inspection */
    struct {
        const uint8_t *value;
        uint32_t meta;
    } alerted[MAX_ALERTED];
    unsigned nalerted;
    uint32_t since; /* only indicators newer than this generation (flows) */
    /* lookups collected and done together (intel_set_lookup_batch), so the
     * memory latencies of a transaction's values overlap */
    struct pending {
        unsigned set_index;
        const char *where;
        uint8_t direction;
        uint32_t len;
        union {
            uint8_t bytes[PENDING_VALUE_MAX];
            struct ip_address addr;
        } v;
    } pending[PENDING_MAX];
    struct intel_query queries[PENDING_MAX];
    unsigned npending;
};

/* ---------- alerts ---------- */

static uint8_t severity_of(const struct intel_meta *meta)
{
    if (meta->severity)
        return meta->severity;
    if (meta->confidence < 0)
        return 2;
    return meta->confidence >= 85 ? 1 : meta->confidence >= 50 ? 2 : 3;
}

static void format_value(const struct intel_hit *h, char *out, size_t cap)
{
    if (h->kind == INTEL_KIND_ADDR) {
        char a[64];
        inet_ntop(h->value_len == 4 ? AF_INET : AF_INET6, h->value, a, sizeof a);
        unsigned full = h->value_len == 4 ? 32 : 128;
        if (h->prefix_len != full)
            snprintf(out, cap, "%s/%u", a, h->prefix_len);
        else
            snprintf(out, cap, "%s", a);
        return;
    }
    bool binary = h->kind == INTEL_KIND_JA3 || h->kind == INTEL_KIND_JA3S ||
                  h->kind == INTEL_KIND_HASSH || h->kind == INTEL_KIND_CERT_SHA1 ||
                  h->kind == INTEL_KIND_CERT_SHA256 || h->kind == INTEL_KIND_FILE_MD5 ||
                  h->kind == INTEL_KIND_FILE_SHA1 || h->kind == INTEL_KIND_FILE_SHA256;
    if (binary) {
        size_t o = 0;
        for (uint32_t i = 0; i < h->value_len && o + 3 < cap; i++)
            o += (size_t)snprintf(out + o, cap - o, "%02x", h->value[i]);
        out[o] = '\0';
        return;
    }
    size_t n = h->value_len < cap - 1 ? h->value_len : cap - 1;
    memcpy(out, h->value, n);
    out[n] = '\0';
    if (h->subdomains && n + 2 < cap) {
        memmove(out + 2, out, n + 1);
        out[0] = '*';
        out[1] = '.';
    }
}

static const char *const signatures[INTEL_KIND_MAX] = {
#define INTEL_SIG(id, name) "VIGIL INTEL shared indicator: " name,
    INTEL_KIND_LIST(INTEL_SIG)
#undef INTEL_SIG
};

/* The same indicator value (the entry, identified by its bytes in the set)
 * of the same indicator alerts once per inspection. */
static bool already_alerted(struct inspection *in, const uint8_t *value, uint32_t meta)
{
    for (unsigned i = 0; i < in->nalerted; i++)
        if (in->alerted[i].value == value && in->alerted[i].meta == meta)
            return true;
    if (in->nalerted < MAX_ALERTED) {
        in->alerted[in->nalerted].value = value;
        in->alerted[in->nalerted].meta = meta;
        in->nalerted++;
    }
    return false;
}

static bool snap_has_kind(const struct intel_snapshot *snap, enum intel_kind kind)
{
    for (unsigned i = 0; i < 2; i++)
        if (snap->sets[i] && intel_set_has_kind(snap->sets[i], kind))
            return true;
    return false;
}

/* One alert per indicator of the hit. */
static void raise_hits(struct inspection *in, const struct intel_hit *hits, unsigned n,
                       const void *seen, size_t seen_len, const char *where, uint8_t direction)
{
    for (unsigned i = 0; i < n; i++) {
        const struct intel_hit *h = &hits[i];
        char value[300], seen_text[300], conf[16];
        format_value(h, value, sizeof value);
        size_t sl = seen_len < sizeof seen_text - 1 ? seen_len : sizeof seen_text - 1;
        memcpy(seen_text, seen, sl);
        seen_text[sl] = '\0';
        for (uint32_t k = 0; k < h->meta_count && k < INTEL_MAX_HITS; k++) {
            const struct intel_meta *meta = intel_set_meta(in->s, h->metas[k]);
            if (!meta || meta->first_generation <= in->since ||
                already_alerted(in, h->value, h->metas[k]))
                continue;
            snprintf(conf, sizeof conf, "%d", meta->confidence);
            const char *md[32];
            int j = 0;
#define MD(k_, v_)                                                                                 \
    do {                                                                                           \
        const char *v__ = (v_);                                                                    \
        if (v__ && v__[0]) {                                                                       \
            md[j++] = (k_);                                                                        \
            md[j++] = v__;                                                                         \
        }                                                                                          \
    } while (0)
            MD("intel_stix_id", meta->stix_id);
            MD("intel_name", meta->name);
            if (meta->confidence >= 0)
                MD("intel_confidence", conf);
            MD("intel_tlp", meta->tlp);
            MD("intel_shared_by", meta->shared_by);
            MD("intel_source", meta->source);
            MD("intel_kind", intel_kind_name(h->kind));
            MD("intel_value", value);
            MD("intel_seen", seen_text);
            MD("intel_seen_in", where);
#undef MD
            md[j] = NULL;
            struct builtin_alert a = {
                .gid = INTEL_GID,
                .sid = (uint32_t)h->kind + 1,
                .rev = 1,
                .signature = signatures[h->kind],
                .category = "Threat intelligence indicator",
                .severity = severity_of(meta),
                .direction = direction,
                .metadata = md,
                .tx = in->tx,
                .tx_id = in->tx ? app_tx_id(in->tx) : 0,
            };
            in->m->stats.hits++;
            in->m->raise(in->m->user, in->flow, in->packet, &a);
        }
    }
}

/* ---------- lookups by field ---------- */

/* Without zeroing the queues (10 KB): only their counts. */
static void inspection_init(struct inspection *in, struct intel_matcher *m,
                            const struct intel_snapshot *snap, struct flow *flow,
                            const struct packet *packet, const struct app_tx *tx,
                            uint8_t direction, uint32_t since)
{
    in->m = m;
    in->snap = snap;
    in->s = NULL;
    in->set_index = 0;
    in->flow = flow;
    in->packet = packet;
    in->tx = tx;
    in->direction = direction;
    in->nalerted = 0;
    in->since = since;
    in->npending = 0;
}

/* Looks up the collected values (per set, in one batch each) and raises
 * their hits in the order they were collected. */
static void flush(struct inspection *in)
{
    unsigned n = in->npending;
    if (!n)
        return;
    in->npending = 0;
    bool one_set = true;
    for (unsigned i = 1; i < n; i++)
        one_set &= in->pending[i].set_index == in->pending[0].set_index;
    if (one_set)
        intel_set_lookup_batch(in->snap->sets[in->pending[0].set_index], in->queries, n);
    for (unsigned si = 0; si < 2 && !one_set; si++) {
        struct intel_query q[PENDING_MAX];
        unsigned idx[PENDING_MAX], nq = 0;
        for (unsigned i = 0; i < n; i++)
            if (in->pending[i].set_index == si) {
                q[nq] = in->queries[i];
                idx[nq++] = i;
            }
        if (!nq)
            continue;
        intel_set_lookup_batch(in->snap->sets[si], q, nq);
        for (unsigned k = 0; k < nq; k++)
            in->queries[idx[k]] = q[k];
    }
    for (unsigned i = 0; i < n; i++) {
        const struct pending *pd = &in->pending[i];
        const struct intel_query *q = &in->queries[i];
        if (!q->nhits)
            continue;
        in->s = in->snap->sets[pd->set_index];
        in->set_index = pd->set_index;
        if (q->kind == INTEL_KIND_ADDR) {
            const struct ip_address *a = &pd->v.addr;
            char text[64];
            inet_ntop(a->family == 4 ? AF_INET : AF_INET6,
                      a->family == 4 ? a->addr.u8 + 12 : a->addr.u8, text, sizeof text);
            raise_hits(in, q->hits, q->nhits, text, strlen(text), pd->where, pd->direction);
        } else {
            raise_hits(in, q->hits, q->nhits, pd->v.bytes, pd->len, pd->where, pd->direction);
        }
    }
}

/* Queues a lookup of v (kind; ADDR: v is a struct ip_address) in every set
 * that holds the kind; a value too long to copy is looked up at once. */
static void lookup_kind(struct inspection *in, enum intel_kind kind, const void *v, size_t len,
                        const char *where, uint8_t direction)
{
    if (len == 0)
        return;
    for (unsigned si = 0; si < 2; si++) {
        const struct intel_set *s = in->snap->sets[si];
        if (!s || !intel_set_has_kind(s, kind))
            continue;
        in->m->stats.lookups++;
        if (kind != INTEL_KIND_ADDR && len > PENDING_VALUE_MAX) {
            struct intel_hit hits[INTEL_MAX_HITS];
            unsigned n = kind == INTEL_KIND_DOMAIN
                             ? intel_set_lookup_domain(s, v, len, hits, INTEL_MAX_HITS)
                             : intel_set_lookup(s, kind, v, len, hits, INTEL_MAX_HITS);
            in->s = s;
            in->set_index = si;
            if (n)
                raise_hits(in, hits, n, v, len, where, direction);
            continue;
        }
        if (in->npending == PENDING_MAX)
            flush(in);
        struct pending *pd = &in->pending[in->npending];
        struct intel_query *q = &in->queries[in->npending++];
        pd->set_index = si;
        pd->where = where;
        pd->direction = direction;
        pd->len = (uint32_t)len;
        memcpy(pd->v.bytes, v, len);
        q->kind = kind;
        q->value = pd->v.bytes;
        q->len = len;
        q->nhits = 0;
    }
}

static void lookup_addr(struct inspection *in, const struct ip_address *a, const char *where,
                        uint8_t direction)
{
    lookup_kind(in, INTEL_KIND_ADDR, a, sizeof *a, where, direction);
}

/* A host: IP literal ("[v6]" or v4, optional port) or a DNS name. */
static void lookup_host(struct inspection *in, const uint8_t *v, size_t len, const char *where,
                        uint8_t direction, bool *is_name)
{
    *is_name = false;
    char buf[300];
    if (len == 0 || len >= sizeof buf)
        return;
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *host = buf;
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (close)
            *close = '\0';
        host++;
    } else {
        char *colon = strchr(host, ':');
        if (colon && !strchr(colon + 1, ':'))
            *colon = '\0';
    }
    struct ip_address a;
    memset(&a, 0, sizeof a);
    if (inet_pton(AF_INET, host, a.addr.u8 + 12) == 1) {
        a.family = 4;
        lookup_addr(in, &a, where, direction);
        return;
    }
    if (inet_pton(AF_INET6, host, a.addr.u8) == 1) {
        a.family = 6;
        lookup_addr(in, &a, where, direction);
        return;
    }
    *is_name = true;
    lookup_kind(in, INTEL_KIND_DOMAIN, host, strlen(host), where, direction);
}

static void lookup_url(struct inspection *in, const char *url, size_t len, const char *where)
{
    char norm[4200];
    int n = intel_url_normalize(url, len, norm, sizeof norm);
    if (n <= 0)
        return;
    lookup_kind(in, INTEL_KIND_URL, norm, (size_t)n, where, 0);
    /* an indicator without a query matches the URL with any query */
    char *q = memchr(norm, '?', (size_t)n);
    if (q)
        lookup_kind(in, INTEL_KIND_URL, norm, (size_t)(q - norm), where, 0);
}

static void lookup_emails(struct inspection *in, const uint8_t *v, size_t len, const char *where,
                          uint8_t direction)
{
    /* split on commas outside quotes, each part normalised by the set */
    size_t start = 0;
    bool quoted = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && v[i] == '"')
            quoted = !quoted;
        if (i == len || (v[i] == ',' && !quoted)) {
            if (i > start)
                lookup_kind(in, INTEL_KIND_EMAIL, v + start, i - start, where, direction);
            start = i + 1;
        }
    }
}

static void header_from(struct inspection *in, const uint8_t *v, size_t len, const char *where,
                        uint8_t direction)
{
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && v[e] != '\n')
            e++;
        size_t l = e - i;
        if (l > 5 && strncasecmp((const char *)v + i, "from:", 5) == 0) {
            size_t s = i + 5;
            size_t end = e;
            if (end > s && v[end - 1] == '\r')
                end--;
            lookup_emails(in, v + s, end - s, where, direction);
        }
        i = e + 1;
    }
}

static const uint8_t *cert_cn(const uint8_t *v, size_t len, size_t *cn_len)
{
    /* "C=US, O=x, CN=host.example" (any order); the value ends at ", " */
    for (size_t i = 0; i + 3 <= len; i++) {
        if ((i == 0 || v[i - 1] == ' ' || v[i - 1] == ',' || v[i - 1] == '/') && v[i] == 'C' &&
            v[i + 1] == 'N' && v[i + 2] == '=') {
            size_t s = i + 3, e = s;
            while (e < len && v[e] != ',' && v[e] != '/')
                e++;
            *cn_len = e - s;
            return v + s;
        }
    }
    return NULL;
}

static bool field_wanted(const struct intel_snapshot *snap, const struct field *f)
{
    if (f->lookalike && snap->protected_domains)
        return true;
    if (f->how == HOW_HOST)
        return snap_has_kind(snap, INTEL_KIND_DOMAIN) || snap_has_kind(snap, INTEL_KIND_ADDR);
    return snap_has_kind(snap, (enum intel_kind)f->kind);
}

static void check_lookalike(struct inspection *in, const struct lookalike_set *la,
                            const uint8_t *name, size_t len, const char *where, uint8_t direction)
{
    struct lookalike_hit hit;
    in->m->stats.lookalike_checks++;
    if (!lookalike_check(la, (const char *)name, len, &hit))
        return;
    char seen[260];
    size_t sl = len < sizeof seen - 1 ? len : sizeof seen - 1;
    memcpy(seen, name, sl);
    seen[sl] = '\0';
    const char *md[24];
    int j = 0;
    md[j++] = "lookalike_protected_domain";
    md[j++] = hit.protected_domain;
    md[j++] = "lookalike_technique";
    md[j++] = lookalike_technique_name(hit.technique);
    md[j++] = "lookalike_seen";
    md[j++] = seen;
    if (hit.unicode[0]) {
        md[j++] = "lookalike_unicode";
        md[j++] = hit.unicode;
    }
    md[j++] = "lookalike_seen_in";
    md[j++] = where;
    if (hit.owner && hit.owner[0]) {
        md[j++] = "lookalike_protected_by";
        md[j++] = hit.owner;
    }
    if (hit.stix_id && hit.stix_id[0]) {
        md[j++] = "intel_stix_id";
        md[j++] = hit.stix_id;
    }
    md[j] = NULL;
    struct builtin_alert a = {
        .gid = LOOKALIKE_GID,
        .sid = (uint32_t)hit.technique,
        .rev = 1,
        .signature = lookalike_signature(hit.technique),
        .category = "Possible phishing / brand impersonation",
        .severity = 2,
        .direction = direction,
        .metadata = md,
        .tx = in->tx,
        .tx_id = in->tx ? app_tx_id(in->tx) : 0,
    };
    in->m->stats.lookalike_hits++;
    in->m->raise(in->m->user, in->flow, in->packet, &a);
}

void intel_match_tx(struct intel_matcher *m, const struct intel_snapshot *snap,
                    struct flow *flow, const struct packet *packet, const struct app_tx *tx,
                    uint8_t direction)
{
    if (!snap || (!snap->sets[0] && !snap->sets[1] && !snap->protected_domains))
        return;
    const struct lookalike_set *la = snap->protected_domains;
    struct inspection in;
    inspection_init(&in, m, snap, flow, packet, tx, direction, 0);
    /* look-alike checks: one per distinct name in this transaction direction */
    const uint8_t *checked[8];
    uint32_t checked_len[8];
    unsigned nchecked = 0;
    for (size_t fi = 0; fi < sizeof fields / sizeof fields[0]; fi++) {
        const struct field *f = &fields[fi];
        if ((f->dir != 2 && f->dir != direction) || !field_wanted(snap, f))
            continue;
        for (uint32_t idx = 0; idx < MAX_INSTANCES; idx++) {
            const uint8_t *v;
            uint32_t len;
            uint32_t index = idx;
            if (f->dir_index)
                index |= direction ? APP_BUFFER_INDEX_TOCLIENT : APP_BUFFER_INDEX_TOSERVER;
            if (app_tx_get_buffer_dir(tx, f->buffer, direction, index, &v, &len) != 0)
                break;
            const uint8_t *name = NULL;
            size_t name_len = 0;
            switch (f->how) {
            case HOW_VALUE:
                lookup_kind(&in, (enum intel_kind)f->kind, v, len, f->where, direction);
                break;
            case HOW_DOMAIN:
                name = v;
                name_len = len;
                if (len > 2 && v[0] == '*' && v[1] == '.') { /* wildcard certificate name */
                    name = v + 2;
                    name_len = len - 2;
                }
                lookup_kind(&in, INTEL_KIND_DOMAIN, name, name_len, f->where, direction);
                break;
            case HOW_HOST: {
                bool is_name;
                lookup_host(&in, v, len, f->where, direction, &is_name);
                if (is_name) {
                    name = v;
                    name_len = len;
                    const uint8_t *c = memchr(v, ':', len);
                    if (c)
                        name_len = (size_t)(c - v);
                }
                break;
            }
            case HOW_URL: {
                const uint8_t *host;
                uint32_t host_len;
                char url[4200];
                if (app_tx_get_buffer_dir(tx, APP_BUFFER_HTTP_HOST_RAW, direction, 0, &host,
                                          &host_len) != 0 ||
                    host_len + len + 1 >= sizeof url)
                    break;
                memcpy(url, host, host_len);
                memcpy(url + host_len, v, len);
                lookup_url(&in, url, host_len + len, f->where);
                break;
            }
            case HOW_ABS_URL:
                lookup_url(&in, (const char *)v, len, f->where);
                break;
            case HOW_CERT_CN: {
                size_t cl;
                const uint8_t *cn = cert_cn(v, len, &cl);
                if (cn && cl > 2 && cn[0] == '*' && cn[1] == '.') {
                    cn += 2;
                    cl -= 2;
                }
                if (cn && cl) {
                    name = cn;
                    name_len = cl;
                    lookup_kind(&in, INTEL_KIND_DOMAIN, cn, cl, f->where, direction);
                }
                break;
            }
            case HOW_EMAILS:
                lookup_emails(&in, v, len, f->where, direction);
                break;
            case HOW_HEADER_FROM:
                header_from(&in, v, len, f->where, direction);
                break;
            case HOW_DER_SHA256: {
                uint8_t md[32];
                unsigned int mdlen = 0;
                if (EVP_Digest(v, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32)
                    lookup_kind(&in, INTEL_KIND_CERT_SHA256, md, 32, f->where, direction);
                break;
            }
            }
            if (name && f->lookalike && la && name_len) {
                bool dup = false;
                for (unsigned c = 0; c < nchecked; c++)
                    if (checked_len[c] == name_len && memcmp(checked[c], name, name_len) == 0)
                        dup = true;
                if (!dup) {
                    if (nchecked < 8) {
                        checked[nchecked] = name;
                        checked_len[nchecked++] = (uint32_t)name_len;
                    }
                    check_lookalike(&in, la, name, name_len, f->where, direction);
                }
            }
        }
    }
    flush(&in);
}

void intel_match_flow(struct intel_matcher *m, const struct intel_snapshot *snap,
                      struct flow *flow, const struct packet *packet, uint32_t since)
{
    if (!snap || !snap_has_kind(snap, INTEL_KIND_ADDR))
        return;
    struct inspection in;
    inspection_init(&in, m, snap, flow, packet, NULL, 0, since);
    /* the alert goes with the packet that showed the address */
    uint8_t dir = packet ? packet->flow_direction : 0;
    lookup_addr(&in, &flow->key.src, "src_ip", dir);
    lookup_addr(&in, &flow->key.dst, "dest_ip", dir);
    flush(&in);
}

void intel_match_file(struct intel_matcher *m, const struct intel_snapshot *snap,
                      struct flow *flow, const struct packet *packet, const struct app_file *file)
{
    if (!snap || (!snap->sets[0] && !snap->sets[1]))
        return;
    struct inspection in;
    inspection_init(&in, m, snap, flow, packet, NULL, 0, 0);
    uint8_t dir = file->direction;
    if (file->have_md5)
        lookup_kind(&in, INTEL_KIND_FILE_MD5, file->md5, 16, "fileinfo.md5", dir);
    if (file->have_sha1)
        lookup_kind(&in, INTEL_KIND_FILE_SHA1, file->sha1, 20, "fileinfo.sha1", dir);
    if (file->have_sha256)
        lookup_kind(&in, INTEL_KIND_FILE_SHA256, file->sha256, 32, "fileinfo.sha256", dir);
    if (file->name_len && snap_has_kind(snap, INTEL_KIND_FILE_NAME)) {
        lookup_kind(&in, INTEL_KIND_FILE_NAME, file->name, file->name_len, "fileinfo.filename",
                    dir);
        const uint8_t *slash = NULL;
        for (uint32_t i = 0; i < file->name_len; i++)
            if (file->name[i] == '/' || file->name[i] == '\\')
                slash = file->name + i;
        if (slash && slash + 1 < file->name + file->name_len)
            lookup_kind(&in, INTEL_KIND_FILE_NAME, slash + 1,
                        (size_t)(file->name + file->name_len - slash - 1), "fileinfo.filename",
                        dir);
    }
    flush(&in);
}
