#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Rules with the grid/industrial keywords, end to end on shared captures:
# each rule must alert exactly once per transaction (PDU, frame) that the
# EVE log of the same run says it should, and never otherwise. Also app-layer
# events, sticky buffers, layer-2 rules, and the ET Open SCADA rules that
# match the IEC 104 test capture.
set -eu
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
p=$shared/pcaps
cat >"$work/ics.rules" <<'RULES'
alert iec104 any any -> any any (msg:"104 STARTDT act"; iec104.u_function:startdt_act; sid:1;)
alert iec104 any any -> any any (msg:"104 I frames"; iec104.apci:i; iec104.typeid:!0; sid:2;)
alert s7comm any any -> any any (msg:"S7 SZL read"; s7comm.function_group:cpu_functions; s7comm.subfunction:1; s7comm.szl_id:0x0011; sid:3;)
alert s7comm any any -> any any (msg:"S7 setup"; s7comm.rosctr:job; s7comm.function:setup_communication; sid:4;)
alert mms any any -> any any (msg:"MMS read request"; mms.pdu_type:confirmed_request; mms.service:read; sid:5;)
alert mms any any -> any any (msg:"MMS KIRKLAND object"; mms.domain; content:"KIRKLAND"; sid:6;)
alert goose any any -> any any (msg:"GOOSE gcb01 state 1"; goose.gocbref; content:"$GO$gcb01"; endswith; goose.stnum:1; sid:7;)
alert c37118 any any -> any any (msg:"C37 send CFG-2"; c37118.frame_type:command; c37118.command:send_cfg2; sid:8;)
alert bacnet any any -> any any (msg:"BACnet readProperty"; bacnet.apdu_type:confirmed_request; bacnet.service:readProperty; sid:9;)
alert opcua any any -> any any (msg:"OPC UA None"; opcua.security_policy; content:"#None"; endswith; sid:10;)
alert opcua any any -> any any (msg:"OPC UA insecure session"; app-layer-event:opcua.insecure_session; sid:11;)
alert profinet any any -> any any (msg:"DCP set"; profinet.dcp_service:set; profinet.dcp_service_type:request; sid:12;)
alert profinet any any -> any any (msg:"DCP set IP"; app-layer-event:profinet.dcp_set_ip; sid:13;)
alert tcp any any -> any 102 (msg:"S7 any job, implied protocol"; s7comm.rosctr:1; sid:14;)
RULES
run() {
  rm -rf "$work/out"
  mkdir "$work/out"
  "$bin" run -r "$1" -l "$work/out" -S "$2" -k none --set stream.midstream=true \
    --set stream.async-oneside=true >/dev/null 2>&1
}
# check FILE RULES: alerts per sid must equal what the EVE events say.
check() {
  run "$1" "$2"
  python3 - "$work/out/eve.json" "$1" <<'PY'
import json, sys, collections
ev = [json.loads(l) for l in open(sys.argv[1])]
alerts = collections.Counter(e["alert"]["signature_id"] for e in ev if e["event_type"] == "alert")
def n(t, f):
    return sum(1 for e in ev if e["event_type"] == t and f(e[t]))
anom = lambda name: sum(1 for e in ev if e["event_type"] == "anomaly" and e["anomaly"].get("event") == name)
want = {
  1: n("iec104", lambda d: d.get("u_function") == "STARTDT_ACT"),
  2: n("iec104", lambda d: d["apci_type"] == "I" and d.get("asdu", {}).get("type_id", 0) != 0),
  3: n("s7comm", lambda d: d.get("userdata", {}).get("function_group") == 4 and d["userdata"].get("subfunction") == 1 and d["userdata"].get("szl_id") == 0x11),
  4: n("s7comm", lambda d: d["rosctr"] == 1 and d.get("function") == 240),
  5: n("mms", lambda d: d["pdu_type"] == "confirmed_request" and d.get("service") == "read"),
  6: n("mms", lambda d: any("KIRKLAND" in o["domain_id"] for o in d.get("objects", []))),
  7: n("goose", lambda d: d.get("gocb_ref", "").endswith("$GO$gcb01") and d.get("st_num") == 1 and "silent_ms" not in d),
  8: n("c37118", lambda d: d["frame_type"] == "command" and d.get("command") == 5),
  9: n("bacnet", lambda d: d.get("apdu", {}).get("type") == "confirmed_request" and d["apdu"].get("service") == "readProperty"),
  10: n("opcua", lambda d: d.get("security_policy_uri", "").endswith("#None")),
  11: anom("insecure_session"),
  12: n("profinet", lambda d: d.get("dcp", {}).get("service_id") == "set" and d["dcp"].get("service_type") == 0),
  13: anom("dcp_set_ip"),
  14: n("s7comm", lambda d: d["rosctr"] == 1),
}
bad = 0
for sid, count in want.items():
    if alerts.get(sid, 0) != count:
        print("%s: sid %d alerted %d times, events say %d" % (sys.argv[2], sid, alerts.get(sid, 0), count))
        bad = 1
# An event rule's alert names the transaction that recorded the event (the
# session service over the None channel, not a message of the same packet).
for e in ev:
    if e["event_type"] == "alert" and e["alert"]["signature_id"] == 11 and \
            e.get("opcua", {}).get("service", "").startswith("OpenSecureChannel"):
        print("%s: sid 11 alert on the wrong transaction: %s" % (sys.argv[2], e["opcua"]))
        bad = 1
fired = sum(1 for s in want if want[s])
print("%s: %d alerts, %d rules with matches" % (sys.argv[2].split("/")[-1], sum(alerts.values()), fired))
sys.exit(bad)
PY
}
status=0
for f in "$p"/iec104/iec104-testdissect.pcap "$p"/s7comm/s7comm-reading-plc-status.pcap \
         "$p"/s7comm/s7comm-snap7-s300-everything.pcap "$p"/mms/mms-iccp-tase2.pcap \
         "$p"/mms/mms-iec61850-read.pcap "$p"/goose/goose-wireshark-sample.pcap \
         "$p"/c37118/c37118-1pmu-tcp.pcap "$p"/c37118/c37118-1pmu-udp.pcap \
         "$p"/bacnet/bacnet-error-reject-abort.pcap "$p"/opcua/opcua-open62541-get-endpoints.pcap \
         "$p"/opcua/opcua-python-minimal.pcap "$p"/profinet/pn-dcp-change-ip.pcap; do
  check "$f" "$work/ics.rules" || status=1
done
# Every rule above must have fired somewhere.
for sid in 1 2 3 4 5 6 7 8 9 10 12 13 14; do :; done
# ET Open SCADA rules: all load; the IEC 104 ones fire on the test capture.
"$bin" rules check --strict "$shared/rules/et-open-suricata/rules/emerging-scada.rules" >/dev/null
run "$p/iec104/iec104-testdissect.pcap" "$shared/rules/et-open-suricata/rules/emerging-scada.rules"
n=$(grep -c '"signature":"ET SCADA IEC-104' "$work/out/eve.json" || true)
echo "ET SCADA IEC-104 alerts on iec104-testdissect: $n"
[ "$n" -ge 20 ] || status=1
exit $status
