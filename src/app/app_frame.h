/* SPDX-License-Identifier: Apache-2.0 */
/* The frame store of a flow (app_frame.c): framework side, private to
 * src/app/. Parsers use app_frame_add (app_parser.h); detection uses
 * app_flow_frames_inspect (app.h). */
#ifndef VIGIL_APP_FRAME_H
#define VIGIL_APP_FRAME_H

#include "app/app_parser.h"

#define APP_FRAMES_MAX 64                /* frames waiting per direction */
#define APP_FRAME_DATA_MAX (256u * 1024) /* their bytes per direction */
#define APP_FRAME_OPEN_MAX (64u * 1024)   /* bytes kept of a frame of unknown length */
#define APP_STREAM_FRAME_OVERLAP 256u    /* stream frame: bytes of the delivery before */
#define APP_STREAM_FRAME_ALERTS 16u      /* stream frame: rules remembered as alerted */

struct app_frames;

/* NULL on memcap/ENOMEM (the flow then has no frames). Frame ids count per
 * direction from 1; on TCP id 1 is the stream frame's. */
struct app_frames *app_frames_new(struct app_layer_thread_ctx *thread, bool tcp);
void app_frames_free(struct app_frames *fr);
/* The stream offset the next bytes of the direction start at; advanced by
 * the framework as it feeds the parser (gaps included). */
uint64_t app_frames_stream_offset(const struct app_frames *fr, uint8_t direction);
void app_frames_stream_advance(struct app_frames *fr, uint8_t direction, uint64_t len);
/* After a parse call: bytes [offset, offset + len) of the direction's stream
 * (data NULL: a gap) complete the frames waiting for them. */
void app_frames_fill(struct app_frames *fr, uint8_t direction, uint64_t offset,
                     const uint8_t *data, uint32_t len);
/* After a parse call on TCP while stream frames are active: the stream
 * frame of those bytes (data NULL: a gap). */
void app_frames_add_stream(struct app_frames *fr, uint8_t direction, uint64_t offset,
                           const uint8_t *data, uint32_t len);
/* The parser's protocol (for type names) is set when it starts. */
void app_frames_set_parser(struct app_frames *fr, const struct app_parser *parser);

/* app.c: the i-th parser (flow or layer-2) of app_proto, NULL past the last. */
const struct app_parser *app_parser_by_proto_index(uint16_t app_proto, size_t i);
/* app.c: the store of a flow, or NULL. */
struct app_frames *app_flow_state_frames(struct app_flow_state *state);

#endif
