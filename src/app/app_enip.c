/* SPDX-License-Identifier: Apache-2.0 */
/* EtherNet/IP encapsulation and CIP (ODVA CIP Vol. 1 and 2) over TCP and UDP,
 * as Suricata 8 parses them:
 *
 * - PDUs: the 24-byte encapsulation header (command, length, session, status,
 *   sender context, options) and the payload of its command: RegisterSession
 *   (version, options), ListIdentity / ListServices / ListInterfaces responses
 *   (common packet format items, the identity and service items decoded),
 *   SendRRData / SendUnitData (interface handle, timeout, items; connected and
 *   unconnected data items carry CIP). CIP: service, then for requests the
 *   logical path (class, instance, attribute; 8/16/32-bit) and the attribute
 *   lists of Get/Set Attribute List, for responses general and extended
 *   status; a Multiple Service Packet's embedded services, one level deep.
 *   A payload that does not parse is `invalid_pdu` and stays unparsed.
 * - Transactions: a request and the response that answers it (same command,
 *   same session unless RegisterSession, same CIP sequence count for
 *   connected data); answers for nothing start their own transaction. At
 *   enip_max_tx live transactions all are closed (`too_many_transactions`)
 *   and the new PDU is dropped. TCP resynchronises after a gap at the first
 *   chunk that starts with a valid header.
 * - EVE "enip" when a transaction is complete (or at flow end), Suricata 8's
 *   shape: {"request": {...}, "response": {...}}.
 * Limits: a PDU is at most 65559 bytes (a side buffers at most that). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_ics.h"
#include "app/app_baseline.h"
#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "flow/flow.h"
#include "util/json.h"

#define ENIP_HDR 24
#define ENIP_PORT 44818
#define ENIP_PDU_MAX (ENIP_HDR + 0xffff)

enum enip_event {
    ENIP_EV_TOO_MANY_TRANSACTIONS = 0,
    ENIP_EV_INVALID_PDU,
    ENIP_EV_COUNT,
};
static const char *const enip_event_names[ENIP_EV_COUNT + 1] = {"too_many_transactions",
                                                                "invalid_pdu", NULL};

/* A PDU, its bytes and the arrays its views point into (owned). */
struct enip_stored {
    struct enip_pdu pdu;
    uint8_t *bytes;
    struct enip_cip_service *services;
    struct enip_cip_segment *segments;
    uint16_t *attributes;
    size_t alloc; /* accounted to the memcap */
    /* CIP sequence count of the second item when it is connected data */
    bool conn_data;
    bool has_seq;
    uint16_t seq;
    uint32_t nitems;
};

struct enip_state;

struct enip_tx {
    union {
        struct app_list_tx lt; /* the transaction and its link (app_txlist.h) */
        struct app_tx base;
    };
    struct enip_state *state;
    struct enip_stored *request, *response;
    bool done;
    uint32_t events;
};

struct enip_state {
    struct app_layer_thread_ctx *thread;
    struct app_txlist txs;
    bool udp;
    bool reversed;
    bool gap[2];
    uint8_t feed_dir; /* during app_msgbuf_feed */
    uint64_t frame_base; /* frames: stream offset of the bytes being fed */
    struct app_msgbuf buf[2];
    struct app_parse_ctx *ctx;
    const struct app_ics_config *cfg;
};

/* ------------------------------------------------------------ names */

static const char *enip_command_name(uint16_t c)
{
    switch (c) {
    case ENIP_CMD_NOP: return "nop";
    case ENIP_CMD_LIST_SERVICES: return "list_services";
    case ENIP_CMD_LIST_IDENTITY: return "list_identity";
    case ENIP_CMD_LIST_INTERFACES: return "list_interfaces";
    case ENIP_CMD_REGISTER_SESSION: return "register_session";
    case ENIP_CMD_UNREGISTER_SESSION: return "unregister_session";
    case ENIP_CMD_SEND_RR_DATA: return "send_r_r_data";
    case ENIP_CMD_SEND_UNIT_DATA: return "send_unit_data";
    case ENIP_CMD_INDICATE_STATUS: return "indicate_status";
    case ENIP_CMD_CANCEL: return "cancel";
    default: return NULL;
    }
}

static const char *enip_status_name(uint32_t s)
{
    switch (s) {
    case 0x00: return "success";
    case 0x01: return "invalid_cmd";
    case 0x02: return "no_resources";
    case 0x03: return "incorrect_data";
    case 0x64: return "invalid_session";
    case 0x65: return "invalid_length";
    case 0x69: return "unsupported_prot_rev";
    case 0x6a: return "encap_header_error";
    default: return NULL;
    }
}

static const char *cip_service_name(uint8_t s)
{
    switch (s) {
    case 0x01: return "Get Attributes All";
    case 0x02: return "Set Attributes All";
    case 0x03: return "Get Attribute List";
    case 0x04: return "Set Attribute List";
    case 0x05: return "Reset";
    case 0x06: return "Start";
    case 0x07: return "Stop";
    case 0x08: return "Create";
    case 0x09: return "Delete";
    case 0x0a: return "Multiple Service Packet";
    case 0x0d: return "Apply Attributes";
    case 0x0e: return "Get Attributes Single";
    case 0x10: return "Set Attributes Single";
    case 0x11: return "Find Next Object Instance";
    case 0x15: return "Restore";
    case 0x16: return "Save";
    case 0x17: return "No Forward Open";
    case 0x18: return "Get Member";
    case 0x19: return "Set Member";
    case 0x1a: return "Insert Member";
    case 0x1b: return "Remove Member";
    case 0x1c: return "Group Sync";
    case 0x1d: return "Get Connection Point Member List";
    case 0x4b: return "Execute PCCC Service";
    case 0x4c: return "Read Data";
    case 0x4d: return "Write Data";
    case 0x4e: return "Read Write Modify Data";
    case 0x52: return "Read Data Fragmented";
    case 0x53: return "Write Data Fragmented";
    case 0x54: return "Forward Open";
    default: return NULL;
    }
}

/* CIP general status codes (CIP Vol. 1, Appendix B). */
static const char *cip_status_name(uint8_t s)
{
    static const char *const names[] = {
        "Success", "Connection Failure", "Resource Unavailable", "Invalid Parameter Value",
        "Path Segment Error", "Path Destination Unknown", "Partial Transfer", "Connection Lost",
        "Service Not Supported", "Invalid Attribute Value", "Attribute List Error",
        "Already In Requested Mode/State", "Object State Conflict", "Object Already Exists",
        "Attribute Not Settable", "Privilege Violation", "Device State Conflict",
        "Reply Data Too Large", "Fragmentation Of A Primitive Value", "Not Enough Data",
        "Attribute Not Supported", "Too Much Data", "Object Does Not Exist",
        "Service Fragmentation Sequence Not In Progress", "No Stored Attribute Data",
        "Store Operation Failure", "Routing Failure, Request Packet Too Large",
        "Routing Failure, Response Packet Too Large", "Missing Attribute List Entry Data",
        "Invalid Attribute Value List", "Embedded Service Error", "Vendor Specific Error",
        "Invalid Parameter", "Write-Once Value Or Medium Already Written", "Invalid Reply Received",
        "Buffer Overflow", "Invalid Message Format", "Key Failure In Path", "Path Size Invalid",
        "Unexpected Attribute In List", "Invalid Member ID", "Member Not Settable",
        "Group 2 Only Server General Failure", "Unknown Modbus Error", "Attribute Not Gettable",
    };
    if (s < sizeof(names) / sizeof(names[0]))
        return names[s];
    if (s == 0xff)
        return "Still Processing";
    return NULL;
}

