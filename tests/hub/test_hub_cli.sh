#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Command-line contract of `vigil hub` and `vigil hub admin`: help, exit codes
# (0 ok, 1 runtime, 2 usage), one-line errors naming the bad input.
set -u
V=${VIGIL_BIN:?VIGIL_BIN not set}
dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-hub-cli-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
expect() { # expect RC DESCRIPTION -- command...
  want=$1; what=$2; shift 3
  out=$("$@" 2>"$dir/err"); rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: $what: exit $rc, expected $want ($(cat "$dir/err"))"; fail=1
  fi
}
expect_err() { # pattern that stderr must contain (one line)
  if ! grep -q -- "$1" "$dir/err" || [ "$(wc -l <"$dir/err")" -ne 1 ]; then
    echo "FAIL: stderr should be one line containing '$1': $(cat "$dir/err")"; fail=1
  fi
}
DB="sqlite:$dir/h.db"
expect 0 "hub --help" -- "$V" hub --help
expect 2 "unknown option" -- "$V" hub --frobnicate; expect_err "--frobnicate"
expect 2 "bad --listen" -- "$V" hub --listen nowhere; expect_err "nowhere"
expect 2 "bad --threads" -- "$V" hub --threads 0; expect_err "--threads"
expect 2 "bad --unmarked-tlp" -- "$V" hub --unmarked-tlp purple; expect_err "purple"
expect 2 "--cert without --key" -- "$V" hub --cert x.pem; expect_err "--key"
expect 2 "option without value" -- "$V" hub --db; expect_err "--db"
expect 1 "bad db scheme" -- "$V" hub --db mysql://x --plain-http; expect_err "mysql://x"
expect 1 "missing cert file" -- "$V" hub --db "$DB" --cert "$dir/none.pem" --key "$dir/none.key"
expect_err "none.pem"
expect 0 "admin --help" -- "$V" hub admin --help
expect 2 "admin without --db" -- "$V" hub admin org list; expect_err "--db"
expect 2 "admin unknown command" -- "$V" hub admin --db "$DB" org frob; expect_err "org frob"
expect 2 "org add without sector" -- "$V" hub admin --db "$DB" org add --name A
expect 2 "org add extra arg" -- "$V" hub admin --db "$DB" org add --name A --sector energy --x
expect_err "--x"
expect 0 "org add" -- "$V" hub admin --db "$DB" org add --name A --sector energy
id=$("$V" hub admin --db "$DB" org add --name B --sector transportation --coordinator | tail -1)
case "$id" in identity--*) ;; *) echo "FAIL: org add last line is not an identity id: $id"; fail=1;; esac
tok=$("$V" hub admin --db "$DB" token issue --org B --role admin | tail -1)
case "$tok" in vgl_*) ;; *) echo "FAIL: token issue last line is not a token: $tok"; fail=1;; esac
# The token is stored as its SHA-256 only.
python3 - "$dir/h.db" "$tok" <<'PY' || fail=1
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tok = sys.argv[2]
rows = [r[0] for r in db.execute("select hash from tokens")]
if any(tok in r for r in rows):
    sys.exit("FAIL: token stored in clear")
if hashlib.sha256(tok.encode()).hexdigest() not in rows:
    sys.exit("FAIL: token hash not stored")
PY
expect 2 "token issue bad role" -- "$V" hub admin --db "$DB" token issue --org B --role root
expect_err "root"
expect 0 "token revoke" -- "$V" hub admin --db "$DB" token revoke "$tok"
expect 1 "token revoke unknown" -- "$V" hub admin --db "$DB" token revoke vgl_unknown
"$V" hub admin --db "$DB" org list >"$dir/list" 2>&1
grep -q "^A .*energy" "$dir/list" && grep -q "coordinator" "$dir/list" || {
  echo "FAIL: org list: $(cat "$dir/list")"; fail=1; }
[ $fail -eq 0 ] && echo "hub_cli: ok"
exit $fail
