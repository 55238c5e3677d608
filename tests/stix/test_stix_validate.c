/* SPDX-License-Identifier: Apache-2.0 */
/* STIX 2.1 object validation: every object of the shared sample data is
 * accepted (the NEGATIVE file's broken relationship is refused), and each
 * rule is exercised by mutating one valid object and checking the message
 * names the property. */
#include <errno.h>
#include <jansson.h>

#include "hub/stix_validate.h"
#include "test.h"

static const char *shared_dir(void)
{
    const char *s = getenv("VIGIL_SHARED");
    return s ? s : "../../shared";
}

/* Validates every object of a bundle (or a bare object); returns the number
 * refused and stores the first message. */
static int validate_file(const char *rel, int *total, char *first_err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/stix-samples/%s", shared_dir(), rel);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        fprintf(stderr, "  %s: %s\n", path, je.text);
        return -1;
    }
    json_t *objs = json_object_get(doc, "objects");
    int bad = 0;
    char err[512];
    if (!objs) {
        (*total)++;
        if (stix_object_validate(doc, err, sizeof(err)) != 0) {
            bad++;
            snprintf(first_err, errlen, "%s", err);
        }
    } else {
        size_t i;
        json_t *o;
        json_array_foreach(objs, i, o)
        {
            (*total)++;
            if (stix_object_validate(o, err, sizeof(err)) != 0) {
                if (!bad)
                    snprintf(first_err, errlen, "%s", err);
                bad++;
            }
        }
    }
    json_decref(doc);
    return bad;
}

static void test_samples(void)
{
    static const char *const good[] = {
        "oasis-json-schemas-examples/apt1.json",
        "oasis-json-schemas-examples/indicator-for-c2-ip-address.json",
        "oasis-json-schemas-examples/indicator-to-campaign-relationship.json",
        "oasis-json-schemas-examples/indicators-for-C2-with-COA.json",
        "oasis-json-schemas-examples/infrastructure.json",
        "oasis-json-schemas-examples/interop-objectmarking-test.json",
        "oasis-json-schemas-examples/malicious-email-indicator-with-attachment.json",
        "oasis-json-schemas-examples/poisonivy.json",
        "oasis-cti-documentation/defining-campaigns-threat-actors-intrusion-sets.json",
        "oasis-cti-documentation/identifying-a-threat-actor-profile.json",
        "oasis-cti-documentation/indicator-for-malicious-url.json",
        "oasis-cti-documentation/malware-indicator-for-file-hash.json",
        "oasis-cti-documentation/sighting-of-an-indicator.json",
        "oasis-cti-documentation/sighting-of-observed-data.json",
        "oasis-cti-documentation/threat-actor-leveraging-attack-patterns-and-malware.json",
        "oasis-cti-documentation/using-granular-markings.json",
        "oasis-cti-documentation/using-marking-definitions.json",
        "tlp2/tlp-clear.json",
        "tlp2/tlp-amber.json",
        "tlp2/tlp-amber+strict.json",
        "mitre-attack-ics/ics-attack.json",
    };
    int total = 0;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char err[512] = "";
        int bad = validate_file(good[i], &total, err, sizeof(err));
        if (bad != 0)
            fprintf(stderr, "  %s: %d refused, first: %s\n", good[i], bad, err);
        CHECK_EQ_INT(bad, 0);
    }
    /* 76 + 1 + 3 + 8 + 10 + 1 + 6 + 155 + 26 + 3 + 3 + 3 + 4 + 8 + 7 + 4 + 4 + 3 + 1826 */
    CHECK_EQ_INT(total, 2151);

    char err[512] = "";
    int n = 0;
    CHECK_EQ_INT(validate_file("tlp2/NEGATIVE-using-tlp2.0-green.json", &n, err, sizeof(err)), 1);
    CHECK(strstr(err, "relationship--1621d4d4-b67d-11e3-9670-f01faf20d111: property 'created'") !=
          NULL);
}

/* The TAXII fixture carries objects of spec_version 2.0 and 2.1: the 2.1 ones
 * pass, the 2.0 ones (no spec_version on SDOs) are refused naming it. */
