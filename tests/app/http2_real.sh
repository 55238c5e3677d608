#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration: HTTP/2 between real tools (Debian's nghttp2-server nghttpd and
# nghttp2-client nghttp, and curl --http2-prior-knowledge) in a network
# namespace this test creates, captured with tcpdump on its loopback, read by
# the real vigil binary. Checks the EVE of what the tools did (settings,
# requests and responses with their headers, a POST body, files, GOAWAY) and
# alerts of http2.*, http.request_header, http.user_agent and
# http.request_body rules (a multi-buffer named twice: two headers), and the EVE against Suricata's schema. Skips (exit 77) where the tools or namespaces are
# missing.
set -u
for t in nghttpd nghttp curl tcpdump unshare; do
    command -v "$t" >/dev/null || { echo "skip: $t missing"; exit 77; }
done
if ! unshare -n true 2>/dev/null; then
    echo "skip: no network namespaces here"; exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir "$out/www" "$out/log"
printf 'hello from nghttpd\n' >"$out/www/index.html"
head -c 40000 /dev/zero | tr '\0' 'z' >"$out/www/big.txt"
printf 'form=data&x=1' >"$out/post.txt"

cat >"$out/inner.sh" <<EOF
set -u
ip link set lo up
nghttpd --no-tls -d "$out/www" 8080 >/dev/null 2>&1 &
srv=\$!
tcpdump -Z root -i lo -U -s 0 -w "$out/h2.pcap" tcp port 8080 2>/dev/null &
dump=\$!
sleep 1
nghttp -n -H 'x-vigil: probe' http://127.0.0.1:8080/index.html http://127.0.0.1:8080/big.txt
curl -s -o /dev/null --http2-prior-knowledge -A vigil-curl http://127.0.0.1:8080/index.html
nghttp -n -d "$out/post.txt" http://127.0.0.1:8080/index.html
sleep 1
kill \$dump
wait \$dump 2>/dev/null
kill \$srv
EOF
timeout 60 unshare -n sh "$out/inner.sh" || { echo "the HTTP/2 session failed"; exit 1; }
[ -s "$out/h2.pcap" ] || { echo "no capture"; exit 1; }

cat >"$out/t.rules" <<'EOF'
alert http2 any any -> any any (msg:"probe header"; http.request_header; content:"x-vigil: probe"; sid:1;)
alert http any any -> any any (msg:"curl ua"; http.user_agent; content:"vigil-curl"; sid:2;)
alert http2 any any -> any any (msg:"max streams"; http2.settings:SETTINGS_MAX_CONCURRENT_STREAMS >= 100; sid:3;)
alert http2 any any -> any any (msg:"post body"; http.request_body; content:"form=data"; sid:4;)
alert http2 any any -> any any (msg:"goaway"; http2.frametype:GOAWAY; http2.errorcode:NO_ERROR; sid:5;)
alert http1 any any -> any any (msg:"never on http2"; http.uri; content:"/"; sid:6;)
alert http2 any any -> any any (msg:"big body"; flow:to_client; file.data; content:"zzzz"; sid:7;)
alert http2 any any -> any any (msg:"two headers"; http.request_header; content:"x-vigil: probe"; http.request_header; content:":method: GET"; sid:8;)
EOF
"$VIGIL_BIN" run -r "$out/h2.pcap" -S "$out/t.rules" -l "$out/log" -k none >/dev/null 2>&1 || {
    echo "vigil failed"; exit 1; }
eve="$out/log/eve.json"
fail=0
expect() { # description, fixed string
    if ! grep -qF -- "$2" "$eve"; then
        echo "missing in eve.json: $1: $2"; fail=1
    fi
}
count() { # description, fixed string, expected count
    n=$(grep -cF -- "$2" "$eve")
    [ "$n" -eq "$3" ] || { echo "$1: $n events with $2, want $3"; fail=1; }
}
expect "flow" '"app_proto":"http2"'
expect "server settings" '"response":{"settings":[{"settings_id":"SETTINGSMAXCONCURRENTSTREAMS","settings_value":100}'
expect "request" '"url":"/index.html","http_user_agent":"nghttp2/'
expect "curl" '"http_user_agent":"vigil-curl","http_method":"GET","status":200'
expect "headers" '{"name":"x-vigil","value":"probe"}'
expect "response" '{"name":":status","value":"200"}'
expect "version" '"version":"2"'
expect "goaway" '"request":{"error_code":"NOERROR"}'
expect "big file" '"filename":"/big.txt","gaps":false,"state":"CLOSED","stored":false,"size":40000'
expect "post file" '"filename":"/index.html","gaps":false,"state":"CLOSED","stored":false,"size":13'
for sid in 1 2 3 4 5 7 8; do
    grep -q "\"signature_id\":$sid," "$eve" || { echo "no alert of sid $sid"; fail=1; }
done
count "http1 rule on http2" '"signature_id":6,' 0
count "anomalies" '"event_type":"anomaly"' 0
# Suricata's own EVE schema (empty http2.request/response objects are not
# allowed there, for one)
check=${VIGIL_SHARED:-}/eve-schema/check-eve.py
if [ -f "$check" ] && python3 -c 'import jsonschema' 2>/dev/null; then
    python3 "$check" "$eve" >"$out/schema.txt" 2>&1 || { echo "EVE schema:"; cat "$out/schema.txt"; fail=1; }
fi
[ $fail -eq 0 ] || grep -v '"stats"' "$eve"
[ $fail -eq 0 ] && echo "http2 real sessions: all checks passed"
exit $fail
