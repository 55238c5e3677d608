#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# reload-bench.sh [RULES_DIR] : start-up and rule-reload cost with ET Open.
#
# The rules of RULES_DIR (default ../shared/rules/et-open-suricata/rules) are
# merged into one file as suricata-update writes it. Measured, all in one run:
#  - start-up with an empty and with a warm compiled-database cache (CPU and
#    wall time; the sensor reads an empty capture);
#  - a live sensor (libpcap on lo): steady RSS after start, then peak RSS
#    (VmHWM, reset just before) and time of
#      a) a reload of the unchanged rules,
#      b) a reload after a typical update: 150 rules changed (content and
#         rev), 50 added (as suricata-update brings daily),
#      c) the update's reload again with its databases cached;
#    reported as ratios to the steady state.
# Needs root for /proc/PID/clear_refs. Wall times on a busy machine mean
# little; CPU times are the figure to compare.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
vigil=${VIGIL_BIN:-$here/build/vigil}
rules_dir=${1:-$here/../shared/rules/et-open-suricata/rules}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cat "$rules_dir"/*.rules >"$tmp/base.rules"
python3 - "$tmp/base.rules" "$tmp/update.rules" <<'EOF'
import random, re, sys
random.seed(7)
lines = open(sys.argv[1]).read().split("\n")
idx = [i for i, l in enumerate(lines) if l.startswith("alert") and 'content:"' in l]
for i in random.sample(idx, 150):
    l = re.sub(r'content:"([^"]*)"', lambda m: 'content:"' + m.group(1) + 'zq"', lines[i], count=1)
    lines[i] = re.sub(r"rev:(\d+)", lambda m: "rev:%d" % (int(m.group(1)) + 1), l)
new = ['alert http any any -> any any (msg:"new rule %d"; flow:established,to_server; '
       'http.uri; content:"/newpath%05d/"; classtype:trojan-activity; sid:%d; rev:1;)'
       % (k, k * 37, 9100000 + k) for k in range(50)]
open(sys.argv[2], "w").write("\n".join(lines + new) + "\n")
EOF
printf '%%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: "any"\n    EXTERNAL_NET: "any"\n' >"$tmp/any.yaml"
python3 -c "
import struct,sys
open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" "$tmp/empty.pcap"
mkdir -p "$tmp/o"
cache="$tmp/cache"
nrules=$(grep -c '^alert' "$tmp/base.rules" || true)
echo "rules: $nrules active rules from $rules_dir (one merged file)"

startup() { # LABEL
  /usr/bin/time -f "%U %S %e %M" -o "$tmp/time" "$vigil" run -r "$tmp/empty.pcap" -l "$tmp/o" \
    -c "$tmp/any.yaml" -k none -S "$tmp/base.rules" --set detect.sgh-mpm-caching-path="$cache" \
    >/dev/null 2>&1
  awk -v l="$1" '{printf "start-up, %-22s cpu %5.2f s  wall %5.2f s  peak RSS %4.0f MB\n", l, $1 + $2, $3, $4 / 1024}' "$tmp/time"
}
startup "empty cache:"
startup "warm cache:"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
reload() { # LABEL FILE
  cp "$2" "$tmp/live.rules.new" && mv "$tmp/live.rules.new" "$tmp/live.rules"
  steady=$(rss)
  echo 5 >"/proc/$pid/clear_refs"
  n0=$(grep -c "rule reload done\|rule reload failed" "$tmp/run.log" || true)
  kill -USR2 "$pid"
  while [ "$(grep -c "rule reload done\|rule reload failed" "$tmp/run.log" || true)" = "$n0" ]; do sleep 0.1; done
  peak=$(hwm)
  line=$(grep "rule reload done\|rule reload failed" "$tmp/run.log" | tail -1 | sed 's/^vigil: [a-z]*: //')
  awk -v l="$1" -v s="$steady" -v p="$peak" -v a="$(rss)" 'BEGIN {
    printf "reload, %-30s steady %4.0f MB  peak %4.0f MB (%.3fx)  after %4.0f MB\n", l, s/1024, p/1024, p/s, a/1024 }'
  echo "        $line"
}
cp "$tmp/base.rules" "$tmp/live.rules"
"$vigil" run -i lo -l "$tmp/o" -c "$tmp/any.yaml" -k none -S "$tmp/live.rules" -v \
  --set detect.sgh-mpm-caching-path="$cache" >"$tmp/run.log" 2>&1 &
pid=$!
while ! grep -q "detection engine" "$tmp/run.log"; do sleep 0.2; done
sleep 2
reload "a) unchanged rules:" "$tmp/base.rules"
reload "b) update (+50, 150 changed):" "$tmp/update.rules"
reload "back to the base rules:" "$tmp/base.rules"
reload "c) the update, cached:" "$tmp/update.rules"
kill "$pid"
wait "$pid" || true
pid=
