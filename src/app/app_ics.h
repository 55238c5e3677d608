/* SPDX-License-Identifier: Apache-2.0 */
/* Read-only views of the parsed transactions of the industrial and IoT
 * protocols Suricata parses (Modbus/TCP, DNP3, EtherNet/IP + CIP, MQTT), for
 * rule keywords (src/detect/detect_kw_*.c) and behaviour baselines. Each
 * accessor takes any struct app_tx and returns NULL (or false) when the
 * transaction is not of that protocol or lacks the part asked for, so callers
 * need no knowledge of the parsers' internals. Pointers stay valid as long as
 * the transaction does (see app.h). */
#ifndef VIGIL_APP_ICS_H
#define VIGIL_APP_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_tx;

/* ------------------------------------------------------------------ Modbus */

/* Function codes as Suricata names them (sawp-modbus FunctionCode); an
 * exception response has the code of its request (raw & 0x7f). */
enum modbus_function {
    MODBUS_FUNC_RD_COILS = 1,
    MODBUS_FUNC_RD_DISCRETE_INPUTS = 2,
    MODBUS_FUNC_RD_HOLD_REGS = 3,
    MODBUS_FUNC_RD_INPUT_REGS = 4,
    MODBUS_FUNC_WR_SINGLE_COIL = 5,
    MODBUS_FUNC_WR_SINGLE_REG = 6,
    MODBUS_FUNC_RD_EXC_STATUS = 7,
    MODBUS_FUNC_DIAGNOSTIC = 8,
    MODBUS_FUNC_WR_MULT_COILS = 15,
    MODBUS_FUNC_WR_MULT_REGS = 16,
    MODBUS_FUNC_RD_FILE_REC = 20,
    MODBUS_FUNC_WR_FILE_REC = 21,
    MODBUS_FUNC_MASK_WR_REG = 22,
    MODBUS_FUNC_RD_WR_MULT_REGS = 23,
    MODBUS_FUNC_RD_FIFO_QUEUE = 24,
    MODBUS_FUNC_MEI = 0x2b,
    MODBUS_FUNC_UNKNOWN = 0x2c, /* every code not defined by the specification */
};

/* Access type bits (what the function reads or writes). */
#define MODBUS_ACCESS_READ 0x01
#define MODBUS_ACCESS_WRITE 0x02
#define MODBUS_ACCESS_DISCRETES 0x04
#define MODBUS_ACCESS_COILS 0x08
#define MODBUS_ACCESS_INPUT 0x10
#define MODBUS_ACCESS_HOLDING 0x20
#define MODBUS_ACCESS_SINGLE 0x40
#define MODBUS_ACCESS_MULTIPLE 0x80
#define MODBUS_ACCESS_BIT_MASK (MODBUS_ACCESS_DISCRETES | MODBUS_ACCESS_COILS)
#define MODBUS_ACCESS_TABLE_MASK 0x3c

/* Function code categories. */
#define MODBUS_CAT_PUBLIC_ASSIGNED 0x01
#define MODBUS_CAT_PUBLIC_UNASSIGNED 0x02
#define MODBUS_CAT_USER_DEFINED 0x04
#define MODBUS_CAT_RESERVED 0x08

/* Validation error flags. */
#define MODBUS_ERR_DATA_VALUE 0x01
#define MODBUS_ERR_DATA_LENGTH 0x02
#define MODBUS_ERR_EXC_CODE 0x04
#define MODBUS_ERR_FUNC_CODE 0x08
#define MODBUS_ERR_PROTO_ID 0x10

enum modbus_data_kind {
    MODBUS_DATA_EMPTY = 0,
    MODBUS_DATA_EXCEPTION,  /* exception_code */
    MODBUS_DATA_DIAGNOSTIC, /* subfunction, data */
    MODBUS_DATA_MEI,        /* mei_type, data */
    MODBUS_DATA_READ_REQUEST,   /* read_address, read_quantity */
    MODBUS_DATA_READ_RESPONSE,  /* data */
    MODBUS_DATA_WRITE_MULTIPLE, /* write_address, write_quantity, data */
    MODBUS_DATA_WRITE_MASK,     /* write_address, and_mask, or_mask */
    MODBUS_DATA_WRITE_SINGLE,   /* write_address, write_value (a multiple-write
                                 * response's value is its quantity) */
    MODBUS_DATA_READ_WRITE,     /* read_* and the write_* of a multiple write */
    MODBUS_DATA_BYTES,          /* data that fits no other kind */
};

