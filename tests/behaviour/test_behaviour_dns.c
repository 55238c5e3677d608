/* SPDX-License-Identifier: Apache-2.0 */
/* The DNS tunnel / DGA detector's core (gid 7202, src/behaviour/): the
 * character-bigram score and the entropy, each tunnel criterion per (client,
 * parent domain) with one alert per window, DGA counted per client on
 * NXDOMAIN answers (distinct domains), reverse lookups and service labels
 * ignored, two contexts on one store adding up, and the configuration keys. */
#include <stdint.h>
#include <stdio.h>

#include "behaviour/behaviour.h"
#include "decode/packet.h"
#include "behaviour_test.h"
#include "test.h"
#include "util/config.h"

struct seen {
    int n;
    uint32_t sid[32];
    char value[32][24];
};

static void on_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    (void)f;
    struct seen *s = user;
    CHECK_EQ_INT(a->gid, 7202);
    if (s->n >= 32)
        return;
    s->sid[s->n] = a->sid;
    /* The count follows the parent (tunnel) or comes first (DGA). */
    const char *const *m = a->metadata;
    if (m && m[0] && strcmp(m[0], "dns_parent") == 0)
        m += 2;
    if (m && m[0])
        snprintf(s->value[s->n], sizeof s->value[0], "%s", m[1]);
    s->n++;
}

#define SEC 1000000ull
#define T0 (1700000000ull * SEC)

static void q(struct behaviour_ctx *b, const struct ip_address *cl, const char *name,
              uint16_t qtype, uint64_t ts)
{
    behaviour_dns_question(b, NULL, cl, name, strlen(name), qtype, false, 0, ts);
}

static void nx(struct behaviour_ctx *b, const struct ip_address *cl, const char *name,
               uint64_t ts)
{
    behaviour_dns_question(b, NULL, cl, name, strlen(name), 1, true, 3, ts);
}

/* A base32-looking label of n characters from a counter. */
static void b32(char *out, size_t n, uint32_t seed)
{
    static const char a[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint32_t x = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = a[x & 31];
    }
    out[n] = '\0';
}

static struct behaviour_ctx *ctx(struct seen *s, struct behaviour_config *c)
{
    memset(s, 0, sizeof *s);
    return behaviour_ctx_new(c, NULL, on_alert, s);
}

static void test_scores(void)
{
    uint32_t letters;
    double w = behaviour_dga_score("wikipedia", 9, &letters);
    CHECK_EQ_INT(letters, 9);
    double g = behaviour_dga_score("xjkqzvbwpfgh", 12, &letters);
    CHECK(g < -5.0);
    CHECK(w > -4.5);
    /* Digits split a label into words: they are not held against it. */
    double d = behaviour_dga_score("web2mail", 8, &letters);
    CHECK_EQ_INT(letters, 7);
    CHECK(d > -4.5);
    CHECK(behaviour_entropy("aaaa", 4) == 0.0);
    double e = behaviour_entropy("abcdefghijklmnopqrstuvwxyz234567", 32);
    CHECK(e > 4.99 && e < 5.01);
}

static void test_tunnel(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.scan.enabled = c.bruteforce.enabled = false;
    c.dns.long_queries = 10;
    c.dns.unique_subdomains = 60;
    c.dns.txt_null_queries = 30;
    c.dns.volume_bytes = 2000;
    struct seen s;
    struct behaviour_ctx *b = ctx(&s, &c);
    CHECK(b != NULL);
    struct ip_address cl = v4(10, 0, 0, 5), other = v4(10, 0, 0, 6);
    char lab[64], name[128];
    /* 100 TXT questions with one 40-character label each, under
     * tun.example.co.uk (parent example.co.uk by the public suffix list). */
    for (uint32_t i = 0; i < 100; i++) {
        b32(lab, 40, i);
        snprintf(name, sizeof name, "%s.tun.example.co.uk", lab);
        q(b, &cl, name, 16, T0 + i * SEC);
    }
    CHECK_EQ_INT(s.n, 4);
    int seen_sids = 0;
    for (int i = 0; i < s.n; i++)
        seen_sids |= 1 << s.sid[i];
    CHECK_EQ_INT(seen_sids, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4));
    for (int i = 0; i < s.n; i++) {
        if (s.sid[i] == BEHAVIOUR_SID_DNS_LONG_LABELS)
            CHECK_EQ_STR(s.value[i], "10");
        if (s.sid[i] == BEHAVIOUR_SID_DNS_TXT_NULL)
            CHECK_EQ_STR(s.value[i], "30");
        if (s.sid[i] == BEHAVIOUR_SID_DNS_UNIQUE) {
            int v = atoi(s.value[i]);
            CHECK(v >= 60 && v <= 64);
        }
    }
    /* Once per window: more of the same adds nothing; a new window alerts
     * again. */
    for (uint32_t i = 0; i < 100; i++) {
        b32(lab, 40, 1000 + i);
        snprintf(name, sizeof name, "%s.tun.example.co.uk", lab);
        q(b, &cl, name, 16, T0 + (100 + i) * SEC);
    }
    CHECK_EQ_INT(s.n, 4);
    for (uint32_t i = 0; i < 100; i++) {
        b32(lab, 40, 5000 + i);
        snprintf(name, sizeof name, "%s.tun.example.co.uk", lab);
        q(b, &cl, name, 16, T0 + (400 + i) * SEC);
    }
    CHECK_EQ_INT(s.n, 8);
    /* Ordinary traffic: the same few names over and over, reverse lookups,
     * DKIM/SPF-style service labels, low-entropy long labels. */
    s.n = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        q(b, &other, (i & 1) ? "www.example.org" : "mail.example.org", 1, T0 + i * SEC / 10);
        snprintf(name, sizeof name, "%u.%u.168.192.in-addr.arpa", i & 255, i >> 8);
        q(b, &other, name, 12, T0 + i * SEC / 10);
        q(b, &other, "sel1._domainkey.example.net", 16, T0 + i * SEC / 10);
        q(b, &other, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com", 1, T0 + i * SEC / 10);
    }
    CHECK_EQ_INT(s.n, 0);
    if (s.n)
        fprintf(stderr, "ordinary traffic: 7202:%u (%s)\n", s.sid[0], s.value[0]);
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK_EQ_INT(st.dns_alerts, 8);
    behaviour_ctx_free(b);
}

