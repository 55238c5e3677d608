#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Beaconing detection (gid 7203, docs/behaviour.md) end to end:

1. real traffic in a network namespace the test creates
   (beacon_traffic.sh): curl polling a small HTTP server 16 times at 1 s
   intervals with +-20 % jitter from 127.0.0.2, and 16 times at exponential
   (random) intervals of the same mean from 127.0.0.3, captured with
   tcpdump. With the minimum interval lowered to 0.5 s (the default, 10 s,
   would make the test minutes long): exactly one 7203:1 alert, for
   127.0.0.2 (also with 3 worker threads); none with a stricter score or
   more connections than were made, or with the detector off.
   Skipped (said so) without curl, tcpdump, root or namespaces.
2. the shared captures (../shared/pcaps) with the default thresholds: no
   gid 7203 alert (false alarms)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from behaviour_common import fail, failures, namespace_traffic, ok, shared_captures, vigil  # noqa: E402

GID = 7203


def summary(alerts):
    return sorted((a["alert"]["signature_id"], a["src_ip"], a["dest_port"]) for a in alerts)


def test_real(d):
    pcap = namespace_traffic(d, ("curl",), "beacon_traffic.sh", "beacon.pcap", ("16", "1"))
    if not pcap:
        return
    low = ["--set", "behaviour.beacon.min-interval=0"]
    want = [(1, "127.0.0.2", 8080)]
    cases = [
        (low, want, "regular client found, random one not"),
        (low + ["--threads", "3"], want, "3 worker threads"),
        (low + ["--set", "behaviour.beacon.min-score=0.98"], [], "a stricter score"),
        (low + ["--set", "behaviour.beacon.min-connections=17"], [],
         "more connections than made"),
        (low + ["--set", "behaviour.beacon.enabled=no"], [], "beaconing off"),
        ([], [], "default minimum interval (10 s) above the polling"),
    ]
    for i, (extra, w, what) in enumerate(cases):
        alerts, stats = vigil(pcap, os.path.join(d, "real%d" % i), GID, extra)
        if summary(alerts) != w:
            fail("%s: alerts %s, want %s" % (what, summary(alerts), w))
        else:
            ok("%s: %s" % (what, w))
        if i == 0:
            s = stats.get("beacon", {})
            if s.get("connections") != 32 or s.get("alerts") != 1 or s.get("trackers") != 2:
                fail("stats: %s" % s)
            for a in alerts:
                m = a["alert"].get("metadata", {})
                iv = float(m.get("beacon_interval_sec", ["0"])[0])
                if not 0.8 <= iv <= 1.4 or int(m.get("beacon_connections", ["0"])[0]) < 12:
                    fail("metadata: %s" % m)


def test_shared(d):
    caps, n = shared_captures(d)
    if n < 50:
        fail("shared captures: only %d found" % n)
        return
    alerts, stats = vigil(caps, os.path.join(d, "shared"), GID)
    s = stats.get("beacon", {})
    msg = ("shared captures (%d files): %d beacon alerts with the default thresholds "
           "(%s connections tracked)" % (n, len(alerts), s.get("connections")))
    if alerts:
        fail(msg + ": %s" % [(a["src_ip"], a["dest_ip"], a["dest_port"],
                              a["alert"].get("metadata")) for a in alerts])
    else:
        ok(msg)


def main():
    with tempfile.TemporaryDirectory() as d:
        test_real(d)
        test_shared(d)
    print("%d failed" % len(failures) if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
