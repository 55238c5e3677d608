#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# vigil dropped into an existing Suricata deployment, end to end:
#  - Suricata's own default suricata.yaml, with only the log directory, the
#    EVE file name and the rule path changed;
#  - suricata-update (Debian's) fetches ET Open offline (a file:// URL of a
#    tarball made from ../shared/rules), merges it with a local rule file,
#    tests it with `vigil -T` (it runs `--suricata vigil`: -V, --build-info,
#    --dump-config) and writes suricata.rules, which the sensor loads;
#  - the sensor runs live (Suricata's command line, no `run`) on a veth pair
#    in network namespaces this test creates, while probes flow;
#  - during the traffic: logrotate-style rename + SIGHUP (twice),
#    `suricatasc -c reload-rules`, and suricata-update again with its
#    reload-command;
#  - every line of the rotated and the current EVE file is whole JSON, every
#    probe raised exactly one alert across the files (no line lost, none
#    cut, none doubled), and both reloads happened.
# Needs root (network namespaces); without it the test FAILS (never skips).
set -euo pipefail

VIGIL_BIN=${VIGIL_BIN:?VIGIL_BIN must name the vigil binary}
VIGIL_SHARED=${VIGIL_SHARED:?VIGIL_SHARED must name the shared directory}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-deployment.XXXXXX")
NS_A=vigil-sd-$$-a
NS_B=vigil-sd-$$-b
SOCK=$WORK/ctl.sock
EVE=alerts-and-events.json
PROBES=4000
SENSOR_PID=
SENDER_PID=
PY=$(command -v /usr/bin/python3 || command -v python3)
# suricatasc's package is named "suricata" too: on PYTHONPATH only for it, or
# it hides Debian's suricata.update from suricata-update.
SC=(env "PYTHONPATH=$VIGIL_SHARED/suricatasc" "$PY" "$VIGIL_SHARED/suricatasc/bin/suricatasc")

cleanup() {
    if [ -n "$SENSOR_PID" ]; then kill "$SENSOR_PID" 2>/dev/null || true; fi
    if [ -n "$SENDER_PID" ]; then kill "$SENDER_PID" 2>/dev/null || true; fi
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    if [ -n "${VIGIL_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    for f in "$WORK/sensor.err" "$WORK/update.log" "$WORK/update2.log"; do
        [ -f "$f" ] && tail -25 "$f" | sed "s|^|  $(basename "$f"): |" >&2
    done
    exit 1
}
command -v suricata-update >/dev/null || fail "suricata-update is not installed (scripts/install-deps.sh)"

# Suricata's default configuration, three values changed.
mkdir -p "$WORK/log" "$WORK/rules" "$WORK/data"
sed -e "s|^default-log-dir: .*|default-log-dir: $WORK/log/|" \
    -e "s|^default-rule-path: .*|default-rule-path: $WORK/rules|" \
    -e "0,/filename: eve.json/s//filename: $EVE/" \
    "$VIGIL_SHARED/conformance/suricata-verify/default-suricata.yaml" >"$WORK/suricata.yaml"
grep -q "filename: $EVE" "$WORK/suricata.yaml" || fail "could not set the EVE file name"

# ET Open as the download suricata-update would fetch, and a local rule.
tar czf "$WORK/emerging.rules.tar.gz" -C "$VIGIL_SHARED/rules/et-open-suricata" rules
cat >"$WORK/local.rules" <<'EOF'
alert udp any any -> any 7777 (msg:"VIGIL probe"; content:"vigil-probe"; classtype:misc-activity; sid:9900001; rev:1;)
EOF
: >"$WORK/update.yaml"
update() { # LOG ARGS...
    local log=$1
    shift
    suricata-update -c "$WORK/update.yaml" --suricata "$VIGIL_BIN" --suricata-conf "$WORK/suricata.yaml" \
        -D "$WORK/data" -o "$WORK/rules" --url "file://$WORK/emerging.rules.tar.gz" \
        --local "$WORK/local.rules" "$@" >"$log" 2>&1
}
(cd "$WORK" && update "$WORK/update.log" --no-reload) || fail "suricata-update failed"
grep -q "Found Suricata version" "$WORK/update.log" || fail "suricata-update did not read vigil's version"
[ -s "$WORK/rules/suricata.rules" ] || fail "suricata-update wrote no suricata.rules"
active=$(grep -c '^alert' "$WORK/rules/suricata.rules" || true)
[ "$active" -gt 14000 ] || fail "only $active active rules merged"
grep -q 'sid:9900001' "$WORK/rules/suricata.rules" || fail "the local rule was not merged"

# The network.
ip netns add "$NS_A" 2>"$WORK/netns.err" ||
    fail "cannot create network namespace (needs root / CAP_NET_ADMIN): $(cat "$WORK/netns.err")"
ip netns add "$NS_B" || fail "cannot create network namespace $NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B" || fail "cannot create a veth pair"
ip -n "$NS_A" addr add 10.196.0.1/24 dev veth0
ip -n "$NS_B" addr add 10.196.0.2/24 dev veth1
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up

# The sensor, started as Suricata would be (the cache path of the default
# yaml, ./, is the working directory).
(cd "$WORK" && exec ip netns exec "$NS_B" "$VIGIL_BIN" -c "$WORK/suricata.yaml" -i veth1 -k none \
    --unix-socket="$SOCK" --pidfile "$WORK/vigil.pid" -v >"$WORK/sensor.out" 2>"$WORK/sensor.err") &
SENSOR_PID=$!
for _ in $(seq 1 300); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the control socket did not appear"
PID=$(cat "$WORK/vigil.pid")
"${SC[@]}" -c ruleset-stats "$SOCK" >"$WORK/stats.json" || fail "ruleset-stats"
"$PY" -c "
import json, sys
n = json.load(open(sys.argv[1]))['message'][0]['rules_loaded']
sys.exit(0 if n > 14000 else 1)" "$WORK/stats.json" || fail "the merged rules did not load: $(cat "$WORK/stats.json")"

# Probes: one flow each (source port = sequence number), about 800 per second.
ip netns exec "$NS_A" "$PY" - "$PROBES" <<'EOF' &
import socket, sys, time
n = int(sys.argv[1])
start = time.monotonic()
for i in range(n):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("10.196.0.1", 20000 + i))
    u.sendto(b"vigil-probe %d" % i, ("10.196.0.2", 7777))
    u.close()
    ahead = start + (i + 1) / 800.0 - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
