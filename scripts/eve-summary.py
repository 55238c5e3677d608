#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints a short human summary of an EVE JSON file: events by type,
alerts by signature, flows by application protocol, anomalies."""
import collections
import json
import sys

path = sys.argv[1]
types = collections.Counter()
alerts = collections.Counter()
protos = collections.Counter()
anomalies = collections.Counter()
bad = 0
with open(path, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            bad += 1
            continue
        t = ev.get("event_type", "?")
        types[t] += 1
        if t == "alert":
            a = ev.get("alert", {})
            alerts["[%s:%s] %s" % (a.get("gid", 1), a.get("signature_id"), a.get("signature"))] += 1
        elif t == "flow":
            protos[ev.get("app_proto") or ev.get("proto", "?")] += 1
        elif t == "anomaly":
            anomalies[ev.get("anomaly", {}).get("event", "?")] += 1

print("events: " + ", ".join("%s %d" % kv for kv in sorted(types.items())))
print("flows by protocol: " + (", ".join("%s %d" % kv for kv in protos.most_common()) or "none"))
if alerts:
    print("alerts:")
    for sig, n in alerts.most_common():
        print("  %4d  %s" % (n, sig))
else:
    print("alerts: none")
if anomalies:
    print("anomalies: " + ", ".join("%s %d" % kv for kv in anomalies.most_common(8)))
if bad:
    print("WARNING: %d lines were not valid JSON" % bad)
    sys.exit(1)
