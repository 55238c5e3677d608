/* SPDX-License-Identifier: Apache-2.0 */
/* SMB internals shared by app_smb.c (NBSS framing, transactions, files,
 * DCE/RPC over named pipes, EVE, framework glue), app_smb2.c (SMB 2/3
 * commands), app_smb1.c (SMB1 commands and AndX chains) and
 * app_smb_names.c (status and command names). Private to src/app.
 *
 * Transactions follow Suricata's model: one per request/response pair, keyed
 * by message id (SMB2) or multiplex id (SMB1), typed by what they carry
 * (negotiate, session setup, tree connect, create, file, DCE/RPC, ioctl,
 * rename, set-info, or generic); a file transfer is one transaction per file
 * and direction, covering all its reads or writes until the file is closed. */
#ifndef VIGIL_APP_SMB_H
#define VIGIL_APP_SMB_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app_dcerpc.h"
#include "app/app_ftrack.h"
#include "app/app_map.h"
#include "app/app_ntlmssp.h"
#include "app/app_parser.h"
#include "app/file.h"

#define SMB1_HDR_LEN 32
#define SMB2_HDR_LEN 64
#define SMB3_TRANSFORM_HDR_LEN 52
#define SMB_RECORD_MAX (256u * 1024u) /* bytes of one NBSS record buffered at most */
#define SMB_FUID_MAX 16
#define SMB_FILE_INSPECT 65536 /* file.data bytes kept per file */

enum smb_tx_type {
    SMB_TX_GENERIC = 0,
    SMB_TX_FILE,
    SMB_TX_TREECONNECT,
    SMB_TX_NEGOTIATE,
    SMB_TX_DCERPC,
    SMB_TX_CREATE,
    SMB_TX_SESSIONSETUP,
    SMB_TX_IOCTL,
    SMB_TX_RENAME,
    SMB_TX_SETFILEPATHINFO,
    SMB_TX_TYPES,
};

/* Suricata's app-layer event names, in this order. */
#define SMB_EVENT_LIST(X)                                                                          \
    X(INTERNAL_ERROR, "internal_error")                                                            \
    X(MALFORMED_DATA, "malformed_data")                                                            \
    X(RECORD_OVERFLOW, "record_overflow")                                                          \
    X(MALFORMED_NTLMSSP_REQUEST, "malformed_ntlmssp_request")                                      \
    X(MALFORMED_NTLMSSP_RESPONSE, "malformed_ntlmssp_response")                                    \
    X(DUPLICATE_NEGOTIATE, "duplicate_negotiate")                                                  \
    X(NEGOTIATE_MALFORMED_DIALECTS, "negotiate_malformed_dialects")                                \
    X(FILE_OVERLAP, "file_overlap")                                                                \
    X(REQUEST_TO_CLIENT, "request_to_client")                                                      \
    X(RESPONSE_TO_SERVER, "response_to_server")                                                    \
    X(READ_RESPONSE_TOO_LARGE, "read_response_too_large")                                          \
    X(READ_REQUEST_TOO_LARGE, "read_request_too_large")                                            \
    X(WRITE_REQUEST_TOO_LARGE, "write_request_too_large")                                          \
    X(NEGOTIATE_MAX_READ_SIZE_TOO_LARGE, "negotiate_max_read_size_too_large")                      \
    X(NEGOTIATE_MAX_WRITE_SIZE_TOO_LARGE, "negotiate_max_write_size_too_large")                    \
    X(WRITE_QUEUE_SIZE_EXCEEDED, "write_queue_size_exceeded")                                      \
    X(WRITE_QUEUE_CNT_EXCEEDED, "write_queue_cnt_exceeded")                                        \
    X(READ_QUEUE_SIZE_EXCEEDED, "read_queue_size_exceeded")                                        \
    X(READ_QUEUE_CNT_EXCEEDED, "read_queue_cnt_exceeded")                                          \
    X(TOO_MANY_TRANSACTIONS, "too_many_transactions")

