/* SPDX-License-Identifier: Apache-2.0 */
/* EtherNet/IP and CIP keywords (rules/enip-keyword), on the request for
 * to-server inspection and the response for to-client:
 *   enip_command, enip.command   encapsulation command (number or name)
 *   enip.status                  encapsulation status (number or name)
 *   enip.protocol_version        RegisterSession; ListIdentity / ListServices answers
 *   cip_service: service[,class[,attribute]]   service of the first data item,
 *                                              or of a Multiple Service Packet's parts
 *   enip.cip_class / enip.cip_instance / enip.cip_attribute  request path values
 *                                (attribute: also Get/Set Attribute List)
 *   enip.cip_status, enip.cip_extendedstatus   response statuses
 *   enip.revision, enip.identity_status, enip.state, enip.serial, enip.product_code,
 *   enip.device_type, enip.vendor_id           ListIdentity answer
 *   enip.capabilities                          ListServices answer
 * (enip.product_name and enip.service_name are buffers.) */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_ics.h"
#include "detect/detect_buffer.h"
#include "detect/detect_tx_kw.h"
#include "detect/rule.h"

static const struct detect_uint_name enip_command_names[] = {
    {"nop", 0x00},          {"list_services", 0x04},      {"list_identity", 0x63},
    {"list_interfaces", 0x64}, {"register_session", 0x65}, {"unregister_session", 0x66},
    {"send_r_r_data", 0x6f}, {"send_unit_data", 0x70},    {"indicate_status", 0x72},
    {"cancel", 0x73},       {NULL, 0}};
static const struct detect_uint_name enip_status_names[] = {
    {"success", 0x00},        {"invalid_cmd", 0x01},          {"no_resources", 0x02},
    {"incorrect_data", 0x03}, {"invalid_session", 0x64},      {"invalid_length", 0x65},
    {"unsupported_prot_rev", 0x69}, {"encap_header_error", 0x6a}, {NULL, 0}};

static const struct detect_uint_spec spec_command = {
    .max = 0xffff, .names = enip_command_names, .names_kind = DETECT_UINT_NAMES_ENUM,
    .names_nocase = true};
static const struct detect_uint_spec spec_status = {
    .max = 0xffffffff, .names = enip_status_names, .names_kind = DETECT_UINT_NAMES_ENUM,
    .names_nocase = true};
static const struct detect_uint_spec spec_u8 = {.max = 0xff};
static const struct detect_uint_spec spec_u16 = {.max = 0xffff};
static const struct detect_uint_spec spec_u32 = {.max = 0xffffffff};

static const struct enip_pdu *side(const struct app_tx *tx, uint8_t dir)
{
    return dir == 0 ? enip_tx_request(tx) : enip_tx_response(tx);
}

static uint32_t one(uint64_t *v, uint32_t max, uint64_t x)
{
    if (max)
        v[0] = x;
    return 1;
}

static uint32_t get_command(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    const struct enip_pdu *p = side(tx, dir);
    return p ? one(v, max, p->command) : 0;
}

static uint32_t get_status(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    const struct enip_pdu *p = side(tx, dir);
    return p ? one(v, max, p->status) : 0;
}

static uint32_t get_protocol_version(const struct app_tx *tx, uint8_t dir, uint64_t *v,
                                     uint32_t max)
{
    const struct enip_pdu *p = side(tx, dir);
    if (!p)
        return 0;
    if (p->payload == ENIP_PAYLOAD_REGISTER_SESSION)
        return one(v, max, p->rs_protocol_version);
    if (dir == 1 && p->payload == ENIP_PAYLOAD_LIST_SERVICES && p->has_service_item)
        return one(v, max, p->service_item.protocol_version);
    if (dir == 1 && p->payload == ENIP_PAYLOAD_LIST_IDENTITY && p->has_identity)
        return one(v, max, p->identity.protocol_version);
    return 0;
}

/* Values of the request path segments of one kind (type >> 2), of every
 * service of the first data item (Multiple Service Packet parts included);
 * attributes also from Get/Set Attribute List. */
