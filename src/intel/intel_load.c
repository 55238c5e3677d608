/* SPDX-License-Identifier: Apache-2.0 */
/* Indicator files: STIX 2.1 (a bundle, a TAXII envelope, an array or one
 * object), Zeek intel files ("#fields indicator indicator_type meta.source
 * ..."), CSV with or without a header, and plain lists of one value per
 * line. Every value that is not used is counted and reported with its file
 * and line (or STIX id) and the reason; nothing is dropped silently. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <ctype.h>

#include "intel/intel_source.h"

void intel_load_opts_init(struct intel_load_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = -1;
    o->confidence = -1;
}

static void report(const struct intel_load_opts *o, bool unmatchable, const char *what,
                   const char *why)
{
    if (o && o->report)
        o->report(o->user, unmatchable, what, why);
}

/* ---------- STIX ---------- */

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int load_stix(struct intel_builder *b, json_t *root, const char *label,
                     const struct intel_load_opts *o, struct intel_load_stats *st)
{
    json_t *objects = NULL;
    if (json_is_array(root))
        objects = root;
    else if (json_is_object(root) && json_is_array(json_object_get(root, "objects")))
        objects = json_object_get(root, "objects"); /* bundle or TAXII envelope */
    json_t *single = NULL;
    if (!objects && json_is_object(root)) {
        single = json_array();
        json_array_append(single, root);
        objects = single;
    }
    if (!objects) {
        st->invalid++;
        report(o, false, label, "JSON that is neither a STIX bundle nor STIX objects");
        return 0;
    }
    /* identities (names of producers) and the latest version of each indicator */
    json_t *names = json_object();
    json_t *latest = json_object();
    size_t i;
    json_t *obj;
    json_array_foreach(objects, i, obj)
    {
        const char *type = json_string_value(json_object_get(obj, "type"));
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (!type || !id)
            continue;
        if (strcmp(type, "identity") == 0) {
            json_t *n = json_object_get(obj, "name");
            if (json_is_string(n))
                json_object_set(names, id, n);
        } else if (strcmp(type, "indicator") == 0) {
            json_t *prev = json_object_get(latest, id);
            const char *pm = prev ? json_string_value(json_object_get(prev, "modified")) : NULL;
            const char *m = json_string_value(json_object_get(obj, "modified"));
            /* RFC 3339 "Z" timestamps of the same precision compare as text;
             * otherwise the later one in the file wins. */
            if (!prev || !pm || !m || strcmp(m, pm) >= 0)
                json_object_set(latest, id, obj);
        }
    }
    const char *source = o && o->source ? o->source : label;
    const char *key;
    json_t *ind;
    int rc = 0;
    json_object_foreach(latest, key, ind)
    {
        struct intel_stix_indicator si;
        char why[200];
        if (intel_stix_indicator_read(ind, &si, why, sizeof why) != 0) {
            st->invalid++;
            report(o, false, key, why);
            continue;
        }
        const char *producer =
            si.created_by_ref ? json_string_value(json_object_get(names, si.created_by_ref)) : NULL;
        if (intel_stix_add(b, &si, producer, source, o, st) < 0) {
            rc = -ENOMEM;
            break;
        }
    }
    json_decref(names);
    json_decref(latest);
    json_decref(single);
    return rc;
}

/* ---------- lists ---------- */

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return n > 0;
}

/* The kind of a bare value. */
static int infer_kind(const char *v, size_t n)
{
    uint8_t buf[17];
    uint8_t pl;
    if (intel_normalize(INTEL_KIND_ADDR, v, n, buf, sizeof buf, &pl, NULL, NULL, 0) > 0)
        return INTEL_KIND_ADDR;
    if (is_hex(v, n) && (n == 32 || n == 40 || n == 64))
        return INTEL_KIND_FILE_MD5; /* resolved by length */
    if (memchr(v, '@', n) && !memchr(v, '/', n))
        return INTEL_KIND_EMAIL;
    if (memchr(v, '/', n) || (n > 3 && memmem(v, n, "://", 3)))
        return INTEL_KIND_URL;
    if (n > 10 && (v[0] == 't' || v[0] == 'q' || v[0] == 'd') && memchr(v, '_', n) &&
        isdigit((unsigned char)v[1]))
        return INTEL_KIND_JA4;
    return INTEL_KIND_DOMAIN;
}

