/* SPDX-License-Identifier: Apache-2.0 */
/* Frames (frame keyword): the frames MQTT and ENIP report - type, offset in
 * the direction's stream, length, completeness and bytes - are the same
 * whatever the segmentation (split at every offset), sit where the
 * protocol puts its units, and the frame keyword resolves frame names. */
#include "detect/rule_set.h"
#include "ics_test_util.h"
#include "test.h"

struct frames_seen {
    char s[8192];
    size_t n;
    int count;
};

static void seen_cb(const struct app_frame_info *fi, void *user)
{
    struct frames_seen *fs = user;
    int w = snprintf(fs->s + fs->n, sizeof fs->s - fs->n, "%u:%s:%llu:%lld:%d:", fi->direction,
                     fi->type_name, (unsigned long long)fi->offset, (long long)fi->len,
                     fi->complete);
    if (w > 0 && (size_t)w < sizeof fs->s - fs->n)
        fs->n += (size_t)w;
    for (uint32_t i = 0; i < fi->data_len && fs->n + 3 < sizeof fs->s; i++)
        fs->n += (size_t)snprintf(fs->s + fs->n, sizeof fs->s - fs->n, "%02x", fi->data[i]);
    if (fs->n + 2 < sizeof fs->s)
        fs->s[fs->n++] = '\n';
    fs->s[fs->n] = '\0';
    fs->count++;
}

/* Feeds the to-server stream in two segments cut at `cut` (0: whole) and
 * collects the frames after each segment, as detection would. */
static void run(uint8_t proto, uint16_t port, const uint8_t *d, uint32_t n, uint32_t cut,
                struct frames_seen *fs)
{
    struct ics_session s;
    ics_open(&s, NULL, proto, 40000, port);
    memset(fs, 0, sizeof(*fs));
    if (cut && cut < n) {
        ics_feed(&s, 0, d, cut);
        app_flow_frames_inspect(s.st, 0, seen_cb, fs);
        ics_feed(&s, 0, d + cut, n - cut);
    } else {
        ics_feed(&s, 0, d, n);
    }
    app_flow_frames_inspect(s.st, 0, seen_cb, fs);
    free(ics_close(&s, NULL));
}

static void check_split(uint8_t proto, uint16_t port, const uint8_t *d, uint32_t n,
                        const struct frames_seen *whole, const char *what)
{
    struct frames_seen split;
    for (uint32_t cut = 1; cut < n; cut++) {
        run(proto, port, d, n, cut, &split);
        if (strcmp(split.s, whole->s) != 0) {
            fprintf(stderr, "%s frames differ when cut at %u:\n%s\nvs\n%s\n", what, cut,
                    split.s, whole->s);
            test_failures++;
            return;
        }
    }
}

static void test_mqtt(void)
{
    /* CONNECT (v3.1.1, client id "v"), then PUBLISH QoS 0 "a/b" "on". */
    static const uint8_t stream[] = {
        0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 'v',
        0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'o', 'n',
    };
    struct frames_seen whole;
    run(6, 1883, stream, sizeof stream, 0, &whole);
    CHECK_EQ_INT(whole.count, 6);
    CHECK(strstr(whole.s, "0:pdu:0:15:1:100d0004") != NULL);
    CHECK(strstr(whole.s, "0:header:0:2:1:100d\n") != NULL);
    CHECK(strstr(whole.s, "0:data:2:13:1:00044d515454") != NULL);
    CHECK(strstr(whole.s, "0:pdu:15:9:1:3007") != NULL);
    CHECK(strstr(whole.s, "0:data:17:7:1:0003612f626f6e\n") != NULL);
    check_split(6, 1883, stream, sizeof stream, &whole, "mqtt");
}

