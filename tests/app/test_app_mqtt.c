/* SPDX-License-Identifier: Apache-2.0 */
/* MQTT 3.1.1 and 5: CONNECT/CONNACK, PUBLISH QoS 0 and 1 with PUBACK,
 * SUBSCRIBE/SUBACK, v5 properties, Suricata's EVE shape, events, limits,
 * the accessors and keywords, split invariance and garbage. */
#include "app/app_ics.h"
#include "detect/detect_tx_kw.h"
#include "ics_test_util.h"
#include "test.h"

struct pkt {
    uint8_t b[512];
    size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void put_u8(struct pkt *p, uint8_t v)
{
    p->b[p->n++] = v;
}

static void put_u16(struct pkt *p, uint16_t v)
{
    put_u8(p, (uint8_t)(v >> 8));
    put_u8(p, (uint8_t)v);
}

static void put_str(struct pkt *p, const char *s)
{
    put_u16(p, (uint16_t)strlen(s));
    put(p, s, strlen(s));
}

/* Fixed header (type/flags, remaining length) around body. */
static size_t packet(uint8_t *out, uint8_t first, const struct pkt *body)
{
    size_t o = 0;
    out[o++] = first;
    size_t len = body->n;
    do {
        uint8_t d = (uint8_t)(len % 128);
        len /= 128;
        out[o++] = (uint8_t)(len ? d | 0x80 : d);
    } while (len);
    memcpy(out + o, body->b, body->n);
    return o + body->n;
}

static size_t connect311(uint8_t *out)
{
    struct pkt b = {.n = 0};
    put_str(&b, "MQTT");
    put_u8(&b, 4);
    put_u8(&b, 0xc2); /* username, password, clean session */
    put_u16(&b, 60);
    put_str(&b, "vigil-client");
    put_str(&b, "operator");
    put_str(&b, "s3cret");
    return packet(out, 0x10, &b);
}

static bool kw(const char *name, const char *value, const struct app_tx *tx, uint8_t dir)
{
    const struct detect_tx_kw *k = detect_tx_kw_lookup(name);
    void *data = NULL;
    char err[128];
    if (!k || detect_tx_kw_parse(k, value, &data, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s does not parse\n", name, value);
        return false;
    }
    bool m = detect_tx_kw_match(k, tx, dir, data);
    detect_tx_kw_free(k, data);
    return m;
}

/* The conversation as it happens: each message in its own segment. */
struct conv {
    uint8_t buf[2048];
    size_t n;
    struct test_segment segs[16];
    size_t nsegs;
};

static void add(struct conv *cv, uint8_t dir, uint8_t first, const struct pkt *body)
{
    size_t len = packet(cv->buf + cv->n, first, body);
    cv->segs[cv->nsegs++] = (struct test_segment){dir, cv->buf + cv->n, (uint32_t)len};
    cv->n += len;
}

static void build(struct conv *cv)
{
    cv->n = cv->nsegs = 0;
    size_t len = connect311(cv->buf);
    cv->segs[cv->nsegs++] = (struct test_segment){0, cv->buf, (uint32_t)len};
    cv->n = len;
    struct pkt b = {.n = 0};
    put_u8(&b, 0);
    put_u8(&b, 0); /* accepted */
    add(cv, 1, 0x20, &b);
    /* PUBLISH QoS 1, id 7, and its PUBACK */
    b.n = 0;
    put_str(&b, "plant/line1/valve");
    put_u16(&b, 7);
    put(&b, "OPEN", 4);
    add(cv, 0, 0x32, &b);
    b.n = 0;
    put_u16(&b, 7);
    add(cv, 1, 0x40, &b);
    /* SUBSCRIBE id 8 to two filters, SUBACK */
    b.n = 0;
    put_u16(&b, 8);
    put_str(&b, "plant/#");
    put_u8(&b, 1);
    put_str(&b, "alarms/+");
    put_u8(&b, 0);
    add(cv, 0, 0x82, &b);
    b.n = 0;
    put_u16(&b, 8);
    put_u8(&b, 1);
    put_u8(&b, 0x80);
    add(cv, 1, 0x90, &b);
    /* QoS 0 PUBLISH from the server, then DISCONNECT */
    b.n = 0;
    put_str(&b, "cmd/setpoint");
    put(&b, "42", 2);
    add(cv, 1, 0x30, &b);
    b.n = 0;
    add(cv, 0, 0xe0, &b);
}

static void test_session(void)
{
    struct conv cv;
    build(&cv);
    struct ics_session s;
    ics_open(&s, NULL, 6, 53000, 1883);
    ics_feed(&s, cv.segs[0].direction, cv.segs[0].data, cv.segs[0].len);
    ics_feed(&s, cv.segs[1].direction, cv.segs[1].data, cv.segs[1].len);
    const struct app_tx *tx = ics_tx(&s, 0);
    const struct mqtt_message *m0 = mqtt_tx_message(tx, 0), *m1 = mqtt_tx_message(tx, 1);
    CHECK(m0 && m1);
    if (m0 && m1) {
        CHECK_EQ_INT(m0->type, MQTT_TYPE_CONNECT);
        CHECK_EQ_INT(m0->protocol_version, 4);
        CHECK(m0->client_id.len == 12 && memcmp(m0->client_id.data, "vigil-client", 12) == 0);
        CHECK_EQ_INT(m1->type, MQTT_TYPE_CONNACK);
        CHECK(kw("mqtt.type", "CONNECT", tx, 0));
        CHECK(kw("mqtt.type", "connack", tx, 0));
        CHECK(kw("mqtt.protocol_version", "4", tx, 0));
        CHECK(kw("mqtt.connect.flags", "username,password,!will", tx, 0));
        CHECK(!kw("mqtt.connect.flags", "will", tx, 0));
        CHECK(kw("mqtt.connack.return_code", "0", tx, 0));
        CHECK(!kw("mqtt.connack.session_present", "true", tx, 0));
        const uint8_t *d;
        uint32_t l;
        CHECK(app_tx_get_buffer(tx, APP_BUFFER_MQTT_CONNECT_CLIENTID, 0, &d, &l) == 0 &&
              l == 12);
        CHECK(app_tx_get_buffer(tx, APP_BUFFER_MQTT_CONNECT_USERNAME, 0, &d, &l) == 0 &&
              l == 8 && memcmp(d, "operator", 8) == 0);
    }
    for (size_t i = 2; i < 4; i++)
        ics_feed(&s, cv.segs[i].direction, cv.segs[i].data, cv.segs[i].len);
    /* The PUBLISH QoS 1 transaction with its PUBACK. */
    const struct app_tx *pub = NULL;
    for (uint32_t i = 0; (tx = ics_tx(&s, i)) != NULL; i++) {
        const struct mqtt_message *m = mqtt_tx_message(tx, 0);
        if (m && m->type == MQTT_TYPE_PUBLISH && m->qos == 1)
            pub = tx;
    }
    CHECK(pub != NULL);
    if (pub) {
        CHECK(kw("mqtt.qos", "1", pub, 0));
        CHECK(kw("mqtt.type", "PUBACK", pub, 0));
        CHECK(kw("mqtt.type", "publish,0", pub, 0)); /* the first message */
        CHECK(!kw("mqtt.type", "puback,0", pub, 0));
        CHECK(kw("mqtt.flags", "!retain,!dup", pub, 0));
        const uint8_t *d;
        uint32_t l;
        CHECK(app_tx_get_buffer(pub, APP_BUFFER_MQTT_PUBLISH_TOPIC, 0, &d, &l) == 0 &&
              l == 17 && memcmp(d, "plant/line1/valve", 17) == 0);
        CHECK(app_tx_get_buffer(pub, APP_BUFFER_MQTT_PUBLISH_MESSAGE, 0, &d, &l) == 0 &&
              l == 4 && memcmp(d, "OPEN", 4) == 0);
    }
    for (size_t i = 4; i < cv.nsegs; i++)
        ics_feed(&s, cv.segs[i].direction, cv.segs[i].data, cv.segs[i].len);
    char *log = ics_close(&s, NULL);
    if (getenv("ICS_TEST_VERBOSE"))
        fputs(log, stderr);
    CHECK(strstr(log, "\"connect\":{\"qos\":0,\"retain\":false,\"dup\":false,\"protocol_string\":"
                      "\"MQTT\",\"protocol_version\":4,\"client_id\":\"vigil-client\","
                      "\"flags\":{\"username\":true,\"password\":true,\"will_retain\":false,"
                      "\"will\":false,\"clean_session\":true},\"username\":\"operator\","
                      "\"password\":\"s3cret\"}") != NULL);
    CHECK(strstr(log, "\"connack\":{\"qos\":0,\"retain\":false,\"dup\":false,"
                      "\"session_present\":false,\"return_code\":0}") != NULL);
    CHECK(strstr(log, "\"publish\":{\"qos\":1,\"retain\":false,\"dup\":false,\"topic\":"
                      "\"plant/line1/valve\",\"message_id\":7,\"message\":\"OPEN\"}") != NULL);
    CHECK(strstr(log, "\"puback\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":7}") !=
          NULL);
    CHECK(strstr(log, "\"topics\":[{\"topic\":\"plant/#\",\"qos\":1},{\"topic\":\"alarms/+\","
                      "\"qos\":0}]") != NULL);
    CHECK(strstr(log, "\"qos_granted\":[1,128]") != NULL);
    CHECK(strstr(log, "\"topic\":\"cmd/setpoint\"") != NULL);
    CHECK(strstr(log, "\"disconnect\":") != NULL);
    CHECK(strstr(log, "anomaly") == NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    CHECK_EQ_INT(test_tcp_split_invariance(cv.segs, cv.nsegs, 53001, 1883), 0);
}

static void test_v5_and_events(void)
{
    struct conv cv;
    cv.n = cv.nsegs = 0;
    struct pkt b = {.n = 0};
    put_str(&b, "MQTT");
    put_u8(&b, 5);
    put_u8(&b, 0x02);
    put_u16(&b, 30);
    /* properties: session expiry interval 3600, user property (k, v) */
    put_u8(&b, 5 + 1 + 2 + 1 + 2 + 1);
    put_u8(&b, 0x11);
    put_u8(&b, 0);
    put_u8(&b, 0);
    put_u8(&b, 0x0e);
    put_u8(&b, 0x10);
    put_u8(&b, 0x26);
    put_str(&b, "k");
    put_str(&b, "v");
    put_str(&b, "v5-client");
    add(&cv, 0, 0x10, &b);
    b.n = 0;
    put_u8(&b, 1);    /* session present */
    put_u8(&b, 0x87); /* not authorized */
    put_u8(&b, 0);    /* no properties */
    add(&cv, 1, 0x20, &b);
    /* a PUBLISH with QoS 3: invalid_qos_level */
    b.n = 0;
    put_str(&b, "t");
    put_u16(&b, 1);
    put_u8(&b, 0);
    add(&cv, 0, 0x36, &b);
    /* a second CONNECT: double_connect */
    size_t len = connect311(cv.buf + cv.n);
    cv.segs[cv.nsegs++] = (struct test_segment){0, cv.buf + cv.n, (uint32_t)len};
    cv.n += len;
    char *log = test_run_tcp(cv.segs, cv.nsegs, 53002, 1883, -1, 0, NULL);
    if (getenv("ICS_TEST_VERBOSE"))
        fputs(log, stderr);
    CHECK(strstr(log, "\"protocol_version\":5") != NULL);
    CHECK(strstr(log, "\"properties\":{\"session_expiry_interval\":3600,\"k\":\"v\"}") != NULL);
    CHECK(strstr(log, "\"session_present\":true,\"return_code\":135") != NULL);
    CHECK(strstr(log, "anomaly mqtt invalid_qos_level") != NULL);
    CHECK(strstr(log, "anomaly mqtt double_connect") != NULL);
    CHECK(strstr(log, "unintroduced") == NULL);
    free(log);
    uint8_t c[512];

    /* A message longer than max-msg-length is logged truncated. */
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.ics.mqtt_max_msg_len = 16;
    struct ics_session s;
    ics_open(&s, &cfg, 6, 53003, 1883);
    size_t n = connect311(c);
    b.n = 0;
    put_str(&b, "a/very/long/topic/name");
    put(&b, "payload-payload-payload", 23);
    n += packet(c + n, 0x30, &b);
    ics_feed(&s, 0, c, (uint32_t)n);
    log = ics_close(&s, NULL);
    CHECK(strstr(log, "\"truncated\":true") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

static void test_garbage(void)
{
    const char junk[] = "\x10\xff\xff\xff\xff\x7f garbage";
    struct test_segment g[] = {{0, (const uint8_t *)junk, sizeof(junk) - 1}};
    uint16_t proto = 0;
    char *log = test_run_tcp(g, 1, 53004, 1883, -1, 0, &proto);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
    uint8_t rnd[4096];
    size_t n = connect311(rnd);
    uint32_t x = 99;
    for (size_t i = n; i < sizeof(rnd); i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 16);
    }
    struct test_segment r[] = {{0, rnd, sizeof(rnd)}, {1, rnd + 64, sizeof(rnd) - 64}};
    log = test_run_tcp(r, 2, 53005, 1883, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_MQTT);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

int main(void)
{
    test_session();
    test_v5_and_events();
    test_garbage();
    TEST_MAIN_END();
}