static void test_taxii_fixture(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/stix-samples/taxii-fixtures/medallion-default_data.json",
             shared_dir());
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    CHECK(doc != NULL);
    if (!doc)
        return;
    json_t *colls = json_object_get(json_object_get(doc, "trustgroup1"), "collections");
    size_t i, j;
    json_t *c, *o;
    int v21 = 0, other = 0;
    json_array_foreach(colls, i, c)
    {
        json_array_foreach(json_object_get(c, "objects"), j, o)
        {
            char err[512];
            int rc = stix_object_validate(o, err, sizeof(err));
            const char *sv = json_string_value(json_object_get(o, "spec_version"));
            if (sv && strcmp(sv, "2.1") == 0) {
                v21++;
                if (rc)
                    fprintf(stderr, "  taxii fixture: %s\n", err);
                CHECK_EQ_INT(rc, 0);
            } else if (json_object_get(o, "created")) {
                other++;
                CHECK_EQ_INT(rc, -EINVAL);
                CHECK(strstr(err, "spec_version") != NULL);
            }
        }
    }
    CHECK(v21 > 0);
    CHECK(other > 0);
    json_decref(doc);
}

static const char *base_indicator =
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
    "\"created_by_ref\":\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\","
    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.123456Z\","
    "\"indicator_types\":[\"malicious-activity\"],\"name\":\"Poison Ivy Malware\","
    "\"pattern\":\"[file:hashes.'SHA-256' = "
    "'4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']\","
    "\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\","
    "\"valid_until\":\"2017-01-01T00:00:00Z\",\"confidence\":50,\"revoked\":false,"
    "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"],"
    "\"x_vigil_recipients\":[\"identity--c7e2a0a4-6e39-4f54-9a3b-2f0b8f0e1a11\"]}";

/* Applies a change (JSON object merged over the base; a null value deletes the
 * key) and expects rejection mentioning want (or acceptance if want is NULL). */
