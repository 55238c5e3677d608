/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming MIME decoder (see mime.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/mime.h"
#include "util/base64.h"

enum { MIME_ENC_PLAIN = 0, MIME_ENC_BASE64 = 1, MIME_ENC_QP = 2 };

static char *mime_strndup(const uint8_t *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

void mime_message_init(struct mime_message *m, const struct mime_hooks *hooks)
{
    memset(m, 0, sizeof(*m));
    if (hooks)
        m->hooks = *hooks;
    m->in_headers = true;
    m->top_level = true;
    m->status = MIME_STATUS_HEADER_STARTED;
}

static void mime_event(struct mime_message *m, const char *name)
{
    if (m->hooks.event)
        m->hooks.event(m->hooks.user, name);
}

/* Copies parameter `key` of a header value (key=value or key="value") into
 * out (at most outlen-1 bytes). Returns the full length of the value, or -1
 * when absent. */
static long mime_param(const char *v, const char *key, char *out, size_t outlen)
{
    if (!v)
        return -1;
    size_t kl = strlen(key);
    for (const char *p = v; *p; p++) {
        if (strncasecmp(p, key, kl) != 0 || p[kl] != '=')
            continue;
        if (p != v && p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t')
            continue;
        const char *s = p + kl + 1;
        size_t n;
        if (*s == '"') {
            s++;
            const char *q = strchr(s, '"');
            n = q ? (size_t)(q - s) : strlen(s);
        } else {
            n = strcspn(s, "; \t");
        }
        size_t c = n < outlen - 1 ? n : outlen - 1;
        memcpy(out, s, c);
        out[c] = 0;
        return (long)n;
    }
    return -1;
}

static void mime_header_finish(struct mime_message *m)
{
    if (!m->cur_name)
        return;
    char *name = m->cur_name, *value = m->cur_value ? m->cur_value : strdup("");
    m->cur_name = m->cur_value = NULL;
    m->cur_value_len = 0;
    if (!value) {
        free(name);
        return;
    }
    bool used = false;
    if (m->top_level && m->header_count < MIME_MAX_HEADERS) {
        m->headers[m->header_count].name = name;
        m->headers[m->header_count].value = value;
        m->header_count++;
        used = true;
    }
    char **slot = NULL;
    if (strcasecmp(name, "content-type") == 0)
        slot = &m->part_ctype;
    else if (strcasecmp(name, "content-disposition") == 0)
        slot = &m->part_disposition;
    else if (strcasecmp(name, "content-transfer-encoding") == 0)
        slot = &m->part_encoding;
    if (slot) {
        free(*slot);
        *slot = strdup(value);
    }
    if (!used) {
        free(name);
        free(value);
    }
}

static void mime_header_line(struct mime_message *m, const uint8_t *line, size_t len)
{
    if (len && (line[0] == ' ' || line[0] == '\t')) {
        if (!m->cur_name)
            return;
        /* folded: append (bounded) */
        size_t room =
            MIME_HEADER_VALUE_MAX > m->cur_value_len ? MIME_HEADER_VALUE_MAX - m->cur_value_len : 0;
        size_t n = len < room ? len : room;
        if (n == 0)
            return;
        char *nv = realloc(m->cur_value, m->cur_value_len + n + 1);
        if (!nv)
            return;
        memcpy(nv + m->cur_value_len, line, n);
        m->cur_value_len += n;
        nv[m->cur_value_len] = 0;
        m->cur_value = nv;
        return;
    }
    mime_header_finish(m);
    const uint8_t *colon = memchr(line, ':', len);
    if (!colon) {
        mime_event(m, "MIME_INVALID_HEADER");
        return;
    }
    size_t nl = (size_t)(colon - line);
    const uint8_t *v = colon + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    if (vl > MIME_HEADER_VALUE_MAX)
        vl = MIME_HEADER_VALUE_MAX;
    m->cur_name = mime_strndup(line, nl);
    m->cur_value = mime_strndup(v, vl);
    m->cur_value_len = m->cur_value ? vl : 0;
    if (!m->cur_name || !m->cur_value) {
        free(m->cur_name);
        free(m->cur_value);
        m->cur_name = m->cur_value = NULL;
    }
}

static void mime_part_reset(struct mime_message *m)
{
    free(m->part_ctype);
    free(m->part_disposition);
    free(m->part_encoding);
    m->part_ctype = m->part_disposition = m->part_encoding = NULL;
    m->part_boundary[0] = 0;
    m->encoding = MIME_ENC_PLAIN;
    m->is_text = false;
    m->part_has_lines = false;
    m->pending_crlf = false;
    m->b64_len = 0;
}

static void mime_file_close(struct mime_message *m, bool complete)
{
    if (m->file && m->hooks.file_close)
        m->hooks.file_close(m->hooks.user, m->file, complete);
    m->file = NULL;
}

/* Headers of a part (or of the message) are complete: decide what its body is. */
static void mime_headers_done(struct mime_message *m)
{
    mime_header_finish(m);
    m->in_headers = false;
    if (m->top_level) {
        m->top_level = false;
        m->status = MIME_STATUS_HEADER_READY;
    }
    const char *ct = m->part_ctype;
    if (ct && strncasecmp(ct, "multipart/", 10) == 0) {
        char b[MIME_BOUNDARY_MAX + 1];
        long bl = mime_param(ct, "boundary", b, sizeof(b));
        if (bl > 0 && bl <= MIME_BOUNDARY_MAX && m->depth < MIME_MAX_DEPTH) {
            memcpy(m->boundaries[m->depth], b, (size_t)bl + 1);
            m->depth++;
        } else if (bl > 0) {
            mime_event(m, bl > MIME_BOUNDARY_MAX ? "MIME_LONG_BOUNDARY" : "MIME_PARSE_FAILED");
        }
    }
    if (m->part_encoding) {
        const char *e = m->part_encoding;
        while (*e == ' ')
            e++;
        if (strncasecmp(e, "base64", 6) == 0)
            m->encoding = MIME_ENC_BASE64;
        else if (strncasecmp(e, "quoted-printable", 16) == 0)
            m->encoding = MIME_ENC_QP;
    }
    m->is_text = !ct || strncasecmp(ct, "text/", 5) == 0;
    /* attachment: a file name in Content-Disposition or Content-Type */
    char name[1024];
    long nl = mime_param(m->part_disposition, "filename", name, sizeof(name));
    if (nl < 0)
        nl = mime_param(ct, "name", name, sizeof(name));
    bool attach =
        nl >= 0 || (m->part_disposition && strncasecmp(m->part_disposition, "attachment", 10) == 0);
    if (attach && !(ct && strncasecmp(ct, "multipart/", 10) == 0)) {
        if (nl < 0) {
            name[0] = 0;
            nl = 0;
        }
        size_t n = strlen(name);
        if (nl > MIME_FILENAME_MAX) {
            mime_event(m, "MIME_LONG_FILENAME");
            n = MIME_FILENAME_MAX;
            name[n] = 0;
        }
        if (m->attachment_count < sizeof(m->attachments) / sizeof(m->attachments[0]))
            m->attachments[m->attachment_count++] = strdup(name);
        if (m->hooks.file_open)
            m->file = m->hooks.file_open(m->hooks.user, (const uint8_t *)name, n);
        m->is_text = false;
    }
    if (m->status < MIME_STATUS_BODY_STARTED)
        m->status = MIME_STATUS_BODY_STARTED;
}

static void mime_emit(struct mime_message *m, const uint8_t *data, size_t len)
{
    if (m->file && len && m->hooks.file_data)
        m->hooks.file_data(m->hooks.user, m->file, data, len);
}

/* base64_value() + 1 as a table (0: not in the alphabet): attachments are
 * most of an SMTP session's bytes, decoded without a branch per character. */
static const uint8_t b64_value1[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static void mime_b64_line(struct mime_message *m, const uint8_t *line, size_t len)
{
    uint8_t out[768];
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        /* Whole groups of four alphabet characters, the common case. */
        while (m->b64_len == 0 && i + 4 <= len && o + 3 < sizeof(out)) {
            uint32_t a = b64_value1[line[i]], b = b64_value1[line[i + 1]];
            uint32_t d = b64_value1[line[i + 2]], e = b64_value1[line[i + 3]];
            if (!a || !b || !d || !e)
                break;
            a--, b--, d--, e--;
            out[o++] = (uint8_t)((a << 2) | (b >> 4));
            out[o++] = (uint8_t)(((b & 15) << 4) | (d >> 2));
            out[o++] = (uint8_t)(((d & 3) << 6) | e);
            i += 4;
        }
        if (i >= len)
            break;
        if (o + 3 >= sizeof(out)) {
            mime_emit(m, out, o);
            o = 0;
        }
        uint8_t c = line[i];
        if (c == '=') {
            /* padding: flush what the group holds */
            if (m->b64_len >= 2) {
                int a = base64_value(m->b64[0]), b = base64_value(m->b64[1]);
                out[o++] = (uint8_t)((a << 2) | (b >> 4));
                if (m->b64_len == 3) {
                    int d = base64_value(m->b64[2]);
                    out[o++] = (uint8_t)(((b & 15) << 4) | (d >> 2));
                }
            }
            m->b64_len = 0;
            continue;
        }
        if (base64_value(c) < 0)
            continue; /* whitespace and junk are skipped, as decoders do */
        m->b64[m->b64_len++] = c;
        if (m->b64_len == 4) {
            int a = base64_value(m->b64[0]), b = base64_value(m->b64[1]);
            int d = base64_value(m->b64[2]), e = base64_value(m->b64[3]);
            out[o++] = (uint8_t)((a << 2) | (b >> 4));
            out[o++] = (uint8_t)(((b & 15) << 4) | (d >> 2));
            out[o++] = (uint8_t)(((d & 3) << 6) | e);
            m->b64_len = 0;
        }
        if (o + 3 >= sizeof(out)) {
            mime_emit(m, out, o);
            o = 0;
        }
    }
    mime_emit(m, out, o);
}

static int mime_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (uint8_t)toupper(c);
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void mime_url_extract(struct mime_message *m, const uint8_t *line, size_t len)
{
    static const char scheme[] = "http://";
    const size_t sl = sizeof(scheme) - 1;
    for (size_t i = 0; i + sl < len && m->url_count < MIME_MAX_URLS; i++) {
        if (strncasecmp((const char *)line + i, scheme, sl) != 0)
            continue;
        size_t s = i + sl, e = s;
        while (e < len && line[e] > ' ' && line[e] != '"' && line[e] != '<' && line[e] != '>' &&
               line[e] != '\'' && line[e] < 127)
            e++;
        if (e > s) {
            char *u = mime_strndup(line + s, e - s);
            if (u) {
                for (char *p = u; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
                bool dup = false;
                for (uint32_t k = 0; k < m->url_count; k++)
                    dup = dup || strcmp(m->urls[k], u) == 0;
                if (dup)
                    free(u);
                else
                    m->urls[m->url_count++] = u;
            }
        }
        i = e;
    }
}

static void mime_body_line(struct mime_message *m, const uint8_t *line, size_t len)
{
    if (m->encoding == MIME_ENC_QP) {
        /* decode first: URLs are searched in the decoded text */
        uint8_t *out = malloc(len + 1);
        if (!out)
            return;
        size_t o = 0;
        bool soft = false;
        for (size_t i = 0; i < len; i++) {
            if (line[i] == '=') {
                if (i + 1 == len) {
                    soft = true;
                    break;
                }
                if (i + 2 < len && mime_hex(line[i + 1]) >= 0 && mime_hex(line[i + 2]) >= 0) {
                    out[o++] = (uint8_t)(mime_hex(line[i + 1]) * 16 + mime_hex(line[i + 2]));
                    i += 2;
                    continue;
                }
            }
            out[o++] = line[i];
        }
        if (m->is_text)
            mime_url_extract(m, out, o);
        if (m->file) {
            if (m->pending_crlf)
                mime_emit(m, (const uint8_t *)"\r\n", 2);
            mime_emit(m, out, o);
        }
        m->pending_crlf = !soft;
        free(out);
        return;
    }
    if (m->is_text)
        mime_url_extract(m, line, len);
    if (!m->file)
        return;
    if (m->encoding == MIME_ENC_BASE64) {
        mime_b64_line(m, line, len);
        return;
    }
    if (m->pending_crlf)
        mime_emit(m, (const uint8_t *)"\r\n", 2);
    mime_emit(m, line, len);
    m->pending_crlf = true;
}

/* Is the line a boundary of an open multipart? Returns the level (index + 1)
 * and sets *closing for "--b--", or 0. */
static uint32_t mime_boundary_match(const struct mime_message *m, const uint8_t *line, size_t len,
                                    bool *closing)
{
    if (len < 3 || line[0] != '-' || line[1] != '-')
        return 0;
    for (uint32_t lvl = m->depth; lvl > 0; lvl--) {
        const char *b = m->boundaries[lvl - 1];
        size_t bl = strlen(b);
        if (len < 2 + bl || memcmp(line + 2, b, bl) != 0)
            continue;
        const uint8_t *rest = line + 2 + bl;
        size_t rl = len - 2 - bl;
        *closing = rl >= 2 && rest[0] == '-' && rest[1] == '-';
        /* only trailing whitespace may follow */
        size_t k = *closing ? 2 : 0;
        while (k < rl && (rest[k] == ' ' || rest[k] == '\t'))
            k++;
        if (k != rl)
            continue;
        return lvl;
    }
    return 0;
}

void mime_message_line(struct mime_message *m, const uint8_t *line, size_t len)
{
    if (m->status >= MIME_STATUS_PARSE_DONE)
        return;
    bool closing = false;
    uint32_t lvl = m->depth ? mime_boundary_match(m, line, len, &closing) : 0;
    if (lvl) {
        if (m->in_headers)
            mime_header_finish(m);
        mime_file_close(m, true);
        mime_part_reset(m);
        m->depth = closing ? lvl - 1 : lvl;
        m->in_headers = !closing;
        if (m->status < MIME_STATUS_BODY_STARTED)
            m->status = MIME_STATUS_BODY_STARTED;
        return;
    }
    if (m->in_headers) {
        if (len == 0)
            mime_headers_done(m);
        else
            mime_header_line(m, line, len);
        return;
    }
    mime_body_line(m, line, len);
}

void mime_message_end(struct mime_message *m, bool complete)
{
    if (m->status >= MIME_STATUS_PARSE_DONE)
        return;
    if (m->in_headers)
        mime_header_finish(m);
    mime_file_close(m, complete);
    mime_part_reset(m);
    if (complete) {
        if (m->top_level) {
            m->top_level = false;
        }
        m->status = MIME_STATUS_PARSE_DONE;
    }
}

void mime_message_free(struct mime_message *m)
{
    free(m->cur_name);
    free(m->cur_value);
    for (uint32_t i = 0; i < m->header_count; i++) {
        free(m->headers[i].name);
        free(m->headers[i].value);
    }
    for (uint32_t i = 0; i < m->attachment_count; i++)
        free(m->attachments[i]);
    for (uint32_t i = 0; i < m->url_count; i++)
        free(m->urls[i]);
    free(m->part_ctype);
    free(m->part_disposition);
    free(m->part_encoding);
    memset(m, 0, sizeof(*m));
}

const char *mime_message_header(const struct mime_message *m, const char *name)
{
    for (uint32_t i = 0; i < m->header_count; i++)
        if (strcasecmp(m->headers[i].name, name) == 0)
            return m->headers[i].value;
    return NULL;
}

const char *mime_status_name(uint8_t status)
{
    switch (status) {
    case MIME_STATUS_HEADER_STARTED:
        return "HEADER_STARTED";
    case MIME_STATUS_HEADER_READY:
        return "HEADER_READY";
    case MIME_STATUS_BODY_STARTED:
        return "BODY_STARTED";
    case MIME_STATUS_PARSE_DONE:
        return "PARSE_DONE";
    default:
        return "PARSE_ERROR";
    }
}

void mime_address_list_foreach(const char *list, void (*fn)(void *user, const char *s, size_t n),
                               void *user)
{
    if (!list)
        return;
    const char *start = list;
    bool quoted = false;
    int angle = 0;
    for (const char *p = list;; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == '<')
            angle++;
        else if (!quoted && *p == '>' && angle > 0)
            angle--;
        if (*p == 0 || (*p == ',' && !quoted && angle == 0)) {
            const char *s = start, *e = p;
            while (s < e && isspace((unsigned char)*s))
                s++;
            while (e > s && isspace((unsigned char)e[-1]))
                e--;
            if (e > s)
                fn(user, s, (size_t)(e - s));
            if (*p == 0)
                break;
            start = p + 1;
        }
    }
}
