/* SPDX-License-Identifier: Apache-2.0 */
/* Application layer: protocol detection, parsers, transactions, files.
 * Public interface for the sensor (which feeds it) and for detection and
 * output (which read transactions). Parsers implement struct app_parser
 * (app_parser.h). One struct app_layer_thread_ctx per worker. */
#ifndef VIGIL_APP_H
#define VIGIL_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app_buffer.h"

struct packet;
struct flow;
struct json_writer;
struct config;

/* Numbering is internal; names are Suricata's (app_proto_name). */
enum app_proto {
    APP_PROTO_UNKNOWN = 0,
    APP_PROTO_FAILED,
    APP_PROTO_HTTP,
    APP_PROTO_TLS,
    APP_PROTO_DNS,
    APP_PROTO_SSH,
    APP_PROTO_SMTP,
    APP_PROTO_FTP,
    APP_PROTO_FTP_DATA,
    APP_PROTO_MDNS, /* multicast DNS (UDP 5353): Suricata 8 logs it as "mdns" */
    APP_PROTO_SMB,
    APP_PROTO_DCERPC, /* DCE/RPC over TCP and UDP (over SMB it is part of smb) */
    APP_PROTO_KRB5,
    APP_PROTO_NFS,
    APP_PROTO_MODBUS, /* Modbus/TCP */
    APP_PROTO_DNP3,   /* DNP3 over TCP and UDP */
    APP_PROTO_ENIP,   /* EtherNet/IP + CIP over TCP and UDP */
    APP_PROTO_MQTT,   /* MQTT 3.1, 3.1.1 and 5 */
    /* Grid and industrial protocols without a Suricata parser (issue 10). */
    APP_PROTO_IEC104,
    APP_PROTO_S7COMM,
    APP_PROTO_MMS,
    APP_PROTO_C37118,
    APP_PROTO_BACNET,
    APP_PROTO_OPCUA,
    APP_PROTO_GOOSE,    /* layer 2 (Ethertype 0x88b8), outside flows: app_l2.h */
    APP_PROTO_SV,       /* layer 2 (0x88ba) */
    APP_PROTO_PROFINET, /* layer 2 (0x8892) */
    APP_PROTO_SIP,      /* SIP over UDP and TCP (issue 15) */
    APP_PROTO_PGSQL,    /* PostgreSQL frontend/backend protocol */
    APP_PROTO_HTTP2,    /* HTTP/2 (app_http2.c) */
    APP_PROTO_LDAP,     /* LDAP over TCP and connectionless LDAP over UDP */
    APP_PROTO_RFB,      /* RFB (VNC) */
    APP_PROTO_SNMP,     /* SNMP v1, v2c, v3 over UDP */
    APP_PROTO_FIX,      /* FIX tag=value over TCP (issue 15) */
    APP_PROTO_DIAMETER, /* Diameter over TCP and SCTP (issue 15) */
    APP_PROTO_GTP,      /* GTPv1-C/v2-C and GTP-U signalling over UDP (issue 15) */
    APP_PROTO_QUIC,     /* QUIC over UDP (IETF v1/v2/drafts, gQUIC) */
    APP_PROTO_ISO8583,  /* ISO 8583 card payments over TCP (issue 15) */
    APP_PROTO_MAX_BUILTIN,
    APP_PROTO_MAX = 64, /* room for parsers added later */
};

/* "http", "tls", "dns", "ssh", "smtp", "ftp", "ftp-data", "mdns", "modbus",
 * "dnp3", "enip", "mqtt", "failed", "unknown". */
const char *app_proto_name(uint16_t proto);
/* -1 if unknown. Accepts Suricata's aliases (e.g. "ssl" for tls, "http1"). */
int app_proto_from_name(const char *name);
/* Whether a parser for the protocol (Suricata's name or alias) is in the
 * registry: rules and configuration for protocols without one cannot take
 * effect. */
bool app_layer_has_parser(const char *name);
/* Name of the i-th registered parser ("" for one left out of the build),
 * NULL past the end. */
const char *app_layer_parser_name(size_t i);

/* Flags for app_layer_handle_tcp_data(). */
enum app_data_flag {
    APP_DATA_GAP = 1u << 0, /* bytes were lost before this chunk (data may be NULL, len = gap size) */
    APP_DATA_EOF = 1u << 1, /* the direction is closed (FIN/RST/flow end); data may be empty */
};

