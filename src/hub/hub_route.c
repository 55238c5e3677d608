/* SPDX-License-Identifier: Apache-2.0 */
/* Route matching and media-type checks for the route table (hub_route.h). */
#include "hub/hub_route.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Next non-empty segment of a path: *p advances past it. Returns its length
 * (0 at the end). */
static size_t next_segment(const char **p, const char **seg)
{
    while (**p == '/')
        (*p)++;
    *seg = *p;
    size_t n = strcspn(*p, "/");
    *p += n;
    return n;
}

/* Matches path against one pattern, filling params. */
static bool pattern_match(const char *pattern, const char *path, struct hub_route_params *params)
{
    params->n = 0;
    const char *pp = pattern, *up = path;
    for (;;) {
        const char *ps, *us;
        size_t pn = next_segment(&pp, &ps);
        if (pn >= 4 && ps[0] == '{' && ps[1] == '*' && ps[pn - 1] == '}') {
            /* The rest of the path, without its leading slashes. */
            while (*up == '/')
                up++;
            if (params->n == HUB_MAX_PARAMS || strlen(up) >= HUB_PARAM_MAX)
                return false;
            params->p[params->n].name = ps + 2;
            params->p[params->n].name_len = pn - 3;
            snprintf(params->p[params->n].value, HUB_PARAM_MAX, "%s", up);
            params->n++;
            return true;
        }
        size_t un = next_segment(&up, &us);
        if (pn == 0 || un == 0)
            return pn == 0 && un == 0;
        if (pn >= 3 && ps[0] == '{' && ps[pn - 1] == '}') {
            if (params->n == HUB_MAX_PARAMS || un >= HUB_PARAM_MAX)
                return false;
            params->p[params->n].name = ps + 1;
            params->p[params->n].name_len = pn - 2;
            memcpy(params->p[params->n].value, us, un);
            params->p[params->n].value[un] = 0;
            params->n++;
        } else if (pn != un || memcmp(ps, us, pn) != 0) {
            return false;
        }
    }
}

int hub_route_match(const char *method, const char *path, struct hub_route_params *params,
                    char *allow, size_t allowlen)
{
    bool head = strcmp(method, "HEAD") == 0;
    bool path_found = false;
    size_t alen = 0;
    if (allowlen)
        allow[0] = 0;
    struct hub_route_params tmp;
    for (size_t i = 0; i < hub_route_count; i++) {
        const struct hub_route *r = &hub_routes[i];
        if (!pattern_match(r->pattern, path, &tmp))
            continue;
        if (strcmp(r->method, method) == 0 || (head && strcmp(r->method, "GET") == 0)) {
            *params = tmp;
            return (int)i;
        }
        path_found = true;
        if (!strstr(allow, r->method) && alen + strlen(r->method) + 3 < allowlen)
            alen += (size_t)snprintf(allow + alen, allowlen - alen, "%s%s", alen ? ", " : "",
                                     r->method);
    }
    return path_found ? -405 : -404;
}

/* Whether a "version=" parameter in params (may be NULL) is absent or 2.1. */
static bool version_ok(const char *params)
{
    const char *v = params ? strcasestr(params, "version=") : NULL;
    if (!v)
        return true;
    v += 8;
    return strncmp(v, "2.1", 3) == 0 && !isdigit((unsigned char)v[3]);
}

static bool versioned_type(const char *mtype, size_t n)
{
    return (n == strlen(HUB_MEDIA_TAXII) && strncasecmp(mtype, HUB_MEDIA_TAXII, n) == 0) ||
           (n == 21 && strncasecmp(mtype, "application/stix+json", n) == 0);
}

/* Splits one comma-separated item "type/sub ; params" into its trimmed type
 * (copied into type) and a pointer to its parameters (into buf). */
static void media_item(const char *item, size_t n, char *type, size_t typelen, char *params,
                       size_t paramslen)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)(n < 255 ? n : 255), item);
    char *s = buf;
    while (*s == ' ' || *s == '\t')
        s++;
    char *semi = strchr(s, ';');
    snprintf(params, paramslen, "%s", semi ? semi + 1 : "");
    if (semi)
        *semi = 0;
    size_t tl = strlen(s);
    while (tl && (s[tl - 1] == ' ' || s[tl - 1] == '\t'))
        s[--tl] = 0;
    snprintf(type, typelen, "%s", s);
}

bool hub_media_accepts(const char *accept, const char *mtype)
{
    if (!accept || !*accept)
        return true;
    const char *p = accept;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char type[256], params[256];
        media_item(p, n, type, sizeof type, params, sizeof params);
        bool exact = strcasecmp(type, mtype) == 0;
        bool type_ok = exact || strcmp(type, "*/*") == 0 || strcasecmp(type, "application/*") == 0;
        if (type_ok && (!exact || !versioned_type(type, strlen(type)) || version_ok(params)))
            return true;
        if (!end)
            return false;
        p = end + 1;
    }
}

bool hub_media_is(const char *ct, const char *list)
{
    if (!ct)
        return false;
    char type[256], params[256];
    media_item(ct, strlen(ct), type, sizeof type, params, sizeof params);
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (strlen(type) == n && strncasecmp(type, p, n) == 0)
            return !versioned_type(type, n) || version_ok(params);
        if (!end)
            return false;
        p = end + 1;
    }
}