/* Connection Manager extended status (CIP Vol. 1, Table 3-5.29). */
static const char *cip_ext_status_name(uint16_t v)
{
    static const struct {
        uint16_t code;
        const char *name;
    } t[] = {
        {0x100, "Connection in use or duplicate Forward Open"},
        {0x103, "Transport class and trigger combination not supported"},
        {0x106, "Ownership conflict"},
        {0x107, "Target connection not found"},
        {0x108, "Invalid network connection parameter"},
        {0x109, "Invalid connection size"},
        {0x110, "Target for connection not configured"},
        {0x111, "RPI not supported"},
        {0x112, "RPI value(s) not acceptable"},
        {0x113, "Out of connections"},
        {0x114, "Vendor ID or product code mismatch"},
        {0x115, "Device type mismatch"},
        {0x116, "Revision mismatch"},
        {0x117, "Invalid produced or consumed application path"},
        {0x118, "Invalid or inconsistent configuration application path"},
        {0x119, "Non-listen only connection not opened"},
        {0x11a, "Target object out of connections"},
        {0x11b, "RPI is smaller than the production inhibit time"},
        {0x11c, "Transport class not supported"},
        {0x11d, "Production trigger not supported"},
        {0x11e, "Direction not supported"},
        {0x11f, "Invalid O->T Fixed/Variable"},
        {0x120, "Invalid T->O Fixed/Variable"},
        {0x121, "Invalid O->T Priority"},
        {0x122, "Invalid T->O Priority"},
        {0x123, "Invalid O->T connection type"},
        {0x124, "Invalid T->O connection type"},
        {0x125, "Invalid O->T redundant owner"},
        {0x126, "Invalid configuration size"},
        {0x127, "Invalid O->T size"},
        {0x128, "Invalid T->O size"},
        {0x129, "Invalid configuration application path"},
        {0x12a, "Invalid consuming application path"},
        {0x12b, "Invalid producing application path"},
        {0x12c, "Configuration symbol does not exist"},
        {0x12d, "Consuming symbol does not exist"},
        {0x12e, "Producing symbol does not exist"},
        {0x12f, "Inconsistent application path combination"},
        {0x130, "Inconsistent consume data format"},
        {0x131, "Inconsistent produce data format"},
        {0x132, "NULL ForwardOpen not supported"},
        {0x203, "Connection timed out"},
        {0x204, "Unconnected request timed out"},
        {0x205, "Parameter error in unconnected request"},
        {0x206, "Message too large for UnconnectedSend"},
        {0x207, "Unconnected acknowledged without reply"},
        {0x301, "No buffer memory available"},
        {0x302, "Network bandwidth not available for data"},
        {0x303, "No consumed connection ID filter available"},
        {0x304, "Not configured to send scheduled priority data"},
        {0x305, "Schedule signature mismatch"},
        {0x306, "Schedule signature validation not possible"},
        {0x311, "Port not available"},
        {0x312, "Link address not valid"},
        {0x315, "Invalid segment in connection path"},
        {0x316, "ForwardClose connection path mismatch"},
        {0x317, "Scheduling not specified"},
        {0x318, "Link address to self invalid"},
        {0x319, "Secondary resources unavailable"},
        {0x31a, "Rack connection already established"},
        {0x31b, "Module connection already established"},
        {0x31c, "Miscellaneous"},
        {0x31d, "Redundant connection mismatch"},
        {0x31e, "No more user configurable link consumer resources available in the producing module"},
        {0x31f, "No more user configurable link consumer resources configured in the producing module"},
        {0x800, "Network link offline"},
        {0x801, "Incompatible Multicast RPI"},
        {0x802, "Invalid Safety Connection Size"},
        {0x803, "Invalid Safety Connection Format"},
        {0x804, "Invalid Time Correction Connection Parameters"},
        {0x805, "Invalid Ping Interval EPI Multiplier"},
        {0x806, "Time Coordination Msg Min Multiplier"},
        {0x807, "Network Time Expectation Multiplier"},
        {0x808, "Timeout Multiplier"},
        {0x809, "Invalid Max Consumer Number"},
        {0x80a, "Invalid CPCRC"},
        {0x80b, "Time Correction Connection ID Invalid"},
        {0x80c, "SCID Mismatch"},
        {0x80d, "TUNID not set"},
        {0x80e, "TUNID Mismatch"},
        {0x80f, "Configuration operation not allowed"},
        {0x810, "No target application data available"},
        {0x811, "No originator application data available"},
        {0x812, "Node address has changed since the network was scheduled"},
        {0x813, "Not configured for off-subnet multicast"},
        {0x814, "Invalid produce/consume data format"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].code == v)
            return t[i].name;
    return NULL;
}

