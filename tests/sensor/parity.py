#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suricata parity of general engine behaviour, end to end on captures built
here: command-line options and exit statuses, EVE field shapes, flow
direction, midstream/one-sided sessions. Each case names the behaviour."""
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


def fail(name, msg):
    global failures
    failures += 1
    print("FAIL %s: %s" % (name, msg))


def run(d, build, rules=(), args=(), yaml=None):
    """Writes the capture and rules in d, runs vigil; returns (status,
    stderr, events)."""
    pc = Pcap(os.path.join(d, "t.pcap"))
    build(pc)
    pc.close()
    with open(os.path.join(d, "t.rules"), "w") as f:
        f.write("\n".join(rules) + "\n")
    cmd = [BIN, "run", "-r", os.path.join(d, "t.pcap"), "-l", d, "-k", "none"]
    if rules:
        cmd += ["-S", os.path.join(d, "t.rules")]
    if yaml is not None:
        with open(os.path.join(d, "t.yaml"), "w") as f:
            f.write("%YAML 1.1\n---\n" + yaml)
        cmd += ["-c", os.path.join(d, "t.yaml")]
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120)
    events = []
    p = os.path.join(d, "eve.json")
    if os.path.exists(p):
        events = [json.loads(line) for line in open(p) if line.strip()]
    return r.returncode, r.stderr, events


def case(fn):
    with tempfile.TemporaryDirectory() as d:
        before = failures
        try:
            fn(d)
        except Exception as e:  # noqa: BLE001 - report and go on
            fail(fn.__name__, "exception %r" % e)
        if failures == before:
            print("ok   %s" % fn.__name__)
    return fn


def http_session(pc):
    s = Session(pc, C, S, 40000, 80)
    s.send(True, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    s.close()


GOOD = 'alert http any any -> any any (msg:"get"; http.method; content:"GET"; sid:1;)'
BAD = 'alert http any any -> any any (msg:"bad"; no_such_keyword; sid:2;)'


# ---- command line and exit statuses ----

@case
def rules_all_failing_exit_1(d):
    rc, err, _ = run(d, http_session, [BAD])
    if rc != 1:
        fail("rules_all_failing_exit_1", "exit %d, want 1: %s" % (rc, err))


@case
def rules_some_failing_exit_0(d):
    rc, err, ev = run(d, http_session, [GOOD, BAD])
    if rc != 0 or sum(e["event_type"] == "alert" for e in ev) != 1:
        fail("rules_some_failing_exit_0", "exit %d: %s" % (rc, err))


@case
def init_errors_fatal(d):
    rc, err, _ = run(d, http_session, [GOOD, BAD], ["--init-errors-fatal"])
    if rc != 1 or "fatal" not in err:
        fail("init_errors_fatal", "exit %d, want 1: %s" % (rc, err))


@case
def suricata_options_accepted(d):
    rc, err, ev = run(d, http_session, [GOOD],
                      ["--no-random", "--data-dir=" + d, "--strict-rule-keywords=all"])
    if rc != 0 or not any(e["event_type"] == "alert" for e in ev):
        fail("suricata_options_accepted", "exit %d: %s" % (rc, err))


@case
def rules_all_unsupported_exit_0(d):
    # A keyword Suricata has but vigil lacks: reported, not fatal.
    rc, err, _ = run(d, http_session,
                     ['alert http any any -> any any (msg:"l"; lua:x.lua; sid:3;)'])
    if rc != 0:
        fail("rules_all_unsupported_exit_0", "exit %d, want 0: %s" % (rc, err))


# ---- flow direction ----

def dns_msg(qid, response, name=b"example", rdata=None):
    import struct
    q = b"".join(bytes([len(x)]) + x for x in name.split(b".")) + b"\0" + struct.pack("!HH", 1, 1)
    flags = 0x8180 if response else 0x0100
    an = b""
    if response:
        an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + (rdata or bytes([192, 0, 2, 1]))
    return struct.pack("!HHHHHH", qid, flags, 1, 1 if response else 0, 0, 0) + q + an


@case
def udp_dns_response_first_reverses_flow(d):
    # Only the server's answer is captured: the flow is the client's (to
    # port 53, the answer counted to the client) and the answer is a
    # response, logged from the server as in any flow (EVE DNS v3).
    def build(pc):
        pc.udp(S, C, 53, 33333, dns_msg(7, True))
    rc, err, ev = run(d, build)
    dns = [e for e in ev if e["event_type"] == "dns"]
    flow = [e for e in ev if e["event_type"] == "flow"]
    if rc or len(dns) != 1 or dns[0]["src_ip"] != S or dns[0]["src_port"] != 53 \
            or dns[0]["dns"]["type"] != "response":
        fail("udp_dns_response_first_reverses_flow", "dns %s" % dns)
    elif len(flow) != 1 or flow[0]["src_ip"] != C or flow[0]["flow"]["pkts_toclient"] != 1:
        fail("udp_dns_response_first_reverses_flow", "flow %s" % flow)
    elif any(e["event_type"] == "anomaly" for e in ev):
        fail("udp_dns_response_first_reverses_flow", "anomaly logged")


@case
def udp_dns_request_first_keeps_direction(d):
    def build(pc):
        pc.udp(C, S, 33333, 53, dns_msg(7, False))
        pc.udp(S, C, 53, 33333, dns_msg(7, True))
    rc, err, ev = run(d, build)
    flow = [e for e in ev if e["event_type"] == "flow"]
    if len(flow) != 1 or flow[0]["src_ip"] != C or flow[0]["flow"]["pkts_toserver"] != 1:
        fail("udp_dns_request_first_keeps_direction", "flow %s" % flow)


@case
def tcp_midstream_response_first_reverses_flow(d):
    # Picked up midstream on the server's HTTP response (no handshake, the
    # client's request was missed): the flow is the client's, and a later
    # request from the client is parsed as a request.
    def build(pc):
        pc.tcp(S, C, 80, 40000, 5000, 1000, 0x18, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        pc.tcp(C, S, 40000, 80, 1000, 5040, 0x10)
        pc.tcp(C, S, 40000, 80, 1000, 5040, 0x18, b"GET /b HTTP/1.1\r\nHost: y\r\n\r\n")
        pc.tcp(S, C, 80, 40000, 5040, 1030, 0x10)
    rc, err, ev = run(d, build, args=["--set", "stream.midstream=true"])
    flow = [e for e in ev if e["event_type"] == "flow"]
    http = [e for e in ev if e["event_type"] == "http"]
    if len(flow) != 1 or flow[0]["src_ip"] != C or flow[0]["dest_port"] != 80 \
            or flow[0].get("app_proto") != "http":
        fail("tcp_midstream_response_first_reverses_flow", "flow %s" % flow)
    elif not any(h["http"].get("url") == "/b" and h["src_ip"] == C for h in http):
        fail("tcp_midstream_response_first_reverses_flow", "http %s" % http)


# ---- detection ----

@case
def app_layer_rule_type_matches_every_packet(d):
    # Suricata's "app_layer" rule type (a protocol, no buffer): a packet rule
    # with a protocol check, so every packet from the one on which HTTP is
    # detected (the server's ACK of the request: packet 5) alerts.
    rc, err, ev = run(d, http_session,
                      ['alert http any any -> any any (msg:"http"; sid:1;)',
                       'alert http any any -> any any (msg:"ts"; flow:to_server; sid:2;)'])
    got = sorted(e.get("pcap_cnt", 0) for e in ev
                 if e["event_type"] == "alert" and e["alert"]["signature_id"] == 1)
    ts = sorted(e.get("pcap_cnt", 0) for e in ev
                if e["event_type"] == "alert" and e["alert"]["signature_id"] == 2)
    if got != [5, 6, 7, 8, 9, 10] or ts != [7, 8, 10]:
        fail("app_layer_rule_type_matches_every_packet", "sid 1 on %s, sid 2 on %s" % (got, ts))


sys.exit(1 if failures else 0)