/* Where the app layer sends events it wants logged. The sensor's output
 * layer implements it: it writes the EVE header for the flow and packet, then
 * calls write_body, which writes the protocol member(s) (e.g. "dns": {...})
 * into the open top-level object, then ends the line. */
struct builtin_alert;
struct app_tx;
struct app_file;

struct app_event_sink {
    void *user;
    void (*emit)(void *user, const char *event_type, const struct flow *flow,
                 const struct packet *packet, uint8_t direction,
                 void (*write_body)(const void *object, struct json_writer *w), const void *object);
    /* An app-layer anomaly (Suricata's "anomaly" event, type "applayer"), e.g.
     * layer "http", event "REQUEST_HEADER_REPETITION". */
    void (*anomaly)(void *user, const struct flow *flow, const struct packet *packet,
                    uint16_t app_proto, const char *event_name);
    /* An alert from a built-in detector working on parsed traffic (a shared
     * indicator in a DNS name, a new Modbus function code, ...). May be NULL. */
    void (*alert)(void *user, const struct flow *flow, const struct packet *packet,
                  const struct builtin_alert *alert);
    /* Built-in detectors that look at parsed fields rather than rules
     * (shared indicators, look-alike domains), without knowing protocols:
     * called once per transaction and direction when that direction's part
     * is complete (at flow end for what never completed), and once per file
     * when it closes. They read fields with app_tx_get_buffer_dir(). Only
     * while app_layer_set_inspection_active(true). May be NULL. */
    void (*tx_inspect)(void *user, struct flow *flow, const struct packet *packet,
                       const struct app_tx *tx, uint8_t direction);
    void (*file_closed)(void *user, struct flow *flow, const struct packet *packet,
                        const struct app_file *file);
    /* As emit, but the one event goes into its own new file at path (the
     * file store's fileinfo records). May be NULL. */
    void (*emit_to_file)(void *user, const char *path, const char *event_type,
                         const struct flow *flow, const struct packet *packet, uint8_t direction,
                         void (*write_body)(const void *object, struct json_writer *w),
                         const void *object);
};

/* Options of the Modbus, DNP3, ENIP and MQTT parsers, Suricata's defaults
 * (app-layer.protocols.<p>.* and outputs.eve-log.types.mqtt), loaded by
 * app_ics_config_load (app_ics_config.c). */
struct app_ics_config {
    uint32_t modbus_request_flood;  /* unanswered requests that make a flood (500) */
    uint32_t dnp3_max_tx;           /* live transactions before dnp3.flooded (32) */
    uint32_t dnp3_max_points;       /* points per message (16384) */
    uint32_t dnp3_max_objects;      /* objects per message (2048) */
    bool dnp3_log_confirms;         /* confirm requests are transactions (yes; Suricata: no) */
    uint32_t enip_max_tx;           /* live transactions (1024) */
    uint32_t mqtt_max_msg_len;      /* longer messages are logged truncated (1 MiB) */
    uint32_t mqtt_max_tx;           /* live transactions (4096) */
    uint32_t mqtt_max_messages;     /* messages per transaction (1024) */
    uint32_t mqtt_string_log_limit; /* string-log-limit (1 KiB; 0 = none) */
    bool mqtt_log_passwords;        /* passwords (yes) */
    bool mqtt_frames_at_message;    /* header/data frames at their own message (no:
                                     * Suricata's placement, see app_mqtt.c) */
};

