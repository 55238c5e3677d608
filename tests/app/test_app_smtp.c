/* SPDX-License-Identifier: Apache-2.0 */
/* SMTP parser and MIME decoder: envelope, pipelining, DATA with
 * dot-unstuffing, multipart base64/quoted-printable attachments, BDAT,
 * RSET/EHLO resets, STARTTLS, line limits, split invariance, garbage. */
#include <errno.h>

#include "app/app_parser.h"
#include "app/app_smtp.h"
#include "app/mime.h"
#include "app_test_util.h"
#include "test.h"

#define SEG(d, s)                                                                                  \
    {                                                                                              \
        (d), (const uint8_t *)(s), sizeof(s) - 1                                                   \
    }

static int count(const char *log, const char *needle)
{
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static const char *find(const char *log, const char *needle)
{
    return log ? strstr(log, needle) : NULL;
}

/* "hello world\n" base64 = aGVsbG8gd29ybGQK */
static const struct test_segment mail[] = {
    SEG(1, "220 mx.example.org ESMTP ready\r\n"),
    SEG(0, "EHLO client.example.org\r\n"),
    SEG(1, "250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
    SEG(0, "MAIL FROM:<alice@example.org> SIZE=100\r\nRCPT TO:<bob@example.net>\r\n"
           "RCPT TO:<carol@example.net>\r\n"),
    SEG(1, "250 ok\r\n250 ok\r\n250 ok\r\n"),
    SEG(0, "DATA\r\n"),
    SEG(1, "354 go ahead\r\n"),
    SEG(0, "From: Alice <alice@example.org>\r\nTo: bob@example.net, \"Carol, C\" "
           "<carol@example.net>\r\n"
           "Cc: dave@example.com\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"BND\"\r\n\r\npreamble\r\n--BND\r\n"
           "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           "see http://Example.COM/a?b=3D1 now=\r\n..dot line\r\n--BND\r\n"
           "Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
           "Content-Disposition: attachment; filename=\"report.txt\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8g\r\nd29ybGQK\r\n--BND--\r\n.\r\n"),
    SEG(1, "250 queued\r\n"),
    SEG(0, "QUIT\r\n"),
    SEG(1, "221 bye\r\n"),
};

static void test_mail(void)
{
    uint16_t proto = 0;
    char *log = test_run_tcp(mail, sizeof(mail) / sizeof(mail[0]), 40000, 25, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_SMTP);
    CHECK_EQ_INT(count(log, "\"event_type\":\"smtp\""), 1);
    CHECK(find(log,
               "\"smtp\":{\"helo\":\"client.example.org\",\"mail_from\":\"<alice@example.org>\","
               "\"rcpt_to\":[\"<bob@example.net>\",\"<carol@example.net>\"]}") != NULL);
    CHECK(find(log, "\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"Alice <alice@example.org>\","
                    "\"to\":[\"bob@example.net\",\"\\\"Carol, C\\\" <carol@example.net>\"],"
                    "\"cc\":[\"dave@example.com\"],\"attachment\":[\"report.txt\"],"
                    "\"url\":[\"example.com/a?b=1\"]}") != NULL);
    CHECK(find(log, "\"filename\":\"report.txt\",\"gaps\":false,\"state\":\"CLOSED\","
                    "\"stored\":false,\"size\":12") != NULL);
    CHECK_EQ_INT(count(log, "anomaly"), 0);
    if (!find(log, "\"size\":12"))
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(mail, sizeof(mail) / sizeof(mail[0]), 40000, 25), 0);
}

struct probe {
    enum app_buffer id;
    uint32_t index;
    int rc;
    char got[256];
};

static int probe_tx(struct app_tx *tx, void *user)
{
    struct probe *p = user;
    const uint8_t *d;
    uint32_t n;
    p->rc = app_tx_get_buffer(tx, p->id, p->index, &d, &n);
    if (p->rc == 0) {
        if (n >= sizeof(p->got))
            n = sizeof(p->got) - 1;
        memcpy(p->got, d, n);
        p->got[n] = 0;
    }
    return 1;
}

static void test_buffers(void)
{
    struct test_tcp_session s;
    test_tcp_open(&s, 40000, 25);
    test_tcp_feed(&s, mail, 8);
    struct app_flow_state *st = s.st;
    struct {
        enum app_buffer id;
        uint32_t index;
        const char *want;
    } cases[] = {
        {APP_BUFFER_SMTP_HELO, 0, "client.example.org"},
        {APP_BUFFER_SMTP_MAIL_FROM, 0, "<alice@example.org>"},
        {APP_BUFFER_SMTP_RCPT_TO, 0, "<bob@example.net>"},
        {APP_BUFFER_SMTP_RCPT_TO, 1, "<carol@example.net>"},
        {APP_BUFFER_FILE_DATA, 0, "hello world\n"},
        {APP_BUFFER_FILE_NAME, 0, "report.txt"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct probe pr = {.id = cases[i].id, .index = cases[i].index, .rc = -99};
        app_flow_state_tx_foreach(st, probe_tx, &pr);
        CHECK_EQ_INT(pr.rc, 0);
        CHECK_EQ_STR(pr.got, cases[i].want);
    }
    struct probe pr = {.id = APP_BUFFER_SMTP_RCPT_TO, .index = 2};
    app_flow_state_tx_foreach(st, probe_tx, &pr);
    CHECK_EQ_INT(pr.rc, -ENOENT);
    CHECK_EQ_INT(test_tcp_close(&s), 0);
    test_capture_reset(&s.cap);
}

static void test_bdat_rset_ehlo(void)
{
    struct test_segment segs[] = {
        SEG(1, "220 mx ESMTP\r\n"),
        SEG(0, "EHLO a\r\n"),
        SEG(1, "250-mx\r\n250 CHUNKING\r\n"),
        SEG(0, "MAIL FROM:<x@a>\r\n"),
        SEG(1, "250 ok\r\n"),
        SEG(0, "RSET\r\n"),
        SEG(1, "250 ok\r\n"),
        SEG(0, "MAIL FROM:<y@a>\r\nRCPT TO:<z@b>\r\nBDAT 11\r\nFrom: y@a\r\nBDAT 4 LAST\r\n\r\nhi"),
        SEG(1, "250 ok\r\n250 ok\r\n250 ok\r\n250 done\r\n"),
        SEG(0, "EHLO again\r\nMAIL FROM:<w@a>\r\n"),
        SEG(1, "250 ok\r\n250 ok\r\n"),
    };
    size_t n = sizeof(segs) / sizeof(segs[0]);
    char *log = test_run_tcp(segs, n, 40000, 25, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "\"event_type\":\"smtp\""), 3);
    CHECK(find(log, "\"tx_id\":0,\"smtp\":{\"helo\":\"a\",\"mail_from\":\"<x@a>\"}") != NULL);
    CHECK(
        find(
            log,
            "\"tx_id\":1,\"smtp\":{\"helo\":\"a\",\"mail_from\":\"<y@a>\",\"rcpt_to\":[\"<z@b>\"]},"
            "\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"y@a\"}") != NULL);
    CHECK(find(log, "\"tx_id\":2,\"smtp\":{\"helo\":\"a\",\"mail_from\":\"<w@a>\"}") != NULL);
    CHECK(find(log, "anomaly smtp DUPLICATE_FIELDS") != NULL);
    if (count(log, "\"event_type\":\"smtp\"") != 3)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, n, 40000, 25), 0);
}

