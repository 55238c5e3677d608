#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-rule_parse.sh DIR: one seed per rule from a sample of ET Open (every
# 25th enabled rule of the Suricata edition) plus the suricata-verify rules.
set -eu
shared=$(cd "$(dirname "$0")/../../shared" && pwd)
cat "$shared"/rules/et-open-suricata/rules/*.rules | grep -E '^(alert|drop|pass|reject)' |
  awk -v dir="$1" 'NR % 25 == 0 { f = sprintf("%s/et-%05d.rules", dir, NR); print > f; close(f) }'
i=0
for f in "$shared"/conformance/suricata-verify/tests/*/test.rules; do
  [ -f "$f" ] || continue
  cp "$f" "$1/verify-$i.rules"
  i=$((i + 1))
done
# transforms with options (detect_transform.c)
cat >"$1/transforms.rules" <<'RULES'
alert http any any -> any any (http.uri; xor:offset 1,extract 2 0; content:"a"; sid:1;)
alert http any any -> any any (http.uri; from_base64: bytes 8, offset 2, mode rfc2045; content:"b"; sid:2;)
alert http any any -> any any (http.uri; gunzip: max-size 64; zlib_deflate; subslice:-4, 2, truncate; content:"c"; sid:3;)
alert dns any any -> any any (dns.query; domain; dotprefix; content:".d"; sid:4;)
alert dns any any -> any any (dns.query; tld; to_uppercase; content:"CO"; sid:5;)
alert http any any -> any any (http.uri; content:"x"; from_base64; content:"y"; sid:6;)
RULES
