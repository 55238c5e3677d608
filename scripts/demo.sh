#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make demo`: runs the sensor on the bundled sample capture with the demo
# rules, summarises what it found, then reports the alerts to a local hub.
set -eu
cd "$(dirname "$0")/.."
out=out/demo
rm -rf "$out"
mkdir -p "$out"
echo "== vigil sensor: samples/demo.pcap with samples/demo.rules"
./build/vigil run -r samples/demo.pcap -S samples/demo.rules -l "$out" \
  --set 'vars.address-groups.HOME_NET=[10.0.0.0/8]' \
  --set 'vars.address-groups.EXTERNAL_NET=!$HOME_NET'
python3 scripts/eve-summary.py "$out/eve.json"
echo "EVE log: $out/eve.json"
if [ -x scripts/demo-hub.sh ]; then
  echo
  echo "== vigil hub: reporting the alerts"
  ./scripts/demo-hub.sh "$out" "$out/eve.json"
fi
