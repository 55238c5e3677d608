/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the STIX 2.1 validator: input is JSON text, either one
 * object or a bundle (each object validated). Objects that look like EVE
 * events also go through eve_alert_to_stix, whose outputs must validate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub/eve_ingest.h"
#include "hub/stix_validate.h"

static void one(const json_t *obj)
{
    char err[512];
    if (stix_object_validate(obj, err, sizeof(err)) != 0 && err[0] == '\0')
        abort(); /* every refusal explains itself */
    if (json_is_object(obj) && json_object_get(obj, "event_type")) {
        json_t *ind = NULL, *sig = NULL;
        if (eve_alert_to_stix(obj, "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", &ind, &sig,
                              err, sizeof(err)) == 0) {
            if (stix_object_validate(ind, err, sizeof(err)) != 0 ||
                stix_object_validate(sig, err, sizeof(err)) != 0)
                abort();
            json_decref(ind);
            json_decref(sig);
        } else if (ind || sig || err[0] == '\0') {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    if (!doc)
        return 0;
    const json_t *objects = json_object_get(doc, "objects");
    if (json_is_array(objects)) {
        size_t i;
        const json_t *o;
        json_array_foreach(objects, i, o) one(o);
    } else {
        one(doc);
    }
    json_decref(doc);
    return 0;
}
