/* SPDX-License-Identifier: Apache-2.0 */
/* What the DNS parser (app_dns.c) tells built-in detectors beyond buffers. */
#ifndef VIGIL_APP_DNS_H
#define VIGIL_APP_DNS_H

#include <stdbool.h>
#include <stdint.h>

struct app_tx;

/* The first question of a DNS message (request or response): its name
 * (not NUL-terminated, as it appears in dns.queries.rrname) and type; the
 * message's rcode and whether it is a response. Returns 0, or -1 when tx
 * is not DNS (mDNS included) or has no question. */
int app_dns_tx_question(const struct app_tx *tx, const uint8_t **name, uint32_t *len,
                        uint16_t *qtype, bool *response, uint8_t *rcode);

#endif
