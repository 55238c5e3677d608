#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The datasets' control-socket commands, driven by Suricata's own client
# (suricatasc) against a sensor in unix-socket mode: a value added with
# dataset-add is matched by the rule's dataset:isset in the next capture,
# and no longer after dataset-remove (the capture's only query is the
# value); lookups, clear, dump and bad requests
# (unknown set, wrong type, bad encoding, missing arguments) answer as
# Suricata's commands do.
set -euo pipefail

VIGIL_BIN=${VIGIL_BIN:?VIGIL_BIN must name the vigil binary}
VIGIL_SHARED=${VIGIL_SHARED:?VIGIL_SHARED must name the shared directory}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-dsctl.XXXXXX")
SOCK=$WORK/ctl.sock
PCAP=$VIGIL_SHARED/pcaps/dns/dns-udp.pcap   # one query: www.tcpdump.org
SENSOR_PID=
PY=$(command -v /usr/bin/python3 || command -v python3)
export PYTHONPATH=$VIGIL_SHARED/suricatasc
SC=("$PY" "$VIGIL_SHARED/suricatasc/bin/suricatasc")

cleanup() {
    if [ -n "$SENSOR_PID" ]; then kill "$SENSOR_PID" 2>/dev/null || true; wait "$SENSOR_PID" 2>/dev/null || true; fi
    if [ -n "${VIGIL_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    [ -f "$WORK/sensor.err" ] && tail -30 "$WORK/sensor.err" | sed 's/^/  sensor: /' >&2
    exit 1
}

sc() { "${SC[@]}" -c "$*" "$SOCK"; }
expect() {
    local cmd=$1 cond=$2 out
    out=$(sc "$cmd" 2>&1) || true
    "$PY" -c "
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if ($cond) else 1)" "$out" 2>/dev/null || fail "'$cmd' answered: $out (wanted: $cond)"
}

# run_pcap DIR: processes the capture through pcap-file into DIR.
run_pcap() {
    mkdir -p "$1"
    expect "pcap-file $PCAP $1" 'r["return"] == "OK"'
    local n cur
    for _ in $(seq 1 150); do
        n=$(sc pcap-file-number | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["message"])')
        cur=$(sc pcap-current | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["message"])')
        [ "$n" = 0 ] && [ "$cur" = None ] && return 0
        sleep 0.2
    done
    fail "the capture queued for $1 was not processed"
}

[ -f "$PCAP" ] || fail "missing $PCAP"
: >"$WORK/bl.lst"
cat >"$WORK/test.rules" <<'EOF'
alert dns any any -> any any (msg:"query in dataset"; dns.query; dataset:isset,bl,type string,load bl.lst; sid:1; rev:1;)
EOF
cat >"$WORK/vigil.yaml" <<'EOF'
%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "any"
    EXTERNAL_NET: "any"
EOF

"$VIGIL_BIN" run --unix-socket="$SOCK" -c "$WORK/vigil.yaml" -S "$WORK/test.rules" \
    >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
SENSOR_PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the control socket $SOCK did not appear"

V=d3d3LnRjcGR1bXAub3Jn   # base64 of www.tcpdump.org, as in dataset files
expect command-list 'all(c in r["message"]["commands"] for c in ["dataset-add", "dataset-remove", "dataset-lookup", "dataset-clear", "dataset-dump"])'

expect "dataset-lookup bl string $V" 'r["return"] == "NOK" and r["message"] == "item not found in set"'
expect "dataset-add bl string $V" 'r["return"] == "OK" and r["message"] == "data added"'
expect "dataset-add bl string $V" 'r["return"] == "OK" and r["message"] == "data already in set"'
expect "dataset-lookup bl string $V" 'r["return"] == "OK" and r["message"] == "item found in set"'

run_pcap "$WORK/out1"
grep -q '"signature_id":1,' "$WORK/out1/eve.json" || fail "no alert after dataset-add ($WORK/out1/eve.json)"

expect "dataset-remove bl string $V" 'r["return"] == "OK" and r["message"] == "data removed"'
expect "dataset-remove bl string $V" 'r["return"] == "NOK"'
run_pcap "$WORK/out2"
grep -q '"event_type":"alert"' "$WORK/out2/eve.json" && fail "alert after dataset-remove"

# bad requests: each a NOK with a reason, the sensor unaffected
expect "dataset-add nosuchset string $V" 'r["return"] == "NOK" and r["message"]'
expect "dataset-add bl md5 $V" 'r["return"] == "NOK" and r["message"]'
expect "dataset-add bl string %%%not-base64%%%" 'r["return"] == "NOK" and r["message"]'
expect "dataset-add bl string $V" 'r["return"] == "OK"'
expect "dataset-clear bl string" 'r["return"] == "OK" and r["message"] == "dataset cleared"'
expect "dataset-lookup bl string $V" 'r["return"] == "NOK"'
expect "dataset-dump" 'r["return"] == "OK"'
echo "dataset socket commands: ok"
