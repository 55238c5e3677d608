/* SPDX-License-Identifier: Apache-2.0 */
/* What the SMTP parser (app_smtp.c) tells built-in detectors beyond buffers. */
#ifndef VIGIL_APP_SMTP_H
#define VIGIL_APP_SMTP_H

#include <stdint.h>

struct app_tx;

/* How many AUTH exchanges of an SMTP transaction the server answered 535
 * (authentication credentials invalid); 0 when tx is not SMTP. */
uint32_t app_smtp_tx_auth_failures(const struct app_tx *tx);

#endif
