#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration: a real PostgreSQL server and psql (Debian's postgresql and
# postgresql-client) in a network namespace this test creates, captured with
# tcpdump on its loopback, read by the real vigil binary. Checks the pgsql
# EVE of what psql did (SCRAM authentication, queries, an error, COPY in and
# out, Terminate) and an alert of a pgsql.query rule. Skips (exit 77) where
# the tools or namespaces are missing.
set -u
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
if [ -z "$pgbin" ] || ! command -v psql >/dev/null || ! command -v tcpdump >/dev/null ||
   ! command -v unshare >/dev/null || ! id postgres >/dev/null 2>&1; then
    echo "skip: postgresql, psql, tcpdump, unshare or the postgres user missing"; exit 77
fi
if ! unshare -n true 2>/dev/null; then
    echo "skip: no network namespaces here"; exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
chmod 755 "$out"
mkdir "$out/data" "$out/run"
echo s3cret-pw >"$out/pw"
chown postgres "$out/data" "$out/run" "$out/pw"

cat >"$out/inner.sh" <<EOF
set -u
ip link set lo up
runuser -u postgres -- "$pgbin/initdb" -D "$out/data" -N -A scram-sha-256 --pwfile="$out/pw" \
    -U vigil_admin >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$out/data" -l "$out/run/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=5432 -c unix_socket_directories=$out/run -c ssl=off" \
    start >/dev/null || exit 3
tcpdump -Z root -i lo -U -s 0 -w "$out/pg.pcap" tcp port 5432 2>/dev/null &
dump=\$!
sleep 1
export PGPASSWORD=s3cret-pw
psql -h 127.0.0.1 -p 5432 -U vigil_admin -d postgres -v ON_ERROR_STOP=0 -q >"$out/psql.out" 2>&1 <<SQL
CREATE TABLE parts (name text, note text);
INSERT INTO parts VALUES ('bolt', 'm6'), ('nut', NULL);
SELECT name, note FROM parts ORDER BY name;
SELECT * FROM no_such_table;
COPY parts FROM STDIN;
gear	x1
cog	x2
\.
COPY (SELECT name FROM parts ORDER BY name) TO STDOUT;
SQL
sleep 1
kill \$dump
wait \$dump 2>/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$out/data" -m fast stop >/dev/null
EOF
timeout 60 unshare -n sh "$out/inner.sh" || { echo "the PostgreSQL session failed"; cat "$out/run/pg.log" 2>/dev/null; exit 1; }
[ -s "$out/pg.pcap" ] || { echo "no capture"; exit 1; }

printf 'alert pgsql any any -> any any (msg:"parts query"; pgsql.query; content:"from parts"; nocase; sid:1;)\n' >"$out/t.rules"
mkdir "$out/log"
"$VIGIL_BIN" run -r "$out/pg.pcap" -S "$out/t.rules" -l "$out/log" -k none >/dev/null 2>&1 || {
    echo "vigil failed"; exit 1; }
eve="$out/log/eve.json"
fail=0
expect() { # description, fixed string
    if ! grep -qF -- "$2" "$eve"; then
        echo "missing in eve.json: $1: $2"; fail=1
    fi
}
expect "startup" '"startup_parameters":{"user":"vigil_admin","optional_parameters":[{"database":"postgres"}'
expect "scram" '"sasl_authentication_mechanism":"scram_SHA256"'
expect "authentication ok" '"message":"authentication_ok"'
expect "rows" '"simple_query":"SELECT name, note FROM parts ORDER BY name;"},"response":{"field_count":2,"data_rows":2,"data_size":9,"command_completed":"SELECT 2"}'
expect "error" '"code":"42P01"'
expect "copy in" '"copy_data_in":{"msg_count":'
expect "copy in done" '"command_completed":"COPY 2"'
expect "copy out" '"copy_data_out":{"row_count":4,"data_size":'
expect "terminate" '"message":"termination_message"'
expect "alert" '"signature":"parts query"'
n=$(grep -c '"event_type":"alert"' "$eve")
[ "$n" -ge 2 ] || { echo "expected the rule to alert on each query of parts, got $n"; fail=1; }
[ $fail -eq 0 ] || cat "$eve"
[ $fail -eq 0 ] && echo "pgsql real session: all checks passed"
exit $fail
