#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctest entry for the hub end-to-end suites: run-e2e.sh sqlite|postgresql
# [SCRIPT] (SCRIPT: hub_e2e.py by default, or hub_dashboard_browser.py).
# For postgresql it starts a throwaway cluster itself (pg-fixture.sh); if
# PostgreSQL cannot start, the test fails (it is never skipped).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
backend=${1:?usage: run-e2e.sh sqlite|postgresql [SCRIPT]}
script=${2:-hub_e2e.py}
case "$backend" in
sqlite)
  exec python3 "$here/$script" sqlite
  ;;
postgresql)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-hub-pg-XXXXXX")
  trap '"$here/pg-fixture.sh" stop "$dir"' EXIT INT TERM
  uri=$("$here/pg-fixture.sh" start "$dir") || { echo "run-e2e: PostgreSQL did not start" >&2; exit 1; }
  python3 "$here/$script" postgresql "$uri"
  ;;
*)
  echo "usage: run-e2e.sh sqlite|postgresql" >&2
  exit 2
  ;;
esac
