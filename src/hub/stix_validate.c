/* SPDX-License-Identifier: Apache-2.0 */
/* STIX 2.1 object validation (STIX 2.1 specification, OASIS Standard).
 *
 * Table-driven: every known type has a list of property rules (name, value
 * kind, required, allowed reference types, numeric range) and, where the
 * specification has a constraint across properties, a small check function.
 * Properties not in the tables are custom properties: only their names are
 * checked. Open vocabularies are not checked (they are open); closed
 * enumerations are. Messages always read
 *   "<id or type>: property '<name>': <reason>". */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hub/stix_validate.h"
#include "intel/stix_pattern.h"

/* ------------------------------------------------------------------------ */
/* TLP markings                                                             */
/* ------------------------------------------------------------------------ */

#define TLP2_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

struct tlp_marking {
    const char *id;
    const char *name;
    int version;
};

static const struct tlp_marking tlp_markings[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "clear", 1}, /* WHITE */
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green", 1},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber", 1},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red", 1},
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear", 2},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green", 2},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber", 2},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict", 2},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red", 2},
};

const char *stix_tlp_marking_normalize(const char *marking_definition_id)
{
    if (!marking_definition_id)
        return NULL;
    for (size_t i = 0; i < sizeof(tlp_markings) / sizeof(tlp_markings[0]); i++)
        if (strcasecmp(marking_definition_id, tlp_markings[i].id) == 0)
            return tlp_markings[i].name;
    return NULL;
}

