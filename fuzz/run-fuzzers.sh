#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-fuzzers.sh BUILD_DIR SECONDS: runs every fuzz_* harness for SECONDS on
# its seed corpus (fuzz/corpus/<name>, plus seeds gathered by
# fuzz/seeds-<name>.sh if present). A crash fails the run.
set -eu
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" | sed 's/^fuzz_//')
  work=$(mktemp -d)
  mkdir -p "$work/corpus"
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/corpus/" 2>/dev/null || true
  [ -x "$here/seeds-$name.sh" ] && "$here/seeds-$name.sh" "$work/corpus"
  printf 'fuzz %s: %s seeds, %ss\n' "$name" "$(ls "$work/corpus" | wc -l)" "$seconds"
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
    echo "fuzz $name FAILED:"; tail -40 "$work/log"; status=1
  else
    grep -E '^Done|#[0-9]+.*DONE' "$work/log" | tail -1 || true
  fi
  rm -rf "$work"
done
exit $status