/* CIP object classes (CIP Vol. 1, Table 5-1.1 and the network volumes). */
static const char *cip_class_name(uint32_t c)
{
    static const struct {
        uint16_t code;
        const char *name;
    } t[] = {
        {0x00, ""}, {0x01, "Identity"}, {0x02, "Message Router"}, {0x03, "DeviceNet"},
        {0x04, "Assembly"}, {0x05, "Connection"}, {0x06, "Connection Manager"},
        {0x07, "Register"}, {0x08, "Discrete Input Point"}, {0x09, "Discrete Output Point"},
        {0x0a, "Analog Input Point"}, {0x0b, "Analog Output Point"}, {0x0e, "Presence Sensing"},
        {0x0f, "Parameter"}, {0x10, "Parameter Group"}, {0x12, "Group"},
        {0x1d, "Discrete Input Group"}, {0x1e, "Discrete Output Group"},
        {0x1f, "Discrete Group"}, {0x20, "Analog Input Group"}, {0x21, "Analog Output Group"},
        {0x22, "Analog Group"}, {0x23, "Position Sensor"},
        {0x24, "Position Controller Supervisor"}, {0x25, "Position Controller"},
        {0x26, "Block Sequencer"}, {0x27, "Command Block"}, {0x28, "Motor Data"},
        {0x29, "Control Supervisor"}, {0x2a, "AC/DC Drive"}, {0x2b, "Acknowledge Handler"},
        {0x2c, "Overload"}, {0x2d, "Softstart"}, {0x2e, "Selection"},
        {0x30, "S-Device Supervisor"}, {0x31, "S-Analog Sensor"}, {0x32, "S-Analog Actuator"},
        {0x33, "S-Single Stage Controller"}, {0x34, "S-Gas Calibration"}, {0x35, "Trip Point"},
        {0x37, "File"}, {0x38, "S-Partial Pressure"}, {0x39, "Safety Supervisor"},
        {0x3a, "Safety Validator"}, {0x3b, "Safety Discrete Output Point"},
        {0x3c, "Safety Discrete Output Group"}, {0x3d, "Safety Discrete Input Point"},
        {0x3e, "Safety Discrete Input Group"}, {0x3f, "Safety Dual Channel Output"},
        {0x40, "S-Sensor Calibration"}, {0x41, "Event Log"}, {0x42, "Motion Device Axis"},
        {0x43, "Time Sync"}, {0x44, "Modbus"}, {0x45, "Originator Connection List"},
        {0x46, "Modbus Serial Link"}, {0x47, "Device Level Ring (DLR)"}, {0x48, "QoS"},
        {0x49, "Safety Analog Input Point"}, {0x4a, "Safety Analog Input Group"},
        {0x4b, "Safety Dual Channel Analog Input"}, {0x4c, "SERCOS III Link"},
        {0x4d, "Target Connection List"}, {0x4e, "Base Energy"}, {0x4f, "Electrical Energy"},
        {0x50, "Non-Electrical Energy"}, {0x51, "Base Switch"}, {0x52, "SNMP"},
        {0x53, "Power Management"}, {0x54, "RSTP Bridge"}, {0x55, "RSTP Port"},
        {0x56, "PRP/HSR Protocol"}, {0x57, "PRP/HSR Nodes Table"}, {0x58, "Safety Feedback"},
        {0x59, "Safety Dual Channel Feedback"}, {0x5a, "Safety Stop Functions"},
        {0x5b, "Safety Limit Functions"}, {0x5c, "Power Curtailment"}, {0x5d, "CIP Security"},
        {0x5e, "EtherNet/IP Security"}, {0x5f, "Certificate Management"},
        {0x67, "PCCC Class"}, {0xf0, "ControlNet"}, {0xf1, "ControlNet Keeper"},
        {0xf2, "ControlNet Scheduling"}, {0xf3, "Connection Configuration"}, {0xf4, "Port"},
        {0xf5, "TCP/IP Interface"}, {0xf6, "Ethernet Link"}, {0xf7, "CompoNet"},
        {0xf8, "CompoNet Repeater"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].code == c)
            return t[i].name;
    return NULL;
}

/* CIP device profiles (CIP Vol. 1, Chapter 6). */
static const char *enip_device_type_name(uint16_t d)
{
    static const char *const names[] = {
        "Generic Device (deprecated)", "Control Station (deprecated)", "AC Drive Device",
        "Motor Overload", "Limit Switch", "Inductive Proximity Switch", "Photoelectric Sensor",
        "General Purpose Discrete I/O", "Encoder (deprecated)", "Resolver",
        "General Purpose Analog I/O (deprecated)", NULL, "Communications Adapter",
        "Barcode Scanner (deprecated)", "Programmable Logic Controller", NULL,
        "Position Controller", "Weigh Scale (deprecated)", "Message Display (deprecated)",
        "DC Drive", "Servo Drives (deprecated)", "Contactor", "Motor Starter",
        "Softstart Starter", "Human-Machine Interface", "Pneumatic Valve(s) (deprecated)",
        "Mass Flow Controller", "Pneumatic Valve(s)", "Vacuum Pressure Gauge",
        "Process Control Value", "Residual Gas Analyzer", "DC Power Generator",
        "RF Power Generator", "Turbomolecular Vacuum Pump", "Encoder",
        "Safety Discrete I/O Device", "Fluid Flow Controller", "CIP Motion Drive",
        "CompoNet Repeater", "Mass Flow Controller Enhanced", "CIP Modbus Device",
        "CIP Modbus Translator", "Safety Analog I/O Device", "Generic Device (keyable)",
        "Managed Ethernet Switch", "CIP Motion Safety Drive Device", "Safety Drive Device",
        "CIP Motion Encoder", "CIP Motion Converter", "CIP Motion I/O",
        "ControlNet Physical Layer Component",
    };
    if (d < sizeof(names) / sizeof(names[0]))
        return names[d];
    switch (d) {
    case 100: return "In-Sight 2000 Series";
    case 150: return "PowerFlex 525";
    case 200: return "Embedded Component";
    case 773: return "DataMan Series Reader";
    default: return NULL;
    }
}

/* ODVA vendor identifiers of the most common CIP vendors; others print as
 * "unknown-N". */
static const char *enip_vendor_name(uint16_t v)
{
    static const struct {
        uint16_t id;
        const char *name;
    } t[] = {
        {1, "Rockwell Automation/Allen-Bradley"}, {2, "Namco Controls Corp."},
        {3, "Honeywell Inc."}, {4, "Parker Hannifin Corp. (Veriflo Division)"},
        {5, "Rockwell Automation/Reliance Elec."}, {7, "SMC Corporation"},
        {8, "Molex Incorporated"}, {9, "Western Reserve Controls Corp."},
        {10, "Advanced Micro Controls Inc. (AMCI)"}, {11, "ASCO Pneumatic Controls"},
        {12, "Banner Engineering Corp."}, {13, "Belden Wire & Cable Company"},
        {14, "Cooper Interconnect"}, {26, "Festo Corporation"}, {40, "Wago Corporation"},
        {44, "Yaskawa Electric America Inc."}, {46, "ABB Industrial Systems"},
        {47, "Omron Corporation"}, {48, "Turck Inc."}, {50, "Real Time Automation (C&ID)"},
        {56, "Softing GmbH"}, {57, "Pepperl + Fuchs"}, {68, "Eaton Electrical"},
        {82, "Mitsubishi Electric Automation Inc."}, {83, "OPTO-22"},
        {90, "HMS Industrial Networks AB"}, {108, "Beckhoff Automation GmbH"},
        {109, "National Instruments"}, {145, "Siemens Energy & Automation/Drives"},
        {243, "Schneider Automation Inc."}, {255, "Bosch Rexroth"}, {283, "Hilscher GmbH"},
        {309, "Prosoft Technology"}, {326, "GE Fanuc Automation North America Inc."},
        {356, "Fanuc Robotics America"}, {1251, "Siemens AG"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].id == v)
            return t[i].name;
    return NULL;
}

/* ------------------------------------------------------------ parsing */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct enip_cur {
    const uint8_t *p;
    uint32_t left;
};

static bool cur_u8(struct enip_cur *c, uint8_t *v)
{
    if (c->left < 1)
        return false;
    *v = c->p[0];
    c->p++;
    c->left--;
    return true;
}

