#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""STIX 2.1 indicator files in the sensor: the comparison forms that map to
wire observables alert, with the indicator's id, name, confidence, TLP and
producer in alert.metadata; the latest version of an indicator wins;
revoked, expired and not-yet-valid ones never alert; patterns that cannot be
matched on one observable are counted (stats intel.unmatchable) and listed
with the reason in intel-unmatched.tsv. Plain lists and CSV with a header
load too. Standard library only."""
import json
import os
import subprocess
import sys
import tempfile

VIGIL = os.environ.get("VIGIL_BIN", "build/vigil")
SHARED = os.environ.get("VIGIL_SHARED", "../../shared")
HERE = os.path.dirname(os.path.abspath(__file__))
YAML = os.path.join(HERE, "data", "intel-eve.yaml")
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
IDENT = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def ind(n, pattern, **kw):
    o = {"type": "indicator", "spec_version": "2.1",
         "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "name": f"test indicator {n}", "pattern": pattern, "pattern_type": "stix",
         "valid_from": "2024-01-01T00:00:00Z", "created_by_ref": IDENT,
         "object_marking_refs": [AMBER], "confidence": 90}
    o.update(kw)
    return o


def main():
    objs = [
        {"type": "identity", "spec_version": "2.1", "id": IDENT, "name": "Northern Grid",
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "identity_class": "organization"},
        ind(1, "[domain-name:value = 'www.tcpdump.org']"),
        ind(2, "[domain-name:value LIKE '%.tcpdump.org']"),
        ind(3, "[ipv4-addr:value = '209.87.249.0/24']"),
        ind(4, "[url:value = 'http://BRO.org/download/CHANGES.bro-aux.txt']"),
        ind(5, "[domain-name:value IN ('nothing.invalid', 'bro.org')]"),
        ind(6, "[domain-name:value = 'bro.org' AND domain-name:value = 'x.org']"),
        ind(7, "[ipv4-addr:value = '192.168.1.11'] WITHIN 10 SECONDS"),
        ind(8, "rule x { condition: true }", pattern_type="yara"),
        ind(9, "[domain-name:value = 'tcpdump.org']", valid_until="2024-02-01T00:00:00Z"),
        ind(10, "[file:hashes.MD5 = '397168fd09991a0e712254df7bc639ac']", revoked=True),
        # two versions: the later one (another value) wins
        ind(11, "[domain-name:value = 'www.tcpdump.org']", modified="2024-01-01T00:00:00.000Z"),
        ind(11, "[file:hashes.'SHA-256' = "
                "'4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18']",
            modified="2024-03-01T00:00:00.000Z"),
        ind(12, "[network-traffic:dst_ref.value = '192.168.1.0/24']", valid_from="2999-01-01T00:00:00Z"),
        ind(13, "[email-addr:value = 'x@y.example'] FOLLOWEDBY [domain-name:value = 'a.example']"),
    ]
    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
              "objects": objs}
    with tempfile.TemporaryDirectory(prefix="vigil-intel-stix-") as tmp:
        path = os.path.join(tmp, "bundle.json")
        with open(path, "w") as f:
            json.dump(bundle, f)
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as f:
            f.write("# comment\n\n192.168.1.11\nbad..name\n")
        csv = os.path.join(tmp, "iocs.csv")
        with open(csv, "w") as f:
            f.write("value,type,description,confidence,tlp\n"
                    "\"Wget/1.14 (darwin12.2.0)\",software,old wget,40,green\n"
                    "bro.org,domain,web server,60,clear\n"
                    "bogus,Intel::NOPE,bad type,1,red\n")
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        r = subprocess.run([VIGIL, "run", "-c", YAML, "-r",
                            os.path.join(SHARED, "pcaps/dns/dns-udp.pcap"), "-r",
                            os.path.join(SHARED, "pcaps/http/http-get.pcap"), "-l", out,
                            "--intel", path, "--intel", lst, "--intel", csv],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"vigil exit {r.returncode}: {r.stderr}")
        events = [json.loads(l) for l in open(os.path.join(out, "eve.json"))]
        alerts = [e["alert"] for e in events if e["event_type"] == "alert"]
        by_id = {}
        for a in alerts:
            md = a["metadata"]
            by_id.setdefault(md.get("intel_stix_id", ["list"])[0], []).append(md)

        def ids(n):
            return f"indicator--00000000-0000-4000-8000-{n:012d}"
        for n in (1, 2, 3, 4, 5, 11):
            check(ids(n) in by_id, f"indicator {n} did not alert")
        for n in (6, 7, 8, 9, 10, 12, 13):
            check(ids(n) not in by_id, f"indicator {n} alerted")
        md = by_id.get(ids(1), [{}])[0]
        check(md.get("intel_name") == ["test indicator 1"], f"name {md}")
        check(md.get("intel_confidence") == ["90"], f"confidence {md}")
        check(md.get("intel_tlp") == ["amber"], f"tlp {md}")
        check(md.get("intel_shared_by") == ["Northern Grid"], f"producer {md}")
        check(md.get("intel_seen_in") == ["dns.query"], f"where {md}")
        subs = [m for m in by_id.get(ids(2), []) if m.get("intel_seen_in") == ["dns.query"]]
        check(subs and subs[0].get("intel_value") == ["*.tcpdump.org"], f"subdomain {subs}")
        v11 = by_id.get(ids(11), [{}])
        check(all(m.get("intel_kind") == ["file_sha256"] for m in v11), f"latest version {v11}")
        check(by_id.get(ids(4), [{}])[0].get("intel_value") ==
              ["bro.org/download/CHANGES.bro-aux.txt"], "url normalised")
        sev = {a["metadata"].get("intel_stix_id", [""])[0]: a["severity"] for a in alerts}
        check(sev.get(ids(1)) == 1, "confidence 90 gives severity 1")
        lists = [m for m in by_id.get("list", [])]
        vals = {m.get("intel_value", [""])[0] for m in lists}
        check("192.168.1.11" in vals, f"plain list value {vals}")
        check("Wget/1.14 (darwin12.2.0)" in vals, f"CSV software {vals}")
        csvm = [m for m in lists if m.get("intel_value") == ["bro.org"]]
        check(csvm and csvm[0].get("intel_tlp") == ["clear"] and
              csvm[0].get("intel_confidence") == ["60"], f"CSV columns {csvm}")
        stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]["vigil"]["intel"]
        check(stats["unmatchable"] == 4, f"unmatchable {stats['unmatchable']} (want 6, 7, 8, 13)")
        check(stats["expired"] == 1 and stats["revoked"] == 1, f"expired/revoked {stats}")
        check(stats["invalid"] == 2, f"invalid {stats['invalid']} (bad name, bad type)")
        listed = open(os.path.join(out, "intel-unmatched.tsv")).read()
        for n in (6, 7, 8, 13):
            check(ids(n) in listed, f"indicator {n} not listed as unmatchable")
        check("list.txt:4" in listed and "iocs.csv:4" in listed, "invalid lines not listed")
        check("yara" in listed and "FOLLOWEDBY" in listed or "disjunction" in listed,
              "reasons not given")
    if failures:
        print(f"intel_stix: {len(failures)} failures", file=sys.stderr)
        sys.exit(1)
    print("intel_stix: ok")


if __name__ == "__main__":
    main()
