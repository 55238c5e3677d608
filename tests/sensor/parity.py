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


# ---- configuration ----

def dns_both_transports(pc):
    import struct
    pc.udp(C, S, 33333, 53, dns_msg(1, False))
    pc.udp(S, C, 53, 33333, dns_msg(1, True))
    s = Session(pc, C, S, 40020, 53)
    q, r = dns_msg(2, False), dns_msg(2, True)
    s.send(True, struct.pack("!H", len(q)) + q)
    s.send(False, struct.pack("!H", len(r)) + r)
    s.close()


DNS_YAML = """app-layer:
  protocols:
    dns:
      enabled: %s
%s
outputs:
  - eve-log:
      enabled: yes
      filename: eve.json
      types:
        - dns
"""


@case
def dns_per_transport_enabled(d):
    # app-layer.protocols.dns.tcp/udp.enabled override dns.enabled for their
    # transport, as in Suricata.
    for glob, extra, want in (("yes", "      tcp:\n        enabled: no", {"UDP": 2}),
                              ("no", "      tcp:\n        enabled: yes", {"TCP": 2}),
                              ("yes", "", {"UDP": 2, "TCP": 2}),
                              ("no", "", {})):
        with tempfile.TemporaryDirectory() as sub:
            rc, err, ev = run(sub, dns_both_transports, yaml=DNS_YAML % (glob, extra))
            got = {}
            for e in ev:
                if e["event_type"] == "dns":
                    got[e["proto"]] = got.get(e["proto"], 0) + 1
            if got != want:
                fail("dns_per_transport_enabled", "enabled %s %r: %s, want %s" %
                     (glob, extra.strip(), got, want))


# ---- EVE fields ----

XFF_YAML = """outputs:
  - eve-log:
      enabled: yes
      filename: eve.json
      types:
        - alert:
            xff:
              enabled: yes
              mode: %s
              deployment: %s
              header: X-Forwarded-For
        - http:
            xff:
              enabled: yes
              mode: extra-data
              deployment: %s
"""


def xff_session(pc):
    s = Session(pc, C, S, 40030, 80)
    s.send(True, b"GET /x HTTP/1.1\r\nHost: h\r\n"
                 b"X-Forwarded-For: 198.51.100.7, junk, 203.0.113.9\r\n\r\n")
    s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nuid")
    s.close()


XFF_RULES = ['alert http any any -> any any (msg:"req"; http.uri; content:"/x"; sid:1;)',
             'alert http any any -> any any (msg:"resp"; http.response_body; content:"uid"; sid:2;)']


@case
def xff_extra_data_and_overwrite(d):
    for mode, dep, want in (("extra-data", "forward", "198.51.100.7"),
                            ("extra-data", "reverse", "203.0.113.9"),
                            ("overwrite", "reverse", "203.0.113.9")):
        with tempfile.TemporaryDirectory() as sub:
            rc, err, ev = run(sub, xff_session, XFF_RULES, yaml=XFF_YAML % (mode, dep, dep))
            al = {e["alert"]["signature_id"]: e for e in ev if e["event_type"] == "alert"}
            http = [e for e in ev if e["event_type"] == "http"]
            if set(al) != {1, 2} or len(http) != 1:
                fail("xff_extra_data_and_overwrite", "%s/%s: alerts %s" % (mode, dep, sorted(al)))
                continue
            if mode == "extra-data":
                ok = al[1]["alert"].get("xff") == want and al[2]["alert"].get("xff") == want \
                    and al[1]["src_ip"] == C
            else:
                # the client's address: the request's source, the response's destination
                ok = al[1]["src_ip"] == want and al[2]["dest_ip"] == want and \
                    "xff" not in al[1]["alert"]
            if not ok or http[0]["http"].get("xff") != want:
                fail("xff_extra_data_and_overwrite", "%s/%s: %s %s http.xff %s" %
                     (mode, dep, al[1], al[2], http[0]["http"].get("xff")))


@case
def flow_vars_on_every_event(d):
    # flowbits traffic/id/<x> and traffic/label/<x> are "traffic" on every
    # event of the flow; other flowbits and flowints are metadata.
    rules = ['alert http any any -> any any (msg:"a"; http.method; content:"GET"; '
             'flowbits:set,traffic/id/web; flowbits:set,traffic/label/office; '
             'flowbits:set,seen.get; flowint:count,=,7; sid:1;)']
    rc, err, ev = run(d, http_session, rules)
    byt = {e["event_type"]: e for e in ev}
    for t in ("alert", "flow"):
        e = byt.get(t, {})
        if e.get("traffic") != {"id": ["web"], "label": ["office"]} or \
                e.get("metadata", {}).get("flowbits") != ["seen.get"] or \
                e.get("metadata", {}).get("flowints") != {"count": 7}:
            fail("flow_vars_on_every_event", "%s: traffic %s metadata %s" %
                 (t, e.get("traffic"), e.get("metadata")))
    # Events of a flow without variables carry neither.
    if any("traffic" in e for e in ev if e.get("src_port") == 9):
        fail("flow_vars_on_every_event", "traffic on another flow")