static void expect(const char *base, const char *change, const char *want)
{
    json_error_t je;
    json_t *obj = json_loads(base, 0, &je);
    json_t *delta = json_loads(change, 0, &je);
    if (!obj || !delta) {
        fprintf(stderr, "  bad test JSON: %s (%s)\n", change, je.text);
        CHECK(0);
        json_decref(obj);
        json_decref(delta);
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(delta, k, v)
    {
        if (json_is_null(v))
            json_object_del(obj, k);
        else
            json_object_set(obj, k, v);
    }
    char err[512] = "";
    int rc = stix_object_validate(obj, err, sizeof(err));
    if (want) {
        bool ok = rc == -EINVAL && strstr(err, want) != NULL;
        if (!ok)
            fprintf(stderr, "  change %s: expected error with \"%s\", got %s\n", change, want,
                    rc ? err : "(accepted)");
        CHECK(ok);
    } else {
        if (rc)
            fprintf(stderr, "  change %s: expected acceptance, got %s\n", change, err);
        CHECK_EQ_INT(rc, 0);
    }
    json_decref(obj);
    json_decref(delta);
}

static void test_indicator_rules(void)
{
    const char *b = base_indicator;
    expect(b, "{}", NULL);
    expect(b, "{\"valid_from\":\"2016-01-01\"}",
           "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: property 'valid_from': not a STIX "
           "timestamp");
    expect(b, "{\"valid_from\":null}", "property 'valid_from': missing required property");
    expect(b, "{\"pattern\":null}", "property 'pattern': missing");
    expect(b, "{\"pattern\":\"\"}", "property 'pattern': not a non-empty string");
    expect(b, "{\"pattern_type\":null}", "property 'pattern_type': missing");
    expect(b, "{\"pattern\":\"[file:name = 'a'\"}",
           "property 'pattern': invalid STIX pattern: "
           "offset 16");
    expect(b, "{\"pattern\":\"[foo:name = 'a']\"}", "unknown object type 'foo'");
    expect(b,
           "{\"pattern\":\"alert tcp any any -> any any (sid:1;)\", "
           "\"pattern_type\":\"suricata\"}",
           NULL);
    expect(b, "{\"pattern\":\"rule x { condition: true }\", \"pattern_type\":\"yara\"}", NULL);
    expect(b, "{\"pattern\":\"title: x\", \"pattern_type\":\"sigma\"}", NULL);
    expect(b, "{\"pattern\":\"a+b\", \"pattern_type\":\"pcre\"}", NULL);
    expect(b, "{\"pattern\":\"alert ip any any -> any any (sid:1;)\", \"pattern_type\":\"snort\"}",
           NULL);
    expect(b, "{\"pattern\":\"\", \"pattern_type\":\"snort\"}", "property 'pattern'");
    expect(b, "{\"pattern_type\":\"my-engine\", \"pattern\":\"anything\"}", NULL); /* open vocab */
    expect(b, "{\"pattern_version\":\"2.1\"}", NULL);
    expect(b, "{\"pattern_version\":\"9\"}", "property 'pattern_version'");
    expect(b, "{\"valid_until\":\"2016-01-01T00:00:00Z\"}",
           "property 'valid_until': must be later than 'valid_from'");
    expect(b, "{\"valid_until\":\"2015-01-01T00:00:00Z\"}", "property 'valid_until'");
    expect(b, "{\"indicator_types\":[\"totally-new-type\"]}", NULL); /* open vocabulary */
    expect(b, "{\"indicator_types\":[]}", "property 'indicator_types': not a non-empty list");
    expect(b, "{\"indicator_types\":\"malicious-activity\"}", "property 'indicator_types'");
    expect(b, "{\"name\":5}", "property 'name': not a string");
    expect(b, "{\"kill_chain_phases\":[{\"kill_chain_name\":\"lm\",\"phase_name\":\"x\"}]}", NULL);
    expect(b, "{\"kill_chain_phases\":[{\"kill_chain_name\":\"lm\"}]}",
           "property 'kill_chain_phases'");
}

static void test_common_rules(void)
{
    const char *b = base_indicator;
    expect(b, "{\"type\":null}", "property 'type': missing");
    expect(b, "{\"type\":7}", "property 'type': not a string");
    expect(b, "{\"type\":\"Indicator\"}", "property 'type': 'Indicator' is not a valid type name");
    expect(b, "{\"type\":\"bundle\"}", "container");
    expect(b, "{\"type\":\"widget\",\"id\":\"widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
           "unknown object type 'widget'");
    expect(b, "{\"id\":null}", "property 'id': missing");
    expect(b, "{\"id\":\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
           "property 'id': type part of 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' does not "
           "match type 'indicator'");
    expect(b, "{\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3\"}",
           "property 'id': 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3' is not a STIX "
           "identifier");
    expect(b, "{\"id\":\"indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f\"}", "property 'id'");
    expect(b, "{\"id\":\"indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f\"}", NULL);
    expect(b, "{\"id\":\"indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f\"}", "property 'id'");
    expect(b, "{\"id\":\"indicator--8e2e2d2b_17d4-4cbf-938f-98ee46b3cd3f\"}", "property 'id'");
    expect(b, "{\"id\":\"indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}", "property 'id'");
    expect(b, "{\"spec_version\":\"2.0\"}", "property 'spec_version': '2.0' is not '2.1'");
    expect(b, "{\"spec_version\":null}", "property 'spec_version': missing");
    expect(b, "{\"created\":null}", "property 'created': missing");
    expect(b, "{\"modified\":\"2016-04-06T20:03:47.999Z\"}",
           "property 'modified': must be later than or equal to 'created'");
    expect(b, "{\"modified\":\"2016-04-06T20:03:48Z\"}", NULL); /* equal is fine */
    expect(b, "{\"modified\":\"2016-04-06T20:03:48.000+00:00\"}", "property 'modified'");
    expect(b, "{\"created\":\"2016-02-30T20:03:48.000Z\"}", "property 'created'");
    expect(b, "{\"confidence\":101}", "property 'confidence': 101 is outside 0..100");
    expect(b, "{\"confidence\":-1}", "property 'confidence'");
    expect(b, "{\"confidence\":\"50\"}", "property 'confidence': not an integer");
    expect(b, "{\"confidence\":0}", NULL);
    expect(b, "{\"revoked\":\"no\"}", "property 'revoked': not a boolean");
    expect(b, "{\"labels\":[\"a\",3]}", "property 'labels': item 1 is not a string");
    expect(b, "{\"lang\":\"en\"}", NULL);
    expect(b, "{\"created_by_ref\":\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
           "property 'created_by_ref': 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' must "
           "reference identity");
    expect(b, "{\"created_by_ref\":\"identity--x\"}", "property 'created_by_ref'");
    expect(b, "{\"object_marking_refs\":[\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\"]}",
           "property 'object_marking_refs'");
    expect(b, "{\"object_marking_refs\":[]}", "property 'object_marking_refs'");
    expect(b, "{\"x_vigil_recipients\":[\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"]}",
           "property 'x_vigil_recipients'");
    expect(b, "{\"x_vigil_recipients\":\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\"}",
           "property 'x_vigil_recipients'");
    expect(b, "{\"external_references\":[{\"source_name\":\"cve\",\"external_id\":\"CVE-1\"}]}",
           NULL);
    expect(b, "{\"external_references\":[{\"url\":\"http://x\"}]}",
           "property 'external_references': item 0: 'source_name'");
    expect(b, "{\"external_references\":[{\"source_name\":\"x\",\"hashes\":{\"MD5\":\"zz\"}}]}",
           "'MD5' value");
    expect(b,
           "{\"granular_markings\":[{\"selectors\":[\"name\"],\"marking_ref\":"
           "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"}]}",
           NULL);
    expect(b, "{\"granular_markings\":[{\"selectors\":[\"name\"],\"lang\":\"fr\"}]}", NULL);
    expect(b, "{\"granular_markings\":[{\"selectors\":[],\"lang\":\"fr\"}]}", "'selectors'");
    expect(b,
           "{\"granular_markings\":[{\"selectors\":[\"indicator_types.[0]\","
           "\"object_marking_refs.[0]\",\"name\"],\"lang\":\"fr\"}]}",
           NULL);
    expect(b, "{\"granular_markings\":[{\"selectors\":[\"description\"],\"lang\":\"fr\"}]}",
           "selector 'description' does not name a property");
    expect(b, "{\"granular_markings\":[{\"selectors\":[\"indicator_types.[1]\"],\"lang\":\"fr\"}]}",
           "selector 'indicator_types.[1]'");
    expect(b, "{\"granular_markings\":[{\"selectors\":[\"name.[0]\"],\"lang\":\"fr\"}]}",
           "selector 'name.[0]'");
    expect(b, "{\"granular_markings\":[{\"selectors\":[\"name.\"],\"lang\":\"fr\"}]}",
           "selector 'name.'");
    expect(b,
           "{\"granular_markings\":[{\"selectors\":[\"indicator_types.[x]\"],\"lang\":"
           "\"fr\"}]}",
           "selector");
    expect(b, "{\"granular_markings\":[{\"selectors\":[\"name\"]}]}",
           "exactly one of 'marking_ref' and 'lang'");
    expect(b,
           "{\"granular_markings\":[{\"selectors\":[\"name\"],\"lang\":\"fr\",\"marking_ref\":"
           "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"}]}",
           "exactly one");
    expect(b,
           "{\"granular_markings\":[{\"selectors\":[\"name\"],\"marking_ref\":"
           "\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\"}]}",
           "property 'granular_markings'");
    expect(b, "{\"x_custom_field\":{\"any\":[1,2]}}", NULL);
    expect(b, "{\"a b\":1}", "property 'a b': invalid custom property name");
    expect(b, "{\"xy\":1}", "property 'xy': invalid custom property name");
    expect(b,
           "{\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e\":"
           "{\"extension_type\":\"property-extension\",\"rank\":5}}}",
           NULL);
    expect(b,
           "{\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e\":"
           "{\"extension_type\":\"bogus\"}}}",
           "property 'extensions'");
    expect(b, "{\"extensions\":{\"extension-definition--nope\":{}}}", "property 'extensions'");
    expect(b, "{\"extensions\":[]}", "property 'extensions': not a dictionary");
}

