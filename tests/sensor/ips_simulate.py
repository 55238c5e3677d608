#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prevention on capture files (--simulate-ips), as Suricata decides it: each
case is a capture built here, rules, and what must come out - alert.action,
drop events and their reasons, flow.action, stats.ips - inline and, for
contrast, in IDS mode."""
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
fast_log = ""

YAML = """%YAML 1.1
---
default-log-dir: .
stats:
  enabled: yes
  interval: 8
outputs:
  - fast:
      enabled: yes
      filename: fast.log
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert:
            verdict: yes
        - drop:
            alerts: yes
            flows: {flows}
            verdict: yes
        - http
        - flow
        - stats
{extra}
"""


def run(build, rules, ips=True, flows="all", extra_yaml="", args=()):
    with tempfile.TemporaryDirectory() as d:
        pc = Pcap(os.path.join(d, "t.pcap"))
        build(pc)
        pc.close()
        with open(os.path.join(d, "t.rules"), "w") as f:
            f.write("\n".join(rules) + "\n")
        with open(os.path.join(d, "v.yaml"), "w") as f:
            f.write(YAML.format(flows=flows, extra=extra_yaml))
        cmd = [BIN, "run", "-r", os.path.join(d, "t.pcap"), "-S", os.path.join(d, "t.rules"),
               "-c", os.path.join(d, "v.yaml"), "-l", d, "-k", "none", *args]
        if ips:
            cmd.append("--simulate-ips")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("exit %d: %s" % (r.returncode, r.stderr.strip()))
        global fast_log
        with open(os.path.join(d, "fast.log")) as f:
            fast_log = f.read()
        return [json.loads(line) for line in open(os.path.join(d, "eve.json"))]


def check(name, cond, detail=""):
    global failures
    if cond:
        print("ok   %s" % name)
    else:
        failures += 1
        print("FAIL %s %s" % (name, detail))


def of(evs, t):
    return [e for e in evs if e["event_type"] == t]


def last_stats(evs):
    st = of(evs, "stats")
    return st[-1]["stats"] if st else {}


def http_sessions(pc):
    # An attack request (its flow is dropped) and a normal one (it passes).
    a = Session(pc, C, S, 40000, 80)
    a.send(True, b"GET /cgi-bin/attack.sh HTTP/1.1\r\nHost: x\r\n\r\n")
    a.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    a.send(True, b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
    a.close()
    b = Session(pc, C, S, 40001, 80)
    b.send(True, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
    b.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    b.close()


HTTP_DROP = ['drop http any any -> any any (msg:"attack"; http.uri; content:"attack"; sid:1;)']

# 1. A transaction rule's drop: the packet is blocked and the flow stays
# dropped; the other flow passes untouched.
evs = run(http_sessions, HTTP_DROP)
al = of(evs, "alert")
check("ips: drop rule alert is blocked", len(al) == 1 and al[0]["alert"]["action"] == "blocked"
      and al[0]["verdict"]["action"] == "drop", al)
drops = of(evs, "drop")
reasons = [d["drop"]["reason"] for d in drops]
check("ips: first drop by the rule, the flow's later packets by flow drop",
      reasons[:1] == ["rules"] and len(reasons) > 1 and
      all(r == "flow drop" for r in reasons[1:]), reasons)
check("ips: drop event carries the drop rule's alert",
      drops and drops[0].get("alert", {}).get("signature_id") == 1, drops[:1])
check("ips: drops are all on the attack flow", all(d["src_port"] in (40000, 80) and
      (d["src_port"] == 40000 or d["dest_port"] == 40000) for d in drops))
fl = {e["src_port"]: e["flow"] for e in of(evs, "flow")}
check("ips: attack flow.action drop, normal flow none",
      fl.get(40000, {}).get("action") == "drop" and "action" not in fl.get(40001, {}), fl)
urls = sorted(e["http"]["url"] for e in of(evs, "http"))
check("ips: nothing after the drop is parsed; the normal flow is",
      urls == ["/cgi-bin/attack.sh", "/index.html"], urls)
ips = last_stats(evs).get("ips", {})
npk = last_stats(evs).get("decoder", {}).get("pkts")
check("ips: stats.ips counts every packet once",
      ips.get("blocked") == len(drops) and ips.get("accepted", 0) + ips.get("blocked", 0) == npk
      and ips.get("drop_reason", {}).get("rules") == 1
      and ips["drop_reason"].get("flow_drop") == len(drops) - 1, (ips, npk))

# flows: start - of a dropped flow only the first blocked packet each way
# (the rule's drop was the first to the server).
evs = run(http_sessions, HTTP_DROP, flows="start")
reasons = [d["drop"]["reason"] for d in of(evs, "drop")]
check("ips: drop flows: start logs the first blocked packet each way",
      reasons == ["rules", "flow drop"], reasons)

# 2. IDS mode: drop rules alert only; nothing is dropped or counted as such,
# but the flow is no longer inspected, as Suricata marks it.
evs = run(http_sessions, HTTP_DROP, ips=False)
al = of(evs, "alert")
check("ids: drop rule alert is allowed", len(al) == 1 and al[0]["alert"]["action"] == "allowed"
      and al[0]["verdict"]["action"] == "alert", al)
check("ids: no drop events, no stats.ips", not of(evs, "drop") and "ips" not in last_stats(evs))
urls = sorted(e["http"]["url"] for e in of(evs, "http"))
check("ids: traffic after the drop rule is still parsed", "/again" in urls, urls)


def udp_packets(pc):
    for i, data in enumerate([b"hello", b"bad thing", b"fine", b"bad again"]):
        pc.udp(C, S, 5555, 9999, data)


# 3. A packet rule's drop blocks that packet only.
evs = run(udp_packets, ['drop udp any any -> any 9999 (msg:"bad"; content:"bad"; sid:2;)'])
drops = of(evs, "drop")
check("ips: packet rule drops only its packets",
      [d["pcap_cnt"] for d in drops] == [2, 4] and
      all(d["drop"]["reason"] == "rules" for d in drops), [d["pcap_cnt"] for d in drops])
check("ips: packet rule leaves the flow undropped",
      all("action" not in e["flow"] for e in of(evs, "flow")))
ips = last_stats(evs).get("ips", {})
check("ips: 2 blocked, 2 accepted", ips.get("blocked") == 2 and ips.get("accepted") == 2, ips)

# 3b. Data on a SYN is the packet's payload, not stream data (the stream
# takes it only once the SYN/ACK acknowledges it): a drop it triggers blocks
# that packet only, and the retried connection's data is inspected again.
def syn_data(pc):
    pc.tcp(C, S, 40020, 80, 100, 0, 0x02, b"bad syn data")
    pc.tcp(C, S, 40020, 80, 100, 0, 0x02)
    pc.tcp(S, C, 80, 40020, 900, 101, 0x12)
    pc.tcp(C, S, 40020, 80, 101, 901, 0x10)
    pc.tcp(C, S, 40020, 80, 101, 901, 0x18, b"bad stream data")


evs = run(syn_data, ['drop tcp any any -> any 80 (msg:"bad"; content:"bad"; sid:2;)'])
drops = [(d["pcap_cnt"], d["drop"]["reason"]) for d in of(evs, "drop")]
check("ips: drop on SYN data blocks that packet only; later data is inspected",
      drops == [(1, "rules"), (5, "rules")] and len(of(evs, "alert")) == 2, drops)


# 4. pass: a packet rule's pass only passes its packet (and cancels the
# drop of that packet); a transaction rule's pass passes the flow.
evs = run(udp_packets, ['drop udp any any -> any 9999 (msg:"bad"; content:"bad"; sid:2;)',
                        'pass udp any any -> any 9999 (content:"again"; sid:3;)'])
check("ips: pass cancels the drop of its packet only",
      [d["pcap_cnt"] for d in of(evs, "drop")] == [2], [d["pcap_cnt"] for d in of(evs, "drop")])
evs = run(http_sessions, HTTP_DROP + ['pass http any any -> any any (http.uri; content:"cgi"; sid:4;)'])
fl = {e["src_port"]: e["flow"] for e in of(evs, "flow")}
check("ips: transaction pass passes the flow, no drop",
      not of(evs, "drop") and not of(evs, "alert") and fl.get(40000, {}).get("action") == "pass",
      (fl, of(evs, "drop")[:1]))

# 5. reject: blocked in both modes, verdict says what would be sent.
for mode in (True, False):
    evs = run(udp_packets, ['rejectboth udp any any -> any 9999 (content:"bad"; sid:5;)'], ips=mode)
    al = of(evs, "alert")
    v = al[0]["verdict"] if al else {}
    check("%s: reject alert blocked, verdict both/icmp-prohib" % ("ips" if mode else "ids"),
          len(al) == 2 and al[0]["alert"]["action"] == "blocked" and
          v.get("action") == ("drop" if mode else "alert") and v.get("reject_target") == "both"
          and v.get("reject") == ["icmp-prohib"], al[:1])
ips = last_stats(run(udp_packets, ['reject udp any any -> any 9999 (content:"bad"; sid:5;)'])).get("ips", {})
check("ips: rejected counted", ips.get("rejected") == 2 and ips.get("blocked") == 2, ips)


# 6. The midstream exception: a session seen without its handshake is
# dropped inline (auto = drop-flow), ignored in IDS mode.
def midstream(pc):
    pc.tcp(C, S, 40010, 80, 5000, 7000, 0x18, b"GET /mid HTTP/1.1\r\nHost: x\r\n\r\n")
    pc.tcp(S, C, 80, 40010, 7000, 5000 + 31, 0x18, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    pc.tcp(C, S, 40010, 80, 5031, 7038, 0x10)


evs = run(midstream, ['alert tcp any any -> any any (content:"GET"; sid:6;)'],
          args=["--set", "stream.midstream=false"])
reasons = [d["drop"]["reason"] for d in of(evs, "drop")]
fl = of(evs, "flow")
check("ips: midstream session dropped (stream midstream, then exception policy flow drop)",
      reasons[:1] == ["stream midstream"] and
      all(r == "exception policy flow drop" for r in reasons[1:]) and len(reasons) == 3 and
      fl and fl[0]["flow"].get("action") == "drop" and not of(evs, "alert"), (reasons, fl))
evs = run(midstream, ['alert tcp any any -> any any (content:"GET"; sid:6;)'],
          args=["--set", "stream.midstream=true"])
check("ips: midstream pickup enabled: accepted and inspected",
      not of(evs, "drop") and len(of(evs, "alert")) == 1)

# 7. rate_filter: after count matches the action becomes new_action.
with tempfile.NamedTemporaryFile("w", suffix=".config", delete=False) as tf:
    tf.write("rate_filter gen_id 1, sig_id 7, track by_rule, count 2, seconds 60, "
             "new_action drop, timeout 60\n")
try:
    evs = run(udp_packets, ['alert udp any any -> any 9999 (content:"n"; sid:7;)'],
              args=["--set", "threshold-file=" + tf.name])
finally:
    os.unlink(tf.name)
al = of(evs, "alert")
acts = [a["alert"]["action"] for a in al]
drops = of(evs, "drop")
check("ips: rate_filter new_action drop after 2 matches",
      acts == ["allowed", "allowed", "blocked"] and len(drops) == 1 and
      drops[0]["drop"]["reason"] == "threshold detection_filter", (acts, drops))

# by_both tracks the address pair whichever way the packet goes: the
# answer is the pair's second match, so it gets new_action.
def udp_both_ways(pc):
    pc.udp(C, S, 5555, 9999, b"ask")
    pc.udp(S, C, 9999, 5555, b"answer")


with tempfile.NamedTemporaryFile("w", suffix=".config", delete=False) as tf:
    tf.write("rate_filter gen_id 1, sig_id 8, track by_both, count 1, seconds 60, "
             "new_action drop, timeout 60\n")
try:
    evs = run(udp_both_ways, ['alert udp any any -> any any (content:"a"; sid:8;)'],
              args=["--set", "threshold-file=" + tf.name])
finally:
    os.unlink(tf.name)
check("ips: rate_filter by_both counts both directions of the pair",
      [a["alert"]["action"] for a in of(evs, "alert")] == ["allowed", "blocked"] and
      [d["pcap_cnt"] for d in of(evs, "drop")] == [2], of(evs, "alert"))

# Snort 3's alert filters from a snort.lua (snort-lua-file): event_filter
# limit keeps one alert of sid 9; suppress hides sid 10 from this source
# while its drop still applies.
with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as tf:
    tf.write("ips = { enable_builtin_rules = true }\n"
             "event_filter = { { gid = 1, sid = 9, type = 'limit', track = 'by_src',\n"
             "                   count = 1, seconds = 60 } }\n"
             "suppress = { { gid = 1, sid = 10, track = 'by_src', ip = '%s' } }\n" % C)
try:
    evs = run(udp_packets, ['alert udp any any -> any 9999 (content:"a"; sid:9;)',
                            'drop udp any any -> any 9999 (content:"bad"; sid:10;)'],
              args=["--set", "snort-lua-file=" + tf.name])
finally:
    os.unlink(tf.name)
check("snort.lua: event_filter limit 1 and suppress of a drop rule (still dropping)",
      [(a["pcap_cnt"], a["alert"]["signature_id"]) for a in of(evs, "alert")] == [(2, 9)] and
      [d["pcap_cnt"] for d in of(evs, "drop")] == [2, 4],
      ([(a["pcap_cnt"], a["alert"]["signature_id"]) for a in of(evs, "alert")],
       [d["pcap_cnt"] for d in of(evs, "drop")]))

# 8. fast.log: "[Drop] " before a drop rule's line inline, "[wDrop] " (would
# drop) in IDS mode.
DROP_BAD = ['drop udp any any -> any 9999 (msg:"bad"; content:"bad"; sid:2;)']
run(udp_packets, DROP_BAD)
lines = fast_log.splitlines()
check("ips: fast.log lines of a drop rule start with [Drop]",
      len(lines) == 2 and all(" [Drop] [**] [1:2:0] bad [**]" in ln for ln in lines), lines)
run(udp_packets, DROP_BAD, ips=False)
lines = fast_log.splitlines()
check("ids: fast.log lines of a drop rule start with [wDrop]",
      len(lines) == 2 and all(" [wDrop] [**] [1:2:0] bad [**]" in ln for ln in lines), lines)

# 9. action-order: by default pass rules come first (the pass wins); with
# drop before pass the drop rule's verdict stands.
PASS_DROP = DROP_BAD + ['pass udp any any -> any 9999 (content:"bad"; sid:3;)']
evs = run(udp_packets, PASS_DROP)
check("ips: default action-order: pass before drop, nothing dropped",
      not of(evs, "drop") and not of(evs, "alert"), of(evs, "drop")[:1])
evs = run(udp_packets, PASS_DROP,
          extra_yaml="action-order:\n  - drop\n  - pass\n  - reject\n  - alert\n")
check("ips: action-order drop, pass, reject, alert: the drop stands",
      [d["pcap_cnt"] for d in of(evs, "drop")] == [2, 4] and len(of(evs, "alert")) == 2,
      [d["pcap_cnt"] for d in of(evs, "drop")])
try:
    run(udp_packets, PASS_DROP, extra_yaml="action-order:\n  - drop\n  - pass\n")
    check("action-order naming two actions is an error", False)
except RuntimeError as e:
    check("action-order naming two actions is an error naming the key",
          "action-order" in str(e) and "pass, drop, reject and alert" in str(e), str(e))

# 10. app-layer.error-policy: the parser reports an error on the first
# request data (Suricata's QA simulation option); the policy applies from
# that packet on.
def http_error(pc):
    a = Session(pc, C, S, 40030, 80)
    a.send(True, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    a.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nmore")
    a.send(True, b"GET /more HTTP/1.1\r\nHost: x\r\n\r\n")
    a.close()


MORE = ['alert tcp any any -> any any (msg:"more"; content:"more"; sid:9;)']
SIM = ["--simulate-applayer-error-at-offset-ts=0"]


def policy_run(pol, ips=True):
    evs = run(http_error, MORE, ips=ips, args=SIM + ["--set", "app-layer.error-policy=" + pol])
    fl = of(evs, "flow")
    return (evs, fl[0]["flow"] if fl else {}, [d["drop"]["reason"] for d in of(evs, "drop")],
            last_stats(evs).get("exception_policy", {}).get("app_layer", {}).get("error", {}))


evs, fl, reasons, ep = policy_run("drop-flow")
check("ips: app-layer error drop-flow: first drop 'applayer error', then the flow's",
      reasons[:1] == ["applayer error"] and len(reasons) >= 4 and
      all(r == "exception policy flow drop" for r in reasons[1:]) and not of(evs, "alert") and
      fl.get("action") == "drop" and ep.get("drop_flow") == 1 and
      fl.get("exception_policy") == [{"target": "app_layer_error", "policy": "drop_flow"}],
      (reasons, fl, ep))
evs, fl, reasons, ep = policy_run("pass-flow")
check("ips: app-layer error pass-flow: no drop, no alert, flow.action pass",
      not reasons and not of(evs, "alert") and fl.get("action") == "pass" and
      ep.get("pass_flow") == 1, (reasons, fl, ep))
evs, fl, reasons, ep = policy_run("drop-packet")
check("ips: app-layer error drop-packet: only that packet dropped",
      reasons == ["applayer error"] and "action" not in fl and len(of(evs, "alert")) == 2,
      (reasons, fl))
evs, fl, reasons, ep = policy_run("ignore")
check("ips: app-layer error ignore: inspected on, alerts; the flow names the target",
      not reasons and len(of(evs, "alert")) == 2 and
      fl.get("exception_policy") == [{"target": "app_layer_error", "policy": "ignore"}] and
      not ep, (reasons, fl, ep))
evs, fl, reasons, ep = policy_run("drop-flow", ips=False)
check("ids: app-layer error drop-flow is ignore in IDS mode",
      not reasons and len(of(evs, "alert")) == 2 and "action" not in fl, (reasons, fl))
try:
    policy_run("drop-everything")
    check("app-layer.error-policy with a bad value is an error", False)
except RuntimeError as e:
    check("app-layer.error-policy with a bad value is an error naming the key",
          "app-layer.error-policy" in str(e), str(e))

evs = run(http_error, MORE, args=SIM + ["--set", "app-layer.error-policy=drop-packet", "--set",
                                       "stats.exception-policy.per-app-proto-errors=true"])
per = last_stats(evs).get("app_layer", {}).get("error", {}).get("http", {})
check("per-app-proto-errors: stats.app_layer.error.http.exception_policy counts the policy",
      per.get("exception_policy", {}).get("drop_packet") == 1 and
      per["exception_policy"].get("drop_flow") == 0, per)
evs = run(http_error, MORE, args=SIM + ["--set", "app-layer.error-policy=drop-packet"])
per = last_stats(evs).get("app_layer", {}).get("error", {}).get("http", {})
check("without per-app-proto-errors no per-protocol exception counters",
      per and "exception_policy" not in per, per)


# 11. Memcap exception policies with Suricata's QA simulation options: packet
# N meets the session, reassembly, flow or defrag memcap.
def memcap_run(build, rules, opts, ips=True):
    evs = run(build, rules, ips=ips, args=opts)
    fl = of(evs, "flow")
    return (evs, fl[0]["flow"] if fl else {}, [d["drop"]["reason"] for d in of(evs, "drop")],
            last_stats(evs))


evs, fl, reasons, st = memcap_run(http_error, MORE, ["--simulate-packet-tcp-ssn-memcap=1",
                                                      "--set", "stream.memcap-policy=drop-flow"])
check("ips: session memcap drop-flow: 'stream memcap', then the flow's packets",
      reasons[:1] == ["stream memcap"] and len(reasons) == 12 and
      all(r == "exception policy flow drop" for r in reasons[1:]) and not of(evs, "alert") and
      fl.get("action") == "drop" and
      fl.get("exception_policy") == [{"target": "stream_memcap", "policy": "drop_flow"}] and
      st["exception_policy"]["tcp"]["ssn_memcap"]["drop_flow"] == 1 and
      st["ips"]["drop_reason"]["stream_memcap"] == 1 and st["tcp"]["ssn_memcap_drop"] == 1,
      (reasons, fl, st.get("exception_policy")))
evs, fl, reasons, st = memcap_run(http_error, MORE, [
    "--simulate-packet-tcp-reassembly-memcap=6", "--set",
    "stream.reassembly.memcap-policy=pass-packet"])
check("ips: reassembly memcap pass-packet: that packet uninspected, the flow goes on",
      not reasons and [a["pcap_cnt"] for a in of(evs, "alert")] == [8] and
      "action" not in fl and fl.get("exception_policy", [{}])[0] ==
      {"target": "stream_reassembly_memcap", "policy": "pass_packet"} and
      st["exception_policy"]["tcp"]["reassembly"]["pass_packet"] == 1 and
      st["tcp"]["segment_memcap_drop"] == 1, (reasons, fl, of(evs, "alert")))
evs, fl, reasons, st = memcap_run(http_error, MORE, [
    "--simulate-packet-tcp-reassembly-memcap=4", "--set", "stream.reassembly.memcap-policy=bypass"])
check("ips: reassembly memcap bypass: nothing more inspected, flow.state bypassed",
      not reasons and not of(evs, "alert") and not of(evs, "http") and
      fl.get("state") == "bypassed" and
      st["exception_policy"]["tcp"]["reassembly"]["bypass"] == 1, (reasons, fl))
evs, fl, reasons, st = memcap_run(http_error, MORE, [
    "--simulate-packet-tcp-reassembly-memcap=4", "--set", "stream.reassembly.memcap-policy=reject"])
check("ips: reassembly memcap reject: the flow dropped with a reject from that packet on",
      reasons[:1] == ["stream reassembly"] and len(reasons) == 9 and
      fl.get("action") == "drop" and st["ips"]["rejected"] >= 1 and
      st["exception_policy"]["tcp"]["reassembly"]["reject"] == 1, (reasons, fl, st.get("ips")))
evs, fl, reasons, st = memcap_run(http_error, MORE, [
    "--simulate-packet-flow-memcap=1", "--set", "exception-policy=ignore",
    "--set", "flow.memcap-policy=drop-flow"])
check("ips: flow memcap drop-flow applies to the packet only (no flow): drop-packet",
      reasons == ["flow memcap"] and
      st["exception_policy"]["flow"]["memcap"]["drop_packet"] == 1 and
      st["exception_policy"]["flow"]["memcap"]["drop_flow"] == 0 and
      "tcp" not in st["exception_policy"] and st["flow"]["memcap"] == 1, (reasons, st))
evs, fl, reasons, st = memcap_run(http_error, MORE, [
    "--simulate-packet-tcp-ssn-memcap=1", "--set", "stream.memcap-policy=drop-flow"], ips=False)
check("ids: session memcap drop-flow is ignore in IDS mode; nothing counted",
      not reasons and "action" not in fl and "exception_policy" not in st, (reasons, fl))


def fragmented_ping(pc):
    # An ICMP echo request in two IPv4 fragments (16 + 16 bytes).
    import struct as _s
    icmp = _s.pack("!BBHHH", 8, 0, 0, 7, 1) + b"A" * 24
    c = 0
    for i in range(0, len(icmp), 2):
        c += (icmp[i] << 8) | icmp[i + 1]
    while c >> 16:
        c = (c & 0xFFFF) + (c >> 16)
    icmp = icmp[:2] + _s.pack("!H", ~c & 0xFFFF) + icmp[4:]
    for off, more in ((0, 1), (16, 0)):
        body = icmp[off:off + 16]
        h = _s.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 77, (more << 13) | (off // 8),
                    64, 1, 0, bytes(map(int, C.split("."))), bytes(map(int, S.split("."))))
        c = sum(_s.unpack("!10H", h))
        while c >> 16:
            c = (c & 0xFFFF) + (c >> 16)
        pc.frame(h[:10] + _s.pack("!H", ~c & 0xFFFF) + h[12:] + body)


PING = ["alert icmp any any -> any any (msg:\"ping\"; itype:8; sid:11;)"]
evs, fl, reasons, st = memcap_run(fragmented_ping, PING, [])
check("defrag: the reassembled echo request alerts", len(of(evs, "alert")) == 1 and not reasons,
      (reasons, of(evs, "alert")))
evs, fl, reasons, st = memcap_run(fragmented_ping, PING, [
    "--simulate-packet-defrag-memcap=1", "--set", "defrag.memcap-policy=drop-flow"])
check("ips: defrag memcap: the fragment dropped ('defrag memcap'), no datagram, no alert",
      reasons == ["defrag memcap"] and not of(evs, "alert") and
      st["exception_policy"]["defrag"]["memcap"]["drop_packet"] == 1 and
      st["ips"]["drop_reason"]["defrag_memcap"] == 1, (reasons, st.get("exception_policy")))
for bad in (["--simulate-packet-flow-memcap=x"], ["--set", "stream.memcap-policy=sometimes"]):
    try:
        run(http_error, MORE, args=bad)
        check("%s is an error" % bad[-1], False)
    except RuntimeError as e:
        check("%s is an error naming it" % bad[-1],
              ("simulate-packet" in str(e)) or ("stream.memcap-policy" in str(e)), str(e))

sys.exit(1 if failures else 0)
