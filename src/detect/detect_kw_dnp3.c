/* SPDX-License-Identifier: Apache-2.0 */
/* DNP3 keywords (rules/dnp3-keywords), on the message of a transaction (a
 * request is inspected to the server, a response to the client):
 *   dnp3_func, dnp3.func   application function code, a number or a name
 *                          (Suricata's integer syntax)
 *   dnp3_ind: a[,b...]     responses with any of the named internal
 *                          indications set
 *   dnp3.ind               the 16-bit internal indications (IIN1 high) with
 *                          the same names as flags (a,!b), or integer syntax
 *   dnp3_obj: group,var    a message holding an object of that group and
 *                          variation
 * (dnp3_data is a buffer.) */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_ics.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule.h"

static const struct detect_uint_name dnp3_func_names[] = {
    {"confirm", 0},           {"read", 1},
    {"write", 2},             {"select", 3},
    {"operate", 4},           {"direct_operate", 5},
    {"direct_operate_nr", 6}, {"immed_freeze", 7},
    {"immed_freeze_nr", 8},   {"freeze_clear", 9},
    {"freeze_clear_nr", 10},  {"freeze_at_time", 11},
    {"freeze_at_time_nr", 12}, {"cold_restart", 13},
    {"warm_restart", 14},     {"initialize_data", 15},
    {"initialize_appl", 16},  {"start_appl", 17},
    {"stop_appl", 18},        {"save_config", 19},
    {"enable_unsolicited", 20}, {"disable_unsolicited", 21},
    {"assign_class", 22},     {"delay_measure", 23},
    {"record_current_time", 24}, {"open_file", 25},
    {"close_file", 26},       {"delete_file", 27},
    {"get_file_info", 28},    {"authenticate_file", 29},
    {"abort_file", 30},       {"activate_config", 31},
    {"authenticate_req", 32}, {"authenticate_err", 33},
    {"response", 129},        {"unsolicited_response", 130},
    {"authenticate_resp", 131}, {NULL, 0}};

static const struct detect_uint_name dnp3_ind_names[] = {
    {"all_stations", DNP3_IIN_ALL_STATIONS},
    {"class_1_events", DNP3_IIN_CLASS_1_EVENTS},
    {"class_2_events", DNP3_IIN_CLASS_2_EVENTS},
    {"class_3_events", DNP3_IIN_CLASS_3_EVENTS},
    {"need_time", DNP3_IIN_NEED_TIME},
    {"local_control", DNP3_IIN_LOCAL_CONTROL},
    {"device_trouble", DNP3_IIN_DEVICE_TROUBLE},
    {"device_restart", DNP3_IIN_DEVICE_RESTART},
    {"no_func_code_support", DNP3_IIN_NO_FUNC_CODE_SUPPORT},
    {"object_unknown", DNP3_IIN_OBJECT_UNKNOWN},
    {"parameter_error", DNP3_IIN_PARAMETER_ERROR},
    {"event_buffer_overflow", DNP3_IIN_EVENT_BUFFER_OVERFLOW},
    {"already_executing", DNP3_IIN_ALREADY_EXECUTING},
    {"config_corrupt", DNP3_IIN_CONFIG_CORRUPT},
    {"reserved_2", DNP3_IIN_RESERVED_2},
    {"reserved_1", DNP3_IIN_RESERVED_1},
    {NULL, 0}};

static const struct detect_uint_spec spec_func = {
    .max = 0xff, .names = dnp3_func_names, .names_kind = DETECT_UINT_NAMES_ENUM,
    .names_nocase = true};
static const struct detect_uint_spec spec_ind = {
    .max = 0xffff, .names = dnp3_ind_names, .names_kind = DETECT_UINT_NAMES_FLAGS};

/* The message if it is of the inspected direction. */
static const struct dnp3_message *msg(const struct app_tx *tx, uint8_t dir)
{
    const struct dnp3_message *m = dnp3_tx_message(tx);
    if (!m || m->request != (dir == 0))
        return NULL;
    return m;
}