/* RFC 2920: the next mail may be pipelined right after BDAT LAST (no
 * anomaly), while a command queued behind an unanswered STARTTLS is out of
 * sequence (INVALID_PIPELINED_SEQUENCE once), as Suricata judges them. */
static void test_pipelined_sequence(void)
{
    struct test_segment segs[] = {
        SEG(1, "220 mx ESMTP\r\n"),
        SEG(0, "EHLO a\r\n"),
        SEG(1, "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
        SEG(0, "MAIL FROM:<y@a>\r\nRCPT TO:<z@b>\r\nBDAT 4 LAST\r\nhi\r\n"
               "MAIL FROM:<w@a>\r\nRCPT TO:<v@b>\r\n"),
        SEG(1, "250 ok\r\n250 ok\r\n250 done\r\n250 ok\r\n250 ok\r\n"),
    };
    size_t n = sizeof(segs) / sizeof(segs[0]);
    char *log = test_run_tcp(segs, n, 40000, 25, -1, 0, NULL);
    CHECK(find(log, "\"tx_id\":1,\"smtp\":{\"helo\":\"a\",\"mail_from\":\"<w@a>\"") != NULL);
    CHECK_EQ_INT(count(log, "INVALID_PIPELINED_SEQUENCE"), 0);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, n, 40000, 25), 0);
    struct test_segment tls[] = {
        SEG(1, "220 mx ESMTP\r\n"),
        SEG(0, "EHLO a\r\n"),
        SEG(1, "250-mx\r\n250 PIPELINING\r\n"),
        SEG(0, "STARTTLS\r\nMAIL FROM:<y@a>\r\nRCPT TO:<z@b>\r\n"),
        SEG(1, "454 no tls\r\n250 ok\r\n250 ok\r\n"),
    };
    log = test_run_tcp(tls, sizeof(tls) / sizeof(tls[0]), 40000, 25, -1, 0, NULL);
    CHECK_EQ_INT(count(log, "INVALID_PIPELINED_SEQUENCE"), 1);
    free(log);
}

