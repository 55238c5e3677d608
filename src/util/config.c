/* SPDX-License-Identifier: Apache-2.0 */
/* YAML configuration tree; see config.h for the model. The loader walks
 * libyaml's event stream recursively with a depth limit and a node budget, so
 * a hostile file (deep nesting, alias bombs) fails with a message instead of
 * exhausting the stack or memory. */
#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct config_node {
    char *name;
    char *value;
    struct config_node *parent;
    struct config_node *first, *last, *next;
    const char *file; /* owned by struct config's file list */
    int line;
    bool is_seq;
    bool used; /* read by a consumer (config_get, config_node_value, mark_used) */
};

struct config_anchor {
    char *name;
    struct config_node *copy; /* detached snapshot, owned here */
};

struct config {
    struct config_node root;
    char **files;
    size_t nfiles;
    size_t nodes;
};

struct config_load_state {
    struct config *c;
    const char *file; /* interned */
    char *err;
    size_t errlen;
    int include_depth;
    struct config_anchor *anchors;
    size_t nanchors;
    bool failed;
};

static void load_error(struct config_load_state *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void load_error(struct config_load_state *st, int line, const char *fmt, ...)
{
    if (st->failed)
        return;
    st->failed = true;
    if (!st->err || st->errlen == 0)
        return;
    int n = snprintf(st->err, st->errlen, "%s:%d: ", st->file ? st->file : "(config)", line);
    if (n < 0 || (size_t)n >= st->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* ---- nodes ---- */

static struct config_node *node_new(struct config *c, const char *name)
{
    if (c->nodes >= CONFIG_MAX_NODES)
        return NULL;
    struct config_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = strdup(name ? name : "");
    if (!n->name) {
        free(n);
        return NULL;
    }
    c->nodes++;
    return n;
}

static void node_free_children(struct config *c, struct config_node *n);

static void node_free(struct config *c, struct config_node *n)
{
    node_free_children(c, n);
    free(n->name);
    free(n->value);
    free(n);
    if (c && c->nodes)
        c->nodes--;
}

static void node_free_children(struct config *c, struct config_node *n)
{
    struct config_node *ch = n->first;
    while (ch) {
        struct config_node *next = ch->next;
        node_free(c, ch);
        ch = next;
    }
    n->first = n->last = NULL;
}

static void node_append(struct config_node *parent, struct config_node *ch)
{
    ch->parent = parent;
    ch->next = NULL;
    if (parent->last)
        parent->last->next = ch;
    else
        parent->first = ch;
    parent->last = ch;
}

static struct config_node *node_child(const struct config_node *n, const char *name, size_t len)
{
    for (struct config_node *ch = n->first; ch; ch = ch->next)
        if (strlen(ch->name) == len && memcmp(ch->name, name, len) == 0)
            return ch;
    return NULL;
}

static struct config_node *node_get_or_add(struct config *c, struct config_node *n,
                                           const char *name)
{
    struct config_node *ch = node_child(n, name, strlen(name));
    if (ch)
        return ch;
    ch = node_new(c, name);
    if (!ch)
        return NULL;
    node_append(n, ch);
    return ch;
}

static int node_set_value(struct config_node *n, const char *v)
{
    char *dup = v ? strdup(v) : NULL;
    if (v && !dup)
        return -ENOMEM;
    free(n->value);
    n->value = dup;
    return 0;
}

/* Deep-copies the children and value of src into dst (merging). */
static int node_copy_into(struct config *c, struct config_node *dst, const struct config_node *src,
                          int depth)
{
    if (depth > CONFIG_MAX_DEPTH)
        return -ELOOP;
    if (src->value && node_set_value(dst, src->value) != 0)
        return -ENOMEM;
    if (src->is_seq) {
        node_free_children(c, dst);
        dst->is_seq = true;
    }
    for (const struct config_node *ch = src->first; ch; ch = ch->next) {
        struct config_node *d = node_get_or_add(c, dst, ch->name);
        if (!d)
            return -ENOMEM;
        d->line = ch->line;
        d->file = ch->file;
        int rc = node_copy_into(c, d, ch, depth + 1);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- loading ---- */

static int parse_event(struct config_load_state *st, yaml_parser_t *p, yaml_event_t *ev,
                       struct config_node *node, int depth);

static int next_event(struct config_load_state *st, yaml_parser_t *p, yaml_event_t *ev)
{
    if (!yaml_parser_parse(p, ev)) {
        load_error(st, (int)p->problem_mark.line + 1, "YAML error: %s%s%s",
                   p->problem ? p->problem : "parse error", p->context ? " " : "",
                   p->context ? p->context : "");
        return -1;
    }
    return 0;
}

static const char *intern_file(struct config *c, const char *path)
{
    for (size_t i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i], path) == 0)
            return c->files[i];
    char **nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));
    if (!nf)
        return NULL;
    c->files = nf;
    c->files[c->nfiles] = strdup(path);
    if (!c->files[c->nfiles])
        return NULL;
    return c->files[c->nfiles++];
}

static int load_into(struct config_load_state *st, const char *path, const char *data, size_t len,
                     struct config_node *target);

/* Resolves an include path relative to the including file. */
static int include_file(struct config_load_state *st, const char *name, int line,
                        struct config_node *target)
{
    char path[4096];
    if (name[0] == '/' || !st->file) {
        snprintf(path, sizeof(path), "%s", name);
    } else {
        const char *slash = strrchr(st->file, '/');
        if (slash)
            snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - st->file), st->file, name);
        else
            snprintf(path, sizeof(path), "%s", name);
    }
    if (st->include_depth >= CONFIG_MAX_INCLUDE_DEPTH) {
        load_error(st, line, "include of '%s' nested too deeply (limit %d)", path,
                   CONFIG_MAX_INCLUDE_DEPTH);
        return -1;
    }
    struct config_load_state sub = *st;
    sub.include_depth++;
    sub.anchors = NULL;
    sub.nanchors = 0;
    sub.failed = false;
    /* Error message of the include names the included file and line. */
    int rc = load_into(&sub, path, NULL, 0, target);
    if (rc) {
        if (!sub.failed)
            load_error(st, line, "cannot include '%s'", path);
        st->failed = true;
        return -1;
    }
    return 0;
}

