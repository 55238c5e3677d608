/* SPDX-License-Identifier: Apache-2.0 */
/* Modbus/TCP (MODBUS Application Protocol V1.1b3, Messaging on TCP/IP V1.0b)
 * as Suricata 8 parses it (its Rust parser on the sawp-modbus crate):
 *
 * - Framing: the 7-byte MBAP header (transaction id, protocol id, length,
 *   unit id); length outside 2..254 is a DATA_LENGTH error and the bytes it
 *   announces are skipped. Every ADU is validated as sawp does (quantities,
 *   byte counts, single-coil values, exception codes, ...) into error flags.
 * - Transactions: a request, and the response that matches it (same
 *   transaction id, unit, function and access type; a response that matches
 *   no request is its own transaction, `unsolicited_response`). At
 *   modbus_request_flood live transactions the next one carries `flooded`
 *   and later ones are dropped until transactions are freed.
 * - Events: invalid_function_code, invalid_length, invalid_value,
 *   invalid_exception_code, invalid_protocol_id from the flags, and
 *   value_mismatch when a read/write response disagrees with its request.
 * - EVE "modbus" when the response arrives (or at flow end), Suricata's shape:
 *   {"id", "request": {...}, "response": {...}}.
 * Limits: ADUs are at most 260 bytes, so a side buffers at most that much;
 * each transaction keeps two fixed-size message copies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_ics.h"
#include "app/app_baseline.h"
#include "app/app_cursor.h"
#include "app/app_parser.h"
#include "app/app_txlist.h"
#include "flow/flow.h"
#include "util/json.h"

#define MODBUS_HDR 6          /* transaction id, protocol id, length */
#define MODBUS_MIN_LENGTH 2
#define MODBUS_MAX_LENGTH 254
#define MODBUS_ADU_MAX (MODBUS_HDR + MODBUS_MAX_LENGTH)
#define MODBUS_MAX_QTY_BITS 2000
#define MODBUS_MAX_QTY_WORDS 125

enum modbus_event {
    MODBUS_EV_UNSOLICITED_RESPONSE = 0,
    MODBUS_EV_INVALID_FUNCTION_CODE,
    MODBUS_EV_INVALID_LENGTH,
    MODBUS_EV_INVALID_VALUE,
    MODBUS_EV_INVALID_EXCEPTION_CODE,
    MODBUS_EV_VALUE_MISMATCH,
    MODBUS_EV_FLOODED,
    MODBUS_EV_INVALID_PROTOCOL_ID,
    MODBUS_EV_COUNT,
};
static const char *const modbus_event_names[MODBUS_EV_COUNT + 1] = {
    "unsolicited_response", "invalid_function_code", "invalid_length", "invalid_value",
    "invalid_exception_code", "value_mismatch", "flooded", "invalid_protocol_id", NULL};

/* A message plus the bytes its data points into. */
struct modbus_stored {
    struct modbus_msg msg;
    uint8_t bytes[MODBUS_ADU_MAX];
};

struct modbus_state;

struct modbus_tx {
    union {
        struct app_list_tx lt; /* the transaction and its link (app_txlist.h) */
        struct app_tx base;
    };
    struct modbus_state *state;
    uint64_t number; /* Suricata's 1-based transaction id ("id") */
    bool has_request, has_response;
    struct modbus_stored request, response;
    uint32_t events;
};

struct modbus_state {
    struct app_layer_thread_ctx *thread;
    struct app_txlist txs;
    bool given_up; /* flood: new transactions are dropped */
    bool reversed; /* picked up mid-session from the server: its side is "to server" */
    uint8_t buf[2][MODBUS_ADU_MAX]; /* a partial ADU per side */
    uint32_t buf_len[2];
    struct app_parse_ctx *ctx; /* during a parse call */
};

/* ------------------------------------------------------------ names */

static const char *modbus_function_name(uint8_t code)
{
    static const char *const names[] = {
        [1] = "RdCoils",          [2] = "RdDiscreteInputs", [3] = "RdHoldRegs",
        [4] = "RdInputRegs",      [5] = "WrSingleCoil",     [6] = "WrSingleReg",
        [7] = "RdExcStatus",      [8] = "Diagnostic",       [9] = "Program484",
        [10] = "Poll484",         [11] = "GetCommEventCtr", [12] = "GetCommEventLog",
        [13] = "ProgramController", [14] = "PollController", [15] = "WrMultCoils",
        [16] = "WrMultRegs",      [17] = "ReportServerID",  [18] = "Program884",
        [19] = "ResetCommLink",   [20] = "RdFileRec",       [21] = "WrFileRec",
        [22] = "MaskWrReg",       [23] = "RdWrMultRegs",    [24] = "RdFIFOQueue",
    };
    if (code == MODBUS_FUNC_MEI)
        return "MEI";
    if (code < sizeof(names) / sizeof(names[0]) && names[code])
        return names[code];
    return "Unknown";
}

static uint8_t modbus_function_from_raw(uint8_t raw)
{
    if ((raw >= 1 && raw <= 24) || raw == MODBUS_FUNC_MEI)
        return raw;
    return MODBUS_FUNC_UNKNOWN;
}

static const char *modbus_diag_name(uint16_t sub)
{
    static const char *const names[] = {
        [0x00] = "RetQueryData",         [0x01] = "RestartCommOpt",
        [0x02] = "RetDiagReg",           [0x03] = "ChangeInputDelimiter",
        [0x04] = "ForceListenOnlyMode",  [0x0a] = "ClearCtrDiagReg",
        [0x0b] = "RetBusMsgCount",       [0x0c] = "RetBusCommErrCount",
        [0x0d] = "RetBusExcErrCount",    [0x0e] = "RetServerMsgCount",
        [0x0f] = "RetServerNoRespCount", [0x10] = "RetServerNAKCount",
        [0x11] = "RetServerBusyCount",   [0x12] = "RetBusCharOverrunCount",
        [0x13] = "RetOverrunErrCount",   [0x14] = "ClearOverrunCounterFlag",
        [0x15] = "GetClearPlusStats",
    };
    if (sub < sizeof(names) / sizeof(names[0]) && names[sub])
        return names[sub];
    return "Reserved";
}

static bool modbus_diag_reserved(uint16_t sub)
{
    return strcmp(modbus_diag_name(sub), "Reserved") == 0;
}

