/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the hub: clock, timestamps, identifiers, hashes. */
#ifndef VIGIL_HUB_UTIL_H
#define VIGIL_HUB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Wall clock in microseconds since the epoch. */
int64_t hub_now_us(void);

/* Microseconds in an hour and a day: the buckets of the dashboard's
 * pre-aggregated sighting counters (schema migration 5). */
#define HUB_HOUR_US 3600000000LL
#define HUB_DAY_US 86400000000LL

/* Formats microseconds as a STIX/TAXII timestamp "YYYY-MM-DDTHH:MM:SS.ffffffZ"
 * into out (at least 32 bytes). */
void hub_timestamp_format(int64_t us, char *out, size_t outlen);
/* Parses an RFC 3339 UTC timestamp ("Z", optional fraction, up to
 * microseconds kept). Returns 0 or -EINVAL. */
int hub_timestamp_parse(const char *s, int64_t *us_out);
/* Random RFC 4122 version-4 UUID text (37 bytes with NUL). */
void hub_uuid4(char out[37]);
/* Name-based UUID (version 5, SHA-1) of name under a fixed vigil namespace. */
void hub_uuid5(const char *name, char out[37]);
/* Lower-case hex SHA-256 of s (65 bytes with NUL). */
void hub_sha256_hex(const char *s, size_t len, char out[65]);
/* Random token "vgl_" + 64 hex digits (69 bytes with NUL). Returns 0 or -EIO. */
int hub_token_generate(char out[69]);

/* An address range: IPv4 (family 4, the first 4 bytes) or IPv6 (6). */
struct hub_net {
    int family;
    uint8_t addr[16];
    int prefix;
};
/* "10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"; an IPv4-mapped IPv6
 * address counts as IPv4. Returns 0 or -EINVAL. */
int hub_net_parse(const char *s, struct hub_net *out);
bool hub_net_contains(const struct hub_net *net, const struct hub_net *addr);
/* The client a request comes from. peer is the socket's address; when it
 * is one of the trusted proxies, the client is the rightmost address of
 * X-Forwarded-For (forwarded_for, may be NULL) that is not itself a
 * trusted proxy (each proxy appends the address it got the request from,
 * so entries left of an untrusted one are the client's own claims). A
 * malformed entry ends the walk at the last trusted hop: a proxy that
 * forwards garbage is answered as that proxy, never as a name the client
 * chose. The result is written in canonical text into out. */
void hub_client_address(const char *peer, const char *forwarded_for,
                        const struct hub_net *trusted, int ntrusted, char *out, size_t outlen);
/* What a per-client limit counts under: an IPv4 address whole, an IPv6
 * address by its /64 (one subscriber's or host's prefix, in which it may
 * pick any address it likes). */
void hub_client_key(const char *addr, char *out, size_t outlen);

#endif