static void test_dga(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.scan.enabled = c.bruteforce.enabled = false;
    struct behaviour_store *store = behaviour_store_new(&c);
    CHECK(store != NULL);
    struct seen s1, s2;
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    /* Two workers on one store: the client's names land on both. */
    struct behaviour_ctx *w1 = behaviour_ctx_new(&c, store, on_alert, &s1);
    struct behaviour_ctx *w2 = behaviour_ctx_new(&c, store, on_alert, &s2);
    CHECK(w1 && w2);
    struct ip_address bot = v4(10, 1, 1, 1), user = v4(10, 1, 1, 2);
    static const char *const gen[] = {
        "qwxkzjvbnmtrp.com", "zxcvbqwrtpkjh.net", "vbxqkzjwtrmnp.biz", "kjhgfqwxzvbnm.ru",
        "pqzxwvkjbtrnm.org", "mnbvxzqkwjhgt.co.uk", "tzqxkjvwbnmpr.info", "xkqzjvwbpmtrn.com",
        "wqzxkjvbnmtpr.net", "jzqxkvwbnmtrp.biz", "bzqxkjvwnmtrp.ru"};
    /* Asked but not answered NXDOMAIN: not counted (nxdomain-only). */
    for (int i = 0; i < 11; i++)
        q(i & 1 ? w1 : w2, &bot, gen[i], 1, T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s1.n + s2.n, 0);
    /* The same name answered again and again is one domain. */
    for (int i = 0; i < 20; i++)
        nx(w1, &bot, gen[0], T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s1.n + s2.n, 0);
    for (int i = 1; i < 9; i++)
        nx(i & 1 ? w1 : w2, &bot, gen[i], T0 + 30 * SEC + (uint64_t)i * SEC);
    CHECK_EQ_INT(s1.n + s2.n, 0);
    nx(w2, &bot, gen[9], T0 + 50 * SEC);
    CHECK_EQ_INT(s2.n, 1);
    CHECK_EQ_INT(s2.sid[0], BEHAVIOUR_SID_DNS_DGA);
    CHECK_EQ_STR(s2.value[0], "10");
    nx(w1, &bot, gen[10], T0 + 51 * SEC);
    CHECK_EQ_INT(s1.n + s2.n, 1);
    /* Ordinary names answered NXDOMAIN (typos, stale links) do not count. */
    static const char *const ok[] = {
        "wikipedia.org", "stackoverflow.com", "washingtonpost.com", "openstreetmap.org",
        "salesforce.com", "bundesregierung.de", "googleusercontent.com", "windowsupdate.com",
        "letsencrypt.org", "theguardian.com", "kubernetes.io", "instagram.com"};
    for (int i = 0; i < 12; i++)
        nx(w1, &user, ok[i], T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s1.n + s2.n, 1);
    struct behaviour_stats a, b;
    behaviour_stats_get(w1, &a);
    behaviour_stats_get(w2, &b);
    behaviour_stats_add(&a, &b);
    CHECK_EQ_INT(a.dga_alerts, 1);
    CHECK_EQ_INT(a.dga_names, 30);
    behaviour_ctx_free(w1);
    behaviour_ctx_free(w2);
    behaviour_store_free(store);
}

static void test_config(void)
{
    struct behaviour_config c;
    char err[256];
    behaviour_config_defaults(&c);
    struct config *cfg = config_new();
    CHECK(cfg != NULL);
    CHECK_EQ_INT(config_set(cfg, "behaviour.dns.window", "60"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.dns.tunnel.min-entropy", "3.25"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.dns.tunnel.long-label", "40"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.dns.dga.max-score", "-5.5"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.dns.dga.nxdomain-only", "no"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), 0);
    CHECK_EQ_INT(c.dns.window_sec, 60);
    CHECK(c.dns.min_entropy == 3.25);
    CHECK_EQ_INT(c.dns.long_label, 40);
    CHECK(c.dns.dga_max_score == -5.5);
    CHECK(!c.dns.dga_nxdomain_only);
    CHECK_EQ_INT(config_set(cfg, "behaviour.dns.tunnel.min-entropy", "lots"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), -1);
    CHECK(strstr(err, "behaviour.dns.tunnel.min-entropy") != NULL);
    config_free(cfg);
    /* DGA on questions (nxdomain-only off). */
    c.scan.enabled = c.bruteforce.enabled = false;
    c.dns.min_entropy = 3.8;
    c.dns.dga_domains = 2;
    struct seen s;
    struct behaviour_ctx *b = ctx(&s, &c);
    struct ip_address bot = v4(10, 1, 1, 1);
    q(b, &bot, "qwxkzjvbnmtrp.com", 1, T0);
    nx(b, &bot, "zxcvbqwrtpkjh.net", T0);
    CHECK_EQ_INT(s.n, 0);
    q(b, &bot, "zxcvbqwrtpkjh.net", 1, T0);
    CHECK_EQ_INT(s.n, 1);
    behaviour_ctx_free(b);
}

int main(void)
{
    test_scores();
    test_tunnel();
    test_dga();
    test_config();
    TEST_MAIN_END();
}