@case
def ip_version_and_tunnel_source(d):
    # ip_v on every event with addresses; a packet decoded from an IP-in-IP
    # tunnel is pkt_src "ipv4 tunnel", and the outer flow's proto is IP-in-IP.
    import struct

    def build(pc):
        inner = Pcap.ipv4("192.0.2.1", "192.0.2.2", 17,
                          struct.pack("!HHHH", 5000, 6000, 12, 0) + b"ping")
        pc.frame(Pcap.ipv4("198.51.100.1", "198.51.100.2", 4, inner))
    rc, err, ev = run(d, build, ['alert udp any any -> any 6000 (msg:"in"; content:"ping"; sid:1;)'])
    al = [e for e in ev if e["event_type"] == "alert"]
    if len(al) != 1 or al[0].get("ip_v") != 4 or al[0].get("pkt_src") != "ipv4 tunnel":
        fail("ip_version_and_tunnel_source", "alerts %s" % al)
    if any("src_ip" in e and e.get("ip_v") != 4 for e in ev):
        fail("ip_version_and_tunnel_source", "an event without ip_v 4")


def midstream_http(pc):
    # No handshake: the capture starts with the request.
    pc.tcp(C, S, 40040, 80, 1000, 5000, 0x18, b"GET /m HTTP/1.1\r\nHost: m\r\n\r\n")
    pc.tcp(S, C, 80, 40040, 5000, 1027, 0x18, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    pc.tcp(C, S, 40040, 80, 1027, 5040, 0x10)


@case
def midstream_exception_policies(d):
    # An IP-only rule: once per direction of the flow.
    rules = ['alert ip any any -> any any (msg:"any"; sid:1;)']
    for midstream, policy, want_rc, want in (
            ("false", "ignore", 0, {"alert": 2, "http": 0, "policy": "ignore"}),
            ("false", "bypass", 0, {"alert": 0, "http": 0, "policy": "bypass", "state": "bypassed"}),
            ("false", "pass-flow", 0, {"alert": 0, "http": 0, "policy": "pass_flow", "action": "pass"}),
            ("true", "ignore", 0, {"alert": 2, "http": 1, "policy": "ignore"}),
            ("true", "pass-flow", 0, {"alert": 0, "http": 1, "policy": "pass_flow", "action": "pass"}),
            ("true", "bypass", 1, None),
            ("false", "reject", 0, {"alert": 0, "http": 0, "policy": "reject"}),
            ("false", "drop-flow", 1, None),
            ("false", "pass-packet", 1, None)):
        with tempfile.TemporaryDirectory() as sub:
            rc, err, ev = run(sub, midstream_http, rules,
                              ["--set", "stream.midstream=" + midstream,
                               "--set", "stream.midstream-policy=" + policy])
            name = "midstream=%s policy=%s" % (midstream, policy)
            if rc != want_rc:
                fail("midstream_exception_policies", "%s: exit %d %s" % (name, rc, err))
                continue
            if want is None:
                if "midstream-policy" not in err:
                    fail("midstream_exception_policies", "%s: error %r" % (name, err))
                continue
            flow = [e for e in ev if e["event_type"] == "flow"]
            got = {"alert": sum(e["event_type"] == "alert" for e in ev),
                   "http": sum(e["event_type"] == "http" for e in ev)}
            if flow:
                ep = flow[0]["flow"].get("exception_policy") or [{}]
                if ep[0].get("target") == "stream_midstream":
                    got["policy"] = ep[0].get("policy")
                if "action" in flow[0]["flow"]:
                    got["action"] = flow[0]["flow"]["action"]
                if flow[0]["flow"]["state"] == "bypassed":
                    got["state"] = "bypassed"
            if got != want:
                fail("midstream_exception_policies", "%s: %s, want %s" % (name, got, want))


# ---- link types ----

def raw_pcap(path, linktype, frames):
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)


