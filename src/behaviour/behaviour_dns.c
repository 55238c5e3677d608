/* SPDX-License-Identifier: Apache-2.0 */
/* DNS tunnelling and algorithmically generated domains (gid 7202).
 *
 * Every DNS question (UDP or TCP; mDNS is not looked at) is split with the
 * public suffix list (libpsl) into its registered domain, the parent, and
 * the subdomain in front of it. Tunnel evidence is counted per (client,
 * parent) in the shared tracker store, over a window of behaviour.dns.window
 * seconds that starts with the first question:
 *   7202:1  questions for new names with a long label (>= tunnel.long-label characters)
 *           of high entropy (>= tunnel.min-entropy bits per character):
 *           data encoded in base32/base64/hex;
 *   7202:2  unique subdomains (estimated by linear counting over a 1,024-bit
 *           bitmap of name hashes): every tunnel message is a new name;
 *   7202:3  TXT and NULL questions for new names below the parent, the
 *           record types tunnels use for the downstream (names with
 *           service labels such as _domainkey do not count);
 *   7202:4  bytes of new subdomain names: the data the client sent out.
 * Each raises one alert per (client, parent) per window. Reverse lookups
 * (.arpa) are never counted.
 *   7202:5  DGA: registered domains whose label scores below
 *           dga.max-score under a character-bigram model of benign names
 *           (dga_model.h, trained on Debian's wamerican; see
 *           scripts/gen-dga-model.py), counted per client (distinct domains)
 *           when answered NXDOMAIN (dga.nxdomain-only) or when asked.
 * See docs/behaviour.md. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "app/app.h"
#include "app/app_dns.h"
#include "behaviour/behaviour_internal.h"
#include "behaviour/dga_model.h"
#include "flow/flow.h"

/* SCAN_T_DNS tracker counters (struct scan_tracker.n). */
enum { DNS_N_LONG, DNS_N_TXT, DNS_N_BYTES, DNS_N_QUERIES };

static const char *const dns_sig[BEHAVIOUR_DNS_SIDS] = {
    [BEHAVIOUR_SID_DNS_LONG_LABELS] = "VIGIL DNS tunnel: many names with long high-entropy "
                                      "labels under one domain",
    [BEHAVIOUR_SID_DNS_UNIQUE] = "VIGIL DNS tunnel: many unique subdomains of one domain",
    [BEHAVIOUR_SID_DNS_TXT_NULL] = "VIGIL DNS tunnel: many TXT/NULL queries under one domain",
    [BEHAVIOUR_SID_DNS_VOLUME] = "VIGIL DNS tunnel: large volume of data in query names to "
                                 "one domain",
    [BEHAVIOUR_SID_DNS_DGA] = "VIGIL DNS DGA: many algorithmically generated domain names "
                              "(domain generation algorithm)",
};

static const psl_ctx_t *dns_psl;
static pthread_once_t dns_psl_once = PTHREAD_ONCE_INIT;

static void dns_psl_init(void)
{
    /* The system's list (Debian's publicsuffix) when present, else the one
     * built into libpsl. */
    dns_psl = psl_latest(NULL);
    if (!dns_psl)
        dns_psl = psl_builtin();
}

static int8_t model_index[256];
static pthread_once_t model_once = PTHREAD_ONCE_INIT;

static void model_init(void)
{
    memset(model_index, -1, sizeof model_index);
    const char *a = DGA_MODEL_ALPHABET;
    for (int i = 0; a[i]; i++)
        model_index[(uint8_t)a[i]] = (int8_t)i;
}