static int remember_anchor(struct config_load_state *st, const char *anchor,
                           const struct config_node *node)
{
    struct config_node *copy = node_new(st->c, "");
    if (!copy)
        return -ENOMEM;
    if (node_copy_into(st->c, copy, node, 0) != 0) {
        node_free(st->c, copy);
        return -ENOMEM;
    }
    copy->is_seq = node->is_seq;
    struct config_anchor *na = realloc(st->anchors, (st->nanchors + 1) * sizeof(*na));
    if (!na) {
        node_free(st->c, copy);
        return -ENOMEM;
    }
    st->anchors = na;
    st->anchors[st->nanchors].name = strdup(anchor);
    st->anchors[st->nanchors].copy = copy;
    st->nanchors++;
    return 0;
}

static const struct config_node *find_anchor(struct config_load_state *st, const char *name)
{
    for (size_t i = st->nanchors; i-- > 0;)
        if (st->anchors[i].name && strcmp(st->anchors[i].name, name) == 0)
            return st->anchors[i].copy;
    return NULL;
}

static int parse_mapping(struct config_load_state *st, yaml_parser_t *p, struct config_node *node,
                         int depth)
{
    node->is_seq = false;
    for (;;) {
        yaml_event_t ev;
        if (next_event(st, p, &ev))
            return -1;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        int line = (int)ev.start_mark.line + 1;
        if (ev.type != YAML_SCALAR_EVENT) {
            load_error(st, line, "unsupported mapping key (only scalar keys)");
            yaml_event_delete(&ev);
            return -1;
        }
        char *key = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
        yaml_event_delete(&ev);
        if (!key) {
            load_error(st, line, "out of memory");
            return -1;
        }
        yaml_event_t val;
        if (next_event(st, p, &val)) {
            free(key);
            return -1;
        }
        int rc = 0;
        if (strcmp(key, "include") == 0 && val.type == YAML_SCALAR_EVENT) {
            char *inc = strndup((const char *)val.data.scalar.value, val.data.scalar.length);
            rc = inc ? include_file(st, inc, line, node) : -1;
            free(inc);
            yaml_event_delete(&val);
        } else if (strcmp(key, "include") == 0 && val.type == YAML_SEQUENCE_START_EVENT) {
            yaml_event_delete(&val);
            for (;;) {
                yaml_event_t item;
                if (next_event(st, p, &item)) {
                    rc = -1;
                    break;
                }
                if (item.type == YAML_SEQUENCE_END_EVENT) {
                    yaml_event_delete(&item);
                    break;
                }
                if (item.type != YAML_SCALAR_EVENT) {
                    load_error(st, (int)item.start_mark.line + 1,
                               "include list entries must be file names");
                    yaml_event_delete(&item);
                    rc = -1;
                    break;
                }
                char *inc = strndup((const char *)item.data.scalar.value, item.data.scalar.length);
                rc = inc ? include_file(st, inc, (int)item.start_mark.line + 1, node) : -1;
                free(inc);
                yaml_event_delete(&item);
                if (rc)
                    break;
            }
        } else if (strcmp(key, "<<") == 0) {
            /* YAML merge key: merge the mapping (usually an alias) into this node. */
            rc = parse_event(st, p, &val, node, depth);
        } else {
            if (node->parent && node->parent->is_seq && !node->value) {
                if (node_set_value(node, key) != 0)
                    rc = -1;
            }
            struct config_node *ch = rc ? NULL : node_get_or_add(st->c, node, key);
            if (!ch) {
                load_error(st, line, "too many configuration nodes or out of memory");
                yaml_event_delete(&val);
                rc = -1;
            } else {
                ch->line = line;
                ch->file = st->file;
                rc = parse_event(st, p, &val, ch, depth);
            }
        }
        free(key);
        if (rc)
            return -1;
    }
}

