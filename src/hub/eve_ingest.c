/* SPDX-License-Identifier: Apache-2.0 */
/* Suricata EVE "alert" event -> STIX 2.1 indicator + sighting.
 *
 * The hub never sees the rule that fired, only the alert, so the indicator is
 * a stand-in for the rule: its id is a UUIDv5 of "gid:sid" under a fixed vigil
 * namespace (every organisation reporting the same rule names the same
 * indicator) and its pattern is a minimal Suricata rule carrying msg, sid,
 * rev and gid. The sighting records who saw it, when, and between which
 * addresses. Its id is a UUIDv5 of the event's identifying fields, so
 * submitting the same event twice yields the same sighting. See docs/stix.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <openssl/evp.h>

#include "hub/eve_ingest.h"
#include "hub/stix_validate.h"
#include "intel/stix_pattern.h"

/* The vigil UUIDv5 namespace (a random v4 UUID, fixed forever: changing it
 * changes every indicator id the hub has ever issued). */
static const unsigned char vigil_namespace[16] = {0x3f, 0x2a, 0x8c, 0x1e, 0x5b, 0x7d, 0x4e, 0x9a,
                                                  0x9c, 0x21, 0x6d, 0x8e, 0x0b, 0x4f, 0x7a, 0x13};

/* RFC 4122 section 4.3 name-based UUID with SHA-1; writes 36 chars + NUL. */
static int uuid5(const char *name, char out[37])
{
    unsigned char buf[16 + 512];
    size_t n = strlen(name);
    if (n > sizeof(buf) - 16)
        n = sizeof(buf) - 16; /* callers' names are short; bounded anyway */
    memcpy(buf, vigil_namespace, 16);
    memcpy(buf + 16, name, n);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(buf, 16 + n, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen < 16)
        return -ENOMEM;
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
             md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
             md[13], md[14], md[15]);
    return 0;
}

