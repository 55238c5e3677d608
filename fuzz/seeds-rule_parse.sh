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