static void test_enip(void)
{
    /* ListIdentity request (header only), then SendRRData with a null
     * address item and an unconnected data item holding a Multiple Service
     * Packet of two Get_Attribute_Single requests. */
    static const uint8_t stream[] = {
        0x63, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0,
        /* SendRRData, length 44 */
        0x6f, 0x00, 44, 0x00, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0,
        0, 0,
        0, 0, 0, 0, 0x0a, 0x00, /* interface handle, timeout */
        0x02, 0x00,             /* two items */
        0x00, 0x00, 0x00, 0x00, /* null address */
        0xb2, 0x00, 28, 0x00,   /* unconnected data, 28 bytes */
        0x0a, 0x02, 0x20, 0x02, 0x24, 0x01, /* MSP to the message router */
        0x02, 0x00, 0x06, 0x00, 0x0e, 0x00, /* 2 services at 6 and 14 */
        0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07, /* get attr 7 of 1/1 */
        0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x01, /* get attr 1 of 1/1 */
    };
    struct frames_seen whole;
    run(6, 44818, stream, sizeof stream, 0, &whole);
    CHECK(strstr(whole.s, "0:pdu:0:24:1:63000000") != NULL);
    CHECK(strstr(whole.s, "0:hdr:0:24:1:") != NULL);
    CHECK(strstr(whole.s, "0:pdu:24:68:1:6f002c00") != NULL);
    CHECK(strstr(whole.s, "0:data:48:44:1:000000000a00") != NULL);
    CHECK(strstr(whole.s, "0:enip.item:56:4:1:00000000\n") != NULL);
    CHECK(strstr(whole.s, "0:enip.item:60:32:1:b2001c00") != NULL);
    CHECK(strstr(whole.s, "0:cip:64:28:1:0a022002") != NULL);
    CHECK(strstr(whole.s, "0:cip:76:8:1:0e03200124013007\n") != NULL);
    CHECK(strstr(whole.s, "0:cip:84:8:1:0e03200124013001\n") != NULL);
    check_split(6, 44818, stream, sizeof stream, &whole, "enip");
}


static void test_grid(void)
{
    /* IEC 104: STARTDT act, then an I-format interrogation command. */
    static const uint8_t iec[] = {0x68, 0x04, 0x07, 0x00, 0x00, 0x00, 0x68, 0x0e,
                                  0x00, 0x00, 0x00, 0x00, 0x64, 0x01, 0x06, 0x00,
                                  0x01, 0x00, 0x00, 0x00, 0x00, 0x14};
    struct frames_seen whole;
    run(6, 2404, iec, sizeof iec, 0, &whole);
    CHECK_EQ_INT(whole.count, 3);
    CHECK(strstr(whole.s, "0:apdu:0:6:1:680407000000\n") != NULL);
    CHECK(strstr(whole.s, "0:apdu:6:16:1:680e") != NULL);
    CHECK(strstr(whole.s, "0:asdu:12:10:1:64010600010000000014\n") != NULL);
    check_split(6, 2404, iec, sizeof iec, &whole, "iec104");
    /* S7comm: COTP connection request, then a data TPDU with a setup
     * communication job. */
    static const uint8_t s7[] = {
        0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc1, 0x02, 0x01,
        0x00, 0xc2, 0x02, 0x01, 0x02, 0xc0, 0x01, 0x0a,
        0x03, 0x00, 0x00, 0x19, 0x02, 0xf0, 0x80, 0x32, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x00, 0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0};
    run(6, 102, s7, sizeof s7, 0, &whole);
    CHECK_EQ_INT(whole.count, 3);
    CHECK(strstr(whole.s, "0:tpkt:0:22:1:03000016") != NULL);
    CHECK(strstr(whole.s, "0:tpkt:22:25:1:03000019") != NULL);
    CHECK(strstr(whole.s, "0:pdu:29:18:1:320100000000000800") != NULL);
    check_split(6, 102, s7, sizeof s7, &whole, "s7comm");
}

static int load(const char *text)
{
    struct rule_set *rs = rule_set_new(NULL);
    struct rule_error e;
    int rc = rule_set_add_rule(rs, text, "t.rules", 1, &e);
    if (rc == 0) {
        const struct rule *r = rule_set_get(rs, 0);
        if (!r->has_frame)
            rc = -100;
    }
    rule_set_free(rs);
    return rc;
}

static void test_keyword(void)
{
    CHECK_EQ_INT(load("alert mqtt any any -> any any (frame:pdu; content:\"|10|\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert tcp any any -> any any (frame:mqtt.header; bsize:2; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert iec104 any any -> any any (frame:iec104.apdu; content:\"h\"; sid:1;)"),
                 0);
    CHECK_EQ_INT(load("alert s7comm any any -> any any (frame:pdu; content:\"2\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert enip any any -> any any (frame:enip.enip.item; content:\"a\"; sid:1;)"),
                 0);
    CHECK(load("alert tcp any any -> any any (frame:pdu; content:\"a\"; sid:1;)") != 0);
    CHECK(load("alert mqtt any any -> any any (frame:nosuch; content:\"a\"; sid:1;)") != 0);
    CHECK(load("alert mqtt any any -> any any (frame:pdu; frame:data; sid:1;)") != 0);
}

int main(void)
{
    app_layer_set_frames_active(true);
    test_mqtt();
    test_enip();
    test_grid();
    test_keyword();
    TEST_MAIN_END();
}
