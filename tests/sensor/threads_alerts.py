#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-flow detection state gives the same alerts with 1 and N threads.

Flows are spread over the workers by address pair, so a threshold counted
by source (or destination, or by rule) sees flows of several workers: the
counts must be the sensor's, not each worker's. The capture has a few
sources each talking to many servers (their flows land on both workers of
--threads 2), one matching request per flow, and rules with threshold
limit / threshold / both, detection_filter and rate_filter-free thresholds
tracked by_src, by_dst and by_rule; the alerts (rule, addresses, ports,
packet time) must be identical whatever the thread count - the workers take
shared decisions in capture order (worker_order_wait) - and their counts
equal to what the thresholds allow."""
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]

RULES = r"""
alert tcp any any -> any 80 (msg:"limit 2 by_src"; content:"GET /probe"; threshold: type limit, track by_src, count 2, seconds 600; sid:1; rev:1;)
alert tcp any any -> any 80 (msg:"threshold 5 by_src"; content:"GET /probe"; threshold: type threshold, track by_src, count 5, seconds 600; sid:2; rev:1;)
alert tcp any any -> any 80 (msg:"both 3 by_src"; content:"GET /probe"; threshold: type both, track by_src, count 3, seconds 600; sid:3; rev:1;)
alert tcp any any -> any 80 (msg:"detection_filter 10 by_src"; content:"GET /probe"; detection_filter: track by_src, count 10, seconds 600; sid:4; rev:1;)
alert tcp any any -> any 80 (msg:"limit 1 by_rule"; content:"GET /probe"; threshold: type limit, track by_rule, count 1, seconds 600; sid:5; rev:1;)
alert tcp any any -> any 80 (msg:"limit 1 by_dst"; content:"GET /probe"; threshold: type limit, track by_dst, count 1, seconds 600; sid:6; rev:1;)
"""

SOURCES = ["10.1.0.%d" % i for i in range(1, 5)]
SERVERS = ["10.2.%d.%d" % (i // 200, i % 200 + 1) for i in range(40)]


def make_pcap(path):
    p = Pcap(path)
    port = 40000
    for server in SERVERS:
        for src in SOURCES:
            port += 1
            s = Session(p, src, server, port, 80)
            s.send(True, b"GET /probe HTTP/1.1\r\nHost: x\r\n\r\n")
            s.send(False, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            s.close()
    p.close()


def alerts(tmp, pcap, threads):
    out = os.path.join(tmp, "t%d" % threads)
    os.makedirs(out)
    rules = os.path.join(tmp, "r.rules")
    args = [BIN, "run", "-r", pcap, "-S", rules, "-l", out, "-k", "none"]
    if threads > 1:
        args += ["--threads", str(threads)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = []
    for line in open(os.path.join(out, "eve.json")):
        e = json.loads(line)
        if e.get("event_type") == "alert":
            got.append((e["alert"]["signature_id"], e["src_ip"], e["src_port"], e["dest_ip"],
                        e["timestamp"]))
    return sorted(got)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "t.pcap")
        make_pcap(pcap)
        with open(os.path.join(tmp, "r.rules"), "w") as f:
            f.write(RULES)
        one = alerts(tmp, pcap, 1)
        two = alerts(tmp, pcap, 2)
        per_flows = len(SERVERS)  # matching flows per source
        by_sid = collections.Counter(a[0] for a in one)
        want = {
            1: 2 * len(SOURCES),
            2: (per_flows // 5) * len(SOURCES),
            3: len(SOURCES),
            4: (per_flows - 10) * len(SOURCES),
            5: 1,
            6: len(SERVERS),
        }
        ok = True
        for sid, n in want.items():
            if by_sid[sid] != n:
                print("sid %d: %d alerts with one thread, want %d" % (sid, by_sid[sid], n))
                ok = False
        if one != two:
            c2 = collections.Counter(a[0] for a in two)
            print("alerts differ with 2 threads: per sid 1 thread %s, 2 threads %s"
                  % (dict(sorted(by_sid.items())), dict(sorted(c2.items()))))
            ok = False
        if not ok:
            sys.exit(1)
        print("threads_alerts: ok, %d alerts identical with 1 and 2 threads" % len(one))


main()