/* One Modbus/TCP ADU (MBAP header and PDU). */
struct modbus_msg {
    uint16_t transaction_id, protocol_id, length;
    uint8_t unit_id;
    uint8_t function_raw;  /* as on the wire (0x80 bit on exceptions) */
    uint8_t function_code; /* enum modbus_function */
    uint8_t access_type;   /* MODBUS_ACCESS_* */
    uint8_t category;      /* MODBUS_CAT_* */
    uint8_t error_flags;   /* MODBUS_ERR_* */
    uint8_t data_kind;     /* enum modbus_data_kind */
    uint8_t exception_code;
    uint8_t mei_type;
    uint16_t subfunction;
    uint16_t read_address, read_quantity;
    uint16_t write_address, write_quantity, write_value;
    uint16_t and_mask, or_mask;
    const uint8_t *data; /* see data_kind; owned by the transaction */
    uint32_t data_len;
};

/* The request and response of a Modbus transaction (either may be NULL). */
const struct modbus_msg *modbus_tx_request(const struct app_tx *tx);
const struct modbus_msg *modbus_tx_response(const struct app_tx *tx);
/* The 1-based coil/register range a message reads or writes (Suricata's
 * convention: PDU address + 1). False when the message addresses none. */
bool modbus_msg_address_range(const struct modbus_msg *m, uint16_t *first, uint16_t *last);
/* The value a write request puts at a 1-based address; false if the message
 * does not write there. */
bool modbus_msg_write_value_at(const struct modbus_msg *m, uint16_t address, uint16_t *value);

/* -------------------------------------------------------------------- MQTT */

enum mqtt_type {
    MQTT_TYPE_UNASSIGNED = 0,
    MQTT_TYPE_CONNECT,
    MQTT_TYPE_CONNACK,
    MQTT_TYPE_PUBLISH,
    MQTT_TYPE_PUBACK,
    MQTT_TYPE_PUBREC,
    MQTT_TYPE_PUBREL,
    MQTT_TYPE_PUBCOMP,
    MQTT_TYPE_SUBSCRIBE,
    MQTT_TYPE_SUBACK,
    MQTT_TYPE_UNSUBSCRIBE,
    MQTT_TYPE_UNSUBACK,
    MQTT_TYPE_PINGREQ,
    MQTT_TYPE_PINGRESP,
    MQTT_TYPE_DISCONNECT,
    MQTT_TYPE_AUTH,
};

/* CONNECT flag bits (the raw flags byte). */
#define MQTT_CONNECT_USERNAME 0x80
#define MQTT_CONNECT_PASSWORD 0x40
#define MQTT_CONNECT_WILL_RETAIN 0x20
#define MQTT_CONNECT_WILL 0x04
#define MQTT_CONNECT_CLEAN_SESSION 0x02

struct mqtt_bytes {
    const uint8_t *data; /* owned by the transaction */
    uint32_t len;
    bool present;
};

struct mqtt_topic_filter {
    struct mqtt_bytes topic; /* UTF-8 (invalid sequences replaced) */
    uint8_t qos;             /* SUBSCRIBE only */
};

/* One MQTT control packet. Strings (topic, client id, ...) are UTF-8 with
 * invalid sequences replaced by U+FFFD, as Suricata keeps them; binary
 * fields (password, payload, will message) are the bytes as sent. */
struct mqtt_message {
    uint8_t type; /* enum mqtt_type (of the original message when truncated) */
    bool dup, retain;
    uint8_t qos;
    uint8_t header_flags; /* low nibble of the first byte: dup<<3 | qos<<1 | retain */
    uint32_t remaining_length;
    bool truncated; /* longer than max-msg-length: only the header is known */
    uint32_t skipped_length;
    /* CONNECT */
    struct mqtt_bytes protocol_string, client_id, will_topic, will_message, username, password;
    uint8_t protocol_version, connect_flags;
    uint16_t keepalive;
    /* CONNACK */
    bool session_present;
    uint8_t return_code;
    /* PUBLISH and acknowledgements */
    struct mqtt_bytes topic, payload;
    bool has_message_id;
    uint16_t message_id;
    bool has_reason_code; /* PUBACK..PUBCOMP (v5), DISCONNECT (v5), AUTH */
    uint8_t reason_code;
    /* SUBSCRIBE, UNSUBSCRIBE */
    const struct mqtt_topic_filter *topics;
    uint32_t ntopics;
    /* SUBACK granted QoS / UNSUBACK reason codes */
    struct mqtt_bytes codes;
    /* MQTT 5 property blocks, as sent */
    struct mqtt_bytes properties, will_properties;
};

