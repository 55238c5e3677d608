/* SPDX-License-Identifier: Apache-2.0 */
/* The frame keyword (Suricata 7's frames): `frame:<proto>.<name>;` or, for
 * a rule of an application protocol, `frame:<name>;`. It selects the
 * "frame" sticky buffer: the bytes of each frame of that type the protocol's
 * parser reports (struct app_parser.frame_names), inspected once per frame
 * with content, pcre, bsize and the other buffer keywords. A rule names one
 * frame type. A frame type vigil's parser does not report makes the rule
 * unsupported (reported, not loaded), never a rule that silently cannot
 * match. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "detect/detect_buffer.h"
#include "detect/rule_parse_internal.h"

/* Suricata's protocol spellings in frame names that are not vigil's
 * protocol names. */
static const char *frame_proto_alias(const char *name)
{
    if (!strcmp(name, "http1"))
        return "http";
    return name;
}

int kw_frame(struct pctx *pc, const char *value)
{
    char v[128];
    if (!value || !*value)
        return pctx_fail(pc, "frame needs a frame name");
    snprintf(v, sizeof v, "%s", value);
    char *s = str_trim(v);
    if (pc->r->has_frame)
        return pctx_fail(pc, "only one frame keyword per rule");
    int proto = -1;
    const char *name = s;
    char *dot = strchr(s, '.');
    if (dot) {
        *dot = '\0';
        proto = app_proto_from_name(frame_proto_alias(s));
        if (proto >= 0)
            name = dot + 1;
        else
            *dot = '.';
    }
    if (proto < 0) {
        /* frame:<name>: the rule's protocol */
        if (pc->r->app_proto == RULE_APP_NONE || pc->r->app_proto == RULE_APP_FAILED)
            return pctx_fail(pc, "frame '%s' needs a protocol (frame:<proto>.<name>)", s);
        proto = app_proto_from_name(
            frame_proto_alias(rule_app_proto_name((enum rule_app_proto)pc->r->app_proto)));
    }
    int type = proto >= 0 ? app_frame_type_lookup((uint16_t)proto, name) : -1;
    if (type < 0) {
        char reason[160];
        snprintf(reason, sizeof reason, "unsupported frame '%.100s'", value);
        return pctx_fail_reason(pc, reason, "frame type is not reported by vigil's parsers");
    }
    pc->r->has_frame = true;
    pc->r->frame_app_proto = (uint16_t)proto;
    pc->r->frame_type = (uint8_t)type;
    return kw_sticky_buffer(pc, detect_buffer_lookup("frame"));
}
