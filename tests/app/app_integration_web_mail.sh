#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration: the real vigil binary on shared HTTP, SMTP and FTP captures;
# checks EVE http/fileinfo/smtp/email/ftp/ftp_data fields (values that
# tshark, the oracle, also shows, or that follow from the capture bytes).
set -u
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
run() { # pcap
    rm -f "$out/eve.json"
    "$VIGIL_BIN" run -r "$VIGIL_SHARED/pcaps/$1" -l "$out" >/dev/null 2>&1 || {
        echo "vigil failed on $1"; fail=1; }
}
expect() { # description, fixed string
    if ! grep -qF -- "$2" "$out/eve.json"; then
        echo "missing in eve.json: $1: $2"; fail=1
    fi
}
run http/http-get-gzip.pcap
expect "http event" '"http":{"hostname":"httpbin.org","url":"/gzip","http_user_agent":"curl/7.29.0","http_content_type":"application/json","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":165}'
expect "gzip body decompressed into the file" '"fileinfo":{"filename":"/gzip","gaps":false,"state":"CLOSED","stored":false,"size":197,"tx_id":0}'
run http/http-get.pcap
expect "download" '"filename":"/download/CHANGES.bro-aux.txt","gaps":false,"state":"CLOSED","stored":false,"size":4705'
run smtp/smtp-zeek.pcap
expect "smtp envelope" '"smtp":{"helo":"GP","mail_from":"<gurpartap@patriots.in>","rcpt_to":["<raj_deol2002in@yahoo.co.in>"]}'
expect "email" '"email":{"status":"PARSE_DONE","from":"\"Gurpartap Singh\" <gurpartap@patriots.in>","to":["<raj_deol2002in@yahoo.co.in>"],"attachment":["NEWS.txt"]'
expect "attachment file" '"fileinfo":{"filename":"NEWS.txt","gaps":false,"state":"CLOSED","stored":false,"size":10807'
run smtp/smtp-starttls.pcap
expect "starttls then tls" '"event_type":"tls"'
run ftp/ftp-ipv4.pcap
expect "ftp pasv" '"command":"PASV","reply":["Entering Passive Mode (199,233,217,249,221,90)"],"completion_code":["227"],"dynamic_port":56666,"mode":"passive"'
expect "ftp-data file" '"ftp_data":{"filename":"robots.txt","command":"RETR"},"fileinfo":{"filename":"robots.txt","gaps":false,"state":"CLOSED","stored":false,"size":77'
run ftp/ftp-upload-active.pcap
expect "ftp active upload" '"ftp_data":{"filename":"index.html","command":"STOR"}'
exit $fail