struct app_layer_config {
    bool enabled[APP_PROTO_MAX];          /* app-layer.protocols.<p>.enabled */
    bool detection_only[APP_PROTO_MAX];   /* ... enabled: detection-only (no parsing) */
    /* Testing (Suricata's QA simulation, --simulate-applayer-error-at-
     * offset-ts/-tc): a parser error is reported when a direction's data
     * reaches this stream offset; 0 = off, else offset + 1. */
    uint64_t simulate_error_at[2];
    /* Per transport (APP_IPPROTO_TCP/UDP bits of app_parser.h): as enabled[],
     * unless app-layer.protocols.<p>.tcp.enabled / .udp.enabled say otherwise
     * (the per-transport setting wins, as in Suricata). */
    uint8_t ipprotos_enabled[APP_PROTO_MAX];
    uint32_t http_request_body_limit;     /* libhtp request-body-limit (default 100 KiB) */
    uint32_t http_response_body_limit;
    uint32_t max_tx_per_flow;             /* transactions kept per flow at most (default 512) */
    uint64_t memcap;                      /* app-layer state bytes per worker at most */
    bool ja3_fingerprints, ja4_fingerprints;
    bool file_hash_md5, file_hash_sha1, file_hash_sha256;
    /* outputs.file-store (version 2): files are written to
     * <dir>/tmp/file.<pid>.<id> while open, then to <dir>/<xx>/<sha256> (xx: its
     * first two hex digits) when stored: always with force-filestore, else
     * those a rule's filestore keyword chose; write-fileinfo adds
     * <sha256>.<secs>.<id>.json beside it (the fileinfo event). NULL: off. */
    const char *file_store_dir;
    bool file_store_force, file_store_fileinfo;
    /* max-open-files: files being written at once, process-wide (each holds
     * a descriptor until its transfer ends); past it a file is followed
     * but not written (file_store.open_files_max_hit). 0: no limit. */
    uint32_t file_store_max_open;
    /* Output options of the HTTP/SMTP loggers (outputs.eve-log.types), loaded by
     * app_http_config_load() (app_http.c). */
    uint8_t http_dump_headers;            /* dump-all-headers: 1 request, 2 response, 3 both */
    bool http_xff;                        /* xff enabled in extra-data mode: log "xff" */
    const char *http_xff_header;          /* header name, default X-Forwarded-For */
    bool http_xff_forward;                /* deployment forward: first address, else last */
    bool smtp_extended;                   /* smtp extended logging (message-id, subject, ...) */
    uint32_t ftp_max_line_length;         /* app-layer.protocols.ftp.max-line-length (4096) */
    bool file_force_magic;                /* files.force-magic: libmagic type in fileinfo */
    bool http_double_decode_path;         /* libhtp.default-config.double-decode-path */
    bool http_double_decode_query;        /* libhtp.default-config.double-decode-query */
    uint64_t l2_memcap;                   /* app-layer.l2.memcap: layer-2 protocol state */
    bool sv_log_all;                      /* app-layer.protocols.sv.log-all: every SV frame */
    /* ics-baseline: industrial behaviour baselines (app_baseline.c,
     * docs/ics-baselines.md). */
    bool baseline_enabled;                /* ics-baseline.enabled (default no) */
    const char *baseline_file;            /* ics-baseline.file: loaded and saved; NULL none */
    uint64_t baseline_learn_usec;         /* ics-baseline.learning-time (default 24h) */
    uint64_t baseline_learn_messages;     /* ics-baseline.learning-messages (0: by time) */
    uint64_t baseline_memcap;             /* ics-baseline.memcap (default 16 MiB per worker) */
    bool mms_midstream;                   /* app-layer.protocols.mms.midstream: decode MMS in
                                           * sessions whose set-up was not seen */

    /* SMB (app-layer.protocols.smb.*, outputs.eve-log.types.smb.types),
     * loaded by app_smb_config_load (app_smb.c); sizes 0 mean no limit. */
    uint32_t smb_max_read_size, smb_max_write_size;
    uint32_t smb_max_read_queue_size, smb_max_read_queue_cnt;
    uint32_t smb_max_write_queue_size, smb_max_write_queue_cnt;
    uint32_t smb_max_tx;                  /* transactions per flow (1024) */
    uint32_t smb_log_types;               /* bit per transaction kind logged; 0: all */
    /* app-layer.protocols.dcerpc.max-tx / nfs.max-tx (0: app-layer.max-tx)
     * and dcerpc.max-stub-size (0: DCERPC_STUB_MAX), same loader. */
    uint32_t dcerpc_max_tx, nfs_max_tx, dcerpc_max_stub_size;
    bool pgsql_log_passwords; /* eve-log types pgsql.passwords (default no) */
    uint32_t ldap_max_tx;     /* app-layer.protocols.ldap.max-tx (256) */

