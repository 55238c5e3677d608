/* SPDX-License-Identifier: Apache-2.0 */
/* Names of decoder anomaly events (see decode_events.h). */
#include <string.h>

#include "decode/decode_events.h"

static const char *const decode_event_names[DECODE_EVENT_MAX] = {
#define DECODE_EVENT_NAME_(sym, name) [DECODE_EVENT_##sym] = name,
    DECODE_EVENT_LIST(DECODE_EVENT_NAME_)
#undef DECODE_EVENT_NAME_
};

const char *decode_event_name(enum decode_event ev)
{
    if ((unsigned)ev >= DECODE_EVENT_MAX)
        return "unknown";
    return decode_event_names[ev];
}

/* A linear scan: this runs when rules are loaded, never per packet. */
int decode_event_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    if (strncmp(name, "decoder.", 8) == 0)
        name += 8;
    for (int i = 0; i < DECODE_EVENT_MAX; i++) {
        if (strcmp(decode_event_names[i], name) == 0)
            return i;
    }
    return -1;
}
