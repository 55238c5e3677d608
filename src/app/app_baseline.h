/* SPDX-License-Identifier: Apache-2.0 */
/* Industrial behaviour baselines (gid 7100): what the parsers of control
 * protocols report (struct ics_op: who asked whom to do what to which
 * objects), learned per worker during a learning period and then compared
 * with. Private to src/app/; the sensor saves the learned baseline through
 * app_layer_baseline_save() (app.h). docs/ics-baselines.md has the model,
 * the configuration, the file format and the sids. */
#ifndef VIGIL_APP_BASELINE_H
#define VIGIL_APP_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app_parser.h"

/* What an operation does to the controller. */
enum ics_op_kind {
    ICS_OP_READ = 0,  /* reads, polls, interrogations, identification */
    ICS_OP_WRITE,     /* writes of values, parameters, files, program blocks */
    ICS_OP_CONTROL,   /* commands that change the device's state: run/stop,
                       * restart, reset, operate, time set */
    ICS_OP_OTHER,     /* session and link management */
};

/* One operation a client (the message's sender) asks of a server (its
 * receiver), as a parser sees it in a request. */
struct ics_op {
    uint16_t proto;            /* enum app_proto */
    uint8_t kind;              /* enum ics_op_kind */
    uint32_t function;         /* the protocol's function / service / type id */
    const char *function_name; /* for the alert (may be NULL) */
    bool has_objects;          /* space, lo..hi name the objects touched */
    uint32_t space;            /* object space: S7 area and DB, 104 common
                                * address, Modbus table, BACnet object type, ... */
    uint64_t lo, hi;           /* objects (addresses, indexes, name hashes), inclusive */
    const struct app_tx *tx;   /* logged with the alert (may be NULL) */
};

struct ics_baseline;

/* A request of `direction` (0 to server, 1 to client) on ctx's flow: the
 * sender is the client, the receiver the server. link_server_port: for
 * protocols whose master/outstation roles follow the port (IEC 104: 2404),
 * the side with that port is the server whatever the direction. */
void app_baseline_op(struct app_parse_ctx *ctx, uint8_t direction, const struct ics_op *op);
/* A request of a protocol whose server is the side with server_port (when
 * exactly one side has it; else the flow's responder): for parsers that
 * pair requests with responses, whatever the packet's direction. */
void app_baseline_op_port(struct app_parse_ctx *ctx, uint16_t server_port,
                          const struct ics_op *op);
/* Adapters for the parsers of app_ics.h: one call where a request is
 * stored. */
void app_baseline_modbus(struct app_parse_ctx *ctx, const struct app_tx *tx);
void app_baseline_enip(struct app_parse_ctx *ctx, const struct app_tx *tx);
/* DNP3: a master's request, sent in wire `direction`. */
void app_baseline_dnp3(struct app_parse_ctx *ctx, uint8_t direction, const struct app_tx *tx);
/* A layer-2 request from src MAC to dst MAC (PROFINET DCP). */
void app_baseline_op_l2(struct app_parse_ctx *ctx, const uint8_t src[6], const uint8_t dst[6],
                        const struct ics_op *op);
/* Any message of a link-oriented protocol (IEC 104: which masters talk to
 * which outstation), from the side that is not `server_port`. */
void app_baseline_link(struct app_parse_ctx *ctx, uint8_t direction, uint16_t proto,
                       uint16_t server_port, const struct app_tx *tx);
/* A GOOSE message: publisher MAC for (APPID, gocbRef), and whether its
 * stNum went back. */
void app_baseline_goose(struct app_parse_ctx *ctx, const uint8_t mac[6], uint16_t appid,
                        const char *gocbref, uint8_t gocbref_len, bool rollback,
                        const struct app_tx *tx);

/* The worker's baseline (app.c): created with the thread context when
 * ics-baseline is enabled (loading its file if there is one). */
struct ics_baseline *ics_baseline_new(struct app_layer_thread_ctx *thread,
                                      const struct app_layer_config *cfg);
void ics_baseline_free(struct ics_baseline *b);
struct ics_baseline *app_thread_baseline(struct app_layer_thread_ctx *thread);
/* Loads a saved baseline into b (merging with what it has). A missing file
 * is no error (nothing learned yet). Returns 0, or -errno / -EINVAL with err
 * naming the file (and line). */
int ics_baseline_load(struct ics_baseline *b, const char *path, char *err, size_t errlen);
/* Writes the merged baselines to path (atomically: a temporary file then
 * rename). Returns 0 or -errno. */
int ics_baseline_save(struct ics_baseline *const *b, size_t n, const char *path);

#endif
