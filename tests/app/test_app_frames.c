/* SPDX-License-Identifier: Apache-2.0 */
/* Frames (frame keyword): the frames MQTT, ENIP, DNP3, Modbus, the grid
 * protocols, HTTP/1, TLS, DNS, DCE/RPC, SMTP, SIP and the stream frame report - type, offset in the
 * direction's stream, length, completeness and bytes - are the same whatever the segmentation
 * (split at every offset), sit where the protocol puts its units, count from 2 per direction on TCP
 * (1 is the stream frame), and the frame keyword resolves frame names. MQTT's Suricata placement of
 * header/data frames depends on the segmentation by design: checked on its own. */
#include "detect/rule_set.h"
#include "ics_test_util.h"
#include "test.h"

struct frames_seen {
    char s[8192];
    size_t n;
    int count;
    bool with_ids;
    bool with_tx; /* each line starts with "t<tx_id>:" */
};

static const struct app_layer_config *run_cfg; /* NULL: the defaults */

static void seen_cb(const struct app_frame_info *fi, void *user)
{
    struct frames_seen *fs = user;
    if (fs->with_tx) {
        int w = snprintf(fs->s + fs->n, sizeof fs->s - fs->n, "t%lld:", (long long)fi->log_tx_id);
        if (w > 0 && (size_t)w < sizeof fs->s - fs->n)
            fs->n += (size_t)w;
    }
    if (fs->with_ids) {
        int w = snprintf(fs->s + fs->n, sizeof fs->s - fs->n, "#%llu:", (unsigned long long)fi->id);
        if (w > 0 && (size_t)w < sizeof fs->s - fs->n)
            fs->n += (size_t)w;
    }
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
    ics_open(&s, run_cfg, proto, 40000, port);
    bool ids = fs->with_ids, tx = fs->with_tx;
    memset(fs, 0, sizeof(*fs));
    fs->with_ids = ids;
    fs->with_tx = tx;
    if (cut && cut < n) {
        ics_feed(&s, 0, d, cut);
        /* as on a packet: frames still waiting for bytes stay */
        app_flow_frames_foreach(s.st, 0, false, seen_cb, fs);
        app_flow_frames_clear(s.st, 0, false);
        ics_feed(&s, 0, d + cut, n - cut);
    } else {
        ics_feed(&s, 0, d, n);
    }
    app_flow_frames_inspect(s.st, 0, seen_cb, fs);
    free(ics_close(&s, NULL));
}

/* The frames seen, one per line, sorted: a frame waiting for bytes is
 * inspected after later frames that were complete sooner. */
static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_lines(const char *in, char *out, size_t outlen)
{
    char copy[8192];
    char *lines[256];
    size_t n = 0;
    snprintf(copy, sizeof copy, "%s", in);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l && n < 256;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, n, sizeof *lines, line_cmp);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%s\n", lines[i]);
}

/* Whether a run cut at `cut` saw the frames of the whole run (counted as a
 * failure, with both lists, when not). */
static bool same_frames(const struct frames_seen *split, const struct frames_seen *whole,
                        const char *what, uint32_t cut)
{
    char a[8192], b[8192];
    sort_lines(split->s, a, sizeof a);
    sort_lines(whole->s, b, sizeof b);
    if (strcmp(a, b) == 0)
        return true;
    fprintf(stderr, "%s frames differ when cut at %u:\n%s\nvs\n%s\n", what, cut, split->s,
            whole->s);
    test_failures++;
    return false;
}

static void check_split(uint8_t proto, uint16_t port, const uint8_t *d, uint32_t n,
                        const struct frames_seen *whole, const char *what)
{
    struct frames_seen split = {.with_ids = whole->with_ids, .with_tx = whole->with_tx};
    for (uint32_t cut = 1; cut < n; cut++) {
        run(proto, port, d, n, cut, &split);
        if (!same_frames(&split, whole, what, cut))
            return;
    }
}