static int parse_sequence(struct config_load_state *st, yaml_parser_t *p, struct config_node *node,
                          int depth)
{
    node_free_children(st->c, node);
    free(node->value);
    node->value = NULL;
    node->is_seq = true;
    for (int idx = 0;; idx++) {
        yaml_event_t ev;
        if (next_event(st, p, &ev))
            return -1;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        char name[24];
        snprintf(name, sizeof(name), "%d", idx);
        struct config_node *ch = node_get_or_add(st->c, node, name);
        if (!ch) {
            load_error(st, (int)ev.start_mark.line + 1,
                       "too many configuration nodes or out of memory");
            yaml_event_delete(&ev);
            return -1;
        }
        ch->line = (int)ev.start_mark.line + 1;
        ch->file = st->file;
        if (parse_event(st, p, &ev, ch, depth))
            return -1;
    }
}

/* Consumes ev (already fetched) and everything below it into node. */
static int parse_event(struct config_load_state *st, yaml_parser_t *p, yaml_event_t *ev,
                       struct config_node *node, int depth)
{
    int line = (int)ev->start_mark.line + 1;
    if (depth > CONFIG_MAX_DEPTH) {
        load_error(st, line, "nesting deeper than %d levels", CONFIG_MAX_DEPTH);
        yaml_event_delete(ev);
        return -1;
    }
    char *anchor = NULL;
    int rc = 0;
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        if (ev->data.scalar.anchor)
            anchor = strdup((const char *)ev->data.scalar.anchor);
        char *v = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        bool is_include =
            ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, "!include") == 0;
        yaml_event_delete(ev);
        if (!v) {
            load_error(st, line, "out of memory");
            free(anchor);
            return -1;
        }
        if (is_include) {
            rc = include_file(st, v, line, node);
        } else {
            node_free_children(st->c, node);
            node->is_seq = false;
            /* "~" and empty plain scalars are YAML nulls: keep an empty value. */
            if (strcmp(v, "~") == 0 || strcmp(v, "null") == 0)
                v[0] = '\0';
            rc = node_set_value(node, v);
        }
        free(v);
        break;
    }
    case YAML_MAPPING_START_EVENT:
        if (ev->data.mapping_start.anchor)
            anchor = strdup((const char *)ev->data.mapping_start.anchor);
        yaml_event_delete(ev);
        if (node->value && !(node->parent && node->parent->is_seq)) {
            free(node->value);
            node->value = NULL;
        }
        rc = parse_mapping(st, p, node, depth + 1);
        break;
    case YAML_SEQUENCE_START_EVENT:
        if (ev->data.sequence_start.anchor)
            anchor = strdup((const char *)ev->data.sequence_start.anchor);
        yaml_event_delete(ev);
        rc = parse_sequence(st, p, node, depth + 1);
        break;
    case YAML_ALIAS_EVENT: {
        const struct config_node *src = find_anchor(st, (const char *)ev->data.alias.anchor);
        if (!src) {
            load_error(st, line, "unknown alias '*%s'", (const char *)ev->data.alias.anchor);
            yaml_event_delete(ev);
            return -1;
        }
        yaml_event_delete(ev);
        if (src->is_seq || (!src->first && src->value)) {
            node_free_children(st->c, node);
            node->is_seq = src->is_seq;
        }
        rc = node_copy_into(st->c, node, src, 0);
        if (rc)
            load_error(st, line, "alias expansion too large or too deep");
        break;
    }
    default:
        load_error(st, line, "unexpected YAML event");
        yaml_event_delete(ev);
        return -1;
    }
    if (rc == 0 && anchor && remember_anchor(st, anchor, node) != 0) {
        load_error(st, line, "out of memory (anchor)");
        rc = -1;
    }
    free(anchor);
    return rc ? -1 : 0;
}

