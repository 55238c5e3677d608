#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ratchet.sh VIGIL_BIN [--update]   (VIGIL_RATCHET_LOG=FILE keeps the runner's output)
# Runs the shared suricata-verify slice (../shared/conformance) against vigil.
# Every test listed in passing.txt must pass: the list only grows. Tests that
# newly pass are reported so they can be added (--update rewrites the list
# with everything that passes now, keeping the old entries).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
update=${2:-}
shared=${VIGIL_SHARED:-$here/../../../shared}
runner=$shared/conformance/run.py
list=$here/passing.txt
log=$(mktemp)
# Build features vigil has, claimed so the tests that need them run instead of
# being skipped (the tests' `requires: features:`): JA3/JA4 fingerprints are
# always built in; MAGIC when the binary is linked with libmagic; QA_SIMULATION:
# vigil has Suricata's --simulate-applayer-error-at-offset-ts/-tc and
# --simulate-packet-{flow,tcp-ssn,tcp-reassembly,defrag}-memcap).
features=${VIGIL_FEATURES:-HAVE_JA3,HAVE_JA4,QA_SIMULATION}
if [ -z "${VIGIL_FEATURES:-}" ] && ldd "$bin" 2>/dev/null | grep -q 'libmagic\.so'; then
  features="$features,MAGIC"
fi
# HAVE_LUA: `lua:` rule scripts, when the binary was built with Lua 5.4.
if [ -z "${VIGIL_FEATURES:-}" ] && "$bin" --build-info 2>/dev/null | grep -q '^Features:.* HAVE_LUA'; then
  features="$features,HAVE_LUA"
fi
# Compiled-database caches go to a scratch directory: Suricata's default
# yaml caches to "./", which would be each test's folder under ../shared.
cache=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$cache"' EXIT

# --ips: vigil runs inline on capture files (--simulate-ips), so the
# runner's IPS-mode tests run too (it adds --simulate-ips to their {args}).
python3 "$runner" --verbose --jobs 2 --timeout 60 --features "$features" --ips \
  --cmd "$bin run -r {pcap} -S {rules} -c {yaml} -l {outdir} --set classification-file={classification} --set reference-config-file={reference} --set detect.sgh-mpm-caching-path=$cache {args}" >"$log" 2>&1 || true

# The runner's whole output, per test, kept where asked (to study failures).
[ -n "${VIGIL_RATCHET_LOG:-}" ] && cp "$log" "$VIGIL_RATCHET_LOG"

passed=$(grep '^PASS ' "$log" | sed 's/^PASS \([^:]*\):.*/\1/' | sort -u)
total=$(grep -cE '^(PASS|FAIL|SKIP) ' "$log" || true)
npass=$(printf '%s\n' "$passed" | grep -c . || true)
nskip=$(grep -c '^SKIP ' "$log" || true)

missing=""
if [ -f "$list" ]; then
  for t in $(grep -v '^#' "$list" | grep .); do
    printf '%s\n' "$passed" | grep -qx "$t" || missing="$missing $t"
  done
fi
new=$(printf '%s\n' "$passed" | while read -r t; do
  [ -n "$t" ] && ! grep -qx "$t" "$list" 2>/dev/null && echo "$t"; done || true)

nfail=$(grep -c '^FAIL ' "$log" || true)
echo "conformance: $npass of $total suricata-verify tests pass, $nfail fail ($nskip skipped by the runner)"
# Why tests are skipped (reasons with their numbers and versions folded) and
# the figures per category (the name up to its first '-' or '/'), for notes.
echo "conformance: skipped, by reason:"
sed -n 's/^SKIP [^:]*: //p' "$log" | sed 's/[0-9][0-9.]*/N/g' | cut -c1-90 | sort | uniq -c |
  sort -rn | head -15 | sed 's/^/  /'
echo "conformance: per category with 8 or more tests (pass/fail/skip):"
grep -E '^(PASS|FAIL|SKIP) ' "$log" | sed 's/^\([A-Z]*\) \([^:/-]*\).*/\2 \1/' | sort |
  awk '{n[$1]++; c[$1 " " $2]++} END {for (k in n) if (n[k] >= 8)
       printf "  %-24s %4d/%4d/%4d\n", k, c[k " PASS"], c[k " FAIL"], c[k " SKIP"]}' | sort
if [ -n "$new" ]; then
  echo "conformance: newly passing (add to tests/conformance/passing.txt):"
  printf '  %s\n' $new
fi
if [ "$update" = "--update" ]; then
  { echo "# suricata-verify tests vigil must keep passing (the ratchet; only grows)"
    { grep -v '^#' "$list" 2>/dev/null || true; printf '%s\n' "$passed"; } | grep . | sort -u
  } >"$list.tmp"
  mv "$list.tmp" "$list"
  echo "conformance: $list updated"
fi
if [ -n "$missing" ]; then
  echo "conformance: REGRESSION: these listed tests no longer pass:"
  for t in $missing; do grep "^FAIL $t:" "$log" || echo "  $t"; done
  exit 1
fi