EOF
SENDER_PID=$!
sleep 0.7
mv "$WORK/log/$EVE" "$WORK/log/$EVE.1"
kill -HUP "$PID"
sleep 0.5
"${SC[@]}" -c reload-rules "$SOCK" >"$WORK/reload.json" || fail "reload-rules: $(cat "$WORK/reload.json")"
# A rule update (suricata-update runs its reload-command only when the
# merged rules changed): a second local rule that matches no probe.
echo 'alert udp any any -> any 7778 (msg:"VIGIL other"; content:"never-sent"; sid:9900002; rev:1;)' \
    >>"$WORK/local.rules"
(cd "$WORK" && update "$WORK/update2.log" --no-test \
    --reload-command "env PYTHONPATH=$VIGIL_SHARED/suricatasc $PY $VIGIL_SHARED/suricatasc/bin/suricatasc -c reload-rules $SOCK") ||
    fail "suricata-update with its reload-command failed"
grep -q "Running .*reload-rules" "$WORK/update2.log" || fail "suricata-update did not run its reload-command"
mv "$WORK/log/$EVE" "$WORK/log/$EVE.2"
kill -HUP "$PID"
wait "$SENDER_PID" || fail "the probe sender failed"
SENDER_PID=
sleep 1.5
kill -TERM "$PID"
RC=0
wait "$SENSOR_PID" || RC=$?
SENSOR_PID=
[ "$RC" -eq 0 ] || fail "vigil exited with status $RC"
[ "$(grep -c 'rule reload done' "$WORK/sensor.err")" -ge 2 ] || fail "two reloads expected in the log"

"$PY" - "$WORK/log" "$EVE" "$PROBES" <<'EOF' || fail "EVE check failed"
import collections, json, os, sys
logdir, eve, probes = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = collections.Counter()
files = [eve + ".1", eve + ".2", eve]
drops = None
for name in files:
    path = os.path.join(logdir, name)
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        sys.exit("%s: the last line is cut" % name)
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            e = json.loads(line)
        except ValueError:
            sys.exit("%s:%d: not a whole JSON line: %r" % (name, n, line[:80]))
        if e.get("event_type") == "stats":
            drops = e["stats"]["capture"]["kernel_drops"]
        if e.get("event_type") == "alert" and e["alert"]["signature_id"] == 9900001:
            seen[e["src_port"] - 20000] += 1
missing = [i for i in range(probes) if not seen[i]]
twice = [i for i, c in seen.items() if c > 1]
print("probes %d: alerts %d in %s, kernel drops %s" % (probes, sum(seen.values()), files, drops))
if drops:
    sys.exit("kernel drops: the rate is too high for this machine")
if missing:
    sys.exit("%d probes without an alert, e.g. %s" % (len(missing), missing[:10]))
if twice:
    sys.exit("%d probes alerted twice, e.g. %s" % (len(twice), twice[:10]))
EOF
echo PASS
