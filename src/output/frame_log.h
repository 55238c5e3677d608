/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata's EVE "frame" events (outputs.eve-log.types: - frame): one event
 * per frame a parser reported, on a packet of the frame's direction, with
 * the frame's bytes (base64 and printable). */
#ifndef VIGIL_OUTPUT_FRAME_LOG_H
#define VIGIL_OUTPUT_FRAME_LOG_H

#include "output/eve.h"

struct app_frame_info;
struct packet;
struct flow;

void eve_log_frame(struct eve_writer *ew, const struct packet *p, const struct flow *f,
                   const struct app_frame_info *fi);

#endif
