#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""suricata.yaml settings a Suricata deployment relies on (issue 8):

- every key vigil does not use gets exactly one warning naming its full
  dotted path, file and line; the keys vigil supports in Suricata's own
  default suricata.yaml get none; a misspelt key is reported;
- default-log-dir, outputs.eve-log.filename, several eve-log outputs with
  their own types and files, filetype unix_stream and unix_dgram,
  fast.enabled, stats.enabled/interval and the stats.log output,
  default-rule-path + rule-files with globs, sensor-name (EVE "host"),
  pcap-file: false/true (EVE pcap_filename)."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]
SHARED = os.environ.get("VIGIL_SHARED", "")
failures = []
WARN = re.compile(r"^vigil: warning: (.+?):(\d+): ([A-Za-z0-9_.%/\-]+): (.*) \(ignored\)$")


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, flush=True)


def run(args, **kw):
    return subprocess.run([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def events(path, kind=None):
    if not os.path.exists(path):
        return []
    out = [json.loads(l) for l in open(path) if l.strip()]
    return [e for e in out if kind is None or e["event_type"] == kind]


def warnings(stderr):
    keys = {}
    for line in stderr.splitlines():
        m = WARN.match(line)
        if m:
            keys.setdefault(m.group(3), []).append(line)
    return keys


def capture(path):
    p = Pcap(path)
    for i in range(5):
        s = Session(p, "10.0.0.%d" % (i + 1), "10.0.1.1", 41000 + i, 80)
        s.send(True, b"GET /VIGILTEST HTTP/1.0\r\n\r\n")
        s.send(False, b"HTTP/1.0 200 OK\r\n\r\n")
        s.close()
        p.udp("10.0.0.%d" % (i + 1), "10.0.2.53", 5000 + i, 53,
              b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x07example\x00\x00\x01\x00\x01")
    p.close()


# Keys of Suricata's default suricata.yaml that vigil uses: none may warn.
SUPPORTED = [
    "default-log-dir", "stats.enabled", "stats.interval", "outputs.fast.enabled",
    "outputs.fast.filename", "outputs.fast.append", "outputs.eve-log.enabled",
    "outputs.eve-log.filetype", "outputs.eve-log.filename", "outputs.eve-log.pcap-file",
    "outputs.eve-log.community-id", "outputs.eve-log.community-id-seed",
    "outputs.eve-log.types.alert", "outputs.eve-log.types.anomaly",
    "outputs.eve-log.types.http", "outputs.eve-log.types.dns", "outputs.eve-log.types.tls",
    "outputs.eve-log.types.files", "outputs.eve-log.types.smtp", "outputs.eve-log.types.ftp",
    "outputs.eve-log.types.ssh", "outputs.eve-log.types.flow", "outputs.eve-log.types.stats",
    "outputs.stats.enabled", "outputs.stats.filename", "outputs.stats.append",
    "outputs.stats.totals", "logging.default-log-level", "logging.outputs.console.enabled",
    "logging.outputs.file.enabled", "logging.outputs.file.level",
    "logging.outputs.file.filename", "af-packet.interface", "af-packet.cluster-id",
    "af-packet.cluster-type", "af-packet.defrag", "pcap.interface",
    "pcap-file.checksum-checks", "app-layer.protocols.tls.enabled",
    "app-layer.protocols.http.enabled", "app-layer.protocols.dns",
    "app-layer.protocols.ftp.enabled", "app-layer.protocols.ssh.enabled",
    "app-layer.protocols.smtp.enabled",
    "app-layer.protocols.http.libhtp.default-config.request-body-limit",
    "app-layer.protocols.http.libhtp.default-config.response-body-limit",
    "defrag.memcap", "defrag.trackers", "defrag.timeout", "flow.memcap", "flow.hash-size",
    "flow.prealloc", "flow.emergency-recovery", "flow-timeouts", "stream.memcap",
    "stream.checksum-validation", "stream.inline", "stream.reassembly.memcap",
    "stream.reassembly.depth", "vars", "default-rule-path", "rule-files",
    "classification-file", "reference-config-file", "decoder.teredo", "decoder.vxlan",
    "decoder.geneve", "vlan.use-for-tracking", "host-mode", "mpm-algo", "spm-algo",
    "threading.set-cpu-affinity", "threading.cpu-affinity", "suricata-version",
]
# Keys of the same file vigil does not support: each must warn.
UNSUPPORTED = ["dpdk", "af-xdp", "netmap", "pfring", "napatech",
               "host-os-policy"]


def test_default_yaml(tmp, rules):
    yaml = os.path.join(SHARED, "conformance", "suricata-verify", "default-suricata.yaml")
    if not os.path.exists(yaml):
        fail("Suricata's default suricata.yaml is missing: %s" % yaml)
        return
    r = run(["-T", "-c", yaml, "-S", rules, "-l", tmp])
    if r.returncode != 0:
        fail("-T with Suricata's default yaml: exit %d: %s" % (r.returncode, r.stderr))
    keys = warnings(r.stderr)
    for k, lines in keys.items():
        if len(lines) != 1:
            fail("key %s reported %d times: %s" % (k, len(lines), lines))
    for k in SUPPORTED:
        hit = [w for w in keys if (w == k or w.startswith(k + ".")) and w not in UNSUPPORTED]
        if hit:
            fail("supported key %s was reported: %s" % (k, [keys[h][0] for h in hit]))
    for k in UNSUPPORTED:
        if k not in keys:
            fail("unsupported key %s was not reported" % k)
    # Lines of the report name the file and a line number that holds the key.
    text = open(yaml).read().splitlines()
    for k, lines in keys.items():
        m = WARN.match(lines[0])
        line = int(m.group(2))
        last = k.split(".")[-1]
        if not (0 < line <= len(text)) or last not in text[line - 1]:
            fail("warning for %s points at line %d: %r" % (k, line, text[line - 1]
                                                             if 0 < line <= len(text) else ""))
    print("ok: Suricata's default yaml: %d unsupported keys reported once each, none of %d "
          "supported ones" % (len(keys), len(SUPPORTED)), flush=True)


def test_typos(tmp, cap, rules):
    cfg = os.path.join(tmp, "typo.yaml")
    with open(cfg, "w") as f:
        f.write("%YAML 1.1\n---\nstrem:\n  memcap: 64mb\noutputs:\n  - eve-log:\n"
                "      enabled: yes\n      filname: other.json\n      types:\n        - alert\n"
                "        - rdp\n  - eve-log:\n      enabled: yes\n      filname: other.json\n"
                "      types:\n        - flow\n")
    d = os.path.join(tmp, "typo")
    os.mkdir(d)
    r = run(["run", "-r", cap, "-c", cfg, "-S", rules, "-l", d, "-k", "none"])
    keys = warnings(r.stderr)
    want = {"strem", "outputs.eve-log.filname", "outputs.eve-log.types.rdp"}
    if set(keys) != want or any(len(v) != 1 for v in keys.values()):
        fail("typos: warnings %s, want one each for %s" % (keys, sorted(want)))
    elif "no rdp parser" not in keys["outputs.eve-log.types.rdp"][0]:
        fail("typos: the rdp warning does not say why: %s" % keys["outputs.eve-log.types.rdp"])
    else:
        print("ok: misspelt and unsupported keys reported once each", flush=True)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_outputs(tmp, cap, rules):
    """default-log-dir, two eve-log outputs (alerts, flows), eve filename,
    fast disabled, stats.log, sensor-name, pcap-file."""
    logdir = os.path.join(tmp, "outdir")
    os.mkdir(logdir)
    cfg = os.path.join(tmp, "outputs.yaml")
    write(cfg, "%%YAML 1.1\n---\ndefault-log-dir: %s\nsensor-name: sensor-7\n"
               "stats:\n  enabled: yes\n  interval: 8\n"
               "outputs:\n"
               "  - fast:\n      enabled: no\n"
               "  - eve-log:\n      enabled: yes\n      filename: alerts.json\n"
               "      pcap-file: true\n      types:\n        - alert\n"
               "  - eve-log:\n      enabled: yes\n      filename: /%s/flows.json\n"
               "      types:\n        - flow\n        - stats\n"
               "  - stats:\n      enabled: yes\n      filename: stats.log\n"
               % (logdir, logdir.strip("/")))
    r = run(["run", "-r", cap, "-c", cfg, "-S", rules, "-k", "none"])
    if r.returncode != 0:
        fail("outputs: exit %d: %s" % (r.returncode, r.stderr))
        return
    names = sorted(os.listdir(logdir))
    for n in ("alerts.json", "flows.json", "stats.log"):
        if n not in names:
            fail("outputs: %s not written in default-log-dir (found %s)" % (n, names))
    for n in ("fast.log", "eve.json"):
        if n in names:
            fail("outputs: %s written though not configured" % n)
    al = events(os.path.join(logdir, "alerts.json"))
    fl = events(os.path.join(logdir, "flows.json"))
    if {e["event_type"] for e in al} != {"alert"} or len(al) != 5:
        fail("outputs: alerts.json has %s" % sorted({e["event_type"] for e in al}))
    if {e["event_type"] for e in fl} != {"flow", "stats"}:
        fail("outputs: flows.json has %s" % sorted({e["event_type"] for e in fl}))
    if any(e.get("host") != "sensor-7" for e in al + fl):
        fail("outputs: an event without host sensor-7 (sensor-name)")
    if any(e.get("pcap_filename") != cap for e in al):
        fail("outputs: pcap-file: true, but alerts lack pcap_filename %s" % cap)
    if any("pcap_filename" in e for e in fl):
        fail("outputs: pcap-file is per output: flows.json has pcap_filename")
    st = open(os.path.join(logdir, "stats.log")).read()
    if "decoder.pkts" not in st or "Total" not in st:
        fail("outputs: stats.log has no counter table: %r" % st[:300])
    # stats disabled: no stats events, no stats.log
    d2 = os.path.join(tmp, "nostats")
    os.mkdir(d2)
    r = run(["run", "-r", cap, "-S", rules, "-l", d2, "-k", "none", "--set", "stats.enabled=no"])
    if events(os.path.join(d2, "eve.json"), "stats"):
        fail("stats.enabled: no still writes stats events")
    print("ok: default-log-dir, two eve-log outputs by type, fast off, stats.log, sensor-name, "
          "pcap-file", flush=True)


def test_sockets(tmp, cap, rules):
    for kind in ("unix_stream", "unix_dgram"):
        path = os.path.join(tmp, kind + ".sock")
        stype = socket.SOCK_STREAM if kind == "unix_stream" else socket.SOCK_DGRAM
        srv = socket.socket(socket.AF_UNIX, stype)
        srv.bind(path)
        got = []

        def reader():
            if kind == "unix_stream":
                srv.listen(1)
                srv.settimeout(15)
                c, _ = srv.accept()
                buf = b""
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    buf += d
                got.extend(buf.split(b"\n"))
            else:
                srv.settimeout(3)
                try:
                    while True:
                        got.append(srv.recv(65536))
                except socket.timeout:
                    pass

        t = threading.Thread(target=reader)
        t.start()
        cfg = os.path.join(tmp, kind + ".yaml")
        write(cfg, "%%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
                   "      filetype: %s\n      filename: %s\n" % (kind, path))
        d = os.path.join(tmp, kind)
        os.mkdir(d)
        r = run(["run", "-r", cap, "-c", cfg, "-S", rules, "-l", d, "-k", "none"])
        t.join()
        srv.close()
        evs = [json.loads(x) for x in got if x.strip()]
        n_alert = sum(1 for e in evs if e["event_type"] == "alert")
        if r.returncode != 0 or n_alert != 5 or not any(e["event_type"] == "stats" for e in evs):
            fail("filetype %s: exit %d, %d events (%d alerts) received: %s"
                 % (kind, r.returncode, len(evs), n_alert, r.stderr))
        else:
            print("ok: filetype %s: %d events received, all whole JSON" % (kind, len(evs)),
                  flush=True)


def test_rule_globs(tmp, cap):
    rd = os.path.join(tmp, "ruledir")
    os.mkdir(rd)
    write(os.path.join(rd, "a.rules"),
          'alert tcp any any -> any any (msg:"glob a"; content:"VIGILTEST"; sid:9001;)\n')
    write(os.path.join(rd, "b.rules"),
          'alert udp any any -> any 53 (msg:"glob b"; content:"example"; sid:9002;)\n')
    write(os.path.join(rd, "c.txt"),
          'alert ip any any -> any any (msg:"not a rules file"; sid:9003;)\n')
    cfg = os.path.join(tmp, "globs.yaml")
    write(cfg, "%%YAML 1.1\n---\ndefault-rule-path: %s\nrule-files:\n  - \"*.rules\"\n" % rd)
    d = os.path.join(tmp, "globs")
    os.mkdir(d)
    r = run(["run", "-r", cap, "-c", cfg, "-l", d, "-k", "none"])
    sids = sorted({e["alert"]["signature_id"] for e in events(os.path.join(d, "eve.json"), "alert")})
    if r.returncode != 0 or sids != [9001, 9002]:
        fail("rule-files glob under default-rule-path: alerts from sids %s (exit %d): %s"
             % (sids, r.returncode, r.stderr))
    d2 = os.path.join(tmp, "globs2")
    os.mkdir(d2)
    r = run(["run", "-r", cap, "-S", os.path.join(rd, "[ab].rules"), "-l", d2, "-k", "none"])
    sids = sorted({e["alert"]["signature_id"] for e in events(os.path.join(d2, "eve.json"), "alert")})
    if r.returncode != 0 or sids != [9001, 9002]:
        fail("-S with a glob: alerts from sids %s (exit %d): %s" % (sids, r.returncode, r.stderr))
    r = run(["run", "-r", cap, "-S", os.path.join(rd, "*.nothing"), "-l", d2, "-k", "none"])
    if r.returncode != 2 or "no file matches" not in r.stderr:
        fail("-S with a glob matching nothing: exit %d: %s" % (r.returncode, r.stderr))
    print("ok: rule-files and -S globs", flush=True)


def test_ics_keys(tmp, cap, rules):
    """The control-network protocols' settings count as supported: enabled,
    detection-ports (vigil detects by content on any port), their own
    options, the layer-2 protocols (GOOSE, SV, PROFINET) and their eve-log
    types, ics-baseline; a misspelt option of theirs is reported."""
    cfg = os.path.join(tmp, "ics.yaml")
    protos = ["iec104", "s7comm", "mms", "c37118", "bacnet", "opcua", "goose", "sv", "profinet"]
    text = ("%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n"
            "      filename: ics.json\n      types:\n")
    text += "".join("        - %s\n" % p for p in protos)
    text += "app-layer:\n  l2:\n    memcap: 4mb\n  protocols:\n"
    for p in protos:
        text += "    %s:\n      enabled: yes\n" % p
        if p in ("iec104", "s7comm", "opcua"):
            text += "      detection-ports:\n        dp: 2404\n"
        if p == "c37118":
            text += ("      tcp:\n        detection-ports:\n          dp: 4712\n"
                     "      udp:\n        detection-ports:\n          dp: 4713\n")
    text += "      mms-log-everything: yes\n"  # under profinet: no such option
    text += ("ics-baseline:\n  enabled: no\n  learning-time: 1h\n  learning-messages: 0\n"
             "  memcap: 8mb\n")
    write(cfg, text.replace("    mms:\n      enabled: yes\n",
                            "    mms:\n      enabled: yes\n      midstream: no\n")
                   .replace("    sv:\n      enabled: yes\n",
                            "    sv:\n      enabled: yes\n      log-all: no\n"))
    d = os.path.join(tmp, "ics")
    os.mkdir(d)
    r = run(["run", "-r", cap, "-c", cfg, "-S", rules, "-l", d, "-k", "none"])
    keys = warnings(r.stderr)
    want = {"app-layer.protocols.profinet.mms-log-everything"}
    if r.returncode != 0 or set(keys) != want:
        fail("ics keys: exit %d, warnings %s, want only %s" % (r.returncode, sorted(keys),
                                                               sorted(want)))
    else:
        print("ok: control-network protocol settings and types supported", flush=True)
    for key, bad in (("app-layer.protocols.sv.log-all", "maybe"),
                     ("app-layer.protocols.mms.midstream", "2"),
                     ("app-layer.l2.memcap", "lots")):
        r = run(["run", "-r", cap, "-S", rules, "-l", d, "-k", "none", "--set", key + "=" + bad])
        if r.returncode != 1 or key not in r.stderr:
            fail("ics keys: %s=%s: exit %d, %r (want 1, naming the key)" % (key, bad, r.returncode,
                                                                         r.stderr[-200:]))


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-cfgkeys-")
    try:
        os.chmod(tmp, 0o755)
        rules = os.path.join(tmp, "t.rules")
        write(rules, 'alert tcp any any -> any any (msg:"t"; content:"VIGILTEST"; sid:1;)\n')
        cap = os.path.join(tmp, "c.pcap")
        capture(cap)
        test_default_yaml(tmp, rules)
        test_typos(tmp, cap, rules)
        test_ics_keys(tmp, cap, rules)
        test_outputs(tmp, cap, rules)
        test_sockets(tmp, cap, rules)
        test_rule_globs(tmp, cap)
    finally:
        if os.environ.get("VIGIL_KEEP_WORK"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("config_keys: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
