#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Datasets with JSON members (Suricata 8's datajson) through the real
sensor: a rule whose isset matched a member writes that member's object into
its alert as alert.context.<context_key> (one key per keyword; the value left
out with remove_key; a json file's array at array_key, an ndjson file's
objects one per line); a rule on the same sets without context_key writes no
context; a bad member stops the start with an error naming the file and
line; an alert carries the context of the member its own evaluation
matched (a parent domain's with match_subdomain), never one recorded by an
earlier evaluation of the rule that did not alert."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

VIGIL = os.environ.get("VIGIL_BIN", "build/vigil")
SHARED = os.environ.get("VIGIL_SHARED", "../../shared")
PCAP = os.path.join(SHARED, "pcaps/dns/dns-udp.pcap")  # 192.168.1.11 asks www.tcpdump.org

RULES = (
    'alert dns any any -> any any (msg:"name and source in feeds"; dns.query; '
    'dataset:isset,names,type string,load names.json,format json,context_key bad_name,'
    'value_key name,array_key feed.items; ip.src; dataset:isset,srcs,type ip,'
    'load srcs.ndjson,format ndjson,context_key src,value_key addr,remove_key; sid:1; rev:1;)\n'
    'alert dns any any -> any any (msg:"name only"; dns.query; dataset:isset,names; '
    'sid:2; rev:1;)\n')


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(work, rules, pcap=PCAP):
    with open(os.path.join(work, "test.rules"), "w") as f:
        f.write(rules)
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.mkdir(out)
    p = subprocess.run([VIGIL, "run", "-k", "none", "-r", pcap, "-S",
                        os.path.join(work, "test.rules"), "-l", out, "--init-errors-fatal"],
                       capture_output=True, text=True, timeout=60)
    alerts = []
    if os.path.exists(os.path.join(out, "eve.json")):
        for line in open(os.path.join(out, "eve.json")):
            ev = json.loads(line)
            if ev.get("event_type") == "alert":
                alerts.append(ev)
    return p, alerts


def main():
    work = tempfile.mkdtemp(prefix="vigil-datajson.")
    try:
        with open(os.path.join(work, "names.json"), "w") as f:
            json.dump({"generated": "2026-12-08", "feed": {"items": [
                {"name": "www.tcpdump.org", "actor": "lab", "score": 80,
                 "tags": ["test", {"tlp": "amber"}]},
                {"name": "www.tcpdump.org", "actor": "duplicate"},
                {"comment": "no name: skipped"}]}}, f)
        with open(os.path.join(work, "srcs.ndjson"), "w") as f:
            f.write('{"addr": "192.168.1.11", "site": "plant-7", "note": "caf\\u00e9"}\n\n'
                    '{"addr": "2001:db8::5", "site": "hq"}\n')
        p, alerts = run(work, RULES)
        if p.returncode != 0:
            fail("run failed: " + p.stderr[-1500:])
        by_sid = {a["alert"]["signature_id"]: a for a in alerts}
        if sorted(by_sid) != [1, 2] or len(alerts) != 2:
            fail("expected one alert each of sids 1 and 2, got %s" %
                 [a["alert"]["signature_id"] for a in alerts])
        ctx = by_sid[1]["alert"].get("context")
        want = {"bad_name": {"name": "www.tcpdump.org", "actor": "lab", "score": 80,
                             "tags": ["test", {"tlp": "amber"}]},
                "src": {"site": "plant-7", "note": "caf\u00e9"}}
        if ctx != want:
            fail("sid 1 alert.context %r, want %r" % (ctx, want))
        if "context" in by_sid[2]["alert"]:
            fail("sid 2 has no context_key but wrote %r" % by_sid[2]["alert"]["context"])

        # The context of this evaluation only: in dns-long-connection.pcap
        # the queries for www.netbsd.org (a member, no "google": no alert)
        # come before www.google.com (matched by its parent google.com).
        with open(os.path.join(work, "fam.json"), "w") as f:
            json.dump([{"name": "google.com", "family": "search"},
                       {"name": "www.netbsd.org", "family": "os"},
                       {"name": "www.example.com", "family": "docs"}], f)
        rules = ('alert dns any any -> any any (msg:"google family"; dns.query; '
                 'dataset:isset,fam,type string,load fam.json,format json,context_key fam,'
                 'value_key name,match subdomain; content:"google"; sid:3; rev:1;)\n')
        p, alerts = run(work, rules, os.path.join(SHARED, "pcaps/dns/dns-long-connection.pcap"))
        if p.returncode != 0:
            fail("run failed: " + p.stderr[-1500:])
        ctxs = [a["alert"].get("context") for a in alerts]
        want = {"fam": {"name": "google.com", "family": "search"}}
        if len(ctxs) < 3 or any(c != want for c in ctxs):
            fail("match_subdomain alerts' contexts %r, want each %r" % (ctxs, want))

        # A match on a later segment of a TCP stream (the third request
        # of one connection): the old bytes are evaluated again to see
        # whether they matched already; the alert keeps its context.
        with open(os.path.join(work, "hosts.ndjson"), "w") as f:
            f.write('{"addr": "10.0.2.15", "site": "lab-pc"}\n')
        rules = ('alert tcp any any -> any any (msg:"third request"; content:"/images/new.png"; '
                 'ip.src; dataset:isset,hosts,type ip,load hosts.ndjson,format ndjson,'
                 'context_key host,value_key addr; sid:4; rev:1;)\n')
        p, alerts = run(work, rules, os.path.join(SHARED, "pcaps/http/http-bro-org.pcap"))
        if p.returncode != 0:
            fail("run failed: " + p.stderr[-1500:])
        ctxs = [a["alert"].get("context") for a in alerts]
        want = {"host": {"addr": "10.0.2.15", "site": "lab-pc"}}
        if not ctxs or any(c != want for c in ctxs):
            fail("stream alerts' contexts %r, want each %r" % (ctxs, want))

        # a member whose value is not a string: the start fails, naming file and line
        with open(os.path.join(work, "srcs.ndjson"), "a") as f:
            f.write('{"addr": 3232235787, "site": "int"}\n')
        p, alerts = run(work, RULES)
        if p.returncode == 0 or "srcs.ndjson line 4" not in p.stderr or \
                "not a string" not in p.stderr:
            fail("bad member: rc %d, stderr %r" % (p.returncode, p.stderr[-800:]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("ok: alert.context from json and ndjson members, of the evaluation's own member; "
          "bad member refused")


if __name__ == "__main__":
    main()