static void free_anchors(struct config_load_state *st)
{
    for (size_t i = 0; i < st->nanchors; i++) {
        free(st->anchors[i].name);
        node_free(st->c, st->anchors[i].copy);
    }
    free(st->anchors);
    st->anchors = NULL;
    st->nanchors = 0;
}

/* Parses one file (path, data NULL) or buffer into target. */
static int load_into(struct config_load_state *st, const char *path, const char *data, size_t len,
                     struct config_node *target)
{
    FILE *f = NULL;
    st->file = intern_file(st->c, path);
    if (!st->file) {
        load_error(st, 0, "out of memory");
        return -1;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        load_error(st, 0, "cannot initialise the YAML parser");
        return -1;
    }
    if (!data) {
        /* Only regular files of sane size: an include of /dev/zero or a FIFO
         * must fail, not hang. */
        struct stat sb;
        if (stat(path, &sb) != 0) {
            load_error(st, 0, "cannot open: %s", strerror(errno));
            yaml_parser_delete(&p);
            return -1;
        }
        if (!S_ISREG(sb.st_mode) || sb.st_size > CONFIG_MAX_FILE_SIZE) {
            load_error(st, 0, "not a regular file of at most %d MB", CONFIG_MAX_FILE_SIZE >> 20);
            yaml_parser_delete(&p);
            return -1;
        }
        f = fopen(path, "rb");
        if (!f) {
            load_error(st, 0, "cannot open: %s", strerror(errno));
            yaml_parser_delete(&p);
            return -1;
        }
        yaml_parser_set_input_file(&p, f);
    } else {
        yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    }
    int rc = 0;
    bool done = false;
    int docs = 0;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (next_event(st, &p, &ev)) {
            rc = -1;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            yaml_event_delete(&ev);
            break;
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            yaml_event_delete(&ev);
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_ALIAS_EVENT:
            if (docs++ > 0) {
                /* Later documents merge like an include. */
            }
            if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0) {
                yaml_event_delete(&ev); /* empty document */
                break;
            }
            if (ev.type != YAML_MAPPING_START_EVENT) {
                load_error(st, (int)ev.start_mark.line + 1,
                           "the top level of a configuration must be a mapping");
                yaml_event_delete(&ev);
                rc = -1;
                break;
            }
            rc = parse_event(st, &p, &ev, target, 0);
            break;
        default:
            yaml_event_delete(&ev);
            break;
        }
    }
    yaml_parser_delete(&p);
    if (f)
        fclose(f);
    free_anchors(st);
    return rc;
}

