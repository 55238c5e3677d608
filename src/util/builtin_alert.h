/* SPDX-License-Identifier: Apache-2.0 */
/* An alert raised by a built-in detector rather than by a rule: shared
 * indicators (gid 7000), look-alike domains (7001), industrial baselines
 * (7100), behavioural detectors (7200-7205), telecom and payment fraud
 * (7300-7303); the registry is in docs/conventions.md. Plain data, so every
 * layer that detects something can describe an alert without depending on
 * the output code; src/output/builtin_alert.h writes it (EVE, fast.log). */
#ifndef VIGIL_UTIL_BUILTIN_ALERT_H
#define VIGIL_UTIL_BUILTIN_ALERT_H

#include <stdint.h>

struct app_tx;

struct builtin_alert {
    uint32_t gid, sid, rev;
    const char *signature;      /* alert.signature, e.g. "VIGIL INTEL domain in DNS query" */
    const char *category;       /* alert.category (a classification description); NULL: "" */
    uint8_t severity;           /* alert.severity: 1 (high) to 4; 0 is taken as 3 */
    uint8_t direction;          /* the evidence's direction: 0 to server, 1 to client */
    /* Members added to alert.metadata, as Suricata groups rule metadata
     * ({"key": ["value", ...]}): NULL, or key/value string pairs ended by a
     * NULL key, e.g. {"intel_kind", "domain", "intel_value", "x.example", NULL}.
     * A key given several times collects its values in one array. */
    const char *const *metadata;
    /* The transaction the evidence belongs to (its protocol object is logged
     * in the alert, as for rule alerts), or NULL. */
    const struct app_tx *tx;
    uint64_t tx_id;
};

#endif
