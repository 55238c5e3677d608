/* SPDX-License-Identifier: Apache-2.0 */
/* The interface between the application-layer framework (app.c: detection,
 * dispatch, memcap, logging) and the protocol parsers (app_<proto>.c). Not
 * for use outside src/app/.
 *
 * Adding a parser: one file src/app/app_<proto>.c defining a
 * `const struct app_parser app_parser_<proto>` and its entry in app.c's
 * registry. Register the app-layer event names the parser raises in
 * .event_names (and other spellings in .event_aliases): rule loading checks
 * `app-layer-event:<proto>.<event>` against these tables, so a rule naming an
 * event that is not there fails to load with an error naming it, and an
 * event a parser raises but does not list cannot be matched by any rule. */
#ifndef VIGIL_APP_PARSER_H
#define VIGIL_APP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "util/builtin_alert.h"

struct app_file;

/* Every parser transaction struct starts with this member:
 *     struct dns_tx { struct app_tx base; ... };
 * so the framework can hand it out as struct app_tx *. */
struct app_tx {
    const struct app_parser *parser;
    uint64_t id;       /* 0-based per flow, in creation order */
    bool logged;       /* the parser already logged it */
    uint8_t detect_done; /* detection finished with it: bit 0 to server, bit 1 to client */
    uint8_t inspect_done; /* built-in field inspection (intel) done: bit 0 to server, 1 to client */
    /* Bumped by a parser when a transaction gains content that no
     * detection buffer shows (another response, a new integer field):
     * detection then inspects it again (Suricata's tx "updated" flags). */
    uint16_t changes;
    /* A rule's filestore chose this transaction's files of these
     * directions (bit 0 to server, bit 1 to client), later ones too. */
    uint8_t file_store;
};

/* Whether a parser may free a transaction: it is logged and, when rules are
 * loaded, detection is done with it in both directions (Suricata keeps a
 * transaction until both its loggers and its detection are through). */
bool app_tx_can_free(const struct app_tx *tx);

/* Passed to every parser call. */
struct app_parse_ctx {
    struct app_layer_thread_ctx *thread;
    struct flow *flow;
    const struct packet *packet; /* may be NULL at flow end */
    uint64_t ts_usec;
    /* Frames (app_frame_add): the flow's frame store when frames are
     * active (else NULL) and the stream offset of the first byte of the
     * data given to this parse call, in the direction's stream. */
    struct app_frames *frames;
    uint64_t stream_offset;
    /* Only during state_new of a flow detected through an expectation
     * (app_expectation_add): the data given there, else NULL. The framework
     * frees it with its data_free after state_new returns: copy what you keep. */
    void *expectation_data;
    /* Only during state_new: the protocol the flow switched from (STARTTLS,
     * PostgreSQL SSLRequest), else APP_PROTO_UNKNOWN. */
    uint16_t proto_orig;
};

enum app_probe_result {
    APP_PROBE_NO = 0,        /* certainly not this protocol */
    APP_PROBE_MATCH = 1,     /* this protocol */
    APP_PROBE_NEED_MORE = 2, /* can't tell yet */
};

enum app_parser_ipproto { APP_IPPROTO_TCP = 1, APP_IPPROTO_UDP = 2 };

struct app_parser {
    uint16_t proto;          /* enum app_proto */
    const char *name;        /* Suricata's name, e.g. "dns" */
    uint8_t ipprotos;        /* enum app_parser_ipproto bits */
    uint16_t ports[8];       /* port hints, 0-terminated; used as tie-breaker */

    /* Content probe on the first bytes of a direction (TCP: accumulated
     * stream bytes; UDP: one datagram). May be NULL (port-only detection). */
    enum app_probe_result (*probe)(const uint8_t *data, uint32_t len, uint8_t direction);

    /* Per-flow parser state. state_new returns NULL on ENOMEM. */
    void *(*state_new)(struct app_parse_ctx *ctx);
    void (*state_free)(void *state);

    /* Parses stream bytes (TCP, in order) or one datagram (UDP) of one
     * direction; flags are enum app_data_flag. Returns 0, or -1 if the parser
     * gives up on this flow (counted as an error; no more data is fed). */
    int (*parse)(void *state, struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *data,
                 uint32_t len, uint32_t flags);

    /* Flow end: log what is still pending. May be NULL. */
    void (*flow_end)(void *state, struct app_parse_ctx *ctx);