static const char *modbus_mei_name(uint8_t mei)
{
    if (mei == 0x0d)
        return "CANOpenGenRefReqResp";
    if (mei == 0x0e)
        return "RdDevId";
    return "Unknown";
}

static const char *modbus_exception_name(uint8_t code)
{
    static const char *const names[] = {
        [1] = "IllegalFunction",   [2] = "IllegalDataAddr",        [3] = "IllegalDataValue",
        [4] = "ServerDeviceFail",  [5] = "Ack",                    [6] = "ServerDeviceBusy",
        [7] = "NegAck",            [8] = "MemParityErr",           [10] = "GatewayPathUnavailable",
        [11] = "GatewayTargetFailToResp",
    };
    if (code < sizeof(names) / sizeof(names[0]) && names[code])
        return names[code];
    return "Unknown";
}

/* Flag sets print as Suricata does (sawp-flags Display): every named flag
 * whose bits are all set, in declaration order, " | "-joined; "NONE" if 0. */
struct modbus_flag_name {
    uint8_t bits;
    const char *name;
};
static const struct modbus_flag_name modbus_access_names[] = {
    {0x01, "READ"},      {0x02, "WRITE"},           {0x04, "DISCRETES"},   {0x08, "COILS"},
    {0x10, "INPUT"},     {0x20, "HOLDING"},         {0x40, "SINGLE"},      {0x80, "MULTIPLE"},
    {0x0c, "BIT_ACCESS_MASK"}, {0x3c, "FUNC_MASK"}, {0x42, "WRITE_SINGLE"}, {0x82, "WRITE_MULTIPLE"},
    {0, NULL}};
static const struct modbus_flag_name modbus_category_names[] = {
    {0x01, "PUBLIC_ASSIGNED"}, {0x02, "PUBLIC_UNASSIGNED"}, {0x04, "USER_DEFINED"},
    {0x08, "RESERVED"}, {0, NULL}};
static const struct modbus_flag_name modbus_error_names[] = {
    {0x01, "DATA_VALUE"}, {0x02, "DATA_LENGTH"}, {0x04, "EXC_CODE"}, {0x08, "FUNC_CODE"},
    {0x10, "PROTO_ID"}, {0, NULL}};

static void modbus_flags_string(uint8_t v, const struct modbus_flag_name *names, char *out,
                                size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (const struct modbus_flag_name *n = names; n->name; n++) {
        if ((v & n->bits) != n->bits)
            continue;
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " | " : "", n->name);
        if (o >= outlen)
            break;
    }
    if (!v)
        snprintf(out, outlen, "NONE");
}

/* ------------------------------------------------------------ parsing */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The PDU data is read with an app_cursor: reading past its end is
 * "incomplete", which sawp turns into a DATA_LENGTH error. */
static uint16_t data_length(const struct modbus_msg *m)
{
    return (uint16_t)(m->length - 2);
}

static void set_data(struct modbus_msg *m, uint8_t kind, const uint8_t *d, uint32_t n)
{
    m->data_kind = kind;
    m->data = d;
    m->data_len = n;
}

static bool parse_exception(struct modbus_msg *m, struct app_cursor *c)
{
    uint8_t code;
    if (!app_cur_u8(c, &code))
        return false;
    bool in_ranges = (m->function_raw > 6 && m->function_raw < 15) ||
                     (m->function_raw > 16 && m->function_raw < 20);
    const char *name = modbus_exception_name(code);
    if (code == 3 && m->function_code != MODBUS_FUNC_DIAGNOSTIC && in_ranges)
        m->error_flags |= MODBUS_ERR_EXC_CODE;
    else if (code == 2 && in_ranges)
        m->error_flags |= MODBUS_ERR_EXC_CODE;
    else if (code == 8 && m->function_code != MODBUS_FUNC_RD_FILE_REC &&
             m->function_code != MODBUS_FUNC_WR_FILE_REC)
        m->error_flags |= MODBUS_ERR_EXC_CODE;
    else if (strcmp(name, "Unknown") == 0)
        m->error_flags |= MODBUS_ERR_EXC_CODE;
    m->exception_code = code;
    m->data_kind = MODBUS_DATA_EXCEPTION;
    return true;
}

/* A code of `width` bytes (diagnostic sub-function, MEI type) and data to
 * the end of the PDU. */
static bool parse_coded_data(struct modbus_msg *m, struct app_cursor *c, uint32_t width,
                             uint8_t kind)
{
    if (data_length(m) < width) {
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        return true;
    }
    const uint8_t *code, *d;
    if (!app_cur_take(c, width, &code) || !app_cur_take(c, data_length(m) - width, &d))
        return false;
    if (kind == MODBUS_DATA_DIAGNOSTIC)
        m->subfunction = be16(code);
    else
        m->mei_type = code[0];
    set_data(m, kind, d, data_length(m) - width);
    return true;
}

static bool parse_diagnostic(struct modbus_msg *m, struct app_cursor *c)
{
    return parse_coded_data(m, c, 2, MODBUS_DATA_DIAGNOSTIC);
}

static bool parse_mei(struct modbus_msg *m, struct app_cursor *c)
{
    return parse_coded_data(m, c, 1, MODBUS_DATA_MEI);
}

static bool parse_bytevec(struct modbus_msg *m, struct app_cursor *c)
{
    const uint8_t *d;
    if (!app_cur_take(c, data_length(m), &d))
        return false;
    set_data(m, MODBUS_DATA_BYTES, d, data_length(m));
    return true;
}

static bool parse_read_request(struct modbus_msg *m, struct app_cursor *c)
{
    uint16_t address, quantity;
    if (!app_cur_u16be(c, &address) || !app_cur_u16be(c, &quantity))
        return false;
    if (quantity == 0)
        m->error_flags |= MODBUS_ERR_DATA_VALUE;
    if (m->function_code != MODBUS_FUNC_RD_WR_MULT_REGS && data_length(m) > 4)
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
    if (m->access_type & MODBUS_ACCESS_BIT_MASK) {
        if (quantity > MODBUS_MAX_QTY_BITS)
            m->error_flags |= MODBUS_ERR_DATA_VALUE;
    } else if (quantity > MODBUS_MAX_QTY_WORDS) {
        m->error_flags |= MODBUS_ERR_DATA_VALUE;
    }
    m->read_address = address;
    m->read_quantity = quantity;
    m->data_kind = MODBUS_DATA_READ_REQUEST;
    return true;
}

