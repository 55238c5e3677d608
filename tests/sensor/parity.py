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
