/* SPDX-License-Identifier: Apache-2.0 */
/* What the ISO 8583 parser (app_iso8583.c) tells the fraud detectors and
 * the outputs beyond rule buffers. */
#ifndef VIGIL_APP_ISO8583_H
#define VIGIL_APP_ISO8583_H

#include <stdbool.h>
#include <stdint.h>

struct app_tx;
struct config;
struct flow;

enum { ISO8583_FRAMING_BINARY2 = 1, ISO8583_FRAMING_ASCII4 = 2 };

struct app_iso8583_info {
    char mti[5];
    bool request;             /* function digit 0, 2 or 4 */
    bool has_amount;
    uint64_t amount;          /* field 4, minor units */
    uint64_t pan_hash;        /* keyed hash of the PAN (0: none); the PAN is never kept */
    char pan_masked[24];      /* first six, last four */
    char response_code[3];    /* field 39, "" when absent */
    char terminal_id[9];      /* field 41 */
    char merchant_id[16];     /* field 42 */
};

/* Fills info from an ISO 8583 transaction; false if tx is not one (or its
 * MTI and bitmaps could not be read). */
bool app_iso8583_tx_info(const struct app_tx *tx, struct app_iso8583_info *info);
/* An approving response code (00, 08, 10, 11, 16, 85). */
bool app_iso8583_approved(const char *response_code);
/* Output redaction: for a flow of ISO 8583, a copy of d (a thread-local
 * buffer, valid until the next call) whose digit runs that may hold a card
 * number are masked (ASCII digits to '*', BCD digits to 0xf), else d
 * itself; NULL when d is longer than the copy can be (128 KiB): write
 * nothing then. */
const uint8_t *app_iso8583_redact(const struct flow *f, const uint8_t *d, uint32_t len);
/* Where output bytes lie in the flow's stream: d[at, at + len) are the
 * stream's bytes of direction (0 to server) at offset (when offset_known);
 * the bytes around them (a packet's headers) are not stream data. */
struct app_iso8583_where {
    uint32_t at, len;
    uint8_t direction;
    bool offset_known;
    uint64_t offset;
};
/* The same redaction, exact where the parser read (or can read) the
 * messages: the card data it found (PAN 2, extended PAN 34, tracks 35, 36,
 * 45, EMV tags 5A, 57, 56, 9F1F, 9F20, 9F6B inside ICC data 55) masked
 * whole, free-form fields by digit runs, the other fields (amounts,
 * dates, codes) left as they are; bytes no message covers get the
 * digit-run masking. where may be NULL (nothing known: the messages that
 * start the buffer are parsed when they parse whole). */
const uint8_t *app_iso8583_redact_at(const struct flow *f, const uint8_t *d, uint32_t len,
                                     const struct app_iso8583_where *where);
/* Fills where for p's payload found at byte at of the output buffer
 * (offset from the TCP session); false when p carries no payload. */
struct packet;
bool app_iso8583_packet_where(const struct flow *f, const struct packet *p, uint32_t at,
                              struct app_iso8583_where *where);
/* Output buffers not written because they were longer than 128 KiB. */
uint64_t app_iso8583_redact_dropped(void);
/* app-layer.protocols.iso8583.{binary2,ascii4,ascii,bcd}-ports (cfg may be NULL). */
void app_iso8583_config_load(const struct config *cfg);

#endif