enum smb_event {
#define SMB_EVENT_ENUM(id, name) SMB_EV_##id,
    SMB_EVENT_LIST(SMB_EVENT_ENUM)
#undef SMB_EVENT_ENUM
        SMB_EV_COUNT
};

/* ---- transactions ---- */

struct smb_tx {
    struct app_tx base;
    struct smb_tx *next;
    struct smb_state *state;
    uint8_t type;     /* enum smb_tx_type */
    uint8_t vers;     /* 1 or 2 */
    uint16_t command; /* SMB1 or SMB2 command */
    bool status_set, status_dos;
    uint8_t dos_class;
    uint32_t status;
    uint64_t ssn_id, msg_id;
    uint32_t tree_id, pid;
    bool req_done, res_done;
    uint32_t events;
    size_t mem; /* strings and buffers reserved against the memcap */

    /* negotiate */
    char **dialects;
    uint16_t ndialects;
    uint8_t client_guid[16], server_guid[16];
    bool have_client_guid;
    /* tree connect / file share */
    char *share;
    bool is_pipe;
    uint8_t share_type;
    char *req_service, *res_service;
    /* create, file, rename, set-info */
    char *filename;
    char *newname; /* rename: to */
    uint32_t disposition;
    bool delete_on_close, directory;
    uint8_t fuid[SMB_FUID_MAX];
    uint8_t fuid_len;
    uint32_t create_ts, access_ts, write_ts, change_ts;
    uint64_t size;
    uint16_t subcmd, loi;
    /* session setup */
    struct ntlmssp_auth ntlmssp;
    struct krb_ticket krb;
    char *req_native_os, *req_native_lm, *res_native_os, *res_native_lm;
    bool have_req_host, have_res_host;
    /* ioctl */
    uint32_t ioctl_func;
    /* file */
    uint8_t file_dir;
    struct ftrack ft;
    uint64_t post_gap_usec; /* after a gap: given up when nothing comes by then */
    /* dcerpc over a pipe */
    struct dcerpc_call call;
};

/* One NBSS direction: framing and file streaming. */
struct smb_dir {
    uint8_t nbss[4];
    uint8_t nbss_len;
    bool in_record;
    uint32_t rec_len, rec_seen; /* NBSS payload length, bytes of it consumed */
    uint8_t *buf;               /* owned: buffered record bytes */
    uint32_t buf_len, buf_cap;
    uint32_t skip; /* record bytes to drop */
    /* streaming file data of a write request / read response */
    uint32_t file_left;
    struct smb_tx *file_tx;
    bool lost; /* after a gap or midstream: find the next record */
    bool gap_seen;
    /* frames: stream offset of the current NBSS record, and of the bytes
     * being parsed (call_start is at call_base; frames off: call_start NULL) */
    uint64_t rec_off, call_base;
    const uint8_t *call_start;
};

struct smb_state {
    struct app_layer_thread_ctx *thread;
    struct smb_tx *head, *tail;
    uint32_t ntx;
    uint64_t next_id;
    struct smb_dir dir[2];
    uint16_t dialect; /* SMB2 dialect, 0 if none */
    char *dialect1;   /* SMB1 dialect name, owned */
    uint32_t max_read_size, max_write_size;
    uint64_t encrypted_records; /* SMB3 transform records seen */
    struct dcerpc_bindings bindings;
    struct app_map trees;        /* (ssn, tree) -> is_pipe + share name */
    struct app_map names;        /* fuid -> file name */
    struct app_map reads;        /* (ssn, msg) -> fuid + offset */
    struct app_map pipes;        /* fuid + dir -> partial DCE/RPC PDU */
    struct app_map creates;      /* (ssn, msg) -> create file name (for SMB1 responses) */
    bool ts_gap_txs, tc_gap_txs; /* a gap made open transactions complete */
};

/* ---- services of app_smb.c for the command parsers ---- */

void smb_event(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx,
               enum smb_event ev);
