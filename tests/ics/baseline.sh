#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Industrial behaviour baselines end to end (docs/ics-baselines.md):
# 1. false alarms: each long polling capture of the shared set is learned
#    for its first half and watched for the second: no gid 7100 alert;
# 2. detection: a baseline learned from the S7 production capture is saved,
#    then crafted sessions are injected and must raise exactly their alert
#    (EVE alert, gid 7100), while a session that only repeats learned
#    behaviour raises none.
set -eu
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
here=$(cd "$(dirname "$0")" && pwd)
p=$shared/pcaps
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
opts="-k none --set stream.midstream=true --set stream.async-oneside=true --set ics-baseline.enabled=yes"
status=0

alerts() { # EVE_DIR: "sid,sid,..." of the gid 7100 alerts
  python3 -c "
import json, sys
s = [str(json.loads(l)['alert']['signature_id']) for l in open(sys.argv[1])
     if '\"gid\":7100' in l]
print(','.join(s))" "$1/eve.json"
}

# 1. false alarms after learning half of each capture (its duration in seconds)
for spec in s7comm/s7comm-wincc-s400-production:4049 bacnet/bacnet-example:194 \
            c37118/c37118-4in1-pmu-tcp:16 goose/goose-sample-file:8 mms/mms-iccp-tase2:82 \
            c37118/c37118-1pmu-udp:16 modbus/modbus-test:59 enip/enip-change-date-attempt:10 \
            dnp3/dnp3-eve:15; do
  f=${spec%%:*}
  half=${spec#*:}
  rm -rf "$work/o" && mkdir "$work/o"
  # shellcheck disable=SC2086
  "$bin" run -r "$p/$f.pcap" -l "$work/o" $opts --set ics-baseline.learning-time="${half}s" \
    >/dev/null 2>&1
  got=$(alerts "$work/o")
  echo "false alarms on $f (learned ${half}s): ${got:-0 alerts}"
  [ -z "$got" ] || status=1
done

# 2. learn the production capture, save; inject
rm -rf "$work/o" && mkdir "$work/o"
# shellcheck disable=SC2086
"$bin" run -r "$p/s7comm/s7comm-wincc-s400-production.pcap" -l "$work/o" $opts \
  --set ics-baseline.file="$work/baseline.txt" --set ics-baseline.learning-time=3h >/dev/null 2>&1
grep -q '^writer	s7comm	194.250.63.239	194.250.63.170	learned$' "$work/baseline.txt" || {
  echo "baseline file lacks the learned writer"; status=1; }
plc=194.250.63.170
hmi=194.250.63.239
stop=0300002102f080320100000400001000002900000000000009505f50524f4752414d
# write 4 bytes at DB68.DBB4 (learned) / DBB100 (not learned) / DB999 (new DB)
w() { # DB BYTE: a write-var job of one byte
  python3 -c "
import sys
db, byte = int(sys.argv[1]), int(sys.argv[2])
s7 = bytes.fromhex('32 01 0000 0500 000e 0005'.replace(' ', ''))
item = bytes([0x12, 0x0a, 0x10, 0x02, 0x00, 0x01, db >> 8, db & 255, 0x84]) + (byte * 8).to_bytes(3, 'big')
data = bytes.fromhex('00 04 0008 12'.replace(' ', ''))
pdu = s7 + bytes([0x05, 0x01]) + item + data
cotp = bytes([2, 0xf0, 0x80]) + pdu
print((bytes([3, 0]) + (len(cotp) + 4).to_bytes(2, 'big') + cotp).hex())" "$1" "$2"
}
inject() { # NAME CLIENT EXPECTED HEX...
  name=$1 client=$2 want=$3
  shift 3
  python3 "$here/mkpcap.py" "$work/$name.pcap" "$client" "$plc" "${port:-102}" 1300000000 "$@"
  rm -rf "$work/o" && mkdir "$work/o"
  # shellcheck disable=SC2086
  "$bin" run -r "$work/$name.pcap" -l "$work/o" $opts --set ics-baseline.file="$work/baseline.txt" \
    --set ics-baseline.learning-time=1s >/dev/null 2>&1
  got=$(alerts "$work/o")
  echo "injected $name: gid 7100 sids [${got}] (want [${want}])"
  [ "$got" = "$want" ] || status=1
}
cp "$work/baseline.txt" "$work/baseline.orig"
inject learned-write "$hmi" "" "$(w 68 4)"
cp "$work/baseline.orig" "$work/baseline.txt"
inject plc-stop-known-client "$hmi" "2" "$stop"
cp "$work/baseline.orig" "$work/baseline.txt"
inject plc-stop-new-client 194.250.63.99 "1" "$stop"
cp "$work/baseline.orig" "$work/baseline.txt"
inject write-outside-range "$hmi" "4" "$(w 68 100)"
cp "$work/baseline.orig" "$work/baseline.txt"
inject write-new-db "$hmi" "4" "$(w 999 0)"

# IEC 104: a master that never talked to the outstation before
rm -rf "$work/o" && mkdir "$work/o"
# shellcheck disable=SC2086
"$bin" run -r "$p/iec104/iec104-testdissect.pcap" -l "$work/o" $opts \
  --set ics-baseline.file="$work/baseline.txt" --set ics-baseline.learning-time=1d >/dev/null 2>&1
cp "$work/baseline.txt" "$work/baseline.orig"
plc=172.27.248.79 port=2404
inject iec104-known-master 172.27.248.109 "" 680407000000 680e0000000064010600030000000014
cp "$work/baseline.orig" "$work/baseline.txt"
inject iec104-new-master 172.27.248.200 "5" 680407000000
exit $status
