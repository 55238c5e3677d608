/* SPDX-License-Identifier: Apache-2.0 */
/* Built-in detectors' alerts come out as Suricata-shaped EVE alerts and
 * fast.log lines: gid/sid/rev, signature, category, severity, grouped
 * metadata, addresses from the packet or (without one) from the flow in the
 * evidence's direction. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow/flow.h"
#include "output/builtin_alert.h"
#include "test.h"

static void set_v4(struct ip_address *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    a->addr.u8[12] = x; /* IPv4 sits in the last four bytes */
    a->addr.u8[13] = y;
    a->addr.u8[14] = z;
    a->addr.u8[15] = w;
}

static json_t *read_line(FILE *fp)
{
    char line[8192];
    if (!fgets(line, sizeof line, fp))
        return NULL;
    json_error_t e;
    json_t *j = json_loads(line, 0, &e);
    if (!j)
        fprintf(stderr, "bad JSON: %s: %s\n", e.text, line);
    return j;
}

int main(void)
{
    char dir[] = "/tmp/vigil-test-balert-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char eve_path[256], fast_path[256], err[256];
    snprintf(eve_path, sizeof eve_path, "%s/eve.json", dir);
    snprintf(fast_path, sizeof fast_path, "%s/fast.log", dir);

    struct log_file *file = log_file_open(eve_path, NULL, err, sizeof err);
    CHECK(file != NULL);
    struct fast_log *fl = fast_log_open(fast_path, NULL, err, sizeof err);
    CHECK(fl != NULL);
    struct eve_options eo = {0};
    struct eve_writer ew;
    CHECK_EQ_INT(eve_writer_init(&ew, file, &eo), 0);
    struct alert_log_options opts;
    alert_log_options_defaults(&opts);

    struct flow f;
    memset(&f, 0, sizeof f);
    set_v4(&f.key.src, 10, 0, 0, 1);
    set_v4(&f.key.dst, 192, 0, 2, 53);
    f.key.src_port = 40000;
    f.key.dst_port = 53;
    f.key.proto = 17;
    f.flow_id = 1234567;
    f.start_usec = f.last_usec = 1700000000000000ull;

    static const char *const md[] = {"intel_kind",  "domain", "intel_value", "bad.example",
                                     "intel_kind",  "fqdn",   NULL};
    struct builtin_alert a = {
        .gid = 7000,
        .sid = 1,
        .signature = "VIGIL INTEL test",
        .category = "A Network Trojan was detected",
        .severity = 1,
        .direction = 1, /* the evidence travelled server -> client */
        .metadata = md,
    };
    eve_log_builtin_alert(&ew, &opts, NULL, &f, f.last_usec, &a);
    fast_log_write_builtin(fl, NULL, &f, f.last_usec, &a);
    eve_writer_free(&ew);
    CHECK_EQ_INT(log_file_close(file), 0);
    CHECK_EQ_INT(fast_log_close(fl), 0);

    FILE *fp = fopen(eve_path, "r");
    CHECK(fp != NULL);
    json_t *ev = fp ? read_line(fp) : NULL;
    CHECK(ev != NULL);
    if (ev) {
        CHECK_EQ_STR(json_string_value(json_object_get(ev, "event_type")), "alert");
        CHECK_EQ_INT(json_integer_value(json_object_get(ev, "flow_id")), 1234567);
        /* server -> client: the flow's destination is the source. */
        CHECK_EQ_STR(json_string_value(json_object_get(ev, "src_ip")), "192.0.2.53");
        CHECK_EQ_STR(json_string_value(json_object_get(ev, "dest_ip")), "10.0.0.1");
        CHECK_EQ_STR(json_string_value(json_object_get(ev, "direction")), "to_client");
        json_t *al = json_object_get(ev, "alert");
        CHECK_EQ_INT(json_integer_value(json_object_get(al, "gid")), 7000);
        CHECK_EQ_INT(json_integer_value(json_object_get(al, "signature_id")), 1);
        CHECK_EQ_INT(json_integer_value(json_object_get(al, "rev")), 1); /* 0 means 1 */
        CHECK_EQ_INT(json_integer_value(json_object_get(al, "severity")), 1);
        CHECK_EQ_STR(json_string_value(json_object_get(al, "signature")), "VIGIL INTEL test");
        CHECK_EQ_STR(json_string_value(json_object_get(al, "action")), "allowed");
        json_t *kinds = json_object_get(json_object_get(al, "metadata"), "intel_kind");
        CHECK_EQ_INT(json_array_size(kinds), 2);
        CHECK_EQ_STR(json_string_value(json_array_get(kinds, 1)), "fqdn");
        CHECK(json_object_get(ev, "flow") != NULL);
        json_decref(ev);
    }
    CHECK(fp && read_line(fp) == NULL); /* exactly one event */
    if (fp)
        fclose(fp);

    fp = fopen(fast_path, "r");
    char line[1024] = "";
    CHECK(fp && fgets(line, sizeof line, fp));
    CHECK(strstr(line, "[7000:1:1] VIGIL INTEL test [**]") != NULL);
    CHECK(strstr(line, "[Priority: 1] {UDP} 192.0.2.53:53 -> 10.0.0.1:40000") != NULL);
    if (fp)
        fclose(fp);
    unlink(eve_path);
    unlink(fast_path);
    rmdir(dir);
    TEST_MAIN_END();
}
