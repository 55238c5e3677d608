#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `vigil run -i IFACE` end to end on a veth pair between two network
# namespaces that this test creates (and always deletes): the sensor runs in
# one namespace on its veth end, TCP connections and UDP flows are made
# across the link, SIGINT stops the sensor, and eve.json must hold the flow
# records and a stats event.
#
#   live-sensor.sh [af-packet|pcap] [EXTRA vigil run ARGS...]   (default af-packet)
#
# Environment: VIGIL_BIN (the vigil binary); VIGIL_KEEP_WORK=1 keeps the log
# directory for inspection. Needs CAP_NET_ADMIN; without it
# the test FAILS (it never skips silently).
set -euo pipefail

VIGIL_BIN=${VIGIL_BIN:?VIGIL_BIN must name the vigil binary}
CAPTURE=${1:-af-packet}
shift || true
EXTRA_ARGS=("$@")
NS_A=vigil-test-$$-a
NS_B=vigil-test-$$-b
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-live-sensor.XXXXXX")
OUT=$WORK/log
TCP_CONNS=5
UDP_FLOWS=8
SENSOR_PID=
SERVER_PID=

cleanup() {
    if [ -n "$SENSOR_PID" ]; then kill "$SENSOR_PID" 2>/dev/null || true; fi
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    if [ -n "${VIGIL_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    [ -f "$WORK/sensor.err" ] && sed 's/^/  sensor: /' "$WORK/sensor.err" >&2
    exit 1
}

[ -x "$VIGIL_BIN" ] || fail "VIGIL_BIN '$VIGIL_BIN' is not executable"
command -v python3 >/dev/null || fail "python3 is needed"
mkdir -p "$OUT"

if ! ip netns add "$NS_A" 2>"$WORK/netns.err"; then
    fail "cannot create network namespace $NS_A (needs root / CAP_NET_ADMIN): $(cat "$WORK/netns.err")"
fi
ip netns add "$NS_B" || fail "cannot create network namespace $NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth1 netns "$NS_B" ||
    fail "cannot create a veth pair"
for ns in "$NS_A" "$NS_B"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
    ip -n "$ns" link set lo up
done
ip -n "$NS_A" addr add 10.199.0.1/24 dev veth0
ip -n "$NS_B" addr add 10.199.0.2/24 dev veth1
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth1 up
# Wire-sized frames, as on a real network.
ip netns exec "$NS_A" ethtool -K veth0 tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$NS_B" ethtool -K veth1 tso off gso off gro off >/dev/null 2>&1 || true

# A TCP echo server on the sensor's side.
ip netns exec "$NS_B" python3 - <<'EOF' &
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.199.0.2", 8080))
s.listen(16)
while True:
    c, _ = s.accept()
    data = c.recv(65536)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
    c.close()
EOF
SERVER_PID=$!

ip netns exec "$NS_B" "$VIGIL_BIN" run -i veth1 --capture "$CAPTURE" -l "$OUT" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} \
    >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
SENSOR_PID=$!
sleep 1.5
kill -0 "$SENSOR_PID" 2>/dev/null || fail "vigil run -i veth1 --capture $CAPTURE exited at start"

ip netns exec "$NS_A" python3 - "$TCP_CONNS" "$UDP_FLOWS" <<'EOF' || fail "sending traffic failed"
import socket, sys, time
tcp, udp = int(sys.argv[1]), int(sys.argv[2])
for i in range(tcp):
    c = socket.create_connection(("10.199.0.2", 8080), timeout=5)
    c.sendall(b"GET /vigil-live-%d HTTP/1.0\r\nHost: test\r\n\r\n" % i)
    while c.recv(65536):
        pass
    c.close()
for i in range(udp):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("10.199.0.1", 43000 + i))
    for j in range(3):
        u.sendto(b"vigil-udp-%d-%d" % (i, j), ("10.199.0.2", 5555))
time.sleep(0.2)
EOF
sleep 1

T0=$SECONDS
kill -INT "$SENSOR_PID"
RC=0
wait "$SENSOR_PID" || RC=$?
SENSOR_PID=
[ $((SECONDS - T0)) -le 5 ] || fail "vigil took more than 5 s to stop after SIGINT"
[ "$RC" -eq 0 ] || fail "vigil run exited with status $RC after SIGINT"
[ -s "$OUT/eve.json" ] || fail "no $OUT/eve.json written"

python3 - "$OUT/eve.json" "$TCP_CONNS" "$UDP_FLOWS" <<'EOF' || fail "eve.json check failed"
import json, sys
path, tcp, udp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tcp_flows = udp_flows = 0
stats = None
for n, line in enumerate(open(path), 1):
    try:
        ev = json.loads(line)
    except ValueError as e:
        sys.exit("%s:%d: not JSON: %s" % (path, n, e))
    t = ev.get("event_type")
    if t == "flow":
        for k in ("src_ip", "dest_ip", "proto", "flow_id", "flow"):
            if k not in ev:
                sys.exit("%s:%d: flow event without %s" % (path, n, k))
        if ev["proto"] == "TCP" and 8080 in (ev.get("dest_port"), ev.get("src_port")):
            tcp_flows += 1
            if ev["flow"].get("pkts_toserver", 0) < 3 or ev["flow"].get("pkts_toclient", 0) < 3:
                sys.exit("%s:%d: TCP flow with too few packets: %s" % (path, n, ev["flow"]))
        if ev["proto"] == "UDP" and ev.get("dest_port") == 5555:
            udp_flows += 1
            if ev["flow"].get("pkts_toserver") != 3:
                sys.exit("%s:%d: UDP flow should have 3 packets: %s" % (path, n, ev["flow"]))
    elif t == "stats":
        stats = ev
print("tcp flows %d, udp flows %d, stats %s" % (tcp_flows, udp_flows, stats is not None))
if tcp_flows != tcp:
    sys.exit("expected %d TCP flows to port 8080, found %d" % (tcp, tcp_flows))
if udp_flows != udp:
    sys.exit("expected %d UDP flows to port 5555, found %d" % (udp, udp_flows))
if stats is None:
    sys.exit("no stats event in eve.json")
st = stats.get("stats", {})
need = tcp * 6 + udp * 3
cap = st.get("capture", {})
pkts = st.get("decoder", {}).get("pkts", 0)
if pkts < need:
    sys.exit("stats: decoder.pkts %d, expected at least %d" % (pkts, need))
if cap.get("kernel_packets", 0) < need or cap.get("kernel_packets") != pkts:
    sys.exit("stats: capture.kernel_packets %s, decoder.pkts %d" % (cap.get("kernel_packets"), pkts))
if cap.get("kernel_drops") != 0:
    sys.exit("stats: capture.kernel_drops %s on a quiet link" % cap.get("kernel_drops"))
print("stats: %d packets captured and decoded, no drops" % pkts)
EOF
echo "PASS: vigil run -i veth1 --capture $CAPTURE"
