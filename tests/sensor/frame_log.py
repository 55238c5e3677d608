#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""EVE frame events and frame rules end to end (outputs.eve-log.types: -
frame): a Modbus session with two ADUs in one segment and one ADU cut across
two segments, and a DNP3 session. Each frame the parsers report is logged
once, on a packet of its direction, with Suricata's frame object (ids per
direction from 2 on TCP, stream offsets, lengths, base64 and printable
payload equal to the stream's bytes), and frame rules alert with the same
frame object. 200 more frame rules whose fast patterns are not in the
frames are skipped by the frame prefilter (detect.frame_rules_prefiltered)
and change nothing. A frame rule that also inspects its transaction (DNS
over TCP, two queries in one segment; DNS over UDP) sees the frame's own
transaction, whose id frames log from 1 as Suricata does."""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]
C, S = "10.0.0.1", "10.0.0.2"
failures = 0

YAML = """%YAML 1.1
---
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
        - frame
        - stats:
            vigil: yes
"""

RULES = [
    'alert modbus any any -> any any (frame:modbus.data; content:"|06 00 05|"; startswith; sid:1;)',
    'alert modbus any any -> any any (frame:hdr; content:"|00 03|"; startswith; bsize:7; sid:2;)',
    'alert dnp3 any any -> any any (frame:dnp3.data; content:"|c0 c1 01|"; startswith; sid:3;)',
    'alert dns any any -> any any (frame:dns.pdu; content:"|03|one"; dns.query; '
    'content:"one.example"; sid:4;)',
    'alert dns any any -> any any (frame:dns.pdu; content:"|05|three"; dns.query; '
    'content:"three.example"; sid:5;)',
]


def check(cond, what):
    global failures
    if not cond:
        print("FAIL", what)
        failures += 1


def crc(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xA6BC if c & 1 else c >> 1
    return (~c) & 0xFFFF


def dnp3_link(user):
    h = bytes([0x05, 0x64, 5 + len(user), 0xC4, 10, 0, 1, 0])
    out = h + crc(h).to_bytes(2, "little")
    for i in range(0, len(user), 16):
        b = user[i:i + 16]
        out += b + crc(b).to_bytes(2, "little")
    return out


def dns_query(txid, name):
    q = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
    return txid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + q + \
        b"\x00\x01\x00\x01"


def main():
    read = bytes([0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10])
    write = bytes([0, 2, 0, 0, 0, 6, 1, 6, 0, 5, 0x12, 0x34])
    third = bytes([0, 3, 0, 0, 0, 6, 1, 3, 0, 20, 0, 2])
    resp = bytes([0, 1, 0, 0, 0, 23, 1, 3, 20]) + bytes(range(20))
    dnp = dnp3_link(bytes([0xC0, 0xC1, 0x01, 0x3C, 0x01, 0x06]))
    with tempfile.TemporaryDirectory() as d:
        d = os.environ.get("FRAME_LOG_DIR", d)
        pc = Pcap(os.path.join(d, "t.pcap"))
        s = Session(pc, C, S, 40000, 502)
        s.send(True, read + write)          # two ADUs in one segment
        s.send(False, resp)
        s.send(True, third[:5])             # one ADU cut across segments
        s.send(True, third[5:])
        s.close()
        s2 = Session(pc, C, S, 40001, 20000)
        s2.send(True, dnp)
        s2.close()
        one, two = dns_query(0x1234, "one.example"), dns_query(0x1235, "two.example")
        s3 = Session(pc, C, S, 40002, 53)
        s3.send(True, len(one).to_bytes(2, "big") + one + len(two).to_bytes(2, "big") + two)
        s3.close()
        pc.udp(C, S, 40003, 53, dns_query(0x4321, "three.example"))
        pc.close()
        open(os.path.join(d, "t.yaml"), "w").write(YAML)
        noise = ['alert modbus any any -> any any (frame:modbus.%s; content:"absent-%03d"; sid:%d;)'
                 % (("pdu", "hdr", "data")[i % 3], i, 100 + i) for i in range(200)]
        open(os.path.join(d, "t.rules"), "w").write("\n".join(RULES + noise) + "\n")
        r = subprocess.run([BIN, "run", "-r", os.path.join(d, "t.pcap"), "-S",
                            os.path.join(d, "t.rules"), "-c", os.path.join(d, "t.yaml"), "-l", d,
                            "-k", "none"], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr.strip()))
        ev = [json.loads(x) for x in open(os.path.join(d, "eve.json"))]
    frames = [e for e in ev if e["event_type"] == "frame"]
    alerts = [e for e in ev if e["event_type"] == "alert"]
    mb = [e["frame"] for e in frames if e["app_proto"] == "modbus"]
    streams = {"toserver": read + write + third, "toclient": resp}
    # each frame once; ids per direction from 2; bytes are the stream's
    seen = set()
    for f in mb:
        key = (f["direction"], f["id"])
        check(key not in seen, "frame %s logged twice" % (key,))
        seen.add(key)
        data = base64.b64decode(f["payload"])
        want = streams[f["direction"]][f["stream_offset"]:f["stream_offset"] + f["length"]]
        check(data == want and f["complete"], "frame %s bytes %s, want %s" % (f, data, want))
    ts = sorted((f["id"], f["type"], f["stream_offset"], f["length"]) for f in mb
                if f["direction"] == "toserver")
    check(ts == [(2, "pdu", 0, 12), (3, "hdr", 0, 7), (4, "data", 7, 5),
                 (5, "pdu", 12, 12), (6, "hdr", 12, 7), (7, "data", 19, 5),
                 (8, "pdu", 24, 12), (9, "hdr", 24, 7), (10, "data", 31, 5)],
          "modbus to-server frames %s" % ts)
    tc = sorted((f["id"], f["type"], f["stream_offset"], f["length"]) for f in mb
                if f["direction"] == "toclient")
    check(tc == [(2, "pdu", 0, 29), (3, "hdr", 0, 7), (4, "data", 7, 22)],
          "modbus to-client frames %s" % tc)
    dn = [e["frame"] for e in frames if e["app_proto"] == "dnp3"]
    check(sorted((f["type"], f["length"]) for f in dn) ==
          [("data", 8), ("hdr", 10), ("pdu", 18)], "dnp3 frames %s" % dn)
    got = sorted((a["alert"]["signature_id"], a["frame"]["type"], a["frame"]["id"]) for a in alerts)
    check(got == [(1, "data", 7), (2, "hdr", 9), (3, "data", 4), (4, "pdu", 2), (5, "pdu", 1)],
          "alerts %s" % got)
    for a in alerts:
        if a["alert"]["signature_id"] == 4:
            check(a["frame"].get("tx_id") == 1 and
                  a.get("dns", {}).get("queries", [{}])[0].get("rrname") == "one.example",
                  "the first query's frame alert names its own transaction: %s" % a)
    st = [e for e in ev if e["event_type"] == "stats"]
    pf = st[-1]["stats"].get("vigil", {}).get("detect", {}).get("frame_rules_prefiltered", 0) if st else 0
    # 12 modbus frames, each meeting the ~67 absent-pattern rules of its type
    check(pf >= 12 * 66, "frame rules prefiltered: %d" % pf)
    print("frame_log: %d frame events, %d alerts, %d frame rules prefiltered, %d failures"
          % (len(frames), len(alerts), pf, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
