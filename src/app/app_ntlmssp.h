/* SPDX-License-Identifier: Apache-2.0 */
/* GSS-API / SPNEGO security blobs of SMB session setup (RFC 4178, MS-SPNG):
 * the NTLMSSP AUTHENTICATE message (MS-NLMP: user, domain, workstation,
 * client version) and the Kerberos AP-REQ ticket (realm, service name).
 * Private to src/app. */
#ifndef VIGIL_APP_NTLMSSP_H
#define VIGIL_APP_NTLMSSP_H

#include <stdbool.h>
#include <stdint.h>

#define NTLMSSP_NAME_MAX 256
#define KRB_TICKET_SNAMES 4

struct ntlmssp_auth {
    bool present;
    char domain[NTLMSSP_NAME_MAX], user[NTLMSSP_NAME_MAX], host[NTLMSSP_NAME_MAX];
    bool have_version;
    uint8_t ver_major, ver_minor, ntlm_rev;
    uint16_t ver_build;
};

struct krb_ticket {
    bool present;
    char realm[NTLMSSP_NAME_MAX];
    uint8_t nsnames;
    char snames[KRB_TICKET_SNAMES][NTLMSSP_NAME_MAX];
};

/* Parses a security blob (SPNEGO, bare GSS-API Kerberos, or a bare NTLMSSP
 * message). Fills auth when it holds an NTLMSSP AUTHENTICATE and ticket when
 * it holds a Kerberos AP-REQ. Returns 0, or -EINVAL when an NTLMSSP message
 * was malformed (Suricata's malformed_ntlmssp_request). */
int gssapi_parse_blob(const uint8_t *d, uint32_t len, struct ntlmssp_auth *auth,
                      struct krb_ticket *ticket);

/* Parses a bare NTLMSSP message (starting with "NTLMSSP\0"). */
int ntlmssp_parse(const uint8_t *d, uint32_t len, struct ntlmssp_auth *auth);

#endif
