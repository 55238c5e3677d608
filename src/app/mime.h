/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming MIME (RFC 2045/2046) message decoder for SMTP: fed one message
 * line at a time (dot-unstuffed, without its CRLF), it keeps the top-level
 * headers (From, To, Cc, Subject, ...), follows multipart boundaries (nested
 * up to MIME_MAX_DEPTH), decodes base64 and quoted-printable bodies, turns
 * parts with a file name into files (file.h), and extracts http:// URLs from
 * text parts. Everything is bounded: header values (MIME_HEADER_VALUE_MAX),
 * header count, URL count, file name length (MIME_FILENAME_MAX, with the
 * MIME_LONG_FILENAME event as Suricata). */
#ifndef VIGIL_APP_MIME_H
#define VIGIL_APP_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_parse_ctx;
struct app_file;

#define MIME_MAX_DEPTH 16
#define MIME_HEADER_VALUE_MAX 2000 /* Suricata's header-value-depth */
#define MIME_MAX_HEADERS 64        /* top-level headers kept */
#define MIME_MAX_URLS 64
#define MIME_FILENAME_MAX 255
#define MIME_BOUNDARY_MAX 256

enum mime_status {
    MIME_STATUS_HEADER_STARTED = 0,
    MIME_STATUS_HEADER_READY,
    MIME_STATUS_BODY_STARTED,
    MIME_STATUS_PARSE_DONE,
    MIME_STATUS_PARSE_ERROR,
};

struct mime_header {
    char *name;  /* as sent */
    char *value; /* unfolded, NUL-terminated, at most MIME_HEADER_VALUE_MAX bytes */
};

/* Hooks into the owning parser: files are opened through it (so they land in
 * its transaction), anomalies are reported through it. */
struct mime_hooks {
    void *user;
    struct app_file *(*file_open)(void *user, const uint8_t *name, size_t len);
    void (*file_data)(void *user, struct app_file *f, const uint8_t *data, size_t len);
    void (*file_close)(void *user, struct app_file *f, bool complete);
    void (*event)(void *user, const char *name); /* e.g. "MIME_LONG_FILENAME" */
};

struct mime_part; /* internal */

struct mime_message {
    struct mime_hooks hooks;
    uint8_t status; /* enum mime_status */
    struct mime_header headers[MIME_MAX_HEADERS];
    uint32_t header_count;
    char *attachments[32]; /* file names of the attachments, in order */
    uint32_t attachment_count;
    char *urls[MIME_MAX_URLS];
    uint32_t url_count;
    /* parser state */
    bool in_headers;
    bool top_level;             /* still in the message's own headers */
    char *cur_name, *cur_value; /* header being assembled (folding) */
    size_t cur_value_len;
    char boundaries[MIME_MAX_DEPTH][MIME_BOUNDARY_MAX + 1];
    uint32_t depth;
    /* current part */
    uint8_t encoding; /* 0 plain, 1 base64, 2 quoted-printable */
    bool is_text;
    bool part_has_lines;
    bool pending_crlf;
    char *part_ctype, *part_disposition, *part_encoding;
    char part_boundary[MIME_BOUNDARY_MAX + 1];
    struct app_file *file;
    uint8_t b64[4];
    uint8_t b64_len;
    size_t mem;
};

/* Initialises a message decoder (zeroes it). */
void mime_message_init(struct mime_message *m, const struct mime_hooks *hooks);
/* One line of the message, without its line ending. */
void mime_message_line(struct mime_message *m, const uint8_t *line, size_t len);
/* End of the message: closes open parts/files; status becomes PARSE_DONE
 * (complete) or stays where it was (truncated, files TRUNCATED). */
void mime_message_end(struct mime_message *m, bool complete);
/* Frees what the message holds (not the struct). */
void mime_message_free(struct mime_message *m);
/* Value of the first top-level header `name` (case-insensitive), or NULL. */
const char *mime_message_header(const struct mime_message *m, const char *name);
/* "HEADER_STARTED", "HEADER_READY", "BODY_STARTED", "PARSE_DONE", "PARSE_ERROR". */
const char *mime_status_name(uint8_t status);

/* Splits an address list ("a <x@y>, \"b, c\" <z@w>") on commas outside
 * quotes and angle brackets; calls fn for each trimmed, non-empty item. */
void mime_address_list_foreach(const char *list, void (*fn)(void *user, const char *s, size_t n),
                               void *user);

#endif