static uint32_t get_segments(const struct app_tx *tx, uint8_t kind, bool attributes,
                             uint64_t *v, uint32_t max)
{
    const struct enip_pdu *p = enip_tx_request(tx);
    if (!p)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->nservices; i++) {
        const struct enip_cip_service *s = &p->services[i];
        if (s->is_response)
            continue;
        for (uint32_t k = 0; k < s->npath; k++) {
            if (s->path[k].type >> 2 != kind)
                continue;
            if (n < max)
                v[n] = s->path[k].value;
            n++;
        }
        if (attributes)
            for (uint32_t k = 0; k < s->nattributes; k++) {
                if (n < max)
                    v[n] = s->attributes[k];
                n++;
            }
    }
    return n;
}

static uint32_t get_class(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    return get_segments(tx, 8, false, v, max);
}

static uint32_t get_instance(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    return get_segments(tx, 9, false, v, max);
}

static uint32_t get_attribute(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    return get_segments(tx, 12, true, v, max);
}

static uint32_t get_cip_status(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    const struct enip_pdu *p = enip_tx_response(tx);
    uint32_t n = 0;
    for (uint32_t i = 0; p && i < p->nservices; i++) {
        if (!p->services[i].is_response)
            continue;
        if (n < max)
            v[n] = p->services[i].status;
        n++;
    }
    return n;
}

static uint32_t get_cip_ext_status(const struct app_tx *tx, uint8_t dir, uint64_t *v,
                                   uint32_t max)
{
    (void)dir;
    const struct enip_pdu *p = enip_tx_response(tx);
    uint32_t n = 0;
    for (uint32_t i = 0; p && i < p->nservices; i++) {
        const struct enip_cip_service *s = &p->services[i];
        if (!s->is_response || s->status_extended_len != 2)
            continue;
        if (n < max)
            v[n] = (uint64_t)(s->status_extended[0] | s->status_extended[1] << 8);
        n++;
    }
    return n;
}

#define IDENTITY_GETTER(fn, expr)                                                                  \
    static uint32_t fn(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)          \
    {                                                                                              \
        (void)dir;                                                                                 \
        const struct enip_pdu *p = enip_tx_response(tx);                                          \
        if (!p || !p->has_identity)                                                                \
            return 0;                                                                              \
        const struct enip_identity *id = &p->identity;                                             \
        return one(v, max, (expr));                                                                \
    }
IDENTITY_GETTER(get_revision, (uint64_t)id->revision_major << 8 | id->revision_minor)
IDENTITY_GETTER(get_identity_status, id->status)
IDENTITY_GETTER(get_state, id->state)
IDENTITY_GETTER(get_serial, id->serial)
IDENTITY_GETTER(get_product_code, id->product_code)
IDENTITY_GETTER(get_device_type, id->device_type)
IDENTITY_GETTER(get_vendor_id, id->vendor_id)

static uint32_t get_capabilities(const struct app_tx *tx, uint8_t dir, uint64_t *v, uint32_t max)
{
    (void)dir;
    const struct enip_pdu *p = enip_tx_response(tx);
    if (!p || !p->has_service_item)
        return 0;
    return one(v, max, p->service_item.capabilities);
}

/* cip_service: service[,class[,[!]attribute]] (a negated attribute is
 * ignored, as in Suricata). */
struct cip_sig {
    uint8_t service;
    bool has_class, has_attribute;
    uint32_t class_id, attribute;
};

static int parse_num(const char **s, uint64_t max, uint64_t *out)
{
    const char *p = *s;
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (v > max)
        return -EINVAL;
    *out = v;
    *s = end;
    return 0;
}

static int cip_service_parse(const char *value, void **data, char *err, size_t errlen)
{
    struct cip_sig sig = {0};
    const char *s = value;
    uint64_t v;
    if (parse_num(&s, 0x7f, &v)) {
        snprintf(err, errlen, "expected a CIP service below 128, not '%.40s'", value);
        return -EINVAL;
    }
    sig.service = (uint8_t)v;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == ',') {
        s++;
        if (parse_num(&s, UINT32_MAX, &v)) {
            snprintf(err, errlen, "invalid class in '%.40s'", value);
            return -EINVAL;
        }
        sig.has_class = true;
        sig.class_id = (uint32_t)v;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == ',') {
            s++;
            while (isspace((unsigned char)*s))
                s++;
            bool neg = *s == '!';
            if (neg)
                s++;
            if (parse_num(&s, UINT32_MAX, &v)) {
                snprintf(err, errlen, "invalid attribute in '%.40s'", value);
                return -EINVAL;
            }
            if (!neg) {
                sig.has_attribute = true;
                sig.attribute = (uint32_t)v;
            }
        }
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s) {
        snprintf(err, errlen, "unexpected '%.20s' in cip_service", s);
        return -EINVAL;
    }
    struct cip_sig *d = malloc(sizeof(*d));
    if (!d)
        return -ENOMEM;
    *d = sig;
    *data = d;
    return 0;
}