static bool cur_u16(struct enip_cur *c, uint16_t *v)
{
    if (c->left < 2)
        return false;
    *v = le16(c->p);
    c->p += 2;
    c->left -= 2;
    return true;
}

static bool cur_u32(struct enip_cur *c, uint32_t *v)
{
    if (c->left < 4)
        return false;
    *v = le32(c->p);
    c->p += 4;
    c->left -= 4;
    return true;
}

static bool cur_skip(struct enip_cur *c, uint32_t n)
{
    if (c->left < n)
        return false;
    c->p += n;
    c->left -= n;
    return true;
}

/* Growable arrays while a PDU is parsed; indexes instead of pointers until
 * the end. */
struct enip_build {
    struct enip_stored *s;
    uint32_t nservices, cap_services;
    uint32_t nsegments, cap_segments;
    uint32_t nattributes, cap_attributes;
    /* index of each service's path/attributes while building */
    uint32_t *path_at, *attr_at;
    bool oom;
};

static bool grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap * 2 : 8;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = n;
    return true;
}

static int build_service(struct enip_build *b)
{
    uint32_t cap = b->cap_services;
    if (!grow((void **)&b->s->services, &b->cap_services, b->nservices + 1,
              sizeof(*b->s->services))) {
        b->oom = true;
        return -1;
    }
    uint32_t c2 = cap;
    if (!grow((void **)&b->path_at, &c2, b->cap_services, sizeof(uint32_t)) ||
        !grow((void **)&b->attr_at, &cap, b->cap_services, sizeof(uint32_t))) {
        b->oom = true;
        return -1;
    }
    uint32_t i = b->nservices++;
    memset(&b->s->services[i], 0, sizeof(b->s->services[i]));
    b->path_at[i] = b->nsegments;
    b->attr_at[i] = b->nattributes;
    return (int)i;
}

static bool add_segment(struct enip_build *b, uint8_t type, uint32_t value)
{
    if (!grow((void **)&b->s->segments, &b->cap_segments, b->nsegments + 1,
              sizeof(*b->s->segments))) {
        b->oom = true;
        return false;
    }
    b->s->segments[b->nsegments].type = type;
    b->s->segments[b->nsegments].value = value;
    b->nsegments++;
    return true;
}

static bool add_attribute(struct enip_build *b, uint16_t a)
{
    if (!grow((void **)&b->s->attributes, &b->cap_attributes, b->nattributes + 1,
              sizeof(*b->s->attributes))) {
        b->oom = true;
        return false;
    }
    b->s->attributes[b->nattributes++] = a;
    return true;
}

static bool parse_cip(struct enip_build *b, struct enip_cur *c, bool multi, uint8_t depth);

/* The embedded services of a Multiple Service Packet: a count and offsets
 * relative to the count. */
static bool parse_multiple(struct enip_build *b, struct enip_cur *c, int parent, uint8_t depth)
{
    const uint8_t *start = c->p;
    uint32_t start_len = c->left;
    uint16_t nb;
    if (!cur_u16(c, &nb))
        return false;
    if ((uint32_t)nb * 2 > c->left)
        return false;
    const uint8_t *offsets = c->p;
    c->p += nb * 2u;
    c->left -= nb * 2u;
    b->s->services[parent].payload = ENIP_CIP_MULTIPLE;
    b->s->services[parent].first_child = b->nservices;
    for (uint32_t j = 0; j < nb; j++) {
        uint16_t off = le16(offsets + 2 * j);
        if (off >= start_len)
            return false;
        struct enip_cur sub = {.p = start + off, .left = start_len - off};
        if (!parse_cip(b, &sub, false, (uint8_t)(depth + 1)))
            return false;
        *c = sub; /* Suricata continues after the last embedded service */
    }
    b->s->services[parent].nchildren = b->nservices - b->s->services[parent].first_child;
    return true;
}

/* One CIP request or response; multi: may hold a Multiple Service Packet. */
static bool parse_cip(struct enip_build *b, struct enip_cur *c, bool multi, uint8_t depth)
{
    uint8_t service;
    if (!cur_u8(c, &service))
        return false;
    int idx = build_service(b);
    if (idx < 0)
        return false;
    b->s->services[idx].service = service & 0x7f;
    b->s->services[idx].depth = depth;
    if (service & 0x80) {
        b->s->services[idx].is_response = true;
        uint8_t reserved, status, ext;
        if (!cur_u8(c, &reserved) || !cur_u8(c, &status) || !cur_u8(c, &ext))
            return false;
        b->s->services[idx].status = status;
        b->s->services[idx].status_extended_len = ext;
        /* pointer fixed up later: keep the offset in the bytes */
        b->s->services[idx].status_extended = (const uint8_t *)(uintptr_t)(c->p - b->s->bytes);
        if (!cur_skip(c, ext))
            return false;
        if ((service & 0x7f) == 0x0a && multi)
            return parse_multiple(b, c, idx, depth);
        return true;
    }
    uint8_t words;
    if (!cur_u8(c, &words) || c->left < words * 2u)
        return false;
    struct enip_cur path = {.p = c->p, .left = words * 2u};
    c->p += words * 2u;
    c->left -= words * 2u;
    while (path.left > 0) {
        uint8_t type;
        if (!cur_u8(&path, &type) || type >> 5 != 1)
            return false; /* only logical segments */
        uint32_t value;
        switch (type & 3) {
        case 0: {
            uint8_t v;
            if (!cur_u8(&path, &v))
                return false;
            value = v;
            break;
        }
        case 1: {
            uint16_t v;
            if (!cur_skip(&path, 1) || !cur_u16(&path, &v))
                return false;
            value = v;
            break;
        }
        case 2:
            if (!cur_skip(&path, 1) || !cur_u32(&path, &value))
                return false;
            break;
        default:
            return false;
        }
        if (!add_segment(b, type, value))
            return false;
        b->s->services[idx].npath++;
    }
    switch (service) {
    case 0x03: { /* Get Attribute List */
        uint16_t n;
        if (!cur_u16(c, &n) || c->left < n * 2u)
            return false;
        b->s->services[idx].payload = ENIP_CIP_GET_ATTRIBUTE_LIST;
        for (uint32_t i = 0; i < n; i++) {
            uint16_t a = 0;
            if (!cur_u16(c, &a) || !add_attribute(b, a))
                return false;
            b->s->services[idx].nattributes++;
        }
        return true;
    }
    case 0x04: { /* Set Attribute List: only the first attribute's id */
        uint16_t n;
        if (!cur_u16(c, &n))
            return false;
        b->s->services[idx].payload = ENIP_CIP_SET_ATTRIBUTE_LIST;
        if (n > 0) {
            uint16_t a;
            if (!cur_u16(c, &a) || !add_attribute(b, a))
                return false;
            b->s->services[idx].nattributes = 1;
        }
        return true;
    }
    case 0x0a:
        if (multi)
            return parse_multiple(b, c, idx, depth);
        return true;
    default:
        return true;
    }
}

