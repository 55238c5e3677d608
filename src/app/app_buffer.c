/* SPDX-License-Identifier: Apache-2.0 */
/* Detection buffer names (Suricata's sticky-buffer names) <-> ids. */
#include <string.h>

#include "app/app_buffer.h"

static const char *const app_buffer_names[APP_BUFFER_MAX] = {
#define APP_BUFFER_NAME(id, name) [APP_BUFFER_##id] = name,
    APP_BUFFER_LIST(APP_BUFFER_NAME)
#undef APP_BUFFER_NAME
};

const char *app_buffer_name(enum app_buffer buffer)
{
    if ((unsigned)buffer >= APP_BUFFER_MAX)
        return NULL;
    return app_buffer_names[buffer];
}

/* Linear search: called while loading rules only, never per packet. Accepts
 * Suricata's legacy dotted/underscored spellings of the same buffer (e.g.
 * "dns_query", "tls_sni", "ja3_hash", "ssh_proto") by normalising '_' to '.'
 * when no exact match exists. */
int app_buffer_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < APP_BUFFER_MAX; i++)
        if (strcmp(app_buffer_names[i], name) == 0)
            return i;
    static const struct {
        const char *alias, *name;
    } aliases[] = {
        {"dns_query", "dns.query"},
        {"tls_sni", "tls.sni"},
        {"tls_cert_subject", "tls.cert_subject"},
        {"tls_cert_issuer", "tls.cert_issuer"},
        {"tls_cert_serial", "tls.cert_serial"},
        {"tls_cert_fingerprint", "tls.cert_fingerprint"},
        {"ja3_hash", "ja3.hash"},
        {"ja3.hash", "ja3.hash"},
        {"ja3_string", "ja3.string"},
        {"ja3s_hash", "ja3s.hash"},
        {"ja3s_string", "ja3s.string"},
        {"ssh_proto", "ssh.proto"},
        {"ssh_software", "ssh.software"},
        {"ssh.protoversion", "ssh.proto"},
        {"ssh.softwareversion", "ssh.software"},
        {"ssh_hassh", "ssh.hassh"},
        {"ssh_hassh_string", "ssh.hassh.string"},
        {"ssh_hassh_server", "ssh.hassh.server"},
        {"ssh_hassh_server_string", "ssh.hassh.server.string"},
        {"ja4.hash", "ja4.hash"},
        {"file_data", "file.data"},
        {"ftp.command_data", "ftp.command_data"},
        {"dce_stub_data", "dcerpc.stub_data"},
        {"smb_named_pipe", "smb.named_pipe"},
        {"smb_share", "smb.share"},
        {"krb5_cname", "krb5.cname"},
        {"krb5_sname", "krb5.sname"},
    };
    for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
        if (strcmp(aliases[a].alias, name) != 0)
            continue;
        for (int i = 0; i < APP_BUFFER_MAX; i++)
            if (strcmp(app_buffer_names[i], aliases[a].name) == 0)
                return i;
    }
    return -1;
}

int app_buffer_get_sided(const struct app_tx *tx, enum app_buffer buffer, uint32_t index,
                         bool two_sided,
                         int (*get_dir)(const struct app_tx *tx, enum app_buffer buffer, int dir,
                                        uint32_t index, const uint8_t **data, uint32_t *len),
                         const uint8_t **data, uint32_t *len)
{
    uint32_t sel = index & (APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    index &= ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER);
    if (sel == APP_BUFFER_INDEX_TOCLIENT)
        return get_dir(tx, buffer, 1, index, data, len);
    if (sel || !two_sided)
        return get_dir(tx, buffer, 0, index, data, len);
    if (get_dir(tx, buffer, 0, index, data, len) == 0)
        return 0;
    uint32_t n0 = 0;
    const uint8_t *d;
    uint32_t l;
    while (n0 < index && get_dir(tx, buffer, 0, n0, &d, &l) == 0)
        n0++;
    return get_dir(tx, buffer, 1, index - n0, data, len);
}

bool app_buffer_http_two_sided(enum app_buffer b)
{
    switch (b) {
    case APP_BUFFER_HTTP_HEADER:
    case APP_BUFFER_HTTP_HEADER_RAW:
    case APP_BUFFER_HTTP_HEADER_NAMES:
    case APP_BUFFER_HTTP_START:
    case APP_BUFFER_HTTP_PROTOCOL:
    case APP_BUFFER_HTTP_COOKIE:
    case APP_BUFFER_HTTP_CONTENT_TYPE:
    case APP_BUFFER_HTTP_CONTENT_LEN:
    case APP_BUFFER_HTTP_CONNECTION:
    case APP_BUFFER_FILE_DATA:
    case APP_BUFFER_FILE_NAME:
    case APP_BUFFER_HTTP2_HEADER:
    case APP_BUFFER_HTTP2_HEADER_NAME:
        return true;
    default:
        return false;
    }
}