static bool cip_has_segment(const struct enip_cip_service *s, uint8_t kind, uint32_t v)
{
    for (uint32_t k = 0; k < s->npath; k++)
        if (s->path[k].type >> 2 == kind && s->path[k].value == v)
            return true;
    return false;
}

static bool cip_service_match_one(const struct enip_pdu *p, uint32_t i, const struct cip_sig *sig)
{
    const struct enip_cip_service *s = &p->services[i];
    if (s->service == sig->service) {
        if (!sig->has_class)
            return true;
        if (s->is_response || !cip_has_segment(s, 8, sig->class_id))
            return false;
        if (!sig->has_attribute)
            return true;
        if (cip_has_segment(s, 12, sig->attribute))
            return true;
        for (uint32_t k = 0; k < s->nattributes; k++)
            if (s->attributes[k] == sig->attribute)
                return true;
        return false;
    }
    if (s->payload == ENIP_CIP_MULTIPLE)
        for (uint32_t c = 0; c < s->nchildren; c++)
            if (cip_service_match_one(p, s->first_child + c, sig))
                return true;
    return false;
}

static bool cip_service_match(const struct app_tx *tx, uint8_t dir, const void *data)
{
    const struct enip_pdu *p = side(tx, dir);
    return p && p->nservices && cip_service_match_one(p, 0, data);
}

#define TS DETECT_BUFFER_DIR_TOSERVER
#define TC DETECT_BUFFER_DIR_TOCLIENT
#define BOTH DETECT_BUFFER_DIR_BOTH
#define ENIP_UINT(n, d, sp, g, m)                                                                  \
    {.name = (n), .app_proto = RULE_APP_ENIP, .dir = (d), .spec = (sp), .get = (g), .multi = (m)}

const struct detect_tx_kw detect_tx_kw_enip[] = {
    ENIP_UINT("enip_command", BOTH, &spec_command, get_command, false),
    ENIP_UINT("enip.command", BOTH, &spec_command, get_command, false),
    ENIP_UINT("enip.status", BOTH, &spec_status, get_status, false),
    ENIP_UINT("enip.protocol_version", BOTH, &spec_u16, get_protocol_version, false),
    ENIP_UINT("enip.cip_attribute", TS, &spec_u32, get_attribute, true),
    ENIP_UINT("enip.cip_instance", TS, &spec_u32, get_instance, true),
    ENIP_UINT("enip.cip_class", TS, &spec_u32, get_class, true),
    ENIP_UINT("enip.cip_status", TC, &spec_u8, get_cip_status, true),
    ENIP_UINT("enip.cip_extendedstatus", TC, &spec_u16, get_cip_ext_status, true),
    ENIP_UINT("enip.revision", TC, &spec_u16, get_revision, false),
    ENIP_UINT("enip.identity_status", TC, &spec_u16, get_identity_status, false),
    ENIP_UINT("enip.state", TC, &spec_u8, get_state, false),
    ENIP_UINT("enip.serial", TC, &spec_u32, get_serial, false),
    ENIP_UINT("enip.product_code", TC, &spec_u16, get_product_code, false),
    ENIP_UINT("enip.device_type", TC, &spec_u16, get_device_type, false),
    ENIP_UINT("enip.vendor_id", TC, &spec_u16, get_vendor_id, false),
    ENIP_UINT("enip.capabilities", TC, &spec_u16, get_capabilities, false),
    {.name = "cip_service", .app_proto = RULE_APP_ENIP, .dir = BOTH, .parse = cip_service_parse,
     .match = cip_service_match},
    {0},
};