struct config *config_new(void)
{
    struct config *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->root.name = strdup("");
    if (!c->root.name) {
        free(c);
        return NULL;
    }
    return c;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    node_free_children(c, &c->root);
    free(c->root.name);
    free(c->root.value);
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    free(c);
}

int config_merge_file(struct config *c, const char *path, char *err, size_t errlen)
{
    struct config_load_state st = {.c = c, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    return load_into(&st, path, NULL, 0, &c->root) ? -EINVAL : 0;
}

struct config *config_load_file(const char *path, char *err, size_t errlen)
{
    struct config *c = config_new();
    if (!c) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (config_merge_file(c, path, err, errlen) != 0) {
        config_free(c);
        return NULL;
    }
    return c;
}

struct config *config_load_string(const char *yaml, size_t len, const char *name, char *err,
                                  size_t errlen)
{
    struct config *c = config_new();
    if (!c)
        return NULL;
    struct config_load_state st = {.c = c, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    if (load_into(&st, name ? name : "(string)", yaml, len, &c->root) != 0) {
        config_free(c);
        return NULL;
    }
    return c;
}

/* ---- lookup and set ---- */

const struct config_node *config_node_find(const struct config_node *n, const char *key)
{
    if (!n)
        return NULL;
    if (!key || !*key)
        return n;
    const char *s = key;
    while (n) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        n = node_child(n, s, len);
        if (!dot)
            break;
        s = dot + 1;
    }
    return n;
}

const struct config_node *config_find(const struct config *c, const char *dotted_key)
{
    return c ? config_node_find(&c->root, dotted_key) : NULL;
}

int config_set(struct config *c, const char *dotted_key, const char *value)
{
    if (!c || !dotted_key || !*dotted_key || !value)
        return -EINVAL;
    struct config_node *n = &c->root;
    const char *s = dotted_key;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (len == 0)
            return -EINVAL;
        struct config_node *ch = node_child(n, s, len);
        if (!ch) {
            char *seg = strndup(s, len);
            if (!seg)
                return -ENOMEM;
            ch = node_new(c, seg);
            free(seg);
            if (!ch)
                return -ENOMEM;
            node_append(n, ch);
        }
        n = ch;
        if (!dot)
            break;
        s = dot + 1;
    }
    node_free_children(c, n);
    n->is_seq = false;
    return node_set_value(n, value);
}

int config_set_assignment(struct config *c, const char *assignment)
{
    const char *eq = assignment ? strchr(assignment, '=') : NULL;
    if (!eq || eq == assignment)
        return -EINVAL;
    char *key = strndup(assignment, (size_t)(eq - assignment));
    if (!key)
        return -ENOMEM;
    int rc = config_set(c, key, eq + 1);
    free(key);
    return rc;
}

/* Records that a consumer read the node (start-up is single-threaded; a
 * later reader, e.g. a rule reload, only sets an already-set flag). */
static void mark_used(const struct config_node *n)
{
    if (n && !n->used)
        ((struct config_node *)n)->used = true;
}

const char *config_get(const struct config *c, const char *dotted_key)
{
    const struct config_node *n = config_find(c, dotted_key);
    if (!n || n->first)
        return NULL;
    mark_used(n);
    return n->value;
}

int config_parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"1", "yes", "true", "on", "y"};
    static const char *no[] = {"0", "no", "false", "off", "n"};
    if (!s)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    return -EINVAL;
}

bool config_get_bool(const struct config *c, const char *key, bool dflt)
{
    bool v;
    if (config_parse_bool(config_get(c, key), &v) != 0)
        return dflt;
    return v;
}

