#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# intel-overhead.sh CAPTURE RULES [N] [REPEAT]: the cost of shared indicators on a
# rule run. Runs vigil on CAPTURE with RULES (e.g. ET Open) without
# indicators, with N domains + N addresses + N SHA-256 file hashes (default
# 1,000,000 each), and with the 100 protected domains of protected-100.txt;
# each also on an empty capture, so the start-up (rule build, indicator
# load) is measured apart from the processing. CPU seconds (user + sys),
# best of two; prints the processing ratios against the run without. The
# capture is read REPEAT times in one run (default 24) so that processing,
# not start-up, dominates.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${VIGIL_BUILD:-$here/build}
cap=$1
rules=$2
n=${3:-1000000}
repeat=${4:-24}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bench/intel/bench_intel" "$n" write "$tmp"
if [ -d "$rules" ]; then
  cat "$rules"/*.rules >"$tmp/all.rules"
  rules=$tmp/all.rules
fi
printf '%%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: "any"\n    EXTERNAL_NET: "any"\n' >"$tmp/any.yaml"
python3 -c "
import struct,sys
open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" "$tmp/empty.pcap"
intel="--intel $tmp/domains.txt --intel $tmp/addresses.txt --intel $tmp/sha256.txt"
protect="--protect $here/bench/intel/protected-100.txt"

cpu() { # cpu PCAP EXTRA...: best CPU seconds of two runs
  p=$1; shift
  inputs=""
  if [ "$p" = "$tmp/empty.pcap" ]; then
    inputs="-r $p"
  else
    i=0
    while [ $i -lt "$repeat" ]; do inputs="$inputs -r $p"; i=$((i + 1)); done
  fi
  best=""
  for i in 1 2; do
    mkdir -p "$tmp/out"
    # shellcheck disable=SC2086
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$build/vigil" run -c "$tmp/any.yaml" $inputs \
      -S "$rules" -l "$tmp/out" "$@" >/dev/null 2>&1
    t=$(awk '{printf "%.3f", $1 + $2}' "$tmp/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}
for cfg in none intel protect; do
  case $cfg in none) extra="";; intel) extra=$intel;; protect) extra=$protect;; esac
  e=$(cpu "$tmp/empty.pcap" $extra)
  f=$(cpu "$cap" $extra)
  eval "start_$cfg=$e; full_$cfg=$f"
  printf '%-8s start-up %6.2f s CPU, whole run %6.2f s CPU, processing %6.2f s\n' "$cfg" "$e" "$f" \
    "$(awk "BEGIN{print $f - $e}")"
done
awk "BEGIN{pn=$full_none-$start_none; pi=$full_intel-$start_intel; pp=$full_protect-$start_protect;
  printf \"processing with %d x 3 indicators: %.3f of the run without (%+.1f %%)\\n\", $n, pi/pn, (pi/pn-1)*100;
  printf \"processing with 100 protected domains: %.3f of the run without (%+.1f %%)\\n\", pp/pn, (pp/pn-1)*100;
  printf \"start-up: indicators add %.2f s CPU\\n\", $start_intel-$start_none}"