static const char *id_of(const char *type)
{
    static char buf[128];
    snprintf(buf, sizeof(buf), "%s--6b0e7a6c-3f1d-4b0c-9f5a-1c2d3e4f5a6b", type);
    return buf;
}

/* Builds a minimal SDO/SRO of type with extra JSON members and checks it. */
static void check_obj(const char *type, const char *members, const char *want)
{
    char text[4096];
    snprintf(
        text, sizeof(text),
        "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\","
        "\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"2020-01-01T00:00:00.000Z\"%s%s}",
        type, id_of(type), members[0] ? "," : "", members);
    expect(text, "{}", want);
}

#define IDENT "\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\""
#define IND "\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\""

static void test_sdo_required(void)
{
    static const char *const named[] = {
        "attack-pattern", "campaign",      "course-of-action", "identity", "incident",
        "infrastructure", "intrusion-set", "threat-actor",     "tool",     "vulnerability"};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        check_obj(named[i], "\"name\":\"x\"", NULL);
        check_obj(named[i], "", "property 'name': missing required property");
    }
    check_obj("campaign",
              "\"name\":\"x\",\"first_seen\":\"2020-01-02T00:00:00Z\","
              "\"last_seen\":\"2020-01-01T00:00:00Z\"",
              "property 'last_seen': must be later than or equal to 'first_seen'");
    check_obj("grouping", "\"context\":\"suspicious-activity\",\"object_refs\":[" IND "]", NULL);
    check_obj("grouping", "\"object_refs\":[" IND "]", "property 'context'");
    check_obj("grouping", "\"context\":\"x\"", "property 'object_refs'");
    check_obj("location", "\"country\":\"ca\"", NULL);
    check_obj("location", "\"latitude\":45.1,\"longitude\":-75.5", NULL);
    check_obj("location", "\"latitude\":95,\"longitude\":0", "property 'latitude'");
    check_obj("location", "\"latitude\":45", "property 'longitude'");
    check_obj("location", "\"city\":\"Ottawa\"", "property 'region'");
    check_obj("malware", "\"is_family\":false", NULL);
    check_obj("malware", "\"is_family\":true", "property 'name': required when 'is_family'");
    check_obj("malware", "\"name\":\"x\"", "property 'is_family': missing");
    check_obj("malware", "\"is_family\":false,\"sample_refs\":[" IDENT "]",
              "property 'sample_refs'");
    check_obj("malware-analysis", "\"product\":\"av\",\"result\":\"malicious\"", NULL);
    check_obj("malware-analysis", "\"product\":\"av\"", "property 'result'");
    check_obj("note", "\"content\":\"c\",\"object_refs\":[" IND "]", NULL);
    check_obj("note", "\"object_refs\":[" IND "]", "property 'content'");
    check_obj("observed-data",
              "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":"
              "\"2020-01-01T00:00:00Z\",\"number_observed\":1,\"object_refs\":["
              "\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"]",
              NULL);
    check_obj("observed-data",
              "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":"
              "\"2020-01-01T00:00:00Z\",\"number_observed\":0,\"object_refs\":["
              "\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"]",
              "property 'number_observed'");
    check_obj("observed-data",
              "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":"
              "\"2020-01-01T00:00:00Z\",\"number_observed\":1",
              "property 'object_refs'");
    check_obj("opinion", "\"opinion\":\"agree\",\"object_refs\":[" IND "]", NULL);
    check_obj("opinion", "\"opinion\":\"maybe\",\"object_refs\":[" IND "]", "property 'opinion'");
    check_obj("report",
              "\"name\":\"r\",\"published\":\"2020-01-01T00:00:00Z\",\"object_refs\":[" IND "]",
              NULL);
    check_obj("report", "\"name\":\"r\",\"object_refs\":[" IND "]", "property 'published'");
    check_obj("indicator",
              "\"pattern\":\"[url:value = 'x']\",\"pattern_type\":\"stix\","
              "\"valid_from\":\"2020-01-01T00:00:00Z\"",
              NULL);
}

