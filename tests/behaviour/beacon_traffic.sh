#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run inside `unshare -n` by beacon.py: curl polling a small HTTP server at
# a regular interval with +-20 % jitter (127.0.0.2) and at random
# (exponential) intervals of the same mean (127.0.0.3), captured on lo.
#   $1: capture file   $2: work directory   $3: connections per client
#   $4: mean interval (seconds)
set -e
PCAP=$1 D=$2 N=$3 P=$4
ip link set lo up
tcpdump -i lo -w "$PCAP" -U tcp port 8080 2>"$D/tcpdump.log" &
TP=$!
python3 -m http.server --bind 127.0.0.1 --directory "$D" 8080 >"$D/http.log" 2>&1 &
HP=$!
i=0
while ! grep -q listening "$D/tcpdump.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
sleep 1
echo poll > "$D/poll"
# The sleeps: uniform within +-20 % of P, and exponential with mean P.
python3 -c "import random; random.seed(7); print(' '.join('%.3f' % ($P * random.uniform(0.8, 1.2)) for _ in range($N)))" > "$D/s_regular"
python3 -c "import random; random.seed(7); print(' '.join('%.3f' % random.expovariate(1 / $P) for _ in range($N)))" > "$D/s_random"
client() {
    for s in $(cat "$2"); do
        curl -s -o /dev/null --interface "$1" http://127.0.0.1:8080/poll
        sleep "$s"
    done
}
client 127.0.0.2 "$D/s_regular" &
C1=$!
client 127.0.0.3 "$D/s_random" &
C2=$!
wait $C1 $C2
sleep 0.5
kill $HP $TP
wait $TP 2>/dev/null || true