/* Common packet format items; the first data item's CIP, the first
 * identity / service item are kept. */
static bool parse_items(struct enip_build *b, struct enip_cur *c)
{
    uint16_t nb;
    if (!cur_u16(c, &nb))
        return false;
    struct enip_pdu *pdu = &b->s->pdu;
    bool have_cip = false;
    for (uint32_t i = 0; i < nb; i++) {
        uint16_t type, len;
        if (!cur_u16(c, &type) || !cur_u16(c, &len) || c->left < len)
            return false;
        struct enip_cur d = {.p = c->p, .left = len};
        c->p += len;
        c->left -= len;
        b->s->nitems++;
        switch (type) {
        case 0x0c: { /* CIP identity */
            struct enip_identity id;
            memset(&id, 0, sizeof(id));
            uint8_t nlen;
            if (!cur_u16(&d, &id.protocol_version) || !cur_skip(&d, 16) ||
                !cur_u16(&d, &id.vendor_id) || !cur_u16(&d, &id.device_type) ||
                !cur_u16(&d, &id.product_code) || !cur_u8(&d, &id.revision_major) ||
                !cur_u8(&d, &id.revision_minor) || !cur_u16(&d, &id.status) ||
                !cur_u32(&d, &id.serial) || !cur_u8(&d, &nlen) || d.left < nlen)
                return false;
            id.product_name = (const uint8_t *)(uintptr_t)(d.p - b->s->bytes);
            id.product_name_len = nlen;
            cur_skip(&d, nlen);
            if (!cur_u8(&d, &id.state))
                return false;
            if (!pdu->has_identity && i == 0) {
                pdu->identity = id;
                pdu->has_identity = true;
            }
            break;
        }
        case 0x100: { /* list services */
            struct enip_service_item si;
            if (!cur_u16(&d, &si.protocol_version) || !cur_u16(&d, &si.capabilities) ||
                d.left < 16)
                return false;
            si.name = (const uint8_t *)(uintptr_t)(d.p - b->s->bytes);
            if (!pdu->has_service_item && i == 0) {
                pdu->service_item = si;
                pdu->has_service_item = true;
            }
            break;
        }
        case 0xb1: /* connected data: sequence count, CIP */
        case 0xb2: { /* unconnected data: CIP */
            uint16_t seq = 0;
            if (type == 0xb1 && !cur_u16(&d, &seq))
                return false;
            uint32_t before = b->nservices;
            if (!parse_cip(b, &d, true, 0))
                return false;
            if (!have_cip) {
                have_cip = true;
                pdu->nservices = b->nservices - before; /* services[0..) of the first item */
                if (before != 0)
                    pdu->nservices = 0;
            }
            if (i == 1) {
                b->s->conn_data = type == 0xb1;
                b->s->has_seq = type == 0xb1;
                b->s->seq = seq;
            }
            break;
        }
        default:
            break;
        }
    }
    return true;
}

/* Parses the PDU in s->bytes (header + length bytes) into s->pdu. */
static bool enip_parse_pdu(struct enip_stored *s)
{
    struct enip_pdu *pdu = &s->pdu;
    const uint8_t *h = s->bytes;
    pdu->command = le16(h);
    pdu->length = le16(h + 2);
    pdu->session = le32(h + 4);
    pdu->status = le32(h + 8);
    pdu->context = (uint64_t)le32(h + 12) | (uint64_t)le32(h + 16) << 32;
    pdu->options = le32(h + 20);
    struct enip_build b = {.s = s};
    struct enip_cur c = {.p = h + ENIP_HDR, .left = pdu->length};
    bool ok = true;
    switch (pdu->command) {
    case ENIP_CMD_REGISTER_SESSION:
        ok = cur_u16(&c, &pdu->rs_protocol_version) && cur_u16(&c, &pdu->rs_options);
        if (ok)
            pdu->payload = ENIP_PAYLOAD_REGISTER_SESSION;
        break;
    case ENIP_CMD_LIST_SERVICES:
    case ENIP_CMD_LIST_INTERFACES:
    case ENIP_CMD_LIST_IDENTITY:
        if (pdu->length == 0)
            break; /* a request: nothing to parse */
        ok = parse_items(&b, &c);
        if (ok)
            pdu->payload = pdu->command == ENIP_CMD_LIST_IDENTITY   ? ENIP_PAYLOAD_LIST_IDENTITY
                           : pdu->command == ENIP_CMD_LIST_SERVICES ? ENIP_PAYLOAD_LIST_SERVICES
                                                                    : ENIP_PAYLOAD_LIST_INTERFACES;
        break;
    case ENIP_CMD_SEND_RR_DATA:
    case ENIP_CMD_SEND_UNIT_DATA: {
        uint32_t handle;
        uint16_t timeout;
        ok = cur_u32(&c, &handle) && cur_u16(&c, &timeout) && parse_items(&b, &c);
        if (ok)
            pdu->payload = ENIP_PAYLOAD_CIP;
        break;
    }
    default:
        break;
    }
    if (!ok || b.oom) {
        pdu->invalid = !b.oom;
        pdu->payload = ENIP_PAYLOAD_NONE;
        pdu->has_identity = pdu->has_service_item = false;
        pdu->nservices = 0;
        s->conn_data = s->has_seq = false;
        b.nservices = 0;
    }
    /* Offsets kept during parsing become pointers. */
    for (uint32_t i = 0; i < b.nservices; i++) {
        struct enip_cip_service *sv = &s->services[i];
        sv->path = sv->npath ? &s->segments[b.path_at[i]] : NULL;
        sv->attributes = sv->nattributes ? &s->attributes[b.attr_at[i]] : NULL;
        if (sv->is_response)
            sv->status_extended = s->bytes + (uintptr_t)sv->status_extended;
        else
            sv->status_extended = NULL;
    }
    pdu->services = pdu->nservices ? s->services : NULL;
    if (pdu->has_identity)
        pdu->identity.product_name = s->bytes + (uintptr_t)pdu->identity.product_name;
    if (pdu->has_service_item)
        pdu->service_item.name = s->bytes + (uintptr_t)pdu->service_item.name;
    s->alloc += (size_t)b.cap_services * sizeof(*s->services) +
                (size_t)b.cap_segments * sizeof(*s->segments) +
                (size_t)b.cap_attributes * sizeof(*s->attributes);
    free(b.path_at);
    free(b.attr_at);
    return true;
}

/* Suricata's probe: a known command with a known status, and per command a
 * consistent length. */
