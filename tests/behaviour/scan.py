#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Scan detection (gid 7200, docs/behaviour.md) end to end:

1. a crafted capture: SYN port scan answered by RSTs (and one open port),
   SYN sweep without answers, Xmas scan, UDP scan, ICMP echo sweep, next to
   ordinary traffic (a long ping among it)
   and a client below the thresholds: exactly the expected alerts, one per
   source and kind; thresholds and behaviour.enabled from the yaml/--set;
2. real nmap (SYN, FIN, NULL, Xmas, UDP scans and sweeps, ICMP echo sweep) inside a network
   namespace the test creates, captured with tcpdump: the expected alerts;
   skipped (said so) where nmap, tcpdump or unshare are missing or not root;
3. the shared captures (../shared/pcaps) with the default thresholds: no
   gid 7200 alert (false alarms), counted per capture directory."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["VIGIL_SRC"], "tests", "sensor"))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]
# vigil's own counters (behaviour) are in stats.vigil only when asked for.
COUNTERS_YAML = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                             "vigil-counters.yaml")
SHARED = os.environ.get("VIGIL_SHARED", "")
failures = []

SYN, RST, ACK, FIN, PSH, URG = 0x02, 0x04, 0x10, 0x01, 0x08, 0x20


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, flush=True)


def vigil(pcap_or_dir, outdir, extra=()):
    args = [BIN, "run", "-c", COUNTERS_YAML, "-r", pcap_or_dir, "-S", "/dev/null", "-l", outdir,
            "-k", "none"]
    if os.path.isdir(pcap_or_dir):
        args.append("--pcap-file-recursive")
    r = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        fail("vigil exit %d on %s: %s" % (r.returncode, pcap_or_dir, r.stderr.strip()[-500:]))
        return [], {}
    alerts, stats = [], {}
    for line in open(os.path.join(outdir, "eve.json")):
        e = json.loads(line)
        if e["event_type"] == "alert" and e["alert"]["gid"] == 7200:
            alerts.append(e)
        elif e["event_type"] == "stats":
            stats = e["stats"]
    return alerts, stats


def summary(alerts):
    return sorted((a["alert"]["signature_id"], a["src_ip"]) for a in alerts)


