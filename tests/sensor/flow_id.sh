#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# flow_id across runs and sensors (issue 8): two runs over the same capture
# (two sensors reading the same traffic, or one restarted) must not give
# flows the same ids, as Suricata seeds its flow hash at every start; within
# a run every flow has its own id, and the events of one flow share it.
# VIGIL_FLOW_ID_SEED makes a run reproducible.
set -eu
bin=${VIGIL_BIN:?}
src=${VIGIL_SRC:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/samples/make-sample.py" "$tmp/s.pcap" >/dev/null
for run in a b c d; do
  mkdir "$tmp/$run"
done
"$bin" run -r "$tmp/s.pcap" -l "$tmp/a" --disable-detection -q
"$bin" run -r "$tmp/s.pcap" -l "$tmp/b" --disable-detection -q
"$bin" run -r "$tmp/s.pcap" -l "$tmp/c" --disable-detection --threads 2 -q
VIGIL_FLOW_ID_SEED=12345 "$bin" run -r "$tmp/s.pcap" -l "$tmp/d" --disable-detection -q
mkdir "$tmp/e"
VIGIL_FLOW_ID_SEED=12345 "$bin" run -r "$tmp/s.pcap" -l "$tmp/e" --disable-detection -q
python3 - "$tmp" <<'PY'
import json, sys, os
tmp = sys.argv[1]
def ids(run):
    ev = [json.loads(l) for l in open(os.path.join(tmp, run, "eve.json"))]
    flows = [e for e in ev if e["event_type"] == "flow"]
    fids = [e["flow_id"] for e in flows]
    assert len(set(fids)) == len(fids), "%s: two flows share an id" % run
    assert all(0 < i < 2 ** 53 for i in fids), "%s: ids must fit in 53 bits (JSON numbers)" % run
    # every event of a flow carries the flow's id
    known = set(fids)
    others = [e for e in ev if e["event_type"] not in ("flow", "stats") and "flow_id" in e]
    stray = [e for e in others if e["flow_id"] not in known]
    assert not stray, "%s: events with an id no flow has: %s" % (run, stray[:1])
    return set(fids)
a, b, c, d, e = (ids(r) for r in "abcde")
assert len(a) >= 10, "too few flows to test: %d" % len(a)
assert not (a & b), "two runs gave %d flows the same ids" % len(a & b)
assert not (a & c) and not (b & c), "runs with 1 and 2 threads share ids"
assert d == e, "VIGIL_FLOW_ID_SEED does not make ids reproducible"
assert not (a & d), "a seeded run repeats a random run's ids"
print("flow_id: %d flows per run, ids distinct across 3 runs, reproducible with a seed" % len(a))
PY