static bool parse_read_response(struct modbus_msg *m, struct app_cursor *c)
{
    if (data_length(m) < 1) {
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        return true;
    }
    uint8_t count;
    if (!app_cur_u8(c, &count))
        return false;
    if (count < 1 || count > 250)
        m->error_flags |= MODBUS_ERR_DATA_VALUE;
    if (data_length(m) - 1u != count)
        m->error_flags |= MODBUS_ERR_DATA_VALUE;
    const uint8_t *d;
    if (!app_cur_take(c, data_length(m) - 1u, &d))
        return false;
    set_data(m, MODBUS_DATA_READ_RESPONSE, d, data_length(m) - 1u);
    return true;
}

static bool parse_write_request(struct modbus_msg *m, struct app_cursor *c)
{
    uint16_t address;
    if (!app_cur_u16be(c, &address))
        return false;
    if (m->access_type & MODBUS_ACCESS_SINGLE) {
        uint16_t value;
        if (!app_cur_u16be(c, &value))
            return false;
        if ((m->access_type & MODBUS_ACCESS_COILS) && value != 0x0000 && value != 0xff00)
            m->error_flags |= MODBUS_ERR_DATA_VALUE;
        m->write_address = address;
        m->write_value = value;
        m->data_kind = MODBUS_DATA_WRITE_SINGLE;
        return true;
    }
    if (m->access_type & MODBUS_ACCESS_MULTIPLE) {
        uint16_t quantity;
        uint8_t count;
        if (!app_cur_u16be(c, &quantity) || !app_cur_u8(c, &count))
            return false;
        uint16_t offset = m->function_code == MODBUS_FUNC_RD_WR_MULT_REGS ? 11 : 7;
        if (quantity == 0 || (uint16_t)(m->length - offset) != count)
            m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        if (m->access_type & MODBUS_ACCESS_BIT_MASK) {
            if (quantity > MODBUS_MAX_QTY_BITS ||
                count != quantity / 8 + (quantity % 8 != 0 ? 1 : 0))
                m->error_flags |= MODBUS_ERR_DATA_VALUE;
        } else if (quantity > MODBUS_MAX_QTY_WORDS || (uint32_t)count != 2u * quantity) {
            m->error_flags |= MODBUS_ERR_DATA_VALUE;
        }
        const uint8_t *d;
        if (!app_cur_take(c, (uint16_t)(m->length - offset), &d))
            return false;
        m->write_address = address;
        m->write_quantity = quantity;
        set_data(m, m->data_kind == MODBUS_DATA_READ_REQUEST ? MODBUS_DATA_READ_WRITE
                                                            : MODBUS_DATA_WRITE_MULTIPLE,
                 d, (uint16_t)(m->length - offset));
        return true;
    }
    uint16_t and_mask, or_mask;
    if (!app_cur_u16be(c, &and_mask) || !app_cur_u16be(c, &or_mask))
        return false;
    m->write_address = address;
    m->and_mask = and_mask;
    m->or_mask = or_mask;
    m->data_kind = MODBUS_DATA_WRITE_MASK;
    return true;
}

static bool parse_write_response(struct modbus_msg *m, struct app_cursor *c)
{
    uint16_t address;
    if (!app_cur_u16be(c, &address))
        return false;
    if (m->access_type & MODBUS_ACCESS_SINGLE) {
        uint16_t value;
        if (!app_cur_u16be(c, &value))
            return false;
        m->write_address = address;
        m->write_value = value;
        m->data_kind = MODBUS_DATA_WRITE_SINGLE;
        return true;
    }
    if (m->access_type & MODBUS_ACCESS_MULTIPLE) {
        uint16_t quantity;
        if (!app_cur_u16be(c, &quantity))
            return false;
        if (quantity == 0)
            m->error_flags |= MODBUS_ERR_DATA_VALUE;
        /* (sic: sawp compares bit functions with the word limit and back) */
        if (m->access_type & MODBUS_ACCESS_BIT_MASK) {
            if (quantity > MODBUS_MAX_QTY_WORDS)
                m->error_flags |= MODBUS_ERR_DATA_VALUE;
        } else if (quantity > MODBUS_MAX_QTY_BITS) {
            m->error_flags |= MODBUS_ERR_DATA_VALUE;
        }
        m->write_address = address;
        m->write_value = quantity;
        m->data_kind = MODBUS_DATA_WRITE_SINGLE;
        return true;
    }
    uint16_t and_mask, or_mask;
    if (!app_cur_u16be(c, &and_mask) || !app_cur_u16be(c, &or_mask))
        return false;
    m->write_address = address;
    m->and_mask = and_mask;
    m->or_mask = or_mask;
    m->data_kind = MODBUS_DATA_WRITE_MASK;
    return true;
}

static bool parse_request(struct modbus_msg *m, struct app_cursor *c)
{
    uint16_t dl = data_length(m);
    switch (m->function_code) {
    case MODBUS_FUNC_DIAGNOSTIC: {
        if (dl != 4)
            m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        if (!parse_diagnostic(m, c))
            return false;
        if (m->data_kind == MODBUS_DATA_DIAGNOSTIC && m->data_len == 2) {
            const uint8_t *d = m->data;
            uint16_t sub = m->subfunction;
            if (sub == 0x00 || sub == 0x04 || modbus_diag_reserved(sub)) {
                /* any data */
            } else if (sub == 0x01) {
                if (d[1] != 0x00 || (d[0] != 0x00 && d[0] != 0xff))
                    m->error_flags |= MODBUS_ERR_DATA_VALUE;
            } else if (sub == 0x03) {
                if (d[1] != 0x00)
                    m->error_flags |= MODBUS_ERR_DATA_VALUE;
            } else if (d[0] != 0x00 || d[1] != 0x00) {
                m->error_flags |= MODBUS_ERR_DATA_VALUE;
            }
        }
        return true;
    }
    case MODBUS_FUNC_MEI:
        return parse_mei(m, c);
    case MODBUS_FUNC_RD_FILE_REC:
    case MODBUS_FUNC_WR_FILE_REC:
        if (dl == 0) {
            m->error_flags |= MODBUS_ERR_DATA_LENGTH;
            return parse_bytevec(m, c);
        }
        break;
    case MODBUS_FUNC_RD_EXC_STATUS:
    case 11: /* GetCommEventCtr */
    case 12: /* GetCommEventLog */
    case 17: /* ReportServerID */
        if (dl > 0) {
            m->error_flags |= MODBUS_ERR_DATA_LENGTH;
            return parse_bytevec(m, c);
        }
        break;
    case MODBUS_FUNC_RD_FIFO_QUEUE:
        if (dl != 2) {
            m->error_flags |= MODBUS_ERR_DATA_LENGTH;
            return parse_bytevec(m, c);
        }
        break;
    default:
        break;
    }
    if (m->function_raw == 0 || m->function_raw >= 0x80)
        m->error_flags |= MODBUS_ERR_FUNC_CODE;
    if (m->access_type & MODBUS_ACCESS_READ) {
        if (!parse_read_request(m, c))
            return false;
        if (m->access_type & MODBUS_ACCESS_WRITE)
            return parse_write_request(m, c);
        return true;
    }
    if (m->access_type & MODBUS_ACCESS_WRITE)
        return parse_write_request(m, c);
    return parse_bytevec(m, c);
}

