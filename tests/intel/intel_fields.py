#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Shared indicators are matched where they appear on the wire.

For real captures of DNS, HTTP (with files), TLS, SMTP and SSH, a first run
without indicators collects the values the sensor saw (DNS names, HTTP
hosts/URLs/user agents, file hashes and names, TLS SNI/certificate
names/fingerprints/JA3/JA3S/JA4, SMTP envelope addresses, HASSH, server
addresses). A second run loads them all as indicators (a Zeek intel file)
and must raise one gid-7000 alert per value, in the right field, with the
indicator in alert.metadata; indicators that are not in the traffic must
not alert. Standard library only."""
import json
import os
import subprocess
import sys
import tempfile

VIGIL = os.environ.get("VIGIL_BIN", "build/vigil")
SHARED = os.environ.get("VIGIL_SHARED", "../../shared")
HERE = os.path.dirname(os.path.abspath(__file__))
YAML = os.path.join(HERE, "data", "intel-eve.yaml")
PCAPS = ["dns/dns-udp.pcap", "http/http-get.pcap", "http/http-multipart.pcap",
         "tls/tls12.pcap", "tls/tls13-wolfssl.pcap", "smtp/smtp-multi-addr.pcap",
         "ssh/ssh-single-conn.pcap", "tls/tls-google-ssl.pcap", "dns/dns-tcp.pcap",
         "tls/tls-client-certificate.pcap"]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(pcap, outdir, *extra):
    os.makedirs(outdir, exist_ok=True)
    r = subprocess.run([VIGIL, "run", "-c", YAML, "-r", pcap, "-l", outdir, *extra],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise SystemExit(f"vigil failed on {pcap}: {r.stderr}")
    with open(os.path.join(outdir, "eve.json")) as f:
        return [json.loads(line) for line in f]


def strip_angle(a):
    a = a.strip()
    if "<" in a and ">" in a:
        a = a[a.index("<") + 1:a.index(">")]
    return a.lower()


def collect(events):
    """(zeek type, value as written, expected intel_kind, expected intel_value, where)"""
    out = []
    for e in events:
        t = e["event_type"]
        if t == "dns":
            for q in e["dns"].get("queries", []):
                if q["rrname"] and e["dns"]["type"] == "request":
                    out.append(("Intel::DOMAIN", q["rrname"], "domain", q["rrname"].lower(),
                                "dns.query"))
        elif t == "http":
            h = e["http"]
            if h.get("hostname"):
                out.append(("Intel::DOMAIN", h["hostname"], "domain", h["hostname"].lower(),
                            "http.host"))
                url = "http://" + h["hostname"] + h["url"]
                out.append(("Intel::URL", url, "url", h["hostname"].lower() + h["url"],
                            "http.uri"))
            if h.get("http_user_agent"):
                out.append(("Intel::SOFTWARE", h["http_user_agent"], "software",
                            h["http_user_agent"], "http.user_agent"))
        elif t == "fileinfo":
            fi = e["fileinfo"]
            if fi.get("md5"):
                out.append(("Intel::FILE_HASH", fi["md5"].upper(), "file_md5", fi["md5"],
                            "fileinfo.md5"))
            if fi.get("sha256"):
                out.append(("Intel::FILE_HASH", fi["sha256"], "file_sha256", fi["sha256"],
                            "fileinfo.sha256"))
        elif t == "tls":
            tl = e["tls"]
            if tl.get("sni"):
                out.append(("Intel::DOMAIN", tl["sni"], "domain", tl["sni"], "tls.sni"))
            if tl.get("fingerprint"):
                out.append(("Intel::CERT_HASH", tl["fingerprint"], "cert_sha1",
                            tl["fingerprint"].replace(":", "").lower(), "tls.cert_fingerprint"))
            for k, kind, where in (("ja3", "ja3", "ja3.hash"), ("ja3s", "ja3s", "ja3s.hash")):
                if tl.get(k, {}).get("hash"):
                    out.append(("Intel::" + k.upper(), tl[k]["hash"], kind, tl[k]["hash"], where))
            if tl.get("ja4"):
                out.append(("Intel::JA4", tl["ja4"], "ja4", tl["ja4"], "ja4.hash"))
        elif t == "smtp":
            s = e["smtp"]
            if s.get("mail_from"):
                out.append(("Intel::EMAIL", s["mail_from"], "email", strip_angle(s["mail_from"]),
                            "smtp.mail_from"))
            for r in s.get("rcpt_to", []):
                out.append(("Intel::EMAIL", r, "email", strip_angle(r), "smtp.rcpt_to"))
        elif t == "ssh":
            for side, where in (("client", "ssh.hassh"), ("server", "ssh.hassh.server")):
                hh = e["ssh"].get(side, {}).get("hassh", {}).get("hash")
                if hh:
                    out.append(("Intel::HASSH", hh, "hassh", hh, where))
        elif t == "flow" and e.get("dest_ip"):
            out.append(("Intel::ADDR", e["dest_ip"], "addr", e["dest_ip"], "dest_ip"))
    # one expectation per (kind, value): the first field that shows it alerts
    seen, uniq = set(), []
    for item in out:
        if (item[2], item[3]) not in seen:
            seen.add((item[2], item[3]))
            uniq.append(item)
    return uniq


def protect_file():
    """A protected-domain file: one brand a line, its names separated by
    blanks or commas; a bad name is an error naming the file and line."""
    pcap = os.path.join(SHARED, "pcaps", "dns/dns-udp.pcap")
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "protect.txt")
        with open(bad, "w") as f:
            f.write("# brands\nexamplebank.com examplebank.*\nexample.org, co.uk\n")
        r = subprocess.run([VIGIL, "run", "-c", YAML, "-r", pcap, "-l", tmp, "--protect", bad],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode != 0 and f"{bad}:3: " in r.stderr and "co.uk" in r.stderr,
              f"bad protected-domain file: exit {r.returncode}, {r.stderr.strip()}")
        with open(bad, "w") as f:
            f.write("examplebank.com examplebank.*  # its country sites\nexample.org\n")
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        r = subprocess.run([VIGIL, "run", "-c", YAML, "-r", pcap, "-l", out, "--protect", bad],
                           capture_output=True, text=True, timeout=120)
        events = [json.loads(x) for x in open(os.path.join(out, "eve.json"))] \
            if r.returncode == 0 else []
        st = [e for e in events if e["event_type"] == "stats"]
        n = st[-1]["stats"]["vigil"]["intel"].get("protected_domains") if st else None
        check(r.returncode == 0 and n == 3, f"protected-domain file: exit {r.returncode}, "
              f"{n} protected {r.stderr.strip()}")


def main():
    total = 0
    kinds = set()
    wheres_all = set()
    with tempfile.TemporaryDirectory(prefix="vigil-intel-") as tmp:
        for name in PCAPS:
            pcap = os.path.join(SHARED, "pcaps", name)
            base = os.path.join(tmp, name.replace("/", "_"))
            expected = collect(run(pcap, base + ".1"))
            check(expected, f"{name}: the first run saw no value to test")
            intel = base + ".intel"
            with open(intel, "w") as f:
                f.write("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n")
                for ztype, value, _, _, _ in expected:
                    f.write(f"{value}\t{ztype}\ttest-feed\tfrom {name}\n")
                # absent values: never alert
                f.write("absent.invalid\tIntel::DOMAIN\ttest-feed\tabsent\n")
                f.write("203.0.113.254\tIntel::ADDR\ttest-feed\tabsent\n")
            events = run(pcap, base + ".2", "--intel", intel)
            alerts = [e for e in events if e["event_type"] == "alert"]
            got = {}
            for a in alerts:
                al = a["alert"]
                check(al["gid"] == 7000, f"{name}: alert with gid {al['gid']}")
                md = al.get("metadata", {})
                key = (md.get("intel_kind", [None])[0], md.get("intel_value", [None])[0])
                got.setdefault(key, []).append(md.get("intel_seen_in", [None])[0])
                check(md.get("intel_source") == ["test-feed"], f"{name}: source {md}")
                check(md.get("intel_name", [""])[0].startswith("from "), f"{name}: name {md}")
            for _, value, kind, norm, where in expected:
                total += 1
                kinds.add(kind)
                wheres_all.add(where)
                wheres = got.get((kind, norm))
                check(wheres, f"{name}: no alert for {kind} {value}")
                if wheres and kind != "addr":
                    check(where in wheres, f"{name}: {kind} {value} seen in {wheres}, not {where}")
            for (kind, norm) in got:
                check(norm not in ("absent.invalid", "203.0.113.254"),
                      f"{name}: alert for an absent indicator {norm}")
            stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]
            check(stats["detect"]["alert"] == len(alerts),
                  f"{name}: detect.alert {stats['detect']['alert']} != {len(alerts)} alerts")
            check("intel" not in stats, f"{name}: intel counters outside stats.vigil")
            check(stats["vigil"]["intel"]["hits"] == len(alerts), f"{name}: intel.hits")
    protect_file()
    check(total >= 30, f"only {total} values tested")
    for k in ("domain", "url", "software", "file_md5", "file_sha256", "cert_sha1", "ja3", "ja3s",
              "ja4", "email", "hassh", "addr"):
        check(k in kinds, f"kind {k} not exercised")
    for w in ("dns.query", "http.host", "http.uri", "tls.sni", "tls.cert_fingerprint",
              "smtp.mail_from", "smtp.rcpt_to", "ssh.hassh", "ssh.hassh.server", "fileinfo.md5"):
        check(w in wheres_all, f"field {w} not exercised")
    if failures:
        print(f"intel_fields: {len(failures)} failures over {total} values", file=sys.stderr)
        sys.exit(1)
    print(f"intel_fields: ok ({total} values, kinds: {', '.join(sorted(kinds))})")


if __name__ == "__main__":
    main()
