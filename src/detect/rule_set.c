/* SPDX-License-Identifier: Apache-2.0 */
/* Rule set: variables, auxiliary configuration files, file loading with
 * per-rule error reports, and finalisation (fast-pattern choice). */
#include "detect/detect_dataset.h"
#include "detect/rule_set.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/detect_buffer.h"
#include "detect/rule_addr.h"
#include "detect/rule_internal.h"
#include "util/config.h"
#include "util/log.h"

/* ---- name table ---- */

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

int64_t name_table_find(const struct name_table *t, const char *name)
{
    if (!t->nslots)
        return -1;
    uint32_t mask = t->nslots - 1;
    for (uint32_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
        uint32_t v = t->slots[i];
        if (!v)
            return -1;
        if (strcmp(t->names[v - 1], name) == 0)
            return v - 1;
    }
}

int name_table_intern(struct name_table *t, const char *name, uint32_t *id)
{
    int64_t f = name_table_find(t, name);
    if (f >= 0) {
        *id = (uint32_t)f;
        return 0;
    }
    if ((t->count + 1) * 2 > t->nslots) {
        uint32_t ns = t->nslots ? t->nslots * 2 : 64;
        uint32_t *slots = calloc(ns, sizeof(*slots));
        if (!slots)
            return -ENOMEM;
        for (uint32_t k = 0; k < t->count; k++) {
            uint32_t i = hash_str(t->names[k]) & (ns - 1);
            while (slots[i])
                i = (i + 1) & (ns - 1);
            slots[i] = k + 1;
        }
        free(t->slots);
        t->slots = slots;
        t->nslots = ns;
    }
    if (t->count == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 16;
        char **nn = realloc(t->names, nc * sizeof(*nn));
        if (!nn)
            return -ENOMEM;
        t->names = nn;
        t->cap = nc;
    }
    char *dup = strdup(name);
    if (!dup)
        return -ENOMEM;
    t->names[t->count] = dup;
    uint32_t i = hash_str(name) & (t->nslots - 1);
    while (t->slots[i])
        i = (i + 1) & (t->nslots - 1);
    t->slots[i] = t->count + 1;
    *id = t->count++;
    return 0;
}