static void test_mqtt(void)
{
    /* CONNECT (v3.1.1, client id "v"), then PUBLISH QoS 0 "a/b" "on". */
    static const uint8_t stream[] = {
        0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 'v',
        0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'o', 'n',
    };
    struct frames_seen whole = {.with_ids = true};
    /* Suricata's placement: the second message's header and data frames
     * repeat the first message's bytes when both come in one chunk, and sit
     * at their own message when it comes alone. */
    run(6, 1883, stream, sizeof stream, 0, &whole);
    CHECK_EQ_INT(whole.count, 6);
    CHECK(strstr(whole.s, "#2:0:pdu:0:15:1:100d0004") != NULL);
    CHECK(strstr(whole.s, "#3:0:header:0:2:1:100d\n") != NULL);
    CHECK(strstr(whole.s, "#4:0:data:2:13:1:00044d515454") != NULL);
    CHECK(strstr(whole.s, "#5:0:pdu:15:9:1:3007") != NULL);
    CHECK(strstr(whole.s, "#6:0:header:0:2:1:100d\n") != NULL);
    CHECK(strstr(whole.s, "#7:0:data:2:7:1:00044d51545404\n") != NULL);
    run(6, 1883, stream, sizeof stream, 15, &whole);
    CHECK(strstr(whole.s, "#6:0:header:15:2:1:3007\n") != NULL);
    CHECK(strstr(whole.s, "#7:0:data:17:7:1:0003612f626f6e\n") != NULL);
    /* frames-at-message: each message's own, whatever the segmentation. */
    struct app_layer_config cfg;
    app_layer_config_load(&cfg, NULL);
    cfg.ics.mqtt_frames_at_message = true;
    run_cfg = &cfg;
    run(6, 1883, stream, sizeof stream, 0, &whole);
    CHECK_EQ_INT(whole.count, 6);
    CHECK(strstr(whole.s, "#5:0:pdu:15:9:1:3007") != NULL);
    CHECK(strstr(whole.s, "#6:0:header:15:2:1:3007\n") != NULL);
    CHECK(strstr(whole.s, "#7:0:data:17:7:1:0003612f626f6e\n") != NULL);
    check_split(6, 1883, stream, sizeof stream, &whole, "mqtt");
    run_cfg = NULL;
}

