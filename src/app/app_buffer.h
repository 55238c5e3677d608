/* SPDX-License-Identifier: Apache-2.0 */
/* Detection buffers that application-layer transactions provide, by
 * Suricata's sticky-buffer name. Detection maps rule keywords to these ids
 * with app_buffer_from_name(); parsers fill them in app_tx_get_buffer(). */
#ifndef VIGIL_APP_BUFFER_H
#define VIGIL_APP_BUFFER_H

#include <stdbool.h>
#include <stdint.h>

#define APP_BUFFER_LIST(X)                                                                         \
    X(HTTP_URI, "http.uri") X(HTTP_URI_RAW, "http.uri.raw") X(HTTP_METHOD, "http.method")         \
    X(HTTP_PROTOCOL, "http.protocol") X(HTTP_HOST, "http.host") X(HTTP_HOST_RAW, "http.host.raw") \
    X(HTTP_USER_AGENT, "http.user_agent") X(HTTP_HEADER, "http.header")                           \
    X(HTTP_HEADER_RAW, "http.header.raw") X(HTTP_HEADER_NAMES, "http.header_names")               \
    X(HTTP_COOKIE, "http.cookie") X(HTTP_REFERER, "http.referer")                                 \
    X(HTTP_CONTENT_TYPE, "http.content_type") X(HTTP_CONTENT_LEN, "http.content_len")             \
    X(HTTP_ACCEPT, "http.accept") X(HTTP_ACCEPT_ENC, "http.accept_enc")                           \
    X(HTTP_ACCEPT_LANG, "http.accept_lang") X(HTTP_CONNECTION, "http.connection")                 \
    X(HTTP_REQUEST_LINE, "http.request_line") X(HTTP_START, "http.start")                         \
    X(HTTP_REQUEST_BODY, "http.request_body") X(HTTP_RESPONSE_BODY, "http.response_body")         \
    X(HTTP_STAT_CODE, "http.stat_code") X(HTTP_STAT_MSG, "http.stat_msg")                         \
    X(HTTP_RESPONSE_LINE, "http.response_line") X(HTTP_SERVER, "http.server")                     \
    X(HTTP_LOCATION, "http.location") X(HTTP_RESPONSE_HEADER, "http.response_header")             \
    X(HTTP_REQUEST_HEADER, "http.request_header")                                                \
    X(HTTP2_HEADER, "http2.header") X(HTTP2_HEADER_NAME, "http2.header_name")                     \
    X(HTTP_RESPONSE_HEADER_RAW, "http.response_header.raw") X(FILE_DATA, "file.data")             \
    X(FILE_NAME, "file.name")                                                                     \
    X(DNS_QUERY, "dns.query") X(DNS_ANSWER_NAME, "dns.answer.name")                               \
    X(DNS_QUERIES_RRNAME, "dns.queries.rrname") X(DNS_OPCODE, "dns.opcode")                       \
    X(DNS_RCODE, "dns.rcode") X(DNS_ANSWERS_RRNAME, "dns.answers.rrname")                       \
    X(DNS_AUTHORITIES_RRNAME, "dns.authorities.rrname")                                           \
    X(DNS_ADDITIONALS_RRNAME, "dns.additionals.rrname")                                           \
    X(DNS_RESPONSE_RRNAME, "dns.response.rrname")                                                 \
    X(TLS_SNI, "tls.sni") X(TLS_VERSION, "tls.version") X(TLS_CERT_SUBJECT, "tls.cert_subject")   \
    X(TLS_CERT_ISSUER, "tls.cert_issuer") X(TLS_CERT_SERIAL, "tls.cert_serial")                   \
    X(TLS_CERT_FINGERPRINT, "tls.cert_fingerprint") X(TLS_CERTS, "tls.certs")                     \
    X(TLS_ALPN, "tls.alpn") X(TLS_SUBJECTALTNAME, "tls.subjectaltname")                          \
    X(JA3_HASH, "ja3.hash") X(JA3_STRING, "ja3.string")                                           \
    X(JA3S_HASH, "ja3s.hash") X(JA3S_STRING, "ja3s.string") X(JA4_HASH, "ja4.hash")               \
    X(SSH_PROTO, "ssh.proto") X(SSH_SOFTWARE, "ssh.software") X(SSH_HASSH, "ssh.hassh")           \
    X(SSH_HASSH_STRING, "ssh.hassh.string") X(SSH_HASSH_SERVER, "ssh.hassh.server")               \
    X(SSH_HASSH_SERVER_STRING, "ssh.hassh.server.string")                                         \
    X(SMTP_HELO, "smtp.helo") X(SMTP_MAIL_FROM, "smtp.mail_from") X(SMTP_RCPT_TO, "smtp.rcpt_to") \
    X(FTP_COMMAND, "ftp.command") X(FTP_COMMAND_DATA, "ftp.command_data")                         \
    X(DCERPC_STUB_DATA, "dcerpc.stub_data") X(DCERPC_IFACE_DATA, "dcerpc.iface.data")             \
    X(SMB_NAMED_PIPE, "smb.named_pipe") X(SMB_SHARE, "smb.share")                                 \
    X(SMB_NTLMSSP_USER, "smb.ntlmssp_user") X(SMB_NTLMSSP_DOMAIN, "smb.ntlmssp_domain")           \
    X(PGSQL_QUERY, "pgsql.query") X(KRB5_CNAME, "krb5.cname") X(KRB5_SNAME, "krb5.sname")                                       \
    X(MQTT_CONNECT_CLIENTID, "mqtt.connect.clientid")                                             \
    X(MQTT_CONNECT_USERNAME, "mqtt.connect.username")                                             \
    X(MQTT_CONNECT_PASSWORD, "mqtt.connect.password")                                             \
    X(MQTT_CONNECT_PROTOCOL_STRING, "mqtt.connect.protocol_string")                               \
    X(MQTT_CONNECT_WILLTOPIC, "mqtt.connect.willtopic")                                           \
    X(MQTT_CONNECT_WILLMESSAGE, "mqtt.connect.willmessage")                                       \
    X(MQTT_PUBLISH_TOPIC, "mqtt.publish.topic") X(MQTT_PUBLISH_MESSAGE, "mqtt.publish.message")   \
    X(MQTT_SUBSCRIBE_TOPIC, "mqtt.subscribe.topic")                                               \
    X(MQTT_UNSUBSCRIBE_TOPIC, "mqtt.unsubscribe.topic") X(DNP3_DATA, "dnp3_data")                 \
    X(ENIP_PRODUCT_NAME, "enip.product_name") X(ENIP_SERVICE_NAME, "enip.service_name")          \
    X(S7COMM_PI_SERVICE, "s7comm.pi_service") X(S7COMM_BLOCK, "s7comm.block")                   \
    X(MMS_DOMAIN, "mms.domain") X(MMS_ITEM, "mms.item")                                         \
    X(GOOSE_GOCBREF, "goose.gocbref") X(GOOSE_DATSET, "goose.datset") X(GOOSE_GOID, "goose.goid") \
    X(SV_SVID, "sv.svid") X(OPCUA_SECURITY_POLICY, "opcua.security_policy")                     \
    X(OPCUA_ENDPOINT_URL, "opcua.endpoint_url") X(PROFINET_NAME_OF_STATION, "profinet.name_of_station")       \
    X(SIP_METHOD, "sip.method") X(SIP_URI, "sip.uri") X(SIP_REQUEST_LINE, "sip.request_line")     \
    X(SIP_STAT_CODE, "sip.stat_code") X(SIP_STAT_MSG, "sip.stat_msg")                             \
    X(SIP_RESPONSE_LINE, "sip.response_line") X(SIP_PROTOCOL, "sip.protocol")                     \
    X(SIP_FROM, "sip.from") X(SIP_TO, "sip.to") X(SIP_VIA, "sip.via")                             \
    X(SIP_USER_AGENT, "sip.user_agent") X(SIP_CONTENT_TYPE, "sip.content_type")                   \
    X(SIP_CONTENT_LENGTH, "sip.content_length") X(SDP_ORIGIN, "sdp.origin")                       \
    X(SDP_SESSION_NAME, "sdp.session_name") X(SDP_SESSION_INFO, "sdp.session_info")               \
    X(SDP_URI, "sdp.uri") X(SDP_EMAIL, "sdp.email") X(SDP_PHONE_NUMBER, "sdp.phone_number")       \
    X(SDP_CONNECTION_DATA, "sdp.connection_data") X(SDP_BANDWIDTH, "sdp.bandwidth")               \
    X(SDP_TIME, "sdp.time") X(SDP_REPEAT_TIME, "sdp.repeat_time") X(SDP_TIMEZONE, "sdp.timezone") \
    X(SDP_ENCRYPTION_KEY, "sdp.encryption_key") X(SDP_ATTRIBUTE, "sdp.attribute")                 \
    X(SDP_MEDIA_MEDIA, "sdp.media.media") X(SDP_MEDIA_MEDIA_INFO, "sdp.media.media_info")         \
    X(SDP_MEDIA_CONNECTION_DATA, "sdp.media.connection_data")                                     \
    X(SDP_MEDIA_ENCRYPTION_KEY, "sdp.media.encryption_key")                                       \
    X(LDAP_REQUEST_DN, "ldap.request.dn") X(LDAP_RESPONSES_DN, "ldap.responses.dn")               \
    X(LDAP_RESPONSES_MESSAGE, "ldap.responses.message")                                           \
    X(LDAP_REQUEST_ATTRIBUTE_TYPE, "ldap.request.attribute_type")                                 \
    X(LDAP_RESPONSES_ATTRIBUTE_TYPE, "ldap.responses.attribute_type")                             \
    X(RFB_NAME, "rfb.name") X(SNMP_COMMUNITY, "snmp.community") X(SNMP_USM, "snmp.usm")          \
    X(SNMP_TRAP_OID, "snmp.trap_oid") X(SNMP_TRAP_ADDRESS, "snmp.trap_address")                   \
    X(FIX_MSGTYPE, "fix.msgtype") X(FIX_SENDER, "fix.sender") X(FIX_TARGET, "fix.target")         \
    X(FIX_BEGIN_STRING, "fix.begin_string") X(FIX_TAG, "fix.tag")                                 \
    X(DIAMETER_SESSION_ID, "diameter.session_id") X(DIAMETER_ORIGIN_HOST, "diameter.origin_host") \
    X(DIAMETER_ORIGIN_REALM, "diameter.origin_realm")                                             \
    X(DIAMETER_DESTINATION_HOST, "diameter.destination_host")                                     \
    X(DIAMETER_DESTINATION_REALM, "diameter.destination_realm")                                   \
    X(DIAMETER_USER_NAME, "diameter.user_name")                                                   \
    X(GTP_IMSI, "gtp.imsi") X(GTP_MSISDN, "gtp.msisdn") X(GTP_APN, "gtp.apn")                         \
    X(QUIC_VERSION, "quic.version") X(QUIC_SNI, "quic.sni") X(QUIC_UA, "quic.ua")                 \
    X(QUIC_CYU_HASH, "quic.cyu.hash") X(QUIC_CYU_STRING, "quic.cyu.string")                           \
    X(ISO8583_MTI, "iso8583.mti") X(ISO8583_PAN, "iso8583.pan")                                   \
    X(ISO8583_PROCESSING_CODE, "iso8583.processing_code")                                         \
    X(ISO8583_RESPONSE_CODE, "iso8583.response_code")                                             \
    X(ISO8583_TERMINAL_ID, "iso8583.terminal_id") X(ISO8583_MERCHANT_ID, "iso8583.merchant_id")   \
    X(ISO8583_FIELD, "iso8583.field")