    /* DNS and TLS logging options (outputs.eve-log.types.dns / .tls), loaded
     * by app_layer_config_load (app.c); Suricata 8's defaults. */
    uint8_t dns_log_version;              /* 3 (Suricata 8) or 2 (Suricata 7 style) */
    bool dns_log_requests, dns_log_responses;
    bool dns_log_detailed, dns_log_grouped;
    uint16_t dns_log_types[16];           /* query types to log; none listed = all */
    uint8_t dns_log_type_count;
    bool tls_log_certificate, tls_log_chain; /* server cert/chain as base64 ("custom") */
    bool tls_log_client_certificate, tls_log_client_chain;
    bool tls_log_subjectaltname;
    struct app_ics_config ics;            /* Modbus, DNP3, ENIP, MQTT options */
    /* GTP (app-layer.protocols.gtp.*) and the telecom peer detector
     * (telecom-peers.*, gid 7301), loaded by app_gtp_config_load (app_gtp.c). */
    bool gtp_mask_imsi, gtp_mask_msisdn;
    /* app-layer.protocols.diameter.mask-imsi / mask-msisdn: User-Name and
     * Subscription-Id-Data logged with only their first 5 digits */
    bool diameter_mask_imsi, diameter_mask_msisdn;
    bool gtp_log_gpdu; /* log-g-pdu: an event per decapsulated G-PDU (no) */
    bool telecom_peers_enabled;
    uint64_t telecom_peers_learn_usec;
    uint32_t telecom_peers_max;
};

struct config;
void app_gtp_config_load(struct app_layer_config *out, const struct config *cfg);

/* Loads out->ics from cfg (NULL: defaults). Returns 0, or -EINVAL with a
 * message in err naming the bad key (Suricata refuses to start then). */
int app_ics_config_load(struct app_layer_config *out, const struct config *cfg, char *err,
                        size_t errlen);

/* Loads the options above from the eve-log outputs of cfg (cfg may be NULL:
 * Suricata's defaults). Called by app_layer_config_load. */
void app_http_config_load(struct app_layer_config *out, const struct config *cfg);

/* The SMB options above (cfg may be NULL). Called by app_layer_config_load. */
void app_smb_config_load(struct app_layer_config *out, const struct config *cfg);

/* Defaults as Suricata's suricata.yaml; then overrides from cfg if non-NULL. */
void app_layer_config_load(struct app_layer_config *out, const struct config *cfg);

struct app_layer_thread_ctx;
struct app_flow_state;

/* Creates a worker's app-layer context. The sink is copied. NULL on ENOMEM. */
struct app_layer_thread_ctx *app_layer_thread_ctx_new(const struct app_layer_config *cfg,
                                                      const struct app_event_sink *sink);
void app_layer_thread_ctx_free(struct app_layer_thread_ctx *ctx);

/* Feeds in-order reassembled TCP bytes of one direction (0 = to server,
 * 1 = to client). Creates *state on first use (owned by the flow; freed with
 * app_flow_state_free). Runs protocol detection until decided, then the
 * parser. packet is the packet that caused the data to be delivered. */
void app_layer_handle_tcp_data(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                               struct flow *flow, const struct packet *packet, uint8_t direction,
                               const uint8_t *data, uint32_t len, uint32_t flags);

/* Feeds the chunks of one SCTP packet (after the common header): the user
 * data of DATA chunks of protocols identified by their payload protocol
 * identifier (Diameter: 46) or port, in TSN order per direction
 * (duplicates dropped, a missing TSN a gap). */
void app_layer_handle_sctp(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                           struct flow *flow, const struct packet *packet, uint8_t direction,
                           const uint8_t *chunks, uint32_t len);

/* A GTP-U header the decoder decapsulated: logged as a "gtp" event of the
 * outer UDP flow (outer: a packet with the outer layer's addresses and
 * ports), see app_gtp.c. */
struct ip_address;
void app_layer_tunnel_gtpu(struct app_layer_thread_ctx *ctx, struct flow *flow,
                           const struct packet *outer, uint8_t direction, const uint8_t *hdr,
                           uint32_t hdr_len, const struct ip_address *inner_src,
                           const struct ip_address *inner_dst, bool gtp_inside);

/* Feeds one UDP datagram's payload. */
void app_layer_handle_udp(struct app_layer_thread_ctx *ctx, struct app_flow_state **state,
                          struct flow *flow, const struct packet *packet, uint8_t direction,
                          const uint8_t *data, uint32_t len);

/* A frame of a layer-2 protocol vigil parses outside flows (GOOSE,
 * Sampled Values, PROFINET: packet->l2_type set by the decoder): parsed and
 * logged with per-worker state (publishers, bounded by app-layer.l2.memcap).
 * Returns the frame's transaction for detection (valid until the next
 * call), or NULL when the Ethertype is not one of them. */
