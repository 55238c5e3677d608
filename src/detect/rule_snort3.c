/* SPDX-License-Identifier: Apache-2.0 */
/* Snort 3 rules (Talos's community and subscriber rules), read as Snort 3
 * writes them by translating each into the Suricata dialect the parser
 * knows, keeping what it means in Snort 3:
 *  - header-less rules (`alert http (...)`): any any -> any any;
 *    `alert file (...)` inspects files of any service: ip any any;
 *  - content's option form `content:"x", depth 16, offset 2, nocase;`;
 *  - sticky buffers named before their content (`http_uri; content:...`):
 *    Suricata's sticky names (http.uri, http.header, pkt_data, file_data ...);
 *  - `http_header: field NAME`: the buffer Suricata has for that field's
 *    value (user-agent, host, referer, cookie, content-type, ...; other
 *    fields are untranslated);
 *  - `bufferlen` (bsize), `service:` (Snort matches by service or port: the
 *    header's ports stay; the option is dropped), `rem:` (a comment).
 * A rule is taken as Snort 3 when it has one of these forms; a Suricata rule
 * (content modifiers after their content) is left alone. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect/rule_internal.h"

static const struct {
    const char *snort, *suricata;
} sticky[] = {
    {"http_uri", "http.uri"},
    {"http_raw_uri", "http.uri.raw"},
    {"http_header", "http.header"},
    {"http_raw_header", "http.header.raw"},
    {"http_method", "http.method"},
    {"http_client_body", "http.request_body"},
    {"http_cookie", "http.cookie"},
    {"http_raw_cookie", "http.cookie.raw"},
    {"http_stat_code", "http.stat_code"},
    {"http_stat_msg", "http.stat_msg"},
    {"http_raw_request", "http.request_line"},
    {"http_raw_status", "http.response_line"},
    {"http_raw_body", "http.response_body"},
    {"http_version", "http.protocol"},
    {"pkt_data", "pkt_data"},
    {"raw_data", "pkt_data"},
    {"file_data", "file.data"},
    {"js_data", "file.data"},
};

static const char *sticky_name(const char *opt, size_t n)
{
    for (size_t i = 0; i < sizeof sticky / sizeof sticky[0]; i++)
        if (strlen(sticky[i].snort) == n && memcmp(sticky[i].snort, opt, n) == 0)
            return sticky[i].suricata;
    return NULL;
}

/* `http_header: field NAME` (and http_raw_header): the Suricata buffer
 * holding only that field's value, or NULL. opt is ": field NAME". */
static const char *header_field_buffer(const char *opt, size_t n, const char *sticky_buf)
{
    static const struct {
        const char *field, *buf, *raw;
    } fields[] = {
        {"user-agent", "http.user_agent", "http.user_agent"},
        {"host", "http.host.raw", "http.host.raw"}, /* Snort: the value as sent */
        {"referer", "http.referer", "http.referer"},
        {"cookie", "http.cookie", "http.cookie.raw"},
        {"content-type", "http.content_type", "http.content_type"},
        {"content-length", "http.content_len", "http.content_len"},
        {"accept", "http.accept", "http.accept"},
        {"accept-language", "http.accept_lang", "http.accept_lang"},
        {"accept-encoding", "http.accept_enc", "http.accept_enc"},
        {"connection", "http.connection", "http.connection"},
        {"location", "http.location", "http.location"},
        {"server", "http.server", "http.server"},
    };
    bool raw = strcmp(sticky_buf, "http.header.raw") == 0;
    if (!raw && strcmp(sticky_buf, "http.header") != 0)
        return NULL;
    while (n && (*opt == ':' || *opt == ' ')) {
        opt++;
        n--;
    }
    if (n < 6 || strncmp(opt, "field", 5) != 0 || opt[5] != ' ')
        return NULL;
    opt += 6;
    n -= 6;
    while (n && *opt == ' ') {
        opt++;
        n--;
    }
    while (n && opt[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strlen(fields[i].field) == n && strncasecmp(fields[i].field, opt, n) == 0)
            return raw ? fields[i].raw : fields[i].buf;
    return NULL;
}

struct out {
    char *p;
    size_t len, cap;
    bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->overflow = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Splits the option text between '(' and the last ')' at ';' outside quotes. */
static size_t split_options(const char *s, size_t n, const char **starts, size_t *lens, size_t max)
{
    size_t count = 0, i = 0;
    while (i < n && count < max) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t b = i;
        bool q = false;
        while (i < n && (q || s[i] != ';')) {
            if (s[i] == '\\' && i + 1 < n)
                i++;
            else if (s[i] == '"')
                q = !q;
            i++;
        }
        size_t e = i;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e > b) {
            starts[count] = s + b;
            lens[count++] = e - b;
        }
        i++; /* ';' */
    }
    return count;
}

static size_t keyword_len(const char *o, size_t n)
{
    size_t k = 0;
    while (k < n && o[k] != ':' && o[k] != ' ' && o[k] != '\t')
        k++;
    return k;
}

/* content:"x", depth 16, nocase -> content:"x"; depth:16; nocase */
static bool content_has_options(const char *o, size_t n)
{
    const char *v = memchr(o, ':', n);
    if (!v)
        return false;
    bool q = false;
    for (const char *c = v + 1; c < o + n; c++) {
        if (*c == '\\' && c + 1 < o + n)
            c++;
        else if (*c == '"')
            q = !q;
        else if (*c == ',' && !q)
            return true;
    }
    return false;
}

