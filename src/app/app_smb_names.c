/* SPDX-License-Identifier: Apache-2.0 */
/* Names SMB logging uses: NT status codes (MS-ERREF 2.3), SMB1 DOS error
 * classes (MS-CIFS 2.2.2.4), SMB1 and SMB2 commands, FSCTL codes. Unknown
 * values are written as numbers, as Suricata does. */
#include <stdio.h>
#include <stdlib.h>

#include "app/app_smb.h"

struct status_name {
    uint32_t code;
    const char *name;
};

/* Sorted by code for bsearch. */
static const struct status_name ntstatus[] = {
    {0x00000000, "STATUS_SUCCESS"},
    {0x00000102, "STATUS_TIMEOUT"},
    {0x00000103, "STATUS_PENDING"},
    {0x00000104, "STATUS_REPARSE"},
    {0x00000105, "STATUS_MORE_ENTRIES"},
    {0x00000107, "STATUS_SOME_NOT_MAPPED"},
    {0x00000108, "STATUS_OPLOCK_BREAK_IN_PROGRESS"},
    {0x0000010b, "STATUS_NOTIFY_CLEANUP"},
    {0x0000010c, "STATUS_NOTIFY_ENUM_DIR"},
    {0x80000005, "STATUS_BUFFER_OVERFLOW"},
    {0x80000006, "STATUS_NO_MORE_FILES"},
    {0x8000001a, "STATUS_NO_MORE_ENTRIES"},
    {0x8000002d, "STATUS_STOPPED_ON_SYMLINK"},
    {0xc0000001, "STATUS_UNSUCCESSFUL"},
    {0xc0000002, "STATUS_NOT_IMPLEMENTED"},
    {0xc0000003, "STATUS_INVALID_INFO_CLASS"},
    {0xc0000004, "STATUS_INFO_LENGTH_MISMATCH"},
    {0xc0000005, "STATUS_ACCESS_VIOLATION"},
    {0xc0000008, "STATUS_INVALID_HANDLE"},
    {0xc000000d, "STATUS_INVALID_PARAMETER"},
    {0xc000000e, "STATUS_NO_SUCH_DEVICE"},
    {0xc000000f, "STATUS_NO_SUCH_FILE"},
    {0xc0000010, "STATUS_INVALID_DEVICE_REQUEST"},
    {0xc0000011, "STATUS_END_OF_FILE"},
    {0xc0000013, "STATUS_NO_MEDIA_IN_DEVICE"},
    {0xc0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
    {0xc0000022, "STATUS_ACCESS_DENIED"},
    {0xc0000023, "STATUS_BUFFER_TOO_SMALL"},
    {0xc0000024, "STATUS_OBJECT_TYPE_MISMATCH"},
    {0xc0000033, "STATUS_OBJECT_NAME_INVALID"},
    {0xc0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
    {0xc0000035, "STATUS_OBJECT_NAME_COLLISION"},
    {0xc000003a, "STATUS_OBJECT_PATH_NOT_FOUND"},
    {0xc000003b, "STATUS_OBJECT_PATH_SYNTAX_BAD"},
    {0xc000003e, "STATUS_DATA_ERROR"},
    {0xc0000043, "STATUS_SHARING_VIOLATION"},
    {0xc0000044, "STATUS_QUOTA_EXCEEDED"},
    {0xc000004f, "STATUS_EAS_NOT_SUPPORTED"},
    {0xc0000050, "STATUS_EA_TOO_LARGE"},
    {0xc0000051, "STATUS_NONEXISTENT_EA_ENTRY"},
    {0xc0000052, "STATUS_NO_EAS_ON_FILE"},
    {0xc0000055, "STATUS_LOCK_NOT_GRANTED"},
    {0xc0000056, "STATUS_DELETE_PENDING"},
    {0xc000005e, "STATUS_NO_LOGON_SERVERS"},
    {0xc000005f, "STATUS_NO_SUCH_LOGON_SESSION"},
    {0xc0000061, "STATUS_PRIVILEGE_NOT_HELD"},
    {0xc0000064, "STATUS_NO_SUCH_USER"},
    {0xc000006a, "STATUS_WRONG_PASSWORD"},
    {0xc000006d, "STATUS_LOGON_FAILURE"},
    {0xc000006e, "STATUS_ACCOUNT_RESTRICTION"},
    {0xc000006f, "STATUS_INVALID_LOGON_HOURS"},
    {0xc0000070, "STATUS_INVALID_WORKSTATION"},
    {0xc0000071, "STATUS_PASSWORD_EXPIRED"},
    {0xc0000072, "STATUS_ACCOUNT_DISABLED"},
    {0xc0000073, "STATUS_NONE_MAPPED"},
    {0xc0000078, "STATUS_INVALID_SID"},
    {0xc000007c, "STATUS_NO_TOKEN"},
    {0xc000007e, "STATUS_RANGE_NOT_LOCKED"},
    {0xc000007f, "STATUS_DISK_FULL"},
    {0xc0000098, "STATUS_FILE_INVALID"},
    {0xc000009a, "STATUS_INSUFFICIENT_RESOURCES"},
    {0xc00000a2, "STATUS_MEDIA_WRITE_PROTECTED"},
    {0xc00000a3, "STATUS_DEVICE_NOT_READY"},
    {0xc00000a5, "STATUS_BAD_IMPERSONATION_LEVEL"},
    {0xc00000a6, "STATUS_CANT_OPEN_ANONYMOUS"},
    {0xc00000ab, "STATUS_INSTANCE_NOT_AVAILABLE"},
    {0xc00000ac, "STATUS_PIPE_NOT_AVAILABLE"},
    {0xc00000ad, "STATUS_INVALID_PIPE_STATE"},
    {0xc00000ae, "STATUS_PIPE_BUSY"},
    {0xc00000b0, "STATUS_PIPE_DISCONNECTED"},
    {0xc00000b1, "STATUS_PIPE_CLOSING"},
    {0xc00000b2, "STATUS_PIPE_CONNECTED"},
    {0xc00000b3, "STATUS_PIPE_LISTENING"},
    {0xc00000b4, "STATUS_INVALID_READ_MODE"},
    {0xc00000b5, "STATUS_IO_TIMEOUT"},
    {0xc00000ba, "STATUS_FILE_IS_A_DIRECTORY"},
    {0xc00000bb, "STATUS_NOT_SUPPORTED"},
    {0xc00000bd, "STATUS_DUPLICATE_NAME"},
    {0xc00000be, "STATUS_BAD_NETWORK_PATH"},
    {0xc00000c3, "STATUS_INVALID_NETWORK_RESPONSE"},
    {0xc00000c4, "STATUS_UNEXPECTED_NETWORK_ERROR"},
    {0xc00000c9, "STATUS_NETWORK_NAME_DELETED"},
    {0xc00000ca, "STATUS_NETWORK_ACCESS_DENIED"},
    {0xc00000cb, "STATUS_BAD_DEVICE_TYPE"},
    {0xc00000cc, "STATUS_BAD_NETWORK_NAME"},
    {0xc00000d0, "STATUS_REQUEST_NOT_ACCEPTED"},
    {0xc00000d4, "STATUS_NOT_SAME_DEVICE"},
    {0xc00000d9, "STATUS_PIPE_EMPTY"},
    {0xc00000df, "STATUS_NO_SUCH_DOMAIN"},
    {0xc00000e8, "STATUS_INVALID_USER_BUFFER"},
    {0xc0000101, "STATUS_DIRECTORY_NOT_EMPTY"},
    {0xc0000103, "STATUS_NOT_A_DIRECTORY"},
    {0xc0000120, "STATUS_CANCELLED"},
    {0xc0000121, "STATUS_CANNOT_DELETE"},
    {0xc0000123, "STATUS_FILE_DELETED"},
    {0xc0000128, "STATUS_FILE_CLOSED"},
    {0xc000014b, "STATUS_PIPE_BROKEN"},
    {0xc000015b, "STATUS_LOGON_TYPE_NOT_GRANTED"},
    {0xc0000184, "STATUS_INVALID_DEVICE_STATE"},
    {0xc000018d, "STATUS_TRUSTED_RELATIONSHIP_FAILURE"},
    {0xc000019c, "STATUS_FS_DRIVER_REQUIRED"},
    {0xc0000203, "STATUS_USER_SESSION_DELETED"},
    {0xc000020c, "STATUS_CONNECTION_DISCONNECTED"},
    {0xc000020d, "STATUS_CONNECTION_RESET"},
    {0xc0000224, "STATUS_PASSWORD_MUST_CHANGE"},
    {0xc0000225, "STATUS_NOT_FOUND"},
    {0xc0000234, "STATUS_ACCOUNT_LOCKED_OUT"},
    {0xc0000257, "STATUS_PATH_NOT_COVERED"},
    {0xc000026d, "STATUS_DFS_UNAVAILABLE"},
    {0xc000026e, "STATUS_VOLUME_DISMOUNTED"},
    {0xc0000275, "STATUS_NOT_A_REPARSE_POINT"},
    {0xc0000279, "STATUS_IO_REPARSE_TAG_NOT_HANDLED"},
    {0xc000035c, "STATUS_NETWORK_SESSION_EXPIRED"},
    {0xc0000467, "STATUS_FILE_NOT_AVAILABLE"},
};

static int status_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct status_name *)a)->code, y = ((const struct status_name *)b)->code;
    return x < y ? -1 : x > y;
}