static void test_starttls_and_limits(void)
{
    struct test_segment segs[] = {
        SEG(1, "220 mx ESMTP\r\n"),
        SEG(0, "EHLO a\r\nSTARTTLS\r\n"),
        SEG(1, "250 mx\r\n220 go\r\n"),
        SEG(0, "\x16\x03\x01\x00\x05hello"),
    };
    uint16_t proto = 0;
    char *log = test_run_tcp(segs, 4, 40000, 25, -1, 0, &proto);
    CHECK(find(log, "\"event_type\":\"smtp\"") != NULL);
    CHECK(proto == APP_PROTO_TLS || proto == APP_PROTO_SMTP);
    free(log);

    /* a 10 000-byte command: TRUNCATED_LINE, helo cut at the line limit */
    char *big = malloc(10100);
    memcpy(big, "EHLO ", 5);
    memset(big + 5, 'A', 10000);
    memcpy(big + 10005, "\r\nQUIT\r\n", 8);
    struct test_segment s2[] = {SEG(1, "220 mx ESMTP\r\n"), {0, (const uint8_t *)big, 10013}};
    log = test_run_tcp(s2, 2, 40000, 25, -1, 0, NULL);
    CHECK(find(log, "anomaly smtp TRUNCATED_LINE") != NULL);
    const char *h = find(log, "\"helo\":\"");
    CHECK(h != NULL && strspn(h + 8, "A") == 4091);
    free(log);
    free(big);
}

