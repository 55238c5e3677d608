/* SPDX-License-Identifier: Apache-2.0 */
/* Connection guard of the HTTP layer, against clients that hold
 * connections without using them (idle sockets, headers trickled a line at
 * a time, slowloris):
 *  - every connection is tracked from accept to close;
 *  - a connection that has not yet authenticated must complete its request
 *    headers within --header-timeout of connecting (or of its previous
 *    response), an authenticated one within --timeout; otherwise it is
 *    closed, however slowly it keeps sending;
 *  - unauthenticated connections may hold at most 3/4 of --max-connections:
 *    past that, the oldest one still sending headers is closed to admit the
 *    newcomer, so capacity always remains for clients with a token;
 *  - per client address at most --max-per-address connections (libmicrohttpd
 *    refuses the rest at accept).
 * The HTTP layer reports request boundaries and authentication. */
#ifndef VIGIL_HUB_CONN_H
#define VIGIL_HUB_CONN_H

#include <sys/socket.h>

#include "hub/hub_server.h"

struct MHD_Connection;

int hub_conn_start(struct hub_server *s);
void hub_conn_stop(struct hub_server *s);

/* libmicrohttpd MHD_OPTION_NOTIFY_CONNECTION callback (cls: the server). */
void hub_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context, int code);

void hub_conn_request_started(struct hub_server *s, struct MHD_Connection *conn);
void hub_conn_request_finished(struct hub_server *s, struct MHD_Connection *conn);
void hub_conn_authenticated(struct hub_server *s, struct MHD_Connection *conn);

#endif