void name_table_free(struct name_table *t)
{
    for (uint32_t i = 0; i < t->count; i++)
        free(t->names[i]);
    free(t->names);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* ---- variables ---- */

static const char *const default_addr_vars[][2] = {
    {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
    {"EXTERNAL_NET", "!$HOME_NET"},
    {"HTTP_SERVERS", "$HOME_NET"},
    {"SMTP_SERVERS", "$HOME_NET"},
    {"SQL_SERVERS", "$HOME_NET"},
    {"DNS_SERVERS", "$HOME_NET"},
    {"TELNET_SERVERS", "$HOME_NET"},
    {"AIM_SERVERS", "$EXTERNAL_NET"},
    {"DC_SERVERS", "$HOME_NET"},
    {"DNP3_SERVER", "$HOME_NET"},
    {"DNP3_CLIENT", "$HOME_NET"},
    {"MODBUS_CLIENT", "$HOME_NET"},
    {"MODBUS_SERVER", "$HOME_NET"},
    {"ENIP_CLIENT", "$HOME_NET"},
    {"ENIP_SERVER", "$HOME_NET"},
};
static const char *const default_port_vars[][2] = {
    {"HTTP_PORTS", "80"},
    {"SHELLCODE_PORTS", "!80"},
    {"ORACLE_PORTS", "1521"},
    {"SSH_PORTS", "22"},
    {"DNP3_PORTS", "20000"},
    {"MODBUS_PORTS", "502"},
    {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
    {"FTP_PORTS", "21"},
    {"GENEVE_PORTS", "6081"},
    {"VXLAN_PORTS", "4789"},
    {"TEREDO_PORTS", "3544"},
    {"SIP_PORTS", "[5060,5061]"},
};

int rule_set_set_var(struct rule_set *rs, const char *name, const char *value, bool is_port)
{
    for (size_t i = 0; i < rs->nvars; i++) {
        if (rs->vars[i].is_port == is_port && strcmp(rs->vars[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return -ENOMEM;
            free(rs->vars[i].value);
            rs->vars[i].value = v;
            return 0;
        }
    }
    struct rule_var *nv = realloc(rs->vars, (rs->nvars + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    rs->vars = nv;
    nv[rs->nvars].name = strdup(name);
    nv[rs->nvars].value = strdup(value);
    nv[rs->nvars].is_port = is_port;
    if (!nv[rs->nvars].name || !nv[rs->nvars].value) {
        free(nv[rs->nvars].name);
        free(nv[rs->nvars].value);
        return -ENOMEM;
    }
    rs->nvars++;
    return 0;
}

void rule_set_enable_app_layer_events(struct rule_set *rs, bool on)
{
    rs->app_events = on;
}

void rule_set_enable_packet_events(struct rule_set *rs, bool on)
{
    rs->pkt_events = on;
}

const char *rule_set_get_var(const struct rule_set *rs, const char *name, bool is_port)
{
    for (size_t i = 0; i < rs->nvars; i++)
        if (rs->vars[i].is_port == is_port && strcmp(rs->vars[i].name, name) == 0)
            return rs->vars[i].value;
    return NULL;
}

static void load_config_vars(struct rule_set *rs, const struct config *cfg, const char *key,
                             bool is_port)
{
    const struct config_node *n = config_find(cfg, key);
    for (const struct config_node *ch = config_node_first_child(n); ch; ch = config_node_next(ch)) {
        const char *v = config_node_value(ch);
        if (v)
            rule_set_set_var(rs, config_node_name(ch), v, is_port);
    }
}

int rule_action_order_parse(const struct config *cfg, uint8_t rank[RULE_ORDER_MAX], char *why,
                            size_t whylen)
{
    static const char *const names[RULE_ORDER_MAX] = {"pass", "drop", "reject", "alert"};
    for (int i = 0; i < RULE_ORDER_MAX; i++)
        rank[i] = (uint8_t)i;
    const struct config_node *sec = cfg ? config_find(cfg, "action-order") : NULL;
    if (!sec)
        return 0;
    uint8_t got[RULE_ORDER_MAX];
    bool seen[RULE_ORDER_MAX] = {false};
    int n = 0;
    for (const struct config_node *e = config_node_first_child(sec); e; e = config_node_next(e)) {
        const char *v = config_node_value(e);
        int k = 0;
        while (k < RULE_ORDER_MAX && (!v || strcasecmp(v, names[k]) != 0))
            k++;
        if (k == RULE_ORDER_MAX) {
            snprintf(why, whylen, "unknown action '%s' (expected pass, drop, reject, alert)",
                     v ? v : "");
            return -EINVAL;
        }
        if (seen[k]) {
            snprintf(why, whylen, "action '%s' is listed twice", names[k]);
            return -EINVAL;
        }
        seen[k] = true;
        got[k] = (uint8_t)n++;
    }
    if (n != RULE_ORDER_MAX) {
        snprintf(why, whylen, "the list must name pass, drop, reject and alert, once each");
        return -EINVAL;
    }
    memcpy(rank, got, sizeof got);
    return 0;
}

const uint8_t *rule_set_action_rank(const struct rule_set *rs)
{
    return rs->action_rank;
}

struct rule_set *rule_set_new(const struct config *cfg)
{
    struct rule_set *rs = calloc(1, sizeof(*rs));
    if (!rs)
        return NULL;
    char why[128];
    (void)rule_action_order_parse(cfg, rs->action_rank, why, sizeof why);
    for (size_t i = 0; i < sizeof(default_addr_vars) / sizeof(default_addr_vars[0]); i++)
        rule_set_set_var(rs, default_addr_vars[i][0], default_addr_vars[i][1], false);
    for (size_t i = 0; i < sizeof(default_port_vars) / sizeof(default_port_vars[0]); i++)
        rule_set_set_var(rs, default_port_vars[i][0], default_port_vars[i][1], true);
    if (cfg) {
        load_config_vars(rs, cfg, "vars.address-groups", false);
        load_config_vars(rs, cfg, "vars.port-groups", true);
    }
    return rs;
}

void rule_set_free(struct rule_set *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        rule_free(rs->rules[i]);
    free(rs->rules);
    free(rs->snort3_buf);
    for (size_t i = 0; i < rs->nvars; i++) {
        free(rs->vars[i].name);
        free(rs->vars[i].value);
    }
    free(rs->vars);
    for (size_t i = 0; i < rs->nclasses; i++) {
        free(rs->classes[i].name);
        free(rs->classes[i].description);
    }
    free(rs->classes);
    for (size_t i = 0; i < rs->n_unknown_classtypes; i++)
        free(rs->unknown_classtypes[i]);
    free(rs->unknown_classtypes);
    for (size_t i = 0; i < rs->nref_types; i++) {
        free(rs->ref_types[i].key);
        free(rs->ref_types[i].value);
    }
    free(rs->ref_types);
    for (size_t i = 0; i < rs->ntcfg; i++)
        free(rs->tcfg[i].ip.ranges);
    free(rs->tcfg);
    for (int k = 0; k < RULE_VAR_KIND_MAX; k++)
        name_table_free(&rs->vars_by_kind[k]);
    name_table_free(&rs->files);
    free(rs->sid_keys);
    free(rs->sid_vals);
    for (size_t i = 0; i < rs->nreasons; i++)
        free(rs->reasons[i].text);
    free(rs->reasons);
    rule_reuse_free(rs);
    free(rs);
}

/* ---- auxiliary files ---- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int rule_set_classification_lookup(const struct rule_set *rs, const char *name)
{
    for (size_t i = 0; i < rs->nclasses; i++)
        if (strcasecmp(rs->classes[i].name, name) == 0)
            return (int)i;
    return -1;
}

const struct rule_classification *rule_set_classification(const struct rule_set *rs, int id)
{
    if (id < 0 || (size_t)id >= rs->nclasses)
        return NULL;
    return &rs->classes[id];
}

int rule_set_load_classification(struct rule_set *rs, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        const char *prefix = "config classification:";
        if (strncasecmp(s, prefix, strlen(prefix)) != 0) {
            snprintf(err, errlen, "%s:%u: expected 'config classification:'", path, lineno);
            rc = -EINVAL;
            break;
        }
        s += strlen(prefix);
        char *c1 = strchr(s, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2) {
            snprintf(err, errlen, "%s:%u: expected name,description,priority", path, lineno);
            rc = -EINVAL;
            break;
        }
        *c1 = *c2 = '\0';
        char *name = trim(s), *desc = trim(c1 + 1), *prio = trim(c2 + 1);
        char *end;
        long p = strtol(prio, &end, 10);
        if (!*name || *end || p < 0 || p > 255) {
            snprintf(err, errlen, "%s:%u: invalid classification priority '%s'", path, lineno,
                     prio);
            rc = -EINVAL;
            break;
        }
        int idx = rule_set_classification_lookup(rs, name);
        if (idx < 0) {
            struct rule_classification *nc = realloc(rs->classes, (rs->nclasses + 1) * sizeof(*nc));
            if (!nc) {
                rc = -ENOMEM;
                break;
            }
            rs->classes = nc;
            idx = (int)rs->nclasses++;
            nc[idx].name = strdup(name);
            nc[idx].description = NULL;
        }
        free(rs->classes[idx].description);
        rs->classes[idx].description = strdup(desc);
        rs->classes[idx].priority = (int)p;
    }
    fclose(f);
    if (rc == 0)
        rs->have_classification = true;
    return rc;
}

int rule_set_load_reference_config(struct rule_set *rs, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        const char *prefix = "config reference:";
        if (strncasecmp(s, prefix, strlen(prefix)) != 0) {
            snprintf(err, errlen, "%s:%u: expected 'config reference:'", path, lineno);
            rc = -EINVAL;
            break;
        }
        s = trim(s + strlen(prefix));
        char *sp = s;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        if (!*sp) {
            snprintf(err, errlen, "%s:%u: expected 'type url'", path, lineno);
            rc = -EINVAL;
            break;
        }
        *sp = '\0';
        char *url = trim(sp + 1);
        struct rule_kv *nk = realloc(rs->ref_types, (rs->nref_types + 1) * sizeof(*nk));
        if (!nk) {
            rc = -ENOMEM;
            break;
        }
        rs->ref_types = nk;
        nk[rs->nref_types].key = strdup(s);
        nk[rs->nref_types].value = strdup(url);
        rs->nref_types++;
    }
    fclose(f);
    return rc;
}

static const char *addr_var_lookup(void *ctx, const char *name, bool is_port)
{
    return rule_set_get_var(ctx, name, is_port);
}

/* Parses "key value, key value" option lists of threshold.config lines. */
static int tcfg_parse_opts(char *s, struct rule_threshold_cfg *t, struct rule_set *rs, char *msg,
                           size_t msglen)
{
    char *save = NULL;
    bool have_count = false, have_seconds = false, have_track = false;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        char *sp = tok;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        char *val = "";
        if (*sp) {
            *sp = '\0';
            val = trim(sp + 1);
        }
        char *end;
        if (strcmp(tok, "gen_id") == 0) {
            t->gid = (uint32_t)strtoul(val, &end, 10);
            if (*end || !*val)
                goto bad;
        } else if (strcmp(tok, "sig_id") == 0) {
            t->sid = (uint32_t)strtoul(val, &end, 10);
            if (*end || !*val)
                goto bad;
        } else if (strcmp(tok, "type") == 0) {
            if (!strcmp(val, "limit"))
                t->t.type = RULE_THRESHOLD_LIMIT;
            else if (!strcmp(val, "threshold"))
                t->t.type = RULE_THRESHOLD_THRESHOLD;
            else if (!strcmp(val, "both"))
                t->t.type = RULE_THRESHOLD_BOTH;
            else
                goto bad;
        } else if (strcmp(tok, "track") == 0) {
            have_track = true;
            if (!strcmp(val, "by_src"))
                t->t.track = RULE_TRACK_BY_SRC;
            else if (!strcmp(val, "by_dst"))
                t->t.track = RULE_TRACK_BY_DST;
            else if (!strcmp(val, "by_rule"))
                t->t.track = RULE_TRACK_BY_RULE;
            else if (!strcmp(val, "by_both"))
                t->t.track = RULE_TRACK_BY_BOTH;
            else if (!strcmp(val, "by_flow"))
                t->t.track = RULE_TRACK_BY_FLOW;
            else
                goto bad;
        } else if (strcmp(tok, "count") == 0) {
            long v = strtol(val, &end, 10);
            if (*end || !*val || v < 0 || v > UINT32_MAX)
                goto bad;
            t->t.count = (uint32_t)v;
            have_count = true;
        } else if (strcmp(tok, "seconds") == 0) {
            long v = strtol(val, &end, 10);
            if (*end || !*val || v < 0 || v > UINT32_MAX)
                goto bad;
            t->t.seconds = (uint32_t)v;
            have_seconds = true;
        } else if (strcmp(tok, "timeout") == 0) {
            long v = strtol(val, &end, 10);
            if (*end || !*val || v < 0 || v > UINT32_MAX)
                goto bad;
            t->timeout = (uint32_t)v;
        } else if (strcmp(tok, "new_action") == 0) {
            if (!strcmp(val, "alert"))
                t->new_action = RULE_ACTION_ALERT;
            else if (!strcmp(val, "drop"))
                t->new_action = RULE_ACTION_DROP;
            else if (!strcmp(val, "pass"))
                t->new_action = RULE_ACTION_PASS;
            else if (!strcmp(val, "reject"))
                t->new_action = RULE_ACTION_REJECT;
            else
                goto bad;
        } else if (strcmp(tok, "ip") == 0) {
            char e[256];
            if (rule_addr_parse(val, addr_var_lookup, rs, &t->ip, e, sizeof(e)) != 0) {
                snprintf(msg, msglen, "ip: %s", e);
                return -EINVAL;
            }
            t->has_ip = true;
        } else {
            snprintf(msg, msglen, "unknown option '%s'", tok);
            return -EINVAL;
        }
        continue;
    bad:
        snprintf(msg, msglen, "invalid value '%s' for '%s'", val, tok);
        return -EINVAL;
    }
    if (t->type == RULE_TCFG_SUPPRESS) {
        if (t->has_ip && !have_track) {
            snprintf(msg, msglen, "suppress with ip needs track by_src, by_dst or by_either");
            return -EINVAL;
        }
    } else if (!have_count || !have_seconds || !have_track) {
        snprintf(msg, msglen, "track, count and seconds are required");
        return -EINVAL;
    }
    return 0;
}

int rule_set_add_threshold_cfg(struct rule_set *rs, const struct rule_threshold_cfg *t)
{
    struct rule_threshold_cfg *nt = realloc(rs->tcfg, (rs->ntcfg + 1) * sizeof(*nt));
    if (!nt)
        return -ENOMEM;
    rs->tcfg = nt;
    nt[rs->ntcfg++] = *t;
    return 0;
}

int rule_set_load_threshold_config(struct rule_set *rs, const char *path, FILE *report)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        if (report)
            fprintf(report, "%s: cannot open: %s\n", path, strerror(e));
        return -e;
    }
    char line[8192];
    unsigned lineno = 0;
    int bad = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        struct rule_threshold_cfg t = {0};
        t.gid = 1;
        char *rest;
        char msg[300] = "";
        if (strncmp(s, "suppress ", 9) == 0) {
            t.type = RULE_TCFG_SUPPRESS;
            rest = s + 9;
            /* by_either is only valid for suppress */
            char *be = strstr(rest, "by_either");
            if (be)
                memcpy(be, "by_both  ", 9);
        } else if (strncmp(s, "event_filter ", 13) == 0) {
            t.type = RULE_TCFG_EVENT_FILTER;
            rest = s + 13;
        } else if (strncmp(s, "threshold ", 10) == 0) {
            t.type = RULE_TCFG_EVENT_FILTER;
            rest = s + 10;
        } else if (strncmp(s, "rate_filter ", 12) == 0) {
            t.type = RULE_TCFG_RATE_FILTER;
            rest = s + 12;
        } else {
            snprintf(msg, sizeof(msg),
                     "unknown directive (expected suppress, event_filter, "
                     "threshold or rate_filter)");
            rest = NULL;
        }
        if (rest && tcfg_parse_opts(rest, &t, rs, msg, sizeof(msg)) == 0) {
            if (rule_set_add_threshold_cfg(rs, &t) == 0)
                continue;
            snprintf(msg, sizeof(msg), "out of memory");
        }
        free(t.ip.ranges);
        bad++;
        if (report)
            fprintf(report, "%s:%u: %s\n", path, lineno, msg);
    }
    fclose(f);
    return bad;
}

size_t rule_set_threshold_cfg_count(const struct rule_set *rs)
{
    return rs->ntcfg;
}

const struct rule_threshold_cfg *rule_set_threshold_cfg(const struct rule_set *rs, size_t i)
{
    return i < rs->ntcfg ? &rs->tcfg[i] : NULL;
}

/* ---- sid index ---- */

static int64_t sid_find(const struct rule_set *rs, uint64_t key)
{
    if (!rs->sid_slots)
        return -1;
    size_t mask = rs->sid_slots - 1;
    for (size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;; i = (i + 1) & mask) {
        if (rs->sid_keys[i] == 0)
            return -1;
        if (rs->sid_keys[i] == key + 1)
            return rs->sid_vals[i];
    }
}

static int sid_insert(struct rule_set *rs, uint64_t key, uint32_t val)
{
    if ((rs->sid_used + 1) * 2 > rs->sid_slots) {
        size_t ns = rs->sid_slots ? rs->sid_slots * 2 : 1024;
        uint64_t *nk = calloc(ns, sizeof(*nk));
        uint32_t *nv = calloc(ns, sizeof(*nv));
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return -ENOMEM;
        }
        for (size_t i = 0; i < rs->sid_slots; i++) {
            if (!rs->sid_keys[i])
                continue;
            size_t j = (size_t)(((rs->sid_keys[i] - 1) * 0x9E3779B97F4A7C15ull) >> 20) & (ns - 1);
            while (nk[j])
                j = (j + 1) & (ns - 1);
            nk[j] = rs->sid_keys[i];
            nv[j] = rs->sid_vals[i];
        }
        free(rs->sid_keys);
        free(rs->sid_vals);
        rs->sid_keys = nk;
        rs->sid_vals = nv;
        rs->sid_slots = ns;
    }
    size_t mask = rs->sid_slots - 1;
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (rs->sid_keys[i])
        i = (i + 1) & mask;
    rs->sid_keys[i] = key + 1;
    rs->sid_vals[i] = val;
    rs->sid_used++;
    return 0;
}

const struct rule *rule_set_find(const struct rule_set *rs, uint32_t gid, uint32_t sid)
{
    int64_t v = sid_find(rs, ((uint64_t)gid << 32) | sid);
    return v < 0 ? NULL : rs->rules[v];
}

/* ---- loading ---- */

static void count_reason(struct rule_set *rs, const char *reason)
{
    for (size_t i = 0; i < rs->nreasons; i++) {
        if (strcmp(rs->reasons[i].text, reason) == 0) {
            rs->reasons[i].count++;
            return;
        }
    }
    struct rule_reason *nr = realloc(rs->reasons, (rs->nreasons + 1) * sizeof(*nr));
    if (!nr)
        return;
    rs->reasons = nr;
    nr[rs->nreasons].text = strdup(reason);
    if (!nr[rs->nreasons].text)
        return;
    nr[rs->nreasons].count = 1;
    rs->nreasons++;
}

int rule_set_add_rule(struct rule_set *rs, const char *text, const char *file, uint32_t line,
                      struct rule_error *e)
{
    memset(e, 0, sizeof(*e));
    if (rs->finalized) {
        snprintf(e->reason, sizeof(e->reason), "rule set already finalized");
        snprintf(e->message, sizeof(e->message), "rule set already finalized");
        return -EINVAL;
    }
    int req = rule_requires_check(rs, text, e->message, sizeof(e->message));
    if (req != 0) {
        const char *p = strstr(text, "sid:");
        while (p && p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            p = strstr(p + 4, "sid:");
        if (p)
            e->sid = (uint32_t)strtoul(p + 4, NULL, 10);
        snprintf(e->keyword, sizeof(e->keyword), "requires");
        snprintf(e->reason, sizeof(e->reason), req > 0 ? "requirements not met" : "invalid requires");
        return req > 0 ? 1 : -EINVAL;
    }
    if (!rs->context_recorded)
        rule_reuse_record_context(rs);
    struct rule *r = rs->donor ? rule_reuse_find(rs, text) : NULL;
    if (!r)
        r = rule_parse(rs, text, e);
    if (!r)
        return -EINVAL;
    uint64_t key = ((uint64_t)r->gid << 32) | r->sid;
    if (sid_find(rs, key) >= 0) {
        e->sid = r->sid;
        snprintf(e->keyword, sizeof(e->keyword), "sid");
        snprintf(e->reason, sizeof(e->reason), "duplicate sid");
        snprintf(e->message, sizeof(e->message), "duplicate signature gid %u sid %u", r->gid,
                 r->sid);
        rule_free(r);
        return -EINVAL;
    }
    if (rs->nrules == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 1024;
        struct rule **nr = realloc(rs->rules, nc * sizeof(*nr));
        if (!nr) {
            rule_free(r);
            snprintf(e->reason, sizeof(e->reason), "out of memory");
            snprintf(e->message, sizeof(e->message), "out of memory");
            return -ENOMEM;
        }
        rs->rules = nr;
        rs->cap = nc;
    }
    if (sid_insert(rs, key, (uint32_t)rs->nrules) != 0) {
        rule_free(r);
        snprintf(e->reason, sizeof(e->reason), "out of memory");
        snprintf(e->message, sizeof(e->message), "out of memory");
        return -ENOMEM;
    }
    if (file) {
        uint32_t fid;
        if (name_table_intern(&rs->files, file, &fid) == 0)
            r->file = rs->files.names[fid];
    }
    r->line = line;
    r->id = (uint32_t)rs->nrules;
    rs->rules[rs->nrules++] = r;
    return 0;
}

static bool looks_like_rule(const char *s)
{
    static const char *const actions[] = {"alert",     "drop",       "pass",  "reject", "rejectsrc",
                                          "rejectdst", "rejectboth", "sdrop", "log"};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        size_t n = strlen(actions[i]);
        if (strncmp(s, actions[i], n) == 0 && (s[n] == ' ' || s[n] == '\t'))
            return true;
    }
    return false;
}

/* Returns false (with the offset of the bad byte) if s is not valid UTF-8
 * or holds control characters other than tab. */
static bool text_is_clean(const unsigned char *s, size_t len, size_t *bad)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t') {
                *bad = i;
                return false;
            }
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            *bad = i;
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80) {
                *bad = i;
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            *bad = i;
            return false;
        }
        i += n + 1;
    }
    return true;
}