const struct app_tx *app_layer_handle_l2(struct app_layer_thread_ctx *ctx,
                                         const struct packet *packet);
/* Packet time passed (called about once a second): layer-2 timers, such as
 * a GOOSE publisher silent past its time allowed to live. */
void app_layer_timeout(struct app_layer_thread_ctx *ctx, uint64_t now_usec);

/* Industrial behaviour baselines (ics-baseline): writes what the workers
 * learned (every context given, merged) to path. 0 or -errno. */
int app_layer_baseline_save(struct app_layer_thread_ctx *const *ctxs, size_t n,
                            const char *path);
/* Checks that the configured baseline file can be loaded (start-up): 0, or
 * -errno / -EINVAL with err naming the file and line. */
int app_layer_baseline_check(const struct app_layer_config *cfg, char *err, size_t errlen);

/* Called when the flow ends: logs whatever transactions are still open
 * (as Suricata does at flow end), closes files, and frees nothing. */
void app_layer_flow_end(struct app_layer_thread_ctx *ctx, struct app_flow_state *state,
                        struct flow *flow);

void app_flow_state_free(struct app_flow_state *state);

/* True once after the application layer reversed the flow's direction
 * (flow_swap: the first data seen was the server's, e.g. a DNS response or,
 * on a session picked up midstream, an HTTP response). The caller then flips
 * the current packet's flow_direction and, for TCP, swaps the session's
 * sides (stream_session_swap) before the next packet. */
bool app_flow_state_take_reverse(struct app_flow_state *state);
/* True once the flow's parser gave up on an error (Suricata's app-layer
 * error, the target of app-layer.error-policy). */
bool app_flow_state_parser_failed(const struct app_flow_state *state);

/* The detected protocol of the flow (APP_PROTO_UNKNOWN while undecided). */
uint16_t app_flow_state_proto(const struct app_flow_state *state);
/* Per direction (0 to server, 1 to client), as Suricata's app_proto_ts /
 * app_proto_tc: differs from app_flow_state_proto() when the two directions
 * speak different protocols. */
uint16_t app_flow_state_proto_dir(const struct app_flow_state *state, uint8_t direction);
/* The protocol before a protocol change (STARTTLS, CONNECT), Suricata's
 * "app_proto_orig"; APP_PROTO_UNKNOWN if none happened. */
uint16_t app_flow_state_proto_orig(const struct app_flow_state *state);
/* Flow-level app-layer events (layer "proto_detect"), for rules'
 * app-layer-event:applayer_mismatch_protocol_both_directions and friends:
 * true if event_name (with or without an "applayer_" prefix; case-insensitive)
 * was raised on the flow. */
bool app_flow_state_has_event(const struct app_flow_state *state, const char *event_name);

/* Rule loading: 0 if the app-layer-event value `name` ("<proto>.<event>", or
 * a flow-level "applayer_*" name) is raised by vigil, i.e. listed in the
 * event table a parser registered (struct app_parser.event_names); else
 * -ENOENT (unknown event of a parser vigil has), -ENOTSUP (a Suricata event
 * the parser does not raise) or -EPROTONOSUPPORT (no parser for the
 * protocol), with a message naming what is unknown in why. */
int app_event_name_check(const char *name, char *why, size_t why_len);

/* Transactions, for detection and for alert metadata. A transaction handle is
 * valid until the next app_layer_handle_* call on the flow. */
struct app_tx;

/* Calls fn for each live transaction of the flow, oldest first; stops when fn
 * returns non-zero and returns that value. */
int app_flow_state_tx_foreach(struct app_flow_state *state,
                              int (*fn)(struct app_tx *tx, void *user), void *user);
uint64_t app_tx_id(const struct app_tx *tx);
/* How many times the parser marked the transaction changed beyond its
 * buffers (struct app_tx.changes): detection inspects it again then. */
uint16_t app_tx_changes(const struct app_tx *tx);
/* Same as app_tx_get_buffer, for the side of the conversation a rule
 * inspects (direction 0: to server, 1: to client), as Suricata does for
 * buffers that exist on both sides: ssh.proto/ssh.software/ssh.hassh* give
 * the client's banner to to-server inspection and the server's to to-client;
 * tls.cert_* and tls.certs give the client certificate to to-server
 * inspection and the server's to to-client. For every other buffer it is
 * app_tx_get_buffer. Detection should prefer this one. */
