/* SPDX-License-Identifier: Apache-2.0 */
/* Protocol detection by content, with port hints as tie-breaker. The
 * framework (app.c) keeps the per-direction probe buffer and decides when a
 * direction has failed; this file only ranks the probes' answers. */
#include <stddef.h>

#include "app/app_parser.h"

bool app_detect_port_hint(const struct app_parser *parser, uint16_t port)
{
    if (port == 0)
        return false;
    for (size_t i = 0; i < sizeof(parser->ports) / sizeof(parser->ports[0]); i++) {
        if (parser->ports[i] == 0)
            break;
        if (parser->ports[i] == port)
            return true;
    }
    return false;
}

/* A match on the parser's own port beats any other match. A bare match must
 * also beat a parser that still needs more bytes but owns the port: a DNS-over
 * -TCP length prefix is weak evidence, an HTTP request line on port 53 should
 * not win before the DNS probe has seen its header. */
const struct app_parser *app_detect_probe(const struct app_parser *const *parsers, size_t count,
                                          uint8_t ipproto_bit, const uint8_t *data, uint32_t len,
                                          uint8_t direction, uint16_t port_a, uint16_t port_b,
                                          bool final, bool *need_more)
{
    const struct app_parser *first_match = NULL, *port_match = NULL;
    bool more = false, more_on_port = false;

    for (size_t i = 0; i < count; i++) {
        const struct app_parser *p = parsers[i];
        if (!p || !p->probe || !(p->ipprotos & ipproto_bit))
            continue;
        bool on_port = app_detect_port_hint(p, port_a) || app_detect_port_hint(p, port_b);
        if (p->probe_needs_port && !on_port)
            continue;
        enum app_probe_result r = p->probe(data, len, direction);
        if (r == APP_PROBE_MATCH) {
            if (on_port && !port_match)
                port_match = p;
            if (!first_match)
                first_match = p;
        } else if (r == APP_PROBE_NEED_MORE) {
            more = true;
            if (on_port)
                more_on_port = true;
        }
    }
    *need_more = more;
    if (port_match)
        return port_match;
    if (first_match && (!more_on_port || final))
        return first_match;
    return NULL;
}