static void report_failure(struct rule_set *rs, FILE *report, const char *name, uint32_t line,
                           const char *text, const struct rule_error *e)
{
    rs->stats.failed++;
    if (strncmp(e->reason, "unsupported", 11) == 0 || strncmp(e->reason, "invalid '", 9) == 0)
        rs->stats.unsupported++;
    count_reason(rs, e->reason[0] ? e->reason : "error");
    if (rs->on_failure)
        rs->on_failure(rs->on_failure_ctx, name, line, text, e);
    if (!report)
        return;
    fprintf(report, "%s:%u: ", name, line);
    if (e->sid)
        fprintf(report, "sid %u: ", e->sid);
    if (e->keyword[0])
        fprintf(report, "keyword '%s': ", e->keyword);
    fprintf(report, "%s\n", e->message);
}

/* Handles one logical line (continuations already joined). */
static void load_logical_line(struct rule_set *rs, char *text, size_t len, const char *name,
                              uint32_t line, FILE *report)
{
    char *s = text;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return;
    if (*s == '#') {
        s++;
        while (*s == ' ' || *s == '\t' || *s == '#')
            s++;
        if (looks_like_rule(s) && strchr(s, '(') && strstr(s, "sid:"))
            rs->stats.commented++;
        return;
    }
    struct rule_error e = {0};
    size_t bad;
    if (len > RULE_MAX_LEN) {
        snprintf(e.reason, sizeof(e.reason), "rule too long");
        snprintf(e.message, sizeof(e.message), "rule is %zu bytes long (limit %d)", len,
                 RULE_MAX_LEN);
        report_failure(rs, report, name, line, NULL, &e);
        return;
    }
    if (!text_is_clean((const unsigned char *)text, len, &bad)) {
        snprintf(e.reason, sizeof(e.reason), "invalid UTF-8 or control character");
        snprintf(e.message, sizeof(e.message),
                 "invalid UTF-8 or control character (byte 0x%02x at column %zu)",
                 (unsigned char)text[bad], bad + 1);
        report_failure(rs, report, name, line, NULL, &e);
        return;
    }
    rs->new_unknown_classtype = NULL;
    /* Snort 3's dialect (sticky buffers, option forms, header-less rules):
     * translated first (rule_snort3.c). */
    /* The buffer belongs to the rule set (freed with it): rule sets are
     * loaded on reload threads that come and go. */
    if (!rs->snort3_buf)
        rs->snort3_buf = malloc(RULE_MAX_LEN + 64);
    if (rs->snort3_buf && rule_snort3_translate(s, rs->snort3_buf, RULE_MAX_LEN + 64)) {
        s = rs->snort3_buf;
        rs->stats.snort3++;
    }
    int rc = rule_set_add_rule(rs, s, name, line, &e);
    if (rc == 0) {
        rs->stats.loaded++;
    } else if (rc == 1) {
        rs->stats.skipped++;
        log_info("%s:%u: sid %u: rule skipped: %s", name, line, e.sid, e.message);
    } else {
        report_failure(rs, report, name, line, s, &e);
    }
    if (rs->new_unknown_classtype && report)
        fprintf(report,
                "%s:%u: warning: unknown classtype '%s' (not in classification.config): rules "
                "using it load with priority 3 (said once per classtype)\n",
                name, line, rs->new_unknown_classtype);
    rs->new_unknown_classtype = NULL;
}

