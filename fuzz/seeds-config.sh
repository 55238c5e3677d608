#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-config.sh DIR: the suricata.yaml files of the shared conformance slice.
set -eu
shared=$(cd "$(dirname "$0")/../../shared" && pwd)
i=0
for f in "$shared"/conformance/suricata-verify/default-suricata.yaml \
         "$shared"/conformance/suricata-verify/tests/*/suricata.yaml; do
  [ -f "$f" ] || continue
  cp "$f" "$1/seed-$i.yaml"
  i=$((i + 1))
done
