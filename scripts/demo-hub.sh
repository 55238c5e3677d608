#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Hub demo (called by `make demo`): scripts/demo-hub.sh LOGDIR EVE_JSON
# Starts a hub with TLS (self-signed certificate generated on first start) on
# an embedded SQLite database in a temporary directory, creates demo
# organisations in four critical sectors plus a coordinator, reports the EVE
# alerts of EVE_JSON (Suricata NDJSON) to /api/v1/eve for the energy operator,
# prints the risk summary and the hub's address, and stops the hub cleanly.
# Logs go to LOGDIR/hub.log; the risk summary is also saved as LOGDIR/hub-risk.json.
set -eu
logdir=${1:?usage: demo-hub.sh LOGDIR EVE_JSON}
eve=${2:?usage: demo-hub.sh LOGDIR EVE_JSON}
root=$(cd "$(dirname "$0")/.." && pwd)
V=${VIGIL_BIN:-$root/build/vigil}
[ -x "$V" ] || { echo "demo-hub: $V not built (make build)" >&2; exit 1; }
[ -r "$eve" ] || { echo "demo-hub: $eve: cannot read" >&2; exit 1; }
mkdir -p "$logdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-hub-demo-XXXXXX")
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
db="sqlite:$work/hub.db"

echo "== hub: demo organisations"
"$V" hub admin --db "$db" org add --name "Northern Grid" --sector energy | tail -1 | sed 's/^/  Northern Grid (energy): /'
"$V" hub admin --db "$db" org add --name "Harbour Bank" --sector financial-services | tail -1 | sed 's/^/  Harbour Bank (financial-services): /'
"$V" hub admin --db "$db" org add --name "Metro Telecom" --sector telecommunications | tail -1 | sed 's/^/  Metro Telecom (telecommunications): /'
"$V" hub admin --db "$db" org add --name "National Rail" --sector transportation | tail -1 | sed 's/^/  National Rail (transportation): /'
"$V" hub admin --db "$db" org add --name "National CERT" --sector government-national --coordinator | tail -1 | sed 's/^/  National CERT (coordinator): /'
sensor=$("$V" hub admin --db "$db" token issue --org "Northern Grid" --role sensor | tail -1)
coord=$("$V" hub admin --db "$db" token issue --org "National CERT" --role analyst | tail -1)

"$V" hub --db "$db" --listen 127.0.0.1:0 >"$work/hub.out" 2>"$logdir/hub.log" &
hub_pid=$!
i=0
until grep -q "listening on" "$work/hub.out" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -ge 100 ] || ! kill -0 "$hub_pid" 2>/dev/null; then
    echo "demo-hub: the hub did not start, see $logdir/hub.log" >&2; exit 1
  fi
  sleep 0.1
done
sed 's/^/  /' "$work/hub.out"
base=$(sed -n 's|.*listening on \(https://127.0.0.1:[0-9]*\)/.*|\1|p' "$work/hub.out")
cacert="$work/hub-cert.pem"

alerts=$(grep -c '"event_type": *"alert"' "$eve" || true)
echo "== hub: Northern Grid's sensor reports $alerts EVE alerts to $base/api/v1/eve"
curl -sS --fail-with-body --cacert "$cacert" -H "Authorization: Bearer $sensor" \
     -H "Content-Type: application/x-ndjson" --data-binary @"$eve" "$base/api/v1/eve" \
     >"$work/eve.json" || { echo "demo-hub: EVE report failed: $(cat "$work/eve.json")" >&2; exit 1; }
python3 - "$work/eve.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"  {d['lines']} lines, {d['alerts']} alerts, {d['stored']} stored as STIX sightings"
      f" (TLP:{d['tlp'].upper()}), {d['skipped']} other events skipped, {d['failed']} failed")
for e in d.get("errors", [])[:3]:
    print("  error:", e)
PY

# The windows end at the last alert, so a replayed capture shows up too.
until=$(python3 - "$eve" <<'PY'
import json, sys, datetime
last = None
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
        t = datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    except (ValueError, KeyError, TypeError):
        continue
    if e.get("event_type") == "alert" and (last is None or t > last):
        last = t
last = last or datetime.datetime.now(datetime.timezone.utc)
print((last + datetime.timedelta(seconds=1)).astimezone(datetime.timezone.utc)
      .strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
)
echo "== hub: risk summary as the coordinator sees it (24 h / 7 d up to $until)"
curl -sS --fail --cacert "$cacert" -H "Authorization: Bearer $coord" "$base/api/v1/risk?until=$until" \
     >"$logdir/hub-risk.json"
python3 - "$logdir/hub-risk.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
if not d["sectors"]:
    print("  no sightings reported")
for s in d["sectors"]:
    h, w = s["sightings_24h"], s["sightings_7d"]
    print(f"  {s['sector']}: 24h high {h['high']} medium {h['medium']} low {h['low']}"
          f" unknown {h['unknown']}; 7d total {sum(w.values())};"
          f" organisations affected {s['organisations_affected']}")
    for t in s["top_indicators"][:5]:
        print(f"    {t['sightings']:6d}  {t.get('name', t['indicator_id'])}")
PY
echo "== hub: TAXII 2.1 discovery at $base/taxii2/ (certificate $cacert while running)"
kill "$hub_pid"
wait "$hub_pid" 2>/dev/null || true
hub_pid=""
echo "== hub: stopped cleanly"