/* Joins physical lines into logical ones (backslash continuation) as bytes
 * arrive, so a file is read in small blocks: a 20 MB merged rules file
 * costs no 20 MB buffer. Logical lines are accumulated in a buffer capped at
 * RULE_MAX_LEN + 1: longer lines are only measured, so a 100 MB line costs
 * no memory either. */
struct line_joiner {
    struct rule_set *rs;
    const char *name;
    FILE *report;
    char *buf;
    size_t blen, logical_len, phys_len;
    uint32_t lineno, start_line;
    char last, prev; /* the physical line's last two bytes */
};

static void joiner_bytes(struct line_joiner *j, const char *p, size_t n)
{
    if (n == 0)
        return;
    if (j->phys_len == 0) {
        j->lineno++;
        if (j->logical_len == 0)
            j->start_line = j->lineno;
    }
    if (j->blen + n <= RULE_MAX_LEN) {
        memcpy(j->buf + j->blen, p, n);
        j->blen += n;
    } else {
        /* Keep what fits: the line is still judged by its start (a long
         * comment is a comment), then reported as too long. */
        if (j->blen < RULE_MAX_LEN)
            memcpy(j->buf + j->blen, p, RULE_MAX_LEN - j->blen);
        j->blen = RULE_MAX_LEN + 1; /* marks "too long" */
    }
    j->logical_len += n;
    j->phys_len += n;
    j->prev = n >= 2 ? p[n - 2] : j->last;
    j->last = p[n - 1];
}