def udp_ip(payload, sport=5000, dport=6000):
    import struct
    return Pcap.ipv4("192.0.2.1", "192.0.2.2", 17,
                     struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


@case
def ppp_chdlc_and_pppoe_link_types(d):
    # PPP (linktype 9) with and without the HDLC address/control pair and
    # with a compressed (8-bit) protocol field; Cisco HDLC (104); PPPoE
    # session with an 8-bit protocol field; PPP in GRE (PPTP's GRE v1).
    import struct
    ip = udp_ip(b"ping")
    cases = {
        "ppp-16": (9, [b"\xff\x03\x00\x21" + ip]),
        "ppp-8": (9, [b"\x21" + ip]),
        "chdlc": (104, [b"\x0f\x00\x08\x00" + ip]),
        "pppoe-8": (1, [b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x88\x64" +
                        struct.pack("!BBHH", 0x11, 0, 1, 1 + len(ip)) + b"\x21" + ip]),
        "gre-v1-ppp": (1, [b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" +
                           Pcap.ipv4("198.51.100.1", "198.51.100.2", 47,
                                     struct.pack("!HHHH", 0x2001, 0x880b, 2 + len(ip), 7) +
                                     b"\xff\x03\x00\x21" + ip)]),
    }
    for name, (lt, frames) in cases.items():
        with tempfile.TemporaryDirectory() as sub:
            path = os.path.join(sub, "t.pcap")
            raw_pcap(path, lt, frames)
            with open(os.path.join(sub, "t.rules"), "w") as f:
                f.write('alert udp any any -> any 6000 (msg:"in"; content:"ping"; sid:1;)\n')
            r = subprocess.run([BIN, "run", "-r", path, "-S", os.path.join(sub, "t.rules"),
                                "-l", sub, "-k", "none"], capture_output=True, text=True)
            ev = [json.loads(x) for x in open(os.path.join(sub, "eve.json"))] \
                if os.path.exists(os.path.join(sub, "eve.json")) else []
            al = [e for e in ev if e["event_type"] == "alert"]
            if r.returncode or len(al) != 1:
                fail("ppp_chdlc_and_pppoe_link_types", "%s: exit %d, %d alerts %s" %
                     (name, r.returncode, len(al), r.stderr.strip()))


# ---- detection ----

TAG_YAML = """outputs:
  - fast:
      enabled: yes
  - eve-log:
      enabled: yes
      filename: eve.json
      types:
        - alert:
            tagged-packets: %s
        - flow
"""


def tagged_session(pc):
    s = Session(pc, C, S, 40010, 2525)
    s.send(True, b"TRIGGER")       # alert; the server's ACK is the 1st tagged packet
    for i in range(3):
        s.send(True, b"more %d" % i)  # 2 packets each (data + ACK)
    s.close()


@case
def tag_session_packets_logged_as_packet_events(d):
    # tag:session,3,packets: the alerting packet is the tag's first, so the
    # next 2 are tagged; they are "packet" events (tagged-packets: yes), not
    # alerts, and fast.log lists them as "Tagged Packet" [2:1:1].
    rc, err, ev = run(d, tagged_session,
                      ['alert tcp any any -> any 2525 (msg:"trigger"; content:"TRIGGER"; '
                       'tag:session,3,packets; sid:1;)'], yaml=TAG_YAML % "yes")
    alerts = [e for e in ev if e["event_type"] == "alert"]
    pkts = [e for e in ev if e["event_type"] == "packet"]
    fast = open(os.path.join(d, "fast.log")).read()
    if len(alerts) != 1 or len(pkts) != 2 or fast.count("Tagged Packet") != 2:
        fail("tag_session_packets_logged_as_packet_events",
             "%d alerts, %d packet events, %d tagged in fast.log" %
             (len(alerts), len(pkts), fast.count("Tagged Packet")))
    elif not all(p.get("packet") and p["packet_info"]["linktype_name"] == "EN10MB" for p in pkts):
        fail("tag_session_packets_logged_as_packet_events", "packet event shape %s" % pkts[0])


@case
def tag_host_and_session_together(d):
    # Two tags in one rule: the host tag (src, 100 packets) outlives the
    # session tag and also covers a second flow of the same client.
    def build(pc):
        tagged_session(pc)
        s = Session(pc, C, S, 40011, 2626)
        s.send(True, b"x")
        s.close()
    rc, err, ev = run(d, build,
                      ['alert tcp any any -> any 2525 (msg:"trigger"; content:"TRIGGER"; '
                       'tag:host,100,packets,src; tag:session,2,packets; sid:1;)'],
                      yaml=TAG_YAML % "yes")
    pkts = [e for e in ev if e["event_type"] == "packet"]
    if not any(p["src_port"] == 40011 or p["dest_port"] == 40011 for p in pkts):
        fail("tag_host_and_session_together", "%d packet events, none of the 2nd flow" % len(pkts))


@case
def tag_without_tagged_packets_logs_no_packets(d):
    rc, err, ev = run(d, tagged_session,
                      ['alert tcp any any -> any 2525 (msg:"trigger"; content:"TRIGGER"; '
                       'tag:session; sid:1;)'], yaml=TAG_YAML % "no")
    if any(e["event_type"] == "packet" for e in ev) or \
            sum(e["event_type"] == "alert" for e in ev) != 1:
        fail("tag_without_tagged_packets_logs_no_packets", "events %s" %
             sorted(set(e["event_type"] for e in ev)))

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
