/* SPDX-License-Identifier: Apache-2.0 */
/* What the FTP parser (app_ftp.c) tells built-in detectors beyond buffers. */
#ifndef VIGIL_APP_FTP_H
#define VIGIL_APP_FTP_H

struct app_tx;

/* The final reply code of a completed FTP control transaction (e.g. 530),
 * with its command (upper-cased verb, NULL for a reply-only transaction) in
 * *command; -1 when tx is not FTP or not answered yet. */
int app_ftp_tx_final_code(const struct app_tx *tx, const char **command);

#endif