static void joiner_drop_last(struct line_joiner *j)
{
    if (j->blen && j->blen <= RULE_MAX_LEN)
        j->blen--;
    j->logical_len--;
    j->phys_len--;
    j->last = j->prev;
    j->prev = 0;
}

static void joiner_flush(struct line_joiner *j)
{
    j->buf[j->blen > RULE_MAX_LEN ? RULE_MAX_LEN : j->blen] = '\0';
    load_logical_line(j->rs, j->buf, j->logical_len, j->name, j->start_line, j->report);
    j->blen = j->logical_len = 0;
}

/* The end of a physical line (a newline, or the end of the input). */
static void joiner_end_line(struct line_joiner *j)
{
    if (j->phys_len == 0) {
        j->lineno++;
        if (j->logical_len == 0)
            j->start_line = j->lineno;
    }
    if (j->phys_len && j->last == '\r')
        joiner_drop_last(j);
    bool cont = j->phys_len && j->last == '\\';
    if (cont)
        joiner_drop_last(j);
    j->phys_len = 0;
    j->last = j->prev = 0;
    if (!cont)
        joiner_flush(j);
}

static void joiner_feed(struct line_joiner *j, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        joiner_bytes(j, data + i, end - i);
        if (!nl)
            break;
        joiner_end_line(j);
        i = end + 1;
    }
}