int config_get_int(const struct config *c, const char *key, long long *out)
{
    const char *s = config_get(c, key);
    if (!s)
        return -ENOENT;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -EINVAL;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 0);
    if (errno == ERANGE)
        return -EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -EINVAL;
    *out = v;
    return 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
    if (!s)
        return -EINVAL;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    /* Integer part exactly, then an optional fraction, so that large byte
     * counts are not rounded through a double. */
    uint64_t whole = 0;
    while (isdigit((unsigned char)*s)) {
        unsigned d = (unsigned)(*s - '0');
        if (whole > (UINT64_MAX - d) / 10)
            return -EINVAL;
        whole = whole * 10 + d;
        s++;
    }
    double frac = 0.0, scale = 0.1;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return -EINVAL;
        while (isdigit((unsigned char)*s)) {
            frac += (*s - '0') * scale;
            scale /= 10;
            s++;
        }
    }
    while (isspace((unsigned char)*s))
        s++;
    char unit[8] = {0};
    size_t ul = 0;
    while (isalpha((unsigned char)*s) && ul < sizeof(unit) - 1)
        unit[ul++] = (char)tolower((unsigned char)*s++);
    while (isspace((unsigned char)*s))
        s++;
    if (*s)
        return -EINVAL;
    uint64_t mult;
    if (ul == 0 || strcmp(unit, "b") == 0)
        mult = 1;
    else if (!strcmp(unit, "k") || !strcmp(unit, "kb") || !strcmp(unit, "kib"))
        mult = 1024ULL;
    else if (!strcmp(unit, "m") || !strcmp(unit, "mb") || !strcmp(unit, "mib"))
        mult = 1024ULL * 1024;
    else if (!strcmp(unit, "g") || !strcmp(unit, "gb") || !strcmp(unit, "gib"))
        mult = 1024ULL * 1024 * 1024;
    else if (!strcmp(unit, "t") || !strcmp(unit, "tb") || !strcmp(unit, "tib"))
        mult = 1024ULL * 1024 * 1024 * 1024;
    else
        return -EINVAL;
    if (mult == 1 && frac != 0.0)
        return -EINVAL; /* fractional bytes */
    if (whole > UINT64_MAX / mult)
        return -EINVAL;
    uint64_t v = whole * mult;
    uint64_t f = (uint64_t)(frac * (double)mult);
    if (v > UINT64_MAX - f)
        return -EINVAL;
    *out = v + f;
    return 0;
}

int config_get_size(const struct config *c, const char *key, uint64_t *out)
{
    const char *s = config_get(c, key);
    if (!s)
        return -ENOENT;
    return config_parse_size(s, out);
}

const struct config_node *config_node_child(const struct config_node *n, const char *name)
{
    return n && name ? node_child(n, name, strlen(name)) : NULL;
}
const struct config_node *config_node_first_child(const struct config_node *n)
{
    return n ? n->first : NULL;
}
const struct config_node *config_node_next(const struct config_node *n)
{
    return n ? n->next : NULL;
}
const char *config_node_name(const struct config_node *n)
{
    return n ? n->name : NULL;
}
const char *config_node_value(const struct config_node *n)
{
    mark_used(n);
    return n ? n->value : NULL;
}
const char *config_node_peek_value(const struct config_node *n)
{
    return n ? n->value : NULL;
}
void config_node_mark_used(const struct config_node *n)
{
    mark_used(n);
}
void config_node_mark_subtree_used(const struct config_node *n)
{
    if (!n)
        return;
    mark_used(n);
    for (const struct config_node *ch = n->first; ch; ch = ch->next)
        config_node_mark_subtree_used(ch);
}
bool config_node_is_used(const struct config_node *n)
{
    return n && n->used;
}
bool config_node_is_sequence(const struct config_node *n)
{
    return n && n->is_seq;
}
int config_node_line(const struct config_node *n)
{
    return n ? n->line : 0;
}
const char *config_node_file(const struct config_node *n)
{
    return n ? n->file : NULL;
}
size_t config_node_child_count(const struct config_node *n)
{
    size_t k = 0;
    for (const struct config_node *ch = n ? n->first : NULL; ch; ch = ch->next)
        k++;
    return k;
}