    /* Transactions. */
    int (*tx_foreach)(void *state, int (*fn)(struct app_tx *tx, void *user), void *user);
    bool (*tx_complete)(const struct app_tx *tx, uint8_t direction);
    int (*tx_get_buffer)(const struct app_tx *tx, enum app_buffer buffer, uint32_t index,
                         const uint8_t **data, uint32_t *len);
    void (*tx_write_json)(const struct app_tx *tx, struct json_writer *w);

    /* Protocol change (STARTTLS, CONNECT, Upgrade): the parser returns the
     * new protocol once the switch happened, else APP_PROTO_UNKNOWN. May be NULL. */
    uint16_t (*switch_proto)(void *state);
    /* With a protocol change: what the new parser's state_new gets in
     * ctx->expectation_data (e.g. the HTTP/1 request of an h2c upgrade),
     * freed with *data_free after it returns. May be NULL. */
    void *(*switch_data)(void *state, void (**data_free)(void *data));

    /* The probe is weak evidence: only used when a port hint matches (as
     * Suricata's DNS-over-UDP detection, limited to its detection ports,
     * which keeps NetBIOS name service on 137 from looking like DNS). */
    bool probe_needs_port;

    /* Suricata has no parser for the protocol: its object in alerts is not
     * in Suricata's EVE schema, so alerts carry it only when the eve-log
     * output asks (types: - alert: vigil-protocols: yes). */
    bool vigil_only;

    /* App-layer events (Suricata's app-layer-event keyword) raised on a
     * transaction: true if event_name (without the "<proto>." prefix, e.g.
     * "malformed_data") was raised. May be NULL (no per-tx events). */
    bool (*tx_has_event)(const struct app_tx *tx, const char *event_name);

    /* The registration of the parser's app-layer event names: every event
     * tx_has_event or app_parser_anomaly can raise, spelled as rules write
     * it after the "<name>." prefix (Suricata's names, e.g.
     * "malformed_data"; compared case-insensitively), NULL-terminated.
     * Rule loading consults these tables (app_event_name_check): a rule
     * naming an event that no parser of that protocol lists fails to load
     * with an error naming it, so a new parser only fills this table.
     * event_aliases: other spellings rules may use for listed events (e.g.
     * DNS "not_request" for "not_a_request"), NULL-terminated, may be NULL.
     * Both NULL: the parser raises no events and any rule naming one of its
     * events is an error. */
    const char *const *event_names;
    const char *const *event_aliases;
    /* Suricata's names of events of this protocol that the parser does not
     * raise (yet), NULL-terminated, may be NULL: a rule naming one is
     * reported as unsupported and not loaded (never accepted to match
     * nothing). Move a name to event_names when the parser raises it. */
    const char *const *event_names_unsupported;

    /* For transactions that belong to one direction only (a DNS message):
     * 0 to server, 1 to client; -1 for both. May be NULL (both). */
    int (*tx_direction)(const struct app_tx *tx);
    /* True when the parser records each event raised on a message on that
     * message's transaction (tx_has_event), or on none (framing errors):
     * detection then matches an event raised on the packet only against the
     * transaction that records it (or, recorded by none, any), so an alert
     * names the right transaction and is not repeated for it later. */
    bool events_on_packet;

    /* Per-side variant of tx_get_buffer (see app_tx_get_buffer_dir); return
     * -EAGAIN to fall back to tx_get_buffer. May be NULL. */
    int (*tx_get_buffer_dir)(const struct app_tx *tx, enum app_buffer buffer, uint8_t direction,
                             uint32_t index, const uint8_t **data, uint32_t *len);

    /* Integer fields for rule keywords (iec104.typeid:45; nfs.procedure;
     * ...; see struct app_uint_field in app.h): the parser's table
     * (n_uint_fields entries, at most 255; field ids are indexes into it)
     * and the value getter: instance `index` (0-based; a field may occur
     * several times in a transaction, e.g. one type id per ASDU) of field
     * `field`. Returns 0 and sets *value and *name (the value's name in
     * this transaction's context, a static string, or NULL; name is never
     * NULL), or -ENOENT. Parsers of one protocol (TCP and UDP) share one
     * table. detect_tx_kw.c makes the generic integer keywords from these
     * tables at start-up: a new protocol's fields need no central enum. */
    const struct app_uint_field *uint_fields;
    uint16_t n_uint_fields;
    int (*tx_get_field_uint)(const struct app_tx *tx, uint16_t field, uint32_t index,
                             uint64_t *value, const char **name);
    /* Value names whose number depends on the transaction (see
     * app_uint_value_from_name; the table's names are looked up first):
     * 1 and *value, 0 (known, value varies), -1 (unknown). May be NULL. */
    int (*uint_value_from_name)(uint16_t field, const char *name, uint64_t *value);

