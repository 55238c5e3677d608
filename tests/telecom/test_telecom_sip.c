/* SPDX-License-Identifier: Apache-2.0 */
/* SIP over UDP and TCP (app_sip.c): requests and responses, Suricata's EVE
 * shape, SDP bodies, compact header forms and the last of repeated headers,
 * folded headers, messages in the wrong direction, bad Content-Length,
 * several messages per segment and every split, gap resync, rule buffers,
 * and SSDP (HTTP over UDP) not taken for SIP. */
#include "ics/grid_test_util.h"
#include "test.h"

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "f: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "t: <sip:carol@biloxi.example.com>\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "User-Agent: Test Phone\r\n"
    "  2.1\r\n"
    "c: application/sdp\r\n"
    "Content-Length: 213\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
    "s=Call\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "r=7d 1h 0 25h\r\n"
    "a=sendrecv\r\n"
    "m=audio 49172 RTP/AVP 0\r\n"
    "i=voice\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "m=video 51372 RTP/AVP 31\r\n"
    "c=IN IP4 192.0.2.102\r\n";

static const char ringing[] = "SIP/2.0 180 Ringing\r\n"
                              "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
                              "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
                              "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
                              "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
                              "CSeq: 314159 INVITE\r\n"
                              "Content-Length: 0\r\n"
                              "\r\n";

static const char bye_from_callee[] = "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n"
                                      "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n"
                                      "Content-Length: 0\r\n"
                                      "\r\n";

static void test_udp_call(void)
{
    struct test_segment segs[] = {
        {0, (const uint8_t *)invite, sizeof(invite) - 1},
        {1, (const uint8_t *)ringing, sizeof(ringing) - 1},
        {1, (const uint8_t *)bye_from_callee, sizeof(bye_from_callee) - 1},
    };
    uint16_t proto;
    char *log = ics_run_udp(segs, 3, 5062, 5060, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_SIP);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"sip\""), 2);
    CHECK(strstr(log, "\"direction\":0,\"sip\":{\"method\":\"INVITE\",\"uri\":\"sip:bob@biloxi."
                      "example.com\",\"version\":\"SIP/2.0\",\"request_line\":\"INVITE "
                      "sip:bob@biloxi.example.com SIP/2.0\",\"sdp\":{\"version\":0,\"origin\":"
                      "\"alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\","
                      "\"session_name\":\"Call\",\"connection_data\":\"IN IP4 192.0.2.101\","
                      "\"time_descriptions\":[{\"time\":\"0 0\",\"repeat_time\":\"7d 1h 0 25h\"}],"
                      "\"attributes\":[\"sendrecv\"],\"media_descriptions\":[{\"media\":\"audio "
                      "49172 RTP/AVP 0\",\"media_info\":\"voice\",\"attributes\":[\"rtpmap:0 "
                      "PCMU/8000\"]},{\"media\":\"video 51372 RTP/AVP 31\",\"connection_data\":"
                      "\"IN IP4 192.0.2.102\"}]}}}") != NULL);
    CHECK(strstr(log, "\"direction\":1,\"sip\":{\"version\":\"SIP/2.0\",\"code\":\"180\","
                      "\"reason\":\"Ringing\",\"response_line\":\"SIP/2.0 180 Ringing\"}}") != NULL);
    /* a request travelling to the client is not a response: invalid, not logged */
    CHECK(strstr(log, "BYE") == NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly sip invalid_data"), 1);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);

    char *f = ics_run_fields(segs, 3, 17, 5062, 5060);
    /* compact f:/t:/c:, the last of the two To headers, the folded User-Agent */
    CHECK(strstr(f, "sip.method=INVITE;sip.uri=sip:bob@biloxi.example.com;sip.request_line=INVITE "
                    "sip:bob@biloxi.example.com SIP/2.0;sip.protocol=SIP/2.0;sip.from=Alice "
                    "<sip:alice@atlanta.example.com>;tag=1928301774;sip.to=Bob "
                    "<sip:bob@biloxi.example.com>;sip.via=SIP/2.0/UDP pc33.atlanta.example.com;"
                    "branch=z9hG4bK776asdhds;sip.user_agent=Test Phone\r\n  2.1;"
                    "sip.content_type=application/sdp;sip.content_length=213;") != NULL);
    CHECK(strstr(f, "sdp.origin=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com;"
                    "sdp.session_name=Call;sdp.connection_data=IN IP4 192.0.2.101;sdp.time=0 0;"
                    "sdp.repeat_time=7d 1h 0 25h;sdp.attribute=sendrecv;sdp.media.media=audio "
                    "49172 RTP/AVP 0;sdp.media.media=video 51372 RTP/AVP 31;"
                    "sdp.media.media_info=voice;sdp.media.connection_data=IN IP4 192.0.2.102;") !=
          NULL);
    CHECK(strstr(f, "sip.stat_code=180;sip.stat_msg=Ringing;sip.response_line=SIP/2.0 180 "
                    "Ringing;sip.protocol=SIP/2.0;") != NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", f);
    free(f);
}

static void test_udp_anomalies(void)
{
    static const char bad_cl[] = "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
                                 "Content-Length: ten\r\n\r\n";
    static const char short_body[] = "MESSAGE sip:user2@domain.example SIP/2.0\r\n"
                                     "Content-Type: text/plain\r\n"
                                     "Content-Length: 50\r\n\r\n"
                                     "Watson, come here.";
    struct test_segment segs[] = {
        {0, (const uint8_t *)bad_cl, sizeof(bad_cl) - 1},
        {0, (const uint8_t *)short_body, sizeof(short_body) - 1},
    };
    char *log = ics_run_udp(segs, 2, 5060, 5060, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"sip\""), 2);
    CHECK_EQ_INT(ics_count(log, "anomaly sip invalid_data"), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly sip incomplete_data"), 1);
    CHECK(strstr(log, "\"method\":\"MESSAGE\"") != NULL);
    free(log);

    /* SSDP looks like a SIP request but is HTTP over UDP */
    static const char ssdp[] = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                               "NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n";
    struct test_segment s2[] = {{0, (const uint8_t *)ssdp, sizeof(ssdp) - 1}};
    uint16_t proto = 0;
    log = ics_run_udp(s2, 1, 40000, 1900, &proto);
    CHECK(proto != APP_PROTO_SIP);
    CHECK(strstr(log, "\"sip\"") == NULL);
    free(log);
}

static void test_tcp(void)
{
    /* two requests in one segment, the second with a body; a response
     * preceded by a CRLF keep-alive; then garbage, then a request */
    static const char c1[] = "REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n"
                             "Via: SIP/2.0/TCP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n"
                             "To: Bob <sip:bob@biloxi.example.com>\r\n"
                             "Content-Length: 0\r\n\r\n"
                             "MESSAGE sip:user2@domain.example SIP/2.0\r\n"
                             "l: 18\r\n"
                             "c: text/plain\r\n\r\n"
                             "Watson, come here.";
    static const char s1[] = "\r\n\r\nSIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"
                             "SIP/2.0 202 Accepted\r\nContent-Length: 4\r\n\r\nabcd";
    static const char c2[] = "\x01\x02garbage line\r\nmore junk\r\n"
                             "BYE sip:user2@domain.example SIP/2.0\r\nContent-Length: 0\r\n\r\n";
    struct test_segment segs[] = {
        {0, (const uint8_t *)c1, sizeof(c1) - 1},
        {1, (const uint8_t *)s1, sizeof(s1) - 1},
        {0, (const uint8_t *)c2, sizeof(c2) - 1},
    };
    uint16_t proto;
    char *log = test_run_tcp(segs, 3, 45000, 5060, -1, 0, &proto);
    CHECK_EQ_INT(proto, APP_PROTO_SIP);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"sip\""), 5);
    CHECK(strstr(log, "\"method\":\"REGISTER\"") != NULL);
    CHECK(strstr(log, "\"method\":\"MESSAGE\"") != NULL);
    CHECK(strstr(log, "\"code\":\"200\"") != NULL);
    CHECK(strstr(log, "\"code\":\"202\"") != NULL);
    CHECK(strstr(log, "\"method\":\"BYE\"") != NULL);
    CHECK_EQ_INT(ics_count(log, "anomaly sip invalid_data"), 1);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    if (test_failures)
        fprintf(stderr, "%s\n", log);
    free(log);
    CHECK_EQ_INT(test_tcp_split_invariance(segs, 3, 45000, 5060), 0);

    char *f = ics_run_fields(segs, 3, 6, 45000, 5060);
    CHECK(strstr(f, "sip.method=MESSAGE;sip.uri=sip:user2@domain.example;") != NULL);
    CHECK(strstr(f, "sip.content_type=text/plain;sip.content_length=18;") != NULL);
    free(f);
}

