# SPDX-License-Identifier: Apache-2.0
# Sourced by the live IPS tests (ips_nfqueue.sh, ips_afpacket.sh): the
# namespaces and processes a test made are removed on exit, failures show
# the sensor's last words, vigil is started and waited for, and a client's
# view of reject rules is checked. Skips (77) when not root or without curl.
VIGIL_BIN=${VIGIL_BIN:?VIGIL_BIN must name the vigil binary}
PY=$(command -v /usr/bin/python3 || command -v python3)
NAMESPACES=() PIDS=()
SENSOR_PID= WORK=
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v curl >/dev/null || skip "curl missing"

live_cleanup() {
    [ -n "$SENSOR_PID" ] && kill "$SENSOR_PID" 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null || true; done
    [ -n "$WORK" ] || return 0
    if [ -n "${VIGIL_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap live_cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    [ -f "$WORK/sensor.err" ] && tail -20 "$WORK/sensor.err" | sed 's/^/  sensor: /' >&2
    exit 1
}

# live_namespaces NAME...: creates them (removed on exit), loopback up.
live_namespaces() {
    for n in "$@"; do
        ip netns add "$n" || skip "cannot create namespaces"
        NAMESPACES+=("$n")
        ip -n "$n" link set lo up
    done
}

# live_start_sensor NS ARGS...: `vigil run ARGS` in NS, waited for.
live_start_sensor() {
    local ns=$1
    shift
    ip netns exec "$ns" "$VIGIL_BIN" run "$@" >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
    SENSOR_PID=$!
    for _ in $(seq 50); do
        grep -q "engine started" "$WORK/sensor.err" 2>/dev/null && return 0
        kill -0 "$SENSOR_PID" 2>/dev/null || fail "vigil exited at start"
        sleep 0.1
    done
    fail "vigil did not start"
}

# live_check_reject CLIENT_NS SERVER_IP: with the rules
#   rejectboth http ... (http.uri; content:"/admin"; ...)
#   reject udp any any -> any 9999 (...)
# the client's request for /admin/ ends at once with a reset (curl 56, or
# 52), never reaching the server's log, and a UDP packet to port 9999 gets
# ICMP unreachable (host administratively prohibited: EHOSTUNREACH).
live_check_reject() {
    local ns=$1 ip=$2 rc=0 t0 t1 out
    t0=$(date +%s%N)
    ip netns exec "$ns" curl -s --max-time 3 -o /dev/null "http://$ip:8080/admin/" || rc=$?
    t1=$(date +%s%N)
    [ "$rc" = 56 ] || [ "$rc" = 52 ] ||
        fail "rejected request: curl exit $rc (56: connection reset expected)"
    [ $(( (t1 - t0) / 1000000 )) -lt 2500 ] || fail "rejected request: the reset came late"
    grep -q "/admin" "$WORK/server.log" && fail "the server received the rejected request"
    out=$(ip netns exec "$ns" "$PY" - "$ip" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], 9999))
s.settimeout(2)
s.send(b"probe")
try:
    s.recv(100)
    print("answer")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("unreachable" if e.errno == 113 else "error %d" % e.errno)
PYEOF
)
    [ "$out" = unreachable ] ||
        fail "UDP reject: the client saw '$out', not ICMP unreachable (prohibited)"
    echo "ok   rejectboth: the client gets a reset (curl $rc); UDP reject: ICMP unreachable"
}
