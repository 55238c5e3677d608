#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pcap-file.delete-when-done: non-alerts keeps every capture file an alert
came from, also when the alert comes after the file's last packet was read:

  a.pcap  server data that is never acknowledged: inspected only when the
          flow ends (at shutdown, after the later files were read): a
          flow-end alert;
  b.pcap  a content split over two TCP segments that are never acknowledged:
          a stream (reassembly) alert, also at flow end;
  c.pcap  UDP traffic without any alert: deleted;
  d.pcap  a packet alert while the file is read: kept.

Run over a directory (files read in modification-time order as one stream),
single-threaded and with two workers (their lag behind the reader), and with
`delete-when-done: yes` (every file read is deleted). The inputs are
generated here, in a temporary directory."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

VIGIL = os.environ["VIGIL_BIN"]
failures = []


def fail(msg):
    print("FAIL " + msg)
    failures.append(msg)


def make_inputs(d):
    os.makedirs(d)
    t = 1700000000.0
    # HTTP/1.0 responses without a length end with the connection: their
    # body (and the transaction) complete only when the flow ends.
    p = Pcap(os.path.join(d, "a.pcap"), start=t)
    s = Session(p, "10.0.0.1", "10.0.0.2", 40001, 80)
    s.send(True, b"GET /a HTTP/1.0\r\nHost: a\r\n\r\n")
    s.send(False, b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body bodyend-marker")
    p.close()
    p = Pcap(os.path.join(d, "b.pcap"), start=t + 10)
    s = Session(p, "10.0.0.3", "10.0.0.4", 40002, 80)
    s.send(True, b"GET /b HTTP/1.0\r\nHost: b\r\n\r\n")
    s.send(False, b"HTTP/1.0 203 Non-Authoritative\r\nContent-Type: text/plain\r\n\r\n" +
           b"x" * 1200)
    p.close()
    # Later in packet time than any flow timeout: with short timeouts, the
    # flows of a and b time out while c is read.
    p = Pcap(os.path.join(d, "c.pcap"), start=t + 400)
    for i in range(5):
        p.udp("10.0.0.5", "10.0.0.6", 5000 + i, 9999, b"nothing to see %d" % i)
    p.close()
    p = Pcap(os.path.join(d, "d.pcap"), start=t + 410)
    p.udp("10.0.0.7", "10.0.0.8", 6000, 9998, b"a pkt-marker here")
    p.close()
    for i, name in enumerate(["a.pcap", "b.pcap", "c.pcap", "d.pcap"]):
        os.utime(os.path.join(d, name), (t + i, t + i))


# 1: the body's end, known at flow end; 2: a stream rule (stream_size) on a
# transaction complete at flow end, as suricata-verify's stream-alerts test;
# 3: a packet alert.
RULES = """\
alert http any any -> any any (msg:"body end"; flow:to_client; file.data; content:"bodyend-marker"; isdataat:!1,relative; sid:1;)
alert http any any -> any any (msg:"stream"; flow:to_client; http.stat_code; content:"203"; stream_size:server,>,1000; sid:2;)
alert udp any any -> any any (msg:"packet"; content:"pkt-marker"; sid:3;)
"""


def run(work, label, threads, mode, expect_left, extra=()):
    base = os.path.join(work, label)
    inputs = os.path.join(base, "in")
    make_inputs(inputs)
    out = os.path.join(base, "out")
    os.makedirs(out)
    rules = os.path.join(base, "t.rules")
    with open(rules, "w") as f:
        f.write(RULES)
    cmd = [VIGIL, "run", "-r", inputs, "-S", rules, "-l", out, "--threads", str(threads),
           "--set", "pcap-file.delete-when-done=" + mode] + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("%s: vigil exited %d: %s" % (label, r.returncode, r.stderr[-2000:]))
        return
    left = sorted(os.listdir(inputs))
    if left != expect_left:
        fail("%s: files left %s, expected %s" % (label, left, expect_left))
    events = [json.loads(line) for line in open(os.path.join(out, "eve.json"))]
    alerts = [e for e in events if e["event_type"] == "alert"]
    sids = sorted(e["alert"]["signature_id"] for e in alerts)
    if sids != [1, 2, 3]:
        fail("%s: alerts %s, expected one each of 1, 2, 3" % (label, sids))
    # The alerts of a and b really come late: not on a packet of their file
    # (no pcap_cnt: flow-end inspection), after the file was read.
    late = [e["alert"]["signature_id"] for e in alerts if "pcap_cnt" not in e]
    if sorted(late) != [1, 2]:
        fail("%s: alerts 1 and 2 should come at flow end, late ones: %s (the test proves "
             "nothing)" % (label, late))
    if threads == 1 and not extra:
        order = [e["alert"]["signature_id"] for e in alerts]
        if order[:1] != [3]:
            fail("%s: alerts written in the order %s: 1 and 2 after 3 expected" % (label, order))
    print("%s: %s: files left %s, alerts %s" % ("ok" if not failures else "--", label, left, sids))


def main():
    work = tempfile.mkdtemp(prefix="vigil-pcap-delete-")
    try:
        kept = ["a.pcap", "b.pcap", "d.pcap"]
        run(work, "single", 1, "non-alerts", kept)
        run(work, "threads2", 2, "non-alerts", kept)
        # Short timeouts: a's and b's flows time out while c is read; their
        # files are judged then, mid-run.
        timeouts = ["--set", "flow-timeouts.tcp.established=60", "--set",
                    "flow-timeouts.tcp.closed=10", "--set", "flow-timeouts.tcp.new=10"]
        run(work, "timeout", 1, "non-alerts", kept, timeouts)
        run(work, "timeout-threads2", 2, "non-alerts", kept, timeouts)
        run(work, "always", 1, "yes", [])
        run(work, "never", 1, "no", ["a.pcap", "b.pcap", "c.pcap", "d.pcap"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
