#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-fuzzers.sh BUILD_DIR SECONDS [JOBS]: runs every fuzz_* harness for
# SECONDS on its seed corpus (fuzz/corpus/<name>, plus seeds gathered by
# fuzz/seeds-<name>.sh if present), JOBS harnesses at a time (default 1;
# each is one process on one core, so CI runs one per core). A crash fails
# the run; each harness's summary is printed whole when it ends.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = "--one" ]; then
  # one harness: $2 binary, $3 seconds, $4 file to touch on failure
  bin=$2
  seconds=$3
  name=$(basename "$bin" | sed 's/^fuzz_//')
  work=$(mktemp -d)
  mkdir -p "$work/corpus"
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/corpus/" 2>/dev/null || true
  [ -x "$here/seeds-$name.sh" ] && "$here/seeds-$name.sh" "$work/corpus"
  seeds=$(ls "$work/corpus" | wc -l)
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
    { printf 'fuzz %s: %s seeds, %ss: FAILED:\n' "$name" "$seeds" "$seconds"; tail -40 "$work/log"; } >"$work/report"
    cat "$work/report"
    touch "$4"
    # keep the crashing input for a look
    echo "fuzz $name: inputs kept in $work"
    exit 0
  fi
  printf 'fuzz %s: %s seeds, %ss: %s\n' "$name" "$seeds" "$seconds" \
    "$(grep -E '^Done|#[0-9]+.*DONE' "$work/log" | tail -1 || true)"
  rm -rf "$work"
  exit 0
fi

build=$1
seconds=$2
jobs=${3:-1}
failed=$(mktemp -u)
ls "$build"/fuzz/fuzz_* 2>/dev/null | while read -r bin; do
  [ -x "$bin" ] && printf '%s\n' "$bin"
done | xargs -P "$jobs" -I{} sh "$0" --one {} "$seconds" "$failed"
if [ -e "$failed" ]; then
  rm -f "$failed"
  exit 1
fi