    /* Layer-2 protocols (GOOSE, Sampled Values, PROFINET), parsed outside
     * flows (ipprotos 0, no probe): frames of this Ethertype go to l2_frame
     * with the payload after the Ethertype (and any VLAN tags). `state` is
     * the protocol's per-worker state, made with state_new on the first
     * frame (ctx->flow is NULL) and freed with state_free with the worker.
     * l2_frame logs the frame and returns its transaction (owned by the
     * state, valid until the next frame) for detection, or NULL.
     * l2_timeout (may be NULL) is called as packet time passes. */
    uint16_t ethertype;
    struct app_tx *(*l2_frame)(void *state, struct app_parse_ctx *ctx, const uint8_t *data,
                               uint32_t len);
    void (*l2_timeout)(void *state, struct app_parse_ctx *ctx, uint64_t now_usec);

    /* Frames (Suricata's frame keyword): the names of the frame types the
     * parser reports with app_frame_add, NULL-terminated (the type is the
     * index), e.g. {"pdu", "hdr", "data", NULL}. Rules name them
     * frame:<proto>.<name>. NULL: the parser reports no frames. */
    const char *const *frame_names;
    /* Suricata's Rust parsers number transactions from 1 where frames log
     * them: the frames' logged tx_id is then the transaction's id + 1.
     * Parsers always give app_frame_add their own (0-based) id, which
     * detection uses to find the transaction. */
    bool frame_tx_id_from_one;

    /* Buffers that take an argument in rules (fix.tag:35): instance `index`
     * of `buffer` for argument `arg`; tx_get_buffer without the argument
     * gives every instance (used for prefiltering). May be NULL. */
    int (*tx_get_buffer_arg)(const struct app_tx *tx, enum app_buffer buffer, uint32_t arg,
                             uint32_t index, const uint8_t **data, uint32_t *len);

    /* The transaction's files (a list linked through app_file.next, each
     * with its direction), for the filestore keyword. May be NULL. */
    struct app_file *(*tx_files)(const struct app_tx *tx);
};

/* filestore (a rule matched): the files of tx in dirs (bit 0 to server,
 * bit 1 to client) are kept by the file store, and those it opens later. */
void app_tx_files_store(struct app_tx *tx, uint8_t dirs);
/* filestore with scope flow: every file of the flow in dirs, from now on. */
struct app_flow_state;
void app_flow_files_store(struct app_flow_state *state, uint8_t dirs);
/* Whether the flow's files of direction are all to be stored (file_open). */
bool app_parser_files_store_all(const struct app_parse_ctx *ctx, uint8_t direction);

/* Frames: a parser reports a unit of its protocol (a PDU, its header, its
 * payload) of `type` (index in frame_names) at stream offset `offset` of
 * `direction` (the wire direction: 0 to server), `len` bytes long (-1: not
 * known), belonging to transaction tx_id (-1: none). data/avail: the
 * frame's bytes from the reassembled stream that the parser holds (the whole
 * frame when it has been parsed whole: avail == len), copied into the
 * flow's frame store for detection. Returns the frame's id (per flow and
 * direction, from 1; 1 is the stream frame on TCP), 0 when frames are not active or the store is full. Cheap no-op when
 * no rule uses frames. */
uint64_t app_frame_add(struct app_parse_ctx *ctx, uint8_t direction, uint64_t offset, int64_t len,
                       uint8_t type, int64_t tx_id, const uint8_t *data, uint32_t avail);
/* A frame whose end is not known when it starts (an HTTP/1 request, an
 * SMTP DATA body): opened at `offset`, its bytes taken from the stream as
 * the parser is fed (up to APP_FRAME_OPEN_MAX), inspected once the parser
 * closes it with its length (or at flow end, incomplete). Returns its id
 * (0: not kept; app_frame_close ignores 0). */
uint64_t app_frame_open(struct app_parse_ctx *ctx, uint8_t direction, uint64_t offset,
                        uint8_t type, int64_t tx_id);
void app_frame_close(struct app_parse_ctx *ctx, uint8_t direction, uint64_t id, int64_t len);
/* The usual frames of a whole PDU of `len` bytes at `pdu`: the PDU itself
 * (type t_pdu), its header (its first hdr_len bytes, t_hdr) and the rest
 * (t_data, when there is any). */
void app_frame_add_pdu(struct app_parse_ctx *ctx, uint8_t direction, uint64_t offset,
                       const uint8_t *pdu, uint32_t len, uint32_t hdr_len, uint8_t t_pdu,
                       uint8_t t_hdr, uint8_t t_data, int64_t tx_id);
