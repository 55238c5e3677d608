#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sensor-compare.sh CAPTURE [RULES] [BASE_VIGIL]
#
# The whole sensor on a benchmark capture (make-bench-pcap.sh), each figure a
# ratio to baselines measured in the same run, on a machine that may be busy:
#   - "read": plain libpcap reading of the same capture (bench_capture);
#   - "base": another vigil binary (e.g. the previous main build), when given.
# Cases: no rules (--disable-detection), RULES with one thread, RULES with
# --threads 2. Each case runs REPEAT times (default 3), the binaries
# alternating, and the median is reported. Times are CPU seconds of the
# process (user + system, /usr/bin/time): other jobs on the machine do not
# count in them, wall time does (it is printed, for information only). The
# start-up (configuration, rule loading, engine build) is measured on an empty
# capture and subtracted from the processing figure. Peak RSS is the whole
# run's (start-up included). Alerts are the EVE alert events; with rules the
# script also checks that one and two threads raise the same alerts
# (signature id, addresses and ports, packet time), the threads goal of
# issue 13.
#
# A feature's cost is the same binary with and without it: BASE_ARGS are
# added to the base runs (the base binary is then the new one unless
# given), e.g. the behavioural detector set (issue 16's 5 % budget):
#   BASE_ARGS="--set behaviour.enabled=no" bench/sensor-compare.sh CAP RULES
# and NEW_ARGS to the new runs (e.g. --set vars.address-groups.HOME_NET=...).
#
# env: VIGIL_BUILD (default ./build), REPEAT (3), THREADS ("2"),
#      NEW_ARGS, BASE_ARGS (extra arguments of each side, word-split),
#      CALLGRIND=1: also count the instructions of the no-rules run with
#      valgrind's callgrind (a figure that does not move with machine load;
#      slow: use a small capture).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${VIGIL_BUILD:-$here/build}
repeat=${REPEAT:-3}
threads=${THREADS:-2}
cap=$1
rules=${2:-}
base=${3:-}
new="$build/vigil"
new_args=${NEW_ARGS:-}
base_args=${BASE_ARGS:-}
[ -n "$base_args" ] && [ -z "$base" ] && base=$new
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: "any"\n    EXTERNAL_NET: "any"\n' >"$tmp/any.yaml"
python3 -c "
import struct,sys
open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" "$tmp/empty.pcap"

# measure OUT CMD...: appends "cpu wall maxrss_kb" of CMD to OUT
measure() {
    out=$1
    shift
    /usr/bin/time -f '%U %S %e %M' -o "$tmp/time" "$@" >"$tmp/cmd.out" 2>&1 || {
        echo "failed: $*" >&2
        tail -5 "$tmp/cmd.out" >&2
        exit 1
    }
    awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}' "$tmp/time" >>"$out"
}

# median FILE COLUMN
median() {
    cut -d' ' -f"$2" "$1" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

alerts() { # alerts EVE: the alert events, one canonical line each (sorted)
    python3 - "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event_type") != "alert":
        continue
    a = e["alert"]
    out.append("%s:%s %s %s:%s %s:%s %s" % (a.get("gid"), a.get("signature_id"), e.get("timestamp"),
               e.get("src_ip"), e.get("src_port"), e.get("dest_ip"), e.get("dest_port"),
               e.get("proto")))
print("\n".join(sorted(out)))
PY
}