/* Splits a CSV line into at most max fields (quotes "..." with "" inside).
 * The fields point into line, which is modified. */
static int csv_split(char *line, char **fields, int max, char sep)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        while (*p == ' ')
            p++;
        if (*p == '"') {
            char *out = ++p;
            fields[n++] = out;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
            char *next = strchr(p, sep);
            *out = '\0';
            if (!next)
                break;
            p = next + 1;
        } else {
            fields[n++] = p;
            char *next = strchr(p, sep);
            if (!next)
                break;
            *next = '\0';
            p = next + 1;
        }
    }
    for (int i = 0; i < n; i++) {
        size_t l = strlen(fields[i]);
        while (l && (fields[i][l - 1] == ' ' || fields[i][l - 1] == '\r'))
            fields[i][--l] = '\0';
    }
    return n;
}

enum list_format { LIST_PLAIN, LIST_CSV, LIST_ZEEK };

struct list_state {
    enum list_format format;
    int col_value, col_kind, col_name, col_confidence, col_tlp, col_source, col_desc;
    bool header_done;
    uint32_t meta;      /* the file's meta (plain / CSV without per-row metadata) */
    bool meta_made;
    char last_key[512]; /* last per-row meta key, to share metas between rows */
    uint32_t last_meta;
};

static int header_col(char **f, int n, const char *const *names)
{
    for (int i = 0; i < n; i++)
        for (const char *const *nm = names; *nm; nm++)
            if (strcasecmp(f[i], *nm) == 0)
                return i;
    return -1;
}

static uint32_t list_meta(struct intel_builder *b, struct list_state *ls, const char *label,
                          const struct intel_load_opts *o, const char *name, const char *tlp,
                          int confidence, const char *source)
{
    bool per_row = name || tlp || confidence >= 0 || source;
    if (!per_row) {
        if (!ls->meta_made) {
            struct intel_meta_in m = {.name = o->name, .confidence = o->confidence,
                                      .tlp = o->tlp, .source = o->source ? o->source : label,
                                      .first_generation = o->generation};
            ls->meta = intel_builder_add_meta(b, &m);
            ls->meta_made = true;
        }
        return ls->meta;
    }
    char key[512];
    snprintf(key, sizeof key, "%s\x1f%s\x1f%d\x1f%s", name ? name : "", tlp ? tlp : "",
             confidence, source ? source : "");
    if (ls->last_key[0] && strcmp(key, ls->last_key) == 0)
        return ls->last_meta;
    struct intel_meta_in m = {.name = name ? name : o->name,
                              .confidence = confidence >= 0 ? confidence : o->confidence,
                              .tlp = tlp ? tlp : o->tlp,
                              .source = source ? source : (o->source ? o->source : label),
                              .first_generation = o->generation};
    uint32_t id = intel_builder_add_meta(b, &m);
    snprintf(ls->last_key, sizeof ls->last_key, "%s", key);
    ls->last_meta = id;
    return id;
}