static void test_dnp3_modbus(void)
{
    /* DNP3: a read of class 0 (transport FIR|FIN, app control, READ, g60v1
     * all), then a cold restart with 18 octets of user data (two blocks). */
    static const uint8_t read[] = {0xc0, 0xc1, 0x01, 0x3c, 0x01, 0x06};
    static const uint8_t cold[] = {0xc1, 0xc2, 0x0d, 0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06,
                                   0x3c, 0x04, 0x06, 0x3c, 0x01, 0x06, 0x3c, 0x02, 0x06};
    uint8_t stream[128];
    uint32_t n1 = ics_dnp3_link(stream, 0xc4, read, sizeof read);
    uint32_t n2 = ics_dnp3_link(stream + n1, 0xc4, cold, sizeof cold);
    CHECK_EQ_INT(n1, 18);
    CHECK_EQ_INT(n2, 32);
    struct frames_seen whole = {.with_ids = true};
    run(6, 20000, stream, n1 + n2, 0, &whole);
    CHECK_EQ_INT(whole.count, 6);
    CHECK(strstr(whole.s, "#2:0:pdu:0:18:1:0564") != NULL);
    CHECK(strstr(whole.s, "#3:0:hdr:0:10:1:05640bc40a000100") != NULL);
    CHECK(strstr(whole.s, "#4:0:data:10:8:1:c0c1013c0106") != NULL);
    CHECK(strstr(whole.s, "#5:0:pdu:18:32:1:056417c4") != NULL);
    CHECK(strstr(whole.s, "#7:0:data:28:22:1:c1c20d3c02063c03063c04063c01063c") != NULL);
    check_split(6, 20000, stream, n1 + n2, &whole, "dnp3");
    /* Modbus: read holding registers 0..9 of unit 1, then write single
     * register 5 = 0x1234. */
    static const uint8_t mb[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00,
                                 0x00, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x00, 0x06,
                                 0x01, 0x06, 0x00, 0x05, 0x12, 0x34};
    run(6, 502, mb, sizeof mb, 0, &whole);
    CHECK_EQ_INT(whole.count, 6);
    CHECK(strstr(whole.s, "#2:0:pdu:0:12:1:000100000006010300") != NULL);
    CHECK(strstr(whole.s, "#3:0:hdr:0:7:1:00010000000601\n") != NULL);
    CHECK(strstr(whole.s, "#4:0:data:7:5:1:030000000a\n") != NULL);
    CHECK(strstr(whole.s, "#7:0:data:19:5:1:0600051234\n") != NULL);
    check_split(6, 502, mb, sizeof mb, &whole, "modbus");
    /* each ADU's frames belong to its transaction */
    struct frames_seen tx = {.with_tx = true};
    run(6, 502, mb, sizeof mb, 0, &tx);
    CHECK(strstr(tx.s, "t0:0:pdu:0:12:1:") != NULL);
    CHECK(strstr(tx.s, "t1:0:data:19:5:1:0600051234\n") != NULL);
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

static void test_ssh(void)
{
    /* banner, an IGNORE packet (code 2, 3 payload bytes, 4 padding), then
     * NEWKEYS (code 21, 10 padding) */
    static const uint8_t stream[] = {
        'S', 'S', 'H', '-', '2', '.', '0', '-', 'v', '\r', '\n',
        0, 0, 0, 9, 4, 2, 'a', 'b', 'c', 0, 0, 0, 0,
        0, 0, 0, 12, 10, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    struct frames_seen whole = {.with_ids = true};
    run(6, 22, stream, sizeof stream, 0, &whole);
    CHECK_EQ_INT(whole.count, 6);
    CHECK(strstr(whole.s, "#2:0:record.pdu:11:13:1:000000090402616263000000") != NULL);
    CHECK(strstr(whole.s, "#3:0:record.hdr:11:6:1:000000090402\n") != NULL);
    CHECK(strstr(whole.s, "#4:0:record.data:17:7:1:61626300000000\n") != NULL);
    CHECK(strstr(whole.s, "#6:0:record.hdr:24:6:1:0000000c0a15\n") != NULL);
    check_split(6, 22, stream, sizeof stream, &whole, "ssh");
}

static void test_http(void)
{
    static const char stream[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                 "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
    struct frames_seen whole = {.with_ids = true, .with_tx = true};
    /* one request per delivery: each request whole (line, headers, body),
     * with its transaction */
    run(6, 80, (const uint8_t *)stream, (uint32_t)strlen(stream), 28, &whole);
    CHECK_EQ_INT(whole.count, 2);
    CHECK(strstr(whole.s, "t0:#2:0:request:0:28:1:474554202f6120") != NULL);
    CHECK(strstr(whole.s, "t1:#3:0:request:28:42:1:504f5354") != NULL);
    CHECK(strstr(whole.s, "0d0a0d0a616263\n") != NULL);
    /* a request with a body, split anywhere */
    const uint8_t *post = (const uint8_t *)stream + 28;
    run(6, 80, post, 42, 0, &whole);
    CHECK(strstr(whole.s, "t0:#2:0:request:0:42:1:504f5354") != NULL);
    check_split(6, 80, post, 42, &whole, "http");
}

/* SMTP: a session whose client part after the login is split at every
 * offset: command lines (a SASL response too) with their CRLF, the DATA
 * message from the byte after "DATA\r\n" to its "." line, reply lines one
 * by one, each with the transaction of its command (the banner has none). */
static const char smtp_pre_c[] = "EHLO a\r\nAUTH LOGIN\r\nZ2FsdW50\r\n";
static const char smtp_body_c[] = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                                  "Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n";

static void run_smtp(uint32_t cut, struct frames_seen *fs)
{
    struct ics_session s;
    ics_open(&s, run_cfg, 6, 40000, 25);
    memset(fs, 0, sizeof(*fs));
    fs->with_tx = true;
    const uint32_t n = (uint32_t)strlen(smtp_body_c);
    ics_feed(&s, 1, "220 x ESMTP\r\n", 13);
    ics_feed(&s, 0, smtp_pre_c, 8);
    ics_feed(&s, 1, "250-x\r\n250 PIPELINING\r\n", 23);
    ics_feed(&s, 0, smtp_pre_c + 8, 12);
    ics_feed(&s, 1, "334 VXNlcm5hbWU6\r\n", 18);
    ics_feed(&s, 0, smtp_pre_c + 20, 10);
    ics_feed(&s, 1, "235 ok\r\n", 8);
    if (cut) {
        ics_feed(&s, 0, smtp_body_c, cut);
        app_flow_frames_foreach(s.st, 0, false, seen_cb, fs);
        app_flow_frames_clear(s.st, 0, false);
        ics_feed(&s, 0, smtp_body_c + cut, n - cut);
    } else {
        ics_feed(&s, 0, smtp_body_c, n);
    }
    static const char replies[] = "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n";
    ics_feed(&s, 1, replies, (uint32_t)strlen(replies));
    app_flow_frames_inspect(s.st, 0, seen_cb, fs);
    app_flow_frames_inspect(s.st, 1, seen_cb, fs);
    free(ics_close(&s, NULL));
}

static void test_smtp(void)
{
    struct frames_seen whole;
    run_smtp(0, &whole);
    CHECK_EQ_INT(whole.count, 18);
    /* "EHLO a\r\n", the SASL response, the MAIL line */
    CHECK(strstr(whole.s, "t0:0:command_line:0:8:1:45484c4f20610d0a\n") != NULL);
    CHECK(strstr(whole.s, "t0:0:command_line:20:10:1:5a3246736457353"
                          "00d0a\n") != NULL);
    CHECK(strstr(whole.s, "t0:0:command_line:30:17:1:4d41494c") != NULL);
    CHECK(strstr(whole.s, "t0:0:command_line:62:6:1:444154410d0a\n") != NULL);
    /* "Subject: x\r\n\r\nhi\r\n.\r\n" */
    CHECK(strstr(whole.s, "t0:0:data:68:21:1:5375626a6563743a20780d0a0d0a68690d0a2e0d0a\n") !=
          NULL);
    CHECK(strstr(whole.s, "t0:0:command_line:89:6:1:515549540d0a\n") != NULL);
    CHECK(strstr(whole.s, "t-1:1:response_line:0:13:1:") != NULL);
    CHECK(strstr(whole.s, "t0:1:response_line:13:7:1:3235302d780d0a\n") != NULL);
    CHECK(strstr(whole.s, "t0:1:response_line:78:8:1:3335342067") != NULL);
    CHECK_EQ_INT(ics_count(whole.s, ":response_line:"), 10);
    struct frames_seen split;
    for (uint32_t cut = 1; cut < (uint32_t)strlen(smtp_body_c); cut++) {
        run_smtp(cut, &split);
        if (!same_frames(&split, &whole, "smtp", cut))
            return;
    }
}

/* A message whose end marker never came: the server's reply ends its data
 * frame with the client's last line, which later commands do not join. */
static void test_smtp_data_unended(void)
{
    struct ics_session s;
    ics_open(&s, run_cfg, 6, 40001, 25);
    struct frames_seen fs;
    memset(&fs, 0, sizeof(fs));
    ics_feed(&s, 1, "220 x ESMTP\r\n", 13);
    ics_feed(&s, 0, "HELO a\r\n", 8);
    ics_feed(&s, 1, "250 x\r\n", 7);
    ics_feed(&s, 0, "MAIL FROM:<a@b>\r\n", 17);
    ics_feed(&s, 1, "250 ok\r\n", 8);
    ics_feed(&s, 0, "RCPT TO:<c@d>\r\n", 15);
    ics_feed(&s, 1, "250 ok\r\n", 8);
    ics_feed(&s, 0, "DATA\r\n", 6);
    ics_feed(&s, 1, "354 go\r\n", 8);
    ics_feed(&s, 0, "Subject: x\r\n\r\nhi\r\n", 18); /* no "." line */
    ics_feed(&s, 1, "250 queued\r\n", 12);
    ics_feed(&s, 0, "NOOP\r\nQUIT\r\n", 12);
    ics_feed(&s, 1, "250 ok\r\n221 bye\r\n", 17);
    app_flow_frames_inspect(s.st, 0, seen_cb, &fs);
    free(ics_close(&s, NULL));
    /* the data frame: offset 46, the 18 bytes of the message */
    CHECK(strstr(fs.s, "0:data:46:18:1:") != NULL);
    CHECK(strstr(fs.s, "0:command_line:64:6:1:") != NULL);
}

/* SIP over TCP (two messages, split at every offset) and UDP: the pdu, the
 * start line with its CRLF, the header lines without the blank line, the
 * body when there is one, each with the message's transaction counted from
 * 1 as Suricata's frames do (none on a datagram's pdu). */
static void test_sip(void)
{
    static const char stream[] = "REGISTER sip:a SIP/2.0\r\nVia: x\r\nContent-Length: 3\r\n\r\nabc"
                                 "OPTIONS sip:b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
    const uint32_t n = (uint32_t)strlen(stream);
    struct frames_seen whole = {.with_tx = true};
    run(6, 5060, (const uint8_t *)stream, n, 0, &whole);
    CHECK_EQ_INT(whole.count, 7);
    CHECK(strstr(whole.s, "t1:0:pdu:0:56:1:5245474953544552") != NULL);
    CHECK(strstr(whole.s, "t1:0:request.line:0:24:1:"
                          "5245474953544552207369703a61205349502f322e300d0a\n") != NULL);
    CHECK(strstr(whole.s, "t1:0:request.headers:24:27:1:5669613a20780d0a") != NULL);
    CHECK(strstr(whole.s, "t1:0:request.body:53:3:1:616263\n") != NULL);
    CHECK(strstr(whole.s, "t2:0:pdu:56:44:1:") != NULL);
    CHECK(strstr(whole.s, "t2:0:request.headers:79:19:1:") != NULL);
    CHECK_EQ_INT(ics_count(whole.s, "request.body"), 1);
    check_split(6, 5060, (const uint8_t *)stream, n, &whole, "sip");
    /* one datagram is one message */
    run(17, 5060, (const uint8_t *)stream, 56, 0, &whole);
    CHECK_EQ_INT(whole.count, 4);
    CHECK(strstr(whole.s, "t-1:0:pdu:0:56:1:") != NULL);
    CHECK(strstr(whole.s, "t1:0:request.body:53:3:1:616263\n") != NULL);
}

static void test_tls(void)
{
    /* a minimal ClientHello record, then an alert record */
    uint8_t stream[64] = {0x16, 0x03, 0x01, 0x00, 45, 0x01, 0x00, 0x00, 41, 0x03, 0x03};
    uint32_t n = 11 + 32;
    const uint8_t rest[] = {0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00,
                            0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    memcpy(stream + n, rest, sizeof rest);
    n += sizeof rest;
    struct frames_seen whole = {.with_ids = true};
    run(6, 443, stream, n, 0, &whole);
    CHECK_EQ_INT(whole.count, 7);
    CHECK(strstr(whole.s, "#2:0:pdu:0:50:1:160301002d01") != NULL);
    CHECK(strstr(whole.s, "#3:0:hdr:0:5:1:160301002d\n") != NULL);
    CHECK(strstr(whole.s, "#4:0:data:5:45:1:01000029") != NULL);
    CHECK(strstr(whole.s, "#5:0:pdu:50:7:1:15030300020228\n") != NULL);
    CHECK(strstr(whole.s, "#7:0:data:55:2:1:0228\n") != NULL);
    CHECK(strstr(whole.s, "#8:0:alert:55:2:1:0228\n") != NULL);
    check_split(6, 443, stream, n, &whole, "tls");
}

struct gap_seen {
    int n;
    uint64_t missing;
    uint32_t at, len;
    bool complete;
};

static void gap_cb(const struct app_frame_info *fi, void *user)
{
    struct gap_seen *g = user;
    if (strcmp(fi->type_name, "pdu") != 0)
        return;
    g->n++;
    g->missing = fi->missing;
    g->at = fi->missing_at;
    g->len = fi->data_len;
    g->complete = fi->complete;
}

/* A gap inside a frame: its bytes after the gap still come, the bytes the
 * gap took are counted (missing, at the gap's place); it is not complete. */
static void test_gap(void)
{
    uint8_t stream[64] = {0x16, 0x03, 0x01, 0x00, 45, 0x01, 0x00, 0x00, 41, 0x03, 0x03};
    struct ics_session s;
    ics_open(&s, NULL, 6, 40000, 443);
    ics_feed(&s, 0, stream, 20);
    s.p.pcap_cnt++;
    app_layer_handle_tcp_data(s.ctx, &s.st, &s.f, &s.p, 0, NULL, 10, APP_DATA_GAP);
    ics_feed(&s, 0, stream + 30, 20);
    struct gap_seen g = {0};
    app_flow_frames_inspect(s.st, 0, gap_cb, &g);
    free(ics_close(&s, NULL));
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT((int)g.missing, 10);
    CHECK_EQ_INT((int)g.at, 20);
    CHECK_EQ_INT((int)g.len, 40);
    CHECK(!g.complete);
}

static void test_dns_dcerpc(void)
{
    /* DNS over TCP: two queries; the pdu frame leaves out the length prefix
     * and carries the message's transaction, from 1 as Suricata's */
    static const uint8_t q[] = {0x00, 0x1d, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x07, 'e',  'x',  'a',  'm',  'p',
                                'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00,
                                0x01};
    uint8_t dns[2 * sizeof q];
    memcpy(dns, q, sizeof q);
    memcpy(dns + sizeof q, q, sizeof q);
    dns[sizeof q + 3] = 0x35; /* the second query's id */
    struct frames_seen whole = {.with_tx = true};
    run(6, 53, dns, sizeof dns, 0, &whole);
    CHECK_EQ_INT(whole.count, 2);
    CHECK(strstr(whole.s, "t1:0:pdu:2:29:1:12340100") != NULL);
    CHECK(strstr(whole.s, "t2:0:pdu:33:29:1:12350100") != NULL);
    check_split(6, 53, dns, sizeof dns, &whole, "dns");
    whole.with_tx = false;
    /* DCE/RPC bind (16-byte header, 12-byte body) */
    static const uint8_t bind[] = {0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x1c, 0x00,
                                   0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x16, 0xd0, 0x16,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    run(6, 135, bind, sizeof bind, 0, &whole);
    CHECK_EQ_INT(whole.count, 3);
    CHECK(strstr(whole.s, "0:pdu:0:28:1:05000b03") != NULL);
    CHECK(strstr(whole.s, "0:hdr:0:16:1:05000b0310000000") != NULL);
    CHECK(strstr(whole.s, "0:data:16:12:1:d016d016") != NULL);
    check_split(6, 135, bind, sizeof bind, &whole, "dcerpc");
}

/* The stream frame (id 1): each delivery with the bytes before it. */
static int load_type(const char *proto, const char *name)
{
    return app_frame_type_lookup((uint16_t)app_proto_from_name(proto), name);
}

static void test_stream(void)
{
    static const char stream[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    app_layer_set_stream_frames_active(true);
    struct frames_seen fs = {.with_ids = true};
    run(6, 80, (const uint8_t *)stream, 28, 10, &fs);
    CHECK(strstr(fs.s, "#1:0:stream:0:10:1:474554202f6120485454\n") != NULL);
    CHECK(strstr(fs.s, "#1:0:stream:0:28:1:474554") != NULL);
    CHECK(strstr(fs.s, "#2:0:request:0:28:1:") != NULL);
    app_layer_set_stream_frames_active(false);
    CHECK_EQ_INT(load_type("http", "stream"), APP_FRAME_TYPE_STREAM);
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
    CHECK_EQ_INT(load("alert dnp3 any any -> any any (frame:dnp3.hdr; content:\"|05 64|\"; sid:1;)"),
                 0);
    CHECK_EQ_INT(load("alert modbus any any -> any any (frame:data; content:\"|06|\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert http any any -> any any (frame:http1.request; content:\"G\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert http1 any any -> any any (frame:response; content:\"H\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert tls any any -> any any (frame:tls.heartbeat; content:\"a\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert tcp any any -> any any (frame:dns.pdu; content:\"a\"; sid:1;)"), 0);
    CHECK_EQ_INT(load("alert smtp any any -> any any (frame:smtp.stream; content:\"a\"; sid:1;)"), 0);
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
    test_dnp3_modbus();
    test_ssh();
    test_http();
    test_tls();
    test_smtp();
    test_smtp_data_unended();
    test_sip();
    test_gap();
    test_dns_dcerpc();
    test_stream();
    test_keyword();
    TEST_MAIN_END();
}