def crafted(path):
    p = Pcap(path)
    # 10.9.0.1: SYN scan of 40 ports of 10.0.0.5; closed ports answer RST,
    # port 22 is open (SYN/ACK, the scanner resets).
    for port in range(1, 41):
        p.tcp("10.9.0.1", "10.0.0.5", 40000, port, 100, 0, SYN)
        if port == 22:
            p.tcp("10.0.0.5", "10.9.0.1", port, 40000, 500, 101, SYN | ACK)
            p.tcp("10.9.0.1", "10.0.0.5", 40000, port, 101, 0, RST)
        else:
            p.tcp("10.0.0.5", "10.9.0.1", port, 40000, 0, 101, RST | ACK)
    # 10.9.0.2: SYN sweep of port 3389 over 40 hosts, no answer.
    for h in range(1, 41):
        p.tcp("10.9.0.2", "10.0.1.%d" % h, 41000, 3389, 7, 0, SYN)
    # 10.9.0.3: Xmas scan of 30 ports.
    for port in range(100, 130):
        p.tcp("10.9.0.3", "10.0.0.6", 42000, port, 1, 0, FIN | PSH | URG)
        p.tcp("10.0.0.6", "10.9.0.3", port, 42000, 0, 1, RST | ACK)
    # 10.9.0.4: UDP scan of 30 ports, no replies.
    for port in range(500, 530):
        p.udp("10.9.0.4", "10.0.0.7", 43000, port, b"")
    # 10.9.0.5: ICMP echo sweep of 30 hosts, 20 of them answer.
    for h in range(1, 31):
        echo = bytes([8, 0, 0, 0, 0, 1, 0, h])
        p.frame(p.ipv4("10.9.0.5", "10.0.4.%d" % h, 1, echo))
        if h <= 20:
            p.frame(p.ipv4("10.0.4.%d" % h, "10.9.0.5", 1, bytes([0, 0, 0, 0, 0, 1, 0, h])))
    # A long ping of one host is no sweep.
    for i in range(10):
        p.frame(p.ipv4("10.0.0.50", "10.0.0.80", 1, bytes([8, 0, 0, 0, 0, 2, 0, i])))
        p.frame(p.ipv4("10.0.0.80", "10.0.0.50", 1, bytes([0, 0, 0, 0, 0, 2, 0, i])))
    # Ordinary traffic: 40 HTTP sessions of one client, DNS to 10
    # resolvers with answers, and a client refused on 20 ports (below the
    # default threshold of 25).
    for i in range(40):
        s = Session(p, "10.0.0.50", "10.0.0.80", 30000 + i, 80)
        s.send(True, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        s.close()
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x07example\x00\x00\x01\x00\x01"
    for i in range(10):
        p.udp("10.0.0.50", "10.0.3.%d" % (i + 1), 5353 + i, 53, q)
        p.udp("10.0.3.%d" % (i + 1), "10.0.0.50", 53, 5353 + i, b"\x12\x34\x81\x80" + q[4:])
    for port in range(8000, 8020):
        p.tcp("10.0.0.60", "10.0.0.80", 45000, port, 1, 0, SYN)
        p.tcp("10.0.0.80", "10.0.0.60", port, 45000, 0, 2, RST | ACK)
    p.close()


def test_crafted(d):
    pcap = os.path.join(d, "crafted.pcap")
    crafted(pcap)
    out = os.path.join(d, "crafted")
    os.mkdir(out)
    alerts, stats = vigil(pcap, out)
    want = [(1, "10.9.0.1"), (1, "10.9.0.3"), (2, "10.9.0.2"), (3, "10.9.0.4"), (5, "10.9.0.5")]
    if summary(alerts) != want:
        fail("crafted: alerts %s, want %s" % (summary(alerts), want))
    else:
        print("ok   crafted capture: %s" % want, flush=True)
    for a in alerts:
        md = a["alert"].get("metadata", {})
        probes = md.get("scan_probes", [""])[0]
        src = a["src_ip"]
        exp = {"10.9.0.1": "syn,half_open", "10.9.0.2": "syn", "10.9.0.3": "xmas",
               "10.9.0.4": "udp", "10.9.0.5": "icmp"}[src]
        if probes != exp or a["alert"]["category"] != "Attempted Information Leak":
            fail("crafted: %s metadata %s category %s, want probes %s" %
                 (src, md, a["alert"]["category"], exp))
    b = stats.get("behaviour", stats.get("vigil", {}).get("behaviour"))
    if b is not None and b["scan"]["alerts"] != 5:
        fail("crafted: stats behaviour %s" % b)
    # Thresholds from the configuration (above every scan: none; lower:
    # the refused client too), UDP off, behaviour off.
    for extra, want2, name in (
            (["--set", "behaviour.scan.vertical.ports=50",
              "--set", "behaviour.scan.horizontal.hosts=41"], [],
             "thresholds above the scans"),
            (["--set", "behaviour.scan.vertical.ports=20"],
             [(1, "10.0.0.60"), (1, "10.9.0.1"), (1, "10.9.0.3"), (2, "10.9.0.2"),
              (3, "10.9.0.4"), (5, "10.9.0.5")], "vertical threshold 20"),
            (["--set", "behaviour.scan.udp=no", "--set", "behaviour.scan.icmp=no"],
             [(1, "10.9.0.1"), (1, "10.9.0.3"), (2, "10.9.0.2")], "udp and icmp off"),
            (["--set", "behaviour.enabled=no"], [], "behaviour off"),
            # Flows spread over workers: the workers share the trackers.
            (["--threads", "3"], want, "3 worker threads")):
        o = os.path.join(d, "crafted-%d" % len(os.listdir(d)))
        os.mkdir(o)
        got, _ = vigil(pcap, o, extra)
        if summary(got) != want2:
            fail("crafted, %s: alerts %s, want %s" % (name, summary(got), want2))
        else:
            print("ok   crafted capture, %s" % name, flush=True)
    # The shipped yaml's behaviour keys are all read (the configuration
    # check reports none of them); a misspelt one is reported.
    o = os.path.join(d, "yaml")
    os.mkdir(o)
    r = subprocess.run([BIN, "run", "-r", pcap, "-S", "/dev/null", "-l", o, "-k", "none", "-c",
                        os.path.join(os.environ["VIGIL_SRC"], "etc", "vigil.yaml"),
                        "--set", "default-log-dir=" + o, "--set", "behaviour.scan.windw=5"],
                       capture_output=True, text=True)
    warned = [l for l in r.stderr.splitlines() if "behaviour." in l]
    if r.returncode != 0 or len(warned) != 1 or "behaviour.scan.windw" not in warned[0]:
        fail("etc/vigil.yaml behaviour keys: exit %d, warnings %s" % (r.returncode, warned))
    else:
        print("ok   behaviour keys of etc/vigil.yaml read; a misspelt key reported", flush=True)
    # A bad value is a clear start-up error naming the key.
    o = os.path.join(d, "bad")
    os.mkdir(o)
    r = subprocess.run([BIN, "run", "-r", pcap, "-S", "/dev/null", "-l", o,
                        "--set", "behaviour.scan.window=soon"], capture_output=True, text=True)
    if r.returncode == 0 or "behaviour.scan.window" not in r.stderr:
        fail("bad behaviour.scan.window: exit %d, %s" % (r.returncode, r.stderr.strip()))


NMAP_SCRIPT = r"""
set -e
ip link set lo up
python3 -m http.server 5 --bind 127.0.0.1 >/dev/null 2>&1 &
HTTP=$!
tcpdump -i lo -U -w "$1" -s 256 >/dev/null 2>&1 &
DUMP=$!
sleep 1
N="nmap -n -Pn -T5 -e lo --max-retries 1"
# -r: ports in order, so the open port 5 is among the first 25 probes
$N -sS -r -S 127.0.0.11 -p 1-100 127.0.0.1 >/dev/null
$N -sS -S 127.0.0.12 -p 443 127.0.1.1-40 >/dev/null
$N -sF -S 127.0.0.13 -p 1-40 127.0.0.1 >/dev/null
$N -sN -S 127.0.0.14 -p 1-40 127.0.0.1 >/dev/null
$N -sX -S 127.0.0.15 -p 1-40 127.0.0.1 >/dev/null
$N -sU -S 127.0.0.16 --max-retries 0 -p 1-40 127.0.0.1 >/dev/null
$N -sU -S 127.0.0.17 --max-retries 0 -p 161 127.0.2.1-40 >/dev/null
# ordinary use: 30 requests to the web server
for i in $(seq 30); do python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:5/").read()'; done
sleep 1
kill $DUMP $HTTP
wait $DUMP || true
# nmap does not probe loopback addresses for host discovery: an ICMP echo
# sweep goes over a veth pair to 40 addresses in a second namespace.
NS=vigil-behaviour-$$
ip netns add $NS
trap 'ip netns del $NS' EXIT
ip link add v0 type veth peer name v1
ip link set v1 netns $NS
ip addr add 10.88.0.1/24 dev v0
ip link set v0 up
ip netns exec $NS sh -c 'ip link set lo up; ip link set v1 up; for i in $(seq 2 41); do ip addr add 10.88.0.$i/24 dev v1; done'
tcpdump -i v0 -U -w "$2" -s 256 >/dev/null 2>&1 &
DUMP=$!
sleep 1
nmap -n -sn -PE --send-ip -T5 -e v0 10.88.0.2-41 >/dev/null
sleep 1
kill $DUMP
wait $DUMP || true
"""


def test_nmap(d):
    missing = [t for t in ("nmap", "tcpdump", "unshare", "ip") if not shutil.which(t)]
    if missing or os.geteuid() != 0:
        print("SKIP nmap part: %s" % ("missing " + ", ".join(missing) if missing else "not root"))
        return
    script = os.path.join(d, "nmap.sh")
    with open(script, "w") as f:
        f.write(NMAP_SCRIPT)
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        # No network namespace here (a container without the right): say so.
        print("SKIP nmap part: cannot create a network namespace")
        return
    caps = os.path.join(d, "nmapcaps")
    os.mkdir(caps)
    pcap = os.path.join(caps, "nmap-lo.pcap")
    r = subprocess.run(["unshare", "-n", "sh", script, pcap, os.path.join(caps, "nmap-veth.pcap")],
                       capture_output=True, text=True, timeout=150, cwd=d)
    if r.returncode != 0 or len(os.listdir(caps)) != 2:
        fail("nmap run: exit %d: %s" % (r.returncode, r.stderr.strip()[-500:]))
        return
    out = os.path.join(d, "nmap")
    os.mkdir(out)
    alerts, _ = vigil(caps, out)
    want = [(1, "127.0.0.11"), (1, "127.0.0.13"), (1, "127.0.0.14"), (1, "127.0.0.15"),
            (2, "127.0.0.12"), (3, "127.0.0.16"), (4, "127.0.0.17"), (5, "10.88.0.1")]
    if summary(alerts) != want:
        fail("nmap: alerts %s, want %s" % (summary(alerts), want))
    else:
        print("ok   nmap scans: %s" % want, flush=True)
    exp = {"127.0.0.11": "syn,half_open", "127.0.0.13": "fin", "127.0.0.14": "null",
           "127.0.0.15": "xmas", "127.0.0.12": "syn", "127.0.0.16": "udp", "127.0.0.17": "udp",
           "10.88.0.1": "icmp"}
    for a in alerts:
        probes = a["alert"].get("metadata", {}).get("scan_probes", [""])[0]
        if probes != exp.get(a["src_ip"]):
            fail("nmap: %s probes %s, want %s" % (a["src_ip"], probes, exp.get(a["src_ip"])))


def test_shared(d):
    root = os.path.join(SHARED, "pcaps")
    if not os.path.isdir(root):
        fail("no shared captures at %s" % root)
        return
    total = ncaps = 0
    for sub in sorted(os.listdir(root)):
        path = os.path.join(root, sub)
        if not os.path.isdir(path):
            continue
        # The captures only (the directories hold expected outputs too),
        # one run per protocol directory.
        caps = os.path.join(d, "caps-" + sub)
        os.mkdir(caps)
        for dirpath, _, files in os.walk(path):
            for fn in files:
                if fn.endswith((".pcap", ".pcapng", ".cap")):
                    os.symlink(os.path.join(dirpath, fn), os.path.join(caps, fn))
        if not os.listdir(caps):
            continue
        o = os.path.join(d, "shared-" + sub)
        os.mkdir(o)
        alerts, _ = vigil(caps, o)
        ncaps += len(os.listdir(caps))
        total += len(alerts)
        if alerts:
            fail("shared %s: %d scan alerts: %s" % (sub, len(alerts), summary(alerts)))
    if ncaps < 50:
        fail("shared captures: only %d found" % ncaps)
    print("%s shared captures (%d files): %d scan alerts with the default thresholds" %
          ("ok  " if total == 0 else "FAIL", ncaps, total), flush=True)


def main():
    with tempfile.TemporaryDirectory() as d:
        test_crafted(d)
        test_nmap(d)
        test_shared(d)
    print("%d failed" % len(failures) if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
