/* SPDX-License-Identifier: Apache-2.0 */
/* Integer fields that application-layer transactions provide to detection's
 * integer keywords (krb5_msg_type, nfs_procedure, dcerpc.opnum, smb.version,
 * ...; their keywords are in src/detect/detect_kw_winrpc.c). A field may have
 * several instances per transaction (index 0, 1, ...); each instance is a
 * number and, where the protocol names its values, the name of that value in
 * the transaction's context (NFS procedure 7 is "WRITE" in version 3, 38 in
 * version 4), so that a rule may say either. Generic: any protocol adds its
 * fields here and answers them in its parser's tx_get_uint. */
#ifndef VIGIL_APP_UINT_H
#define VIGIL_APP_UINT_H

#define APP_UINT_LIST(X)                                                                           \
    X(SMB_VERSION, "smb.version")                                                                  \
    X(DCERPC_OPNUM, "dcerpc.opnum")                                                                \
    X(KRB5_MSG_TYPE, "krb5.msg_type")                                                              \
    X(KRB5_ERR_CODE, "krb5.err_code")                                                              \
    X(KRB5_TICKET_ENCRYPTION, "krb5.ticket_encryption")                                            \
    X(NFS_PROCEDURE, "nfs.procedure")                                                              \
    X(NFS_VERSION, "nfs.version")

enum app_uint {
#define APP_UINT_ENUM(id, name) APP_UINT_##id,
    APP_UINT_LIST(APP_UINT_ENUM)
#undef APP_UINT_ENUM
        APP_UINT_MAX
};

#endif
