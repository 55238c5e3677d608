#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Data leaving (gid 7204) and new and rare (gid 7205), docs/behaviour.md,
end to end:

1. real traffic in a network namespace the test creates (exfil_traffic.sh):
   curl posting a card number and an IBAN over HTTP, uploading 3 MB to a
   destination never used, 120 DNS queries, pings with large payloads,
   TLS to a self-signed server and to one whose certificate expired; a host
   that changes TLS client; a server that calls out after serving. With
   HOME_NET set to the test's "internal" addresses and the learning periods
   shortened: exactly the expected alerts (and with 3 worker threads); the
   values are masked; nothing with the detectors off.
   Skipped (said so) without curl, openssl, tcpdump, root or namespaces.
2. the shared captures (../shared/pcaps) with the default thresholds: only
   the alerts that are true (one expired certificate) are raised."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from behaviour_common import fail, failures, namespace_traffic, ok, shared_captures, vigil  # noqa: E402

HOME = ["--set", "vars.address-groups.HOME_NET=[127.0.0.2/32,127.0.0.4/32,127.0.0.5/32]"]
FAST = ["--set", "behaviour.exfil.learning-windows=0",
        "--set", "behaviour.exfil.min-bytes=100mb",
        "--set", "behaviour.exfil.new-destination-bytes=1mb",
        "--set", "behaviour.exfil.dns-bytes=8kb",
        "--set", "behaviour.exfil.icmp-bytes=8kb",
        "--set", "behaviour.new.learning=2",
        "--set", "behaviour.new.learning-flows=0"]


def both(pcap, outdir, extra):
    a4, stats = vigil(pcap, outdir + "-4", 7204, extra)
    a5, _ = vigil(pcap, outdir + "-5", 7205, extra)
    return a4 + a5, stats


def summary(alerts):
    return sorted((a["alert"]["gid"], a["alert"]["signature_id"], a["src_ip"], a["dest_ip"])
                  for a in alerts)


def test_real(d):
    pcap = namespace_traffic(d, ("curl", "openssl"), "exfil_traffic.sh", "exfil.pcap")
    if not pcap:
        return
    want = [
        (7204, 2, "127.0.0.2", "127.0.0.3"),   # 2 MB to a new destination
        (7204, 3, "127.0.0.2", "127.0.0.1"),   # DNS volume
        (7204, 5, "127.0.0.2", "127.0.0.1"),   # card number in the form
        (7204, 6, "127.0.0.2", "127.0.0.1"),   # IBAN in the form
        (7205, 1, "127.0.0.5", "127.0.0.1"),   # the server's first call out
        (7205, 2, "127.0.0.4", "127.0.0.1"),   # the second TLS client of .4
        (7205, 4, "127.0.0.1", "127.0.0.2"),   # self-signed (to-client alert)
        (7205, 4, "127.0.0.1", "127.0.0.2"),   # the expired one is self-signed too
        (7205, 4, "127.0.0.1", "127.0.0.4"),   # .4's TLS 1.2 client saw the certificate
        (7205, 5, "127.0.0.1", "127.0.0.2"),   # expired in 2020
    ]
    if shutil.which("ping"):
        want.append((7204, 4, "127.0.0.2", "127.0.0.1"))
    want.sort()
    cases = [
        (HOME + FAST, want, "the expected alerts"),
        (HOME + FAST + ["--threads", "3"], want, "3 worker threads"),
        (HOME + FAST + ["--set", "behaviour.exfil.enabled=no", "--set", "behaviour.new.enabled=no"],
         [], "both detectors off"),
        (FAST, [], "HOME_NET of the defaults: nothing here is internal"),
    ]
    for i, (extra, w, what) in enumerate(cases):
        alerts, stats = both(pcap, os.path.join(d, "real%d" % i), extra)
        if summary(alerts) != w:
            fail("%s: alerts %s, want %s" % (what, summary(alerts), w))
            continue
        ok(what)
        if i != 0:
            continue
        text = json.dumps(alerts)
        if "4111111111111111" in text or "4111 1111" in text or "0532013000" in text:
            fail("a card number or IBAN was logged unmasked")
        cards = [a for a in alerts if a["alert"]["gid"] == 7204 and a["alert"]["signature_id"] == 5]
        md = cards[0]["alert"].get("metadata", {}) if cards else {}
        if md.get("pii_example_masked") != ["411111******1111"]:
            fail("card alert metadata %s" % md)
        ex = stats.get("exfil", {})
        if ex.get("card_numbers") != 1 or ex.get("ibans") != 1:
            fail("stats.behaviour.exfil %s" % ex)
        else:
            ok("values masked, counted in stats")
    test_restart(d, pcap, want)


def test_restart(d, pcap, want):
    """The host profiles across a restart (behaviour.profiles.persist): a
    second run over the same traffic with the profiles the first one saved
    raises only what does not depend on them; a capture-file run keeps
    nothing by default (auto: live capture only)."""
    data = os.path.join(d, "state")
    os.mkdir(data)
    keep = ["--data-dir", data, "--set", "behaviour.profiles.persist=yes"]
    first, _ = vigil(pcap, os.path.join(d, "restart1"), 7204, HOME + FAST + keep)
    state = os.path.join(data, "behaviour-profiles.dat")
    if not os.path.exists(state):
        fail("persist=yes: no %s after the run" % state)
        return
    again, _ = vigil(pcap, os.path.join(d, "restart2"), 7204, HOME + FAST + keep)
    again5, _ = vigil(pcap, os.path.join(d, "restart3"), 7205, HOME + FAST + keep)
    # Per-transaction and per-certificate alerts come again; a destination,
    # a fingerprint or a first call out already known do not, nor a
    # window's volume alert already raised in that window.
    profile_free = [w for w in want if (w[0], w[1]) in ((7204, 5), (7204, 6), (7205, 4), (7205, 5))]
    if summary(again + again5) != profile_free:
        fail("restart with the saved profiles: %s, want %s" % (summary(again + again5),
                                                                profile_free))
    else:
        ok("restart with the saved profiles: only the alerts that need no profile again")
    if len(summary(first)) != len([w for w in want if w[0] == 7204]):
        fail("first run with persist=yes: %s" % summary(first))
    os.unlink(state)
    vigil(pcap, os.path.join(d, "restart4"), 7204, HOME + FAST + ["--data-dir", data])
    if os.path.exists(state):
        fail("persist=auto on a capture file wrote %s" % state)
    else:
        ok("persist=auto: nothing kept for a capture file")


def test_shared(d):
    caps, n = shared_captures(d)
    alerts, stats = both(caps, os.path.join(d, "shared"), [])
    got = summary(alerts)
    # The one certificate is real: www.spidh.org's expired on 2014-03-04,
    # the capture is of 2014-03-13.
    want = [(7205, 5, "87.98.220.10", "192.168.4.149")]
    if got != want:
        fail("shared captures (%d): %s, want %s" % (n, got, want))
    else:
        ok("shared captures (%d files): only the expired certificate" % n)
    if stats.get("profiles", {}).get("hosts", 0) == 0:
        fail("no host profile was kept: %s" % stats.get("profiles"))


def main():
    with tempfile.TemporaryDirectory() as d:
        test_real(d)
        test_shared(d)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