static bool parse_response(struct modbus_msg *m, struct app_cursor *c)
{
    uint16_t dl = data_length(m);
    if (m->function_raw >= 0x80)
        return parse_exception(m, c);
    if (m->function_code == MODBUS_FUNC_DIAGNOSTIC)
        return parse_diagnostic(m, c);
    if (m->function_code == MODBUS_FUNC_MEI)
        return parse_mei(m, c);
    if (m->function_code == MODBUS_FUNC_RD_EXC_STATUS && dl != 1) {
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        return parse_bytevec(m, c);
    }
    if (m->function_code == 11 && dl != 4) {
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        return parse_bytevec(m, c);
    }
    if (m->access_type & MODBUS_ACCESS_READ)
        return parse_read_response(m, c);
    if (m->access_type & MODBUS_ACCESS_WRITE)
        return parse_write_response(m, c);
    return parse_bytevec(m, c);
}

static bool parse_unknown_dir(struct modbus_msg *m, struct app_cursor *c)
{
    if (m->function_raw >= 0x80)
        return parse_exception(m, c);
    if (m->function_code == MODBUS_FUNC_DIAGNOSTIC)
        return parse_diagnostic(m, c);
    if (m->function_code == MODBUS_FUNC_MEI)
        return parse_mei(m, c);
    return parse_bytevec(m, c);
}

static uint8_t modbus_access_of(uint8_t code)
{
    switch (code) {
    case MODBUS_FUNC_RD_COILS: return MODBUS_ACCESS_COILS | MODBUS_ACCESS_READ;
    case MODBUS_FUNC_RD_DISCRETE_INPUTS: return MODBUS_ACCESS_DISCRETES | MODBUS_ACCESS_READ;
    case MODBUS_FUNC_RD_HOLD_REGS: return MODBUS_ACCESS_HOLDING | MODBUS_ACCESS_READ;
    case MODBUS_FUNC_RD_INPUT_REGS: return MODBUS_ACCESS_INPUT | MODBUS_ACCESS_READ;
    case MODBUS_FUNC_WR_SINGLE_COIL:
        return MODBUS_ACCESS_COILS | MODBUS_ACCESS_WRITE | MODBUS_ACCESS_SINGLE;
    case MODBUS_FUNC_WR_SINGLE_REG:
        return MODBUS_ACCESS_HOLDING | MODBUS_ACCESS_WRITE | MODBUS_ACCESS_SINGLE;
    case MODBUS_FUNC_WR_MULT_COILS:
        return MODBUS_ACCESS_COILS | MODBUS_ACCESS_WRITE | MODBUS_ACCESS_MULTIPLE;
    case MODBUS_FUNC_WR_MULT_REGS:
        return MODBUS_ACCESS_HOLDING | MODBUS_ACCESS_WRITE | MODBUS_ACCESS_MULTIPLE;
    case MODBUS_FUNC_MASK_WR_REG: return MODBUS_ACCESS_HOLDING | MODBUS_ACCESS_WRITE;
    case MODBUS_FUNC_RD_WR_MULT_REGS:
        return MODBUS_ACCESS_HOLDING | MODBUS_ACCESS_READ | MODBUS_ACCESS_WRITE |
               MODBUS_ACCESS_MULTIPLE;
    default: return 0;
    }
}

static uint8_t modbus_category_from_raw(uint8_t id)
{
    if (id == 0)
        return 0;
    if (id < 9)
        return MODBUS_CAT_PUBLIC_UNASSIGNED;
    if (id < 15)
        return MODBUS_CAT_RESERVED;
    if (id < 41)
        return MODBUS_CAT_PUBLIC_UNASSIGNED;
    if (id < 43)
        return MODBUS_CAT_RESERVED;
    if (id < 65)
        return MODBUS_CAT_PUBLIC_UNASSIGNED;
    if (id < 73)
        return MODBUS_CAT_USER_DEFINED;
    if (id < 90)
        return MODBUS_CAT_PUBLIC_UNASSIGNED;
    if (id < 92)
        return MODBUS_CAT_RESERVED;
    if (id < 100)
        return MODBUS_CAT_PUBLIC_UNASSIGNED;
    if (id < 111)
        return MODBUS_CAT_USER_DEFINED;
    if (id < 125)
        return MODBUS_CAT_PUBLIC_UNASSIGNED;
    if (id < 128)
        return MODBUS_CAT_RESERVED;
    return 0;
}

static uint8_t modbus_category_of(const struct modbus_msg *m)
{
    switch (m->function_code) {
    case MODBUS_FUNC_DIAGNOSTIC:
        if (m->data_kind != MODBUS_DATA_DIAGNOSTIC)
            return 0;
        return modbus_diag_reserved(m->subfunction) ? MODBUS_CAT_RESERVED
                                                    : MODBUS_CAT_PUBLIC_ASSIGNED;
    case MODBUS_FUNC_MEI:
        if (m->data_kind != MODBUS_DATA_MEI)
            return 0;
        return strcmp(modbus_mei_name(m->mei_type), "Unknown") == 0 ? MODBUS_CAT_RESERVED
                                                                    : MODBUS_CAT_PUBLIC_ASSIGNED;
    case MODBUS_FUNC_UNKNOWN:
        return modbus_category_from_raw(m->function_raw);
    default:
        return MODBUS_CAT_PUBLIC_ASSIGNED;
    }
}

