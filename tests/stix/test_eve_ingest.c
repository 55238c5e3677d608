/* SPDX-License-Identifier: Apache-2.0 */
/* EVE alert -> STIX indicator + sighting: field mapping, deterministic ids
 * (checked against an independent UUIDv5 computation), timestamp
 * normalisation, refusal of bad events naming the field, and every output
 * passing the validator. */
#include <errno.h>
#include <jansson.h>

#include "hub/eve_ingest.h"
#include "hub/stix_validate.h"
#include "test.h"

#define ORG_A "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
#define ORG_B "identity--0a4b2b0e-5a1d-4c3e-8f6a-7b8c9d0e1f20"

static const char *alert_text =
    "{\"timestamp\":\"2017-06-23T12:34:56.789012+0000\",\"flow_id\":1234567890123,"
    "\"in_iface\":\"eth0\",\"event_type\":\"alert\",\"src_ip\":\"10.16.1.11\","
    "\"src_port\":49187,\"dest_ip\":\"192.0.2.7\",\"dest_port\":80,\"proto\":\"TCP\","
    "\"app_proto\":\"http\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
    "\"signature_id\":2000001,\"rev\":7,\"signature\":\"ET MALWARE Evil \\\"Bot\\\"; check-in\","
    "\"category\":\"A Network Trojan was detected\",\"severity\":1,"
    "\"metadata\":{\"created_at\":[\"2017_06_01\"],\"signature_severity\":[\"Major\"]}}}";

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fprintf(stderr, "  bad test JSON: %s\n", je.text);
    return j;
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_mapping(void)
{
    json_t *eve = load(alert_text);
    json_t *ind = NULL, *sig = NULL;
    char err[256] = "";
    int rc = eve_alert_to_stix(eve, ORG_A, &ind, &sig, err, sizeof(err));
    CHECK_EQ_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "  %s\n", err);
        json_decref(eve);
        return;
    }
    /* Expected id: Python uuid.uuid5(UUID('3f2a8c1e-5b7d-4e9a-9c21-6d8e0b4f7a13'), '1:2000001'). */
    CHECK_EQ_STR(str(ind, "id"), "indicator--37a57d51-00de-5545-bb3c-f32b3f7de7ba");
    CHECK_EQ_STR(str(ind, "type"), "indicator");
    CHECK_EQ_STR(str(ind, "spec_version"), "2.1");
    CHECK_EQ_STR(str(ind, "pattern_type"), "suricata");
    CHECK_EQ_STR(str(ind, "pattern"), "alert ip any any -> any any (msg:\"ET MALWARE Evil "
                                      "\\\"Bot\\\"\\; check-in\"; sid:2000001; rev:7; gid:1;)");
    CHECK_EQ_STR(str(ind, "name"), "ET MALWARE Evil \"Bot\"; check-in");
    CHECK_EQ_STR(str(ind, "created_by_ref"), ORG_A);
    CHECK_EQ_STR(str(ind, "valid_from"), "2017-06-23T12:34:56.789012Z");
    CHECK_EQ_STR(str(ind, "created"), "2017-06-23T12:34:56.789012Z");
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(ind, "indicator_types"), 0)),
                 "malicious-activity");
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(ind, "labels"), 0)),
                 "A Network Trojan was detected");
    const json_t *er = json_array_get(json_object_get(ind, "external_references"), 0);
    CHECK_EQ_STR(str(er, "source_name"), "suricata");
    CHECK_EQ_STR(str(er, "external_id"), "1:2000001:7");
    CHECK(json_is_object(json_object_get(ind, "x_vigil_rule_metadata")));

    CHECK_EQ_STR(str(sig, "type"), "sighting");
    CHECK(strncmp(str(sig, "id"), "sighting--", 10) == 0);
    CHECK_EQ_STR(str(sig, "sighting_of_ref"), str(ind, "id"));
    CHECK_EQ_STR(str(sig, "first_seen"), "2017-06-23T12:34:56.789012Z");
    CHECK_EQ_STR(str(sig, "last_seen"), "2017-06-23T12:34:56.789012Z");
    CHECK_EQ_INT(json_integer_value(json_object_get(sig, "count")), 1);
    CHECK_EQ_STR(str(sig, "created_by_ref"), ORG_A);
    const json_t *where = json_object_get(sig, "where_sighted_refs");
    CHECK_EQ_INT(json_array_size(where), 1);
    CHECK_EQ_STR(json_string_value(json_array_get(where, 0)), ORG_A);
    const json_t *obs = json_object_get(sig, "x_vigil_observed");
    CHECK_EQ_STR(str(obs, "src_ip"), "10.16.1.11");
    CHECK_EQ_STR(str(obs, "dest_ip"), "192.0.2.7");
    CHECK_EQ_INT(json_integer_value(json_object_get(obs, "src_port")), 49187);
    CHECK_EQ_INT(json_integer_value(json_object_get(obs, "dest_port")), 80);
    CHECK_EQ_STR(str(obs, "proto"), "TCP");
    CHECK_EQ_INT(json_integer_value(json_object_get(obs, "severity")), 1);

    /* Both outputs pass the validator. */
    CHECK_EQ_INT(stix_object_validate(ind, err, sizeof(err)), 0);
    CHECK_EQ_INT(stix_object_validate(sig, err, sizeof(err)), 0);

    /* Another organisation, same rule: same indicator id, different sighting. */
    json_t *ind2 = NULL, *sig2 = NULL;
    CHECK_EQ_INT(eve_alert_to_stix(eve, ORG_B, &ind2, &sig2, err, sizeof(err)), 0);
    CHECK_EQ_STR(str(ind2, "id"), str(ind, "id"));
    CHECK(strcmp(str(sig2, "id"), str(sig, "id")) != 0);
    CHECK_EQ_STR(str(ind2, "created_by_ref"), ORG_B);
    /* Same org, same event again: same sighting id (idempotent re-submission). */
    json_t *ind3 = NULL, *sig3 = NULL;
    CHECK_EQ_INT(eve_alert_to_stix(eve, ORG_A, &ind3, &sig3, err, sizeof(err)), 0);
    CHECK_EQ_STR(str(sig3, "id"), str(sig, "id"));
    json_decref(ind);
    json_decref(sig);
    json_decref(ind2);
    json_decref(sig2);
    json_decref(ind3);
    json_decref(sig3);
    json_decref(eve);

    char id[64];
    CHECK_EQ_INT(eve_indicator_id(1, 2100498, id, sizeof(id)), 0);
    CHECK_EQ_STR(id, "indicator--c5683b6a-1a63-5eef-b48f-106f057bf8f6");
    CHECK_EQ_INT(eve_indicator_id(1, 1, id, 10), -EINVAL);
}

