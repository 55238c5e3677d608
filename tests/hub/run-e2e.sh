#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctest entry for the hub end-to-end suite: run-e2e.sh sqlite|postgresql.
# For postgresql it starts a throwaway cluster itself (pg-fixture.sh); if
# PostgreSQL cannot start, the test fails (it is never skipped).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
backend=${1:?usage: run-e2e.sh sqlite|postgresql}
case "$backend" in
sqlite)
  exec python3 "$here/hub_e2e.py" sqlite
  ;;
postgresql)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-hub-pg-XXXXXX")
  trap '"$here/pg-fixture.sh" stop "$dir"' EXIT INT TERM
  uri=$("$here/pg-fixture.sh" start "$dir") || { echo "run-e2e: PostgreSQL did not start" >&2; exit 1; }
  python3 "$here/hub_e2e.py" postgresql "$uri"
  ;;
*)
  echo "usage: run-e2e.sh sqlite|postgresql" >&2
  exit 2
  ;;
esac
