#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Suricata's command line, with Suricata's meanings (issue 8): -F FILE,
-r DIR (sorted by modification time, one stream), --pcap-file-recursive,
-D with --pidfile, -T, -V and --build-info in Suricata's format,
--list-keywords, --list-app-layer-protos, --dump-config, -q, -v,
--init-errors-fatal, the progress line on a terminal (and not elsewhere),
and `vigil -X ...` without a command."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, flush=True)


def ok(msg):
    print("ok: " + msg, flush=True)


def run(args, **kw):
    return subprocess.run([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def events(path, kind=None):
    if not os.path.exists(path):
        return []
    out = [json.loads(l) for l in open(path) if l.strip()]
    return [e for e in out if kind is None or e["event_type"] == kind]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_bpf_file(tmp, cap, rules):
    bpf = os.path.join(tmp, "filter.bpf")
    write(bpf, "# only DNS\nudp and\n  port 53   # the resolver\n")
    d = os.path.join(tmp, "bpf")
    os.mkdir(d)
    r = run(["run", "-r", cap, "-F", bpf, "-l", d, "-S", rules, "-k", "none"])
    flows = events(os.path.join(d, "eve.json"), "flow")
    if r.returncode != 0 or not flows or any(f["proto"] != "UDP" for f in flows):
        fail("-F FILE: exit %d, flows %s: %s" % (r.returncode,
                                                 sorted({f["proto"] for f in flows}), r.stderr))
    r = run(["run", "-r", cap, "-F", os.path.join(tmp, "nope.bpf"), "-l", d])
    if r.returncode != 2 or "nope.bpf" not in r.stderr:
        fail("-F with a missing file: exit %d: %s" % (r.returncode, r.stderr))
    r = run(["run", "-r", cap, "-F", bpf, "-l", d, "tcp"])
    if r.returncode != 2:
        fail("-F FILE plus an expression on the command line must be refused, exit %d"
             % r.returncode)
    if not failures:
        ok("-F FILE reads the filter from a file (comments, several lines)")


def test_directory(tmp):
    """One TCP session split over three files whose names sort the other way
    round than their modification times: read by time, it is one flow."""
    d = os.path.join(tmp, "pcapdir")
    os.makedirs(os.path.join(d, "sub"))
    whole = os.path.join(tmp, "whole.pcap")
    p = Pcap(whole)
    s = Session(p, "10.5.0.1", "10.5.0.2", 33333, 8080)
    for i in range(6):
        s.send(True, b"part %d\n" % i)
    s.close()
    p.close()
    data = open(whole, "rb").read()
    hdr, body = data[:24], data[24:]
    recs = []
    off = 0
    while off < len(body):
        n = int.from_bytes(body[off + 8:off + 12], "little")
        recs.append(body[off:off + 16 + n])
        off += 16 + n
    third = len(recs) // 3
    parts = [recs[:third], recs[third:2 * third], recs[2 * third:]]
    names = ["c.pcap", "b.pcap", "a.pcap"]  # names sort against time
    now = time.time()
    for i, (name, part) in enumerate(zip(names, parts)):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(hdr + b"".join(part))
        os.utime(path, (now - 100 + i, now - 100 + i))
    # a sub-directory: only with --pcap-file-recursive
    shutil.copy(os.path.join(tmp, "c.pcap"), os.path.join(d, "sub", "extra.pcap"))
    out = os.path.join(tmp, "dirout")
    os.mkdir(out)
    r = run(["run", "-r", d, "-l", out, "-k", "none", "--disable-detection"],
            env=dict(os.environ, TZ="UTC"))
    flows = [f for f in events(os.path.join(out, "eve.json"), "flow") if f["proto"] == "TCP"]
    want = len(recs)
    # Read in name order, the flow would start with the last file's packets.
    if r.returncode != 0 or len(flows) != 1 or \
            flows[0]["flow"]["start"] != "2023-11-14T22:13:20.001000+0000" or \
            flows[0]["flow"]["pkts_toserver"] + flows[0]["flow"]["pkts_toclient"] != want:
        fail("-r DIR: exit %d, TCP flows %s (want one flow of %d packets): %s"
             % (r.returncode, [(f["flow"]["pkts_toserver"], f["flow"]["pkts_toclient"])
                               for f in flows], want, r.stderr))
    else:
        ok("-r DIR: three files read in modification-time order as one stream")
    out2 = os.path.join(tmp, "dirout2")
    os.mkdir(out2)
    r = run(["run", "-r", d, "--pcap-file-recursive", "-l", out2, "-k", "none",
             "--disable-detection"])
    st = events(os.path.join(out2, "eve.json"), "stats")
    pk = st[-1]["stats"]["decoder"]["pkts"] if st else -1
    base = events(os.path.join(out, "eve.json"), "stats")[-1]["stats"]["decoder"]["pkts"]
    if r.returncode != 0 or pk <= base:
        fail("--pcap-file-recursive: %d packets, without it %d" % (pk, base))
    else:
        ok("--pcap-file-recursive reads sub-directories")


def test_daemon(tmp, rules):
    indir = os.path.join(tmp, "daemon-in")
    out = os.path.join(tmp, "daemon-out")
    os.mkdir(indir)
    os.mkdir(out)
    pidfile = os.path.join(tmp, "vigil.pid")
    t0 = time.time()
    r = run(["-D", "--pidfile", pidfile, "-r", indir, "--pcap-file-continuous", "-l", out,
             "-S", rules], timeout=30)
    if r.returncode != 0:
        fail("-D: exit %d: %s" % (r.returncode, r.stderr))
        return
    if time.time() - t0 > 10:
        fail("-D: the parent took %.1f s to return" % (time.time() - t0))
    try:
        pid = int(open(pidfile).read().strip())
    except (OSError, ValueError) as e:
        fail("-D --pidfile: no pid in %s: %s" % (pidfile, e))
        return
    alive = os.path.exists("/proc/%d" % pid)
    cmd = open("/proc/%d/cmdline" % pid, "rb").read() if alive else b""
    if not alive or b"vigil" not in cmd:
        fail("-D: pid %d from the pid file is not a running vigil" % pid)
        return
    if os.getsid(pid) != pid:
        fail("-D: the daemon did not start its own session")
    # A second instance with the same pid file refuses to start.
    r2 = run(["run", "--pidfile", pidfile, "-r", indir, "--pcap-file-continuous", "-l", out])
    if r2.returncode == 0 or "pid file" not in r2.stderr:
        fail("a second sensor started with a live pid file: exit %d %s"
             % (r2.returncode, r2.stderr))
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not os.path.exists("/proc/%d" % pid):
            break
        time.sleep(0.1)
    if os.path.exists("/proc/%d" % pid):
        fail("-D: the daemon did not stop on SIGTERM")
        os.kill(pid, signal.SIGKILL)
    if os.path.exists(pidfile):
        fail("-D: the pid file was left behind")
    if not events(os.path.join(out, "eve.json"), "stats"):
        fail("-D: no stats written at the end")
    # pid-file from the configuration, in daemon mode
    cfgpid = os.path.join(tmp, "pid.yaml")
    pid2 = os.path.join(tmp, "from-config.pid")
    write(cfgpid, "%%YAML 1.1\n---\npid-file: %s\n" % pid2)
    r = run(["-D", "-c", cfgpid, "-r", indir, "--pcap-file-continuous", "-l", out], timeout=30)
    try:
        pid = int(open(pid2).read().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
    except (OSError, ValueError):
        fail("-D with pid-file in the configuration: no pid file %s (exit %d): %s"
             % (pid2, r.returncode, r.stderr))
    # run-as / --user naming nobody known is an error naming it
    r = run(["run", "--user", "no-such-user-vigil", "-r", indir, "--pcap-file-continuous",
             "-l", out], timeout=30)
    if r.returncode == 0 or "no-such-user-vigil" not in r.stderr:
        fail("--user with an unknown user: exit %d: %s" % (r.returncode, r.stderr))
    # Start-up errors reach the caller through the parent's exit status.
    r = run(["-D", "-r", indir, "--pcap-file-continuous", "-l", os.path.join(tmp, "no-dir")],
            timeout=30)
    if r.returncode == 0:
        fail("-D with a missing log directory: the parent exited 0")
    ok("-D detaches, --pidfile, a second instance refused, SIGTERM ends it, errors reported")


def test_test_mode(tmp, rules):
    cfg = os.path.join(tmp, "t.yaml")
    write(cfg, "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n")
    r = run(["-T", "-c", cfg, "-S", rules, "-l", tmp])
    if r.returncode != 0:
        fail("-T with a good configuration: exit %d: %s" % (r.returncode, r.stderr))
    bad = os.path.join(tmp, "bad.rules")
    write(bad, open(rules).read() + "alert tcp any any -> any any (msg:\"x\"; nosuchkw; sid:77;)\n")
    r = run(["-T", "-c", cfg, "-S", bad, "-l", tmp])
    if r.returncode != 1 or "bad.rules" not in r.stderr:
        fail("-T with a broken rule: exit %d (want 1): %s" % (r.returncode, r.stderr))
    r = run(["-T", "-c", os.path.join(tmp, "missing.yaml"), "-l", tmp])
    if r.returncode == 0:
        fail("-T with a missing configuration file: exit 0")
    # A rule Suricata accepts but vigil does not support (a keyword it lacks)
    # is a warning for -T, as suricata-update tests merged rulesets with -T.
    unsup = os.path.join(tmp, "unsup.rules")
    write(unsup, open(rules).read() +
          'alert udp any any -> any 161 (msg:"x"; asn1:oversize_length 100; sid:78;)\n')
    r = run(["-T", "-c", cfg, "-S", unsup, "-l", tmp])
    if r.returncode != 0 or "unsup.rules" not in r.stderr:
        fail("-T with a rule using a keyword vigil lacks: exit %d (want 0 and a warning): %s"
             % (r.returncode, r.stderr))
    et = os.path.join(os.environ.get("VIGIL_SHARED", ""), "rules", "et-open-suricata", "rules")
    if os.path.isdir(et):
        r = run(["-T", "-S", os.path.join(et, "*.rules"), "-l", tmp, "-q"])
        if r.returncode != 0:
            fail("-T with ET Open: exit %d: %s" % (r.returncode, r.stderr[-500:]))
    # --init-errors-fatal: the same broken rule stops a run; without it, a warning.
    d = os.path.join(tmp, "fatal")
    os.mkdir(d)
    cap = os.path.join(tmp, "c.pcap")
    r = run(["run", "-r", cap, "-S", bad, "-l", d, "--init-errors-fatal"])
    if r.returncode != 1:
        fail("--init-errors-fatal with a broken rule: exit %d" % r.returncode)
    r = run(["run", "-r", cap, "-S", bad, "-l", d])
    if r.returncode != 0:
        fail("a broken rule without --init-errors-fatal: exit %d" % r.returncode)
    ok("-T exits 0/1; --init-errors-fatal")


def test_info(tmp):
    r = run(["--build-info"])
    out = r.stdout
    m = re.search(r"^This is Suricata version (\d+)\.(\d+)\.(\d+)", out, re.M)
    feats = re.search(r"^Features: (.+)$", out, re.M)
    dirs = {k: re.search(r"^\s*--%s\s+(\S+)\s*$" % k, out, re.M)
            for k in ("prefix", "sysconfdir", "localstatedir", "datarootdir")}
    if r.returncode != 0 or not m or not feats or not all(dirs.values()):
        fail("--build-info is not in Suricata's format:\n" + out)
    elif "vigil" not in out.splitlines()[0]:
        fail("--build-info's first line does not say it is vigil")
    elif "AF_PACKET" not in feats.group(1).split():
        fail("--build-info features lack AF_PACKET: %s" % feats.group(1))
    r = run(["-V"])
    if r.returncode != 0 or not r.stdout.startswith("This is Suricata version "):
        fail("-V: %r" % r.stdout)
    r = run(["run", "--list-keywords"])
    kws = {l[2:] for l in r.stdout.splitlines() if l.startswith("- ")}
    for k in ("content", "pcre", "http.uri", "dns.query", "to_lowercase", "flowbits", "sid"):
        if k not in kws:
            fail("--list-keywords lacks %s" % k)
    r = run(["run", "--list-keywords=csv"])
    if not r.stdout.startswith("name;"):
        fail("--list-keywords=csv has no header: %r" % r.stdout[:80])
    r = run(["run", "--list-keywords=http.uri"])
    if r.returncode != 0 or "http.uri" not in r.stdout:
        fail("--list-keywords=http.uri: %r" % r.stdout)
    r = run(["run", "--list-keywords=no_such_kw"])
    if r.returncode == 0:
        fail("--list-keywords=no_such_kw: exit 0")
    r = run(["--list-app-layer-protos"])
    protos = set(r.stdout.split()[1:])
    for p in ("http", "tls", "dns", "ssh", "smtp", "ftp"):
        if p not in protos:
            fail("--list-app-layer-protos lacks %s: %s" % (p, sorted(protos)))
    cfg = os.path.join(tmp, "dump.yaml")
    write(cfg, "%YAML 1.1\n---\ndefault-rule-path: /r\nrule-files:\n  - a.rules\n  - b.rules\n"
               "outputs:\n  - eve-log:\n      enabled: yes\n      types:\n        - alert\n"
               "app-layer:\n  protocols:\n    modbus:\n      enabled: no\n")
    r = run(["-c", cfg, "--dump-config"])
    conf = {}
    for line in r.stdout.splitlines():
        k, v = line.split(" = ", 1)  # as suricata-update parses it
        conf[k] = v
    want = {"default-rule-path": "/r", "rule-files.0": "a.rules", "rule-files.1": "b.rules",
            "outputs.0": "eve-log", "outputs.0.eve-log.enabled": "yes",
            "outputs.0.eve-log.types.0": "alert", "app-layer.protocols.modbus.enabled": "no"}
    for k, v in want.items():
        if conf.get(k) != v:
            fail("--dump-config: %s = %r, want %r" % (k, conf.get(k), v))
    ok("--build-info, -V, --list-keywords, --list-app-layer-protos, --dump-config")


def test_verbosity(tmp, cap, rules):
    d = os.path.join(tmp, "verb")
    os.mkdir(d)
    quiet = run(["run", "-r", cap, "-S", rules, "-l", d, "-q"])
    normal = run(["run", "-r", cap, "-S", rules, "-l", d])
    v1 = run(["run", "-r", cap, "-S", rules, "-l", d, "-v"])
    v4 = run(["run", "-r", cap, "-S", rules, "-l", d, "-vvvv"])
    if quiet.stderr.strip():
        fail("-q: messages on stderr: %r" % quiet.stderr)
    if "rules: 1 loaded" not in v1.stderr or "rules: 1 loaded" in normal.stderr:
        fail("-v shows info messages (rules loaded), the default does not: %r / %r"
             % (v1.stderr, normal.stderr))
    if len(v4.stderr.splitlines()) < len(v1.stderr.splitlines()):
        fail("-vvvv shows less than -v")
    # Suricata's -q QUEUE is NFQUEUE: said clearly, not taken as a BPF filter.
    r = run(["run", "-q", "0", "-r", cap])
    if r.returncode != 2 or "NFQUEUE" not in r.stderr:
        fail("-q 0: exit %d: %s" % (r.returncode, r.stderr))
    ok("-q, -v, -vvvv; -q QUEUE explained")


def test_engine_log(tmp, cap, rules):
    """logging.outputs.file with type: json writes Suricata's engine events
    (suricata.json), configuration errors included; type regular stays text."""
    d = os.path.join(tmp, "englog")
    os.mkdir(d)
    cfg = os.path.join(tmp, "englog.yaml")
    write(cfg, "%YAML 1.1\n---\nlogging:\n  default-log-level: info\n  outputs:\n"
               "  - file:\n      enabled: yes\n      level: info\n"
               "      filename: engine.json\n      type: json\n")
    r = run(["run", "-c", cfg, "-r", cap, "-S", rules, "-l", d])
    lines = [json.loads(l) for l in open(os.path.join(d, "engine.json")) if l.strip()] \
        if os.path.exists(os.path.join(d, "engine.json")) else []
    if r.returncode != 0 or not lines or any(
            e.get("event_type") != "engine" or not e.get("engine", {}).get("message") or
            e.get("log_level") not in ("Error", "Warning", "Notice", "Info") for e in lines):
        fail("json engine log: exit %d, %r" % (r.returncode, lines[:3]))
    if not any("rules: 1 loaded" in e["engine"]["message"] and e["log_level"] == "Info"
               for e in lines):
        fail("json engine log: no Info line for the rules loaded: %r" % lines[:5])
    # A configuration error reaches the file too, once, as an Error.
    d2 = os.path.join(tmp, "englog2")
    os.mkdir(d2)
    r = run(["run", "-c", cfg, "-r", cap, "-l", d2, "--set", "stream.midstream=false",
             "--set", "stream.midstream-policy=drop-flow"])
    errs = [json.loads(l) for l in open(os.path.join(d2, "engine.json")) if l.strip()] \
        if os.path.exists(os.path.join(d2, "engine.json")) else []
    errs = [e for e in errs if e.get("log_level") == "Error"]
    if r.returncode != 1 or len(errs) != 1 or "midstream-policy" not in errs[0]["engine"]["message"]:
        fail("json engine log, configuration error: exit %d, %r" % (r.returncode, errs))
    ok("engine log as JSON (suricata.json), configuration errors included")


def test_progress(tmp, big, rules):
    if not shutil.which("script"):
        fail("script(1) (util-linux) is needed to give the sensor a terminal")
        return
    d = os.path.join(tmp, "prog")
    os.mkdir(d)
    cmd = "%s run -r %s -S %s -l %s -k none" % (BIN, big, rules, d)
    tty = subprocess.run(["script", "-qfec", cmd, "/dev/null"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=120)
    out = tty.stdout.decode(errors="replace")
    if tty.returncode != 0 or "packets" not in out or "Gbit/s" not in out or \
            "alerts" not in out or "done in" not in out:
        fail("progress line on a terminal: exit %d, output %r" % (tty.returncode, out[-400:]))
    tty_q = subprocess.run(["script", "-qfec", cmd + " -q", "/dev/null"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
    if "Gbit/s" in tty_q.stdout.decode(errors="replace"):
        fail("progress line shown with -q")
    r = run(["run", "-r", big, "-S", rules, "-l", d, "-k", "none"])
    if "Gbit/s" in r.stderr:
        fail("progress line shown when stderr is not a terminal")
    ok("progress line on a terminal only, not with -q")


def test_no_command(tmp, cap):
    d = os.path.join(tmp, "nocmd")
    os.mkdir(d)
    r = run(["-r", cap, "-l", d, "-k", "none", "--disable-detection"])
    if r.returncode != 0 or not events(os.path.join(d, "eve.json"), "flow"):
        fail("vigil -r FILE (no command): exit %d: %s" % (r.returncode, r.stderr))
    else:
        ok("vigil -r ... without a command runs the sensor")


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-cli-")
    try:
        rules = os.path.join(tmp, "t.rules")
        write(rules, 'alert tcp any any -> any any (msg:"t"; content:"VIGILTEST"; sid:1;)\n')
        cap = os.path.join(tmp, "c.pcap")
        p = Pcap(cap)
        for i in range(4):
            s = Session(p, "10.0.0.%d" % (i + 1), "10.0.1.1", 41000 + i, 80)
            s.send(True, b"GET /VIGILTEST HTTP/1.0\r\n\r\n")
            s.close()
            p.udp("10.0.0.%d" % (i + 1), "10.0.2.53", 5000 + i, 53, b"\x00" * 20)
        p.close()
        big = os.path.join(tmp, "big.pcap")
        p = Pcap(big)
        for i in range(20000):
            s = Session(p, "10.%d.%d.%d" % (i // 65536 % 256, i // 250 % 250, i % 250 + 1),
                        "10.200.0.1", 1024 + i % 60000, 80)
            s.send(True, b"GET /VIGILTEST%d HTTP/1.0\r\n\r\n" % i)
            s.close()
        p.close()
        test_bpf_file(tmp, cap, rules)
        test_directory(tmp)
        test_daemon(tmp, rules)
        test_test_mode(tmp, rules)
        test_info(tmp)
        test_verbosity(tmp, cap, rules)
        test_engine_log(tmp, cap, rules)
        test_progress(tmp, big, rules)
        test_no_command(tmp, cap)
    finally:
        if os.environ.get("VIGIL_KEEP_WORK"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("cli_suricata: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