/* Whether frames are active for this parse call (ctx->frames set). */
static inline bool app_frames_on(const struct app_parse_ctx *ctx)
{
    return ctx && ctx->frames;
}

/* The layer-2 parsers, i = 0, 1, ...; NULL past the last. */
const struct app_parser *app_l2_parser(size_t i);

/* Services the framework gives parsers. */

/* Logs one event of event_type for the flow (see struct app_event_sink). */
void app_parser_log(struct app_parse_ctx *ctx, const char *event_type, uint8_t direction,
                    void (*write_body)(const void *object, struct json_writer *w),
                    const void *object);
/* Reports an app-layer anomaly (counted and logged as EVE "anomaly"). */
void app_parser_anomaly(struct app_parse_ctx *ctx, uint16_t app_proto, const char *event_name);
/* Raises a built-in detector's alert (struct builtin_alert) on the current
 * flow and packet; written at once (EVE alert, fast.log) by the sink. */
void app_parser_alert(struct app_parse_ctx *ctx, const struct builtin_alert *alert);
/* A file closed (file.c calls it): the sink's built-in inspectors see it. */
void app_parser_file_closed(struct app_parse_ctx *ctx, const struct app_file *file);
/* Memory accounting against the app-layer memcap: returns false (and counts a
 * memcap drop) if size bytes can't be reserved; release what was reserved. */
bool app_memory_reserve(struct app_parse_ctx *ctx, size_t size);
void app_memory_release(struct app_parse_ctx *ctx, size_t size);
/* The configuration in force. */
const struct app_layer_config *app_parser_config(const struct app_parse_ctx *ctx);

/* Same as app_memory_release without a parse context (for state_free, which
 * gets none: keep ctx->thread from state_new). */
void app_thread_memory_release(struct app_layer_thread_ctx *thread, size_t size);
bool app_thread_memory_reserve(struct app_layer_thread_ctx *thread, size_t size);

/* The parser state of flow f when its protocol is proto, else NULL (for a
 * parser's own helpers that outputs call with the flow, e.g.
 * app_iso8583_redact). */
void *app_flow_parser_state(const struct flow *f, uint16_t proto);

/* Counts a new transaction of app_proto in the stats (app_layer.tx.<proto>). */
void app_parser_count_tx(struct app_parse_ctx *ctx, uint16_t app_proto);
/* The file store could not create, write or rename a file
 * (file_store.fs_errors); thread may be NULL. */
void app_file_store_error(struct app_layer_thread_ctx *thread);
/* A file not written: max-open-files were being written already. */
void app_file_store_open_max_hit(struct app_layer_thread_ctx *thread);
/* Writes one EVE event (as app_parser_log would) into its own file at path
 * instead of the EVE outputs (the file store's .json records). */
void app_parser_log_to_file(struct app_parse_ctx *ctx, const char *path, const char *event_type,
                            uint8_t direction,
                            void (*write_body)(const void *object, struct json_writer *w),
                            const void *object);
/* The parser stopped at one of its own limits (transactions, buffer sizes)
 * and skips what follows (app_layer.limit.<proto>, vigil-only stats). */
void app_parser_count_limit(struct app_parse_ctx *ctx, uint16_t app_proto);
/* A record the parser cannot read for want of keys the capture does not
 * show (app_layer.undecrypted.<proto>, vigil-only stats). */
void app_parser_count_undecrypted(struct app_parse_ctx *ctx, uint16_t app_proto);

/* Returned by switch_proto when the parser hands the rest of the stream back
 * to content detection (HTTP CONNECT / Upgrade): the framework frees the
 * parser state and probes the following bytes again. */
#define APP_PROTO_DETECT_AGAIN ((uint16_t)0xfffe)

/* Expectations (FTP data channels): a future flow from `client` (NULL: any
 * address) to `server`:`server_port` (from either side: the first packet may
 * come from the server in active mode) is given app_proto without content
 * detection. data (may be NULL) is handed to the new flow's state_new via
 * ctx->expectation_data, then freed with data_free (may be NULL); an unused
 * expectation's data is freed when it expires (after timeout_sec of
 * capture time) or with the thread context. At most APP_EXPECTATION_MAX are
 * kept per worker; the oldest is dropped. Returns 0 or -ENOMEM. */
#define APP_EXPECTATION_MAX 256
struct ip_address;
int app_expectation_add(struct app_parse_ctx *ctx, uint16_t app_proto,
                        const struct ip_address *client, const struct ip_address *server,
                        uint16_t server_port, uint32_t timeout_sec, void *data,
                        void (*data_free)(void *data));