struct smb_tx *smb_tx_new(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t type,
                          uint8_t vers, uint16_t command);
/* The oldest transaction of vers/command whose message id (and pid for
 * SMB1) match and whose response is still due. */
struct smb_tx *smb_tx_find(struct smb_state *st, uint8_t vers, uint16_t command, uint64_t msg_id,
                           uint32_t pid);
struct smb_tx *smb_tx_find_type(struct smb_state *st, uint8_t type, uint8_t vers);
void smb_tx_set_status(struct smb_tx *tx, uint32_t status, bool dos);
/* Copies text into memory owned by the transaction (NULL on memcap). */
char *smb_tx_strdup(struct smb_tx *tx, struct app_parse_ctx *ctx, const char *s);
char *smb_strdup_utf16(struct smb_tx *tx, struct app_parse_ctx *ctx, const uint8_t *d, uint32_t n,
                       bool unicode);
/* UTF-16LE / 8-bit bytes to a NUL-terminated text in buf. */
void smb_text(const uint8_t *d, uint32_t n, bool unicode, char *buf, size_t cap);

/* Trees: share name and pipe flag by (session, tree). */
void smb_tree_set(struct smb_state *st, struct app_parse_ctx *ctx, uint64_t ssn, uint32_t tree,
                  const char *name, bool is_pipe);
/* Returns the share name or NULL; *is_pipe set. */
const char *smb_tree_get(struct smb_state *st, uint64_t ssn, uint32_t tree, bool *is_pipe);
void smb_tree_del(struct smb_state *st, uint64_t ssn, uint32_t tree);

/* Files: the transaction of fuid in direction (0 writes, 1 reads), or a new
 * one named name. */
struct smb_tx *smb_file_tx_get(struct smb_state *st, const uint8_t *fuid, uint8_t fuid_len,
                               uint8_t dir);
struct smb_tx *smb_file_tx_new(struct smb_state *st, struct app_parse_ctx *ctx, const uint8_t *fuid,
                               uint8_t fuid_len, uint8_t dir, const char *name, const char *share,
                               uint8_t vers, uint16_t command, uint64_t ssn, uint32_t tree);
/* Data of a file at offset: len bytes are here (data), total bytes belong to
 * this chunk (the rest follows in the stream: *left is set and the core
 * feeds it). */
void smb_file_chunk(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx, uint8_t dir,
                    uint64_t offset, const uint8_t *data, uint32_t len, uint32_t total);
void smb_file_close(struct smb_state *st, struct app_parse_ctx *ctx, struct smb_tx *tx,
                    enum file_state how);
/* CLOSE of fuid: both directions' file transactions end. */
void smb_file_close_fuid(struct smb_state *st, struct app_parse_ctx *ctx, const uint8_t *fuid,
                         uint8_t fuid_len);
/* The file name known for fuid (create), or NULL. */
const char *smb_fuid_name(struct smb_state *st, const uint8_t *fuid, uint8_t fuid_len);
void smb_fuid_name_set(struct smb_state *st, struct app_parse_ctx *ctx, const uint8_t *fuid,
                       uint8_t fuid_len, const char *name);
/* Whether fuid names a DCE/RPC pipe (known pipe name) or looks like one. */
bool smb_fuid_is_dcerpc(struct smb_state *st, const uint8_t *fuid, uint8_t fuid_len,
                        const uint8_t *data, uint32_t len, bool is_pipe);

/* DCE/RPC over a pipe: request-side bytes (a write, transact or ioctl input)
 * and answer bytes (a read, transact or ioctl output) of fuid. The smb
 * transaction carries the SMB command and status. */
void smb_dcerpc_request(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t vers,
                        uint16_t command, uint64_t ssn, uint32_t tree, uint64_t msg_id,
                        const uint8_t *fuid, uint8_t fuid_len, const uint8_t *data, uint32_t len);
