#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Grid and industrial protocols against the tshark oracle: every shared
# capture of the kinds below, run as the other oracle tests run the sensor
# (stream.midstream and stream.async-oneside on: several captures start
# mid-session or hold one side only). Target and floor: 99% each.
set -u
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
kinds=iec104,s7comm,mms,goose,c37118,bacnet,opcua,profinet
python3 "$shared/pcaps/compare.py" --kinds "$kinds" --min 0 --jobs 2 --timeout 120 \
  --cmd "$bin run -r {pcap} -l {outdir} --disable-detection -k none \
  --set stream.midstream=true --set stream.async-oneside=true" >"$out" 2>&1
status=0
for kind in $(echo "$kinds" | tr , ' '); do
  line=$(grep "^$kind: agreement" "$out")
  echo "$line"
  pct=$(echo "$line" | sed -n 's/.*agreement \([0-9.]*\)%.*/\1/p')
  if [ -z "$pct" ] || ! awk -v p="$pct" 'BEGIN { exit !(p >= 99) }'; then
    echo "oracle $kind below 99%"
    status=1
  fi
done
exit $status