int app_tx_get_buffer_dir(const struct app_tx *tx, enum app_buffer buffer, uint8_t direction,
                          uint32_t index, const uint8_t **data, uint32_t *len);
/* Instance `index` of a buffer that takes an argument in rules (fix.tag:N),
 * for argument arg; -ENOENT when there is none. */
int app_tx_get_buffer_arg(const struct app_tx *tx, enum app_buffer buffer, uint32_t arg,
                          uint32_t index, const uint8_t **data, uint32_t *len);
/* 0 or 1 when the transaction belongs to one direction only (a DNS request
 * or response is its own transaction): rules with flow:to_server /
 * to_client should only look at matching ones. -1: both directions. */
int app_tx_direction(const struct app_tx *tx);
/* Parser-specific progress: true when the direction's part is complete. */
bool app_tx_complete(const struct app_tx *tx, uint8_t direction);
/* Gets instance `index` (0-based; multi-buffers such as dns.answer.name have
 * several) of a detection buffer. Returns 0 and sets data/len, or -ENOENT. */
int app_tx_get_buffer(const struct app_tx *tx, enum app_buffer buffer, uint32_t index,
                      const uint8_t **data, uint32_t *len);
/* True if the app-layer event event_name was raised on the transaction;
 * event_name is Suricata's "<proto>.<event>" as in app-layer-event rules
 * (e.g. "dns.malformed_data"); the proto part must match the tx's parser. */
bool app_tx_has_event(const struct app_tx *tx, const char *event_name);
/* True when the transaction's parser records each event on the transaction
 * of its message, or on none (struct app_parser.events_on_packet). */
bool app_tx_events_on_packet(const struct app_tx *tx);
/* Detection calls this when it is done with a transaction in a direction
 * (0 to server, 1 to client); parsers keep the transaction until both. */
void app_tx_set_detect_done(struct app_tx *tx, uint8_t direction);
/* Set once at start-up, before workers run, when rules are loaded: from then
 * on transactions wait for detection before they are freed. */
void app_layer_set_detection_active(bool active);
/* Set once at start-up when built-in field inspection (tx_inspect,
 * file_closed) is wanted: transactions then also wait for it, and files are
 * hashed (MD5, SHA-1, SHA-256) for it even when no output logs hashes. */
void app_layer_set_inspection_active(bool active);
bool app_layer_inspection_active(void);
/* Which file hashes the inspectors need (files opened from now on compute
 * them even if no output logs them): any thread. */
#define APP_INSPECT_MD5 1u
#define APP_INSPECT_SHA1 2u
#define APP_INSPECT_SHA256 4u
void app_layer_set_inspection_hashes(unsigned mask);
unsigned app_layer_inspection_hashes(void);

/* Integer fields of transactions, for rule keywords ("iec104.typeid",
 * "s7comm.function", "nfs.procedure", "dcerpc.opnum", ...). There is one
 * mechanism: each parser lists its fields in a table of struct
 * app_uint_field (struct app_parser.uint_fields, app_parser.h) and answers
 * them in its tx_get_field_uint; no central list of fields exists. Rule
 * loading finds a field by its keyword name (app_uint_ref_resolve: every
 * protocol that has it, e.g. dcerpc.opnum in DCE/RPC and in SMB), matching
 * is then O(1) per transaction (app_tx_get_uint_ref). Value names (e.g.
 * "plc_stop" for s7comm.function) are resolved when rules load: the
 * field's names table, or the parser's uint_value_from_name for names whose
 * number depends on the transaction (NFS procedures by version). */
struct app_uint_enum {
    const char *name;
    uint64_t value;
};
struct app_uint_field {
    const char *keyword;               /* "iec104.typeid" */
    uint8_t dir;                       /* 1 to server only, 2 to client only, 3 both */
    uint64_t max;                      /* largest value (e.g. 255 for a byte) */
    const struct app_uint_enum *names; /* {NULL, 0}-terminated, or NULL */
    /* Detection gives the keyword a syntax of its own (Suricata's
     * dcerpc.opnum ranges, krb5.ticket_encryption:weak, ...; see
     * src/detect/detect_kw_winrpc.c): no generic integer keyword is made
     * from the field, its keyword resolves it by name. */
    bool own_syntax;
};
/* The i-th integer field over every parser (flow and layer-2), with its
 * protocol and field id; NULL past the last. For the rule keyword table. */