/* A message cut by the end of the connection is logged as far as it came,
 * with incomplete_data; a message whose body is larger than what is kept is
 * logged and the rest of its body skipped, not parsed as messages. */
static void test_tcp_truncated(void)
{
    static const char c1[] = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
                             "Content-Length: 100\r\n\r\nv=0\r\n";
    struct test_segment segs[] = {{0, (const uint8_t *)c1, sizeof(c1) - 1}};
    char *log = test_run_tcp(segs, 1, 45000, 5060, -1, 0, NULL);
    CHECK_EQ_INT(ics_count(log, "\"method\":\"INVITE\""), 1);
    CHECK_EQ_INT(ics_count(log, "anomaly sip incomplete_data"), 1);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);

    /* 2 MiB body containing what looks like a request line */
    static const char head[] = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2097152\r\n\r\n";
    size_t body = 2097152;
    uint8_t *big = malloc(sizeof(head) - 1 + body);
    memcpy(big, head, sizeof(head) - 1);
    memset(big + sizeof(head) - 1, 'x', body);
    static const char fake[] = "\r\nBYE sip:a@b SIP/2.0\r\n\r\n";
    memcpy(big + sizeof(head) - 1 + body - 1000, fake, sizeof(fake) - 1);
    static const char after[] = "ACK sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
    struct test_segment s2[] = {{0, big, (uint32_t)(sizeof(head) - 1 + body)},
                                {0, (const uint8_t *)after, sizeof(after) - 1}};
    log = test_run_tcp(s2, 2, 45000, 5060, -1, 0, NULL);
    CHECK_EQ_INT(ics_count(log, "\"event_type\":\"sip\""), 2);
    CHECK(strstr(log, "\"method\":\"BYE\"") == NULL);
    CHECK(strstr(log, "\"method\":\"ACK\"") != NULL);
    CHECK(strstr(log, "MEMUSE-LEAK") == NULL);
    free(log);
    free(big);
}

int main(void)
{
    test_udp_call();
    test_udp_anomalies();
    test_tcp();
    test_tcp_truncated();
    TEST_MAIN_END();
}
