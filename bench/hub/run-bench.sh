#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Hub benchmark on loopback, both backends:
#   bench/hub/run-bench.sh BUILD_DIR [OBJECTS] [sqlite|postgresql|both] [realistic|simple]
# Ingest rate of envelopes of 1000 indicators (realistic: about 740 bytes
# each with random-looking ids and the poster's created_by_ref, as CTI
# producers post them; simple: the 350-byte ones of the first benchmark),
# then with OBJECTS (default 1000000) stored the p50/p99 of every TAXII
# query kind: pages by added_after, by id, match[id], versions, match[type],
# a filter matching nothing, manifest; against a baseline GET of the API root
# measured in the same run. Plain HTTP, to measure the hub rather than TLS.
# PERF_DIR=DIR: the ingest phase runs under `perf record` (the hub with
# DWARF call graphs; with PostgreSQL also its server processes, flat), the
# profiles are left in DIR for `perf report -i`, with PostgreSQL's log (set
# PGOPTIONS, e.g. "-c log_min_duration_statement=20", for slow statements).
# LOG_DIR=DIR keeps the log without profiling. QUERIES=0: ingest only.
# CLIENTS=N: posting clients (default 2).
set -eu
# shellcheck source=bench/hub/hub-lib.sh disable=SC2154
. "$(dirname "$0")/hub-lib.sh"
build=${1:?usage: run-bench.sh BUILD_DIR [OBJECTS] [sqlite|postgresql|both]}
objects=${2:-1000000}
which=${3:-both}
kind=${4:-realistic}
realistic=1
[ "$kind" = simple ] && realistic=0
src=$(cd "$(dirname "$0")/../.." && pwd)
V="$build/vigil"
B="$build/bench/hub/hub_bench"
hub_workdir vigil-hub-bench

run_one() { # backend db
  name=$1; db=$2
  hub_start "$name" "$db" "$V" "$work" 10
  echo "== $name: $objects objects (load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
  dbpid=""
  [ -n "$pg" ] && dbpid="--db-pid $(head -1 "$work/pg/pgdata/postmaster.pid")"
  perf_pids=""
  if [ -n "${PERF_DIR:-}" ]; then
    mkdir -p "$PERF_DIR"
    perf record -q -F 499 --call-graph dwarf,16384 -p "$hub_pid" -o "$PERF_DIR/hub-$name.data" \
      >/dev/null 2>&1 & perf_pids=$!
    if [ -n "$pg" ]; then
      pm=$(head -1 "$work/pg/pgdata/postmaster.pid")
      pgp=$( (echo "$pm"; pgrep -P "$pm") | paste -sd, -)
      perf record -q -F 499 -p "$pgp" -o "$PERF_DIR/postgres-$name.data" >/dev/null 2>&1 &
      perf_pids="$perf_pids $!"
    fi
  fi
  # shellcheck disable=SC2086
  "$B" --url "http://127.0.0.1:$port" --token "$tok" --collection "$coll" --objects "$objects" \
       --batch 1000 --clients "${CLIENTS:-2}" --requests 0 --pid "$hub_pid" $dbpid \
       --realistic "$realistic" --identity "$ident" | tee "$work/$name.ingest"
  for p in $perf_pids; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
  [ -n "${LOG_DIR:-${PERF_DIR:-}}" ] && [ -n "$pg" ] && mkdir -p "${LOG_DIR:-$PERF_DIR}" &&
    cp "$work/pg/sock/postgres.log" "${LOG_DIR:-$PERF_DIR}/" || true
  base=$(sed -n 's/^ingest: run base \([0-9]*\).*/\1/p' "$work/$name.ingest")
  range=$(sed -n 's/^added range: //p' "$work/$name.ingest")
  if [ "${QUERIES:-1}" = 0 ]; then
    hub_stop; return 0
  fi
  echo "== $name: queries with $objects stored (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  # shellcheck disable=SC2086
  "$B" --url "http://127.0.0.1:$port" --token "$tok" --collection "$coll" --objects 0 \
       --run-base "$base" --stored "$objects" --range $range \
       --clients 2 --requests 2000 --page 100 --realistic "$realistic"
  [ -n "${LOG_DIR:-${PERF_DIR:-}}" ] && [ -n "$pg" ] && mkdir -p "${LOG_DIR:-$PERF_DIR}" &&
    cp "$work/pg/sock/postgres.log" "${LOG_DIR:-$PERF_DIR}/" || true
  hub_stop
}

case "$which" in sqlite|both) run_one sqlite "sqlite:$work/bench.db" ;; esac
case "$which" in postgresql|both)
  pg=1
  uri=$("$src/tests/hub/pg-fixture.sh" start "$work/pg")
  run_one postgresql "$uri" ;;
esac
