#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Flows against the independent tshark oracle over every shared capture:
# every flow's packet and byte counts, matched exactly (compare.py's
# documented allowances aside).
#
# tshark's conversations never time out, while a flow engine ends an idle
# flow (Suricata: UDP after 30 s one-sided, TCP after its state's timeout)
# and starts a new one on the next packet: a BACnet or NetBIOS broadcast
# every minute is one tshark conversation but many flows. The comparison is
# about decoding and accounting, not timeout policy, so the sensor runs with
# timeouts longer than any capture. What remains below 100% is where
# Suricata's semantics differ from tshark's on purpose (docs/flow-and-stream.md):
# a SYN after a RST starts a new flow (TCP port reuse), and the same inner
# 5-tuple inside two GTP tunnels is one flow.
set -eu
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
long=""
for proto in default tcp udp icmp; do
  for state in new established closed bypassed emergency-new emergency-established \
      emergency-closed emergency-bypassed; do
    long="$long --set flow-timeouts.$proto.$state=864000"
  done
done
python3 "$shared/pcaps/compare.py" --kinds flows --min 97.5 --jobs 2 --timeout 120 \
  --cmd "$bin run -r {pcap} -l {outdir} --disable-detection -k none $long"