const char *stix_tlp2_marking_id(const char *tlp_name)
{
    if (!tlp_name)
        return NULL;
    if (strncasecmp(tlp_name, "TLP:", 4) == 0)
        tlp_name += 4;
    if (strcasecmp(tlp_name, "white") == 0)
        tlp_name = "clear";
    for (size_t i = 0; i < sizeof(tlp_markings) / sizeof(tlp_markings[0]); i++)
        if (tlp_markings[i].version == 2 && strcasecmp(tlp_name, tlp_markings[i].name) == 0)
            return tlp_markings[i].id;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Primitive checks                                                         */
/* ------------------------------------------------------------------------ */

bool stix_timestamp_is_valid(const char *s)
{
    return s && stix_timestamp_parse(s, strlen(s), NULL, NULL) == 0;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool uuid_is_valid(const char *u)
{
    /* 8-4-4-4-12 hex digits with the RFC 4122 variant (10xx). */
    if (strlen(u) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-')
                return false;
        } else if (!is_hex(u[i])) {
            return false;
        }
    }
    /* Like python-stix2, the version nibble is not checked (producers in
     * the wild use v1, v4, v5 and others); the variant is. */
    char v = u[19];
    return v == '8' || v == '9' || v == 'a' || v == 'b' || v == 'A' || v == 'B';
}

/* Type names: a-z, 0-9, '-', 3..250 characters, no "--" (it separates the
 * type from the UUID in identifiers), no leading or trailing '-'. */
static bool type_name_is_valid(const char *t, size_t len)
{
    if (len < 3 || len > 250 || t[0] == '-' || t[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        if (c == '-' && i + 1 < len && t[i + 1] == '-')
            return false;
    }
    return true;
}

bool stix_identifier_is_valid(const char *s, const char *type)
{
    if (!s)
        return false;
    const char *sep = strstr(s, "--");
    if (!sep)
        return false;
    size_t tlen = (size_t)(sep - s);
    if (!type_name_is_valid(s, tlen))
        return false;
    if (type && (strlen(type) != tlen || memcmp(s, type, tlen) != 0))
        return false;
    return uuid_is_valid(sep + 2);
}

/* ------------------------------------------------------------------------ */
/* Type classes                                                             */
/* ------------------------------------------------------------------------ */

enum stix_class { CLASS_SDO, CLASS_SRO, CLASS_SCO, CLASS_META, CLASS_CUSTOM };

static const char *const sdo_types[] = {
    "attack-pattern", "campaign",      "course-of-action", "grouping",
    "identity",       "incident",      "indicator",        "infrastructure",
    "intrusion-set",  "location",      "malware",          "malware-analysis",
    "note",           "observed-data", "opinion",          "report",
    "threat-actor",   "tool",          "vulnerability",
};

static const char *const sco_types[] = {
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof((list)[0]))

static bool type_is_sdo(const char *t)
{
    return IN_LIST(t, sdo_types);
}

static bool type_is_sco(const char *t)
{
    return IN_LIST(t, sco_types);
}

static bool type_is_custom(const char *t)
{
    return strncmp(t, "x-", 2) == 0;
}

/* ------------------------------------------------------------------------ */
/* Property rules                                                           */
/* ------------------------------------------------------------------------ */

enum prop_kind {
    PK_STRING,
    PK_STRING_NONEMPTY,
    PK_TIMESTAMP,
    PK_BOOL,
    PK_INT,
    PK_NUMBER,
    PK_STRING_LIST,
    PK_REF,
    PK_REF_LIST,
    PK_DICT,
    PK_HASHES,
    PK_KILL_CHAIN,
    PK_EXTERNAL_REFS,
    PK_GRANULAR,
    PK_EXTENSIONS,
    PK_OBJECT_LIST,
    PK_BINARY,
    PK_HEX,
};

#define REQ 1

/* Reference constraints: a space-separated list of types, or one of the
 * classes below; NULL means any identifier. */
#define REF_SDO "@sdo"         /* any SDO, or custom object */
#define REF_SDO_SCO "@sdo-sco" /* SDO, SCO or custom: not SRO nor meta */
#define REF_SCO "@sco"

struct prop_rule {
    const char *name;
    enum prop_kind kind;
    int flags;
    const char *refs;
    double min, max; /* PK_INT / PK_NUMBER when min < max */
};

struct validator {
    const json_t *obj;
    char label[128];
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct validator *v, const char *prop,
                                                      const char *fmt, ...)
{
    if (!v->err || v->errlen == 0)
        return -EINVAL;
    int n;
    if (prop)
        n = snprintf(v->err, v->errlen, "%s: property '%.64s': ", v->label, prop);
    else
        n = snprintf(v->err, v->errlen, "%s: ", v->label);
    if (n >= 0 && (size_t)n < v->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static bool ref_type_allowed(const char *id, const char *refs)
{
    if (!refs)
        return true;
    const char *sep = strstr(id, "--");
    size_t tlen = (size_t)(sep - id);
    char type[256];
    if (tlen >= sizeof(type))
        return false;
    memcpy(type, id, tlen);
    type[tlen] = '\0';
    if (strcmp(refs, REF_SDO) == 0)
        return type_is_sdo(type) || type_is_custom(type);
    if (strcmp(refs, REF_SCO) == 0)
        return type_is_sco(type) || type_is_custom(type);
    if (strcmp(refs, REF_SDO_SCO) == 0)
        return type_is_sdo(type) || type_is_sco(type) || type_is_custom(type) ||
               (strcmp(type, "relationship") != 0 && strcmp(type, "sighting") != 0 &&
                strcmp(type, "marking-definition") != 0 && strcmp(type, "language-content") != 0 &&
                strcmp(type, "extension-definition") != 0 && strcmp(type, "bundle") != 0);
    const char *r = refs;
    while (*r) {
        size_t n = strcspn(r, " ");
        if (n == tlen && memcmp(r, type, n) == 0)
            return true;
        r += n;
        while (*r == ' ')
            r++;
    }
    return false;
}

static int check_ref(struct validator *v, const char *prop, const json_t *val, const char *refs)
{
    if (!json_is_string(val))
        return fail(v, prop, "not a string identifier");
    const char *s = json_string_value(val);
    if (!stix_identifier_is_valid(s, NULL))
        return fail(v, prop, "'%.80s' is not a STIX identifier (type--UUID)", s);
    if (!ref_type_allowed(s, refs)) {
        const char *what = refs;
        if (strcmp(refs, REF_SDO) == 0)
            what = "a STIX Domain Object";
        else if (strcmp(refs, REF_SCO) == 0)
            what = "a STIX Cyber-observable Object";
        else if (strcmp(refs, REF_SDO_SCO) == 0)
            what = "an SDO or SCO";
        return fail(v, prop, "'%.80s' must reference %s", s, what);
    }
    return 0;
}

static bool property_name_is_valid(const char *k)
{
    size_t n = strlen(k);
    if (n < 3 || n > 250)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int check_dict(struct validator *v, const char *prop, const json_t *val)
{
    if (!json_is_object(val))
        return fail(v, prop, "not a dictionary");
    if (json_object_size(val) == 0)
        return fail(v, prop, "empty dictionary");
    const char *k;
    const json_t *item;
    json_object_foreach((json_t *)val, k, item)
    {
        if (strlen(k) > 250)
            return fail(v, prop, "dictionary key longer than 250 characters");
    }
    return 0;
}

static int check_hashes(struct validator *v, const char *prop, const json_t *val)
{
    int rc = check_dict(v, prop, val);
    if (rc)
        return rc;
    const char *k;
    const json_t *h;
    json_object_foreach((json_t *)val, k, h)
    {
        if (!json_is_string(h) || json_string_length(h) == 0)
            return fail(v, prop, "hash '%.40s' is not a non-empty string", k);
        /* Hash values of the algorithms the specification names must be hex
         * of the right length; other algorithms are open. */
        static const struct {
            const char *name;
            size_t len;
        } algs[] = {{"MD5", 32},      {"SHA-1", 40},    {"SHA-256", 64},
                    {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128}};
        for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
            if (strcasecmp(k, algs[i].name) != 0)
                continue;
            const char *s = json_string_value(h);
            bool ok = strlen(s) == algs[i].len;
            for (size_t j = 0; ok && s[j]; j++)
                ok = is_hex(s[j]);
            if (!ok)
                return fail(v, prop, "'%s' value is not %zu hex digits", algs[i].name, algs[i].len);
        }
    }
    return 0;
}

static bool base64_is_valid(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/'))
            return false;
    }
    return pad <= 2;
}

/* A granular-marking selector ("description", "external_references.[0].url")
 * must name a property present in the object (STIX 2.1 section 7.2.3.1). */
static bool selector_resolves(const json_t *obj, const char *sel)
{
    const json_t *node = obj;
    const char *c = sel;
    for (;;) {
        size_t n = strcspn(c, ".");
        if (n == 0 || n > 250)
            return false;
        if (c[0] == '[') {
            if (n < 3 || c[n - 1] != ']' || !json_is_array(node))
                return false;
            size_t idx = 0;
            for (size_t i = 1; i + 1 < n; i++) {
                if (c[i] < '0' || c[i] > '9' || idx > 100000000)
                    return false;
                idx = idx * 10 + (size_t)(c[i] - '0');
            }
            node = json_array_get(node, idx);
        } else {
            char key[256];
            memcpy(key, c, n);
            key[n] = '\0';
            node = json_is_object(node) ? json_object_get(node, key) : NULL;
        }
        if (!node)
            return false;
        if (c[n] == '\0')
            return true;
        c += n + 1;
    }
}

static int check_granular(struct validator *v, const char *prop, const json_t *val)
{
    if (!json_is_array(val) || json_array_size(val) == 0)
        return fail(v, prop, "not a non-empty list");
    size_t i;
    const json_t *gm;
    json_array_foreach(val, i, gm)
    {
        if (!json_is_object(gm))
            return fail(v, prop, "item %zu is not an object", i);
        const json_t *sel = json_object_get(gm, "selectors");
        if (!json_is_array(sel) || json_array_size(sel) == 0)
            return fail(v, prop, "item %zu: 'selectors' must be a non-empty list", i);
        size_t j;
        const json_t *s;
        json_array_foreach(sel, j, s)
        {
            if (!json_is_string(s) || json_string_length(s) == 0)
                return fail(v, prop, "item %zu: selector %zu is not a non-empty string", i, j);
            if (!selector_resolves(v->obj, json_string_value(s)))
                return fail(v, prop,
                            "item %zu: selector '%.80s' does not name a property of "
                            "this object",
                            i, json_string_value(s));
        }
        const json_t *mref = json_object_get(gm, "marking_ref");
        const json_t *lang = json_object_get(gm, "lang");
        if (!!mref == !!lang)
            return fail(v, prop, "item %zu: exactly one of 'marking_ref' and 'lang' is required",
                        i);
        if (mref) {
            int rc = check_ref(v, prop, mref, "marking-definition");
            if (rc)
                return rc;
        }
        if (lang && !json_is_string(lang))
            return fail(v, prop, "item %zu: 'lang' is not a string", i);
    }
    return 0;
}

static int check_extensions(struct validator *v, const char *prop, const json_t *val)
{
    static const char *const ext_types[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                            "toplevel-property-extension"};
    int rc = check_dict(v, prop, val);
    if (rc)
        return rc;
    const char *k;
    const json_t *ext;
    json_object_foreach((json_t *)val, k, ext)
    {
        if (!json_is_object(ext))
            return fail(v, prop, "extension '%.80s' is not an object", k);
        if (strncmp(k, "extension-definition--", 22) == 0) {
            if (!stix_identifier_is_valid(k, "extension-definition"))
                return fail(v, prop, "key '%.80s' is not an extension-definition identifier", k);
            const json_t *et = json_object_get(ext, "extension_type");
            if (et && (!json_is_string(et) || !IN_LIST(json_string_value(et), ext_types)))
                return fail(v, prop,
                            "extension '%.80s': 'extension_type' is not one of new-sdo, "
                            "new-sco, new-sro, property-extension, "
                            "toplevel-property-extension",
                            k);
        }
    }
    return 0;
}

static int check_external_refs(struct validator *v, const char *prop, const json_t *val)
{
    if (!json_is_array(val) || json_array_size(val) == 0)
        return fail(v, prop, "not a non-empty list");
    size_t i;
    const json_t *er;
    json_array_foreach(val, i, er)
    {
        if (!json_is_object(er))
            return fail(v, prop, "item %zu is not an object", i);
        if (!json_is_string(json_object_get(er, "source_name")))
            return fail(v, prop, "item %zu: 'source_name' is required and must be a string", i);
        static const char *const strs[] = {"description", "url", "external_id"};
        for (size_t j = 0; j < 3; j++) {
            const json_t *s = json_object_get(er, strs[j]);
            if (s && !json_is_string(s))
                return fail(v, prop, "item %zu: '%s' is not a string", i, strs[j]);
        }
        const json_t *h = json_object_get(er, "hashes");
        if (h) {
            int rc = check_hashes(v, prop, h);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int check_kill_chain(struct validator *v, const char *prop, const json_t *val)
{
    if (!json_is_array(val) || json_array_size(val) == 0)
        return fail(v, prop, "not a non-empty list");
    size_t i;
    const json_t *k;
    json_array_foreach(val, i, k)
    {
        if (!json_is_object(k) || !json_is_string(json_object_get(k, "kill_chain_name")) ||
            !json_is_string(json_object_get(k, "phase_name")))
            return fail(v, prop, "item %zu: needs string 'kill_chain_name' and 'phase_name'", i);
    }
    return 0;
}

static int check_value(struct validator *v, const struct prop_rule *r, const json_t *val)
{
    const char *p = r->name;
    switch (r->kind) {
    case PK_STRING:
        if (!json_is_string(val))
            return fail(v, p, "not a string");
        return 0;
    case PK_STRING_NONEMPTY:
        if (!json_is_string(val) || json_string_length(val) == 0)
            return fail(v, p, "not a non-empty string");
        return 0;
    case PK_TIMESTAMP:
        if (!json_is_string(val) || !stix_timestamp_is_valid(json_string_value(val)))
            return fail(v, p, "not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)");
        return 0;
    case PK_BOOL:
        if (!json_is_boolean(val))
            return fail(v, p, "not a boolean");
        return 0;
    case PK_INT:
        if (!json_is_integer(val))
            return fail(v, p, "not an integer");
        if (r->min < r->max &&
            ((double)json_integer_value(val) < r->min || (double)json_integer_value(val) > r->max))
            return fail(v, p, "%lld is outside %.0f..%.0f", (long long)json_integer_value(val),
                        r->min, r->max);
        return 0;
    case PK_NUMBER:
        if (!json_is_number(val))
            return fail(v, p, "not a number");
        if (r->min < r->max && (json_number_value(val) < r->min || json_number_value(val) > r->max))
            return fail(v, p, "%g is outside %g..%g", json_number_value(val), r->min, r->max);
        return 0;
    case PK_STRING_LIST: {
        if (!json_is_array(val) || json_array_size(val) == 0)
            return fail(v, p, "not a non-empty list");
        size_t i;
        const json_t *s;
        json_array_foreach(val, i, s)
        {
            if (!json_is_string(s))
                return fail(v, p, "item %zu is not a string", i);
        }
        return 0;
    }
    case PK_REF:
        return check_ref(v, p, val, r->refs);
    case PK_REF_LIST: {
        if (!json_is_array(val) || json_array_size(val) == 0)
            return fail(v, p, "not a non-empty list of identifiers");
        size_t i;
        const json_t *s;
        json_array_foreach(val, i, s)
        {
            int rc = check_ref(v, p, s, r->refs);
            if (rc)
                return rc;
        }
        return 0;
    }
    case PK_DICT:
        return check_dict(v, p, val);
    case PK_HASHES:
        return check_hashes(v, p, val);
    case PK_KILL_CHAIN:
        return check_kill_chain(v, p, val);
    case PK_EXTERNAL_REFS:
        return check_external_refs(v, p, val);
    case PK_GRANULAR:
        return check_granular(v, p, val);
    case PK_EXTENSIONS:
        return check_extensions(v, p, val);
    case PK_OBJECT_LIST: {
        if (!json_is_array(val) || json_array_size(val) == 0)
            return fail(v, p, "not a non-empty list");
        size_t i;
        const json_t *o;
        json_array_foreach(val, i, o)
        {
            if (!json_is_object(o))
                return fail(v, p, "item %zu is not an object", i);
        }
        return 0;
    }
    case PK_BINARY:
        if (!json_is_string(val) || !base64_is_valid(json_string_value(val)))
            return fail(v, p, "not base64");
        return 0;
    case PK_HEX: {
        if (!json_is_string(val))
            return fail(v, p, "not a hex string");
        const char *s = json_string_value(val);
        size_t n = strlen(s);
        for (size_t i = 0; i < n; i++)
            if (!is_hex(s[i]))
                return fail(v, p, "not a hex string");
        if (n % 2)
            return fail(v, p, "hex string of odd length");
        return 0;
    }
    }
    return 0;
}

/* ---- common properties ---- */

static const struct prop_rule common_sdo[] = {
    {"type", PK_STRING, REQ, NULL, 0, 0},
    {"spec_version", PK_STRING, REQ, NULL, 0, 0},
    {"id", PK_STRING, REQ, NULL, 0, 0},
    {"created_by_ref", PK_REF, 0, "identity", 0, 0},
    {"created", PK_TIMESTAMP, REQ, NULL, 0, 0},
    {"modified", PK_TIMESTAMP, REQ, NULL, 0, 0},
    {"revoked", PK_BOOL, 0, NULL, 0, 0},
    {"labels", PK_STRING_LIST, 0, NULL, 0, 0},
    {"confidence", PK_INT, 0, NULL, 0, 100},
    {"lang", PK_STRING, 0, NULL, 0, 0},
    {"external_references", PK_EXTERNAL_REFS, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, 0, NULL, 0, 0},
    {"x_vigil_recipients", PK_REF_LIST, 0, "identity", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const struct prop_rule common_sco[] = {
    {"type", PK_STRING, REQ, NULL, 0, 0},
    {"spec_version", PK_STRING, 0, NULL, 0, 0},
    {"id", PK_STRING, REQ, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR, 0, NULL, 0, 0},
    {"defanged", PK_BOOL, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, 0, NULL, 0, 0},
    {"x_vigil_recipients", PK_REF_LIST, 0, "identity", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const struct prop_rule common_marking[] = {
    {"type", PK_STRING, REQ, NULL, 0, 0},
    {"spec_version", PK_STRING, REQ, NULL, 0, 0},
    {"id", PK_STRING, REQ, NULL, 0, 0},
    {"created_by_ref", PK_REF, 0, "identity", 0, 0},
    {"created", PK_TIMESTAMP, REQ, NULL, 0, 0},
    {"external_references", PK_EXTERNAL_REFS, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, 0, NULL, 0, 0},
    {"x_vigil_recipients", PK_REF_LIST, 0, "identity", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

/* Custom objects: the SDO common properties, none required but id. */
static const struct prop_rule common_custom[] = {
    {"type", PK_STRING, REQ, NULL, 0, 0},
    {"spec_version", PK_STRING, 0, NULL, 0, 0},
    {"id", PK_STRING, REQ, NULL, 0, 0},
    {"created_by_ref", PK_REF, 0, "identity", 0, 0},
    {"created", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"modified", PK_TIMESTAMP, 0, NULL, 0, 0},
    {"revoked", PK_BOOL, 0, NULL, 0, 0},
    {"labels", PK_STRING_LIST, 0, NULL, 0, 0},
    {"confidence", PK_INT, 0, NULL, 0, 100},
    {"lang", PK_STRING, 0, NULL, 0, 0},
    {"external_references", PK_EXTERNAL_REFS, 0, NULL, 0, 0},
    {"object_marking_refs", PK_REF_LIST, 0, "marking-definition", 0, 0},
    {"granular_markings", PK_GRANULAR, 0, NULL, 0, 0},
    {"extensions", PK_EXTENSIONS, 0, NULL, 0, 0},
    {"x_vigil_recipients", PK_REF_LIST, 0, "identity", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

/* ---- per-type properties ---- */

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, NULL, 0, 0                                                                     \
    }
#define S(n)                                                                                       \
    {                                                                                              \
        n, PK_STRING, 0, NULL, 0, 0                                                                \
    }
#define SR(n)                                                                                      \
    {                                                                                              \
        n, PK_STRING, REQ, NULL, 0, 0                                                              \
    }
#define TS(n)                                                                                      \
    {                                                                                              \
        n, PK_TIMESTAMP, 0, NULL, 0, 0                                                             \
    }
#define TSR(n)                                                                                     \
    {                                                                                              \
        n, PK_TIMESTAMP, REQ, NULL, 0, 0                                                           \
    }
#define B(n)                                                                                       \
    {                                                                                              \
        n, PK_BOOL, 0, NULL, 0, 0                                                                  \
    }
#define L(n)                                                                                       \
    {                                                                                              \
        n, PK_STRING_LIST, 0, NULL, 0, 0                                                           \
    }
#define R(n, t)                                                                                    \
    {                                                                                              \
        n, PK_REF, 0, t, 0, 0                                                                      \
    }
#define RL(n, t)                                                                                   \
    {                                                                                              \
        n, PK_REF_LIST, 0, t, 0, 0                                                                 \
    }
#define KC                                                                                         \
    {                                                                                              \
        "kill_chain_phases", PK_KILL_CHAIN, 0, NULL, 0, 0                                          \
    }
#define INT(n, lo, hi)                                                                             \
    {                                                                                              \
        n, PK_INT, 0, NULL, lo, hi                                                                 \
    }

static const struct prop_rule p_attack_pattern[] = {SR("name"), S("description"), L("aliases"), KC,
                                                    END};
static const struct prop_rule p_campaign[] = {
    SR("name"),      S("description"), L("aliases"), TS("first_seen"),
    TS("last_seen"), S("objective"),   END};
static const struct prop_rule p_course_of_action[] = {SR("name"), S("description"), END};
static const struct prop_rule p_grouping[] = {
    S("name"), S("description"), SR("context"), {"object_refs", PK_REF_LIST, REQ, NULL, 0, 0}, END};
static const struct prop_rule p_identity[] = {
    SR("name"),   S("description"),         L("roles"), S("identity_class"),
    L("sectors"), S("contact_information"), END};
static const struct prop_rule p_incident[] = {SR("name"), S("description"), KC, END};
static const struct prop_rule p_indicator[] = {
    S("name"),
    S("description"),
    L("indicator_types"),
    {"pattern", PK_STRING_NONEMPTY, REQ, NULL, 0, 0},
    {"pattern_type", PK_STRING_NONEMPTY, REQ, NULL, 0, 0},
    S("pattern_version"),
    TSR("valid_from"),
    TS("valid_until"),
    KC,
    END};
static const struct prop_rule p_infrastructure[] = {
    SR("name"), S("description"), L("infrastructure_types"), L("aliases"),
    KC,         TS("first_seen"), TS("last_seen"),           END};
static const struct prop_rule p_intrusion_set[] = {SR("name"),
                                                   S("description"),
                                                   L("aliases"),
                                                   TS("first_seen"),
                                                   TS("last_seen"),
                                                   L("goals"),
                                                   S("resource_level"),
                                                   S("primary_motivation"),
                                                   L("secondary_motivations"),
                                                   END};
static const struct prop_rule p_location[] = {S("name"),
                                              S("description"),
                                              {"latitude", PK_NUMBER, 0, NULL, -90, 90},
                                              {"longitude", PK_NUMBER, 0, NULL, -180, 180},
                                              {"precision", PK_NUMBER, 0, NULL, 0, 0},
                                              S("region"),
                                              S("country"),
                                              S("administrative_area"),
                                              S("city"),
                                              S("street_address"),
                                              S("postal_code"),
                                              END};
static const struct prop_rule p_malware[] = {S("name"),
                                             S("description"),
                                             L("malware_types"),
                                             {"is_family", PK_BOOL, REQ, NULL, 0, 0},
                                             L("aliases"),
                                             KC,
                                             TS("first_seen"),
                                             TS("last_seen"),
                                             RL("operating_system_refs", "software"),
                                             L("architecture_execution_envs"),
                                             L("implementation_languages"),
                                             L("capabilities"),
                                             RL("sample_refs", "file artifact"),
                                             END};
static const struct prop_rule p_malware_analysis[] = {
    SR("product"),
    S("version"),
    R("host_vm_ref", "software"),
    R("operating_system_ref", "software"),
    RL("installed_software_refs", "software"),
    S("configuration_version"),
    L("modules"),
    S("analysis_engine_version"),
    S("analysis_definition_version"),
    TS("submitted"),
    TS("analysis_started"),
    TS("analysis_ended"),
    S("result_name"),
    S("result"),
    RL("analysis_sco_refs", REF_SCO),
    R("sample_ref", "file network-traffic artifact"),
    END};
static const struct prop_rule p_note[] = {
    S("abstract"), SR("content"), L("authors"), {"object_refs", PK_REF_LIST, REQ, NULL, 0, 0}, END};
static const struct prop_rule p_observed_data[] = {
    TSR("first_observed"),
    TSR("last_observed"),
    {"number_observed", PK_INT, REQ, NULL, 1, 999999999},
    {"objects", PK_DICT, 0, NULL, 0, 0},
    RL("object_refs", NULL),
    END};
static const struct prop_rule p_opinion[] = {S("explanation"),
                                             L("authors"),
                                             SR("opinion"),
                                             {"object_refs", PK_REF_LIST, REQ, NULL, 0, 0},
                                             END};
static const struct prop_rule p_report[] = {SR("name"),
                                            S("description"),
                                            L("report_types"),
                                            TSR("published"),
                                            {"object_refs", PK_REF_LIST, REQ, NULL, 0, 0},
                                            END};
static const struct prop_rule p_threat_actor[] = {SR("name"),
                                                  S("description"),
                                                  L("threat_actor_types"),
                                                  L("aliases"),
                                                  TS("first_seen"),
                                                  TS("last_seen"),
                                                  L("roles"),
                                                  L("goals"),
                                                  S("sophistication"),
                                                  S("resource_level"),
                                                  S("primary_motivation"),
                                                  L("secondary_motivations"),
                                                  L("personal_motivations"),
                                                  END};
static const struct prop_rule p_tool[] = {
    SR("name"), S("description"), L("tool_types"), L("aliases"), KC, S("tool_version"), END};
static const struct prop_rule p_vulnerability[] = {SR("name"), S("description"), END};

static const struct prop_rule p_relationship[] = {SR("relationship_type"),
                                                  S("description"),
                                                  {"source_ref", PK_REF, REQ, REF_SDO_SCO, 0, 0},
                                                  {"target_ref", PK_REF, REQ, REF_SDO_SCO, 0, 0},
                                                  TS("start_time"),
                                                  TS("stop_time"),
                                                  END};
static const struct prop_rule p_sighting[] = {S("description"),
                                              TS("first_seen"),
                                              TS("last_seen"),
                                              INT("count", 0, 999999999),
                                              {"sighting_of_ref", PK_REF, REQ, REF_SDO, 0, 0},
                                              RL("observed_data_refs", "observed-data"),
                                              RL("where_sighted_refs", "identity location"),
                                              B("summary"),
                                              END};

static const struct prop_rule p_marking_definition[] = {
    S("name"), S("definition_type"), {"definition", PK_DICT, 0, NULL, 0, 0}, END};
static const struct prop_rule p_language_content[] = {{"object_ref", PK_REF, REQ, NULL, 0, 0},
                                                      TS("object_modified"),
                                                      {"contents", PK_DICT, REQ, NULL, 0, 0},
                                                      END};
static const struct prop_rule p_extension_definition[] = {
    SR("name"),
    S("description"),
    SR("schema"),
    SR("version"),
    {"extension_types", PK_STRING_LIST, REQ, NULL, 0, 0},
    L("extension_properties"),
    END};

static const struct prop_rule p_artifact[] = {S("mime_type"),
                                              {"payload_bin", PK_BINARY, 0, NULL, 0, 0},
                                              S("url"),
                                              {"hashes", PK_HASHES, 0, NULL, 0, 0},
                                              S("encryption_algorithm"),
                                              S("decryption_key"),
                                              END};
static const struct prop_rule p_autonomous_system[] = {
    {"number", PK_INT, REQ, NULL, 0, 4294967295.0}, S("name"), S("rir"), END};
static const struct prop_rule p_directory[] = {SR("path"),  S("path_enc"),
                                               TS("ctime"), TS("mtime"),
                                               TS("atime"), RL("contains_refs", "file directory"),
                                               END};
static const struct prop_rule p_domain_name[] = {
    SR("value"), RL("resolves_to_refs", "ipv4-addr ipv6-addr domain-name"), END};
static const struct prop_rule p_email_addr[] = {SR("value"), S("display_name"),
                                                R("belongs_to_ref", "user-account"), END};
static const struct prop_rule p_email_message[] = {
    {"is_multipart", PK_BOOL, REQ, NULL, 0, 0},
    TS("date"),
    S("content_type"),
    R("from_ref", "email-addr"),
    R("sender_ref", "email-addr"),
    RL("to_refs", "email-addr"),
    RL("cc_refs", "email-addr"),
    RL("bcc_refs", "email-addr"),
    S("message_id"),
    S("subject"),
    L("received_lines"),
    {"additional_header_fields", PK_DICT, 0, NULL, 0, 0},
    S("body"),
    {"body_multipart", PK_OBJECT_LIST, 0, NULL, 0, 0},
    R("raw_email_ref", "artifact"),
    END};
static const struct prop_rule p_file[] = {{"hashes", PK_HASHES, 0, NULL, 0, 0},
                                          INT("size", 0, 9.2e18),
                                          S("name"),
                                          S("name_enc"),
                                          {"magic_number_hex", PK_HEX, 0, NULL, 0, 0},
                                          S("mime_type"),
                                          TS("ctime"),
                                          TS("mtime"),
                                          TS("atime"),
                                          R("parent_directory_ref", "directory"),
                                          RL("contains_refs", NULL),
                                          R("content_ref", "artifact"),
                                          END};
static const struct prop_rule p_ipv4_addr[] = {SR("value"), RL("resolves_to_refs", "mac-addr"),
                                               RL("belongs_to_refs", "autonomous-system"), END};
static const struct prop_rule p_mac_addr[] = {SR("value"), END};
static const struct prop_rule p_mutex[] = {SR("name"), END};
static const struct prop_rule p_network_traffic[] = {
    TS("start"),
    TS("end"),
    B("is_active"),
    R("src_ref", "ipv4-addr ipv6-addr mac-addr domain-name"),
    R("dst_ref", "ipv4-addr ipv6-addr mac-addr domain-name"),
    INT("src_port", 0, 65535),
    INT("dst_port", 0, 65535),
    {"protocols", PK_STRING_LIST, REQ, NULL, 0, 0},
    INT("src_byte_count", 0, 9.2e18),
    INT("dst_byte_count", 0, 9.2e18),
    INT("src_packets", 0, 9.2e18),
    INT("dst_packets", 0, 9.2e18),
    {"ipfix", PK_DICT, 0, NULL, 0, 0},
    R("src_payload_ref", "artifact"),
    R("dst_payload_ref", "artifact"),
    RL("encapsulates_refs", "network-traffic"),
    R("encapsulated_by_ref", "network-traffic"),
    END};
static const struct prop_rule p_process[] = {B("is_hidden"),
                                             INT("pid", 0, 9.2e18),
                                             TS("created_time"),
                                             S("cwd"),
                                             S("command_line"),
                                             {"environment_variables", PK_DICT, 0, NULL, 0, 0},
                                             RL("opened_connection_refs", "network-traffic"),
                                             R("creator_user_ref", "user-account"),
                                             R("image_ref", "file"),
                                             R("parent_ref", "process"),
                                             RL("child_refs", "process"),
                                             END};
static const struct prop_rule p_software[] = {SR("name"),  S("cpe"),     S("swid"), L("languages"),
                                              S("vendor"), S("version"), END};
static const struct prop_rule p_url[] = {SR("value"), END};
static const struct prop_rule p_user_account[] = {S("user_id"),
                                                  S("credential"),
                                                  S("account_login"),
                                                  S("account_type"),
                                                  S("display_name"),
                                                  B("is_service_account"),
                                                  B("is_privileged"),
                                                  B("can_escalate_privs"),
                                                  B("is_disabled"),
                                                  TS("account_created"),
                                                  TS("account_expires"),
                                                  TS("credential_last_changed"),
                                                  TS("account_first_login"),
                                                  TS("account_last_login"),
                                                  END};
static const struct prop_rule p_windows_registry_key[] = {S("key"),
                                                          {"values", PK_OBJECT_LIST, 0, NULL, 0, 0},
                                                          TS("modified_time"),
                                                          R("creator_user_ref", "user-account"),
                                                          INT("number_of_subkeys", 0, 9.2e18),
                                                          END};
static const struct prop_rule p_x509_certificate[] = {
    B("is_self_signed"),
    {"hashes", PK_HASHES, 0, NULL, 0, 0},
    S("version"),
    S("serial_number"),
    S("signature_algorithm"),
    S("issuer"),
    TS("validity_not_before"),
    TS("validity_not_after"),
    S("subject"),
    S("subject_public_key_algorithm"),
    S("subject_public_key_modulus"),
    INT("subject_public_key_exponent", 0, 9.2e18),
    {"x509_v3_extensions", PK_DICT, 0, NULL, 0, 0},
    END};

struct type_rule {
    const char *type;
    enum stix_class cls;
    const struct prop_rule *props;
    int (*check)(struct validator *v);
};

/* ---- cross-property checks ---- */

static int timestamp_cmp(const json_t *a, const json_t *b)
{
    long long sa, sb;
    long na, nb;
    const char *x = json_string_value(a), *y = json_string_value(b);
    stix_timestamp_parse(x, strlen(x), &sa, &na);
    stix_timestamp_parse(y, strlen(y), &sb, &nb);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

/* later must be >= earlier (or > when strict); both already type-checked. */
static int check_order(struct validator *v, const char *earlier, const char *later, bool strict)
{
    const json_t *a = json_object_get(v->obj, earlier), *b = json_object_get(v->obj, later);
    if (!a || !b)
        return 0;
    int c = timestamp_cmp(b, a);
    if (c < 0 || (strict && c == 0))
        return fail(v, later, "must be %s '%s'", strict ? "later than" : "later than or equal to",
                    earlier);
    return 0;
}

static int check_seen(struct validator *v)
{
    return check_order(v, "first_seen", "last_seen", false);
}

static int check_indicator(struct validator *v)
{
    int rc = check_order(v, "valid_from", "valid_until", true);
    if (rc)
        return rc;
    const char *type = json_string_value(json_object_get(v->obj, "pattern_type"));
    const char *pattern = json_string_value(json_object_get(v->obj, "pattern"));
    if (strcmp(type, "stix") == 0) {
        const json_t *ver = json_object_get(v->obj, "pattern_version");
        if (ver && strcmp(json_string_value(ver), "2.1") != 0 &&
            strcmp(json_string_value(ver), "2.0") != 0)
            return fail(v, "pattern_version", "'%.20s' is not a STIX pattern version (2.0, 2.1)",
                        json_string_value(ver));
        char perr[256];
        struct stix_pattern *p = stix_pattern_parse(pattern, perr, sizeof(perr));
        if (!p)
            return fail(v, "pattern", "invalid STIX pattern: %s", perr);
        stix_pattern_free(p);
    }
    /* "suricata", "snort", "sigma", "yara", "pcre" and other (open
     * vocabulary) pattern types are opaque text: non-empty, checked above. */
    return 0;
}

static int check_location(struct validator *v)
{
    const json_t *lat = json_object_get(v->obj, "latitude");
    const json_t *lon = json_object_get(v->obj, "longitude");
    if (!!lat != !!lon)
        return fail(v, lat ? "longitude" : "latitude",
                    "latitude and longitude must be given together");
    if (json_object_get(v->obj, "precision") && !lat)
        return fail(v, "precision", "requires latitude and longitude");
    if (!lat && !json_object_get(v->obj, "region") && !json_object_get(v->obj, "country"))
        return fail(v, "region", "a location needs region, country, or latitude and longitude");
    return 0;
}

static int check_malware(struct validator *v)
{
    if (json_is_true(json_object_get(v->obj, "is_family")) && !json_object_get(v->obj, "name"))
        return fail(v, "name", "required when 'is_family' is true");
    return check_seen(v);
}

static int check_malware_analysis(struct validator *v)
{
    if (!json_object_get(v->obj, "result") && !json_object_get(v->obj, "analysis_sco_refs"))
        return fail(v, "result", "one of 'result' and 'analysis_sco_refs' is required");
    return 0;
}

static int check_observed_data(struct validator *v)
{
    bool objects = json_object_get(v->obj, "objects") != NULL;
    bool refs = json_object_get(v->obj, "object_refs") != NULL;
    if (objects == refs)
        return fail(v, "object_refs", "exactly one of 'objects' and 'object_refs' is required");
    return check_order(v, "first_observed", "last_observed", false);
}

static int check_opinion(struct validator *v)
{
    static const char *const opinions[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                           "strongly-agree"};
    const char *o = json_string_value(json_object_get(v->obj, "opinion"));
    if (!IN_LIST(o, opinions))
        return fail(v, "opinion",
                    "'%.40s' is not one of strongly-disagree, disagree, neutral, "
                    "agree, strongly-agree",
                    o);
    return 0;
}

static int check_relationship(struct validator *v)
{
    /* STIX 2.1 section 5.1.1: a-z, 0-9 and '-' only (the vocabulary is open). */
    const char *rt = json_string_value(json_object_get(v->obj, "relationship_type"));
    size_t n = strlen(rt);
    if (n == 0 || n > 250)
        return fail(v, "relationship_type", "must be 1-250 characters");
    for (size_t i = 0; i < n; i++)
        if (!((rt[i] >= 'a' && rt[i] <= 'z') || (rt[i] >= '0' && rt[i] <= '9') || rt[i] == '-'))
            return fail(v, "relationship_type", "'%.60s' may only contain a-z, 0-9 and '-'", rt);
    return check_order(v, "start_time", "stop_time", true);
}

static int check_marking_definition(struct validator *v)
{
    const json_t *obj = v->obj;
    const json_t *ext = json_object_get(obj, "extensions");
    const json_t *dtype = json_object_get(obj, "definition_type");
    const json_t *def = json_object_get(obj, "definition");
    const char *id = json_string_value(json_object_get(obj, "id"));
    if (!ext && (!dtype || !def))
        return fail(v, dtype ? "definition" : "definition_type",
                    "required when 'extensions' is absent");
    if (!!dtype != !!def)
        return fail(v, dtype ? "definition" : "definition_type",
                    "'definition_type' and 'definition' go together");
    if (dtype) {
        const char *t = json_string_value(dtype);
        if (strcmp(t, "statement") == 0) {
            if (!json_is_string(json_object_get(def, "statement")))
                return fail(v, "definition", "statement marking needs a string 'statement'");
        } else if (strcmp(t, "tlp") == 0) {
            static const char *const levels[] = {"white", "green", "amber", "red"};
            const char *tlp = json_string_value(json_object_get(def, "tlp"));
            if (!tlp || !IN_LIST(tlp, levels))
                return fail(v, "definition",
                            "TLP 1.0 marking needs 'tlp' of white, green, "
                            "amber or red");
            const char *known = stix_tlp_marking_normalize(id);
            const char *want = strcmp(tlp, "white") == 0 ? "clear" : tlp;
            if (known && strcmp(known, want) != 0)
                return fail(v, "definition", "'%s' does not match the TLP level of %s", tlp, id);
        }
    }
    const json_t *tlp2 = ext ? json_object_get(ext, TLP2_EXTENSION_ID) : NULL;
    if (tlp2) {
        static const char *const levels[] = {"clear", "green", "amber", "amber+strict", "red"};
        const json_t *et = json_object_get(tlp2, "extension_type");
        if (!json_is_string(et) || strcmp(json_string_value(et), "property-extension") != 0)
            return fail(v, "extensions",
                        "TLP 2.0 extension needs extension_type "
                        "'property-extension'");
        const char *level = json_string_value(json_object_get(tlp2, "tlp_2_0"));
        if (!level || !IN_LIST(level, levels))
            return fail(v, "extensions",
                        "TLP 2.0 extension needs 'tlp_2_0' of clear, green, "
                        "amber, amber+strict or red");
        const char *known = stix_tlp_marking_normalize(id);
        if (known && strcmp(known, level) != 0)
            return fail(v, "extensions", "'tlp_2_0' '%s' does not match the TLP level of %s", level,
                        id);
    }
    if (json_object_get(obj, "modified"))
        return fail(v, "modified", "marking definitions are immutable and have no 'modified'");
    return 0;
}

static int check_extension_definition(struct validator *v)
{
    static const char *const types[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                        "toplevel-property-extension"};
    if (!json_object_get(v->obj, "created_by_ref"))
        return fail(v, "created_by_ref", "required for extension-definition");
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(v->obj, "extension_types"), i, t)
    {
        if (!IN_LIST(json_string_value(t), types))
            return fail(v, "extension_types", "item %zu '%.40s' is not an extension type", i,
                        json_string_value(t));
    }
    return 0;
}

static int check_artifact(struct validator *v)
{
    bool bin = json_object_get(v->obj, "payload_bin") != NULL;
    bool url = json_object_get(v->obj, "url") != NULL;
    if (bin && url)
        return fail(v, "url", "'payload_bin' and 'url' are mutually exclusive");
    if (url && !json_object_get(v->obj, "hashes"))
        return fail(v, "hashes", "required when 'url' is present");
    return 0;
}

static int check_file(struct validator *v)
{
    if (!json_object_get(v->obj, "hashes") && !json_object_get(v->obj, "name"))
        return fail(v, "name", "a file needs 'hashes' or 'name'");
    return 0;
}

static int check_network_traffic(struct validator *v)
{
    if (!json_object_get(v->obj, "src_ref") && !json_object_get(v->obj, "dst_ref"))
        return fail(v, "src_ref", "network-traffic needs 'src_ref' or 'dst_ref'");
    return check_order(v, "start", "end", false);
}

static const struct type_rule type_rules[] = {
    {"attack-pattern", CLASS_SDO, p_attack_pattern, NULL},
    {"campaign", CLASS_SDO, p_campaign, check_seen},
    {"course-of-action", CLASS_SDO, p_course_of_action, NULL},
    {"grouping", CLASS_SDO, p_grouping, NULL},
    {"identity", CLASS_SDO, p_identity, NULL},
    {"incident", CLASS_SDO, p_incident, NULL},
    {"indicator", CLASS_SDO, p_indicator, check_indicator},
    {"infrastructure", CLASS_SDO, p_infrastructure, check_seen},
    {"intrusion-set", CLASS_SDO, p_intrusion_set, check_seen},
    {"location", CLASS_SDO, p_location, check_location},
    {"malware", CLASS_SDO, p_malware, check_malware},
    {"malware-analysis", CLASS_SDO, p_malware_analysis, check_malware_analysis},
    {"note", CLASS_SDO, p_note, NULL},
    {"observed-data", CLASS_SDO, p_observed_data, check_observed_data},
    {"opinion", CLASS_SDO, p_opinion, check_opinion},
    {"report", CLASS_SDO, p_report, NULL},
    {"threat-actor", CLASS_SDO, p_threat_actor, check_seen},
    {"tool", CLASS_SDO, p_tool, NULL},
    {"vulnerability", CLASS_SDO, p_vulnerability, NULL},
    {"relationship", CLASS_SRO, p_relationship, check_relationship},
    {"sighting", CLASS_SRO, p_sighting, check_seen},
    {"marking-definition", CLASS_META, p_marking_definition, check_marking_definition},
    {"language-content", CLASS_META, p_language_content, NULL},
    {"extension-definition", CLASS_META, p_extension_definition, check_extension_definition},
    {"artifact", CLASS_SCO, p_artifact, check_artifact},
    {"autonomous-system", CLASS_SCO, p_autonomous_system, NULL},
    {"directory", CLASS_SCO, p_directory, NULL},
    {"domain-name", CLASS_SCO, p_domain_name, NULL},
    {"email-addr", CLASS_SCO, p_email_addr, NULL},
    {"email-message", CLASS_SCO, p_email_message, NULL},
    {"file", CLASS_SCO, p_file, check_file},
    {"ipv4-addr", CLASS_SCO, p_ipv4_addr, NULL},
    {"ipv6-addr", CLASS_SCO, p_ipv4_addr, NULL},
    {"mac-addr", CLASS_SCO, p_mac_addr, NULL},
    {"mutex", CLASS_SCO, p_mutex, NULL},
    {"network-traffic", CLASS_SCO, p_network_traffic, check_network_traffic},
    {"process", CLASS_SCO, p_process, NULL},
    {"software", CLASS_SCO, p_software, NULL},
    {"url", CLASS_SCO, p_url, NULL},
    {"user-account", CLASS_SCO, p_user_account, NULL},
    {"windows-registry-key", CLASS_SCO, p_windows_registry_key, NULL},
    {"x509-certificate", CLASS_SCO, p_x509_certificate, NULL},
};

static const struct prop_rule *rule_find(const struct prop_rule *rules, const char *name)
{
    for (; rules && rules->name; rules++)
        if (strcmp(rules->name, name) == 0)
            return rules;
    return NULL;
}

static int check_rules(struct validator *v, const struct prop_rule *rules)
{
    for (const struct prop_rule *r = rules; r && r->name; r++) {
        const json_t *val = json_object_get(v->obj, r->name);
        if (!val) {
            if (r->flags & REQ)
                return fail(v, r->name, "missing required property");
            continue;
        }
        int rc = check_value(v, r, val);
        if (rc)
            return rc;
    }
    return 0;
}

/* An unknown non-x- type is acceptable only as a new object type defined by an
 * extension-definition (STIX 2.1 section 7.3): it must carry one. */
static bool has_new_object_extension(const json_t *obj)
{
    const json_t *ext = json_object_get(obj, "extensions");
    const char *k;
    const json_t *e;
    if (!json_is_object(ext))
        return false;
    json_object_foreach((json_t *)ext, k, e)
    {
        const char *et = json_string_value(json_object_get(e, "extension_type"));
        if (strncmp(k, "extension-definition--", 22) == 0 && et && strncmp(et, "new-", 4) == 0)
            return true;
    }
    return false;
}

int stix_object_validate(const json_t *obj, char *err, size_t errlen)
{
    struct validator v = {.obj = obj, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    snprintf(v.label, sizeof(v.label), "object");
    if (!json_is_object(obj))
        return fail(&v, NULL, "not a JSON object");
    const json_t *jt = json_object_get(obj, "type");
    const json_t *jid = json_object_get(obj, "id");
    if (json_is_string(jid))
        snprintf(v.label, sizeof(v.label), "%.120s", json_string_value(jid));
    else if (json_is_string(jt))
        snprintf(v.label, sizeof(v.label), "%.120s", json_string_value(jt));
    if (!jt)
        return fail(&v, "type", "missing required property");
    if (!json_is_string(jt))
        return fail(&v, "type", "not a string");
    const char *type = json_string_value(jt);
    if (!type_name_is_valid(type, strlen(type)))
        return fail(&v, "type", "'%.80s' is not a valid type name (a-z, 0-9, '-', 3-250 chars)",
                    type);
    if (strcmp(type, "bundle") == 0)
        return fail(&v, "type",
                    "a bundle is a container, not a STIX object: validate each of "
                    "its objects");

    const struct type_rule *tr = NULL;
    for (size_t i = 0; i < sizeof(type_rules) / sizeof(type_rules[0]); i++)
        if (strcmp(type, type_rules[i].type) == 0) {
            tr = &type_rules[i];
            break; /* names are unique */
        }
    enum stix_class cls = tr ? tr->cls : CLASS_CUSTOM;
    if (!tr && !type_is_custom(type) && !has_new_object_extension(obj))
        return fail(&v, "type",
                    "unknown object type '%.80s' (not a STIX 2.1 type, not a custom x- type, "
                    "and no new-object extension)",
                    type);

    if (!jid)
        return fail(&v, "id", "missing required property");
    if (!json_is_string(jid))
        return fail(&v, "id", "not a string");
    const char *id = json_string_value(jid);
    if (!stix_identifier_is_valid(id, NULL))
        return fail(&v, "id", "'%.80s' is not a STIX identifier (type--UUID)", id);
    if (!stix_identifier_is_valid(id, type))
        return fail(&v, "id", "type part of '%.80s' does not match type '%.80s'", id, type);

    const struct prop_rule *common = cls == CLASS_SCO      ? common_sco
                                     : cls == CLASS_CUSTOM ? common_custom
                                     : (tr && strcmp(type, "marking-definition") == 0)
                                         ? common_marking
                                         : common_sdo;
    int rc = check_rules(&v, common);
    if (rc)
        return rc;
    const json_t *sv = json_object_get(obj, "spec_version");
    if (sv && strcmp(json_string_value(sv), "2.1") != 0)
        return fail(&v, "spec_version", "'%.20s' is not '2.1'", json_string_value(sv));
    if (tr) {
        rc = check_rules(&v, tr->props);
        if (rc)
            return rc;
    }
    rc = check_order(&v, "created", "modified", false);
    if (rc)
        return rc;

    /* Property names: custom properties must be ASCII letters, digits and
     * '_' (STIX 2.1 section 11.1); reserved "x_vigil_" names are typed above. */
    const char *k;
    const json_t *val;
    json_object_foreach((json_t *)obj, k, val)
    {
        if (rule_find(common, k) || (tr && rule_find(tr->props, k)))
            continue;
        if (!property_name_is_valid(k))
            return fail(&v, k, "invalid custom property name (a-z, A-Z, 0-9, '_', 3-250 chars)");
    }
    if (tr && tr->check)
        return tr->check(&v);
    return 0;
}