enum app_buffer {
#define APP_BUFFER_ENUM(id, name) APP_BUFFER_##id,
    APP_BUFFER_LIST(APP_BUFFER_ENUM)
#undef APP_BUFFER_ENUM
    APP_BUFFER_MAX
};

/* Suricata's name of a buffer ("http.uri"). */
const char *app_buffer_name(enum app_buffer buffer);
/* -1 if the name is not an application-layer buffer. */
int app_buffer_from_name(const char *name);

/* Buffers that exist in both directions of a transaction (http.header,
 * http.header.raw, http.header_names, http.start, http.content_type,
 * http.content_len, http.cookie, http.connection, file.data, ...): OR one of
 * these bits into the index passed to app_tx_get_buffer to get only that
 * direction's instances. With neither, the request instances come first,
 * then the response ones (index 0 = request, 1 = response for single ones). */
#define APP_BUFFER_INDEX_TOCLIENT 0x80000000u
#define APP_BUFFER_INDEX_TOSERVER 0x40000000u

/* The HTTP buffers (HTTP/1 and HTTP/2) that exist in both directions of a
 * transaction: http.header, http.header.raw, http.header_names, http.start,
 * http.protocol, http.cookie, http.content_type, http.content_len,
 * http.connection, file.data, file.name, http2.header, http2.header_name. */
bool app_buffer_http_two_sided(enum app_buffer buffer);

/* The index convention above for a parser whose transactions answer each
 * side on its own (get_dir: 0 to server, 1 to client; 0 or -ENOENT):
 * resolves the direction bits, and for a two-sided buffer without them,
 * the request instances first, then the response ones. */
struct app_tx;
int app_buffer_get_sided(const struct app_tx *tx, enum app_buffer buffer, uint32_t index,
                         bool two_sided,
                         int (*get_dir)(const struct app_tx *tx, enum app_buffer buffer, int dir,
                                        uint32_t index, const uint8_t **data, uint32_t *len),
                         const uint8_t **data, uint32_t *len);

/* dcerpc.iface.data is no rule buffer: each instance describes one interface
 * the transaction's request may be matched against by dcerpc.iface (the
 * binding of its presentation context): APP_DCERPC_IFACE_LEN bytes, the UUID
 * in its text order (16), the major and minor version (uint16 little endian
 * each), then flags: bit 0 the request's first fragment was seen. */
#define APP_DCERPC_IFACE_LEN 21
#define APP_DCERPC_IFACE_FIRST_FRAG 0x01

#endif
