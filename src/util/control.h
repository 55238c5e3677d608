/* SPDX-License-Identifier: Apache-2.0 */
/* The unix control socket, in Suricata's protocol, and its command table.
 *
 * Protocol (what suricatasc and Suricata's unix-command speak): a client
 * connects and sends {"version": "0.1"} or {"version": "0.2"}; the server
 * answers {"return": "OK"} (or closes the connection for another version).
 * Then each request is one JSON object {"command": NAME, "arguments": {...}}
 * and each answer one object {"return": "OK" | "NOK", "message": ANY}; with
 * version 0.2 both directions end every message with a newline. Requests
 * from one client are answered in order.
 *
 * Commands are a table name -> handler. Any subsystem may register commands
 * (before or after the socket starts), e.g. datasets:
 *
 *     static int dataset_add(const json_t *args, json_t *answer, void *data)
 *     {
 *         const char *set = json_string_value(json_object_get(args, "setname"));
 *         if (!set)
 *             return control_answer_error(answer, "setname is not a string");
 *         ...
 *         return control_answer_string(answer, "data added");
 *     }
 *     control_register("dataset-add", dataset_add, ctx, CONTROL_TAKES_ARGS);
 *
 * Handlers run on the control thread, one at a time: they must not block for
 * long (a reload is started by one and answered later, see
 * control_register_async). Bad input never disturbs the caller of the
 * socket: garbage, oversized messages, a client that stops mid-message or
 * disconnects while its command runs only cost that client its connection.
 *
 * Thread safety: every function may be called from any thread. */
#ifndef VIGIL_UTIL_CONTROL_H
#define VIGIL_UTIL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Commands whose request must carry an "arguments" object (Suricata's
 * UNIX_CMD_TAKE_ARGS); others get args NULL. */
#define CONTROL_TAKES_ARGS 1u

/* Fills answer's "message" and returns 0 (answer "OK") or -1 ("NOK").
 * args is the request's "arguments" (NULL for a command without arguments);
 * both stay owned by the caller. */
typedef int (*control_handler)(const json_t *args, json_t *answer, void *data);

/* A pending answer of an asynchronous command. */
struct control_reply;
/* Starts the work and keeps reply; exactly one control_reply_send() must
 * follow, from any thread, even if the client has gone meanwhile. */
typedef void (*control_async_handler)(const json_t *args, struct control_reply *reply,
                                      void *data);

/* Adds a command (names are unique: -EEXIST). data is passed to the handler
 * and owned by the caller. 0 or -errno. */
int control_register(const char *name, control_handler fn, void *data, unsigned flags);
int control_register_async(const char *name, control_async_handler fn, void *data,
                           unsigned flags);
/* Removes a command; a call in progress finishes first. 0 or -ENOENT. */
int control_unregister(const char *name);

/* Completes an asynchronous command: ok selects "OK"/"NOK"; message (may be
 * NULL) is stolen. */
void control_reply_send(struct control_reply *reply, bool ok, json_t *message);

/* Helpers for handlers: set "message" and return 0 / -1. */
int control_answer_string(json_t *answer, const char *message);
int control_answer_error(json_t *answer, const char *message);
/* Sets "message" to value (stolen) and returns 0. */
int control_answer(json_t *answer, json_t *value);

/* Creates the socket at path (a stale socket file there is replaced; the
 * directory is created if missing, mode 0750; the socket is mode 0660) and
 * starts the control thread. 0, or -errno with err saying why. */
int control_start(const char *path, char *err, size_t errlen);
/* Closes every connection, removes the socket file, stops the thread;
 * pending asynchronous answers are dropped. Idempotent. */
void control_stop(void);
/* The socket path while running, else NULL. */
const char *control_path(void);

/* The names of the registered commands, as a JSON array (new reference). */
json_t *control_command_list(void);

#endif
