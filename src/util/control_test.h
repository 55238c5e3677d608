/* SPDX-License-Identifier: Apache-2.0 */
/* A control-socket session without the socket thread, for unit tests and
 * the fuzzer: bytes go in as a client would send them, and come out as the
 * server would answer, through the same code as real connections (the
 * command table included). Not for production use. */
#ifndef VIGIL_UTIL_CONTROL_TEST_H
#define VIGIL_UTIL_CONTROL_TEST_H

#include <stdbool.h>
#include <stddef.h>

struct control_test_client;

struct control_test_client *control_test_client_new(void);
/* false once the server closed the session (as it would the connection). */
bool control_test_client_feed(struct control_test_client *t, const void *data, size_t len);
/* Copies what the server sent since the last call (up to cap bytes). */
size_t control_test_client_output(struct control_test_client *t, char *buf, size_t cap);
void control_test_client_free(struct control_test_client *t);

#endif