/* Content detection (app_detect.c): runs the probes of the candidate parsers
 * (those supporting ipproto_bit) on data. Returns the chosen parser, or NULL;
 * then *need_more says whether more bytes could still decide. Among several
 * matches the one whose port hints contain port_a or port_b wins, else the
 * first in table order. A parser without a probe is never chosen here.
 * final: no more bytes will come (buffer full, EOF, UDP): take any match. */
const struct app_parser *app_detect_probe(const struct app_parser *const *parsers, size_t count,
                                          uint8_t ipproto_bit, const uint8_t *data, uint32_t len,
                                          uint8_t direction, uint16_t port_a, uint16_t port_b,
                                          bool final, bool *need_more);
/* True if port is one of the parser's hints. */
bool app_detect_port_hint(const struct app_parser *parser, uint16_t port);

/* The parsers, defined in their own files. */
extern const struct app_parser app_parser_http;
extern const struct app_parser app_parser_dns_tcp;
extern const struct app_parser app_parser_dns_udp;
extern const struct app_parser app_parser_tls;
extern const struct app_parser app_parser_ssh;
extern const struct app_parser app_parser_smtp;
extern const struct app_parser app_parser_ftp;
extern const struct app_parser app_parser_ftp_data;
extern const struct app_parser app_parser_smb;
extern const struct app_parser app_parser_dcerpc_tcp;
extern const struct app_parser app_parser_dcerpc_udp;
extern const struct app_parser app_parser_krb5_tcp;
extern const struct app_parser app_parser_krb5_udp;
extern const struct app_parser app_parser_nfs_tcp;
extern const struct app_parser app_parser_nfs_udp;
extern const struct app_parser app_parser_modbus;
extern const struct app_parser app_parser_dnp3;
extern const struct app_parser app_parser_enip;
extern const struct app_parser app_parser_mqtt;
extern const struct app_parser app_parser_iec104;
extern const struct app_parser app_parser_s7comm;
extern const struct app_parser app_parser_mms;
extern const struct app_parser app_parser_c37118;
extern const struct app_parser app_parser_bacnet;
extern const struct app_parser app_parser_opcua;
extern const struct app_parser app_parser_goose;
extern const struct app_parser app_parser_sv;
extern const struct app_parser app_parser_profinet;
extern const struct app_parser app_parser_sip_udp;
extern const struct app_parser app_parser_sip_tcp;
extern const struct app_parser app_parser_http2;
extern const struct app_parser app_parser_ldap_tcp;
extern const struct app_parser app_parser_ldap_udp;
extern const struct app_parser app_parser_rfb;
extern const struct app_parser app_parser_snmp;
extern const struct app_parser app_parser_fix;
extern const struct app_parser app_parser_diameter;
extern const struct app_parser app_parser_gtp;

/* GTP and the telecom peer detector (app_gtp.c, gid 7301). */
/* Kinds of peer learned apart: a GTP node is not a Diameter peer. */
enum { APP_TELECOM_PEER_GTP = 0, APP_TELECOM_PEER_DIAMETER, APP_TELECOM_PEER_KINDS };
/* The worker's learned peer set (struct telecom_peers, made on first use). */
void **app_thread_telecom_peers(struct app_layer_thread_ctx *t);
void app_telecom_peers_free(void *peers);
/* True when addr is a new peer of that kind after the learning period
 * (telecom-peers.*); learns it either way (once per peer). */
bool app_telecom_peer_unexpected(struct app_parse_ctx *ctx, uint8_t kind,
                                 const struct ip_address *addr);
/* The sender of a message of direction dir on ctx's flow. */
const struct ip_address *app_telecom_sender(const struct app_parse_ctx *ctx, uint8_t dir);
/* Raises a gid 7301 alert. */
void app_telecom_alert(struct app_parse_ctx *ctx, uint32_t sid, const char *sig, uint8_t dir,
                       const struct app_tx *tx);
/* Logs a GTP-U header the decoder decapsulated (hdr: hdr_len bytes of it)
 * as a "gtp" event of ctx's (outer) flow, with the inner packet's
 * addresses; gtp_inside: the G-PDU carries GTP-U again (sid 3). */
void app_gtp_tunnel_log(struct app_parse_ctx *ctx, uint8_t direction, const uint8_t *hdr,
                        uint32_t hdr_len, const struct ip_address *inner_src,
                        const struct ip_address *inner_dst, bool gtp_inside);

extern const struct app_parser app_parser_quic;

extern const struct app_parser app_parser_iso8583;

#endif