static int list_line(struct intel_builder *b, struct list_state *ls, char *line, size_t lineno,
                     const char *label, const struct intel_load_opts *o,
                     struct intel_load_stats *st)
{
    char where[600];
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        line[--len] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (ls->format == LIST_ZEEK && strncmp(p, "#fields", 7) == 0) {
        char *f[32];
        int n = 0;
        for (char *tok = strtok(p + 8, "\t"); tok && n < 32; tok = strtok(NULL, "\t"))
            f[n++] = tok;
        ls->col_value = header_col(f, n, (const char *const[]){"indicator", NULL});
        ls->col_kind = header_col(f, n, (const char *const[]){"indicator_type", NULL});
        ls->col_source = header_col(f, n, (const char *const[]){"meta.source", NULL});
        ls->col_desc = header_col(f, n, (const char *const[]){"meta.desc", NULL});
        ls->col_name = ls->col_tlp = ls->col_confidence = -1;
        ls->header_done = true;
        return 0;
    }
    if (*p == '#' || *p == '\0')
        return 0;
    char *f[32];
    int n;
    if (ls->format == LIST_ZEEK) {
        n = 0;
        char *s = p;
        while (n < 32) {
            f[n++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                break;
            *tab = '\0';
            s = tab + 1;
        }
    } else if (ls->format == LIST_CSV) {
        n = csv_split(p, f, 32, ',');
        if (!ls->header_done) {
            ls->header_done = true;
            int v = header_col(f, n, (const char *const[]){"value", "indicator", "ioc",
                                                            "observable", NULL});
            if (v >= 0) {
                ls->col_value = v;
                ls->col_kind = header_col(f, n, (const char *const[]){"kind", "type",
                                                                        "indicator_type", NULL});
                ls->col_name = header_col(f, n, (const char *const[]){"name", "description",
                                                                        "desc", NULL});
                ls->col_confidence = header_col(f, n, (const char *const[]){"confidence", NULL});
                ls->col_tlp = header_col(f, n, (const char *const[]){"tlp", NULL});
                ls->col_source = header_col(f, n, (const char *const[]){"source", NULL});
                return 0;
            }
            ls->col_value = 0;
            ls->col_kind = 1;
            ls->col_name = 2;
            ls->col_confidence = ls->col_tlp = ls->col_source = -1;
        }
    } else {
        f[0] = p;
        n = 1;
        ls->col_value = 0;
        ls->col_kind = ls->col_name = ls->col_confidence = ls->col_tlp = ls->col_source = -1;
    }
    st->indicators++;
#define WHERE() snprintf(where, sizeof where, "%s:%zu", label, lineno)
    if (ls->col_value < 0 || ls->col_value >= n || !f[ls->col_value][0]) {
        st->invalid++;
        WHERE();
        report(o, false, where, "no value");
        return 0;
    }
    const char *value = f[ls->col_value];
    size_t vlen = strlen(value);
    int kind = o->kind;
    const char *kname = ls->col_kind >= 0 && ls->col_kind < n && f[ls->col_kind][0]
                            ? f[ls->col_kind]
                            : NULL;
    if (kind < 0 && kname) {
        kind = intel_kind_from_name(kname);
        if (kind < 0) {
            st->invalid++;
            char why[160];
            snprintf(why, sizeof why, "unknown indicator type '%.60s'", kname);
            WHERE();
            report(o, false, where, why);
            return 0;
        }
    }
    if (kind < 0)
        kind = infer_kind(value, vlen);
    const char *name = ls->col_name >= 0 && ls->col_name < n && f[ls->col_name][0]
                           ? f[ls->col_name]
                           : NULL;
    if (!name && ls->col_desc >= 0 && ls->col_desc < n && f[ls->col_desc][0] &&
        strcmp(f[ls->col_desc], "-") != 0)
        name = f[ls->col_desc];
    const char *tlp = ls->col_tlp >= 0 && ls->col_tlp < n && f[ls->col_tlp][0] ? f[ls->col_tlp]
                                                                               : NULL;
    const char *source = ls->col_source >= 0 && ls->col_source < n && f[ls->col_source][0] &&
                                 strcmp(f[ls->col_source], "-") != 0
                             ? f[ls->col_source]
                             : NULL;
    int confidence = -1;
    if (ls->col_confidence >= 0 && ls->col_confidence < n && f[ls->col_confidence][0])
        confidence = atoi(f[ls->col_confidence]);
    uint32_t meta = list_meta(b, ls, label, o, name, tlp, confidence, source);
    if (meta == UINT32_MAX)
        return -ENOMEM;
    char err[160];
    unsigned flags = o->subdomains ? INTEL_ADD_SUBDOMAINS : 0;
    int rc = intel_builder_add(b, (enum intel_kind)kind, value, vlen, meta, flags, err, sizeof err);
    if (rc == -ENOMEM)
        return rc;
    if (rc) {
        st->invalid++;
        char why[300];
        snprintf(why, sizeof why, "'%.80s': %s", value, err);
        WHERE();
        report(o, false, where, why);
        return 0;
    }
    st->values++;
    return 0;
#undef WHERE
}

static enum list_format detect_list_format(const char *data, size_t len)
{
    /* the first line that is not blank or a plain comment decides */
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && data[e] != '\n')
            e++;
        const char *l = data + i;
        size_t n = e - i;
        if (n >= 7 && strncmp(l, "#fields", 7) == 0)
            return LIST_ZEEK;
        if (n >= 10 && strncmp(l, "#separator", 10) == 0)
            return LIST_ZEEK;
        if (n && l[0] != '#' && !(n == 1 && l[0] == '\r'))
            return memchr(l, ',', n) ? LIST_CSV : LIST_PLAIN;
        i = e + 1;
    }
    return LIST_PLAIN;
}