/* Converts the alert with one field replaced (JSON null deletes it) and
 * checks the outcome. path is "field" or "alert.field". */
static void convert_with(const char *path, const char *value_json, const char *org,
                         const char *want_err, const char *want_ts)
{
    json_t *eve = load(alert_text);
    if (path) {
        json_t *parent = eve;
        const char *key = path;
        if (strncmp(path, "alert.", 6) == 0) {
            parent = json_object_get(eve, "alert");
            key = path + 6;
        }
        json_t *v = json_loads(value_json, JSON_DECODE_ANY, NULL);
        if (json_is_null(v)) {
            json_object_del(parent, key);
            json_decref(v);
        } else {
            json_object_set_new(parent, key, v);
        }
    }
    json_t *ind = (json_t *)1, *sig = (json_t *)1;
    char err[256] = "";
    int rc = eve_alert_to_stix(eve, org, &ind, &sig, err, sizeof(err));
    if (want_err) {
        bool ok = rc == -EINVAL && strstr(err, want_err) && !ind && !sig;
        if (!ok)
            fprintf(stderr, "  %s=%s: expected error \"%s\", got rc %d \"%s\"\n", path, value_json,
                    want_err, rc, err);
        CHECK(ok);
    } else {
        CHECK_EQ_INT(rc, 0);
        if (rc)
            fprintf(stderr, "  %s=%s: %s\n", path, value_json, err);
        if (want_ts && !rc) {
            CHECK_EQ_STR(str(sig, "first_seen"), want_ts);
            CHECK_EQ_STR(str(ind, "valid_from"), want_ts);
        }
        if (!rc) {
            CHECK_EQ_INT(stix_object_validate(ind, err, sizeof(err)), 0);
            CHECK_EQ_INT(stix_object_validate(sig, err, sizeof(err)), 0);
        }
    }
    if (!rc) {
        json_decref(ind);
        json_decref(sig);
    }
    json_decref(eve);
}