static void joiner_finish(struct line_joiner *j)
{
    if (j->phys_len)
        joiner_end_line(j);
    if (j->logical_len || j->blen)
        joiner_flush(j);
}

int rule_set_load_buffer(struct rule_set *rs, const char *data, size_t len, const char *name,
                         FILE *report)
{
    struct line_joiner j = {.rs = rs, .name = name, .report = report};
    j.buf = malloc(RULE_MAX_LEN + 2);
    if (!j.buf)
        return -ENOMEM;
    joiner_feed(&j, data, len);
    joiner_finish(&j);
    free(j.buf);
    return 0;
}

int rule_set_load_file(struct rule_set *rs, const char *path, FILE *report)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (report)
            fprintf(report, "%s: cannot open: %s\n", path, strerror(e));
        return -e;
    }
    struct line_joiner j = {.rs = rs, .name = path, .report = report};
    size_t block = 1 << 16;
    j.buf = malloc(RULE_MAX_LEN + 2);
    char *data = malloc(block);
    if (!j.buf || !data) {
        free(j.buf);
        free(data);
        fclose(f);
        return -ENOMEM;
    }
    size_t n;
    detect_datasets_rule_file(path); /* dataset load paths are relative to it */
    while ((n = fread(data, 1, block, f)) > 0)
        joiner_feed(&j, data, n);
    int rerr = ferror(f);
    fclose(f);
    free(data);
    if (rerr) {
        detect_datasets_rule_file(NULL);
        free(j.buf);
        if (report)
            fprintf(report, "%s: read error\n", path);
        return -EIO;
    }
    detect_datasets_rule_file(NULL);
    joiner_finish(&j);
    free(j.buf);
    return 0;
}

