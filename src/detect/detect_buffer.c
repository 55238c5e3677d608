/* SPDX-License-Identifier: Apache-2.0 */
/* The buffer table. Order defines the ids; ids 0 and 1 are fixed (see
 * detect_buffer.h). Adding a protocol's buffers means adding rows here and
 * filling them in the application layer. */
#include "detect/detect_buffer.h"

#include <string.h>

#include "detect/rule.h"

#define TS DETECT_BUFFER_DIR_TOSERVER
#define TC DETECT_BUFFER_DIR_TOCLIENT
#define BOTH DETECT_BUFFER_DIR_BOTH

static const struct detect_buffer_info buffers[] = {
    {"pkt_data", NULL, NULL, 0, RULE_APP_NONE, BOTH, 1, false},
    {"base64_data", NULL, NULL, 0, RULE_APP_NONE, BOTH, 1, false},
    {"ip.src", NULL, NULL, 0, RULE_APP_NONE, BOTH, 1, false},
    {"ip.dst", NULL, NULL, 0, RULE_APP_NONE, BOTH, 1, false},
    /* HTTP: sticky buffer, legacy sticky, legacy modifier, pcre flag */
    {"http.uri", NULL, "http_uri", 'U', RULE_APP_HTTP, TS, 2, false},
    {"http.uri.raw", NULL, "http_raw_uri", 'I', RULE_APP_HTTP, TS, 2, false},
    {"http.method", NULL, "http_method", 'M', RULE_APP_HTTP, TS, 2, false},
    {"http.request_line", "http_request_line", NULL, 0, RULE_APP_HTTP, TS, 2, false},
    {"http.request_body", NULL, "http_client_body", 'P', RULE_APP_HTTP, TS, 2, false},
    {"http.header", NULL, "http_header", 'H', RULE_APP_HTTP, BOTH, 2, false},
    {"http.header.raw", NULL, "http_raw_header", 'D', RULE_APP_HTTP, BOTH, 2, false},
    {"http.cookie", NULL, "http_cookie", 'C', RULE_APP_HTTP, BOTH, 2, false},
    {"http.user_agent", NULL, "http_user_agent", 'V', RULE_APP_HTTP, TS, 2, false},
    {"http.host", NULL, "http_host", 'W', RULE_APP_HTTP, TS, 2, false},
    {"http.host.raw", NULL, "http_raw_host", 'Z', RULE_APP_HTTP, TS, 2, false},
    {"http.stat_code", NULL, "http_stat_code", 'S', RULE_APP_HTTP, TC, 2, false},
    {"http.stat_msg", NULL, "http_stat_msg", 'Y', RULE_APP_HTTP, TC, 2, false},
    {"http.response_line", "http_response_line", NULL, 0, RULE_APP_HTTP, TC, 2, false},
    {"http.response_body", NULL, "http_server_body", 0, RULE_APP_HTTP, TC, 2, false},
    {"http.protocol", "http_protocol", NULL, 0, RULE_APP_HTTP, BOTH, 2, false},
    {"http.start", "http_start", NULL, 0, RULE_APP_HTTP, BOTH, 2, false},
    {"http.header_names", "http_header_names", NULL, 0, RULE_APP_HTTP, BOTH, 2, false},
    {"http.accept", "http_accept", NULL, 0, RULE_APP_HTTP, TS, 2, false},
    {"http.accept_enc", "http_accept_enc", NULL, 0, RULE_APP_HTTP, TS, 2, false},
    {"http.accept_lang", "http_accept_lang", NULL, 0, RULE_APP_HTTP, TS, 2, false},
    {"http.referer", "http_referer", NULL, 0, RULE_APP_HTTP, TS, 2, false},
    {"http.connection", "http_connection", NULL, 0, RULE_APP_HTTP, BOTH, 2, false},
    {"http.content_type", "http_content_type", NULL, 0, RULE_APP_HTTP, BOTH, 2, false},
    {"http.content_len", "http_content_len", NULL, 0, RULE_APP_HTTP, BOTH, 2, false},
    {"http.server", "http_server", NULL, 0, RULE_APP_HTTP, TC, 2, false},
    {"http.location", "http_location", NULL, 0, RULE_APP_HTTP, TC, 2, false},
    {"http.request_header", NULL, NULL, 0, RULE_APP_HTTP, TS, 2, true},
    {"http.response_header", NULL, NULL, 0, RULE_APP_HTTP, TC, 2, true},
    /* HTTP/2 (app_http2.c): one instance per header, both directions */
    {"http2.header", NULL, NULL, 0, RULE_APP_HTTP2, BOTH, 2, true},
    {"http2.header_name", NULL, NULL, 0, RULE_APP_HTTP2, BOTH, 2, true},
    /* files (HTTP bodies, SMTP attachments, ...) */
    {"file.data", "file_data", NULL, 'Q', RULE_APP_NONE, BOTH, 2, false},
    {"file.name", NULL, NULL, 0, RULE_APP_NONE, BOTH, 2, false},
    {"file.magic", NULL, NULL, 0, RULE_APP_NONE, BOTH, 2, false},
    /* DNS */
    {"dns.query", "dns_query", NULL, 0, RULE_APP_DNS, TS, 2, false},
    {"dns.queries.rrname", NULL, NULL, 0, RULE_APP_DNS, BOTH, 2, true},
    {"dns.answers.rrname", NULL, NULL, 0, RULE_APP_DNS, TC, 2, true},
    {"dns.answer.name", NULL, NULL, 0, RULE_APP_DNS, TC, 2, true},
    /* TLS */
    {"tls.sni", "tls_sni", NULL, 0, RULE_APP_TLS, TS, 2, false},
    {"tls.cert_subject", "tls_cert_subject", NULL, 0, RULE_APP_TLS, TC, 2, false},
    {"tls.cert_issuer", "tls_cert_issuer", NULL, 0, RULE_APP_TLS, TC, 2, false},
    {"tls.cert_serial", "tls_cert_serial", NULL, 0, RULE_APP_TLS, TC, 2, false},
    {"tls.cert_fingerprint", "tls_cert_fingerprint", NULL, 0, RULE_APP_TLS, TC, 2, false},
    {"tls.certs", NULL, NULL, 0, RULE_APP_TLS, TC, 2, true},
    {"tls.subjectaltname", NULL, NULL, 0, RULE_APP_TLS, TC, 2, true},
    {"tls.random", NULL, NULL, 0, RULE_APP_TLS, BOTH, 2, false},
    {"tls.alpn", NULL, NULL, 0, RULE_APP_TLS, BOTH, 2, true},
    {"ja3.hash", "ja3_hash", NULL, 0, RULE_APP_TLS, TS, 2, false},
    {"ja3.string", "ja3_string", NULL, 0, RULE_APP_TLS, TS, 2, false},
    {"ja3s.hash", "ja3s_hash", NULL, 0, RULE_APP_TLS, TC, 2, false},
    {"ja3s.string", "ja3s_string", NULL, 0, RULE_APP_TLS, TC, 2, false},
    {"ja4.hash", NULL, NULL, 0, RULE_APP_TLS, TS, 2, false},
    /* SSH */
    {"ssh.proto", "ssh_proto", NULL, 0, RULE_APP_SSH, BOTH, 2, false},
    {"ssh.software", "ssh_software", NULL, 0, RULE_APP_SSH, BOTH, 2, false},
    {"ssh.hassh", NULL, NULL, 0, RULE_APP_SSH, TS, 2, false},
    {"ssh.hassh.string", NULL, NULL, 0, RULE_APP_SSH, TS, 2, false},
    {"ssh.hassh.server", NULL, NULL, 0, RULE_APP_SSH, TC, 2, false},
    {"ssh.hassh.server.string", NULL, NULL, 0, RULE_APP_SSH, TC, 2, false},
    /* SMTP */
    {"smtp.helo", NULL, NULL, 0, RULE_APP_SMTP, TS, 2, false},
    {"smtp.mail_from", NULL, NULL, 0, RULE_APP_SMTP, TS, 2, false},
    {"smtp.rcpt_to", NULL, NULL, 0, RULE_APP_SMTP, TS, 2, true},
    /* FTP */
    {"ftp.command", NULL, NULL, 0, RULE_APP_FTP, TS, 2, false},
    {"ftp.command_data", NULL, NULL, 0, RULE_APP_FTP, TS, 2, false},
    {"ftp.reply", NULL, NULL, 0, RULE_APP_FTP, TC, 2, true},
    /* DCE/RPC (over TCP, UDP and SMB), SMB, Kerberos */
    {"dcerpc.stub_data", "dce_stub_data", NULL, 0, RULE_APP_DCERPC, BOTH, 2, false},
    {"smb.named_pipe", "smb_named_pipe", NULL, 0, RULE_APP_SMB, TS, 2, false},
    {"smb.share", "smb_share", NULL, 0, RULE_APP_SMB, TS, 2, false},
    {"smb.ntlmssp_user", NULL, NULL, 0, RULE_APP_SMB, TS, 2, false},
    {"smb.ntlmssp_domain", NULL, NULL, 0, RULE_APP_SMB, TS, 2, false},
    {"krb5.cname", "krb5_cname", NULL, 0, RULE_APP_KRB5, TC, 2, true},
    {"pgsql.query", NULL, NULL, 0, RULE_APP_PGSQL, TS, 2, false},
    {"krb5.sname", "krb5_sname", NULL, 0, RULE_APP_KRB5, TC, 2, true},
    /* MQTT */
    {"mqtt.connect.clientid", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, false},
    {"mqtt.connect.username", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, false},
    {"mqtt.connect.password", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, false},
    {"mqtt.connect.protocol_string", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, false},
    {"mqtt.connect.willtopic", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, false},
    {"mqtt.connect.willmessage", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, false},
    {"mqtt.publish.topic", NULL, NULL, 0, RULE_APP_MQTT, BOTH, 2, false},
    {"mqtt.publish.message", NULL, NULL, 0, RULE_APP_MQTT, BOTH, 2, false},
    {"mqtt.subscribe.topic", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, true},
    {"mqtt.unsubscribe.topic", NULL, NULL, 0, RULE_APP_MQTT, TS, 2, true},
    /* DNP3: the application fragment, CRCs removed */
    {"dnp3_data", "dnp3.data", NULL, 0, RULE_APP_DNP3, BOTH, 2, false},
    /* EtherNet/IP */
    {"enip.product_name", NULL, NULL, 0, RULE_APP_ENIP, TC, 2, false},
    {"enip.service_name", NULL, NULL, 0, RULE_APP_ENIP, TC, 2, false},
    /* grid and industrial protocols */
    {"s7comm.pi_service", NULL, NULL, 0, RULE_APP_S7COMM, BOTH, 2, false},
    {"s7comm.block", NULL, NULL, 0, RULE_APP_S7COMM, BOTH, 2, false},
    {"mms.domain", NULL, NULL, 0, RULE_APP_MMS, BOTH, 2, true},
    {"mms.item", NULL, NULL, 0, RULE_APP_MMS, BOTH, 2, true},
    {"goose.gocbref", NULL, NULL, 0, RULE_APP_GOOSE, BOTH, 2, false},
    {"goose.datset", NULL, NULL, 0, RULE_APP_GOOSE, BOTH, 2, false},
    {"goose.goid", NULL, NULL, 0, RULE_APP_GOOSE, BOTH, 2, false},
    {"sv.svid", NULL, NULL, 0, RULE_APP_SV, BOTH, 2, true},
    {"opcua.security_policy", NULL, NULL, 0, RULE_APP_OPCUA, BOTH, 2, false},
    {"opcua.endpoint_url", NULL, NULL, 0, RULE_APP_OPCUA, BOTH, 2, false},
    {"profinet.name_of_station", NULL, NULL, 0, RULE_APP_PROFINET, BOTH, 2, true},
    /* SIP and its SDP bodies (app_sip.c): one message per transaction */
    {"sip.method", NULL, NULL, 0, RULE_APP_SIP, TS, 2, false},
    {"sip.uri", NULL, NULL, 0, RULE_APP_SIP, TS, 2, false},
    {"sip.request_line", NULL, NULL, 0, RULE_APP_SIP, TS, 2, false},
    {"sip.stat_code", NULL, NULL, 0, RULE_APP_SIP, TC, 2, false},
    {"sip.stat_msg", NULL, NULL, 0, RULE_APP_SIP, TC, 2, false},
    {"sip.response_line", NULL, NULL, 0, RULE_APP_SIP, TC, 2, false},
    {"sip.protocol", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sip.from", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sip.to", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sip.via", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sip.user_agent", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sip.content_type", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sip.content_length", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.origin", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.session_name", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.session_info", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.uri", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.email", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.phone_number", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.connection_data", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.bandwidth", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.time", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.repeat_time", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.timezone", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.encryption_key", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, false},
    {"sdp.attribute", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.media.media", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.media.media_info", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.media.connection_data", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    {"sdp.media.encryption_key", NULL, NULL, 0, RULE_APP_SIP, BOTH, 2, true},
    /* LDAP (app_ldap.c) */
    {"ldap.request.dn", NULL, NULL, 0, RULE_APP_LDAP, TS, 2, false},
    {"ldap.responses.dn", NULL, NULL, 0, RULE_APP_LDAP, TC, 2, true},
    {"ldap.responses.message", NULL, NULL, 0, RULE_APP_LDAP, TC, 2, true},
    {"ldap.request.attribute_type", NULL, NULL, 0, RULE_APP_LDAP, TS, 2, true},
    {"ldap.responses.attribute_type", NULL, NULL, 0, RULE_APP_LDAP, TC, 2, true},
    /* RFB (app_rfb.c) */
    {"rfb.name", NULL, NULL, 0, RULE_APP_RFB, TC, 2, false},
    /* SNMP (app_snmp.c) */
    {"snmp.community", NULL, NULL, 0, RULE_APP_SNMP, BOTH, 2, false},
    {"snmp.usm", NULL, NULL, 0, RULE_APP_SNMP, BOTH, 2, false},
    {"snmp.trap_oid", NULL, NULL, 0, RULE_APP_SNMP, BOTH, 2, false},
    {"snmp.trap_address", NULL, NULL, 0, RULE_APP_SNMP, BOTH, 2, false},
    /* FIX (app_fix.c): one message per transaction; fix.tag takes a tag number */
    {"fix.msgtype", NULL, NULL, 0, RULE_APP_FIX, BOTH, 2, false},
    {"fix.sender", NULL, NULL, 0, RULE_APP_FIX, BOTH, 2, false},
    {"fix.target", NULL, NULL, 0, RULE_APP_FIX, BOTH, 2, false},
    {"fix.begin_string", NULL, NULL, 0, RULE_APP_FIX, BOTH, 2, false},
    {"fix.tag", NULL, NULL, 0, RULE_APP_FIX, BOTH, 2, true},
    /* Diameter (app_diameter.c): one message per transaction */
    {"diameter.session_id", NULL, NULL, 0, RULE_APP_DIAMETER, BOTH, 2, false},
    {"diameter.origin_host", NULL, NULL, 0, RULE_APP_DIAMETER, BOTH, 2, false},
    {"diameter.origin_realm", NULL, NULL, 0, RULE_APP_DIAMETER, BOTH, 2, false},
    {"diameter.destination_host", NULL, NULL, 0, RULE_APP_DIAMETER, BOTH, 2, false},
    {"diameter.destination_realm", NULL, NULL, 0, RULE_APP_DIAMETER, BOTH, 2, false},
    {"diameter.user_name", NULL, NULL, 0, RULE_APP_DIAMETER, BOTH, 2, false},
    /* GTP (app_gtp.c): one message per transaction */
    {"gtp.imsi", NULL, NULL, 0, RULE_APP_GTP, BOTH, 2, false},
    {"gtp.msisdn", NULL, NULL, 0, RULE_APP_GTP, BOTH, 2, false},
    {"gtp.apn", NULL, NULL, 0, RULE_APP_GTP, BOTH, 2, false},
    /* ISO 8583 (app_iso8583.c): one message per transaction; card numbers
     * masked; iso8583.field takes a field number */
    {"iso8583.mti", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, false},
    {"iso8583.pan", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, false},
    {"iso8583.processing_code", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, false},
    {"iso8583.response_code", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, false},
    {"iso8583.terminal_id", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, false},
    {"iso8583.merchant_id", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, false},
    {"iso8583.field", NULL, NULL, 0, RULE_APP_ISO8583, BOTH, 2, true},
    /* frame:<proto>.<name> selects it (rule_parse_frame.c), never by name */
    {"frame", NULL, NULL, 0, RULE_APP_NONE, BOTH, 2, false},
    /* QUIC (app_quic.c); ja3.* / ja3s.* / ja4.hash apply to it too */
    {"quic.version", NULL, NULL, 0, RULE_APP_QUIC, BOTH, 2, false},
    {"quic.sni", NULL, NULL, 0, RULE_APP_QUIC, TS, 2, false},
    {"quic.ua", NULL, NULL, 0, RULE_APP_QUIC, TS, 2, false},
    {"quic.cyu.hash", NULL, NULL, 0, RULE_APP_QUIC, TS, 2, true},
    {"quic.cyu.string", NULL, NULL, 0, RULE_APP_QUIC, TS, 2, true},
};

int detect_buffer_count(void)
{
    return (int)(sizeof(buffers) / sizeof(buffers[0]));
}

const struct detect_buffer_info *detect_buffer_get(int id)
{
    if (id < 0 || id >= detect_buffer_count())
        return NULL;
    return &buffers[id];
}

int detect_buffer_lookup(const char *name)
{
    for (int i = 0; i < detect_buffer_count(); i++) {
        if (strcmp(buffers[i].name, name) == 0)
            return i;
        if (buffers[i].legacy_sticky && strcmp(buffers[i].legacy_sticky, name) == 0)
            return i;
    }
    return -1;
}

int detect_buffer_lookup_modifier(const char *name)
{
    for (int i = 0; i < detect_buffer_count(); i++)
        if (buffers[i].modifier && strcmp(buffers[i].modifier, name) == 0)
            return i;
    return -1;
}

int detect_buffer_lookup_pcre_flag(char flag)
{
    for (int i = 0; i < detect_buffer_count(); i++)
        if (buffers[i].pcre_flag == flag)
            return i;
    return -1;
}