static void test_timestamps(void)
{
    convert_with("timestamp", "\"2017-06-23T12:34:56.789012+0200\"", ORG_A, NULL,
                 "2017-06-23T10:34:56.789012Z");
    convert_with("timestamp", "\"2017-06-23T22:34:56-05:30\"", ORG_A, NULL, "2017-06-24T04:04:56Z");
    convert_with("timestamp", "\"2017-01-01T00:10:00.5+0100\"", ORG_A, NULL,
                 "2016-12-31T23:10:00.5Z");
    convert_with("timestamp", "\"2016-02-29T23:00:00.000Z\"", ORG_A, NULL,
                 "2016-02-29T23:00:00.000Z");
    convert_with("timestamp", "\"2016-03-01T00:30:00.000+01:00\"", ORG_A, NULL,
                 "2016-02-29T23:30:00.000Z");
    convert_with("timestamp", "\"2017-06-23 12:34:56+0000\"", ORG_A, "field 'timestamp'", NULL);
    convert_with("timestamp", "\"2017-06-23T12:34:56\"", ORG_A, "field 'timestamp'", NULL);
    convert_with("timestamp", "\"2017-06-23T12:34:56+2500\"", ORG_A, "field 'timestamp'", NULL);
    convert_with("timestamp", "\"2017-06-23T12:34:56+01:0x\"", ORG_A, "field 'timestamp'", NULL);
    convert_with("timestamp", "\"2017-13-23T12:34:56Z\"", ORG_A, "field 'timestamp'", NULL);
    convert_with("timestamp", "\"2017-06-23T12:34:56.Z\"", ORG_A, "field 'timestamp'", NULL);
    convert_with("timestamp", "12", ORG_A, "field 'timestamp': not a string", NULL);
    convert_with("timestamp", "null", ORG_A, "field 'timestamp': missing", NULL);
}