pkts=$(python3 - "$cap" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb"); h = f.read(24); n = 0
e = "<" if struct.unpack("<I", h[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
while True:
    r = f.read(16)
    if len(r) < 16: break
    f.seek(struct.unpack(e + "IIII", r)[2], 1); n += 1
print(n)
PY
)
echo "capture: $cap ($pkts packets, $(stat -c %s "$cap") bytes); median of $repeat, CPU seconds (user+sys)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

for i in $(seq "$repeat"); do
    measure "$tmp/read" "$build/bench/capture/bench_capture" "$cap" -n 1
done
read_cpu=$(median "$tmp/read" 1)
echo "read (bench_capture): ${read_cpu}s"

# run_case LABEL ARGS...: one line per binary
run_case() {
    label=$1
    shift
    bins="new"
    [ -n "$base" ] && bins="new base"
    for b in $bins; do rm -f "$tmp/$b.start" "$tmp/$b.run"; done
    for i in $(seq "$repeat"); do
        for b in $bins; do
            bin=$new
            extra=$new_args
            [ "$b" = base ] && bin=$base && extra=$base_args
            rm -rf "$tmp/o" && mkdir -p "$tmp/o"
            # shellcheck disable=SC2086 # extra: word-split on purpose
            measure "$tmp/$b.start" "$bin" run -r "$tmp/empty.pcap" -l "$tmp/o" -c "$tmp/any.yaml" -k none "$@" $extra
            rm -rf "$tmp/o" && mkdir -p "$tmp/o"
            # shellcheck disable=SC2086
            measure "$tmp/$b.run" "$bin" run -r "$cap" -l "$tmp/o" -c "$tmp/any.yaml" -k none "$@" $extra
            alerts "$tmp/o/eve.json" >"$tmp/$b.alerts.$label"
        done
    done
    for b in $bins; do
        s=$(median "$tmp/$b.start" 1)
        t=$(median "$tmp/$b.run" 1)
        w=$(median "$tmp/$b.run" 2)
        m=$(sort -n -k3 "$tmp/$b.run" | tail -1 | cut -d' ' -f3)
        na=$(grep -c . "$tmp/$b.alerts.$label" || true)
        echo "$t $s" >"$tmp/$b.result.$label"
        awk -v l="$label" -v b="$b" -v r="$read_cpu" -v t="$t" -v s="$s" -v w="$w" -v m="$m" -v n="$na" -v p="$pkts" 'BEGIN {
            x = t - s; if (x <= 0) x = 0.001;
            printf "%-22s %-4s cpu %6.2fs (start-up %5.2fs) %8.0f pkt/s  %5.1fx read  peak %4.0f MB  %5d alerts  wall %.2fs\n",
                l, b, x, s, p / x, x / r, m / 1024, n, w }'
    done
    if [ -n "$base" ]; then
        awk -v l="$label" 'NR == FNR {nt = $1 - $2; next} {bt = $1 - $2} END {
            if (nt > 0) printf "%-22s new/base CPU ratio %.3f\n", l, nt / bt }' \
            "$tmp/new.result.$label" "$tmp/base.result.$label"
    fi
}

run_case no-rules --disable-detection
if [ -n "$rules" ]; then
    run_case rules -S "$rules"
    for nt in $threads; do
        run_case "rules-threads-$nt" -S "$rules" --threads "$nt"
        if cmp -s "$tmp/new.alerts.rules" "$tmp/new.alerts.rules-threads-$nt"; then
            echo "alerts with 1 and $nt threads: identical ($(grep -c . "$tmp/new.alerts.rules" || true))"
        else
            echo "alerts with 1 and $nt threads DIFFER (< only with 1, > only with $nt):"
            diff "$tmp/new.alerts.rules" "$tmp/new.alerts.rules-threads-$nt" | grep '^[<>]' | head -20
        fi
    done
fi
if [ "${CALLGRIND:-0}" = 1 ]; then
    for b in new base; do
        bin=$new
        extra=$new_args
        [ "$b" = base ] && bin=$base && extra=$base_args
        [ -n "$bin" ] || continue
        rm -rf "$tmp/o" && mkdir -p "$tmp/o"
        # shellcheck disable=SC2086
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bin" run -r "$cap" -l "$tmp/o" \
            -c "$tmp/any.yaml" -k none --disable-detection $extra >"$tmp/cg.log" 2>&1
        rm -rf "$tmp/o" && mkdir -p "$tmp/o"
        # shellcheck disable=SC2086
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg0.out" "$bin" run -r "$tmp/empty.pcap" \
            -l "$tmp/o" -c "$tmp/any.yaml" -k none --disable-detection $extra >"$tmp/cg.log" 2>&1
        i1=$(grep '^summary:' "$tmp/cg.out" | cut -d' ' -f2)
        i0=$(grep '^summary:' "$tmp/cg0.out" | cut -d' ' -f2)
        awk -v b="$b" -v i="$i1" -v z="$i0" -v p="$pkts" 'BEGIN {
            printf "no-rules instructions  %-4s %.0f (%.0f per packet, start-up excluded)\n", b, i - z, (i - z) / p }'
    done
fi