/* ---- finalize ---- */

/* Suricata's pattern strength: distinct bytes weigh more, letters less
 * (case-insensitive matching makes them less selective), rare bytes most. */
static int pattern_strength(const uint8_t *p, uint16_t len)
{
    uint8_t seen[256] = {0};
    int s = 0;
    for (uint16_t i = 0; i < len; i++) {
        if (!seen[p[i]]) {
            seen[p[i]] = 1;
            if (isalpha(p[i]))
                s += 3;
            else if (isprint(p[i]) || p[i] == 0x00 || p[i] == 0x01 || p[i] == 0xff)
                s += 4;
            else
                s += 6;
        } else {
            s++;
        }
    }
    return s;
}

/* Lists whose contents can feed the prefilter of the raw buffer: no
 * transform, or only transforms for which the raw buffer still contains a
 * derivable pattern (case changes, dotprefix; subslice, domain and tld
 * output a part of their input). */
static bool list_prefilter_ok(const struct rule_buffer_match *bm)
{
    if (bm->buffer_id == DETECT_BUFFER_BASE64_DATA)
        return false;
    for (uint32_t t = 0; t < bm->ntransforms; t++) {
        uint8_t ty = bm->transforms[t].type;
        if (ty != DETECT_TRANSFORM_TO_LOWERCASE && ty != DETECT_TRANSFORM_TO_UPPERCASE &&
            ty != DETECT_TRANSFORM_DOTPREFIX && ty != DETECT_TRANSFORM_SUBSLICE &&
            ty != DETECT_TRANSFORM_DOMAIN && ty != DETECT_TRANSFORM_TLD)
            return false;
    }
    return true;
}

int rule_prefilter_pattern(const struct rule *r, const uint8_t **p, uint16_t *len, bool *nocase)
{
    if (r->fp_buffer < 0)
        return -1;
    const struct rule_buffer_match *bm = &r->buffers[r->fp_buffer];
    const struct detect_content *c = &bm->items[r->fp_item].u.content;
    if ((c->flags & DETECT_CONTENT_NEGATED) || !list_prefilter_ok(bm))
        return -1;
    const uint8_t *pp = c->pattern;
    uint16_t l = c->len;
    if (c->flags & DETECT_CONTENT_FP_CHOP) {
        pp += c->fp_chop_offset;
        l = c->fp_chop_len;
    }
    bool nc = c->flags & DETECT_CONTENT_NOCASE;
    for (uint32_t t = 0; t < bm->ntransforms; t++) {
        uint8_t ty = bm->transforms[t].type;
        if (ty == DETECT_TRANSFORM_TO_LOWERCASE || ty == DETECT_TRANSFORM_TO_UPPERCASE)
            nc = true;
        else if (ty == DETECT_TRANSFORM_DOTPREFIX && pp == c->pattern && l > 0 && pp[0] == '.') {
            /* the added '.' is not in the raw buffer; the rest of the match is */
            pp++;
            l--;
        }
    }
    if (l == 0)
        return -1;
    *p = pp;
    *len = l;
    *nocase = nc;
    return bm->buffer_id;
}

static void rule_choose_fast_pattern(struct rule *r)
{
    r->fp_buffer = r->fp_item = -1;
    /* An explicit fast_pattern wins (when its list can feed the prefilter). */
    for (uint32_t b = 0; b < r->nbuffers; b++) {
        if (!list_prefilter_ok(&r->buffers[b]))
            continue;
        for (uint32_t i = 0; i < r->buffers[b].nitems; i++) {
            const struct detect_item *it = &r->buffers[b].items[i];
            if (it->type == DETECT_ITEM_CONTENT &&
                (it->u.content.flags & DETECT_CONTENT_FAST_PATTERN)) {
                r->fp_buffer = (int32_t)b;
                r->fp_item = (int32_t)i;
                return;
            }
        }
    }
    int best_prio = -1, best_strength = -1, best_len = -1;
    for (uint32_t b = 0; b < r->nbuffers; b++) {
        const struct rule_buffer_match *bm = &r->buffers[b];
        if (!list_prefilter_ok(bm))
            continue;
        int prio = detect_buffer_get(bm->buffer_id)->priority;
        for (uint32_t i = 0; i < bm->nitems; i++) {
            const struct detect_item *it = &bm->items[i];
            if (it->type != DETECT_ITEM_CONTENT || (it->u.content.flags & DETECT_CONTENT_NEGATED))
                continue;
            int st = pattern_strength(it->u.content.pattern, it->u.content.len);
            if (prio > best_prio || (prio == best_prio && st > best_strength) ||
                (prio == best_prio && st == best_strength && it->u.content.len > best_len)) {
                best_prio = prio;
                best_strength = st;
                best_len = it->u.content.len;
                r->fp_buffer = (int32_t)b;
                r->fp_item = (int32_t)i;
            }
        }
    }
}

