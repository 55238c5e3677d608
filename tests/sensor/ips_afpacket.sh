#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Inline prevention with AF_PACKET (af-packet copy-mode ips), live, between
# three network namespaces this test creates (and always deletes):
#
#   client 10.78.0.2 --veth-- [a | vigil | b] --veth-- server 10.78.0.3
#
# The middle namespace has two interfaces without addresses; nothing joins
# them but vigil, which forwards every accepted frame from one to the other
# (copy-iface pairs, as Suricata's af-packet section writes them). A real
# HTTP server (python3 -m http.server) and real clients (curl, ping):
#  1. a normal request passes (200) and is logged; UDP echo passes;
#  2. an attack request (drop rule on http.uri) never reaches the server;
#  3. a reject rule: the client gets a TCP reset at once (curl fails with
#     "connection reset", not a timeout) and the server gets one too;
#  4. a UDP packet to a rejected port: the client gets ICMP destination
#     unreachable (host administratively prohibited, EVE's "icmp-prohib");
#  5. normal traffic still passes afterwards; throughput and added latency
#     against a kernel bridge in the same run (info lines, not asserted);
#  6. once vigil stops nothing forwards: AF_PACKET inline fails closed.
# Skips (exit 77) when not root or without veth/ethtool/curl.
set -euo pipefail

. "$(dirname "$0")/ips_live_lib.sh"
command -v ethtool >/dev/null || skip "ethtool missing (offloads must be off inline)"

T=va$$
NC=$T-c NV=$T-v NS=$T-s
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-afp.XXXXXX")
live_namespaces "$NC" "$NV" "$NS"
ip link add "$T-c" netns "$NC" type veth peer name "$T-a" netns "$NV" || skip "no veth"
ip link add "$T-s" netns "$NS" type veth peer name "$T-b" netns "$NV"
ip -n "$NC" addr add 10.78.0.2/24 dev "$T-c"
ip -n "$NS" addr add 10.78.0.3/24 dev "$T-s"
# No offloads: checksums are complete in every frame vigil forwards, and no
# frame is larger than the MTU (Suricata's inline advice too).
for pair in "$NC:$T-c" "$NV:$T-a" "$NV:$T-b" "$NS:$T-s"; do
    ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" tx off rx off tso off gso off gro off \
        >/dev/null 2>&1 || true
    ip netns exec "${pair%%:*}" sysctl -qw "net.ipv6.conf.${pair#*:}.disable_ipv6=1" || true
done
for pair in "$NC:$T-c" "$NV:$T-a" "$NV:$T-b" "$NS:$T-s"; do
    ip -n "${pair%%:*}" link set "${pair#*:}" up
done

mkdir -p "$WORK/www" "$WORK/log"
echo "hello from the server" >"$WORK/www/index.html"
ip netns exec "$NS" "$PY" -m http.server 8080 --bind 10.78.0.3 --directory "$WORK/www" \
    >"$WORK/server.log" 2>&1 &
PIDS+=($!)
# UDP echo server, and a client measuring round trips (the latency figure;
# there is no ping in the test image).
cat >"$WORK/echo.py" <<'EOF2'
import socket, sys, time
if sys.argv[1] == "serve":  # UDP echo on 7777, TCP sink on 7778
    import threading
    def sink():
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("10.78.0.3", 7778))
        ls.listen(4)
        while True:
            c, _ = ls.accept()
            while c.recv(1 << 20):
                pass
            c.close()
    threading.Thread(target=sink, daemon=True).start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.78.0.3", 7777))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)
