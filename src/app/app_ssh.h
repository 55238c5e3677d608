/* SPDX-License-Identifier: Apache-2.0 */
/* What the SSH parser (app_ssh.c) tells built-in detectors beyond buffers. */
#ifndef VIGIL_APP_SSH_H
#define VIGIL_APP_SSH_H

#include <stdbool.h>
#include <stdint.h>

struct app_tx;

/* True when tx is an SSH transaction whose side (0: client, 1: server)
 * passed NEWKEYS: its key exchange is done and what follows is encrypted. */
bool app_ssh_tx_side_encrypted(const struct app_tx *tx, uint8_t side);

#endif
