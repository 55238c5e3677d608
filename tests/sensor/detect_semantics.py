#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Detection semantics end to end: each case is a capture built here, a few
rules, and the exact alerts (sid -> count) `vigil run` must raise."""
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


def run_case(name, build, rules, want, extra=()):
    global failures
    with tempfile.TemporaryDirectory() as d:
        pc = Pcap(os.path.join(d, "t.pcap"))
        build(pc)
        pc.close()
        with open(os.path.join(d, "t.rules"), "w") as f:
            f.write("\n".join(rules) + "\n")
        r = subprocess.run([BIN, "run", "-r", os.path.join(d, "t.pcap"), "-S",
                            os.path.join(d, "t.rules"), "-l", d, "-k", "none", *extra],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            print("FAIL %s: exit %d: %s" % (name, r.returncode, r.stderr.strip()))
            failures += 1
            return
        got = {}
        for line in open(os.path.join(d, "eve.json")):
            e = json.loads(line)
            if e["event_type"] == "alert":
                sid = e["alert"]["signature_id"]
                if e["alert"]["gid"] != 1:
                    sid = "%d:%d" % (e["alert"]["gid"], sid)
                got[sid] = got.get(sid, 0) + 1
        fast = open(os.path.join(d, "fast.log")).read().count("[**]")
        if got != want or fast != 2 * sum(want.values()):
            print("FAIL %s: alerts %s, want %s (fast.log lines %d)" % (name, got, want, fast // 2))
            failures += 1
        else:
            print("ok   %s" % name)


def split_content(pc):
    s = Session(pc, C, S, 40000, 8080)
    s.send(True, b"hello EV")
    s.send(True, b"IL world")
    s.close()


run_case("content across two segments (stream window)", split_content,
         ['alert tcp any any -> any 8080 (msg:"evil"; content:"EVIL"; sid:1;)',
          'alert tcp any any -> any 8080 (msg:"hello"; content:"hello"; sid:2;)'],
         {1: 1, 2: 1})


def retransmission(pc):
    s = Session(pc, C, S, 40001, 8080)
    start = s.c
    s.send(True, b"xxEVILxx")
    s.send(True, b"xxEVILxx", seq=start)  # retransmitted
    s.close()


run_case("retransmission does not alert twice", retransmission,
         ['alert tcp any any -> any 8080 (msg:"evil"; content:"EVIL"; sid:1;)'], {1: 1})


def flowbits(pc):
    s = Session(pc, C, S, 40002, 2323)
    s.send(True, b"LOGIN admin")
    s.send(False, b"WELCOME")
    s.close()
    t = Session(pc, C, S, 40003, 2323)
    t.send(False, b"WELCOME")
    t.close()


run_case("flowbits set, isset, noalert, isnotset", flowbits,
         ['alert tcp any any -> any 2323 (msg:"login"; content:"LOGIN"; flowbits:set,logged; flowbits:noalert; sid:1;)',
          'alert tcp any 2323 -> any any (msg:"welcome after login"; content:"WELCOME"; flowbits:isset,logged; sid:2;)',
          'alert tcp any 2323 -> any any (msg:"welcome without login"; content:"WELCOME"; flowbits:isnotset,logged; sid:3;)'],
         {2: 1, 3: 1})


def pass_rule(pc):
    s = Session(pc, C, S, 40004, 2424)
    s.send(True, b"TRUSTED hello")
    s.send(True, b"ATTACK")
    s.close()
    t = Session(pc, C, S, 40005, 2424)
    t.send(True, b"ATTACK")
    t.close()


run_case("a pass rule passes the rest of its flow", pass_rule,
         ['pass tcp any any -> any 2424 (msg:"trusted"; content:"TRUSTED"; sid:1;)',
          'alert tcp any any -> any 2424 (msg:"attack"; content:"ATTACK"; sid:2;)'],
         {2: 1})


def five_udp(pc):
    for i in range(5):
        pc.udp(C, S, 5000, 6000, b"PING %d" % i)


run_case("threshold limit and detection_filter", five_udp,
         ['alert udp any any -> any 6000 (msg:"limit 2"; content:"PING"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)',
          'alert udp any any -> any 6000 (msg:"after 3"; content:"PING"; detection_filter:track by_src, count 3, seconds 60; sid:2;)',
          'alert udp any any -> any 6000 (msg:"every 2nd"; content:"PING"; threshold:type threshold, track by_src, count 2, seconds 60; sid:3;)',
          'alert udp any any -> any 6000 (msg:"dsize"; dsize:6; sid:4;)'],
         {1: 2, 2: 2, 3: 2, 4: 5})


def ip_only(pc):
    s = Session(pc, "10.9.9.9", S, 40006, 80)
    for _ in range(3):
        s.send(True, b"x")
        s.send(False, b"y")
    s.close()


run_case("IP-only rules: once per flow direction", ip_only,
         ['alert ip 10.9.9.9 any <> any any (msg:"bad host"; sid:1;)',
          'alert tcp any any -> any any (msg:"every payload"; dsize:>0; sid:2;)'],
         {1: 2, 2: 6})


def http_two_tx(pc):
    s = Session(pc, C, S, 40007, 80)
    for uri in (b"/admin.php?cmd=ls", b"/index.html", b"/admin.php?cmd=id"):
        s.send(True, b"GET " + uri + b" HTTP/1.1\r\nHost: example.org\r\nUser-Agent: t\r\n\r\n")
        s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    s.close()


run_case("HTTP: one alert per matching transaction", http_two_tx,
         ['alert http any any -> any any (msg:"admin"; flow:established,to_server; http.uri; content:"/admin.php"; startswith; sid:1;)',
          'alert http any any -> any any (msg:"200"; flow:to_client; http.stat_code; content:"200"; sid:2;)',
          'alert tcp any any -> any any (msg:"legacy uricontent"; uricontent:"cmd=id"; sid:3;)'],
         {1: 2, 2: 3, 3: 1})

def truncated_ipv4(pc):
    import struct
    good = Pcap.ipv4(C, S, 17, b"\x13\x88\x17\x70\x00\x0c\x00\x00abcd")
    bad = good[:2] + struct.pack("!H", len(good) + 40) + good[4:]  # claims 40 more bytes
    pc.frame(good)
    pc.frame(bad)


run_case("decode-event on a truncated IPv4 packet", truncated_ipv4,
         ['alert pkthdr any any -> any any (msg:"trunc"; decode-event:ipv4.trunc_pkt; sid:1;)',
          'alert pkthdr any any -> any any (msg:"never"; decode-event:ipv6.trunc_pkt; sid:2;)'],
         {1: 1})

# Tagged packets: tests/sensor/parity.py (they are "packet" events, not alerts).

def stream_size(pc):
    s = Session(pc, C, S, 40011, 2626)
    for i in range(4):
        s.send(True, b"12345")     # client stream: 1 + 5, 10, 15, 20 bytes
    s.close()


run_case("stream_size counts in-sequence bytes per side", stream_size,
         ['alert tcp any any -> any 2626 (msg:"big client"; stream_size:client,>,12; dsize:5; sid:1;)',
          'alert tcp any any -> any 2626 (msg:"big server"; stream_size:server,>,1; dsize:5; sid:2;)'],
         {1: 2})

if failures:
    print("%d detection case(s) failed" % failures)
    sys.exit(1)
print("detection semantics: all cases passed")