const struct app_uint_field *app_uint_field_at(size_t i, uint16_t *app_proto, uint16_t *field);
/* Finds an integer keyword over every parser (flow and layer-2). Returns the
 * field (and its protocol and field id) of the first parser that has it, or
 * NULL. */
const struct app_uint_field *app_uint_keyword_lookup(const char *keyword, uint16_t *app_proto,
                                                     uint16_t *field);
/* A field resolved by keyword for every protocol whose parser lists it: per
 * enum app_proto, its index in that parser's table plus one (0: none). */
struct app_uint_ref {
    uint8_t field[APP_PROTO_MAX];
};
/* Fills ref for keyword; returns how many protocols have the field (0: no
 * parser has it, the keyword is unknown). */
int app_uint_ref_resolve(const char *keyword, struct app_uint_ref *ref);
/* Instance `index` (0-based; a field may occur several times in a
 * transaction) of a resolved field: 0 and *value, and *name (when not NULL)
 * set to the name the protocol gives the value in this transaction's context
 * (static string) or NULL; -ENOENT when absent or of another protocol. */
int app_tx_get_uint_ref(const struct app_tx *tx, const struct app_uint_ref *ref, uint32_t index,
                        uint64_t *value, const char **name);
/* Same, resolving keyword first (for tests and tools, not for the match
 * path: that resolves once with app_uint_ref_resolve). */
int app_tx_get_uint_by_name(const struct app_tx *tx, const char *keyword, uint32_t index,
                            uint64_t *value, const char **name);
/* Same for field `field` of app_proto's table (tests, fuzz harnesses and
 * the generic keywords, which are made from one parser's field). */
int app_tx_get_field_uint(const struct app_tx *tx, uint16_t app_proto, uint16_t field,
                          uint32_t index, uint64_t *value, const char **name);
/* For rule loading: whether `name` (case-insensitive) is a value name of the
 * field named keyword. Returns 1 and sets *value when the name always means
 * that value, 0 when it is known but its value depends on the transaction
 * (an NFS procedure of several versions: compare the names the getter
 * gives), -1 when no parser knows it. */
int app_uint_value_from_name(const char *keyword, const char *name, uint64_t *value);
/* The enum app_proto of a transaction's parser. */
uint16_t app_tx_proto(const struct app_tx *tx);

/* The client address an HTTP proxy recorded in the request header `header`
 * (X-Forwarded-For): the first valid IPv4/IPv6 address of the list when
 * forward, the last when not (Suricata's xff deployment forward/reverse).
 * Writes it to ip and returns true; false for other protocols or when the
 * header has no valid address. */
bool app_http_tx_xff(const struct app_tx *tx, const char *header, bool forward, char *ip,
                     size_t iplen);

/* ---- Frames (Suricata's frame keyword; app_frame.c) ----
 * Parsers report frames (typed byte ranges of the reassembled stream: a
 * PDU, its header, its payload) as they parse; detection inspects each
 * frame's bytes once, on a packet of its direction (or at flow end). Only
 * kept while active (app_layer_set_frames_active: rules use frames). */
struct app_frame_info {
    uint64_t id;        /* per flow and direction, from 1 (TCP: 2, 1 is the stream) */
    uint64_t offset;    /* stream offset of the frame's first byte */
    int64_t len;        /* -1: not known */
    int64_t tx_id;      /* the transaction's id (app_tx_id), -1: none */
    int64_t log_tx_id;  /* tx_id as logged (the parser's numbering), -1: none */
    uint16_t app_proto; /* enum app_proto */
    uint8_t type;       /* index in the parser's frame_names */
    uint8_t direction;  /* 0 to server, 1 to client */
    bool complete;      /* all len bytes are there */
    const char *type_name;
    const uint8_t *data; /* the bytes at hand (valid during the callback) */
    uint32_t data_len;
    uint64_t missing;    /* bytes a gap took (0: none) ... */
    uint32_t missing_at; /* ... after the first missing_at bytes of data */
};
void app_layer_set_frames_active(bool active);
bool app_layer_frames_active(void);
/* Rules use the stream frame (frame:<proto>.stream, type
 * APP_FRAME_TYPE_STREAM, id 1): every TCP parser's flow gets it. */