void smb_dcerpc_response(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t vers,
                         uint16_t command, uint32_t status, bool dos, uint64_t ssn, uint32_t tree,
                         uint64_t msg_id, const uint8_t *fuid, uint8_t fuid_len,
                         const uint8_t *data, uint32_t len);

/* What a command parser tells the core about file data still to come in the
 * stream after the bytes it saw. */
struct smb_stream {
    uint32_t left;
    struct smb_tx *tx;
    uint64_t offset;
};

/* Pipe or file: the share of (ssn, tree) and whether fuid is DCE/RPC (by
 * pipe name or data). A tree not seen whose data looks like DCE/RPC becomes
 * a pipe (as Suricata does when the tree connect was missed); name_fuid:
 * also name such a fuid "suricata::dcerpc" if it has no name. */
bool smb_pipe_check(struct smb_state *st, struct app_parse_ctx *ctx, uint64_t ssn, uint32_t tree,
                    const uint8_t *fuid, uint8_t fuid_len, const uint8_t *data, uint32_t len,
                    bool name_fuid, bool *is_pipe, const char **share);

/* One read or write of fuid (SMB1 WRITE/WRITE_ANDX/READ_ANDX, SMB2
 * WRITE/READ): dir 0 a write request, 1 a read response. */
struct smb_io {
    uint8_t vers, dir;
    uint16_t command;
    uint32_t status; /* responses: status of the reply */
    bool dos;        /* responses: status is a DOS error */
    uint64_t ssn, msg_id;
    uint32_t tree;
    const uint8_t *fuid;
    uint8_t fuid_len;
    bool name_fuid;           /* see smb_pipe_check */
    const char *unnamed_file; /* name of a file whose create was not seen */
};
/* Its data: have of the n bytes at offset are at data. Goes to the pipe's
 * DCE/RPC or to the file's transaction (created if needed); the rest of a
 * file chunk is left for the stream in *s. */
void smb_io_data(struct smb_state *st, struct app_parse_ctx *ctx, const struct smb_io *io,
                 uint64_t offset, const uint8_t *data, uint32_t have, uint32_t n,
                 struct smb_stream *s);

/* ---- SMB2 (app_smb2.c) ---- */

struct smb2_hdr {
    uint32_t status;
    uint16_t command;
    uint32_t flags;
    uint32_t next;
    uint64_t msg_id;
    uint32_t tree_id;
    uint64_t session_id;
    bool response, async;
};
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
int smb2_hdr_parse(const uint8_t *d, uint32_t len, struct smb2_hdr *h);
/* One SMB2 record (header at rec; avail bytes present; full bytes make the
 * record; dir 0 from the client). Fills *s when file data follows. */
void smb2_record(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                 const struct smb2_hdr *h, const uint8_t *rec, uint32_t avail, uint32_t full,
                 struct smb_stream *s);
/* Bytes of the record needed before smb2_record can stream its file data
 * (a write request or read response outside a pipe), or 0: buffer it all. */
uint32_t smb2_stream_head(struct smb_state *st, uint8_t dir, const uint8_t *rec, uint32_t avail,
                          uint32_t full);
const char *smb2_command_name(uint16_t cmd);
const char *smb2_dialect_name(uint16_t d, char buf[8]);

/* ---- SMB1 (app_smb1.c) ---- */

void smb1_record(struct smb_state *st, struct app_parse_ctx *ctx, uint8_t dir, const uint8_t *rec,
                 uint32_t avail, uint32_t full, struct smb_stream *s);
uint32_t smb1_stream_head(struct smb_state *st, uint8_t dir, const uint8_t *rec, uint32_t avail,
                          uint32_t full);
const char *smb1_command_name(uint8_t cmd, char buf[8]);

/* ---- names (app_smb_names.c) ---- */

const char *smb_ntstatus_name(uint32_t status);
const char *smb_dos_error_name(uint8_t cls, uint16_t code, char buf[24]);
const char *smb_fsctl_name(uint32_t func, char buf[16]);

#endif