double behaviour_dga_score(const char *label, size_t len, uint32_t *letters)
{
    pthread_once(&model_once, model_init);
    /* Letter runs only: the model is trained on words, so digits and
     * hyphens split a label into parts ("web2mail": "web", "mail"). */
    int64_t sum = 0;
    uint32_t n = 0, nl = 0;
    int prev = -1;
    for (size_t i = 0; i <= len; i++) {
        int c = i < len ? (uint8_t)label[i] : 0;
        bool letter = c >= 'a' && c <= 'z';
        if (letter) {
            int cur = model_index[c];
            sum += dga_model_log2[prev < 0 ? 0 : prev][cur];
            n++;
            nl++;
            prev = cur;
        } else if (prev >= 0) {
            sum += dga_model_log2[prev][1];
            n++;
            prev = -1;
        }
    }
    if (letters)
        *letters = nl;
    return n ? (double)sum / 256.0 / n : 0.0;
}

double behaviour_entropy(const char *s, size_t len)
{
    if (len == 0)
        return 0.0;
    uint32_t cnt[256] = {0};
    for (size_t i = 0; i < len; i++)
        cnt[(uint8_t)s[i]]++;
    double h = 0.0;
    for (int i = 0; i < 256; i++) {
        if (!cnt[i])
            continue;
        double p = (double)cnt[i] / (double)len;
        h -= p * log2(p);
    }
    return h;
}

