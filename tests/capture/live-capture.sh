#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live capture on a veth pair between two network namespaces that this test
# creates (and always deletes). Known UDP traffic (64 flows, plus VLAN 100
# tagged frames whose tag the receiving kernel strips) is sent from one namespace and captured in
# the other with libpcap, one AF_PACKET socket, and two AF_PACKET sockets in
# one fanout group. Every count must be exact; the fanout sockets must split
# the flows and together see everything; SIGINT must stop the capture.
#
#   live-capture.sh PATH/TO/capture_probe
#
# Needs CAP_NET_ADMIN; without it the test FAILS (it never skips silently).
set -euo pipefail

PROBE=${1:?usage: live-capture.sh PATH/TO/capture_probe}
NS_A=vigil-test-$$-a
NS_B=vigil-test-$$-b
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-live-capture.XXXXXX")
FLOWS=64
PER_FLOW=10
VLAN_PACKETS=50
FILTER='udp and (dst port 5555 or dst port 5556)'
EXPECTED=$((FLOWS * PER_FLOW + VLAN_PACKETS))
PROBE_PID=

cleanup() {
    if [ -n "$PROBE_PID" ]; then kill "$PROBE_PID" 2>/dev/null || true; fi
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ -x "$PROBE" ] || fail "capture probe '$PROBE' not found"
command -v ip >/dev/null || fail "the 'ip' command (iproute2) is needed"
command -v python3 >/dev/null || fail "python3 is needed to send traffic"

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
MAC_B=$(ip -n "$NS_B" -o link show veth1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
[ -n "$MAC_B" ] || fail "cannot read the MAC address of veth1"
# Static neighbours: no ARP, so the first packets are not queued or lost.
ip -n "$NS_A" neigh replace 10.199.0.2 lladdr "$MAC_B" dev veth0 nud permanent

send_traffic() {
    ip netns exec "$NS_A" python3 - "$FLOWS" "$PER_FLOW" "$VLAN_PACKETS" "$MAC_B" <<'EOF'
import socket, sys, time
flows, per_flow, vlan_packets = map(int, sys.argv[1:4])
socks = []
for i in range(flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.199.0.1", 41000 + i))
    socks.append(s)
for j in range(per_flow):
    for i, s in enumerate(socks):
        s.sendto(b"vigil-capture-test-%04d-%02d" % (i, j) + b"x" * 64, ("10.199.0.2", 5555))
    time.sleep(0.01)
# VLAN 100 frames built by hand (the 8021q module may be absent): the
# receiving kernel strips the tag into packet metadata, and capture must put
# it back.
import struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
dst = bytes.fromhex(sys.argv[4].replace(":", ""))
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind(("veth0", 0))
src = raw.getsockname()[4]
for j in range(vlan_packets):
    payload = b"vigil-vlan-%03d" % j + b"y" * 32
    udp = struct.pack("!HHHH", 42000, 5556, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), j, 0, 64, 17, 0,
                     socket.inet_aton("10.199.100.1"), socket.inet_aton("10.199.100.2"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    raw.send(dst + src + struct.pack("!HHH", 0x8100, 100, 0x0800) + ip + udp)
EOF
}

# start_probe NAME PROBE-ARGS...: starts the probe in NS_B and waits for "ready".
start_probe() {
    local name=$1 out="$WORK/$1.out"
    shift
    ip netns exec "$NS_B" "$PROBE" "$@" >"$out" 2>"$WORK/$name.err" &
    PROBE_PID=$!
    for _ in $(seq 100); do
        grep -q '^ready' "$out" 2>/dev/null && break
        kill -0 "$PROBE_PID" 2>/dev/null || break
        sleep 0.05
    done
    grep -q '^ready' "$out" || fail "$name: probe did not start: $(cat "$WORK/$name.err")"
}

# run_case NAME KIND SOCKETS: capture while sending, stop with SIGINT, check.
run_case() {
    local name=$1 kind=$2 sockets=$3 out="$WORK/$1.out"
    start_probe "$name" "$kind" veth1 20 "$sockets" "$FILTER"
    send_traffic
    sleep 0.5
    local t0=$SECONDS
    kill -INT "$PROBE_PID"
    local rc=0
    wait "$PROBE_PID" || rc=$?
    PROBE_PID=
    [ $((SECONDS - t0)) -le 2 ] || fail "$name: probe took more than 2 s to stop after SIGINT"
    cat "$out"
    [ "$rc" -eq 0 ] || fail "$name: probe exited with $rc: $(cat "$WORK/$name.err")"
    local total vlan100 bad how
    read -r total vlan100 bad how < <(awk '/^total/ {print $3, $7, $9, $10}' "$out")
    [ "$how" = signal ] || fail "$name: capture was not stopped by SIGINT ($how)"
    [ "$total" -eq "$EXPECTED" ] || fail "$name: captured $total packets, sent $EXPECTED"
    [ "$vlan100" -eq "$VLAN_PACKETS" ] ||
        fail "$name: $vlan100 frames carried VLAN 100, expected $VLAN_PACKETS (tag not re-inserted?)"
    [ "$bad" -eq 0 ] || fail "$name: $bad frames broke the frame contract"
    local marked
    marked=$(awk '/^total/ {print $14}' "$out")
    [ "$marked" -eq $((FLOWS * PER_FLOW)) ] ||
        fail "$name: $marked frames carried the payload marker, expected $((FLOWS * PER_FLOW))"
    if [ "$sockets" -gt 1 ]; then
        local zero
        zero=$(awk '/^source/ && $4 == 0' "$out" | wc -l)
        [ "$zero" -eq 0 ] || fail "$name: a fanout socket saw no packets (no load split)"
    fi
    echo "ok: $name: $total packets ($vlan100 with VLAN 100)"
}

# A ring of two 4 KiB blocks that is not read for 1.5 s must overflow: what
# was not captured must show up in the kernel drop counter.
drop_case() {
    local name=af-packet-drops out="$WORK/af-packet-drops.out"
    start_probe "$name" --ring 4096x2 --stall 1500 afp veth1 20 1 "$FILTER"
    send_traffic
    sleep 2
    kill -INT "$PROBE_PID"
    local rc=0
    wait "$PROBE_PID" || rc=$?
    PROBE_PID=
    cat "$out"
    [ "$rc" -eq 0 ] || fail "$name: probe exited with $rc: $(cat "$WORK/$name.err")"
    local total drops
    read -r total drops < <(awk '/^total/ {print $3, $12}' "$out")
    [ "$drops" -gt 0 ] || fail "$name: a full ring reported no kernel drops"
    [ "$total" -gt 0 ] || fail "$name: nothing captured from the small ring"
    [ $((total + drops)) -eq "$EXPECTED" ] ||
        fail "$name: captured $total + dropped $drops != sent $EXPECTED"
    echo "ok: $name: $total captured, $drops dropped"
}

# Snaplen 60: every frame cut to 60 bytes (the re-inserted VLAN tag included).
snaplen_case() {
    local name=$1 kind=$2 out="$WORK/$1.out"
    start_probe "$name" --snaplen 60 "$kind" veth1 20 1 "$FILTER"
    send_traffic
    sleep 0.5
    kill -INT "$PROBE_PID"
    local rc=0
    wait "$PROBE_PID" || rc=$?
    PROBE_PID=
    cat "$out"
    [ "$rc" -eq 0 ] || fail "$name: probe exited with $rc: $(cat "$WORK/$name.err")"
    local total vlan100 bad maxcap
    read -r total vlan100 bad maxcap < <(awk '/^total/ {print $3, $7, $9, $16}' "$out")
    [ "$total" -eq "$EXPECTED" ] || fail "$name: captured $total packets, sent $EXPECTED"
    [ "$vlan100" -eq "$VLAN_PACKETS" ] || fail "$name: $vlan100 VLAN 100 frames"
    [ "$bad" -eq 0 ] || fail "$name: $bad frames broke the frame contract"
    [ "$maxcap" -eq 60 ] || fail "$name: largest caplen $maxcap with snaplen 60"
    echo "ok: $name: $total packets, caplen at most $maxcap"
}

# The link goes down and up while capturing: capture must carry on.
link_case() {
    local name=$1 kind=$2 out="$WORK/$1.out"
    start_probe "$name" "$kind" veth1 20 1 "$FILTER"
    ip -n "$NS_B" link set veth1 down
    sleep 0.3
    ip -n "$NS_B" link set veth1 up
    ip -n "$NS_A" neigh replace 10.199.0.2 lladdr "$MAC_B" dev veth0 nud permanent
    sleep 0.3
    send_traffic
    sleep 0.5
    kill -INT "$PROBE_PID"
    local rc=0
    wait "$PROBE_PID" || rc=$?
    PROBE_PID=
    cat "$out"
    [ "$rc" -eq 0 ] || fail "$name: probe exited with $rc after link down/up: $(cat "$WORK/$name.err")"
    local total
    total=$(awk '/^total/ {print $3}' "$out")
    [ "$total" -eq "$EXPECTED" ] || fail "$name: captured $total packets after link down/up, sent $EXPECTED"
    echo "ok: $name: link down/up survived, $total packets"
}

# Last: the interface is deleted under both kinds of capture; each must stop
# with an error naming the interface, not hang or spin.
removed_case() {
    start_probe removed-pcap pcap veth1 20 1
    local pcap_pid=$PROBE_PID
    start_probe removed-afp afp veth1 20 1
    local afp_pid=$PROBE_PID
    PROBE_PID=
    ip -n "$NS_A" link del veth0
    local t0=$SECONDS rc
    for pid in "$pcap_pid" "$afp_pid"; do
        rc=0
        wait "$pid" || rc=$?
        [ "$rc" -eq 1 ] || fail "interface removed: probe $pid exited with $rc, expected 1"
    done
    [ $((SECONDS - t0)) -le 3 ] || fail "interface removed: probes took more than 3 s to stop"
    for kind in pcap afp; do
        grep -q "veth1.*disappeared" "$WORK/removed-$kind.err" ||
            fail "interface removed ($kind): no error naming the interface: $(cat "$WORK/removed-$kind.err")"
        sed 's/^/  /' "$WORK/removed-$kind.err"
    done
    echo "ok: interface removed: both captures stopped with an error"
}

# Open errors on a real interface: each names what is wrong.
expect_open_error() {
    local name=$1 pattern=$2 rc=0
    shift 2
    ip netns exec "$NS_B" "$PROBE" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
    [ "$rc" -eq 1 ] || fail "$name: probe exited with $rc, expected an open error"
    grep -q -- "$pattern" "$WORK/$name.err" ||
        fail "$name: error does not say '$pattern': $(cat "$WORK/$name.err")"
    echo "ok: $name: $(cat "$WORK/$name.err")"
}
expect_open_error bad-filter-pcap "BPF filter 'udp port 99999999'.*veth1" pcap veth1 5 1 'udp port 99999999'
expect_open_error bad-filter-afp "BPF filter 'udp port 99999999'.*veth1" afp veth1 5 1 'udp port 99999999'
expect_open_error bad-ring-afp "veth1.*multiple of the page" --ring 1000x4 afp veth1 5 1
expect_open_error no-such-interface "nosuch0" afp nosuch0 5 1

run_case pcap-live pcap 1
run_case af-packet afp 1
run_case af-packet-fanout afp 2
snaplen_case pcap-live-snaplen pcap
snaplen_case af-packet-snaplen afp
drop_case
link_case pcap-link-down-up pcap
link_case af-packet-link-down-up afp
removed_case
echo "PASS"
