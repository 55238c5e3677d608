#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run inside `unshare -n` by dns.py: a real DNS tunnel (iodine to iodined)
# carrying UDP datagrams, and a real resolver (unbound, answering NXDOMAIN
# for everything: no Internet here) asked by dig for DGA names and for
# ordinary names, captured on lo.
#   $1: capture file   $2: work directory   $3: DGA names file   $4: benign names file
#   $5: datagrams to push through the tunnel
set -e
PCAP=$1 D=$2 DGA=$3 BENIGN=$4 N=$5
ip link set lo up
cat > "$D/unbound.conf" <<CFG
server:
    interface: 127.0.0.53
    interface: 127.0.0.54
    port: 53
    access-control: 127.0.0.0/8 allow
    chroot: ""
    username: ""
    directory: "$D"
    pidfile: "$D/unbound.pid"
    use-syslog: no
    logfile: "$D/unbound.log"
    do-daemonize: no
    local-zone: "." static
CFG
tcpdump -i lo -w "$PCAP" -U udp port 53 2>"$D/tcpdump.log" &
TP=$!
unbound -c "$D/unbound.conf" &
UP=$!
iodined -f -c -P vigilsecret -l 127.0.0.1 -p 53 10.99.0.1/27 t.vigil.test >"$D/iodined.log" 2>&1 &
SP=$!
i=0
while ! grep -q listening "$D/tcpdump.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
sleep 1

# The tunnel: handshake, then datagrams to an address routed into it.
iodine -f -r -P vigilsecret 127.0.0.1 t.vigil.test >"$D/iodine.log" 2>&1 &
CP=$!
i=0
while ! grep -q "setup complete" "$D/iodine.log" && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
ip route add 10.98.0.0/24 dev dns1
python3 - "$N" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(bytes((i + j) & 255 for j in range(512)), ("10.98.0.5", 9))
    time.sleep(0.05)
PY
sleep 2
kill $CP

# DGA names from 127.0.0.2, half to each resolver address (flows on
# different workers); ordinary names from 127.0.0.3.
awk 'NR % 2 == 1' "$DGA" > "$D/dga1"
awk 'NR % 2 == 0' "$DGA" > "$D/dga2"
dig -b 127.0.0.2 @127.0.0.53 +tries=1 +time=2 -f "$D/dga1" >"$D/dig1.log"
dig -b 127.0.0.2 @127.0.0.54 +tries=1 +time=2 -f "$D/dga2" >"$D/dig2.log"
dig -b 127.0.0.3 @127.0.0.53 +tries=1 +time=2 -f "$BENIGN" >"$D/dig3.log"
sleep 1
kill $SP $UP
sleep 0.5
kill $TP
wait $TP 2>/dev/null || true