if sys.argv[1] == "blast":  # Mbit/s of N MB sent to the sink
    n = int(sys.argv[2]) << 20
    buf = b"\0" * (1 << 16)
    c = socket.create_connection(("10.78.0.3", 7778), timeout=30)
    t0 = time.perf_counter()
    sent = 0
    while sent < n:
        c.sendall(buf)
        sent += len(buf)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)  # the sink closes once it read everything
    print("%d" % (sent * 8 / (time.perf_counter() - t0) / 1e6))
    sys.exit(0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.78.0.3", 7777))
s.settimeout(float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
n = int(sys.argv[2])
rtts = []
for i in range(n):
    t0 = time.perf_counter()
    s.send(b"x" * 64)
    try:
        s.recv(2048)
    except (socket.timeout, OSError):
        continue
    rtts.append(time.perf_counter() - t0)
if not rtts:
    sys.exit(1)
rtts.sort()
print("%.3f" % (rtts[len(rtts) // 2] * 1000))
EOF2
ip netns exec "$NS" "$PY" "$WORK/echo.py" serve >/dev/null 2>&1 &
PIDS+=($!)
# The server's side of a reject: a raw capture of resets reaching it.
cat >"$WORK/rstwatch.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.settimeout(0.5)
end = time.time() + float(sys.argv[1])
n = 0
while time.time() < end:
    try:
        d = s.recv(2048)
    except socket.timeout:
        continue
    ihl = (d[0] & 15) * 4
    if d[ihl + 13] & 4 and int.from_bytes(d[ihl + 2:ihl + 4], "big") == 8080:
        n += 1
print(n)
EOF

cat >"$WORK/rules" <<'EOF'
drop http any any -> any any (msg:"path traversal"; http.uri; content:"../etc/passwd"; sid:7001; rev:1;)
rejectboth http any any -> any any (msg:"admin probe"; http.uri; content:"/admin"; sid:7002; rev:1;)
reject udp any any -> any 9999 (msg:"udp 9999"; sid:7003; rev:1;)
EOF
cat >"$WORK/vigil.yaml" <<EOF
%YAML 1.1
---
stats:
  enabled: yes
  interval: 1
af-packet:
  - interface: $T-a
    threads: 1
    cluster-id: 91
    copy-mode: ips
    copy-iface: $T-b
  - interface: $T-b
    threads: 1
    cluster-id: 92
    copy-mode: ips
    copy-iface: $T-a
outputs:
  - fast:
      enabled: yes
      filename: fast.log
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
        - drop:
            alerts: yes
        - http
        - flow
        - stats
EOF

# Nothing forwards yet: the client cannot reach the server.
sleep 0.3
if ip netns exec "$NC" "$PY" "$WORK/echo.py" probe 2 0.5 >/dev/null 2>&1; then
    fail "the server is reachable without vigil (the namespaces leak)"
fi

live_start_sensor "$NV" --af-packet -c "$WORK/vigil.yaml" -S "$WORK/rules" -l "$WORK/log" \
    -k none --set flow-timeouts.tcp.closed=0
for _ in $(seq 50); do
    ip netns exec "$NC" "$PY" "$WORK/echo.py" probe 1 0.2 >/dev/null 2>&1 && break
    sleep 0.1
done

# 1. normal traffic passes
ip netns exec "$NC" "$PY" "$WORK/echo.py" probe 3 >/dev/null || fail "UDP echo through vigil failed"
body=$(ip netns exec "$NC" curl -s --max-time 5 http://10.78.0.3:8080/index.html) ||
    fail "normal request failed through the inline sensor"
[ "$body" = "hello from the server" ] || fail "normal request: unexpected body '$body'"
echo "ok   normal request and UDP echo pass"

# 2. the attack is dropped: curl gets nothing, the server never sees it
if ip netns exec "$NC" curl -s --path-as-is --max-time 3 -o /dev/null \
    "http://10.78.0.3:8080/download?file=../../etc/passwd"; then
    fail "attack request got an answer"
fi
grep -q "etc/passwd" "$WORK/server.log" && fail "the server received the attack request"
echo "ok   attack request dropped before the server"

# 3-4. rejectboth: the client sees a reset at once, the server gets one too;
# reject on UDP: the client gets ICMP unreachable
ip netns exec "$NS" "$PY" "$WORK/rstwatch.py" 4 >"$WORK/rst.count" &
WATCH_PID=$!
sleep 0.5
live_check_reject "$NC" 10.78.0.3
wait "$WATCH_PID"
[ "$(cat "$WORK/rst.count")" -ge 1 ] || fail "the server got no reset for the rejected flow"
echo "ok   rejectboth: the server gets a reset too ($(cat "$WORK/rst.count"))"

# 5. normal traffic still passes; throughput and latency
ip netns exec "$NC" curl -s --max-time 5 -o /dev/null http://10.78.0.3:8080/index.html ||
    fail "normal request after the attack failed"
echo "ok   normal request passes after the attack"
measure() { # label
    local mbps rtt
    mbps=$(ip netns exec "$NC" "$PY" "$WORK/echo.py" blast 64) || fail "$1: bulk transfer failed"
    rtt=$(ip netns exec "$NC" "$PY" "$WORK/echo.py" probe 200) || fail "$1: UDP echo failed"
    echo "$1 $mbps $rtt"
}
read -r _ inl_mbps inl_rtt < <(measure inline)

sleep 1.5
kill -INT "$SENSOR_PID"
wait "$SENSOR_PID" || fail "vigil exited with an error"
SENSOR_PID=

# 6. no sensor: nothing forwards (fail closed)
if ip netns exec "$NC" curl -s --max-time 2 -o /dev/null http://10.78.0.3:8080/index.html; then
    fail "traffic passed with vigil stopped"
fi
echo "ok   fails closed once vigil stopped"

# Baseline in the same run: a kernel bridge in vigil's place.
ip -n "$NV" link add br0 type bridge
ip -n "$NV" link set "$T-a" master br0
ip -n "$NV" link set "$T-b" master br0
ip -n "$NV" link set br0 up
for _ in $(seq 30); do
    ip netns exec "$NC" "$PY" "$WORK/echo.py" probe 1 0.2 >/dev/null 2>&1 && break
    sleep 0.2
done
read -r _ br_mbps br_rtt < <(measure bridge)
echo "info inline: ${inl_mbps} Mbit/s, rtt ${inl_rtt} ms; kernel bridge: ${br_mbps} Mbit/s," \
    "rtt ${br_rtt} ms; ratio $(awk -v a="$inl_mbps" -v b="$br_mbps" 'BEGIN{printf "%.2f", a/b}')" \
    "of the bridge's throughput, +$(awk -v a="$inl_rtt" -v b="$br_rtt" 'BEGIN{printf "%.3f", a-b}') ms rtt"

grep -q '\[Drop\].*path traversal' "$WORK/log/fast.log" || fail "fast.log has no [Drop] line"
"$PY" - "$WORK/log/eve.json" <<'EOF' || fail "EVE output"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
def of(t): return [e for e in evs if e["event_type"] == t]
al = {e["alert"]["signature_id"]: e["alert"] for e in of("alert")}
assert al.get(7001, {}).get("action") == "blocked", al
assert al.get(7002, {}).get("action") == "blocked", al
assert al.get(7003, {}).get("action") == "blocked", al
drops = [d for d in of("drop") if d["drop"]["reason"] == "rules"]
assert {d["alert"]["signature_id"] for d in drops} >= {7001, 7002, 7003}, of("drop")
urls = [e["http"]["url"] for e in of("http")]
assert "/index.html" in urls, urls
st = of("stats")[-1]["stats"]
assert st["ips"]["blocked"] >= 3 and st["ips"]["rejected"] >= 2, st["ips"]
assert st["ips"]["accepted"] > 1000, st["ips"]
print("ok   EVE: alerts blocked, drop events, stats.ips", st["ips"]["accepted"], st["ips"]["blocked"])
EOF
exit 0
