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
# KIND=eve: EVE alert lines (about 1 KB each, as Suricata writes them, 20
# rules) posted to /api/v1/eve in bodies of 1000 lines instead; "object"
# is then a line (parse: the line's JSON; store: its sighting).
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
hub_workdir vigil-hub-cg

# Fixed object numbers: every build gets the same ids and bodies.
post() { # count run-base
  "$B" --url "http://127.0.0.1:$port" --token "$tok" --collection "$coll" --objects "$1" \
       --batch 1000 --clients 1 --requests 0 --realistic 1 --identity "$ident" \
       --run-base "$2" >"$work/post.out"
  grep -q "^ingest: $1 objects acknowledged" "$work/post.out" ||
    { cat "$work/post.out" "$work"/*.err >&2; exit 1; }
}

# EVE alert lines numbered from $2, posted in bodies of 1000.
post_eve() { # count first
  python3 - "$1" "$2" "$work/eve" <<'PY'
import json, sys
n, first, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for b in range(0, n, 1000):
    with open(f"{out}.{b // 1000}", "w") as f:
        for i in range(first + b, first + min(n, b + 1000)):
            sid = 2024000 + i % 20
            f.write(json.dumps({
                "timestamp": "2026-12-08T00:%02d:%02d.%06d+0000" % (i // 60 % 60, i % 60, i % 999999),
                "flow_id": 1000000000000 + i, "in_iface": "eth0", "event_type": "alert",
                "src_ip": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), "src_port": 40000 + i % 20000,
                "dest_ip": "203.0.113.%d" % (i % 250 + 1), "dest_port": 80, "proto": "TCP",
                "pkt_src": "wire/pcap", "community_id": "1:%028d=" % i,
                "tx_id": 0, "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 3,
                    "signature": "ET MALWARE Possible C2 beacon %d" % sid,
                    "category": "A Network Trojan was detected", "severity": 1,
                    "metadata": {"attack_target": ["Client_Endpoint"], "created_at": ["2026_01_01"],
                                 "deployment": ["Perimeter"], "signature_severity": ["Major"]}},
                "http": {"hostname": "c2-%d.example.net" % (i % 50), "url": "/gate.php?id=%d" % i,
                         "http_user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                         "http_method": "POST", "protocol": "HTTP/1.1", "status": 200, "length": 512},
                "app_proto": "http", "direction": "to_server",
                "flow": {"pkts_toserver": 5, "pkts_toclient": 4, "bytes_toserver": 900,
                         "bytes_toclient": 1200, "start": "2026-12-08T00:00:00.000000+0000",
                         "src_ip": "10.0.0.1", "dest_ip": "203.0.113.1", "src_port": 40000,
                         "dest_port": 80}}, separators=(",", ":")) + "\n")
PY
  for f in "$work"/eve.*; do
    curl -sf -o /dev/null -H "Authorization: Bearer $tok" -H "Content-Type: application/x-ndjson" \
      --data-binary @"$f" "http://127.0.0.1:$port/api/v1/eve" ||
      { echo "callgrind-bench: EVE post failed" >&2; cat "$work"/*.err >&2; exit 1; }
    rm -f "$f"
  done
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
  poster=post
  [ "${KIND:-}" = eve ] && poster=post_eve
  $poster 1000 1099511627776
  callgrind_control -z "$hub_pid" >/dev/null 2>&1
  $poster "$objects" 2199023255552
  callgrind_control -d "$hub_pid" >/dev/null 2>&1
  hub_stop
  dump=$(ls "$work"/cg."$name".*.1)
  python3 "$src/bench/hub/callgrind-stages.py" "$dump" "$objects" --json --top 15 \
    >"$work/$name.json"
  [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$dump" "$KEEP/callgrind.$name.out" || true
}

what="realistic objects in envelopes"
[ "${KIND:-}" = eve ] && what="EVE alert lines in bodies"
echo "== $backend, $objects $what of 1000, one client (load average" \
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
