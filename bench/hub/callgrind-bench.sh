#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Instructions per object of the hub's ingest, split by stage:
#   bench/hub/callgrind-bench.sh BUILD_DIR [OBJECTS] [sqlite|postgresql] [BASE_VIGIL]
# Runs BUILD_DIR's vigil hub under valgrind's callgrind, posts one warm-up
# envelope (statements prepared, caches filled: not counted), zeroes the
# counters, posts OBJECTS (default 5000) realistic indicators (the objects of
# bench/hub/hub_bench, ~740 bytes each) in envelopes of 1000 from one client,
# dumps the counters and prints the hub's instructions per object: parse,
# validate, serialise, store (SQL, commit), free, and the rest (HTTP,
# authentication). BASE_VIGIL (another build's vigil binary, e.g. main's)
# is measured in the same run on the same objects, with each stage's ratio
# new / base. Instructions, unlike CPU seconds, do not depend on the load of
# a shared machine; kernel time (WAL writes, page faults) is not in them.
# With postgresql the server's instructions are not counted (its processes
# are not under callgrind): only the hub's.
# KEEP=DIR keeps the callgrind dumps there (callgrind_annotate FILE).
# A build made with -g (RelWithDebInfo, as `make build`'s release) names
# the functions.
set -eu
# shellcheck source=bench/hub/hub-lib.sh disable=SC2154
. "$(dirname "$0")/hub-lib.sh"
build=${1:?usage: callgrind-bench.sh BUILD_DIR [OBJECTS] [sqlite|postgresql] [BASE_VIGIL]}
objects=${2:-5000}
backend=${3:-sqlite}
base=${4:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
B="$build/bench/hub/hub_bench"
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
  { echo "callgrind-bench: valgrind (callgrind) is needed" >&2; exit 1; }
[ -x "$B" ] || { echo "callgrind-bench: $B not built" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-hub-cg-XXXXXX")
chmod 755 "$work" # the PostgreSQL fixture runs as the postgres user
pg=""
hub_pid=""
cleanup() {
  hub_stop
  [ -n "$pg" ] && "$src/tests/hub/pg-fixture.sh" stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Fixed object numbers: every build gets the same ids and bodies.
post() { # count run-base
  "$B" --url "http://127.0.0.1:$port" --token "$tok" --collection "$coll" --objects "$1" \
       --batch 1000 --clients 1 --requests 0 --realistic 1 --identity "$ident" \
       --run-base "$2" >"$work/post.out"
  grep -q "^ingest: $1 objects acknowledged" "$work/post.out" ||
    { cat "$work/post.out" "$work"/*.err >&2; exit 1; }
}

measure() { # name vigil
  name=$1; vigil=$2
  if [ "$backend" = postgresql ]; then
    [ -n "$pg" ] && "$src/tests/hub/pg-fixture.sh" stop "$work/pg"
    pg=1
    db=$("$src/tests/hub/pg-fixture.sh" start "$work/pg")
  else
    db="sqlite:$work/$name.db"
  fi
  hub_start "$name" "$db" "$vigil" "$work" 300 \
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$name.%p" --dump-instr=no
  post 1000 1099511627776
  callgrind_control -z "$hub_pid" >/dev/null 2>&1
  post "$objects" 2199023255552
  callgrind_control -d "$hub_pid" >/dev/null 2>&1
  hub_stop
  dump=$(ls "$work"/cg."$name".*.1)
  python3 "$src/bench/hub/callgrind-stages.py" "$dump" "$objects" --json --top 15 \
    >"$work/$name.json"
  [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$dump" "$KEEP/callgrind.$name.out" || true
}

echo "== $backend, $objects realistic objects in envelopes of 1000, one client (load average" \
     "$(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs; instructions do not depend on it)"
measure new "$build/vigil"
[ -n "$base" ] && measure base "$base"
python3 - "$work/new.json" ${base:+"$work/base.json"} <<'PY'
import json, sys
new = json.load(open(sys.argv[1]))
base = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
rows = ["parse", "validate", "serialise", "store", "free", "other", "per_object"]
names = {"per_object": "hub, all", "other": "other (HTTP, auth)"}
if base:
    print(f"{'instructions per object':24} {'base':>10} {'this build':>11} {'ratio':>6}")
    for r in rows:
        b, n = base[r], new[r]
        ratio = f"{n / b:6.2f}" if b > 0 else "     -"
        print(f"{names.get(r, r):24} {b:10,.0f} {n:11,.0f} {ratio}")
else:
    print(f"{'instructions per object':24} {'this build':>11} {'share':>6}")
    for r in rows:
        print(f"{names.get(r, r):24} {new[r]:11,.0f} {100 * new[r] / new['per_object']:5.1f}%")
print("largest self costs per object (this build):")
for fn, c in new["top_self"]:
    print(f"  {c / new['objects']:9,.0f}  {fn}")
PY