static void emit_content(struct out *out, const char *o, size_t n)
{
    bool q = false;
    size_t i = 0;
    size_t item = 0;
    for (; i <= n; i++) {
        if (i < n && o[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (i < n && o[i] == '"')
            q = !q;
        if (i == n || (o[i] == ',' && !q)) {
            size_t b = item, e = i;
            while (b < e && (o[b] == ' ' || o[b] == '\t'))
                b++;
            while (e > b && (o[e - 1] == ' ' || o[e - 1] == '\t'))
                e--;
            if (item == 0) {
                put(out, o + b, e - b);
            } else if (e > b) {
                size_t k = b;
                while (k < e && o[k] != ' ' && o[k] != '\t')
                    k++;
                /* fast_pattern_offset/_length only tune the prefilter (which
                 * part of the content it uses): dropped, fast_pattern stays. */
                if ((k - b == 19 && !memcmp(o + b, "fast_pattern_offset", 19)) ||
                    (k - b == 19 && !memcmp(o + b, "fast_pattern_length", 19))) {
                    item = i + 1;
                    continue;
                }
                puts_(out, "; ");
                put(out, o + b, k - b);
                while (k < e && (o[k] == ' ' || o[k] == '\t'))
                    k++;
                if (k < e) {
                    puts_(out, ":");
                    put(out, o + k, e - k);
                }
            }
            item = i + 1;
        }
    }
}

static bool kw_is(const char *o, size_t k, const char *name)
{
    return strlen(name) == k && memcmp(o, name, k) == 0;
}

bool rule_snort3_translate(const char *in, char *buf, size_t buflen)
{
    const char *open = strchr(in, '(');
    const char *close = strrchr(in, ')');
    if (!open || !close || close < open)
        return false;
    /* The header: action and protocol, and for Snort 2/3 network rules the
     * addresses and ports. */
    char hdr[512];
    size_t hl = (size_t)(open - in);
    if (hl >= sizeof hdr)
        return false;
    memcpy(hdr, in, hl);
    hdr[hl] = '\0';
    char w[8][128];
    int nw = 0;
    for (char *tok = strtok(hdr, " \t"); tok && nw < 8; tok = strtok(NULL, " \t"))
        snprintf(w[nw++], sizeof w[0], "%s", tok);
    bool headerless = nw == 2;
    const char *starts[256];
    size_t lens[256];
    size_t n = split_options(open + 1, (size_t)(close - open - 1), starts, lens, 256);
    bool snort3 = headerless;
    bool seen_content = false;
    for (size_t i = 0; i < n && !snort3; i++) {
        size_t k = keyword_len(starts[i], lens[i]);
        if (kw_is(starts[i], k, "service") || kw_is(starts[i], k, "rem") ||
            kw_is(starts[i], k, "bufferlen") || kw_is(starts[i], k, "js_data") ||
            kw_is(starts[i], k, "raw_data"))
            snort3 = true;
        else if (kw_is(starts[i], k, "content") && content_has_options(starts[i], lens[i]))
            snort3 = true;
        else if (kw_is(starts[i], k, "content") || kw_is(starts[i], k, "pcre"))
            seen_content = true;
        else if (!seen_content && sticky_name(starts[i], k) && k == lens[i] &&
                 strncmp(starts[i], "pkt_data", k) && strncmp(starts[i], "file_data", k))
            snort3 = true; /* an http_* buffer named before any content */
    }
    if (!snort3)
        return false;
    struct out out = {.p = buf, .cap = buflen};
    buf[0] = '\0';
    if (headerless) {
        const char *proto = strcmp(w[1], "file") == 0 ? "ip" : w[1];
        char h[300];
        snprintf(h, sizeof h, "%s %s any any -> any any (", w[0], proto);
        puts_(&out, h);
    } else {
        put(&out, in, (size_t)(open - in) + 1);
    }
    for (size_t i = 0; i < n; i++) {
        const char *o = starts[i];
        size_t len = lens[i], k = keyword_len(o, len);
        const char *st = sticky_name(o, k);
        if (kw_is(o, k, "service") || kw_is(o, k, "rem"))
            continue;
        if (st && k < len) {
            /* http_header: field NAME - that field's value: the header
             * buffers of their own Suricata has; other fields have none
             * (untranslated). */
            const char *fb = header_field_buffer(o + k, len - k, st);
            if (!fb)
                return false;
            puts_(&out, fb);
            puts_(&out, "; ");
            continue;
        }
        if (st) {
            puts_(&out, st);
        } else if (kw_is(o, k, "content") && content_has_options(o, len)) {
            emit_content(&out, o, len);
        } else if (kw_is(o, k, "bufferlen")) {
            /* Snort 3: N, <N, >N, <=N, >=N, N<>M (exclusive), N<=>M
             * (inclusive); Suricata's bsize has no <=, >= or <=>. A
             * relative length (",relative") has no equivalent: untranslated. */
            char v[64], t[80];
            size_t vl = len - k - 1;
            if (k >= len || o[k] != ':' || vl >= sizeof v || memchr(o + k, ',', len - k))
                return false;
            memcpy(v, o + k + 1, vl);
            v[vl] = '\0';
            unsigned long a, b2;
            if (sscanf(v, "%lu<=>%lu", &a, &b2) == 2)
                snprintf(t, sizeof t, "bsize:%lu<>%lu", a ? a - 1 : 0, b2 + 1);
            else if (sscanf(v, ">=%lu", &a) == 1)
                snprintf(t, sizeof t, a ? "bsize:>%lu" : "bsize:>=%lu", a ? a - 1 : 0);
            else if (sscanf(v, "<=%lu", &a) == 1)
                snprintf(t, sizeof t, "bsize:<%lu", a + 1);
            else
                snprintf(t, sizeof t, "bsize:%s", v);
            puts_(&out, t);
        } else {
            put(&out, o, len);
        }
        puts_(&out, "; ");
    }
    puts_(&out, ")");
    return !out.overflow;
}
