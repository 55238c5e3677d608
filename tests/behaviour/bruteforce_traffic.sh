#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run inside `unshare -n` by bruteforce.py: real password guessing against a
# real sshd and a real HTTP server answering 401, captured on lo.
#   $1: capture file   $2: work directory   $3: ssh guesses of 127.0.0.5
set -e
PCAP=$1 D=$2 N=$3
ip link set lo up
ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
mkdir -p /run/sshd
cat > "$D/sshd_config" <<CFG
ListenAddress 127.0.0.1:2222
HostKey $D/hostkey
PidFile $D/sshd.pid
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
UsePAM no
MaxStartups 100
MaxAuthTries 2
CFG
/usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log"
cat > "$D/http401.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        code = 200 if self.path.startswith("/ok") else 401
        body = b"ok\n" if code == 200 else b"denied\n"
        self.send_response(code)
        if code == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="vigil"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", 8080), H).serve_forever()
PY
python3 "$D/http401.py" &
HTTP=$!
# HTTP/2 in clear (h2c, prior knowledge): a real nginx asking for Basic
# authentication; one password is right.
mkdir -p "$D/www" "$D/nginx-tmp"
echo ok > "$D/www/index.html"
echo 'admin:{PLAIN}right' > "$D/htpasswd"
cat > "$D/nginx.conf" <<CFG
daemon off;
master_process off;
pid $D/nginx.pid;
error_log $D/nginx.err;
events {}
http {
    access_log off;
    client_body_temp_path $D/nginx-tmp/body;
    proxy_temp_path $D/nginx-tmp/proxy;
    fastcgi_temp_path $D/nginx-tmp/fastcgi;
    uwsgi_temp_path $D/nginx-tmp/uwsgi;
    scgi_temp_path $D/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:8081 http2;
        root $D/www;
        location / {
            auth_basic "vigil";
            auth_basic_user_file $D/htpasswd;
        }
    }
}
CFG
/usr/sbin/nginx -c "$D/nginx.conf" -e "$D/nginx.err" 2>>"$D/nginx.err" &
NGINX=$!
# FTP: every password is wrong except "right" (530 Login incorrect).
cat > "$D/ftp530.py" <<'PY'
import socketserver
class H(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 vigil test FTP\r\n")
        for line in self.rfile:
            cmd = line.strip().split(b" ", 1)
            verb = cmd[0].upper()
            if verb == b"USER":
                self.wfile.write(b"331 Please specify the password.\r\n")
            elif verb == b"PASS":
                if len(cmd) > 1 and cmd[1] == b"right":
                    self.wfile.write(b"230 Login successful.\r\n")
                else:
                    self.wfile.write(b"530 Login incorrect.\r\n")
                    return
            elif verb == b"QUIT":
                self.wfile.write(b"221 Goodbye.\r\n")
                return
            elif verb == b"PWD":
                self.wfile.write(b'257 "/" is the current directory\r\n')
            else:
                self.wfile.write(b"502 Command not implemented.\r\n")
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
S(("127.0.0.1", 21), H).serve_forever()
PY
python3 "$D/ftp530.py" &
FTP=$!
# SMTP submission with AUTH PLAIN/LOGIN (RFC 4954): the password "right"
# is accepted (235), any other answered 535, and the session goes on.
cat > "$D/smtp535.py" <<'PY'
import base64, socketserver
class H(socketserver.StreamRequestHandler):
    def reply(self, s):
        self.wfile.write(s.encode() + b"\r\n")
    def handle(self):
        self.reply("220 vigil test ESMTP")
        data = False
        for line in self.rfile:
            line = line.rstrip(b"\r\n")
            if data:
                if line == b".":
                    data = False
                    self.reply("250 2.0.0 queued")
                continue
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                self.reply("250-vigil.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME")
            elif verb == b"AUTH":
                parts = line.split(b" ")
                mech = parts[1].upper() if len(parts) > 1 else b""
                if mech == b"PLAIN":
                    if len(parts) > 2:
                        resp = parts[2]
                    else:
                        self.reply("334 ")
                        resp = self.rfile.readline().strip()
                    try:
                        pw = base64.b64decode(resp).split(b"\0")[-1]
                    except Exception:
                        pw = b""
                elif mech == b"LOGIN":
                    self.reply("334 VXNlcm5hbWU6")
                    self.rfile.readline()
                    self.reply("334 UGFzc3dvcmQ6")
                    try:
                        pw = base64.b64decode(self.rfile.readline().strip())
                    except Exception:
                        pw = b""
                else:
                    self.reply("504 5.5.4 Unrecognized authentication type")
                    continue
                if pw == b"right":
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb in (b"MAIL", b"RCPT"):
                self.reply("250 2.1.0 Ok")
            elif verb == b"DATA":
                data = True
                self.reply("354 End data with <CR><LF>.<CR><LF>")
            elif verb == b"QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("250 Ok")
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
S(("127.0.0.1", 587), H).serve_forever()
PY
python3 "$D/smtp535.py" &
SMTP=$!
printf 'Subject: test\r\n\r\nhello\r\n' > "$D/mail.txt"
tcpdump -i lo -U -w "$PCAP" -s 0 'tcp port 2222 or tcp port 8080 or tcp port 21 or tcp port 587 or tcp port 8081' >/dev/null 2>&1 &
DUMP=$!
# Wait until the three servers listen (python starts slowly on a busy machine).
n=0
until [ "$(ss -Htln '( sport = :2222 or sport = :8080 or sport = :21 or sport = :587 )' | wc -l)" -ge 4 ]; do
    n=$((n + 1))
    [ $n -lt 300 ] || { echo "servers did not start" >&2; exit 1; }
    sleep 0.1
done
sleep 1
# A wrong password each time, through SSH_ASKPASS (no terminal).
printf '#!/bin/sh\necho wrong-password\n' > "$D/askpass"
chmod +x "$D/askpass"
guess() { # source address, count
    i=0
    while [ $i -lt "$2" ]; do
        SSH_ASKPASS="$D/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid \
            ssh -n -p 2222 -b "$1" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
            -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
            -o ConnectTimeout=5 -o LogLevel=ERROR root@127.0.0.1 true </dev/null >/dev/null 2>&1 || true
        i=$((i + 1))
    done
}
guess 127.0.0.5 "$N" &
G1=$!
guess 127.0.0.6 2 &
G2=$!
# HTTP: 127.0.0.2 guesses (25 x 401), 127.0.0.3 a few (5 x 401),
# 127.0.0.4 browses (30 x 200).
for i in $(seq 25); do curl -s -m 10 -o /dev/null --interface 127.0.0.2 -u admin:guess$i http://127.0.0.1:8080/admin || true; done
for i in $(seq 5); do curl -s -m 10 -o /dev/null --interface 127.0.0.3 http://127.0.0.1:8080/private || true; done
for i in $(seq 30); do curl -s -m 10 -o /dev/null --interface 127.0.0.4 http://127.0.0.1:8080/ok/$i || true; done
# HTTP/2: 127.0.0.11 guesses 25 times (one connection each), 127.0.0.1
# 25 times in streams of one connection (nghttp multiplexes), 127.0.0.12
# fetches 30 pages with the right password.
for i in $(seq 25); do
    curl -s -m 10 -o /dev/null --http2-prior-knowledge --interface 127.0.0.11 -u "admin:guess$i" \
        http://127.0.0.1:8081/ || true
done
nghttp -n -m 25 -H "authorization: Basic $(printf admin:guess | base64)" http://127.0.0.1:8081/ \
    >/dev/null 2>&1 || true
for i in $(seq 30); do
    curl -s -m 10 -o /dev/null --http2-prior-knowledge --interface 127.0.0.12 -u admin:right \
        http://127.0.0.1:8081/ || true
done
# FTP: 127.0.0.7 guesses (15 x 530), 127.0.0.8 logs in right 12 times.
for i in $(seq 15); do curl -s -m 10 -o /dev/null --interface 127.0.0.7 -u admin:guess$i ftp://127.0.0.1/ || true; done
for i in $(seq 12); do curl -s -m 10 -o /dev/null --interface 127.0.0.8 -u admin:right -Q PWD -I ftp://127.0.0.1/ || true; done
# SMTP: 127.0.0.9 guesses (14 x 535: curl's AUTH PLAIN and LOGIN), 127.0.0.10
# sends 12 mails with the right password.
for i in $(seq 14); do
    if [ $((i % 2)) -eq 0 ]; then mech='AUTH=LOGIN'; else mech='AUTH=PLAIN'; fi
    curl -s -m 10 --interface 127.0.0.9 --login-options "$mech" -u "admin:guess$i" \
        --mail-from a@vigil.test --mail-rcpt b@vigil.test -T "$D/mail.txt" smtp://127.0.0.1:587 || true
done
for i in $(seq 12); do
    curl -s -m 10 --interface 127.0.0.10 -u admin:right --mail-from a@vigil.test \
        --mail-rcpt b@vigil.test -T "$D/mail.txt" smtp://127.0.0.1:587 || true
done
wait $G1 $G2
sleep 1
kill $DUMP $HTTP $FTP $SMTP $NGINX
kill "$(cat "$D/sshd.pid")"
wait $DUMP || true
