#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The sample capture through the sensor: EVE is valid JSON with Suricata's
# header fields; flows have the right counts; stats are at the end; the
# output of 1 and 2 threads carries the same flows.
set -eu
bin=${VIGIL_BIN:?}
src=${VIGIL_SRC:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/samples/make-sample.py" "$tmp/s.pcap" >/dev/null
mkdir -p "$tmp/one" "$tmp/two"
"$bin" run -r "$tmp/s.pcap" -l "$tmp/one" --disable-detection
"$bin" run -r "$tmp/s.pcap" -l "$tmp/two" --disable-detection --threads 2
python3 - "$tmp/one/eve.json" "$tmp/two/eve.json" <<'PY'
import json, re, sys
def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]
one, two = load(sys.argv[1]), load(sys.argv[2])
ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$")
for e in one:
    assert ts.match(e["timestamp"]), e["timestamp"]
    assert "event_type" in e
flows = [e for e in one if e["event_type"] == "flow"]
def key(e):
    return (e["proto"], e["src_ip"], e.get("src_port"), e["dest_ip"], e.get("dest_port"),
            e["flow"]["pkts_toserver"], e["flow"]["pkts_toclient"],
            e["flow"]["bytes_toserver"], e["flow"]["bytes_toclient"])
# 2 DNS + 4 TCP sessions + 1 ICMP + 1 fragmented UDP + 8 SYN-scan flows.
assert len(flows) == 16, "flows: %d" % len(flows)
http = [f for f in flows if f.get("dest_port") == 80 and f["src_port"] == 51000][0]
assert http["flow"]["pkts_toserver"] == 6 and http["flow"]["pkts_toclient"] == 4, http
assert http["flow"]["bytes_toserver"] == 6 * 54 + 76 and http["flow"]["bytes_toclient"] == 4 * 54 + 77, http
assert http["tcp"]["state"] == "closed", http["tcp"]
assert http["flow"]["reason"] in ("timeout", "shutdown"), http
for f in flows:
    assert isinstance(f["flow_id"], int) and f["flow_id"] > 0
    assert f["flow"]["start"] <= f["flow"]["end"]
assert one[-1]["event_type"] == "stats", one[-1]["event_type"]
assert one[-1]["stats"]["decoder"]["pkts"] == 54
assert sorted(map(key, flows)) == sorted(map(key, [e for e in two if e["event_type"] == "flow"])), "threads differ"
print("eve_flows: ok, %d events" % len(one))
PY