static void test_mime_direct(void)
{
    /* unit-level: nested multipart, QP soft breaks, long filename */
    struct mime_message m;
    mime_message_init(&m, NULL);
    const char *lines[] = {
        "Subject: x",
        "Content-Type: multipart/mixed; boundary=a",
        "",
        "--a",
        "Content-Type: multipart/alternative; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "visit http://one.example/x and HTTP://Two.Example/",
        "--b--",
        "--a",
        "Content-Disposition: attachment; "
        "filename="
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
        "exe\"",
        "",
        "data",
        "--a--",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        mime_message_line(&m, (const uint8_t *)lines[i], strlen(lines[i]));
    mime_message_end(&m, true);
    CHECK_EQ_INT(m.status, MIME_STATUS_PARSE_DONE);
    CHECK_EQ_STR(mime_message_header(&m, "subject"), "x");
    CHECK_EQ_INT(m.url_count, 2);
    if (m.url_count == 2) {
        CHECK_EQ_STR(m.urls[0], "one.example/x");
        CHECK_EQ_STR(m.urls[1], "two.example/");
    }
    CHECK_EQ_INT(m.attachment_count, 1);
    if (m.attachment_count)
        CHECK_EQ_INT(strlen(m.attachments[0]), MIME_FILENAME_MAX);
    mime_message_free(&m);
}

static void test_garbage(void)
{
    uint8_t junk[3000];
    uint32_t s = 7;
    for (size_t i = 0; i < sizeof(junk); i++) {
        s = s * 1103515245u + 12345u;
        junk[i] = (uint8_t)(s >> 16);
    }
    memcpy(junk, "EHLO x\r\nDATA\r\n", 14);
    struct test_segment segs[] = {
        SEG(1, "220 x ESMTP\r\n"), {0, junk, sizeof(junk)}, {1, junk + 7, 1000}};
    char *log = test_run_tcp(segs, 3, 40000, 25, -1, 0, NULL);
    CHECK(log != NULL && strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
}

/* RFC 4954 AUTH: LOGIN and PLAIN exchanges (a SASL response that looks
 * like a command is still a response), a cancel ("*" answered 501) and a
 * success; the failures answered 535 are counted on the transaction. */
static const struct test_segment auth[] = {
    SEG(1, "220 mx.example.org ESMTP ready\r\n"),
    SEG(0, "EHLO c\r\n"),
    SEG(1, "250-mx.example.org\r\n250 AUTH LOGIN PLAIN\r\n"),
    SEG(0, "AUTH LOGIN\r\n"),
    SEG(1, "334 VXNlcm5hbWU6\r\n"),
    SEG(0, "DATA\r\n"), /* a user name that reads like a command */
    SEG(1, "334 UGFzc3dvcmQ6\r\n"),
    SEG(0, "d3Jvbmc=\r\n"),
    SEG(1, "535 5.7.8 Authentication credentials invalid\r\n"),
    SEG(0, "AUTH PLAIN\r\n"),
    SEG(1, "334 \r\n"),
    SEG(0, "*\r\n"),
    SEG(1, "501 5.7.0 cancelled\r\n"),
    SEG(0, "AUTH PLAIN AGFkbWluAHdyb25nMg==\r\n"),
    SEG(1, "535 5.7.8 Authentication credentials invalid\r\n"),
    SEG(0, "AUTH PLAIN AGFkbWluAHJpZ2h0\r\n"),
    SEG(1, "235 2.7.0 Authentication successful\r\n"),
    SEG(0, "MAIL FROM:<a@example.org>\r\n"),
    SEG(1, "250 ok\r\n"),
    SEG(0, "QUIT\r\n"),
    SEG(1, "221 bye\r\n"),
};

/* AUTH with an initial response pipelined with the envelope and DATA (the
 * client does not wait: RFC 4954 allows PIPELINING after it): the lines
 * after AUTH are commands, since the server never said 334. */
static const struct test_segment auth_pipelined[] = {
    SEG(1, "220 mx.example.org ESMTP ready\r\n"),
    SEG(0, "EHLO c\r\n"),
    SEG(1, "250-mx.example.org\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n"),
    SEG(0, "AUTH PLAIN AGFkbWluAHJpZ2h0\r\nMAIL FROM:<p@example.org>\r\n"
           "RCPT TO:<q@example.net>\r\nDATA\r\n"),
    SEG(1, "235 2.7.0 ok\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n"),
    SEG(0, "Subject: pipelined\r\n\r\nbody\r\n.\r\n"),
    SEG(1, "250 queued\r\n"),
    SEG(0, "QUIT\r\n"),
    SEG(1, "221 bye\r\n"),
};

static int auth_failures_tx(struct app_tx *tx, void *user)
{
    *(uint32_t *)user += app_smtp_tx_auth_failures(tx);
    return 0;
}

static void test_auth(void)
{
    struct test_tcp_session s;
    test_tcp_open(&s, 40000, 587);
    size_t n = sizeof(auth) / sizeof(auth[0]);
    test_tcp_feed(&s, auth, n - 2);
    uint32_t failures = 0;
    app_flow_state_tx_foreach(s.st, auth_failures_tx, &failures);
    CHECK_EQ_INT(failures, 2);
    CHECK_EQ_INT(test_tcp_close(&s), 0);
    /* the exchange raised no reply-matching anomaly and the mail is logged */
    const char *log = s.cap.log;
    CHECK(log == NULL || strstr(log, "UNABLE_TO_MATCH") == NULL);
    CHECK(log == NULL || strstr(log, "DATA_COMMAND_REJECTED") == NULL);
    CHECK(log != NULL && strstr(log, "\"mail_from\":\"<a@example.org>\"") != NULL);
    test_capture_reset(&s.cap);
    CHECK_EQ_INT(test_tcp_split_invariance(auth, n, 40000, 587), 0);
    size_t np = sizeof(auth_pipelined) / sizeof(auth_pipelined[0]);
    char *plog = test_run_tcp(auth_pipelined, np, 40000, 587, -1, 0, NULL);
    CHECK(find(plog, "\"mail_from\":\"<p@example.org>\"") != NULL);
    CHECK(find(plog, "\"status\":\"PARSE_DONE\"") != NULL);
    CHECK_EQ_INT(count(plog, "anomaly"), 0);
    free(plog);
}

int main(void)
{
    (void)app_parser_smtp;
    test_mail();
    test_buffers();
    test_bdat_rset_ehlo();
    test_pipelined_sequence();
    test_starttls_and_limits();
    test_mime_direct();
    test_garbage();
    test_auth();
    TEST_MAIN_END();
}