const char *smb_ntstatus_name(uint32_t status)
{
    struct status_name key = {.code = status};
    const struct status_name *n = bsearch(&key, ntstatus, sizeof(ntstatus) / sizeof(ntstatus[0]),
                                          sizeof(ntstatus[0]), status_cmp);
    return n ? n->name : NULL;
}

const char *smb_dos_error_name(uint8_t cls, uint16_t code, char buf[24])
{
    static const char *const dos[] = {"DOS_SUCCESS",
                                      "DOS_BAD_FUNC",
                                      "DOS_BAD_FILE",
                                      "DOS_BAD_PATH",
                                      "DOS_TOO_MANY_OPEN_FILES",
                                      "DOS_ACCESS_DENIED"};
    if (cls == 1) {
        if (code < sizeof(dos) / sizeof(dos[0]))
            return dos[code];
    } else if (cls == 2) {
        switch (code) {
        case 1:
            return "SRV_ERROR";
        case 2:
            return "SRV_BADPW";
        case 3:
            return "SRV_BADTYPE";
        case 4:
            return "SRV_ACCESS";
        case 91:
            return "SRV_BADUID";
        default:
            break;
        }
    } else {
        snprintf(buf, 24, "UNKNOWN_%02x_%04x", cls, code);
        return buf;
    }
    snprintf(buf, 24, "%u", code);
    return buf;
}