/* The index-th message of an MQTT transaction, NULL past the last. */
const struct mqtt_message *mqtt_tx_message(const struct app_tx *tx, uint32_t index);
/* The protocol version the flow's CONNECT announced (0 before any). */
uint8_t mqtt_tx_protocol_version(const struct app_tx *tx);

/* ------------------------------------------------------------ EtherNet/IP */

enum enip_command {
    ENIP_CMD_NOP = 0x00,
    ENIP_CMD_LIST_SERVICES = 0x04,
    ENIP_CMD_LIST_IDENTITY = 0x63,
    ENIP_CMD_LIST_INTERFACES = 0x64,
    ENIP_CMD_REGISTER_SESSION = 0x65,
    ENIP_CMD_UNREGISTER_SESSION = 0x66,
    ENIP_CMD_SEND_RR_DATA = 0x6f,
    ENIP_CMD_SEND_UNIT_DATA = 0x70,
    ENIP_CMD_INDICATE_STATUS = 0x72,
    ENIP_CMD_CANCEL = 0x73,
};

enum enip_payload_kind {
    ENIP_PAYLOAD_NONE = 0, /* not parsed (other commands, or invalid) */
    ENIP_PAYLOAD_CIP,      /* SendRRData / SendUnitData: items, CIP services */
    ENIP_PAYLOAD_LIST_IDENTITY,
    ENIP_PAYLOAD_LIST_SERVICES,
    ENIP_PAYLOAD_LIST_INTERFACES,
    ENIP_PAYLOAD_REGISTER_SESSION,
};

/* A logical path segment: class (type >> 2 == 8), instance (9), attribute (12). */
struct enip_cip_segment {
    uint8_t type; /* the segment type byte */
    uint32_t value;
};

enum enip_cip_payload {
    ENIP_CIP_UNHANDLED = 0,
    ENIP_CIP_GET_ATTRIBUTE_LIST, /* attributes */
    ENIP_CIP_SET_ATTRIBUTE_LIST, /* the first attribute, if any */
    ENIP_CIP_MULTIPLE,           /* children: the embedded services */
};

/* One CIP service request or response. The services of a PDU are a flat
 * array: a Multiple Service Packet's embedded services follow it
 * (first_child, nchildren). */
struct enip_cip_service {
    uint8_t service; /* without the response bit */
    bool is_response;
    uint8_t payload; /* enum enip_cip_payload */
    uint8_t depth;   /* 0 top level, 1 inside a Multiple Service Packet */
    /* request */
    const struct enip_cip_segment *path;
    uint32_t npath;
    const uint16_t *attributes;
    uint32_t nattributes;
    /* response */
    uint8_t status;
    const uint8_t *status_extended;
    uint8_t status_extended_len;
    uint32_t first_child, nchildren;
};

struct enip_identity {
    uint16_t protocol_version, vendor_id, device_type, product_code;
    uint8_t revision_major, revision_minor;
    uint16_t status;
    uint32_t serial;
    const uint8_t *product_name;
    uint8_t product_name_len;
    uint8_t state;
};

struct enip_service_item {
    uint16_t protocol_version, capabilities;
    const uint8_t *name; /* 16 bytes */
};

/* One encapsulation message. */
struct enip_pdu {
    uint16_t command, length;
    uint32_t session, status;
    uint64_t context;
    uint32_t options;
    bool invalid;    /* the payload of its command did not parse */
    uint8_t payload; /* enum enip_payload_kind */
    uint16_t rs_protocol_version, rs_options; /* RegisterSession */
    /* The CIP of the first data item (Suricata logs and matches that one),
     * NULL if none. */
    const struct enip_cip_service *services;
    uint32_t nservices;
    bool has_identity; /* first item of a ListIdentity response */
    struct enip_identity identity;
    bool has_service_item; /* first item of a ListServices response */
    struct enip_service_item service_item;
};