static void test_sro_rules(void)
{
    check_obj("relationship",
              "\"relationship_type\":\"indicates\",\"source_ref\":" IND
              ",\"target_ref\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"",
              NULL);
    check_obj("relationship",
              "\"relationship_type\":\"x\",\"source_ref\":" IND
              ",\"target_ref\":\"relationship--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"",
              "property 'target_ref'");
    check_obj("relationship",
              "\"relationship_type\":\"Uses\",\"source_ref\":" IND ",\"target_ref\":" IND,
              "property 'relationship_type': 'Uses' may only contain");
    check_obj("relationship",
              "\"relationship_type\":\"\",\"source_ref\":" IND ",\"target_ref\":" IND,
              "property 'relationship_type'");
    check_obj("relationship",
              "\"relationship_type\":\"my-own-type-2\",\"source_ref\":" IND ",\"target_ref\":" IND,
              NULL);
    check_obj("relationship", "\"source_ref\":" IND ",\"target_ref\":" IND,
              "property 'relationship_type'");
    check_obj("relationship",
              "\"relationship_type\":\"x\",\"source_ref\":" IND ",\"target_ref\":" IND
              ",\"start_time\":\"2020-01-01T00:00:00Z\",\"stop_time\":"
              "\"2020-01-01T00:00:00Z\"",
              "property 'stop_time'");
    check_obj("sighting",
              "\"sighting_of_ref\":" IND ",\"where_sighted_refs\":[" IDENT "],"
              "\"count\":3,\"first_seen\":\"2020-01-01T00:00:00Z\"",
              NULL);
    check_obj("sighting",
              "\"sighting_of_ref\":\"x-custom-thing--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"", NULL);
    check_obj("sighting", "\"where_sighted_refs\":[" IDENT "]",
              "property 'sighting_of_ref': missing");
    check_obj("sighting", "\"sighting_of_ref\":\"file--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"",
              "property 'sighting_of_ref': 'file--31b940d4-6f7f-459a-80ea-9c1f17b5891b' must "
              "reference a STIX Domain Object");
    check_obj("sighting",
              "\"sighting_of_ref\":\"relationship--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"",
              "property 'sighting_of_ref'");
    check_obj("sighting", "\"sighting_of_ref\":" IND ",\"where_sighted_refs\":[" IND "]",
              "property 'where_sighted_refs'");
    check_obj("sighting",
              "\"sighting_of_ref\":" IND ",\"where_sighted_refs\":["
              "\"location--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"]",
              NULL);
    check_obj("sighting", "\"sighting_of_ref\":" IND ",\"observed_data_refs\":[" IND "]",
              "property 'observed_data_refs'");
    check_obj("sighting", "\"sighting_of_ref\":" IND ",\"count\":-1", "property 'count'");
    check_obj("sighting", "\"sighting_of_ref\":" IND ",\"summary\":1", "property 'summary'");
}

