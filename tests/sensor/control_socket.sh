#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The unix control socket, driven by Suricata's own client (suricatasc, a
# separate process) as an operator would:
#  A. Suricata's unix-socket run mode (`vigil run --unix-socket`, no -r/-i):
#     pcap-file commands process captures into their own log directories;
#     the informational commands answer in Suricata's shapes; clients that
#     send garbage, oversized or half messages, disconnect in the middle of
#     a command or hold every connection slot do not disturb the sensor
#     (later commands and captures are processed exactly as before).
#  B. Live capture on a veth pair in network namespaces this test creates:
#     iface-list, iface-stat and dump-counters see the traffic.
# Part B needs CAP_NET_ADMIN; without it the test FAILS (never skips).
set -euo pipefail

VIGIL_BIN=${VIGIL_BIN:?VIGIL_BIN must name the vigil binary}
VIGIL_SHARED=${VIGIL_SHARED:?VIGIL_SHARED must name the shared directory}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-control.XXXXXX")
SOCK=$WORK/ctl.sock
PCAP=$VIGIL_SHARED/pcaps/http/http-bro-org.pcap
NS_A=vigil-cs-$$-a
NS_B=vigil-cs-$$-b
SENSOR_PID=
# Debian's interpreter: a version manager's shim costs seconds per call.
PY=$(command -v /usr/bin/python3 || command -v python3)
export PYTHONPATH=$VIGIL_SHARED/suricatasc
SC=("$PY" "$VIGIL_SHARED/suricatasc/bin/suricatasc")

