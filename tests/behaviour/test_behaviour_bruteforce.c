/* SPDX-License-Identifier: Apache-2.0 */
/* The brute-force detector's core (gid 7201, src/behaviour/): what an SSH
 * attempt is, counting per (source, server, service) within the window, one
 * alert per (source, service) per window whatever the server, thresholds
 * per service, the shared memcap, and the configuration keys. */
#include <stdint.h>

#include "behaviour/behaviour.h"
#include "decode/packet.h"
#include "behaviour_test.h"
#include "test.h"
#include "util/config.h"

struct seen {
    int n;
    uint32_t sid[32];
    char attempts[32][24];
    char service[32][16];
};

static void on_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    (void)f;
    struct seen *s = user;
    CHECK_EQ_INT(a->gid, 7201);
    if (s->n >= 32)
        return;
    s->sid[s->n] = a->sid;
    for (const char *const *m = a->metadata; m && m[0]; m += 2) {
        if (strcmp(m[0], "bruteforce_attempts") == 0)
            snprintf(s->attempts[s->n], sizeof s->attempts[0], "%s", m[1]);
        if (strcmp(m[0], "bruteforce_service") == 0)
            snprintf(s->service[s->n], sizeof s->service[0], "%s", m[1]);
    }
    s->n++;
}

#define SEC 1000000ull
#define T0 (1700000000ull * SEC)

static struct behaviour_ctx *ctx(struct seen *s, uint32_t window, uint32_t ssh, uint32_t http)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.scan.enabled = false;
    c.bruteforce.window_sec = window;
    c.bruteforce.ssh_attempts = ssh;
    c.bruteforce.http_failures = http;
    memset(s, 0, sizeof *s);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, s);
    CHECK(b != NULL);
    return b;
}

static void test_ssh_attempt(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    CHECK_EQ_INT(c.bruteforce.ssh_attempts, 10);
    CHECK_EQ_INT(c.bruteforce.http_failures, 20);
    CHECK_EQ_INT(c.bruteforce.ftp_failures, 10);
    CHECK_EQ_INT(c.bruteforce.window_sec, 120);
    /* A guess: key exchange done, 0.3 s, 4 KB from the client. */
    CHECK(behaviour_ssh_is_attempt(&c, true, 300000, 4009));
    /* No key exchange (a banner grab, a scan): not a login attempt. */
    CHECK(!behaviour_ssh_is_attempt(&c, false, 300000, 4009));
    /* A session that lasted, or a transfer: not a guess. */
    CHECK(!behaviour_ssh_is_attempt(&c, true, 31 * SEC, 4009));
    CHECK(!behaviour_ssh_is_attempt(&c, true, 2 * SEC, 200000));
    CHECK(behaviour_ssh_is_attempt(&c, true, 30 * SEC, 12288));
    CHECK(!behaviour_ssh_is_attempt(&c, true, 30 * SEC, 12289));
}

static void test_threshold_and_window(void)
{
    struct seen s;
    struct behaviour_ctx *b = ctx(&s, 60, 5, 8);
    struct ip_address atk = v4(203, 0, 113, 9), srv = v4(10, 0, 0, 22);
    /* 4 guesses: below. */
    for (int i = 0; i < 4; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &atk, &srv, 22,
                                     T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s.n, 0);
    /* The 5th within the window: one alert; more guesses: no second one. */
    for (int i = 4; i < 20; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &atk, &srv, 22,
                                     T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(s.sid[0], 1);
    CHECK(strcmp(s.attempts[0], "5") == 0);
    CHECK(strcmp(s.service[0], "ssh") == 0);
    /* The same count spread thin (one guess every 20 s, window 60 s: at
     * most 3 in a window) never alerts. */
    struct ip_address slow = v4(203, 0, 113, 10);
    for (int i = 0; i < 30; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &slow, &srv, 22,
                                     T0 + (uint64_t)i * 20 * SEC);
    CHECK_EQ_INT(s.n, 1);
    /* HTTP has its own threshold (8) and its own alert. */
    struct ip_address web = v4(10, 0, 0, 80);
    for (int i = 0; i < 7; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_HTTP, &atk, &web, 80,
                                     T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s.n, 1);
    behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_HTTP, &atk, &web, 80, T0 + 8 * SEC);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.sid[1], 2);
    CHECK(strcmp(s.service[1], "http") == 0);
    /* FTP: its own threshold (the default 10 here). */
    struct ip_address ftp = v4(10, 0, 0, 21);
    for (int i = 0; i < 9; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_FTP, &atk, &ftp, 21,
                                     T0 + (uint64_t)i * SEC);
    CHECK_EQ_INT(s.n, 2);
    behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_FTP, &atk, &ftp, 21, T0 + 9 * SEC);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.sid[2], 3);
    CHECK(strcmp(s.service[2], "ftp") == 0);
    /* Next window (past 60 s after the first alert): guessing again alerts again. */
    for (int i = 0; i < 5; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &atk, &srv, 22,
                                     T0 + 200 * SEC + (uint64_t)i * SEC);
    CHECK_EQ_INT(s.n, 4);
    CHECK_EQ_INT(s.sid[3], 1);
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK_EQ_INT(st.bf_alerts, 4);
    CHECK_EQ_INT(st.bf_attempts[BEHAVIOUR_SID_BF_FTP], 10);
    CHECK_EQ_INT(st.bf_attempts[BEHAVIOUR_SID_BF_SSH], 20 + 30 + 5);
    CHECK_EQ_INT(st.bf_attempts[BEHAVIOUR_SID_BF_HTTP], 8);
    behaviour_ctx_free(b);
}