static bool enip_header_valid(const uint8_t *d, uint32_t len)
{
    if (len < ENIP_HDR)
        return false;
    uint16_t cmd = le16(d), pdulen = le16(d + 2);
    if (!enip_status_name(le32(d + 8)) || !enip_command_name(cmd))
        return false;
    switch (cmd) {
    case ENIP_CMD_NOP:
        return le32(d + 20) == 0;
    case ENIP_CMD_REGISTER_SESSION:
        return pdulen == 4;
    case ENIP_CMD_UNREGISTER_SESSION:
        return pdulen == 4 || pdulen == 0;
    case ENIP_CMD_LIST_INTERFACES: {
        if (len < ENIP_HDR + 2)
            return false;
        uint16_t n = le16(d + ENIP_HDR);
        return len >= ENIP_HDR + 2 + 2u * n;
    }
    default:
        return true;
    }
}

/* ------------------------------------------------------------ transactions */

static void enip_stored_free(struct enip_state *st, struct enip_stored *s)
{
    if (!s)
        return;
    free(s->bytes);
    free(s->services);
    free(s->segments);
    free(s->attributes);
    app_thread_memory_release(st->thread, s->alloc);
    free(s);
}

/* Copies and parses one PDU; NULL on ENOMEM/memcap. */
static struct enip_stored *enip_store(struct enip_state *st, const uint8_t *d, uint32_t len)
{
    size_t base = sizeof(struct enip_stored) + len;
    if (!app_thread_memory_reserve(st->thread, base))
        return NULL;
    struct enip_stored *s = calloc(1, sizeof(*s));
    uint8_t *bytes = malloc(len ? len : 1);
    if (!s || !bytes) {
        free(s);
        free(bytes);
        app_thread_memory_release(st->thread, base);
        return NULL;
    }
    memcpy(bytes, d, len);
    s->bytes = bytes;
    s->alloc = base;
    enip_parse_pdu(s);
    size_t extra = s->alloc - base;
    if (extra && !app_thread_memory_reserve(st->thread, extra)) {
        s->alloc = base;
        enip_stored_free(st, s);
        return NULL;
    }
    return s;
}

static void enip_event(struct enip_state *st, struct enip_tx *tx, enum enip_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    if (st->ctx)
        app_parser_anomaly(st->ctx, APP_PROTO_ENIP, enip_event_names[e]);
}

static struct enip_tx *enip_first(const struct enip_state *st)
{
    return (struct enip_tx *)st->txs.head;
}

static struct enip_tx *enip_next(const struct enip_tx *tx)
{
    return (struct enip_tx *)tx->lt.next;
}

static void enip_tx_free(struct app_list_tx *ltx, void *user)
{
    struct enip_tx *tx = (struct enip_tx *)ltx;
    enip_stored_free(user, tx->request);
    enip_stored_free(user, tx->response);
}

/* Whether resp answers req (Suricata's response_matches_request). */
static bool enip_matches(const struct enip_stored *req, const struct enip_stored *resp)
{
    if (req->pdu.command != resp->pdu.command)
        return false;
    if (req->pdu.session != resp->pdu.session && req->pdu.command != ENIP_CMD_REGISTER_SESSION)
        return false; /* RegisterSession's answer carries the new handle */
    bool req_cip = req->pdu.payload == ENIP_PAYLOAD_CIP;
    bool resp_cip = resp->pdu.payload == ENIP_PAYLOAD_CIP;
    if (req_cip && resp_cip) {
        if (req->nitems >= 2 && resp->nitems >= 2 && req->conn_data && resp->conn_data)
            return req->has_seq && resp->has_seq && req->seq == resp->seq;
        return true;
    }
    if (req_cip || resp_cip)
        return false;
    return true;
}

static void enip_log_body(const void *object, struct json_writer *w);

static bool enip_tx_done(const struct enip_tx *tx)
{
    return tx->done || (tx->request && tx->response);
}

static void enip_log_ready(struct enip_state *st, bool all)
{
    if (!st->ctx)
        return;
    for (struct enip_tx *tx = enip_first(st); tx; tx = enip_next(tx)) {
        if (tx->base.logged || (!all && !enip_tx_done(tx)))
            continue;
        if (!tx->request && !tx->response)
            continue;
        tx->base.logged = true;
        app_parser_log(st->ctx, "enip", 0, enip_log_body, tx);
    }
}

static void enip_free_done(struct enip_state *st)
{
    app_txlist_free_done(&st->txs, sizeof(struct enip_tx), enip_tx_free, st);
}

/* Returns the id of the transaction the PDU went to, -1 none. */
static int64_t enip_handle(struct enip_state *st, const uint8_t *d, uint32_t len, bool request)
{
    struct enip_stored *s = enip_store(st, d, len);
    if (!s)
        return -1;
    if (!request) {
        for (struct enip_tx *tx = enip_first(st); tx; tx = enip_next(tx)) {
            if (!tx->request || tx->response)
                continue;
            tx->done = true; /* older unanswered requests are given up */
            if (enip_matches(tx->request, s)) {
                if (s->pdu.invalid)
                    enip_event(st, tx, ENIP_EV_INVALID_PDU);
                tx->response = s;
                return (int64_t)tx->base.id;
            }
        }
    }
    if (st->txs.live >= st->cfg->enip_max_tx) {
        bool first = true;
        for (struct enip_tx *tx = enip_first(st); tx; tx = enip_next(tx)) {
            tx->done = true;
            if (first)
                enip_event(st, tx, ENIP_EV_TOO_MANY_TRANSACTIONS);
            first = false;
        }
        enip_stored_free(st, s);
        return -1;
    }
    struct enip_tx *tx = app_txlist_new(&st->txs, &app_parser_enip, sizeof(*tx));
    if (!tx) {
        enip_stored_free(st, s);
        return -1;
    }
    tx->state = st;
    if (request)
        tx->request = s;
    else
        tx->response = s;
    if (st->ctx)
        app_parser_count_tx(st->ctx, APP_PROTO_ENIP);
    if (s->pdu.invalid)
        enip_event(st, tx, ENIP_EV_INVALID_PDU);
    if (request && st->ctx)
        app_baseline_enip(st->ctx, &tx->base);
    return (int64_t)tx->base.id;
}

/* ------------------------------------------------------------ parser interface */

static enum app_probe_result enip_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < ENIP_HDR)
        return APP_PROBE_NEED_MORE;
    return enip_header_valid(data, len) ? APP_PROBE_MATCH : APP_PROBE_NO;
}

static void *enip_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct enip_state)))
        return NULL;
    struct enip_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct enip_state));
        return NULL;
    }
    st->thread = ctx->thread;
    app_txlist_init(&st->txs, ctx->thread);
    st->cfg = &app_parser_config(ctx)->ics;
    if (ctx->flow) {
        st->udp = ctx->flow->key.proto == 17;
        if (ctx->flow->key.src_port == ENIP_PORT && ctx->flow->key.dst_port != ENIP_PORT)
            st->reversed = true;
    }
    return st;
}

static void enip_state_free(void *state)
{
    struct enip_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct enip_tx), enip_tx_free, st);
    for (int d = 0; d < 2; d++)
        app_msgbuf_free(&st->buf[d], st->thread);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

