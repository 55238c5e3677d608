/* SPDX-License-Identifier: Apache-2.0 */
/* What the DNS parser (app_dns.c) tells built-in detectors beyond buffers. */
#ifndef VIGIL_APP_DNS_H
#define VIGIL_APP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_tx;

/* The first question of a DNS message (request or response): its name
 * (not NUL-terminated, as it appears in dns.queries.rrname) and type; the
 * message's rcode and whether it is a response. Returns 0, or -1 when tx
 * is not DNS (mDNS included) or has no question. */
int app_dns_tx_question(const struct app_tx *tx, const uint8_t **name, uint32_t *len,
                        uint16_t *qtype, bool *response, uint8_t *rcode);

/* For Lua scripts (suricata.dns): the message's id, rcode and its name
 * ("NOERROR"), and record i of the message in order (questions first):
 * section (0 query, 1 answer, 2 authority, 3 additional), owner name, type
 * the type's name ("A"), TTL and data. -1 when tx is not DNS or i is past the end. */
struct app_dns_record {
    uint8_t section;
    const uint8_t *name;
    uint32_t name_len;
    uint16_t type;
    char type_name[16];
    uint32_t ttl;
    char data[256]; /* an address's text, a name or text record, else empty */
};
int app_dns_tx_header(const struct app_tx *tx, uint16_t *id, uint8_t *rcode, char *rcode_name,
                      size_t rcode_len);
int app_dns_tx_record(const struct app_tx *tx, uint32_t i, struct app_dns_record *out);

#endif
