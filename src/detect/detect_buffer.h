/* SPDX-License-Identifier: Apache-2.0 */
/* Registry of inspection buffers: the sticky-buffer names rules use
 * (`http.uri;`), their legacy sticky spellings (`dns_query;`, `file_data;`),
 * the legacy content modifiers that move the previous content into them
 * (`content:"x"; http_uri;`), the pcre flag that selects them (/U), the
 * application protocol they imply and the direction in which they exist.
 * The application layer fills buffers by id; the detect engine inspects the
 * rule lists attached to each id. */
#ifndef VIGIL_DETECT_BUFFER_H
#define VIGIL_DETECT_BUFFER_H

#include <stdbool.h>
#include <stdint.h>

#define DETECT_BUFFER_DIR_TOSERVER 1
#define DETECT_BUFFER_DIR_TOCLIENT 2
#define DETECT_BUFFER_DIR_BOTH 3

struct detect_buffer_info {
    const char *name;          /* canonical sticky-buffer name */
    const char *legacy_sticky; /* older sticky spelling, or NULL */
    const char *modifier;      /* legacy content modifier, or NULL */
    char pcre_flag;            /* Suricata pcre buffer flag, or 0 */
    uint16_t app_proto;        /* enum rule_app_proto, RULE_APP_NONE for packet buffers */
    uint8_t dir;               /* DETECT_BUFFER_DIR_* */
    uint8_t priority;          /* fast-pattern selection: higher wins */
    bool multi;                /* several instances per transaction (tls.certs, ...) */
};

/* Fixed ids of the packet-level buffers. */
enum {
    DETECT_BUFFER_PAYLOAD = 0,     /* pkt_data: packet payload / reassembled stream */
    DETECT_BUFFER_BASE64_DATA = 1, /* the output of base64_decode */
    DETECT_BUFFER_IP_SRC = 2,      /* ip.src: the packet's source address (4 or 16 bytes) */
    DETECT_BUFFER_IP_DST = 3,      /* ip.dst */
};

int detect_buffer_count(void);
const struct detect_buffer_info *detect_buffer_get(int id);
/* Sticky-buffer name (canonical or legacy): id, or -1. */
int detect_buffer_lookup(const char *name);
/* Legacy content modifier: id, or -1. */
int detect_buffer_lookup_modifier(const char *name);
/* pcre buffer flag: id, or -1. */
int detect_buffer_lookup_pcre_flag(char flag);

#endif