#define APP_FRAME_TYPE_STREAM 255
void app_layer_set_stream_frames_active(bool active);
bool app_layer_stream_frames_active(void);
/* A rule alerts once per stream frame: whether `rule` has alerted on the
 * direction's stream frame (set: remember it now if not). */
bool app_flow_stream_frame_alerted(struct app_flow_state *state, uint8_t direction,
                                   uint32_t rule, bool set);
/* Rule loading: the frame type `name` of app_proto ("pdu"), or -1. */
int app_frame_type_lookup(uint16_t app_proto, const char *name);
/* Calls fn for each frame of `direction` not inspected yet, oldest first
 * (detection, then the EVE frame log, on a packet of that direction).
 * Frames whose bytes the stream has not all delivered yet wait, unless
 * final (flow end: they are inspected as they are, incomplete). */
void app_flow_frames_foreach(struct app_flow_state *state, uint8_t direction, bool final,
                             void (*fn)(const struct app_frame_info *fi, void *user), void *user);
/* Forgets them (the worker, once the packet is done with); waiting frames
 * stay unless final. */
void app_flow_frames_clear(struct app_flow_state *state, uint8_t direction, bool final);
/* foreach, then clear, final. */
void app_flow_frames_inspect(struct app_flow_state *state, uint8_t direction,
                             void (*fn)(const struct app_frame_info *fi, void *user), void *user);

/* Writes the protocol member(s) of the transaction ("http": {...}) into an
 * open JSON object: used for alerts' app-layer metadata. */
void app_tx_write_json(const struct app_tx *tx, struct json_writer *w);
/* True when Suricata has no parser for the transaction's protocol (its
 * object is not in Suricata's EVE schema; struct app_parser.vigil_only). */
bool app_tx_vigil_only(const struct app_tx *tx);

struct app_layer_stats {
    uint64_t flows[APP_PROTO_MAX];
    uint64_t tx[APP_PROTO_MAX];
    uint64_t errors[APP_PROTO_MAX];
    /* The UDP share of the above, for protocols Suricata counts per
     * transport ("enip_tcp" / "enip_udp"). */
    uint64_t flows_udp[APP_PROTO_MAX];
    uint64_t tx_udp[APP_PROTO_MAX];
    uint64_t errors_udp[APP_PROTO_MAX];
    uint64_t memuse, memcap_drops;
    /* vigil-only (stats.c moves them under "vigil"): app_layer.limit.<proto>,
     * the times a parser stopped at one of its own limits and skipped the
     * rest of what it was reading; app_layer.undecrypted.<proto>, records a
     * parser could not decrypt because it had no keys for them (e.g. QUIC
     * Initials whose keys the capture does not show). Nonzero ones are written. */
    uint64_t limits[APP_PROTO_MAX], undecrypted[APP_PROTO_MAX];
    /* file_store.fs_errors (written with the file store on). */
    bool file_store_on;
    uint64_t file_store_fs_errors;
    uint64_t file_store_open_max_hit;
    /* app_layer.error.<proto>.exception_policy (Suricata's per-app-proto-errors):
     * the app-layer error policy applied, by protocol and policy (enum
     * ips_policy without ignore: drop_flow .. reject); written when on. */
    bool error_policy_on;
    uint64_t error_policy[APP_PROTO_MAX][6], error_policy_udp[APP_PROTO_MAX][6];
};
/* Turns the per-protocol error policy counters on (their keys are written
 * from the start, zeros included). */
void app_layer_error_policy_stats_enable(struct app_layer_thread_ctx *ctx);
/* The app-layer error policy `policy` (0..5) was applied to a flow of proto. */
void app_layer_error_policy_count(struct app_layer_thread_ctx *ctx, uint16_t proto, bool udp,
                                  int policy);
const struct app_layer_stats *app_layer_thread_stats(const struct app_layer_thread_ctx *ctx);
void app_layer_stats_add(struct app_layer_stats *dst, const struct app_layer_stats *src);
/* Writes "app_layer": {"flow": {"http": N, "dns_udp": N, ...}, "tx": {...},
 * "error": {"http": {"gap": 0, "alloc": 0, "parser": N, "internal": 0}}}
 * into an open object, with Suricata's counter names. */
void app_layer_stats_write_json(const struct app_layer_stats *s, struct json_writer *w);

#endif