static void dump_node(const struct config_node *n, char *path, size_t len, size_t cap, FILE *out,
                      int depth)
{
    for (const struct config_node *ch = n->first; ch; ch = ch->next) {
        size_t l = len;
        if (l && l + 1 < cap)
            path[l++] = '.';
        size_t nl = strlen(ch->name);
        if (l + nl + 1 >= cap || depth > CONFIG_MAX_DEPTH)
            continue;
        memcpy(path + l, ch->name, nl + 1);
        l += nl;
        if (ch->value || !ch->first)
            fprintf(out, "%s = %s\n", path, ch->value ? ch->value : "");
        dump_node(ch, path, l, cap, out, depth + 1);
        path[len] = '\0';
    }
}

void config_dump(const struct config *c, FILE *out)
{
    char path[4096] = "";
    if (c)
        dump_node(&c->root, path, 0, sizeof path, out, 0);
}

/* ---- keys nobody read ---- */

struct walk_ctx {
    void (*fn)(const char *path, const struct config_node *n, void *user);
    void *user;
};

static bool subtree_used(const struct config_node *n)
{
    if (n->used)
        return true;
    for (const struct config_node *ch = n->first; ch; ch = ch->next)
        if (subtree_used(ch))
            return true;
    return false;
}

/* Whether anything under n is set to a non-empty value. */
static bool has_setting(const struct config_node *n)
{
    if (!n->first)
        return n->value && *n->value;
    for (const struct config_node *ch = n->first; ch; ch = ch->next)
        if (has_setting(ch))
            return true;
    return false;
}

/* A mapping switched off with "enabled: no" changes nothing: fine whether
 * vigil supports it or not. */
static bool disabled(const struct config_node *n)
{
    const struct config_node *en = node_child(n, "enabled", 7);
    bool b;
    return en && !en->first && config_parse_bool(en->value, &b) == 0 && !b;
}

/* A list of plain values ("rule-files: [a.rules, b.rules]",
 * "formats: [detailed]"): data, not keys. */
static bool scalar_list(const struct config_node *n)
{
    if (!n->is_seq || !n->first)
        return false;
    for (const struct config_node *ch = n->first; ch; ch = ch->next)
        if (ch->first)
            return false;
    return true;
}

static void walk_unused(const struct config_node *n, char *path, size_t len, size_t cap,
                        struct walk_ctx *w, int depth)
{
    if (depth > CONFIG_MAX_DEPTH)
        return;
    for (const struct config_node *ch = n->first; ch; ch = ch->next) {
        /* A sequence entry that is a mapping ("- eve-log: {...}",
         * "- interface: eth0 ...") is transparent: its keys carry the names.
         * A plain entry of a list is a value: whoever reads the list reports
         * what it cannot use (e.g. an eve-log type vigil cannot log). */
        if (n->is_seq) {
            if (ch->first && !disabled(ch))
                walk_unused(ch, path, len, cap, w, depth + 1);
            continue;
        }
        size_t l = len;
        if (l && l + 1 < cap)
            path[l++] = '.';
        size_t sl = strlen(ch->name);
        if (l + sl + 1 >= cap)
            continue;
        memcpy(path + l, ch->name, sl + 1);
        l += sl;
        if (disabled(ch) || !has_setting(ch)) {
            /* switched off, or only empty values: configures nothing */
        } else if (!ch->first || scalar_list(ch)) {
            /* a setting, or a list of values: read if any of it was */
            if (!subtree_used(ch))
                w->fn(path, ch, w->user);
        } else if (!subtree_used(ch)) {
            w->fn(path, ch, w->user); /* a whole section nobody reads: one report */
        } else {
            walk_unused(ch, path, l, cap, w, depth + 1);
        }
        path[len] = '\0';
    }
}

void config_foreach_unused(const struct config *c,
                           void (*fn)(const char *path, const struct config_node *n, void *user),
                           void *user)
{
    char path[1024] = "";
    struct walk_ctx w = {fn, user};
    if (c)
        walk_unused(&c->root, path, 0, sizeof path, &w, 0);
}
