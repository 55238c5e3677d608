/* SPDX-License-Identifier: Apache-2.0 */
/* IEEE C37.118: command, CFG-2 and data frames over TCP (several frames per
 * segment, every split) and UDP (several frames per datagram), CRC check,
 * data frames read with the flow's configuration, malformed frames, and
 * integer keywords. */
#include "grid_test_util.h"
#include "test.h"

static uint16_t crc_ccitt(const uint8_t *d, uint32_t n)
{
    uint16_t crc = 0xffff;
    for (uint32_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(d[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* A frame of type t with body (hex); bad_crc flips the check word. */
static void frame(struct ics_buf *o, uint8_t type, uint32_t soc, uint32_t frac, const char *body,
                  bool bad_crc)
{
    struct ics_buf b = {0};
    ics_hex(&b, body);
    uint32_t start = o->n;
    ics_u8(o, 0xaa);
    ics_u8(o, (uint8_t)(type << 4 | 1));
    ics_be16(o, (uint16_t)(16 + b.n));
    ics_be16(o, 60);
    ics_be32(o, soc);
    ics_be32(o, frac);
    ics_put(o, b.b, b.n);
    uint16_t crc = crc_ccitt(o->b + start, o->n - start);
    ics_be16(o, bad_crc ? (uint16_t)~crc : crc);
}

static void build(struct ics_buf *req, struct ics_buf *rsp)
{
    frame(req, 4, 0, 0, "0005", false); /* send CFG-2 */
    struct ics_buf body = {0};
    ics_hex(&body, "000f4240 0001 504d5531202020202020202020202020 003c 0000 0001 0001 0000");
    ics_hex(&body, "56412020202020202020202020202020 41312020202020202020202020202020");
    ics_hex(&body, "00000001 00000001 0001 0002 001e"); /* PHUNIT, ANUNIT, FNOM 50, CFGCNT 2,
                                                        * DATA_RATE 30 */
    char hex[1024];
    uint32_t k = 0;
    for (uint32_t i = 0; i < body.n; i++)
        k += (uint32_t)snprintf(hex + k, sizeof hex - k, "%02x", body.b[i]);
    frame(rsp, 3, 1218023578, 100, hex, false);
    frame(req, 4, 0, 0, "0002", false); /* turn on transmission */
    /* two data frames: STAT, phasor (int rect 4), FREQ, DFREQ, analog (int 2) */
    frame(rsp, 0, 1218023579, 0, "0000 1000 2000 0010 0000 0064", false);
    frame(rsp, 0, 1218023579, 33333, "8000 1000 2000 0010 0000 0064", false);
}

static void test_tcp(void)
{
    struct ics_buf req = {0}, rsp = {0};
    build(&req, &rsp);
    /* a frame with a bad check word and an unknown command */
    frame(&req, 4, 0, 0, "0042", true);
    struct test_segment segs[] = {{0, req.b, req.n}, {1, rsp.b, rsp.n}};
    uint16_t proto;
    char *log = test_run_tcp(segs, 2, 50000, 4712, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_C37118);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"c37118\""), 6);
    CHECK(strstr(log, "\"c37118\":{\"frame_type\":\"command\",\"version\":1,\"framesize\":18,"
                      "\"idcode\":60,\"soc\":0,\"fracsec\":0,\"time_quality\":0,\"command\":5,"
                      "\"command_name\":\"send_cfg2\"}") != NULL);
    CHECK(strstr(log, "\"frame_type\":\"cfg2\",\"version\":1,\"framesize\":") != NULL);
    CHECK(strstr(log, "\"soc\":1218023578,\"fracsec\":100,\"time_quality\":0,\"time_base\":1000000,"
                      "\"num_pmu\":1,\"data_rate\":30,\"cfg_cnt\":2,\"pmus\":[{\"station\":\"PMU1\","
                      "\"idcode\":60,\"format\":0,\"phasors\":1,\"analogs\":1,\"digitals\":0,"
                      "\"nominal_frequency\":50,\"cfg_cnt\":2}]") != NULL);
    CHECK(strstr(log, "\"frame_type\":\"data\"") != NULL);
    CHECK(strstr(log, "\"stat\":[0]") != NULL);
    CHECK(strstr(log, "\"stat\":[32768]") != NULL);
    CHECK(strstr(log, "anomaly c37118 crc_mismatch") != NULL);
    CHECK(strstr(log, "anomaly c37118 unknown_command") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 2, 50000, 4712), 0);

    char *f = ics_run_fields(segs, 2, 6, 50000, 4712);
    CHECK(strstr(f, "c37118.frame_type=4;c37118.command=5;c37118.idcode=60;c37118.version=1;") !=
          NULL);
    CHECK(strstr(f, "c37118.frame_type=3;c37118.idcode=60;c37118.version=1;c37118.num_pmu=1;") !=
          NULL);
    CHECK(strstr(f, "c37118.stat=32768;") != NULL);
    free(f);
}

static void test_udp(void)
{
    struct ics_buf req = {0}, rsp = {0};
    build(&req, &rsp);
    /* one datagram with both data frames after the configuration */
    struct ics_buf d1 = {0}, d2 = {0};
    frame(&d1, 3, 0, 0, "000f4240 0000 001e", false); /* empty configuration */
    frame(&d2, 0, 5, 0, "", false);
    ics_put(&d2, d2.b, d2.n); /* two frames in one datagram */
    uint8_t junk[] = {0xaa, 0x01, 0x00, 0x05};
    struct test_segment segs[] = {
        {0, req.b, 18}, {1, d1.b, d1.n}, {1, d2.b, d2.n}, {1, junk, sizeof junk}};
    uint16_t proto;
    char *log = ics_run_udp(segs, 4, 50000, 4713, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_C37118);
    CHECK_EQ_INT(ics_count(log, "\"frame_type\":\"data\""), 2);
    CHECK(strstr(log, "\"num_pmu\":0,\"data_rate\":30") != NULL);
    CHECK(strstr(log, "anomaly c37118 invalid_sync") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
}

int main(void)
{
    test_tcp();
    test_udp();
    TEST_MAIN_END();
}
