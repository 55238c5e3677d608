#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration: the real vigil binary on shared captures; checks DNS, TLS,
# X.509 and SSH fields against values tshark (the oracle) also extracts.
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
run ssh/ssh-tcpdump.pcap
expect "ssh client banner" '"client":{"proto_version":"2.0","software_version":"OpenSSH_7.8"'
expect "hassh" '"hash":"ec7378c1a92f5a8dde7e8b7a1ddf33d1"'
expect "hassh server" '"hash":"c099ec12a2b4c3b347f8f17d966469ed"'
run tls/tls-client-certificate.pcap
expect "ja3" '"hash":"579ccef312d18482fc42e2b822ca2430"'
expect "ja3s" '"hash":"d154fcfa5bb4f0748e1dd1992c681104"'
expect "sni" '"sni":"certauth.idrix.fr"'
expect "issuer" '"issuerdn":"C=US, O=Let'"'"'s Encrypt, CN=R3"'
expect "client cert" '"client":{"subject":"CN=johanna@corelight.com"'
expect "ja4" '"ja4":"t13d1715h2_5b57614c22b0_3d5424432f57"'
run dns/dns-udp.pcap
expect "dns request" '"type":"request","tx_id":0,"id":22836'
expect "dns answer" '{"rrname":"www.tcpdump.org","rrtype":"A","ttl":60,"rdata":"192.139.46.66"}'
expect "dns authority" '"authorities":[{"rrname":"tcpdump.org","rrtype":"NS"'
run dns/dns-tcp.pcap
expect "dns over tcp" '"proto":"TCP"'
if ! grep -q '"event_type":"dns".*"proto":"TCP"\|"proto":"TCP".*"event_type":"dns"' "$out/eve.json"; then
    echo "no DNS-over-TCP event"; fail=1
fi
exit $fail