const char *smb2_command_name(uint16_t cmd)
{
    static const char *const names[] = {"SMB2_COMMAND_NEGOTIATE_PROTOCOL",
                                        "SMB2_COMMAND_SESSION_SETUP",
                                        "SMB2_COMMAND_SESSION_LOGOFF",
                                        "SMB2_COMMAND_TREE_CONNECT",
                                        "SMB2_COMMAND_TREE_DISCONNECT",
                                        "SMB2_COMMAND_CREATE",
                                        "SMB2_COMMAND_CLOSE",
                                        "SMB2_COMMAND_FLUSH",
                                        "SMB2_COMMAND_READ",
                                        "SMB2_COMMAND_WRITE",
                                        "SMB2_COMMAND_LOCK",
                                        "SMB2_COMMAND_IOCTL",
                                        "SMB2_COMMAND_CANCEL",
                                        "SMB2_COMMAND_KEEPALIVE",
                                        "SMB2_COMMAND_FIND",
                                        "SMB2_COMMAND_CHANGE_NOTIFY",
                                        "SMB2_COMMAND_GET_INFO",
                                        "SMB2_COMMAND_SET_INFO",
                                        "SMB2_COMMAND_OPLOCK_BREAK"};
    return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : NULL;
}

const char *smb2_dialect_name(uint16_t d, char buf[8])
{
    switch (d) {
    case 0x0202:
        return "2.02";
    case 0x0210:
        return "2.10";
    case 0x0222:
        return "2.22";
    case 0x0224:
        return "2.24";
    case 0x02ff:
        return "2.??";
    case 0x0300:
        return "3.00";
    case 0x0302:
        return "3.02";
    case 0x0310:
        return "3.10";
    case 0x0311:
        return "3.11";
    default:
        snprintf(buf, 8, "%u", d);
        return buf;
    }
}