static void test_refusals(void)
{
    convert_with("event_type", "\"dns\"", ORG_A, "field 'event_type': 'dns' is not 'alert'", NULL);
    convert_with("event_type", "null", ORG_A, "field 'event_type': missing", NULL);
    convert_with("alert", "null", ORG_A, "field 'alert': missing", NULL);
    convert_with("alert", "[1]", ORG_A, "field 'alert': not an object", NULL);
    convert_with("alert.signature_id", "null", ORG_A, "field 'alert.signature_id': missing", NULL);
    convert_with("alert.signature_id", "\"2000001\"", ORG_A, "field 'alert.signature_id'", NULL);
    convert_with("alert.signature_id", "-1", ORG_A, "field 'alert.signature_id'", NULL);
    convert_with("alert.signature_id", "0", ORG_A, "field 'alert.signature_id'", NULL);
    convert_with("alert.signature_id", "99999999999", ORG_A, "field 'alert.signature_id'", NULL);
    convert_with("alert.gid", "null", ORG_A, "field 'alert.gid': missing", NULL);
    convert_with("alert.rev", "null", ORG_A, "field 'alert.rev': missing", NULL);
    convert_with("alert.signature", "null", ORG_A, "field 'alert.signature': missing", NULL);
    convert_with("alert.signature", "\"\"", ORG_A, "field 'alert.signature': empty", NULL);
    convert_with("alert.severity", "\"high\"", ORG_A, "field 'alert.severity'", NULL);
    convert_with("src_ip", "null", ORG_A, "field 'src_ip': missing", NULL);
    convert_with("dest_ip", "5", ORG_A, "field 'dest_ip': not a string", NULL);
    convert_with("dest_ip", "\"10.0.0.256\"", ORG_A, "field 'dest_ip': '10.0.0.256' is not an IP",
                 NULL);
    convert_with("src_ip", "\"evil.example\"", ORG_A, "field 'src_ip'", NULL);
    convert_with("src_ip", "\"2001:db8::1\"", ORG_A, NULL, NULL);
    convert_with("src_port", "70000", ORG_A, "field 'src_port'", NULL);
    convert_with(NULL, NULL, "identity--nope", "organisation identity", NULL);
    convert_with(NULL, NULL, "malware--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                 "organisation identity", NULL);
    convert_with(NULL, NULL, NULL, "organisation identity", NULL);
    /* Optional fields may be absent. */
    convert_with("alert.category", "null", ORG_A, NULL, NULL);
    convert_with("alert.severity", "null", ORG_A, NULL, NULL);
    convert_with("alert.metadata", "null", ORG_A, NULL, NULL);
    convert_with("alert.metadata", "{\"x\": 5}", ORG_A, NULL, NULL); /* odd shape: dropped */
    convert_with("src_port", "null", ORG_A, NULL, NULL);
    convert_with("proto", "null", ORG_A, NULL, NULL);
    convert_with("flow_id", "null", ORG_A, NULL, NULL);
    convert_with("alert.signature", "\"a\\\\b\\u0001c \\u00e9\"", ORG_A, NULL, NULL);

    json_t *ind = NULL, *sig = NULL;
    char err[128];
    json_t *arr = json_array();
    CHECK_EQ_INT(eve_alert_to_stix(arr, ORG_A, &ind, &sig, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "not a JSON object") != NULL);
    CHECK_EQ_INT(eve_alert_to_stix(NULL, ORG_A, &ind, &sig, NULL, 0), -EINVAL);
    json_decref(arr);
}

static const char *type_for(const char *category, int severity)
{
    static char buf[64];
    json_t *eve = load(alert_text);
    json_t *alert = json_object_get(eve, "alert");
    if (category)
        json_object_set_new(alert, "category", json_stringn(category, strlen(category)));
    else
        json_object_del(alert, "category");
    json_object_set_new(alert, "severity", json_integer(severity));
    json_t *ind = NULL, *sig = NULL;
    buf[0] = '\0';
    if (eve_alert_to_stix(eve, ORG_A, &ind, &sig, NULL, 0) == 0)
        snprintf(buf, sizeof(buf), "%s",
                 json_string_value(json_array_get(json_object_get(ind, "indicator_types"), 0)));
    json_decref(ind);
    json_decref(sig);
    json_decref(eve);
    return buf;
}

static void test_categories(void)
{
    CHECK_EQ_STR(type_for("A Network Trojan was detected", 1), "malicious-activity");
    CHECK_EQ_STR(type_for("Attempted Administrator Privilege Gain", 1), "malicious-activity");
    CHECK_EQ_STR(type_for("Web Application Attack", 1), "malicious-activity");
    CHECK_EQ_STR(type_for("Potentially Bad Traffic", 2), "anomalous-activity");
    CHECK_EQ_STR(type_for("Misc activity", 3), "anomalous-activity");
    CHECK_EQ_STR(type_for("Not Suspicious Traffic", 3), "benign");
    CHECK_EQ_STR(type_for("Unknown Traffic", 3), "unknown");
    CHECK_EQ_STR(type_for("Site-specific thing", 1), "malicious-activity");
    CHECK_EQ_STR(type_for("Site-specific thing", 3), "anomalous-activity");
    CHECK_EQ_STR(type_for(NULL, 3), "anomalous-activity");
}

int main(void)
{
    test_mapping();
    test_timestamps();
    test_refusals();
    test_categories();
    TEST_MAIN_END();
}
