#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL cluster for the hub tests.
#   pg-fixture.sh start DIR   creates DIR/pgdata, starts postgres on 127.0.0.1 on a free
#                             port, creates database "vigil", prints the connection URI
#   pg-fixture.sh stop DIR    stops the cluster and removes DIR
# initdb refuses to run as root, so as root the cluster runs as the `postgres`
# system user (runuser); the data directory is owned by that user.
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  [ -x "$PGBIN/initdb" ] || { echo "pg-fixture: $PGBIN/initdb not found" >&2; exit 1; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  data="$dir/pgdata"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$dir"; then
    echo "pg-fixture: $dir is not reachable by the postgres user (a parent directory is private)" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$data" "$dir/sock"
    chown postgres: "$data" "$dir/sock"
  fi
  as_pg "$PGBIN/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
    echo "pg-fixture: initdb failed, see $dir/initdb.log" >&2; cat "$dir/initdb.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$PGBIN/pg_ctl" -D "$data" -l "$dir/sock/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=100 -c fsync=on" \
    start >/dev/null || { echo "pg-fixture: postgres did not start, see $dir/sock/postgres.log" >&2;
                          cat "$dir/sock/postgres.log" >&2; exit 1; }
  as_pg "$PGBIN/../bin/createdb" -h 127.0.0.1 -p "$port" -U postgres vigil 2>/dev/null ||
    as_pg /usr/bin/createdb -h 127.0.0.1 -p "$port" -U postgres vigil
  echo "$port" >"$dir/port"
  echo "postgresql://postgres@127.0.0.1:$port/vigil"
  ;;
stop)
  if [ -d "$dir/pgdata" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