cleanup() {
    if [ -n "$SENSOR_PID" ]; then kill "$SENSOR_PID" 2>/dev/null || true; fi
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    if [ -n "${VIGIL_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    [ -f "$WORK/sensor.err" ] && tail -30 "$WORK/sensor.err" | sed 's/^/  sensor: /' >&2
    exit 1
}

# sc COMMAND...: one suricatasc call; its JSON answer on stdout.
sc() { "${SC[@]}" -c "$*" "$SOCK"; }
# expect COMMAND PYTHON-EXPRESSION-ON-r: the answer must satisfy it.
expect() {
    local cmd=$1 cond=$2 out
    out=$(sc "$cmd" 2>&1) || true
    "$PY" -c "
import json, sys
r = json.loads(sys.argv[1])
sys.exit(0 if ($cond) else 1)" "$out" 2>/dev/null || fail "'$cmd' answered: $out (wanted: $cond)"
}

[ -f "$PCAP" ] || fail "missing $PCAP"
cat >"$WORK/test.rules" <<'EOF'
alert http any any -> any any (msg:"http request"; flow:to_server; http.method; content:"GET"; sid:1; rev:1;)
alert tcp any any -> any any (msg:"broken"; nosuchkeyword; sid:2; rev:1;)
EOF
cat >"$WORK/vigil.yaml" <<'EOF'
%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "[10.0.0.0/8]"
    EXTERNAL_NET: "any"
flow:
  memcap: 64mb
EOF

# ---- A. unix-socket run mode ----
"$VIGIL_BIN" run --unix-socket="$SOCK" -c "$WORK/vigil.yaml" -S "$WORK/test.rules" -v \
    >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
SENSOR_PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the control socket $SOCK did not appear"

expect version 'r["return"] == "OK" and "RELEASE" in r["message"]'
expect capture-mode 'r["message"] == "UNIX_SOCKET"'
expect running-mode 'r["message"] == "single"'
expect uptime 'isinstance(r["message"], int) and r["message"] >= 0'
expect command-list 'all(c in r["message"]["commands"] for c in ["pcap-file", "pcap-file-list", "pcap-file-number", "pcap-current", "pcap-last-processed", "reload-rules", "ruleset-reload-nonblocking", "ruleset-reload-time", "ruleset-stats", "ruleset-failed-rules", "dump-counters", "memcap-show", "memcap-list", "shutdown", "version", "uptime", "running-mode", "capture-mode"]) and r["message"]["count"] == len(r["message"]["commands"])'
expect ruleset-stats 'r["message"] == [{"id": 0, "rules_loaded": 1, "rules_failed": 1}]'
expect ruleset-failed-rules 'len(r["message"]) == 1 and r["message"][0]["line"] == 2 and "nosuchkeyword" in r["message"][0]["error"] and "sid:2" in r["message"][0]["rule"]'
expect ruleset-reload-time 'r["message"][0]["id"] == 0 and r["message"][0]["last_reload"][:2] == "20"'
expect "memcap-show flow" 'r["message"] == {"value": "64mb"}'
expect "memcap-show nosuch" 'r["return"] == "NOK"'
expect memcap-list 'any(m["name"] == "flow" and m["value"] == "64mb" for m in r["message"])'
expect "conf-get vars.address-groups.HOME_NET" 'r["message"] == "[10.0.0.0/8]"'
expect pcap-current 'r["message"] == "None"'
expect "pcap-file /nonexistent.pcap $WORK" 'r["return"] == "NOK" and "does not exist" in r["message"]'
expect "pcap-file $PCAP /nonexistent-dir" 'r["return"] == "NOK"'
mkdir -p "$WORK/out1" "$WORK/out2"
expect "pcap-file $PCAP $WORK/out1" 'r["message"] == "Successfully added file to list"'
expect "pcap-file $PCAP $WORK/out2" 'r["return"] == "OK"'
for _ in $(seq 1 150); do
    n=$(sc pcap-file-number | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["message"])')
    cur=$(sc pcap-current | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["message"])')
    [ "$n" = 0 ] && [ "$cur" = None ] && break
    sleep 0.2
done
[ "$n" = 0 ] && [ "$cur" = None ] || fail "the queued captures were not processed"
expect pcap-file-list 'r["message"] == {"count": 0, "files": []}'
expect pcap-last-processed 'r["message"] > 1000000000000'
expect dump-counters '"uptime" in r["message"] and "decoder" in r["message"]'
cmp <(grep -v '"stats"' "$WORK/out1/eve.json" | "$PY" -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l); e.pop("timestamp", None); e.pop("flow_id", None)
    print(json.dumps(e, sort_keys=True))' | sort) \
    <(grep -v '"stats"' "$WORK/out2/eve.json" | "$PY" -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l); e.pop("timestamp", None); e.pop("flow_id", None)
    print(json.dumps(e, sort_keys=True))' | sort) >/dev/null ||
    fail "the same capture gave different events in two pcap-file runs"
grep -q '"event_type":"alert"' "$WORK/out1/eve.json" || fail "no alert in $WORK/out1/eve.json"
[ -s "$WORK/out1/fast.log" ] || fail "no fast.log in the pcap-file output directory"

# Hostile clients: raw bytes, not the protocol.
"$PY" - "$SOCK" <<'EOF' || fail "hostile clients could not even connect"
import socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(15)
    s.connect(path)
    return s
def closed_by_server(s):
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
# 1. garbage instead of the version handshake: the server closes
s = conn(); s.sendall(b"\x00\xff garbage {{{ not json\n"); assert closed_by_server(s), "garbage handshake"
# 2. handshake, then garbage: answered by closing that connection only
s = conn(); s.sendall(b'{"version": "0.2"}'); assert b"OK" in s.recv(100)
s.sendall(b'{"command": \x01\x02 nonsense\n'); assert closed_by_server(s), "garbage command"
# 3. a wrong protocol version
s = conn(); s.sendall(b'{"version": "9.9"}'); assert closed_by_server(s), "wrong version"
# 4. a message far larger than any command
s = conn(); s.sendall(b'{"version": "0.2"}'); s.recv(100)
try:
    s.sendall(b'{"command": "' + b"A" * 200000 + b'"}\n')
except (BrokenPipeError, ConnectionResetError):
    pass
assert closed_by_server(s), "oversized"
# 5. half a command, then the client goes away
s = conn(); s.sendall(b'{"version": "0.2"}'); s.recv(100); s.sendall(b'{"command": "vers'); s.close()
# 6. a reload, and the client disconnects before the answer
s = conn(); s.sendall(b'{"version": "0.2"}'); s.recv(100); s.sendall(b'{"command": "reload-rules"}\n'); s.close()
# 7. a command that is not an object, and one that is unknown
s = conn(); s.sendall(b'{"version": "0.2"}'); s.recv(100)
s.sendall(b'[1,2,3]\n'); assert closed_by_server(s), "array command"
s = conn(); s.sendall(b'{"version": "0.2"}'); s.recv(100)
s.sendall(b'{"command": "no-such-command"}\n'); assert b'"NOK"' in s.recv(1000); s.close()
# 8. every connection slot held by idle clients, then released
held = []
for _ in range(80):
    try:
        held.append(conn())
    except OSError:
        break
time.sleep(0.5)
for h in held:
    h.close()
EOF
sleep 0.5
kill -0 "$SENSOR_PID" 2>/dev/null || fail "the sensor died after hostile clients"
expect version 'r["return"] == "OK"'
expect reload-rules 'r["return"] == "OK" and r["message"] == "done"'
mkdir -p "$WORK/out3"
expect "pcap-file $PCAP $WORK/out3" 'r["return"] == "OK"'
for _ in $(seq 1 150); do
    [ -s "$WORK/out3/eve.json" ] && [ "$(sc pcap-current | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["message"])')" = None ] && break
    sleep 0.2
done
[ "$(grep -c '"event_type":"alert"' "$WORK/out3/eve.json")" = "$(grep -c '"event_type":"alert"' "$WORK/out1/eve.json")" ] ||
    fail "after hostile clients the same capture gave different alerts"
expect shutdown 'r["return"] == "OK"'
RC=0
wait "$SENSOR_PID" || RC=$?
SENSOR_PID=
[ "$RC" -eq 0 ] || fail "vigil exited with status $RC after shutdown"
[ ! -e "$SOCK" ] || fail "the socket file was left behind"

# ---- B. live capture ----
ip netns add "$NS_A" 2>"$WORK/netns.err" ||
    fail "cannot create network namespace (needs root / CAP_NET_ADMIN): $(cat "$WORK/netns.err")"
ip netns add "$NS_B" || fail "cannot create network namespace $NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B" || fail "cannot create a veth pair"
ip -n "$NS_A" addr add 10.197.0.1/24 dev veth0
ip -n "$NS_B" addr add 10.197.0.2/24 dev veth1
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up
ip -n "$NS_B" link set lo up
mkdir -p "$WORK/live"
ip netns exec "$NS_B" "$VIGIL_BIN" run -i veth1 -l "$WORK/live" -S "$WORK/test.rules" \
    --unix-socket="$SOCK" --set metrics.enabled=yes --set metrics.listen=127.0.0.1:9561 \
    >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
SENSOR_PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the control socket $SOCK did not appear (live)"
sleep 0.5
ip netns exec "$NS_A" "$PY" -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    u.sendto(b'x' * 100, ('10.197.0.2', 9))
" || fail "sending traffic failed"
sleep 0.5
expect capture-mode 'r["message"] == "PCAP_DEV"'
expect iface-list 'r["message"] == {"count": 1, "ifaces": ["veth1"]}'
expect "iface-stat veth1" 'r["message"]["pkts"] >= 200 and r["message"]["drop"] == 0'
expect "iface-stat nosuch0" 'r["return"] == "NOK"'
expect dump-counters 'r["message"]["capture"]["kernel_packets"] >= 200 and r["message"]["decoder"]["udp"] >= 200'
# The Prometheus endpoint (in the sensor's namespace).
ip netns exec "$NS_B" curl -sf http://127.0.0.1:9561/metrics >"$WORK/metrics.txt" ||
    fail "GET /metrics failed"
"$PY" - "$WORK/metrics.txt" <<'EOF' || fail "metrics: $(head -c 600 "$WORK/metrics.txt")"
import re, sys
text = open(sys.argv[1]).read()
vals = {}
for line in text.splitlines():
    if line.startswith("#") or not line.strip():
        continue
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (-?[0-9.e+]+)$', line)
    assert m, "not a sample line: %r" % line
    vals[m.group(1)] = float(m.group(3))
assert vals["vigil_capture_kernel_packets_total"] >= 200, vals.get("vigil_capture_kernel_packets_total")
assert vals["vigil_decoder_udp_total"] >= 200
assert vals["vigil_rules_loaded"] == 1 and vals["vigil_rules_failed"] == 1
assert vals['vigil_memcap_bytes{name="flow"}'] > 0
assert "vigil_rule_reloads_total" in vals and "vigil_flow_memuse" in vals
assert "# TYPE vigil_capture_kernel_drops_total counter" in text
EOF
code=$(ip netns exec "$NS_B" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9561/other)
[ "$code" = 404 ] || fail "GET /other answered $code"
expect shutdown 'r["return"] == "OK"'
RC=0
wait "$SENSOR_PID" || RC=$?
SENSOR_PID=
[ "$RC" -eq 0 ] || fail "vigil exited with status $RC after shutdown (live)"
echo PASS