static uint64_t fnv64(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Distinct values counted in a tracker's bitmap, estimated by linear
 * counting (exact enough to a few thousand with 1,024 bits). */
static uint32_t bitmap_estimate(const struct scan_tracker *t)
{
    uint32_t set = 0;
    for (size_t i = 0; i < sizeof t->bits; i++)
        set += (uint32_t)__builtin_popcount(t->bits[i]);
    if (set >= SCAN_BITMAP_BITS)
        set = SCAN_BITMAP_BITS - 1;
    double m = SCAN_BITMAP_BITS;
    return (uint32_t)(-m * log(1.0 - set / m) + 0.5);
}

static void tracker_window(struct scan_tracker *t, uint64_t win, uint64_t ts)
{
    if (t->first_usec == 0 || ts >= t->first_usec + win) {
        t->first_usec = ts ? ts : 1;
        t->distinct = 0;
        t->probe_kinds = 0; /* here: sids alerted in this window */
        memset(t->n, 0, sizeof t->n);
        memset(t->bits, 0, sizeof t->bits);
    }
    if (ts > t->last_usec)
        t->last_usec = ts;
}

struct dns_pending {
    uint32_t sid, value;
};

static void dns_raise(struct behaviour_ctx *c, struct flow *f, const struct dns_pending *p,
                      const char *parent, const char *example)
{
    bool dga = p->sid == BEHAVIOUR_SID_DNS_DGA;
    if (dga)
        c->stats.dga_alerts++;
    else
        c->stats.dns_alerts++;
    static const char *const what[BEHAVIOUR_DNS_SIDS] = {
        [BEHAVIOUR_SID_DNS_LONG_LABELS] = "dns_long_label_queries",
        [BEHAVIOUR_SID_DNS_UNIQUE] = "dns_unique_subdomains",
        [BEHAVIOUR_SID_DNS_TXT_NULL] = "dns_txt_null_queries",
        [BEHAVIOUR_SID_DNS_VOLUME] = "dns_subdomain_bytes",
        [BEHAVIOUR_SID_DNS_DGA] = "dga_domains",
    };
    snprintf(c->meta_count, sizeof c->meta_count, "%u", p->value);
    snprintf(c->meta_window, sizeof c->meta_window, "%u", c->cfg.dns.window_sec);
    const char *meta[10];
    int i = 0;
    if (!dga) {
        meta[i++] = "dns_parent";
        meta[i++] = parent;
    }
    meta[i++] = what[p->sid];
    meta[i++] = c->meta_count;
    meta[i++] = "dns_window_sec";
    meta[i++] = c->meta_window;
    meta[i++] = dga ? "dga_example" : "dns_example";
    meta[i++] = example;
    meta[i] = NULL;
    struct builtin_alert a = {
        .gid = BEHAVIOUR_GID_DNS,
        .sid = p->sid,
        .rev = 1,
        .signature = dns_sig[p->sid],
        .category = dga ? "A Network Trojan was detected" : "Potentially Bad Traffic",
        .severity = dga ? 1 : 2,
        .direction = 0,
        .metadata = meta,
    };
    if (c->alert)
        c->alert(c->alert_user, f, &a);
}

/* With the store locked: is sid's threshold crossed for the first time in
 * the window? */
static bool dns_check(struct scan_tracker *t, uint32_t sid, uint32_t value, uint32_t threshold,
                      struct dns_pending *out, int *n)
{
    if (value < threshold || (t->probe_kinds & (1u << sid)))
        return false;
    t->probe_kinds |= (uint16_t)(1u << sid);
    out[*n].sid = sid;
    out[*n].value = value;
    (*n)++;
    return true;
}

static void dns_key(struct scan_key *k, uint8_t type, const struct ip_address *client,
                    const char *parent, size_t plen)
{
    memset(k, 0, sizeof *k);
    k->type = type;
    k->src = *client;
    if (parent) {
        uint64_t h1 = fnv64(parent, plen), h2 = fnv64(parent, plen / 2) ^ plen;
        memcpy(k->other.addr.u8, &h1, 8);
        memcpy(k->other.addr.u8 + 8, &h2, 8);
    }
}

void behaviour_dns_question(struct behaviour_ctx *c, struct flow *f,
                            const struct ip_address *client, const char *name, size_t len,
                            uint16_t qtype, bool response, uint8_t rcode, uint64_t ts)
{
    if (!c || !c->store || !c->cfg.dns.enabled || len == 0 || len >= sizeof c->dns_name)
        return;
    const struct behaviour_config *cfg = &c->cfg;
    /* A response only matters to the DGA count (its rcode). */
    bool dga_here = cfg->dns.dga && (cfg->dns.dga_nxdomain_only ? response && rcode == 3
                                                                  : !response);
    if (response && !dga_here)
        return;
    if (len >= 5 && memcmp(name + len - 5, ".arpa", 5) == 0)
        return;
    if (!response)
        c->stats.dns_queries++;
    pthread_once(&dns_psl_once, dns_psl_init);
    memcpy(c->dns_name, name, len);
    c->dns_name[len] = '\0';
    const char *parent = dns_psl ? psl_registrable_domain(dns_psl, c->dns_name) : NULL;
    if (!parent)
        return; /* a public suffix itself, a single label, or not a host name */
    size_t plen = strlen(parent);
    size_t sublen = parent > c->dns_name ? (size_t)(parent - c->dns_name) - 1 : 0;
    memcpy(c->dns_parent, parent, plen + 1);

    /* DGA: the registered label (the parent's first label). */
    bool dga_name = false;
    if (dga_here) {
        const char *dot = memchr(parent, '.', plen);
        size_t llen = dot ? (size_t)(dot - parent) : plen;
        uint32_t letters;
        double score = behaviour_dga_score(parent, llen, &letters);
        dga_name = letters >= cfg->dns.dga_min_letters && score <= cfg->dns.dga_max_score;
        if (dga_name)
            c->stats.dga_names++;
    }

    /* Tunnel evidence of a question: the subdomain's labels. */
    bool is_long = false, is_txt = false;
    if (!response && sublen > 0) {
        const char *sub = c->dns_name;
        size_t start = 0;
        for (size_t i = 0; i <= sublen; i++) {
            if (i < sublen && sub[i] != '.')
                continue;
            size_t ll = i - start;
            if (ll >= cfg->dns.long_label &&
                behaviour_entropy(sub + start, ll) >= cfg->dns.min_entropy)
                is_long = true;
            start = i + 1;
        }
        /* Service labels (_domainkey, _dmarc, _mta-sts...) are policy
         * look-ups, not data. */
        is_txt = (qtype == 16 || qtype == 10) && sub[0] != '_' &&
                 !memmem(sub, sublen, "._", 2);
    }
    if (!dga_name && (response || sublen == 0))
        return;

    struct behaviour_store *b = c->store;
    uint64_t win = b->dns_window_usec;
    struct dns_pending pend[BEHAVIOUR_DNS_SIDS];
    int np = 0;
    struct scan_key k;
    pthread_mutex_lock(&b->lock);
    if (!response && sublen > 0) {
        dns_key(&k, SCAN_T_DNS, client, parent, plen);
        struct scan_tracker *t = behaviour_tracker_get(b, &k, ts);
        if (t) {
            tracker_window(t, win, ts);
            t->n[DNS_N_QUERIES]++;
            uint64_t h = fnv64(c->dns_name, sublen);
            bool fresh = behaviour_tracker_add(t, (uint32_t)h ^ (uint32_t)(h >> 32));
            if (fresh) {
                if (t->n[DNS_N_BYTES] < UINT32_MAX - sublen)
                    t->n[DNS_N_BYTES] += (uint32_t)sublen;
                if (is_long)
                    t->n[DNS_N_LONG]++;
                if (is_txt)
                    t->n[DNS_N_TXT]++;
            }
            dns_check(t, BEHAVIOUR_SID_DNS_LONG_LABELS, t->n[DNS_N_LONG], cfg->dns.long_queries,
                      pend, &np);
            if (fresh && t->distinct >= cfg->dns.unique_subdomains / 2)
                dns_check(t, BEHAVIOUR_SID_DNS_UNIQUE, bitmap_estimate(t),
                          cfg->dns.unique_subdomains, pend, &np);
            dns_check(t, BEHAVIOUR_SID_DNS_TXT_NULL, t->n[DNS_N_TXT], cfg->dns.txt_null_queries,
                      pend, &np);
            dns_check(t, BEHAVIOUR_SID_DNS_VOLUME, t->n[DNS_N_BYTES], cfg->dns.volume_bytes,
                      pend, &np);
        }
    }
    if (dga_name) {
        dns_key(&k, SCAN_T_DGA, client, NULL, 0);
        struct scan_tracker *t = behaviour_tracker_get(b, &k, ts);
        if (t) {
            tracker_window(t, win, ts);
            uint64_t h = fnv64(parent, plen);
            behaviour_tracker_add(t, (uint32_t)h ^ (uint32_t)(h >> 32));
            dns_check(t, BEHAVIOUR_SID_DNS_DGA, t->distinct, cfg->dns.dga_domains, pend, &np);
        }
    }
    pthread_mutex_unlock(&b->lock);
    for (int i = 0; i < np; i++) {
        bool dga = pend[i].sid == BEHAVIOUR_SID_DNS_DGA;
        /* The example: the question at hand, truncated for the log. */
        snprintf(c->dns_example, sizeof c->dns_example, "%.*s", (int)(len > 120 ? 120 : len),
                 dga ? parent : name);
        dns_raise(c, f, &pend[i], c->dns_parent, c->dns_example);
    }
}

void behaviour_dns_tx(struct behaviour_ctx *b, struct flow *f, uint64_t ts_usec,
                      const struct app_tx *tx)
{
    if (!b->cfg.dns.enabled)
        return;
    const uint8_t *name;
    uint32_t len;
    uint16_t qtype;
    bool response;
    uint8_t rcode;
    if (app_dns_tx_question(tx, &name, &len, &qtype, &response, &rcode) != 0)
        return;
    /* Lower case, without the root's trailing dot. Bytes a host name cannot
     * have are kept (iodine's Base128 codec puts bytes 0xbc-0xfd in its
     * labels: they are the tunnel's data); a NUL is replaced. */
    char buf[256];
    if (len == 0 || len >= sizeof buf)
        return;
    for (uint32_t i = 0; i < len; i++) {
        uint8_t ch = name[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (uint8_t)(ch - 'A' + 'a');
        if (ch == 0)
            ch = '?';
        buf[i] = (char)ch;
    }
    while (len > 0 && buf[len - 1] == '.')
        len--;
    /* The client: the flow's initiator (a query's source, a response's
     * destination). */
    behaviour_dns_question(b, f, &f->key.src, buf, len, qtype, response, rcode, ts_usec);
}