static void test_one_alert_per_source_service(void)
{
    struct seen s;
    struct behaviour_ctx *b = ctx(&s, 60, 3, 3);
    struct ip_address atk = v4(198, 51, 100, 7);
    /* One source guessing on 10 servers at once: counted per server, but
     * one alert for the source and service in the window; the others are
     * counted as suppressed. */
    for (int i = 0; i < 3; i++)
        for (uint8_t h = 1; h <= 10; h++) {
            struct ip_address srv = v4(10, 1, 0, h);
            behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &atk, &srv, 22,
                                         T0 + (uint64_t)(i * 10 + h) * SEC / 10);
        }
    CHECK_EQ_INT(s.n, 1);
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK_EQ_INT(st.bf_suppressed, 9);
    /* Another source is its own. Attempts of one source on different
     * servers do not add up (2 + 2 < 3 on each). */
    struct ip_address other = v4(198, 51, 100, 8);
    struct ip_address s1 = v4(10, 1, 0, 1), s2 = v4(10, 1, 0, 2);
    for (int i = 0; i < 2; i++) {
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_HTTP, &other, &s1, 443,
                                     T0 + (uint64_t)i * SEC);
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_HTTP, &other, &s2, 443,
                                     T0 + (uint64_t)i * SEC);
    }
    CHECK_EQ_INT(s.n, 1);
    behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_HTTP, &other, &s2, 443, T0 + 3 * SEC);
    CHECK_EQ_INT(s.n, 2);
    /* Multicast/broadcast servers and bad service numbers are ignored. */
    struct ip_address mc = v4(239, 1, 1, 1);
    for (int i = 0; i < 10; i++) {
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_HTTP, &atk, &mc, 80, T0);
        behaviour_bruteforce_attempt(b, NULL, 0, &atk, &s1, 80, T0);
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_BF_SERVICES, &atk, &s1, 80, T0);
    }
    CHECK_EQ_INT(s.n, 2);
    behaviour_ctx_free(b);
}

static void test_memcap(void)
{
    /* The smallest memcap: many sources each guessing once evict trackers
     * (counted), memory stays within the cap, and a guesser still alerts. */
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.memcap = 64 * 1024;
    c.bruteforce.ssh_attempts = 5;
    struct seen s;
    memset(&s, 0, sizeof s);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, &s);
    CHECK(b != NULL);
    struct ip_address srv = v4(10, 0, 0, 22);
    for (uint32_t i = 0; i < 5000; i++) {
        struct ip_address src = v4(100, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &src, &srv, 22, T0 + i);
    }
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK(st.memuse <= 64 * 1024);
    CHECK(st.memcap_evictions > 0);
    CHECK_EQ_INT(s.n, 0);
    struct ip_address atk = v4(203, 0, 113, 1);
    for (int i = 0; i < 5; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &atk, &srv, 22,
                                     T0 + 10000 + (uint64_t)i);
    CHECK_EQ_INT(s.n, 1);
    behaviour_ctx_free(b);
}

static void test_config(void)
{
    struct behaviour_config c;
    char err[256];
    behaviour_config_defaults(&c);
    struct config *cfg = config_new();
    CHECK(cfg != NULL);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.window", "300"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.ssh.attempts", "4"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.ssh.max-duration", "10"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.ssh.max-client-bytes", "6000"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.http.enabled", "no"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.http.failures", "50"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.ftp.failures", "7"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), 0);
    CHECK_EQ_INT(c.bruteforce.window_sec, 300);
    CHECK_EQ_INT(c.bruteforce.ssh_attempts, 4);
    CHECK_EQ_INT(c.bruteforce.ssh_max_duration_sec, 10);
    CHECK_EQ_INT(c.bruteforce.ssh_max_client_bytes, 6000);
    CHECK(!c.bruteforce.http);
    CHECK_EQ_INT(c.bruteforce.http_failures, 50);
    CHECK_EQ_INT(c.bruteforce.ftp_failures, 7);
    CHECK(behaviour_wants_tx(&c));
    CHECK_EQ_INT(config_set(cfg, "behaviour.bruteforce.ssh.attempts", "1"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), -1);
    CHECK(strstr(err, "behaviour.bruteforce.ssh.attempts") != NULL);
    config_free(cfg);
    behaviour_config_defaults(&c);
    c.bruteforce.enabled = false;
    CHECK(behaviour_wants_tx(&c)); /* DNS tunnel/DGA detection reads transactions */
    c.dns.enabled = false;
    CHECK(behaviour_wants_tx(&c)); /* card numbers, fingerprints, certificates */
    c.exfil.enabled = false;
    c.rare.enabled = false;
    CHECK(behaviour_wants_tx(&c)); /* SIP and ISO 8583 fraud */
    c.sip.enabled = false;
    c.iso8583.enabled = false;
    CHECK(!behaviour_wants_tx(&c));
    /* Scan detection alone still makes a context; brute force off in it. */
    struct seen s;
    memset(&s, 0, sizeof s);
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, &s);
    CHECK(b != NULL);
    struct ip_address a = v4(1, 2, 3, 4), d = v4(5, 6, 7, 8);
    for (int i = 0; i < 50; i++)
        behaviour_bruteforce_attempt(b, NULL, BEHAVIOUR_SID_BF_SSH, &a, &d, 22, T0);
    CHECK_EQ_INT(s.n, 0);
    behaviour_ctx_free(b);
    /* No detector: no context. */
    c.scan.enabled = false;
    c.dns.enabled = false;
    c.beacon.enabled = false;
    CHECK(behaviour_ctx_new(&c, NULL, on_alert, &s) == NULL);
    behaviour_tx(NULL, NULL, 0, NULL, 0);
}

int main(void)
{
    test_ssh_attempt();
    test_threshold_and_window();
    test_one_alert_per_source_service();
    test_memcap();
    test_config();
    TEST_MAIN_END();
}