/* Frames (Suricata's enip frames): pdu (the encapsulation PDU), hdr (its
 * 24-byte header), data (what follows it), enip.item (each common packet
 * format item) and cip (the CIP message of a data item), in the wire
 * direction's stream at `off`. */
enum { ENIP_FRAME_PDU, ENIP_FRAME_HDR, ENIP_FRAME_DATA, ENIP_FRAME_ITEM, ENIP_FRAME_CIP };
static const char *const enip_frame_names[] = {"pdu", "hdr", "data", "enip.item", "cip", NULL};

/* A CIP message's frame and, for a Multiple Service Packet, one for each
 * service it carries (request: after its path; reply: after its status). */
static void enip_cip_frames(struct app_parse_ctx *ctx, uint8_t wire, uint64_t off,
                            const uint8_t *m, uint32_t len, int64_t tx_id)
{
    app_frame_add(ctx, wire, off, len, ENIP_FRAME_CIP, tx_id, m, len);
    if (len < 2 || (m[0] & 0x7f) != 0x0a)
        return;
    uint32_t start = (m[0] & 0x80) ? 4u + 2u * (len >= 4 ? m[3] : 0) : 2u + 2u * m[1];
    if (start + 2 > len)
        return;
    uint16_t n = le16(m + start);
    if (start + 2u + 2u * n > len)
        return;
    for (uint16_t i = 0; i < n; i++) {
        uint32_t a = start + le16(m + start + 2 + 2 * i);
        uint32_t b = i + 1 < n ? start + le16(m + start + 4 + 2 * i) : len;
        if (a < start + 2u + 2u * n || b > len || a >= b)
            return;
        app_frame_add(ctx, wire, off + a, b - a, ENIP_FRAME_CIP, tx_id, m + a, b - a);
    }
}

static void enip_frames(struct enip_state *st, uint8_t wire, uint64_t off, const uint8_t *d,
                        uint32_t len, int64_t tx_id)
{
    struct app_parse_ctx *ctx = st->ctx;
    if (!app_frames_on(ctx))
        return;
    app_frame_add_pdu(ctx, wire, off, d, len, ENIP_HDR, ENIP_FRAME_PDU, ENIP_FRAME_HDR,
                      ENIP_FRAME_DATA, tx_id);
    if (len == ENIP_HDR)
        return;
    /* The common packet format: after interface handle and timeout in
     * SendRRData/SendUnitData, at the start of list replies. */
    uint16_t cmd = le16(d);
    bool send = cmd == ENIP_CMD_SEND_RR_DATA || cmd == ENIP_CMD_SEND_UNIT_DATA;
    uint32_t pos = ENIP_HDR + (send ? 6 : 0);
    if (len < pos + 2)
        return;
    uint16_t count = le16(d + pos);
    pos += 2;
    for (uint16_t i = 0; i < count && len - pos >= 4; i++) {
        uint16_t type = le16(d + pos), ilen = le16(d + pos + 2);
        if (ilen > len - pos - 4)
            break;
        app_frame_add(ctx, wire, off + pos, 4 + ilen, ENIP_FRAME_ITEM, tx_id, d + pos, 4u + ilen);
        /* unconnected data (0xb2), connected data (0xb1: after its sequence count) */
        uint32_t skip = type == 0xb1 ? 2 : 0;
        if ((type == 0xb2 || type == 0xb1) && ilen > skip)
            enip_cip_frames(ctx, wire, off + pos + 4 + skip, d + pos + 4 + skip, ilen - skip,
                            tx_id);
        pos += 4u + ilen;
    }
}

static uint32_t enip_consume(void *user, const uint8_t *p, uint32_t n)
{
    struct enip_state *st = user;
    uint8_t d = st->feed_dir;
    uint32_t pos = 0;
    while (n - pos >= ENIP_HDR) {
        uint32_t total = ENIP_HDR + le16(p + pos + 2);
        if (n - pos < total)
            break;
        int64_t tx_id = enip_handle(st, p + pos, total, d == 0);
        enip_frames(st, d ^ (st->reversed ? 1 : 0), st->frame_base - st->buf[d].held + pos,
                    p + pos, total, tx_id);
        pos += total;
    }
    return pos;
}

static int enip_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                      const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct enip_state *st = state;
    uint8_t d = (direction & 1) ^ (st->reversed ? 1 : 0);
    st->ctx = ctx;
    enip_free_done(st);
    int rc = 0;
    if (st->udp) {
        /* One PDU per datagram; one that does not hold its announced length
         * is an error (the parser gives up, as Suricata's does). */
        if (data && len) {
            if (len < ENIP_HDR || len < ENIP_HDR + (uint32_t)le16(data + 2u))
                rc = -1;
            else
                enip_frames(st, direction & 1, ctx->stream_offset, data,
                            ENIP_HDR + (uint32_t)le16(data + 2u),
                            enip_handle(st, data, ENIP_HDR + (uint32_t)le16(data + 2u), d == 0));
        }
        goto out;
    }
    if (flags & APP_DATA_GAP) {
        st->gap[d] = true;
        app_msgbuf_reset(&st->buf[d]);
        goto out;
    }
    if (!data || !len)
        goto out;
    if (st->gap[d]) {
        /* Resynchronise only on a chunk that starts with a valid header. */
        if (!enip_header_valid(data, len))
            goto out;
        st->gap[d] = false;
    }
    st->feed_dir = d;
    st->frame_base = ctx->stream_offset;
    rc = app_msgbuf_feed(&st->buf[d], st->thread, data, len, enip_consume, st);
out:
    enip_log_ready(st, false);
    st->ctx = NULL;
    return rc;
}

static void enip_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct enip_state *st = state;
    st->ctx = ctx;
    enip_log_ready(st, true);
    st->ctx = NULL;
}

static int enip_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct enip_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

static bool enip_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    const struct enip_tx *tx = (const struct enip_tx *)atx;
    if (tx->done)
        return true;
    return direction == 0 ? tx->request != NULL : tx->response != NULL;
}

static bool enip_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct enip_tx *tx = (const struct enip_tx *)atx;
    for (int e = 0; e < ENIP_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(enip_event_names[e], name) == 0)
            return true;
    return false;
}

static int enip_tx_get_buffer(const struct app_tx *atx, enum app_buffer buffer, uint32_t index,
                              const uint8_t **data, uint32_t *len)
{
    const struct enip_tx *tx = (const struct enip_tx *)atx;
    if ((index & ~(APP_BUFFER_INDEX_TOCLIENT | APP_BUFFER_INDEX_TOSERVER)) != 0 || !tx->response)
        return -ENOENT;
    const struct enip_pdu *p = &tx->response->pdu;
    if (buffer == APP_BUFFER_ENIP_PRODUCT_NAME && p->has_identity) {
        *data = p->identity.product_name;
        *len = p->identity.product_name_len;
        return 0;
    }
    if (buffer == APP_BUFFER_ENIP_SERVICE_NAME && p->has_service_item) {
        *data = p->service_item.name;
        *len = 16;
        return 0;
    }
    return -ENOENT;
}