static void test_meta_and_sco(void)
{
    /* TLP 1.0 and statement marking definitions. */
    expect("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
           "\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\",\"created\":"
           "\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\",\"name\":\"TLP:AMBER\","
           "\"definition\":{\"tlp\":\"amber\"}}",
           "{}", NULL);
    expect("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
           "\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\",\"created\":"
           "\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\","
           "\"definition\":{\"tlp\":\"red\"}}",
           "{}", "property 'definition': 'red' does not match");
    expect("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
           "\"marking-definition--a8d0a4a3-5b5d-4c52-9f4b-6b6a5e4a3b2c\",\"created\":"
           "\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"statement\","
           "\"definition\":{\"statement\":\"Copyright 2017\"}}",
           "{}", NULL);
    expect("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
           "\"marking-definition--a8d0a4a3-5b5d-4c52-9f4b-6b6a5e4a3b2c\",\"created\":"
           "\"2017-01-20T00:00:00.000Z\"}",
           "{}", "property 'definition_type': required when 'extensions' is absent");
    expect("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
           "\"marking-definition--a8d0a4a3-5b5d-4c52-9f4b-6b6a5e4a3b2c\",\"created\":"
           "\"2017-01-20T00:00:00.000Z\",\"modified\":\"2017-01-20T00:00:00.000Z\","
           "\"definition_type\":\"statement\",\"definition\":{\"statement\":\"x\"}}",
           "{}", "property 'modified'");
    /* TLP 2.0 form: level must match the well-known id. */
    const char *tlp2 = "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
                       "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\",\"created\":"
                       "\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\",\"extensions\":{"
                       "\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":{"
                       "\"extension_type\":\"property-extension\",\"tlp_2_0\":\"green\"}}}";
    expect(tlp2, "{}", NULL);
    expect(tlp2,
           "{\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
           "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"red\"}}}",
           "property 'extensions': 'tlp_2_0' 'red' does not match");
    expect(tlp2,
           "{\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
           "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"purple\"}}}",
           "property 'extensions'");

    expect(
        "{\"type\":\"extension-definition\",\"spec_version\":\"2.1\",\"id\":"
        "\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\",\"created_by_ref\":" IDENT
        ",\"created\":\"2022-10-01T00:00:00.000Z\",\"modified\":"
        "\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP 2.0\",\"schema\":\"https://x\","
        "\"version\":\"1.0.0\",\"extension_types\":[\"property-extension\"]}",
        "{}", NULL);
    expect(
        "{\"type\":\"extension-definition\",\"spec_version\":\"2.1\",\"id\":"
        "\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\",\"created_by_ref\":" IDENT
        ",\"created\":\"2022-10-01T00:00:00.000Z\",\"modified\":"
        "\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP 2.0\",\"schema\":\"https://x\","
        "\"version\":\"1.0.0\",\"extension_types\":[\"new-thing\"]}",
        "{}", "property 'extension_types'");
    expect("{\"type\":\"language-content\",\"spec_version\":\"2.1\",\"id\":"
           "\"language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d\",\"created\":"
           "\"2017-02-08T21:31:22.007Z\",\"modified\":\"2017-02-08T21:31:22.007Z\","
           "\"object_ref\":" IND ",\"object_modified\":\"2017-02-08T21:31:22.007Z\","
           "\"contents\":{\"de\":{\"name\":\"x\"}}}",
           "{}", NULL);
    expect("{\"type\":\"language-content\",\"spec_version\":\"2.1\",\"id\":"
           "\"language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d\",\"created\":"
           "\"2017-02-08T21:31:22.007Z\",\"modified\":\"2017-02-08T21:31:22.007Z\","
           "\"object_ref\":" IND "}",
           "{}", "property 'contents'");

    /* SCOs: no created/modified, spec_version optional. */
    expect("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"value\":\"198.51.100.3\"}",
           "{}", NULL);
    expect("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"}",
           "{}", "property 'value': missing");
    expect("{\"type\":\"file\",\"id\":\"file--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"hashes\":{\"SHA-256\":\"abc\"}}",
           "{}", "property 'hashes': 'SHA-256' value is not 64 hex digits");
    expect("{\"type\":\"file\",\"id\":\"file--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"size\":10}",
           "{}", "property 'name': a file needs 'hashes' or 'name'");
    expect("{\"type\":\"network-traffic\",\"id\":"
           "\"network-traffic--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"protocols\":[\"tcp\"],"
           "\"dst_ref\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"dst_port\":443}",
           "{}", NULL);
    expect("{\"type\":\"network-traffic\",\"id\":"
           "\"network-traffic--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"protocols\":[\"tcp\"],"
           "\"dst_ref\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"dst_port\":70000}",
           "{}", "property 'dst_port'");
    expect("{\"type\":\"network-traffic\",\"id\":"
           "\"network-traffic--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"protocols\":[\"tcp\"],"
           "\"dst_ref\":\"file--ff26c055-6336-5bc5-b98d-13d6226742dd\"}",
           "{}", "property 'dst_ref'");
    expect("{\"type\":\"artifact\",\"id\":\"artifact--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"payload_bin\":\"aGVsbG8=\"}",
           "{}", NULL);
    expect("{\"type\":\"artifact\",\"id\":\"artifact--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"payload_bin\":\"not base64!\"}",
           "{}", "property 'payload_bin'");
    expect("{\"type\":\"email-message\",\"id\":"
           "\"email-message--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"is_multipart\":false,"
           "\"to_refs\":[\"email-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\"]}",
           "{}", NULL);
    expect("{\"type\":\"domain-name\",\"id\":\"domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"value\":\"x.example\",\"spec_version\":\"2.0\"}",
           "{}", "property 'spec_version'");

    /* Custom objects and new-object extensions. */
    expect("{\"type\":\"x-vigil-thing\",\"id\":\"x-vigil-thing--ff26c055-6336-5bc5-b98d-"
           "13d6226742dd\","
           "\"anything\":[1]}",
           "{}", NULL);
    expect("{\"type\":\"x-vigil-thing\",\"id\":\"x-vigil-thing--ff26c055-6336-5bc5-b98d-"
           "13d6226742dd\","
           "\"created\":\"yesterday\"}",
           "{}", "property 'created'");
    expect("{\"type\":\"my-new-sdo\",\"id\":\"my-new-sdo--ff26c055-6336-5bc5-b98d-13d6226742dd\","
           "\"extensions\":{\"extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62\":{"
           "\"extension_type\":\"new-sdo\"}}}",
           "{}", NULL);
}