int intel_load_lines(struct intel_builder *b, const char *data, size_t len, const char *label,
                     const struct intel_load_opts *o, struct intel_load_stats *st)
{
    struct list_state ls = {.format = detect_list_format(data, len), .col_value = -1,
                            .col_kind = -1, .col_name = -1, .col_confidence = -1,
                            .col_tlp = -1, .col_source = -1, .col_desc = -1};
    char *line = malloc(65536);
    if (!line)
        return -ENOMEM;
    size_t lineno = 0, i = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        size_t e = i;
        while (e < len && data[e] != '\n')
            e++;
        lineno++;
        size_t n = e - i;
        if (n >= 65536) {
            st->invalid++;
            char where[600];
            snprintf(where, sizeof where, "%s:%zu", label, lineno);
            report(o, false, where, "line longer than 64 KiB");
        } else {
            memcpy(line, data + i, n);
            line[n] = '\0';
            rc = list_line(b, &ls, line, lineno, label, o, st);
        }
        i = e + 1;
    }
    free(line);
    return rc;
}

int intel_load_file(struct intel_builder *b, const char *path, const struct intel_load_opts *o,
                    struct intel_load_stats *st, char *err, size_t errlen)
{
    struct intel_load_opts dflt;
    if (!o) {
        intel_load_opts_init(&dflt);
        o = &dflt;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -EINVAL;
    }
    size_t len = (size_t)sb.st_size;
    const char *data = "";
    void *map = NULL;
    if (len) {
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            int e = errno;
            snprintf(err, errlen, "%s: %s", path, strerror(e));
            close(fd);
            return -e;
        }
        data = map;
    }
    close(fd);
    size_t i = 0;
    while (i < len && isspace((unsigned char)data[i]))
        i++;
    const char *label = basename_of(path);
    int rc;
    if (i < len && (data[i] == '{' || data[i] == '[')) {
        json_error_t je;
        json_t *root = json_loadb(data, len, JSON_DECODE_ANY, &je);
        if (!root) {
            snprintf(err, errlen, "%s:%d: invalid JSON: %s", path, je.line, je.text);
            rc = -EINVAL;
        } else {
            rc = load_stix(b, root, label, o, st);
            json_decref(root);
        }
    } else {
        rc = intel_load_lines(b, data, len, label, o, st);
    }
    if (map)
        munmap(map, len);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "%s: out of memory", path);
    return rc;
}