/* Parses one ADU at the start of in. direction: 0 request, 1 response,
 * 2 unknown (probing). Returns the bytes consumed (> 0) with *m filled
 * (pointers into in), 0 if more bytes are needed. */
static uint32_t modbus_parse_adu(const uint8_t *in, uint32_t len, int direction,
                                 struct modbus_msg *m)
{
    if (len < MODBUS_HDR)
        return 0;
    memset(m, 0, sizeof(*m));
    m->transaction_id = be16(in);
    m->protocol_id = be16(in + 2);
    m->length = be16(in + 4);
    if (m->protocol_id != 0)
        m->error_flags |= MODBUS_ERR_PROTO_ID;
    m->function_code = MODBUS_FUNC_UNKNOWN;
    uint32_t avail = len - MODBUS_HDR;
    if (m->length < MODBUS_MIN_LENGTH || m->length > MODBUS_MAX_LENGTH) {
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        return MODBUS_HDR + (avail > m->length ? m->length : avail);
    }
    if (avail < m->length)
        return 0;
    m->unit_id = in[MODBUS_HDR];
    m->function_raw = in[MODBUS_HDR + 1];
    m->function_code = modbus_function_from_raw(m->function_raw >= 0x80
                                                    ? (uint8_t)(m->function_raw ^ 0x80)
                                                    : m->function_raw);
    m->access_type = modbus_access_of(m->function_code);
    struct app_cursor c = {.p = in + MODBUS_HDR + 2, .left = m->length - 2u};
    bool ok = direction == 0   ? parse_request(m, &c)
              : direction == 1 ? parse_response(m, &c)
                               : parse_unknown_dir(m, &c);
    if (ok) {
        if (c.left > 0)
            m->error_flags |= MODBUS_ERR_DATA_LENGTH;
    } else {
        m->error_flags |= MODBUS_ERR_DATA_LENGTH;
        if (m->data_kind == MODBUS_DATA_EMPTY)
            set_data(m, MODBUS_DATA_BYTES, in + MODBUS_HDR + 2, m->length - 2u);
    }
    m->category = modbus_category_of(m);
    return MODBUS_HDR + m->length;
}

/* ------------------------------------------------------------ address helpers */

bool modbus_msg_address_range(const struct modbus_msg *m, uint16_t *first, uint16_t *last)
{
    if (!m)
        return false;
    switch (m->data_kind) {
    case MODBUS_DATA_WRITE_SINGLE:
    case MODBUS_DATA_WRITE_MASK:
        *first = *last = (uint16_t)(m->write_address + 1);
        return true;
    case MODBUS_DATA_READ_REQUEST:
        if (m->read_quantity > 0 && m->read_quantity <= 0xffff - m->read_address) {
            *first = (uint16_t)(m->read_address + 1);
            *last = (uint16_t)(m->read_address + m->read_quantity);
            return true;
        }
        return false;
    case MODBUS_DATA_WRITE_MULTIPLE:
    case MODBUS_DATA_READ_WRITE:
        if (m->write_quantity > 0 && m->write_quantity <= 0xffff - m->write_address) {
            *first = (uint16_t)(m->write_address + 1);
            *last = (uint16_t)(m->write_address + m->write_quantity);
            return true;
        }
        return false;
    default:
        return false;
    }
}

bool modbus_msg_write_value_at(const struct modbus_msg *m, uint16_t address, uint16_t *value)
{
    if (!m)
        return false;
    uint16_t first, last;
    if (modbus_msg_address_range(m, &first, &last) && (address < first || address > last))
        return false;
    if (m->access_type & MODBUS_ACCESS_SINGLE) {
        if (m->data_kind != MODBUS_DATA_WRITE_SINGLE)
            return false;
        *value = (m->access_type & MODBUS_ACCESS_COILS) ? (m->write_value != 0) : m->write_value;
        return true;
    }
    if (!(m->access_type & MODBUS_ACCESS_MULTIPLE))
        return false;
    if (m->data_kind != MODBUS_DATA_WRITE_MULTIPLE && m->data_kind != MODBUS_DATA_READ_WRITE)
        return false;
    uint16_t start = m->write_address;
    if (start == 0xffff || start >= address)
        return false;
    uint32_t rel = (uint32_t)address - ((uint32_t)start + 1);
    uint32_t offset = rel * 2;
    if (m->access_type & MODBUS_ACCESS_COILS)
        offset >>= 3;
    if (offset + 1 >= m->data_len)
        return false;
    uint16_t v = (uint16_t)(m->data[offset] << 8 | m->data[offset + 1]);
    if (m->access_type & MODBUS_ACCESS_COILS)
        v = (v >> (rel & 7)) & 1;
    *value = v;
    return true;
}

/* ------------------------------------------------------------ request/response matching */

/* Whether message a (just parsed) belongs with b (already in a transaction),
 * possibly flagging a's data as inconsistent with b's (sawp's matches). */