static void test_tlp(void)
{
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
        "clear");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
        "green");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
        "amber");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
        "red");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
        "clear");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
        "green");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        "amber");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        "amber+strict");
    CHECK_EQ_STR(
        stix_tlp_marking_normalize("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
        "red");
    CHECK(stix_tlp_marking_normalize("marking-definition--a8d0a4a3-5b5d-4c52-9f4b-6b6a5e4a3b2c") ==
          NULL);
    CHECK(stix_tlp_marking_normalize(NULL) == NULL);
    CHECK_EQ_STR(stix_tlp2_marking_id("clear"),
                 "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    CHECK_EQ_STR(stix_tlp2_marking_id("WHITE"),
                 "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    CHECK_EQ_STR(stix_tlp2_marking_id("TLP:AMBER+STRICT"),
                 "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
    CHECK_EQ_STR(stix_tlp2_marking_id("amber"),
                 "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    CHECK_EQ_STR(stix_tlp2_marking_id("green"),
                 "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
    CHECK_EQ_STR(stix_tlp2_marking_id("red"),
                 "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
    CHECK(stix_tlp2_marking_id("purple") == NULL);
    CHECK(stix_tlp2_marking_id(NULL) == NULL);
    /* Round trip for every TLP 2.0 name. */
    static const char *const names[] = {"clear", "green", "amber", "amber+strict", "red"};
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ_STR(stix_tlp_marking_normalize(stix_tlp2_marking_id(names[i])), names[i]);
}

static void test_misc(void)
{
    char err[64];
    CHECK_EQ_INT(stix_object_validate(NULL, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "not a JSON object") != NULL);
    json_t *arr = json_array();
    CHECK_EQ_INT(stix_object_validate(arr, NULL, 0), -EINVAL);
    json_decref(arr);
    /* A tiny error buffer truncates, never overflows. */
    json_t *o = json_loads(base_indicator, 0, NULL);
    json_object_set_new(o, "confidence", json_integer(1000));
    char tiny[8];
    CHECK_EQ_INT(stix_object_validate(o, tiny, sizeof(tiny)), -EINVAL);
    CHECK_EQ_INT(strlen(tiny), 7);
    json_decref(o);
    CHECK(stix_timestamp_is_valid("2020-01-01T00:00:00Z"));
    CHECK(!stix_timestamp_is_valid("2020-01-01T00:00:00"));
    CHECK(!stix_timestamp_is_valid(NULL));
    CHECK(stix_identifier_is_valid("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", "identity"));
    CHECK(!stix_identifier_is_valid("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", "malware"));
    CHECK(!stix_identifier_is_valid("identity--", NULL));
    CHECK(!stix_identifier_is_valid("--f431f809-377b-45e0-aa1c-6a4751cae5ff", NULL));
}

int main(void)
{
    test_samples();
    test_taxii_fixture();
    test_indicator_rules();
    test_common_rules();
    test_sdo_required();
    test_sro_rules();
    test_meta_and_sco();
    test_tlp();
    test_misc();
    TEST_MAIN_END();
}
