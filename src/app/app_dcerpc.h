/* SPDX-License-Identifier: Apache-2.0 */
/* DCE/RPC (C706, MS-RPCE) pieces shared by the dcerpc parsers (app_dcerpc.c:
 * connection-oriented over TCP, connectionless over UDP) and SMB, which
 * carries connection-oriented PDUs over named pipes (app_smb*.c). Private to
 * src/app.
 *
 * A "call" is one request/response exchange (or one bind/bind_ack, ...),
 * identified by its call_id; its owner (a dcerpc or smb transaction) embeds a
 * struct dcerpc_call. Presentation contexts negotiated by binds live in a
 * struct dcerpc_bindings per connection (per SMB connection for pipes), so a
 * request's context id resolves to its interface for logging and for
 * dcerpc.iface. Stub data is kept per direction up to DCERPC_STUB_MAX bytes,
 * accounted to the app-layer memcap. */
#ifndef VIGIL_APP_DCERPC_H
#define VIGIL_APP_DCERPC_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app_parser.h"

#define DCERPC_HDR_LEN 16
#define DCERPC_MAX_IFACES 64
#define DCERPC_STUB_MAX (1024u * 1024u)

enum dcerpc_ptype {
    DCERPC_REQUEST = 0,
    DCERPC_PING = 1,
    DCERPC_RESPONSE = 2,
    DCERPC_FAULT = 3,
    DCERPC_WORKING = 4,
    DCERPC_NOCALL = 5,
    DCERPC_REJECT = 6,
    DCERPC_ACK = 7,
    DCERPC_CL_CANCEL = 8,
    DCERPC_FACK = 9,
    DCERPC_CANCEL_ACK = 10,
    DCERPC_BIND = 11,
    DCERPC_BIND_ACK = 12,
    DCERPC_BIND_NAK = 13,
    DCERPC_ALTER_CONTEXT = 14,
    DCERPC_ALTER_CONTEXT_RESP = 15,
    DCERPC_AUTH3 = 16,
    DCERPC_SHUTDOWN = 17,
    DCERPC_CO_CANCEL = 18,
    DCERPC_ORPHANED = 19,
    DCERPC_RTS = 20,
};

#define DCERPC_PFC_FIRST_FRAG 0x01
#define DCERPC_PFC_LAST_FRAG 0x02
#define DCERPC_PFC_OBJECT_UUID 0x80

/* Suricata's names: "REQUEST", "BINDACK", "ALTER_CONTEXT_RESP", ... */
const char *dcerpc_ptype_name(uint8_t ptype);

/* Connection-oriented PDU header. */
struct dcerpc_hdr {
    uint8_t vers, vers_minor, ptype, flags;
    bool le; /* integers little endian (drep) */
    uint16_t frag_len, auth_len;
    uint32_t call_id;
};
/* 0, -EAGAIN (fewer than 16 bytes), -EINVAL (not a version 5 PDU header). */
int dcerpc_hdr_parse(const uint8_t *d, uint32_t len, struct dcerpc_hdr *h);
/* True if the bytes start like a connection-oriented PDU (for probes and for
 * finding the next PDU after a gap). */
bool dcerpc_looks_like_pdu(const uint8_t *d, uint32_t len);

struct dcerpc_iface {
    uint16_t ctxid;
    uint8_t uuid[16]; /* text order */
    uint16_t ver, ver_minor;
    bool acked;
    uint16_t ack_result, ack_reason;
};

struct dcerpc_bindings {
    struct dcerpc_iface ifaces[DCERPC_MAX_IFACES];
    uint16_t count;
    uint16_t ack_next; /* first interface still waiting for its bind_ack result */
};

struct dcerpc_buf {
    uint8_t *data; /* owned */
    uint32_t len, cap;
};

struct dcerpc_call {
    uint32_t call_id;
    uint8_t req_cmd, res_cmd;
    bool req_seen, res_seen; /* a PDU of that side was seen */
    bool req_done, res_done; /* that side is complete (last fragment) */
    bool first_frag;         /* the request's first fragment was seen */
    bool stub_truncated;
    bool in_use;
    uint16_t ctxid, opnum;
    uint32_t frag_cnt[2];
    struct dcerpc_buf stub[2];
    /* Binds: the interfaces the PDU offered, with their results once acked. */
    struct dcerpc_iface *bind_ifaces; /* owned */
    uint16_t nbind_ifaces;
    const struct dcerpc_bindings *bindings; /* the owner's, outlives the call */
};

/* Applies one complete connection-oriented PDU (pdu[0..len), len ==
 * h->frag_len) of direction dir (0 request side) to the call and, for binds
 * and their acks, to the bindings. The caller found the call by call_id. */
void dcerpc_call_apply(struct dcerpc_call *c, struct dcerpc_bindings *b, struct app_parse_ctx *ctx,
                       uint8_t dir, const struct dcerpc_hdr *h, const uint8_t *pdu, uint32_t len);
/* Adds stub bytes to one side, up to DCERPC_STUB_MAX (then stub_truncated). */
void dcerpc_call_add_stub(struct dcerpc_call *c, struct app_parse_ctx *ctx, uint8_t dir,
                          const uint8_t *d, uint32_t n);
/* Frees what the call owns (not the call). thread: for the memcap. */
void dcerpc_call_release(struct dcerpc_call *c, struct app_layer_thread_ctx *thread);

enum dcerpc_log_flavor {
    DCERPC_LOG_TCP, /* EVE "dcerpc": req.opnum, rpc_version, ack_result only */
    DCERPC_LOG_SMB, /* inside "smb": top-level opnum, ack_reason too */
};
/* Writes the members of a dcerpc object (request, response, interfaces, req,
 * res, call_id...) into an open object. rpc_version: "5.0" etc., NULL none. */
void dcerpc_call_write_json(const struct dcerpc_call *c, struct json_writer *w,
                            enum dcerpc_log_flavor flavor, const char *rpc_version);
/* dcerpc.stub_data (per direction) and dcerpc.iface.data for the call. */
int dcerpc_call_get_buffer(const struct dcerpc_call *c, enum app_buffer buffer, uint8_t direction,
                           uint32_t index, const uint8_t **data, uint32_t *len);
/* dcerpc.opnum of a request call: 0 and *value, or -ENOENT. */
int dcerpc_call_opnum(const struct dcerpc_call *c, uint64_t *value);
/* The dcerpc.opnum integer field (struct app_uint_field) that the DCE/RPC
 * and SMB parsers list. */
extern const struct app_uint_field dcerpc_opnum_field;

/* UUID in text order from its wire form (first three fields in drep order). */
void dcerpc_uuid_from_wire(const uint8_t *w, bool le, uint8_t out[16]);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (37 bytes with NUL). */
void dcerpc_uuid_format(const uint8_t uuid[16], char out[37]);

/* Well-known interface and procedure names (app_dcerpc_names.c), as
 * Suricata 9 logs them (service, procedure); NULL if unknown. */
const char *dcerpc_service_name(const uint8_t uuid[16]);
/* Whether EVE names well-known interfaces and their procedures ("service",
 * "procedure", as Suricata 9 writes them; Suricata 8's schema has neither):
 * app-layer.protocols.dcerpc.log-names, default no. Set at configuration. */
void dcerpc_set_log_names(bool on);
const char *dcerpc_procedure_name(const uint8_t uuid[16], uint16_t opnum);

#endif
