/* SPDX-License-Identifier: Apache-2.0 */
/* The datasets' control-socket commands, as Suricata's unix socket has them
 * (suricatasc: dataset-add/remove/lookup/clear with setname, settype,
 * datavalue; dataset-add-json with datajson too, the member's alert.context;
 * dataset-dump). Values are given as in dataset files: strings
 * base64, hashes in hex, addresses as text. The sets are those the rules
 * declared (detect/detect_dataset.c); the commands run on the control
 * thread while the workers use the same sets (striped locks). */
#include <errno.h>
#include <stdio.h>

#include "detect/detect_dataset.h"
#include "sensor/sensor_control.h"
#include "util/control.h"

enum ds_op { DS_ADD, DS_REMOVE, DS_LOOKUP, DS_CLEAR, DS_ADD_JSON };

static int dataset_cmd(const json_t *args, json_t *answer, enum ds_op op)
{
    const char *set = json_string_value(json_object_get(args, "setname"));
    const char *type = json_string_value(json_object_get(args, "settype"));
    const char *value = json_string_value(json_object_get(args, "datavalue"));
    if (!set)
        return control_answer_error(answer, "setname is not a string");
    if (!type)
        return control_answer_error(answer, "settype is not a string");
    if (!value && op != DS_CLEAR)
        return control_answer_error(answer, "datavalue is not string");
    const char *dj = json_string_value(json_object_get(args, "datajson"));
    if (!dj && op == DS_ADD_JSON)
        return control_answer_error(answer, "datajson is not string");
    char err[256] = "";
    int r;
    switch (op) {
    case DS_ADD_JSON:
        r = detect_dataset_cmd_add_json(set, type, value, dj, err, sizeof err);
        if (r < 0)
            break;
        return control_answer_string(answer, r ? "data added" : "data already in set");
    case DS_ADD:
        r = detect_dataset_cmd_add(set, type, value, err, sizeof err);
        if (r < 0)
            break;
        return control_answer_string(answer, r ? "data added" : "data already in set");
    case DS_REMOVE:
        r = detect_dataset_cmd_remove(set, type, value, err, sizeof err);
        if (r < 0)
            break;
        return r ? control_answer_string(answer, "data removed")
                 : control_answer_error(answer, "data is not in set");
    case DS_LOOKUP:
        r = detect_dataset_cmd_lookup(set, type, value, err, sizeof err);
        if (r < 0)
            break;
        return r ? control_answer_string(answer, "item found in set")
                 : control_answer_error(answer, "item not found in set");
    case DS_CLEAR:
    default:
        r = detect_dataset_cmd_clear(set, type, err, sizeof err);
        if (r < 0)
            break;
        return control_answer_string(answer, "dataset cleared");
    }
    return control_answer_error(answer, err[0] ? err : "dataset command failed");
}

/* data: the operation (an enum ds_op in ops[] below) */
static int cmd_dataset(const json_t *args, json_t *answer, void *data)
{
    return dataset_cmd(args, answer, *(const enum ds_op *)data);
}

static int cmd_dump(const json_t *args, json_t *answer, void *data)
{
    (void)args;
    (void)data;
    char err[256] = "";
    if (detect_dataset_cmd_dump(err, sizeof err) < 0)
        return control_answer_error(answer, err[0] ? err : "dataset dump failed");
    return control_answer_string(answer, "datasets dump done");
}

int sensor_control_register_datasets(void)
{
    static const char *const names[] = {"dataset-add", "dataset-remove", "dataset-lookup",
                                        "dataset-clear", "dataset-add-json"};
    static enum ds_op ops[] = {DS_ADD, DS_REMOVE, DS_LOOKUP, DS_CLEAR, DS_ADD_JSON};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        int rc = control_register(names[i], cmd_dataset, &ops[i], CONTROL_TAKES_ARGS);
        if (rc != 0 && rc != -EEXIST)
            return rc;
    }
    int rc = control_register("dataset-dump", cmd_dump, NULL, 0);
    return rc == -EEXIST ? 0 : rc;
}
