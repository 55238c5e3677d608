#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sensor-bench.sh CAPTURE [RULES] [THREADS...]
# End-to-end throughput of `vigil run` on a capture, as ratios to plain
# capture reading measured in the same run (bench_capture). Times are CPU
# seconds (user + system) so that other load on the machine does not count;
# the sensor's start-up (configuration, rule loading, engine build) is
# measured on an empty capture and subtracted. With THREADS, the wall-clock
# time of `--threads N` runs is reported too (near-linear scaling means the
# wall time divides by N on an otherwise idle machine).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${VIGIL_BUILD:-$here/build}
cap=$1
rules=${2:-}
shift 2 2>/dev/null || shift $#
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: "any"\n    EXTERNAL_NET: "any"\n' >"$tmp/any.yaml"
python3 -c "
import struct,sys
open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" "$tmp/empty.pcap"

cpu() { # cpu OUTFILE CMD...: CPU seconds of CMD
  out=$1; shift
  /usr/bin/time -f '%U %S %e' -o "$tmp/time" "$@" >"$out" 2>&1
  awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$tmp/time"
}

base=$("$build/bench/capture/bench_capture" "$cap" -n 3 2>/dev/null | awk '/packets\/s/ {print}' | head -1)
read_cpu=$(cpu "$tmp/read.out" "$build/bench/capture/bench_capture" "$cap" -n 1 | cut -d' ' -f1)
bytes=$(stat -c %s "$cap")
pkts=$(python3 - "$cap" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb"); h = f.read(24); n = 0
magic = struct.unpack("<I", h[:4])[0]
e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
while True:
    r = f.read(16)
    if len(r) < 16: break
    cl = struct.unpack(e + "IIII", r)[2]; f.seek(cl, 1); n += 1
print(n)
PY
)
echo "capture: $cap ($pkts packets, $bytes bytes)"
echo "baseline (capture read, CPU): ${read_cpu}s"

run_case() { # run_case LABEL ARGS...
  label=$1; shift
  mkdir -p "$tmp/o"
  start=$(cpu "$tmp/s.out" "$build/vigil" run -r "$tmp/empty.pcap" -l "$tmp/o" -c "$tmp/any.yaml" -k none "$@" | cut -d' ' -f1)
  t=$(cpu "$tmp/r.out" "$build/vigil" run -r "$cap" -l "$tmp/o" -c "$tmp/any.yaml" -k none "$@")
  total=$(echo "$t" | cut -d' ' -f1)
  wall=$(echo "$t" | cut -d' ' -f2)
  awk -v l="$label" -v r="$read_cpu" -v t="$total" -v s="$start" -v p="$pkts" -v b="$bytes" -v w="$wall" 'BEGIN {
    x = t - s; if (x <= 0) x = 0.001;
    printf "%-34s cpu %7.2fs (start-up %5.2fs)  %9.0f pkt/s  %6.2f Gbit/s  ratio 1/%.1f  wall %.2fs\n",
      l, x, s, p / x, b * 8 / x / 1e9, x / r, w }'
}

run_case "sensor, no rules" --disable-detection
if [ -n "$rules" ]; then
  run_case "sensor + $(basename "$rules")" -S "$rules"
  for n in "$@"; do
    run_case "sensor + rules, --threads $n" -S "$rules" --threads "$n"
  done
fi
