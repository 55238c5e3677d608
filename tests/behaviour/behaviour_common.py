# SPDX-License-Identifier: Apache-2.0
"""Helpers of the behavioural detectors' end-to-end tests (dns.py, beacon.py):
running vigil on a capture or a directory and collecting one gid's alerts,
the shared captures as one directory, and the real-tool prerequisites."""
import json
import os
import shutil
import subprocess

BIN = os.environ["VIGIL_BIN"]
SRC = os.environ["VIGIL_SRC"]
SHARED = os.environ.get("VIGIL_SHARED", "")
# vigil's own counters (behaviour) are in stats.vigil only when asked for.
COUNTERS_YAML = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                             "vigil-counters.yaml")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, flush=True)


def ok(msg):
    print("ok   " + msg, flush=True)


def vigil(pcap_or_dir, outdir, gid, extra=()):
    """Runs vigil; returns (alerts of gid, the stats' behaviour object)."""
    os.makedirs(outdir, exist_ok=True)
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
        if e["event_type"] == "alert" and e["alert"]["gid"] == gid:
            alerts.append(e)
        elif e["event_type"] == "stats":
            stats = e["stats"]
    return alerts, stats.get("behaviour", stats.get("vigil", {}).get("behaviour", {}))


def shared_captures(d):
    """A directory of links to every shared capture; (path, count)."""
    root = os.path.join(SHARED, "pcaps")
    caps = os.path.join(d, "caps")
    os.mkdir(caps)
    n = 0
    for dirpath, _, files in sorted(os.walk(root)):
        for fn in sorted(files):
            if fn.endswith((".pcap", ".pcapng", ".cap")):
                n += 1
                os.symlink(os.path.join(dirpath, fn), os.path.join(caps, "%04d-%s" % (n, fn)))
    return caps, n


def can_run(tools, sbin=()):
    """None when root, namespaces and the tools are there, else the reason."""
    missing = [t for t in tools if not shutil.which(t)]
    missing += [p for p in sbin if not os.path.exists(p)]
    if missing:
        return "missing " + ", ".join(missing)
    if os.geteuid() != 0:
        return "not root"
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        return "cannot create a network namespace"
    return None


def namespace_traffic(d, tools, script, pcap_name, args=(), timeout=120):
    """Runs tests/behaviour/<script> (capture file, work directory, args...)
    inside a new network namespace; the capture's path, or None when the
    tools, root or namespaces are missing (skip said) or it failed (failure
    said)."""
    why = can_run(tuple(tools) + ("tcpdump", "unshare", "ip"))
    if why:
        print("SKIP real traffic: " + why)
        return None
    work = os.path.join(d, "work")
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(d, pcap_name)
    r = subprocess.run(["unshare", "-n", "sh", os.path.join(SRC, "tests", "behaviour", script),
                        pcap, work] + list(args), capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0 or not os.path.exists(pcap):
        fail("traffic: exit %d: %s" % (r.returncode, r.stderr.strip()[-800:]))
        return None
    return pcap
