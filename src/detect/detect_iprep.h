/* SPDX-License-Identifier: Apache-2.0 */
/* The iprep keyword: iprep:<src|dst|both|any>,<category>,<op>,<score> or
 * iprep:<side>,<category>,isset|isnotset, on reputation data loaded from the
 * configuration (detect_iprep.c). */
#ifndef VIGIL_DETECT_IPREP_H
#define VIGIL_DETECT_IPREP_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct packet;
struct detect_uint;

enum { DETECT_IPREP_ANY = 0, DETECT_IPREP_SRC, DETECT_IPREP_DST, DETECT_IPREP_BOTH };
enum { DETECT_IPREP_CMP = 0, DETECT_IPREP_ISSET = 1, DETECT_IPREP_ISNOTSET = 2 };

/* Loads categories and reputation files (once per run). */
void detect_iprep_configure(const struct config *cfg);
void detect_iprep_finish(void);
/* Category id of a short name, or -1. */
int detect_iprep_category(const char *name);
bool detect_iprep_match(uint8_t side, uint8_t cat, uint8_t mode, const struct detect_uint *num,
                        const struct packet *p);

#endif
