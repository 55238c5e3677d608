#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Snort 3 rules as Snort 3 writes them (sticky buffers before their content,
content's option form, header-less rules, service:, rem:, bufferlen), each
with the alert Snort 3's documentation says it gives on a capture built
here; and the load figure of Talos's community rules (../shared)."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]
SHARED = os.environ.get("VIGIL_SHARED", "")
failures = 0


def build(pc):
    s = Session(pc, "10.0.0.1", "10.0.0.2", 40000, 80)
    s.send(True, b"GET /admin/login.php?user=root HTTP/1.1\r\nHost: example\r\n"
                 b"User-Agent: evilbot/1.0\r\n\r\n")
    s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    s.close()


RULES = {
    # sticky http_uri, content option form with depth: matches "/admin"
    1: 'alert http (msg:"uri depth"; http_uri; content:"/admin", depth 6; sid:1; rev:1;)',
    # depth too short: "/admin" does not start within 3 bytes
    2: 'alert http (msg:"uri depth short"; http_uri; content:"admin", depth 3; sid:2;)',
    # network header, service:, nocase in the option form, http_header sticky
    3: 'alert tcp any any -> any 80 (msg:"ua"; flow:to_server,established; http_header; '
       'content:"EVILBOT",nocase; service:http; rem:"a comment"; sid:3; rev:2;)',
    # two buffers in sequence: method then uri with distance/within (relative to the uri)
    4: 'alert http (msg:"method+uri"; http_method; content:"GET"; http_uri; '
       'content:"/admin"; content:"login", distance 1, within 6; sid:4;)',
    # within too small: "user" is 11 bytes after "login"
    5: 'alert http (msg:"within short"; http_uri; content:"login"; content:"user", '
       'distance 0, within 5; sid:5;)',
    # bufferlen on the uri
    6: 'alert http (msg:"bufferlen"; http_uri; bufferlen:>20; content:"root"; sid:6;)',
    # pkt_data: the raw packet, a Suricata-style modifier-free content
    7: 'alert tcp any any -> any 80 (msg:"pkt"; pkt_data; content:"User-Agent|3A| evil"; sid:7;)',
    # bufferlen's inclusive range: the normalised uri is 26 bytes long
    8: 'alert http (msg:"len in"; http_uri; bufferlen:26<=>30; sid:8;)',
    9: 'alert http (msg:"len out"; http_uri; bufferlen:27<=>30; sid:9;)',
    10: 'alert http (msg:"len ge"; http_uri; bufferlen:>=26; sid:10;)',
    # fast_pattern_offset/_length: prefilter tuning only
    11: 'alert http (msg:"fp"; http_uri; content:"login.php", fast_pattern, '
        'fast_pattern_offset 0, fast_pattern_length 5; sid:11;)',
    # http_header: field NAME - only that field's value: "evilbot" is the
    # User-Agent's, not the Host's; a field's value starts after "Name: "
    12: 'alert http (msg:"ua field"; http_header: field user-agent; content:"evilbot", '
        'depth 7; sid:12;)',
    13: 'alert http (msg:"host field"; http_header: field Host; content:"evilbot"; sid:13;)',
    14: 'alert http (msg:"host field match"; http_header:field host; content:"example"; '
        'bufferlen:7; sid:14;)',
}
WANT = {1: 1, 3: 1, 4: 1, 6: 1, 7: 1, 8: 1, 10: 1, 11: 1, 12: 1, 14: 1}

with tempfile.TemporaryDirectory() as d:
    pc = Pcap(os.path.join(d, "t.pcap"))
    build(pc)
    pc.close()
    with open(os.path.join(d, "t.rules"), "w") as f:
        f.write("\n".join(RULES.values()) + "\n")
    r = subprocess.run([BIN, "run", "-r", os.path.join(d, "t.pcap"), "-S",
                        os.path.join(d, "t.rules"), "-l", d, "-k", "none"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        print("FAIL run: %s" % r.stderr.strip())
        sys.exit(1)
    got = {}
    for line in open(os.path.join(d, "eve.json")):
        e = json.loads(line)
        if e["event_type"] == "alert":
            got[e["alert"]["signature_id"]] = got.get(e["alert"]["signature_id"], 0) + 1
    for sid in RULES:
        if got.get(sid, 0) != WANT.get(sid, 0):
            failures += 1
            print("FAIL sid %d: %d alerts, want %d: %s" % (sid, got.get(sid, 0),
                                                          WANT.get(sid, 0), RULES[sid]))
        else:
            print("ok   sid %d (%d alert%s)" % (sid, got.get(sid, 0), "" if got.get(sid) == 1 else "s"))
    if "failed" in r.stderr:
        print("note: %s" % r.stderr.strip()[:400])

# The community rules: the load figure (a floor; the full report in the log).
path = os.path.join(SHARED, "rules", "snort3-community", "snort3-community.rules")
if SHARED and os.path.exists(path):
    r = subprocess.run([BIN, "rules", "check", path], capture_output=True, text=True, timeout=300)
    m = re.search(r"rules: (\d+) loaded, (\d+) failed", r.stdout + r.stderr)
    if not m:
        failures += 1
        print("FAIL rules check: no summary")
    else:
        loaded, failed = int(m.group(1)), int(m.group(2))
        print("info snort3 community rules: %d of %d load" % (loaded, loaded + failed))
        if loaded < 3900:
            failures += 1
            print("FAIL fewer than 3900 community rules load")
        m = re.search(r"snort3-community.rules: dialect (\w+): (\d+) rules \((\d+) in Snort 3",
                      r.stdout)
        if not m or m.group(1) != "snort3" or int(m.group(2)) != loaded + failed:
            failures += 1
            print("FAIL rules check: no per-file dialect line 'dialect snort3' for the "
                  "community rules: %s" % (m.group(0) if m else r.stdout[-300:]))
        else:
            print("ok   rules check: community rules file reported as dialect snort3 (%s of %s "
                  "rules in Snort 3's own forms)" % (m.group(3), m.group(2)))

# A Suricata rules file is reported as such.
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "s.rules")
    with open(p, "w") as f:
        f.write('alert http any any -> any any (msg:"x"; http.uri; content:"/a"; sid:1;)\n'
                'alert tcp any any -> any 80 (msg:"y"; content:"z"; nocase; depth:4; sid:2;)\n')
    r = subprocess.run([BIN, "rules", "check", p], capture_output=True, text=True, timeout=60)
    if "s.rules: dialect suricata: 2 rules (0 in Snort 3's own forms)" not in r.stdout:
        failures += 1
        print("FAIL rules check: Suricata file not reported as dialect suricata: %s" % r.stdout)
    else:
        print("ok   rules check: a Suricata rules file is reported as dialect suricata")
sys.exit(1 if failures else 0)