int eve_indicator_id(unsigned long gid, unsigned long sid, char *out, size_t outlen)
{
    char name[64], uuid[37];
    if (!out || outlen < 48)
        return -EINVAL;
    snprintf(name, sizeof(name), "%lu:%lu", gid, sid);
    int rc = uuid5(name, uuid);
    if (rc)
        return rc;
    snprintf(out, outlen, "indicator--%s", uuid);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Timestamps                                                               */
/* ------------------------------------------------------------------------ */

static void civil_from_days(long long z, int *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Suricata writes "2024-01-02T03:04:05.123456+0000" (local offset, no colon);
 * other producers write "+00:00" or "Z". Converts to a STIX timestamp in UTC
 * ("...Z"), keeping the fraction digits as given (at most 9). */
int eve_timestamp_to_stix(const char *in, char *out, size_t outlen)
{
    size_t len = strlen(in);
    if (len < 19 || len > 64)
        return -EINVAL;
    /* Split off the zone designator. */
    size_t body_len = 19;
    char frac[10] = "";
    size_t i = 19;
    if (i < len && in[i] == '.') {
        size_t fstart = ++i;
        while (i < len && in[i] >= '0' && in[i] <= '9')
            i++;
        size_t fl = i - fstart;
        if (fl == 0)
            return -EINVAL;
        if (fl > 9)
            fl = 9;
        memcpy(frac, in + fstart, fl);
        frac[fl] = '\0';
    }
    long offset = 0; /* seconds east of UTC */
    const char *z = in + i;
    size_t zl = len - i;
    if (zl == 1 && (z[0] == 'Z' || z[0] == 'z')) {
        offset = 0;
    } else if ((zl == 5 || zl == 6) && (z[0] == '+' || z[0] == '-')) {
        /* +HHMM or +HH:MM */
        const char *hm = z + 1;
        char dg[4] = {hm[0], hm[1], zl == 6 ? hm[3] : hm[2], zl == 6 ? hm[4] : hm[3]};
        if (zl == 6 && hm[2] != ':')
            return -EINVAL;
        for (int k = 0; k < 4; k++)
            if (dg[k] < '0' || dg[k] > '9')
                return -EINVAL;
        int hh = (dg[0] - '0') * 10 + (dg[1] - '0'), mm = (dg[2] - '0') * 10 + (dg[3] - '0');
        if (hh > 23 || mm > 59)
            return -EINVAL;
        offset = (hh * 3600L + mm * 60L) * (z[0] == '-' ? -1 : 1);
    } else {
        return -EINVAL;
    }
    /* Validate the date-time part by parsing it as a UTC STIX timestamp. */
    char utc[32];
    memcpy(utc, in, body_len);
    utc[body_len] = 'Z';
    utc[body_len + 1] = '\0';
    long long sec;
    if (stix_timestamp_parse(utc, body_len + 1, &sec, NULL) != 0)
        return -EINVAL;
    sec -= offset;
    long long days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    long long rem = sec - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return -EINVAL;
    int n = snprintf(out, outlen, "%04d-%02d-%02dT%02lld:%02lld:%02lld%s%sZ", y, m, d, rem / 3600,
                     (rem / 60) % 60, rem % 60, frac[0] ? "." : "", frac);
    return n > 0 && (size_t)n < outlen ? 0 : -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* Conversion                                                               */
/* ------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int eve_fail(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Reads a non-negative integer field no larger than max. */
static int get_uint(const json_t *parent, const char *key, const char *path, unsigned long max,
                    bool required, unsigned long *out, bool *present, char *err, size_t errlen)
{
    const json_t *v = json_object_get(parent, key);
    if (present)
        *present = v != NULL;
    if (!v) {
        if (required)
            return eve_fail(err, errlen, "EVE alert: field '%s': missing", path);
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (unsigned long long)json_integer_value(v) > max)
        return eve_fail(err, errlen, "EVE alert: field '%s': not an integer in 0..%lu", path, max);
    *out = (unsigned long)json_integer_value(v);
    return 0;
}

static int get_string(const json_t *parent, const char *key, const char *path, bool required,
                      const char **out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(parent, key);
    *out = NULL;
    if (!v) {
        if (required)
            return eve_fail(err, errlen, "EVE alert: field '%s': missing", path);
        return 0;
    }
    if (!json_is_string(v))
        return eve_fail(err, errlen, "EVE alert: field '%s': not a string", path);
    if (required && json_string_length(v) == 0)
        return eve_fail(err, errlen, "EVE alert: field '%s': empty", path);
    *out = json_string_value(v);
    return 0;
}

/* Suricata classtype descriptions -> STIX indicator-type-ov. */
static const char *indicator_type_for(const char *category, unsigned long severity,
                                      bool has_severity)
{
    static const char *const benign[] = {"Not Suspicious Traffic"};
    static const char *const unknown[] = {"Unknown Traffic", "Generic Protocol Command Decode"};
    static const char *const anomalous[] = {
        "Potentially Bad Traffic",
        "Misc activity",
        "Detection of a Network Scan",
        "Detection of a non-standard protocol or event",
        "Decode of an RPC Query",
        "Potential Corporate Privacy Violation",
        "Generic ICMP event",
        "Information Leak",
        "Large Scale Information Leak",
        "Device Retrieving External IP Address Detected",
        "Crypto Currency Mining Activity Detected",
    };
    if (category && category[0]) {
        for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++)
            if (strcasecmp(category, benign[i]) == 0)
                return "benign";
        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
            if (strcasecmp(category, unknown[i]) == 0)
                return "unknown";
        for (size_t i = 0; i < sizeof(anomalous) / sizeof(anomalous[0]); i++)
            if (strcasecmp(category, anomalous[i]) == 0)
                return "anomalous-activity";
        if (strcasestr(category, "trojan") || strcasestr(category, "malware") ||
            strcasestr(category, "exploit") || strcasestr(category, "attack") ||
            strcasestr(category, "privilege") || strcasestr(category, "denial of service") ||
            strcasestr(category, "command and control") || strcasestr(category, "shellcode") ||
            strcasestr(category, "credential") || strcasestr(category, "compromise") ||
            strcasestr(category, "malicious") || strcasestr(category, "phishing"))
            return "malicious-activity";
    }
    /* Unmapped or custom classtypes: Suricata severity 1-2 are high. */
    if (has_severity && severity <= 2)
        return "malicious-activity";
    return "anomalous-activity";
}

/* Appends s to a Suricata rule option value, escaping ; " and \ as the rule
 * language requires. */
static void rule_escape(char *out, size_t outlen, const char *s)
{
    size_t j = 0;
    for (; *s && j + 3 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ';' || c == '"' || c == '\\')
            out[j++] = '\\';
        out[j++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    out[j] = '\0';
}

/* jansson's json_string() is shadowed at link time by src/util/json.c's
 * writer function of the same name (both end up in one static link), so new
 * strings go through json_stringn(), which util does not define. */
static json_t *jstr(const char *s)
{
    return json_stringn(s, strlen(s));
}

/* Sets key to a new reference in obj; records failure instead of checking each
 * call, so construction reads straight. */
struct builder {
    bool failed;
};

static void put(struct builder *b, json_t *obj, const char *key, json_t *val)
{
    if (!val || json_object_set_new(obj, key, val) != 0)
        b->failed = true;
}

static json_t *string_list1(const char *s)
{
    json_t *a = json_array();
    if (a && json_array_append_new(a, jstr(s)) != 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* Copies alert.metadata if it has the EVE shape (object of string lists). */
static json_t *metadata_copy(const json_t *md)
{
    if (!json_is_object(md) || json_object_size(md) == 0)
        return NULL;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)md, k, v)
    {
        if (!json_is_array(v) || strlen(k) > 250)
            return NULL;
        size_t i;
        const json_t *s;
        json_array_foreach(v, i, s)
        {
            if (!json_is_string(s))
                return NULL;
        }
    }
    return json_deep_copy(md);
}

int eve_alert_to_stix(const json_t *eve, const char *org_identity_id, json_t **indicator_out,
                      json_t **sighting_out, char *err, size_t errlen)
{
    if (!indicator_out || !sighting_out)
        return eve_fail(err, errlen, "eve_alert_to_stix: no output pointers");
    *indicator_out = NULL;
    *sighting_out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!org_identity_id || !stix_identifier_is_valid(org_identity_id, "identity"))
        return eve_fail(err, errlen, "organisation identity '%.80s' is not an identity--UUID",
                        org_identity_id ? org_identity_id : "(null)");
    if (!json_is_object(eve))
        return eve_fail(err, errlen, "EVE alert: not a JSON object");
    const char *event_type, *timestamp, *src_ip, *dest_ip, *proto, *signature, *category,
        *app_proto;
    int rc;
    if ((rc = get_string(eve, "event_type", "event_type", true, &event_type, err, errlen)))
        return rc;
    if (strcmp(event_type, "alert") != 0)
        return eve_fail(err, errlen, "EVE event: field 'event_type': '%.40s' is not 'alert'",
                        event_type);
    if ((rc = get_string(eve, "timestamp", "timestamp", true, &timestamp, err, errlen)))
        return rc;
    char ts[48];
    if (eve_timestamp_to_stix(timestamp, ts, sizeof(ts)) != 0)
        return eve_fail(err, errlen,
                        "EVE alert: field 'timestamp': '%.40s' is not an RFC 3339 timestamp",
                        timestamp);
    if ((rc = get_string(eve, "src_ip", "src_ip", true, &src_ip, err, errlen)) ||
        (rc = get_string(eve, "dest_ip", "dest_ip", true, &dest_ip, err, errlen)) ||
        (rc = get_string(eve, "proto", "proto", false, &proto, err, errlen)) ||
        (rc = get_string(eve, "app_proto", "app_proto", false, &app_proto, err, errlen)))
        return rc;
    unsigned char addr[16];
    if (inet_pton(AF_INET, src_ip, addr) != 1 && inet_pton(AF_INET6, src_ip, addr) != 1)
        return eve_fail(err, errlen, "EVE alert: field 'src_ip': '%.60s' is not an IP address",
                        src_ip);
    if (inet_pton(AF_INET, dest_ip, addr) != 1 && inet_pton(AF_INET6, dest_ip, addr) != 1)
        return eve_fail(err, errlen, "EVE alert: field 'dest_ip': '%.60s' is not an IP address",
                        dest_ip);
    unsigned long src_port = 0, dest_port = 0, flow_id = 0;
    bool has_src_port, has_dest_port, has_flow_id;
    if ((rc = get_uint(eve, "src_port", "src_port", 65535, false, &src_port, &has_src_port, err,
                       errlen)) ||
        (rc = get_uint(eve, "dest_port", "dest_port", 65535, false, &dest_port, &has_dest_port, err,
                       errlen)) ||
        (rc = get_uint(eve, "flow_id", "flow_id", (unsigned long)INT64_MAX, false, &flow_id,
                       &has_flow_id, err, errlen)))
        return rc;
    const json_t *alert = json_object_get(eve, "alert");
    if (!alert)
        return eve_fail(err, errlen, "EVE alert: field 'alert': missing");
    if (!json_is_object(alert))
        return eve_fail(err, errlen, "EVE alert: field 'alert': not an object");
    unsigned long sid, gid, rev, severity = 0;
    bool has_severity;
    if ((rc = get_uint(alert, "signature_id", "alert.signature_id", UINT32_MAX, true, &sid, NULL,
                       err, errlen)) ||
        (rc = get_uint(alert, "gid", "alert.gid", UINT32_MAX, true, &gid, NULL, err, errlen)) ||
        (rc = get_uint(alert, "rev", "alert.rev", UINT32_MAX, true, &rev, NULL, err, errlen)) ||
        (rc = get_uint(alert, "severity", "alert.severity", 255, false, &severity, &has_severity,
                       err, errlen)))
        return rc;
    if (sid == 0)
        return eve_fail(err, errlen, "EVE alert: field 'alert.signature_id': 0 is not a rule id");
    if ((rc = get_string(alert, "signature", "alert.signature", true, &signature, err, errlen)) ||
        (rc = get_string(alert, "category", "alert.category", false, &category, err, errlen)))
        return rc;

    char indicator_id[64];
    if ((rc = eve_indicator_id(gid, sid, indicator_id, sizeof(indicator_id))))
        return eve_fail(err, errlen, "EVE alert: SHA-1 unavailable for the indicator id"), rc;

    /* Sighting id: the same event submitted twice is the same sighting. */
    char sighting_name[512], sighting_uuid[37], sighting_id[64];
    snprintf(sighting_name, sizeof(sighting_name), "sighting|%s|%s|%lu:%lu:%lu|%s|%lu|%s|%lu|%lu",
             org_identity_id, ts, gid, sid, rev, src_ip, src_port, dest_ip, dest_port, flow_id);
    if ((rc = uuid5(sighting_name, sighting_uuid)))
        return eve_fail(err, errlen, "EVE alert: SHA-1 unavailable for the sighting id"), rc;
    snprintf(sighting_id, sizeof(sighting_id), "sighting--%s", sighting_uuid);

    char msg[1024], rule[1400], desc[1400];
    rule_escape(msg, sizeof(msg), signature);
    snprintf(rule, sizeof(rule),
             "alert ip any any -> any any (msg:\"%s\"; sid:%lu; rev:%lu; gid:%lu;)", msg, sid, rev,
             gid);
    snprintf(desc, sizeof(desc), "Suricata rule %lu:%lu rev %lu%s%.1000s", gid, sid, rev,
             category && category[0] ? ": " : "", category ? category : "");
    char ext_id[64];
    snprintf(ext_id, sizeof(ext_id), "%lu:%lu:%lu", gid, sid, rev);

    struct builder b = {false};
    json_t *ind = json_object();
    json_t *sig = json_object();
    if (!ind || !sig) {
        json_decref(ind);
        json_decref(sig);
        eve_fail(err, errlen, "EVE alert: out of memory building the STIX objects");
        return -ENOMEM;
    }
    put(&b, ind, "type", jstr("indicator"));
    put(&b, ind, "spec_version", jstr("2.1"));
    put(&b, ind, "id", jstr(indicator_id));
    put(&b, ind, "created_by_ref", jstr(org_identity_id));
    put(&b, ind, "created", jstr(ts));
    put(&b, ind, "modified", jstr(ts));
    put(&b, ind, "name", jstr(signature));
    put(&b, ind, "description", jstr(desc));
    put(&b, ind, "indicator_types",
        string_list1(indicator_type_for(category, severity, has_severity)));
    if (category && category[0])
        put(&b, ind, "labels", string_list1(category));
    put(&b, ind, "pattern", jstr(rule));
    put(&b, ind, "pattern_type", jstr("suricata"));
    put(&b, ind, "valid_from", jstr(ts));
    json_t *ext = json_object();
    json_t *exts = json_array();
    if (ext) {
        put(&b, ext, "source_name", jstr("suricata"));
        put(&b, ext, "external_id", jstr(ext_id));
    }
    /* json_array_append_new consumes ext even when it fails. */
    if (!exts || json_array_append_new(exts, ext) != 0) {
        if (!exts)
            json_decref(ext);
        json_decref(exts);
        exts = NULL;
    }
    put(&b, ind, "external_references", exts);
    json_t *md = metadata_copy(json_object_get(alert, "metadata"));
    if (md)
        put(&b, ind, "x_vigil_rule_metadata", md);

    put(&b, sig, "type", jstr("sighting"));
    put(&b, sig, "spec_version", jstr("2.1"));
    put(&b, sig, "id", jstr(sighting_id));
    put(&b, sig, "created_by_ref", jstr(org_identity_id));
    put(&b, sig, "created", jstr(ts));
    put(&b, sig, "modified", jstr(ts));
    put(&b, sig, "first_seen", jstr(ts));
    put(&b, sig, "last_seen", jstr(ts));
    put(&b, sig, "count", json_integer(1));
    put(&b, sig, "sighting_of_ref", jstr(indicator_id));
    put(&b, sig, "where_sighted_refs", string_list1(org_identity_id));
    json_t *obs = json_object();
    if (obs) {
        put(&b, obs, "src_ip", jstr(src_ip));
        put(&b, obs, "dest_ip", jstr(dest_ip));
        if (has_src_port)
            put(&b, obs, "src_port", json_integer((json_int_t)src_port));
        if (has_dest_port)
            put(&b, obs, "dest_port", json_integer((json_int_t)dest_port));
        if (proto)
            put(&b, obs, "proto", jstr(proto));
        if (app_proto)
            put(&b, obs, "app_proto", jstr(app_proto));
        if (has_severity)
            put(&b, obs, "severity", json_integer((json_int_t)severity));
        if (has_flow_id)
            put(&b, obs, "flow_id", json_integer((json_int_t)flow_id));
    }
    put(&b, sig, "x_vigil_observed", obs);

    if (b.failed) {
        json_decref(ind);
        json_decref(sig);
        eve_fail(err, errlen, "EVE alert: out of memory building the STIX objects");
        return -ENOMEM;
    }
    /* Our output must always be valid STIX; a failure here is a bug (e.g. a
     * signature that is not UTF-8 was already refused by jansson). */
    char verr[256];
    if (stix_object_validate(ind, verr, sizeof(verr)) != 0 ||
        stix_object_validate(sig, verr, sizeof(verr)) != 0) {
        json_decref(ind);
        json_decref(sig);
        return eve_fail(err, errlen, "EVE alert: produced invalid STIX: %s", verr);
    }
    *indicator_out = ind;
    *sighting_out = sig;
    return 0;
}