static bool modbus_matches(struct modbus_msg *a, const struct modbus_msg *b)
{
    if (a->transaction_id != b->transaction_id || a->unit_id != b->unit_id ||
        a->function_code != b->function_code || a->access_type != b->access_type)
        return false;
    if (a->category != MODBUS_CAT_PUBLIC_ASSIGNED)
        return true;
    if (b->data_kind == MODBUS_DATA_EXCEPTION || a->data_kind == MODBUS_DATA_EXCEPTION)
        return true;
    if (a->data_kind == MODBUS_DATA_BYTES && b->data_kind == MODBUS_DATA_BYTES)
        return true;
    if (a->data_kind == MODBUS_DATA_BYTES)
        return (a->error_flags & MODBUS_ERR_DATA_LENGTH) != 0;
    if (b->data_kind == MODBUS_DATA_BYTES)
        return (b->error_flags & MODBUS_ERR_DATA_LENGTH) != 0;
    uint32_t bits_bytes;
    switch (a->data_kind) {
    case MODBUS_DATA_READ_RESPONSE:
        if (b->data_kind == MODBUS_DATA_READ_REQUEST) {
            bits_bytes = b->read_quantity / 8u + (b->read_quantity % 8u != 0);
            if (a->data_len != bits_bytes)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        if (b->data_kind == MODBUS_DATA_READ_WRITE) {
            if (a->data_len != 2u * b->read_quantity)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        return false;
    case MODBUS_DATA_READ_REQUEST:
        if (b->data_kind == MODBUS_DATA_READ_RESPONSE) {
            bits_bytes = a->read_quantity / 8u + (a->read_quantity % 8u != 0);
            if (b->data_len != bits_bytes)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        return false;
    case MODBUS_DATA_READ_WRITE:
        if (b->data_kind == MODBUS_DATA_READ_RESPONSE) {
            if (b->data_len != 2u * a->read_quantity)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        return false;
    case MODBUS_DATA_WRITE_SINGLE:
        if (b->data_kind == MODBUS_DATA_WRITE_SINGLE) {
            if (a->write_address != b->write_address || a->write_value != b->write_value)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        if (b->data_kind == MODBUS_DATA_WRITE_MULTIPLE) {
            if (a->write_address != b->write_address || a->write_value != b->write_quantity)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        return false;
    case MODBUS_DATA_WRITE_MULTIPLE:
        if (b->data_kind == MODBUS_DATA_WRITE_SINGLE) {
            if (a->write_address != b->write_address || a->write_quantity != b->write_value)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        return false;
    case MODBUS_DATA_WRITE_MASK:
        if (b->data_kind == MODBUS_DATA_WRITE_MASK) {
            if (a->write_address != b->write_address || a->and_mask != b->and_mask ||
                a->or_mask != b->or_mask)
                a->error_flags |= MODBUS_ERR_DATA_VALUE;
            return true;
        }
        return false;
    case MODBUS_DATA_DIAGNOSTIC:
        return b->data_kind == MODBUS_DATA_DIAGNOSTIC && a->subfunction == b->subfunction;
    case MODBUS_DATA_MEI:
        return b->data_kind == MODBUS_DATA_MEI && a->mei_type == b->mei_type;
    default:
        return false;
    }
}

/* ------------------------------------------------------------ transactions */

static void modbus_store(struct modbus_stored *dst, const struct modbus_msg *m,
                         const uint8_t *adu, uint32_t adu_len)
{
    dst->msg = *m;
    uint32_t n = adu_len < sizeof(dst->bytes) ? adu_len : sizeof(dst->bytes);
    memcpy(dst->bytes, adu, n);
    if (m->data && m->data >= adu && m->data + m->data_len <= adu + n) {
        dst->msg.data = dst->bytes + (m->data - adu);
    } else {
        dst->msg.data = NULL;
        dst->msg.data_len = 0;
    }
}

static void modbus_event(struct modbus_tx *tx, enum modbus_event e)
{
    if (tx->events & (1u << e))
        return;
    tx->events |= 1u << e;
    if (tx->state->ctx)
        app_parser_anomaly(tx->state->ctx, APP_PROTO_MODBUS, modbus_event_names[e]);
}

static void modbus_events_from_flags(struct modbus_tx *tx, uint8_t flags)
{
    if (flags & MODBUS_ERR_FUNC_CODE)
        modbus_event(tx, MODBUS_EV_INVALID_FUNCTION_CODE);
    if (flags & MODBUS_ERR_DATA_VALUE)
        modbus_event(tx, MODBUS_EV_INVALID_VALUE);
    if (flags & MODBUS_ERR_DATA_LENGTH)
        modbus_event(tx, MODBUS_EV_INVALID_LENGTH);
    if (flags & MODBUS_ERR_EXC_CODE)
        modbus_event(tx, MODBUS_EV_INVALID_EXCEPTION_CODE);
    if (flags & MODBUS_ERR_PROTO_ID)
        modbus_event(tx, MODBUS_EV_INVALID_PROTOCOL_ID);
}

static struct modbus_tx *modbus_first(const struct modbus_state *st)
{
    return (struct modbus_tx *)st->txs.head;
}

static struct modbus_tx *modbus_next(const struct modbus_tx *tx)
{
    return (struct modbus_tx *)tx->lt.next;
}

static void modbus_log_body(const void *object, struct json_writer *w);

static void modbus_log(struct modbus_state *st, struct modbus_tx *tx)
{
    if (tx->base.logged || !st->ctx)
        return;
    tx->base.logged = true;
    app_parser_log(st->ctx, "modbus", 0, modbus_log_body, tx);
}

static void modbus_free_done(struct modbus_state *st)
{
    app_txlist_free_done(&st->txs, sizeof(struct modbus_tx), NULL, NULL);
    uint32_t flood = st->ctx ? app_parser_config(st->ctx)->ics.modbus_request_flood : 500;
    if (st->given_up && (flood == 0 || st->txs.live < flood))
        st->given_up = false;
}

/* A new transaction, or NULL when flooded (the message is dropped). */
static struct modbus_tx *modbus_tx_new(struct modbus_state *st, struct app_parse_ctx *ctx)
{
    if (st->given_up)
        return NULL;
    struct modbus_tx *tx = app_txlist_new(&st->txs, &app_parser_modbus, sizeof(*tx));
    if (!tx)
        return NULL;
    tx->number = st->txs.next_id; /* 1-based */
    tx->state = st;
    uint32_t flood = app_parser_config(ctx)->ics.modbus_request_flood;
    if (flood && st->txs.live - 1 >= flood) { /* the others than this one */
        modbus_event(tx, MODBUS_EV_FLOODED);
        st->given_up = true;
    }
    app_parser_count_tx(ctx, APP_PROTO_MODBUS);
    return tx;
}

/* Returns the id of the transaction the message went to, or -1. */
static int64_t modbus_handle(struct modbus_state *st, struct app_parse_ctx *ctx, uint8_t dir,
                             struct modbus_msg *m, const uint8_t *adu, uint32_t adu_len)
{
    if (dir == 0) {
        for (struct modbus_tx *tx = modbus_first(st); tx; tx = modbus_next(tx)) {
            if (tx->has_response && !tx->has_request && modbus_matches(m, &tx->response.msg)) {
                modbus_events_from_flags(tx, m->error_flags);
                modbus_store(&tx->request, m, adu, adu_len);
                tx->has_request = true;
                app_baseline_modbus(ctx, &tx->base);
                int64_t id = (int64_t)tx->base.id;
                modbus_log(st, tx);
                return id;
            }
        }
        struct modbus_tx *tx = modbus_tx_new(st, ctx);
        if (!tx)
            return -1;
        modbus_events_from_flags(tx, m->error_flags);
        modbus_store(&tx->request, m, adu, adu_len);
        tx->has_request = true;
        app_baseline_modbus(ctx, &tx->base);
        return (int64_t)tx->base.id;
    }
    struct modbus_tx *tx = NULL;
    for (struct modbus_tx *t = modbus_first(st); t; t = modbus_next(t)) {
        if (t->has_request && !t->has_response && modbus_matches(m, &t->request.msg)) {
            tx = t;
            break;
        }
    }
    bool unsolicited = tx == NULL;
    if (!tx && !(tx = modbus_tx_new(st, ctx)))
        return -1;
    if ((m->access_type & (MODBUS_ACCESS_READ | MODBUS_ACCESS_WRITE)) &&
        (m->error_flags & (MODBUS_ERR_DATA_LENGTH | MODBUS_ERR_DATA_VALUE)))
        modbus_event(tx, MODBUS_EV_VALUE_MISMATCH);
    else
        modbus_events_from_flags(tx, m->error_flags);
    modbus_store(&tx->response, m, adu, adu_len);
    tx->has_response = true;
    if (unsolicited)
        modbus_event(tx, MODBUS_EV_UNSOLICITED_RESPONSE);
    int64_t id = (int64_t)tx->base.id;
    modbus_log(st, tx);
    return id;
}

/* ------------------------------------------------------------ parser interface */

/* As suricata.yaml documents it: "only Modbus message length (greater than
 * Modbus header length) and protocol ID (equal to 0) are checked in probing
 * parser", which is why detection is limited to the Modbus port. */
static enum app_probe_result modbus_probe(const uint8_t *data, uint32_t len, uint8_t direction)
{
    (void)direction;
    if (len < MODBUS_HDR)
        return APP_PROBE_NEED_MORE;
    uint16_t pid = be16(data + 2), length = be16(data + 4);
    if (pid != 0 || length < MODBUS_MIN_LENGTH || length > MODBUS_MAX_LENGTH)
        return APP_PROBE_NO;
    return APP_PROBE_MATCH;
}

static void *modbus_state_new(struct app_parse_ctx *ctx)
{
    if (!app_memory_reserve(ctx, sizeof(struct modbus_state)))
        return NULL;
    struct modbus_state *st = calloc(1, sizeof(*st));
    if (!st) {
        app_memory_release(ctx, sizeof(struct modbus_state));
        return NULL;
    }
    st->thread = ctx->thread;
    app_txlist_init(&st->txs, ctx->thread);
    /* A session picked up mid-stream from the server's side: port 502 is
     * the server, so the parser's request side is the other one. */
    if (ctx->flow && ctx->flow->key.src_port == 502 && ctx->flow->key.dst_port != 502)
        st->reversed = true;
    return st;
}

static void modbus_state_free(void *state)
{
    struct modbus_state *st = state;
    if (!st)
        return;
    app_txlist_free_all(&st->txs, sizeof(struct modbus_tx), NULL, NULL);
    app_thread_memory_release(st->thread, sizeof(*st));
    free(st);
}

/* Frames of an ADU (vigil's, Suricata has none for Modbus): pdu (the whole
 * ADU), hdr (the 7-octet MBAP header, unit identifier included) and data
 * (function code and data). */
enum { MODBUS_FRAME_PDU, MODBUS_FRAME_HDR, MODBUS_FRAME_DATA };
static const char *const modbus_frame_names[] = {"pdu", "hdr", "data", NULL};

static int modbus_parse(void *state, struct app_parse_ctx *ctx, uint8_t direction,
                        const uint8_t *data, uint32_t len, uint32_t flags)
{
    struct modbus_state *st = state;
    uint8_t d = (direction & 1) ^ (st->reversed ? 1 : 0);
    st->ctx = ctx;
    modbus_free_done(st);
    if (flags & APP_DATA_GAP) {
        /* Framing is lost with the bytes: start again after the gap. */
        st->buf_len[d] = 0;
        st->ctx = NULL;
        return 0;
    }
    uint64_t pos = ctx->stream_offset; /* of data */
    while (data && len > 0) {
        const uint8_t *adu;
        uint32_t avail, from_buf = st->buf_len[d];
        if (from_buf) {
            uint32_t n = len < MODBUS_ADU_MAX - from_buf ? len : MODBUS_ADU_MAX - from_buf;
            memcpy(st->buf[d] + from_buf, data, n);
            adu = st->buf[d];
            avail = from_buf + n;
        } else {
            adu = data;
            avail = len;
        }
        struct modbus_msg m;
        uint32_t used = modbus_parse_adu(adu, avail, d, &m);
        if (used == 0) {
            /* Incomplete: keep what we have (an ADU is at most 260 bytes). */
            if (!from_buf) {
                memcpy(st->buf[d], data, len);
                st->buf_len[d] = len;
            } else {
                st->buf_len[d] = avail;
            }
            break;
        }
        /* the frames belong to the transaction the ADU went to */
        int64_t tx_id = modbus_handle(st, ctx, d, &m, adu, used);
        app_frame_add_pdu(ctx, direction & 1, pos - from_buf, adu, used, MODBUS_HDR + 1,
                          MODBUS_FRAME_PDU, MODBUS_FRAME_HDR, MODBUS_FRAME_DATA, tx_id);
        uint32_t consumed_new = used - from_buf;
        st->buf_len[d] = 0;
        data += consumed_new;
        len -= consumed_new;
        pos += consumed_new;
    }
    st->ctx = NULL;
    return 0;
}

static void modbus_flow_end(void *state, struct app_parse_ctx *ctx)
{
    struct modbus_state *st = state;
    st->ctx = ctx;
    for (struct modbus_tx *tx = modbus_first(st); tx; tx = modbus_next(tx))
        modbus_log(st, tx);
    st->ctx = NULL;
}

static int modbus_tx_foreach(void *state, int (*fn)(struct app_tx *tx, void *user), void *user)
{
    struct modbus_state *st = state;
    return app_txlist_foreach(&st->txs, fn, user);
}

/* Suricata: a Modbus transaction is complete (both ways) with its response. */
static bool modbus_tx_complete(const struct app_tx *atx, uint8_t direction)
{
    (void)direction;
    const struct modbus_tx *tx = (const struct modbus_tx *)atx;
    return tx->has_response;
}

static bool modbus_tx_has_event(const struct app_tx *atx, const char *name)
{
    const struct modbus_tx *tx = (const struct modbus_tx *)atx;
    for (int e = 0; e < MODBUS_EV_COUNT; e++)
        if ((tx->events & (1u << e)) && strcmp(modbus_event_names[e], name) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ EVE */

static void modbus_write_msg(const struct modbus_msg *m, struct json_writer *w)
{
    char flags[160];
    json_key_u64(w, "transaction_id", m->transaction_id);
    json_key_u64(w, "protocol_id", m->protocol_id);
    json_key_u64(w, "unit_id", m->unit_id);
    json_key_u64(w, "function_raw", m->function_raw);
    json_key_string(w, "function_code", modbus_function_name(m->function_code));
    modbus_flags_string(m->access_type, modbus_access_names, flags, sizeof(flags));
    json_key_string(w, "access_type", flags);
    modbus_flags_string(m->category, modbus_category_names, flags, sizeof(flags));
    json_key_string(w, "category", flags);
    modbus_flags_string(m->error_flags, modbus_error_names, flags, sizeof(flags));
    json_key_string(w, "error_flags", flags);
    switch (m->data_kind) {
    case MODBUS_DATA_EXCEPTION:
        json_key_object_begin(w, "exception");
        json_key_u64(w, "raw", m->exception_code);
        json_key_string(w, "code", modbus_exception_name(m->exception_code));
        json_object_end(w);
        break;
    case MODBUS_DATA_DIAGNOSTIC:
        json_key_object_begin(w, "diagnostic");
        json_key_u64(w, "raw", m->subfunction);
        json_key_string(w, "code", modbus_diag_name(m->subfunction));
        json_key_string_from_bytes(w, "data", m->data, m->data_len);
        json_object_end(w);
        break;
    case MODBUS_DATA_MEI:
        json_key_object_begin(w, "mei");
        json_key_u64(w, "raw", m->mei_type);
        json_key_string(w, "code", modbus_mei_name(m->mei_type));
        json_key_string_from_bytes(w, "data", m->data, m->data_len);
        json_object_end(w);
        break;
    case MODBUS_DATA_READ_REQUEST:
        json_key_object_begin(w, "read");
        json_key_u64(w, "address", m->read_address);
        json_key_u64(w, "quantity", m->read_quantity);
        json_object_end(w);
        break;
    case MODBUS_DATA_READ_RESPONSE:
        json_key_object_begin(w, "read");
        json_key_string_from_bytes(w, "data", m->data, m->data_len);
        json_object_end(w);
        break;
    case MODBUS_DATA_READ_WRITE:
        json_key_object_begin(w, "read");
        json_key_u64(w, "address", m->read_address);
        json_key_u64(w, "quantity", m->read_quantity);
        json_object_end(w);
        __attribute__((fallthrough)); /* the write part */
    case MODBUS_DATA_WRITE_MULTIPLE:
        json_key_object_begin(w, "write");
        json_key_u64(w, "address", m->write_address);
        json_key_u64(w, "quantity", m->write_quantity);
        json_key_string_from_bytes(w, "data", m->data, m->data_len);
        json_object_end(w);
        break;
    case MODBUS_DATA_WRITE_MASK:
        json_key_object_begin(w, "write");
        json_key_u64(w, "address", m->write_address);
        json_key_u64(w, "and_mask", m->and_mask);
        json_key_u64(w, "or_mask", m->or_mask);
        json_object_end(w);
        break;
    case MODBUS_DATA_WRITE_SINGLE:
        json_key_object_begin(w, "write");
        json_key_u64(w, "address", m->write_address);
        json_key_u64(w, "data", m->write_value);
        json_object_end(w);
        break;
    case MODBUS_DATA_BYTES:
        json_key_string_from_bytes(w, "data", m->data, m->data_len);
        break;
    default:
        break;
    }
}

static void modbus_tx_write_json(const struct app_tx *atx, struct json_writer *w)
{
    const struct modbus_tx *tx = (const struct modbus_tx *)atx;
    json_key_object_begin(w, "modbus");
    json_key_u64(w, "id", tx->number);
    if (tx->has_request) {
        json_key_object_begin(w, "request");
        modbus_write_msg(&tx->request.msg, w);
        json_object_end(w);
    }
    if (tx->has_response) {
        json_key_object_begin(w, "response");
        modbus_write_msg(&tx->response.msg, w);
        json_object_end(w);
    }
    json_object_end(w);
}

static void modbus_log_body(const void *object, struct json_writer *w)
{
    modbus_tx_write_json(object, w);
}

/* ------------------------------------------------------------ accessors */

const struct modbus_msg *modbus_tx_request(const struct app_tx *atx)
{
    if (!atx || atx->parser != &app_parser_modbus)
        return NULL;
    const struct modbus_tx *tx = (const struct modbus_tx *)atx;
    return tx->has_request ? &tx->request.msg : NULL;
}

const struct modbus_msg *modbus_tx_response(const struct app_tx *atx)
{
    if (!atx || atx->parser != &app_parser_modbus)
        return NULL;
    const struct modbus_tx *tx = (const struct modbus_tx *)atx;
    return tx->has_response ? &tx->response.msg : NULL;
}

const struct app_parser app_parser_modbus = {
    .proto = APP_PROTO_MODBUS,
    .name = "modbus",
    .ipprotos = APP_IPPROTO_TCP,
    .ports = {502},
    .probe = modbus_probe,
    .probe_needs_port = true,
    .state_new = modbus_state_new,
    .state_free = modbus_state_free,
    .parse = modbus_parse,
    .frame_names = modbus_frame_names,
    .flow_end = modbus_flow_end,
    .tx_foreach = modbus_tx_foreach,
    .tx_complete = modbus_tx_complete,
    .tx_write_json = modbus_tx_write_json,
    .tx_has_event = modbus_tx_has_event,
    .event_names = modbus_event_names,
};
