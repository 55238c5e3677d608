#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# eve-buffer-bench.sh [CAPTURE]
# What EVE's buffer-size costs: `vigil run` on an event-heavy capture with
# buffer-size 0 (Suricata's default and vigil's: one write per event), 64kb
# and 1mb, as CPU seconds (user + system, best of 3) and as ratios to the
# 1mb run measured in the same invocation. Without CAPTURE a synthetic one is
# made (HTTP sessions and DNS queries: four events per session, plus one
# alert each through an EVE alert and a fast.log line).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${VIGIL_BUILD:-$here/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cap=${1:-}
if [ -z "$cap" ]; then
  cap=$tmp/events.pcap
  python3 - "$cap" "$here/tests/sensor" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from pcapgen import Pcap, Session
p = Pcap(sys.argv[1])
for i in range(40000):
    cli = "10.%d.%d.%d" % (i // 62500 % 250, i // 250 % 250, i % 250 + 1)
    s = Session(p, cli, "10.200.0.1", 1024 + i % 60000, 80)
    s.send(True, b"GET /bench/%d HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: b\r\n\r\n" % i)
    s.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    s.close()
    p.udp(cli, "10.200.0.53", 20000 + i % 40000, 53,
          b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05bench\x07example\x00\x00\x01\x00\x01")
p.close()
PY
fi
printf 'alert http any any -> any any (msg:"bench"; http.uri; content:"/bench/"; sid:1;)\n' >"$tmp/b.rules"

cpu() { # cpu BUFFER_SIZE: best CPU seconds of 3 runs
  best=
  for _ in 1 2 3; do
    rm -rf "$tmp/out"; mkdir "$tmp/out"
    cat >"$tmp/c.yaml" <<EOF
%YAML 1.1
---
outputs:
  - fast:
      enabled: yes
  - eve-log:
      enabled: yes
      filename: eve.json
      buffer-size: $1
EOF
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$build/vigil" run -r "$cap" -c "$tmp/c.yaml" \
      -S "$tmp/b.rules" -l "$tmp/out" -k none -q
    t=$(awk '{printf "%.3f", $1 + $2}' "$tmp/time")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then
      best=$t
    fi
  done
  echo "$best"
}

events=
b1m=$(cpu 1mb)
events=$(wc -l <"$tmp/out/eve.json")
b64k=$(cpu 64kb)
b0=$(cpu 0)
echo "capture: $cap ($events EVE events)"
echo "buffer-size  CPU s   ratio to 1mb"
printf '1mb %s %s\n64kb %s %s\n0 %s %s\n' "$b1m" "$b1m" "$b64k" "$b1m" "$b0" "$b1m" |
  awk '{printf "%-12s %-7s %.3f\n", $1, $2, $2 / $3}'
