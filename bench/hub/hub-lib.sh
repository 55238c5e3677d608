# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh disable=SC2034,SC2154 # sets variables for the scripts that source it, reads their $src
# Shared by the hub benchmarks (sourced, POSIX sh): start a hub on a fresh
# database with one organisation and an analyst token.
#   hub_start NAME DB VIGIL WORKDIR WAIT_S [WRAPPER...]
# sets hub_pid, port, tok, ident (the organisation's identity id) and coll
# (its sector collection). WRAPPER (e.g. valgrind --tool=callgrind) runs the
# hub under a tool; it keeps the hub's pid, so CPU time and tool control
# commands reach the hub.
hub_start() {
  _name=$1; _db=$2; _vigil=$3; _work=$4; _wait=$5
  shift 5
  ident=$("$_vigil" hub admin --db "$_db" org add --name Bench --sector energy | tail -1)
  tok=$("$_vigil" hub admin --db "$_db" token issue --org Bench --role analyst | tail -1)
  "$@" "$_vigil" hub --db "$_db" --listen 127.0.0.1:0 --plain-http --threads 4 \
    >"$_work/$_name.out" 2>"$_work/$_name.err" &
  hub_pid=$!
  _i=0
  # Polled every 0.1 s; a hub under valgrind takes several seconds.
  until grep -q "listening on" "$_work/$_name.out" 2>/dev/null; do
    _i=$((_i + 1))
    [ $_i -lt $((_wait * 10)) ] || { cat "$_work/$_name.err" >&2; return 1; }
    sleep 0.1
  done
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$_work/$_name.out")
  coll=$(curl -s -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/vigil/collections/" |
         python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin)["collections"] if c["title"]=="energy"][0])')
}

# Stops the hub started by hub_start (and waits for it: a tool writes its
# results at exit).
hub_stop() {
  [ -n "${hub_pid:-}" ] || return 0
  kill "$hub_pid" 2>/dev/null || true
  wait "$hub_pid" 2>/dev/null || true
  hub_pid=""
}

# A work directory in $TMPDIR (sets work, pg, hub_pid), removed at exit
# together with the hub and the PostgreSQL fixture of $work/pg once pg is
# set; $src is the source tree.
hub_workdir() { # PREFIX
  work=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX")
  chmod 755 "$work" # the PostgreSQL fixture runs as the postgres user
  pg=""
  hub_pid=""
  trap hub_cleanup EXIT INT TERM
}

hub_cleanup() {
  hub_stop
  [ -n "$pg" ] && "$src/tests/hub/pg-fixture.sh" stop "$work/pg" || true
  rm -rf "$work"
}