const char *smb1_command_name(uint8_t cmd, char buf[8])
{
    static const struct {
        uint8_t cmd;
        const char *name;
    } names[] = {
        {0x00, "SMB1_COMMAND_CREATE_DIRECTORY"},
        {0x01, "SMB1_COMMAND_DELETE_DIRECTORY"},
        {0x02, "SMB1_COMMAND_OPEN"},
        {0x03, "SMB1_COMMAND_CREATE"},
        {0x04, "SMB1_COMMAND_CLOSE"},
        {0x05, "SMB1_COMMAND_FLUSH"},
        {0x06, "SMB1_COMMAND_DELETE"},
        {0x07, "SMB1_COMMAND_RENAME"},
        {0x08, "SMB1_COMMAND_QUERY_INFORMATION"},
        {0x09, "SMB1_COMMAND_SET_INFORMATION"},
        {0x0a, "SMB1_COMMAND_READ"},
        {0x0b, "SMB1_COMMAND_WRITE"},
        {0x0c, "SMB1_COMMAND_LOCK_BYTE_RANGE"},
        {0x0d, "SMB1_COMMAND_UNLOCK_BYTE_RANGE"},
        {0x0e, "SMB1_COMMAND_CREATE_TEMPORARY"},
        {0x0f, "SMB1_COMMAND_CREATE_NEW"},
        {0x10, "SMB1_COMMAND_CHECK_DIRECTORY"},
        {0x11, "SMB1_COMMAND_PROCESS_EXIT"},
        {0x12, "SMB1_COMMAND_SEEK"},
        {0x13, "SMB1_COMMAND_LOCK_AND_READ"},
        {0x14, "SMB1_COMMAND_WRITE_AND_UNLOCK"},
        {0x1a, "SMB1_COMMAND_READ_RAW"},
        {0x1d, "SMB1_COMMAND_WRITE_RAW"},
        {0x22, "SMB1_COMMAND_SET_INFORMATION2"},
        {0x23, "SMB1_COMMAND_QUERY_INFORMATION2"},
        {0x24, "SMB1_COMMAND_LOCKING_ANDX"},
        {0x25, "SMB1_COMMAND_TRANS"},
        {0x26, "SMB1_COMMAND_TRANS_SECONDARY"},
        {0x27, "SMB1_COMMAND_IOCTL"},
        {0x2b, "SMB1_COMMAND_ECHO"},
        {0x2c, "SMB1_COMMAND_WRITE_AND_CLOSE"},
        {0x2d, "SMB1_COMMAND_OPEN_ANDX"},
        {0x2e, "SMB1_COMMAND_READ_ANDX"},
        {0x2f, "SMB1_COMMAND_WRITE_ANDX"},
        {0x32, "SMB1_COMMAND_TRANS2"},
        {0x33, "SMB1_COMMAND_TRANS2_SECONDARY"},
        {0x34, "SMB1_COMMAND_FIND_CLOSE2"},
        {0x70, "SMB1_COMMAND_TREE_CONNECT"},
        {0x71, "SMB1_COMMAND_TREE_DISCONNECT"},
        {0x72, "SMB1_COMMAND_NEGOTIATE_PROTOCOL"},
        {0x73, "SMB1_COMMAND_SESSION_SETUP_ANDX"},
        {0x74, "SMB1_COMMAND_LOGOFF_ANDX"},
        {0x75, "SMB1_COMMAND_TREE_CONNECT_ANDX"},
        {0x80, "SMB1_COMMAND_QUERY_INFO_DISK"},
        {0x81, "SMB1_COMMAND_SEARCH"},
        {0x82, "SMB1_COMMAND_FIND"},
        {0x83, "SMB1_COMMAND_FIND_UNIQUE"},
        {0x84, "SMB1_COMMAND_FIND_CLOSE"},
        {0xa0, "SMB1_COMMAND_NT_TRANS"},
        {0xa1, "SMB1_COMMAND_NT_TRANS_SECONDARY"},
        {0xa2, "SMB1_COMMAND_NT_CREATE_ANDX"},
        {0xa4, "SMB1_COMMAND_NT_CANCEL"},
        {0xa5, "SMB1_COMMAND_NT_RENAME"},
        {0xc0, "SMB1_COMMAND_OPEN_PRINT_FILE"},
        {0xc1, "SMB1_COMMAND_WRITE_PRINT_FILE"},
        {0xc2, "SMB1_COMMAND_CLOSE_PRINT_FILE"},
        {0xc3, "SMB1_COMMAND_GET_PRINT_QUEUE"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].cmd == cmd)
            return names[i].name;
    snprintf(buf, 8, "%u", cmd);
    return buf;
}

const char *smb_fsctl_name(uint32_t func, char buf[16])
{
    switch (func) {
    case 0x00060194:
        return "FSCTL_DFS_GET_REFERRALS";
    case 0x000601b0:
        return "FSCTL_DFS_GET_REFERRALS_EX";
    case 0x000900a4:
        return "FSCTL_SET_REPARSE_POINT";
    case 0x00098208:
        return "FSCTL_FILE_LEVEL_TRIM";
    case 0x0011400c:
        return "FSCTL_PIPE_PEEK";
    case 0x00110018:
        return "FSCTL_PIPE_WAIT";
    case 0x0011c017:
        return "FSCTL_PIPE_TRANSCEIVE";
    case 0x00140078:
        return "FSCTL_SRV_REQUEST_RESUME_KEY";
    case 0x001401d4:
        return "FSCTL_LMR_REQUEST_RESILIENCY";
    case 0x001401fc:
        return "FSCTL_QUERY_NETWORK_INTERFACE_INFO";
    case 0x00140204:
        return "FSCTL_VALIDATE_NEGOTIATE_INFO";
    case 0x00144064:
        return "FSCTL_SRV_ENUMERATE_SNAPSHOTS";
    case 0x001440f2:
        return "FSCTL_SRV_COPYCHUNK";
    case 0x001441bb:
        return "FSCTL_SRV_READ_HASH";
    case 0x001480f2:
        return "FSCTL_SRV_COPYCHUNK_WRITE";
    default:
        snprintf(buf, 16, "%u", func);
        return buf;
    }
}