/* ------------------------------------------------------------ EVE */

static void write_name_or_unknown(struct json_writer *w, const char *key, const char *name,
                                  uint64_t v)
{
    if (name) {
        json_key_string(w, key, name);
        return;
    }
    char buf[40];
    snprintf(buf, sizeof(buf), "unknown-%llu", (unsigned long long)v);
    json_key_string(w, key, buf);
}

static void write_cip(const struct enip_pdu *pdu, uint32_t i, struct json_writer *w)
{
    const struct enip_cip_service *s = &pdu->services[i];
    write_name_or_unknown(w, "service", cip_service_name(s->service), s->service);
    if (s->is_response) {
        write_name_or_unknown(w, "status", cip_status_name(s->status), s->status);
        if (s->status_extended_len) {
            char hex[2 * 255 + 1];
            for (uint32_t k = 0; k < s->status_extended_len; k++)
                snprintf(hex + 2 * k, 3, "%02x", s->status_extended[k]);
            json_key_string(w, "status_extended", hex);
            if (s->status_extended_len == 2) {
                const char *m = cip_ext_status_name(le16(s->status_extended));
                if (m)
                    json_key_string(w, "status_extended_meaning", m);
            }
        }
    } else if (s->npath) {
        json_key_array_begin(w, "path");
        for (uint32_t k = 0; k < s->npath; k++) {
            const struct enip_cip_segment *seg = &s->path[k];
            json_object_begin(w);
            const char *t = seg->type >> 2 == 8    ? "class"
                            : seg->type >> 2 == 9  ? "instance"
                            : seg->type >> 2 == 12 ? "attribute"
                                                   : NULL;
            write_name_or_unknown(w, "segment_type", t, seg->type);
            json_key_u64(w, "value", seg->value);
            json_object_end(w);
        }
        json_array_end(w);
        for (uint32_t k = s->npath; k-- > 0;) {
            if ((s->path[k].type & 0xfc) == 0x20) {
                write_name_or_unknown(w, "class_name", cip_class_name(s->path[k].value),
                                      s->path[k].value);
                break;
            }
        }
    }
    if (s->payload == ENIP_CIP_MULTIPLE && s->nchildren) {
        json_key_array_begin(w, "multiple");
        for (uint32_t c = 0; c < s->nchildren; c++) {
            json_object_begin(w);
            write_cip(pdu, s->first_child + c, w);
            json_object_end(w);
        }
        json_array_end(w);
    }
}

static void write_pdu(const struct enip_pdu *p, bool response, struct json_writer *w)
{
    write_name_or_unknown(w, "command", enip_command_name(p->command), p->command);
    write_name_or_unknown(w, "status", enip_status_name(p->status), p->status);
    if (p->options)
        json_key_u64(w, "options", p->options);
    switch (p->payload) {
    case ENIP_PAYLOAD_CIP:
        if (p->nservices) {
            json_key_object_begin(w, "cip");
            write_cip(p, 0, w);
            json_object_end(w);
        }
        break;
    case ENIP_PAYLOAD_REGISTER_SESSION:
        json_key_object_begin(w, "register_session");
        json_key_u64(w, "protocol_version", p->rs_protocol_version);
        json_key_u64(w, "options", p->rs_options);
        json_object_end(w);
        break;
    case ENIP_PAYLOAD_LIST_SERVICES:
        if (response && p->has_service_item) {
            json_key_object_begin(w, "list_services");
            json_key_u64(w, "protocol_version", p->service_item.protocol_version);
            json_key_u64(w, "capabilities", p->service_item.capabilities);
            json_key_string_len(w, "service_name", p->service_item.name, 16);
            json_object_end(w);
        }
        break;
    case ENIP_PAYLOAD_LIST_IDENTITY:
        if (response && p->has_identity) {
            const struct enip_identity *id = &p->identity;
            char rev[16];
            json_key_object_begin(w, "identity");
            json_key_u64(w, "protocol_version", id->protocol_version);
            snprintf(rev, sizeof(rev), "%u.%u", id->revision_major, id->revision_minor);
            json_key_string(w, "revision", rev);
            write_name_or_unknown(w, "vendor_id", enip_vendor_name(id->vendor_id), id->vendor_id);
            write_name_or_unknown(w, "device_type", enip_device_type_name(id->device_type),
                                  id->device_type);
            json_key_u64(w, "product_code", id->product_code);
            json_key_u64(w, "status", id->status);
            json_key_u64(w, "serial", id->serial);
            json_key_string_len(w, "product_name", id->product_name, id->product_name_len);
            json_key_u64(w, "state", id->state);
            json_object_end(w);
        }
        break;
    default:
        break;
    }
}

static void enip_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct enip_tx *tx = (const struct enip_tx *)atx;
    json_key_object_begin(w, "enip");
    if (tx->request) {
        json_key_object_begin(w, "request");
        write_pdu(&tx->request->pdu, false, w);
        json_object_end(w);
    }
    if (tx->response) {
        json_key_object_begin(w, "response");
        write_pdu(&tx->response->pdu, true, w);
        json_object_end(w);
    }
    json_object_end(w);
}

static void enip_log_body(const void *object, struct json_writer *w)
{
    enip_tx_write_json(object, w);
}

/* ------------------------------------------------------------ accessors */

const struct enip_pdu *enip_tx_request(const struct app_tx *atx)
{
    if (!atx || atx->parser != &app_parser_enip)
        return NULL;
    const struct enip_tx *tx = (const struct enip_tx *)atx;
    return tx->request ? &tx->request->pdu : NULL;
}

const struct enip_pdu *enip_tx_response(const struct app_tx *atx)
{
    if (!atx || atx->parser != &app_parser_enip)
        return NULL;
    const struct enip_tx *tx = (const struct enip_tx *)atx;
    return tx->response ? &tx->response->pdu : NULL;
}

const struct app_parser app_parser_enip = {
    .proto = APP_PROTO_ENIP,
    .name = "enip",
    .ipprotos = APP_IPPROTO_TCP | APP_IPPROTO_UDP,
    .ports = {ENIP_PORT},
    .probe = enip_probe,
    .probe_needs_port = true,
    .state_new = enip_state_new,
    .state_free = enip_state_free,
    .parse = enip_parse,
    .flow_end = enip_flow_end,
    .tx_foreach = enip_tx_foreach,
    .frame_names = enip_frame_names,
    .tx_complete = enip_tx_complete,
    .tx_get_buffer = enip_tx_get_buffer,
    .tx_write_json = enip_tx_write_json,
    .tx_has_event = enip_tx_has_event,
    .event_names = enip_event_names,
};