/* Flags that depend on the following item: whether a failure later in the
 * list may be fixed by trying the next occurrence of this item. */
static void rule_derive_item_flags(struct rule *r)
{
    for (uint32_t b = 0; b < r->nbuffers; b++) {
        struct rule_buffer_match *bm = &r->buffers[b];
        for (uint32_t i = 0; i + 1 < bm->nitems; i++) {
            struct detect_item *it = &bm->items[i];
            const struct detect_item *nx = &bm->items[i + 1];
            bool next_relative = false, next_within = false;
            switch (nx->type) {
            case DETECT_ITEM_CONTENT:
                next_relative =
                    nx->u.content.flags & (DETECT_CONTENT_DISTANCE | DETECT_CONTENT_WITHIN);
                next_within = nx->u.content.flags & DETECT_CONTENT_WITHIN;
                break;
            case DETECT_ITEM_PCRE:
                next_relative = nx->u.pcre.flags & DETECT_PCRE_RELATIVE;
                break;
            case DETECT_ITEM_BYTE_TEST:
            case DETECT_ITEM_BYTE_JUMP:
            case DETECT_ITEM_BYTE_EXTRACT:
            case DETECT_ITEM_BYTE_MATH:
                next_relative = nx->u.byte.flags & DETECT_BYTE_RELATIVE;
                break;
            case DETECT_ITEM_ISDATAAT:
                next_relative = nx->u.isdataat.flags & DETECT_ISDATAAT_RELATIVE;
                break;
            case DETECT_ITEM_BASE64_DECODE:
                next_relative = nx->u.base64.relative;
                break;
            default:
                break;
            }
            if (it->type == DETECT_ITEM_CONTENT) {
                if (next_relative)
                    it->u.content.flags |= DETECT_CONTENT_RELATIVE_NEXT;
                if (next_within)
                    it->u.content.flags |= DETECT_CONTENT_WITHIN_NEXT;
            } else if (it->type == DETECT_ITEM_PCRE && next_relative) {
                it->u.pcre.flags |= DETECT_PCRE_RELATIVE_NEXT;
            }
        }
    }
}

static int reason_cmp(const void *a, const void *b)
{
    const struct rule_reason *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

int rule_set_finalize(struct rule_set *rs)
{
    if (rs->finalized)
        return 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        if (rs->rules[i]->finalized)
            continue; /* shared with the set this one succeeds */
        rule_derive_item_flags(rs->rules[i]);
        rule_choose_fast_pattern(rs->rules[i]);
        rs->rules[i]->finalized = true;
    }
    rule_reuse_free(rs); /* the donor may go now */
    if (rs->nreasons)
        qsort(rs->reasons, rs->nreasons, sizeof(*rs->reasons), reason_cmp);
    rs->finalized = true;
    return 0;
}

const struct rule_load_stats *rule_set_stats(const struct rule_set *rs)
{
    return &rs->stats;
}

void rule_set_print_reasons(const struct rule_set *rs, FILE *out)
{
    if (rs->nreasons)
        qsort(rs->reasons, rs->nreasons, sizeof(*rs->reasons), reason_cmp);
    for (size_t i = 0; i < rs->nreasons; i++)
        fprintf(out, "%8u  %s\n", rs->reasons[i].count, rs->reasons[i].text);
}

size_t rule_set_reason_count(const struct rule_set *rs)
{
    return rs->nreasons;
}

const char *rule_set_reason(const struct rule_set *rs, size_t i, uint32_t *count)
{
    if (i >= rs->nreasons)
        return NULL;
    if (count)
        *count = rs->reasons[i].count;
    return rs->reasons[i].text;
}

size_t rule_set_count(const struct rule_set *rs)
{
    return rs->nrules;
}

const struct rule *rule_set_get(const struct rule_set *rs, size_t i)
{
    return i < rs->nrules ? rs->rules[i] : NULL;
}

void rule_set_on_failure(struct rule_set *rs, rule_failure_fn fn, void *ctx)
{
    rs->on_failure = fn;
    rs->on_failure_ctx = ctx;
}

uint32_t rule_set_var_count(const struct rule_set *rs, enum rule_var_kind kind)
{
    return rs->vars_by_kind[kind].count;
}

const char *rule_set_var_name(const struct rule_set *rs, enum rule_var_kind kind, uint32_t id)
{
    return id < rs->vars_by_kind[kind].count ? rs->vars_by_kind[kind].names[id] : NULL;
}

int64_t rule_set_var_lookup(const struct rule_set *rs, enum rule_var_kind kind, const char *name)
{
    return name_table_find(&rs->vars_by_kind[kind], name);
}
