/* SPDX-License-Identifier: Apache-2.0 */
/* What the SIP parser (app_sip.c) tells the fraud detectors beyond rule
 * buffers: the parts of one message, as pointers into the transaction's
 * copy (valid as long as the transaction), len 0 when absent. */
#ifndef VIGIL_APP_SIP_H
#define VIGIL_APP_SIP_H

#include <stdbool.h>
#include <stdint.h>

struct app_tx;

struct app_sip_str {
    const char *s;
    uint32_t len;
};

struct app_sip_info {
    bool request;
    struct app_sip_str method;   /* request */
    struct app_sip_str uri_user; /* request: the user part of the Request-URI ("sip:user@...") */
    int status;                  /* response: the status code, else 0 */
    struct app_sip_str cseq_method; /* the method CSeq names (a response's request) */
    struct app_sip_str call_id;
    struct app_sip_str to_user;  /* the user part of To */
};

/* Fills info from a SIP transaction; false if tx is not one. */
bool app_sip_tx_info(const struct app_tx *tx, struct app_sip_info *info);

#endif