/* The request and response of an ENIP transaction (either may be NULL). */
const struct enip_pdu *enip_tx_request(const struct app_tx *tx);
const struct enip_pdu *enip_tx_response(const struct app_tx *tx);

/* -------------------------------------------------------------------- DNP3 */

/* A transaction is one application message (fragment): a request, a
 * response or an unsolicited response, reassembled from its transport
 * segments (CRCs and transport header removed). */

/* Internal indications as one 16-bit value: IIN1 in the high octet. */
#define DNP3_IIN_ALL_STATIONS 0x0100
#define DNP3_IIN_CLASS_1_EVENTS 0x0200
#define DNP3_IIN_CLASS_2_EVENTS 0x0400
#define DNP3_IIN_CLASS_3_EVENTS 0x0800
#define DNP3_IIN_NEED_TIME 0x1000
#define DNP3_IIN_LOCAL_CONTROL 0x2000
#define DNP3_IIN_DEVICE_TROUBLE 0x4000
#define DNP3_IIN_DEVICE_RESTART 0x8000
#define DNP3_IIN_NO_FUNC_CODE_SUPPORT 0x0001
#define DNP3_IIN_OBJECT_UNKNOWN 0x0002
#define DNP3_IIN_PARAMETER_ERROR 0x0004
#define DNP3_IIN_EVENT_BUFFER_OVERFLOW 0x0008
#define DNP3_IIN_ALREADY_EXECUTING 0x0010
#define DNP3_IIN_CONFIG_CORRUPT 0x0020
#define DNP3_IIN_RESERVED_2 0x0040
#define DNP3_IIN_RESERVED_1 0x0080

/* One point of an object: its prefix and index (the prefix when the
 * qualifier's prefix is an index, else start + position), its size (the
 * prefix when that is a size), and where its data lies (offset into the
 * message data; for packed objects the bit shift in that octet). */
struct dnp3_point {
    uint32_t prefix, index, size;
    uint32_t offset;
    uint8_t shift;
};

/* An object header and the points decoded from it. */
struct dnp3_object {
    uint8_t group, variation, qualifier;
    uint8_t prefix_code, range_code; /* qualifier bits 6..4 and 3..0 */
    uint32_t start, stop, count;     /* from the range field; count 0 if none */
    const struct dnp3_point *points;
    uint32_t npoints;
};

struct dnp3_message {
    bool request;               /* sent by the master (to server) */
    uint8_t link_control;       /* DIR 0x80, PRM 0x40, FCB 0x20, FCV 0x10, function 0x0f */
    uint16_t link_src, link_dst;
    uint8_t transport;          /* first segment's transport header */
    uint8_t app_control;        /* FIR 0x80, FIN 0x40, CON 0x20, UNS 0x10, sequence 0x0f */
    uint8_t function_code;      /* application function code (129 response, 130 unsolicited) */
    uint16_t iin;               /* responses only (DNP3_IIN_*) */
    bool done;                  /* the final segment arrived (or reassembly failed) */
    bool complete;              /* done, and every object was decoded */
    const uint8_t *data;        /* the application fragment, from its header on */
    uint32_t data_len;
    const struct dnp3_object *objects;
    uint32_t nobjects;
};

/* The message of a DNP3 transaction, or NULL. */
const struct dnp3_message *dnp3_tx_message(const struct app_tx *tx);

/* One decoded field of a point, named as Suricata's EVE names it. */
enum dnp3_field_type {
    DNP3_FIELD_UINT,   /* u */
    DNP3_FIELD_INT,    /* i */
    DNP3_FIELD_FLOAT,  /* f */
    DNP3_FIELD_CHARS,  /* bytes/len: a character string */
    DNP3_FIELD_BYTES,  /* bytes/len: binary (logged as base64) */
};
struct dnp3_field {
    const char *name;
    uint8_t type;
    uint64_t u;
    int64_t i;
    double f;
    const uint8_t *bytes;
    uint32_t len;
};
/* Decodes the fields of point p of object o of message m into out (at most
 * max); returns how many the object has. */
uint32_t dnp3_point_fields(const struct dnp3_message *m, const struct dnp3_object *o,
                           const struct dnp3_point *p, struct dnp3_field *out, uint32_t max);

#endif
