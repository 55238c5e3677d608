/* SPDX-License-Identifier: Apache-2.0 */
/* The beacon detector's core (gid 7203, src/behaviour/): the RITA-style
 * score of regular, jittered and random series, one alert per (source,
 * destination, port) once enough regular connections of similar size were
 * seen, ignored ports, large transfers and the memcap, the configuration. */
#include <stdint.h>
#include <stdio.h>

#include "behaviour/behaviour.h"
#include "decode/packet.h"
#include "behaviour_test.h"
#include "test.h"
#include "util/config.h"

static int alerts;

static void on_alert(void *user, struct flow *f, const struct builtin_alert *a)
{
    (void)user;
    (void)f;
    CHECK_EQ_INT(a->gid, 7203);
    CHECK_EQ_INT(a->sid, 1);
    alerts++;
}

#define SEC 1000000ull
#define T0 (1700000000ull * SEC)

static uint32_t rng = 12345;
static double uni(void)
{
    rng = rng * 1103515245u + 12345u;
    return (double)((rng >> 8) & 0xffff) / 65536.0;
}

static void test_score(void)
{
    uint64_t st[16], by[16];
    double iv, reg, sim;
    for (int i = 0; i < 16; i++) {
        st[i] = T0 + (uint64_t)i * 60 * SEC;
        by[i] = 300;
    }
    double s = behaviour_beacon_score(st, by, 16, &iv, &reg, &sim);
    CHECK(s > 0.99);
    CHECK(iv > 59.9 && iv < 60.1);
    /* +-20 % jitter on each sleep, sizes +-5 %. */
    uint64_t t = T0;
    for (int i = 0; i < 16; i++) {
        st[15 - i] = t; /* any order */
        t += (uint64_t)(60.0 * (0.8 + 0.4 * uni()) * SEC);
        by[i] = 300 + (uint64_t)(30 * uni());
    }
    behaviour_beacon_score(st, by, 16, &iv, &reg, &sim);
    CHECK(reg >= 0.85);
    CHECK(sim >= 0.85);
    /* Random arrivals: intervals spread over two orders of magnitude. */
    static const double r[15] = {3, 120, 15, 48, 1, 200, 33, 9, 75, 2, 140, 27, 60, 5, 90};
    t = T0;
    for (int i = 0; i < 16; i++) {
        st[i] = t;
        if (i < 15)
            t += (uint64_t)(r[i] * SEC);
        by[i] = 300;
    }
    behaviour_beacon_score(st, by, 16, &iv, &reg, &sim);
    CHECK(reg < 0.5);
    CHECK_EQ_INT((int)(behaviour_beacon_score(st, by, 2, &iv, &reg, &sim) * 100), 0);
}

static void test_detector(void)
{
    struct behaviour_config c;
    behaviour_config_defaults(&c);
    c.scan.enabled = c.bruteforce.enabled = c.dns.enabled = false;
    struct behaviour_ctx *b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    CHECK(b != NULL);
    struct ip_address h = v4(10, 0, 0, 9), cc = v4(198, 51, 100, 7), ntp = v4(198, 51, 100, 8);
    alerts = 0;
    for (int i = 0; i < 40; i++) {
        uint64_t ts = T0 + (uint64_t)i * 30 * SEC;
        behaviour_beacon_conn(b, NULL, 6, &h, &cc, 443, ts, 512);
        /* Periodic by design (NTP) and large transfers are not counted. */
        behaviour_beacon_conn(b, NULL, 17, &h, &ntp, 123, ts, 76);
        behaviour_beacon_conn(b, NULL, 6, &h, &ntp, 80, ts, 10u << 20);
        if (i == 10)
            CHECK_EQ_INT(alerts, 0); /* 11 connections: below min-connections */
    }
    CHECK_EQ_INT(alerts, 1); /* once per pair */
    struct behaviour_stats st;
    behaviour_stats_get(b, &st);
    CHECK_EQ_INT(st.beacon_conns, 40);
    CHECK_EQ_INT(st.beacon_trackers, 1);
    /* Polling faster than min-interval (10 s) is not a beacon. */
    struct ip_address h2 = v4(10, 0, 0, 10);
    for (int i = 0; i < 40; i++)
        behaviour_beacon_conn(b, NULL, 6, &h2, &cc, 443, T0 + (uint64_t)i * 2 * SEC, 512);
    CHECK_EQ_INT(alerts, 1);
    behaviour_ctx_free(b);

    /* The smallest memcap: many pairs evict (counted), memory stays within it. */
    c.beacon.memcap = 64 * 1024;
    b = behaviour_ctx_new(&c, NULL, on_alert, NULL);
    for (uint32_t i = 0; i < 5000; i++) {
        struct ip_address d = v4(100, 64, (uint8_t)(i >> 8), (uint8_t)i);
        behaviour_beacon_conn(b, NULL, 6, &h, &d, 443, T0 + i * SEC, 100);
    }
    behaviour_stats_get(b, &st);
    CHECK(st.beacon_memuse <= 64 * 1024);
    CHECK(st.beacon_evictions > 0);
    behaviour_ctx_free(b);
}

static void test_config(void)
{
    struct behaviour_config c;
    char err[256];
    behaviour_config_defaults(&c);
    struct config *cfg = config_new();
    CHECK_EQ_INT(config_set(cfg, "behaviour.beacon.min-score", "0.9"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.beacon.ignore-ports", "53, 123,8443"), 0);
    CHECK_EQ_INT(config_set(cfg, "behaviour.beacon.max-bytes", "1mb"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), 0);
    CHECK(c.beacon.min_score == 0.9);
    CHECK_EQ_INT(c.beacon.ignore_port_count, 3);
    CHECK_EQ_INT(c.beacon.ignore_ports[2], 8443);
    CHECK(c.beacon.max_bytes == 1024 * 1024);
    CHECK_EQ_INT(config_set(cfg, "behaviour.beacon.ignore-ports", "53,http"), 0);
    CHECK_EQ_INT(behaviour_config_load(&c, cfg, err, sizeof err), -1);
    CHECK(strstr(err, "behaviour.beacon.ignore-ports") != NULL);
    config_free(cfg);
}

int main(void)
{
    test_score();
    test_detector();
    test_config();
    TEST_MAIN_END();
}