static uint32_t get_func(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    const struct dnp3_message *m = msg(tx, dir);
    if (!m)
        return 0;
    if (max)
        v[0] = m->function_code;
    return 1;
}

static uint32_t get_ind(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    const struct dnp3_message *m = msg(tx, dir);
    if (!m || m->request)
        return 0;
    if (max)
        v[0] = m->iin;
    return 1;
}

/* dnp3_ind: a comma-separated list of names, any of which set matches. */
static int ind_parse(const char *value, void **data, char *err, size_t errlen)
{
    uint16_t mask = 0;
    const char *s = value;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        size_t n = (size_t)(t - s);
        const struct detect_uint_name *nm = dnp3_ind_names;
        for (; nm->name; nm++)
            if (strlen(nm->name) == n && strncmp(nm->name, s, n) == 0)
                break;
        if (!n || !nm->name) {
            snprintf(err, errlen, "unknown dnp3_ind flag '%.*s'", (int)(n > 40 ? 40 : n), s);
            return -EINVAL;
        }
        mask |= (uint16_t)nm->value;
        if (!*e)
            break;
        s = e + 1;
    }
    uint16_t *d = malloc(sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -EINVAL;
    }
    *d = mask;
    *data = d;
    return 0;
}

static bool ind_match(const struct app_tx *tx, uint8_t dir, const void *data)
{
    const struct dnp3_message *m = msg(tx, dir);
    return m && !m->request && (m->iin & *(const uint16_t *)data) != 0;
}

struct dnp3_obj_sig {
    uint8_t group, variation;
};

static bool parse_u8(const char *s, size_t n, uint8_t *out)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n || n > 3)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 255)
        return false;
    *out = (uint8_t)v;
    return true;
}

/* dnp3_obj: group,variation (decimal). */
static int obj_parse(const char *value, void **data, char *err, size_t errlen)
{
    const char *comma = strchr(value, ',');
    struct dnp3_obj_sig sig;
    if (!comma || !parse_u8(value, (size_t)(comma - value), &sig.group) ||
        !parse_u8(comma + 1, strlen(comma + 1), &sig.variation)) {
        snprintf(err, errlen, "dnp3_obj takes <group>,<variation>, not '%.40s'", value);
        return -EINVAL;
    }
    struct dnp3_obj_sig *d = malloc(sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -EINVAL;
    }
    *d = sig;
    *data = d;
    return 0;
}

static bool obj_match(const struct app_tx *tx, uint8_t dir, const void *data)
{
    const struct dnp3_message *m = msg(tx, dir);
    const struct dnp3_obj_sig *sig = data;
    if (!m)
        return false;
    for (uint32_t i = 0; i < m->nobjects; i++)
        if (m->objects[i].group == sig->group && m->objects[i].variation == sig->variation)
            return true;
    return false;
}

#define BOTH DETECT_BUFFER_DIR_BOTH
#define TC DETECT_BUFFER_DIR_TOCLIENT

const struct detect_tx_kw detect_tx_kw_dnp3[] = {
    {.name = "dnp3_func", .app_proto = RULE_APP_DNP3, .dir = BOTH, .spec = &spec_func,
     .get = get_func},
    {.name = "dnp3.func", .app_proto = RULE_APP_DNP3, .dir = BOTH, .spec = &spec_func,
     .get = get_func},
    {.name = "dnp3.ind", .app_proto = RULE_APP_DNP3, .dir = TC, .spec = &spec_ind,
     .get = get_ind},
    {.name = "dnp3_ind", .app_proto = RULE_APP_DNP3, .dir = TC, .parse = ind_parse,
     .match = ind_match, .free_data = free},
    {.name = "dnp3_obj", .app_proto = RULE_APP_DNP3, .dir = BOTH, .parse = obj_parse,
     .match = obj_match, .free_data = free},
    {0},
};
