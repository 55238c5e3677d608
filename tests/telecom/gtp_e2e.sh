#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# GTP and Diameter over SCTP end to end, on a capture written here: a GTPv2-C
# Create Session exchange, an echo request from a peer first seen after the
# learning period, GTP-U carrying GTP-U (two gtp events with their inner
# addresses), GTP-C sent from inside a GTP-U tunnel, and Diameter over SCTP
# (a CER fragmented over two DATA chunks, its CEA, then a DWR from a new
# peer). Checks the gtp/diameter events, rules on the gtp.* keywords, the
# gid 7301 alerts, IMSI masking, that with the default learning period no
# peer alert fires, and (when tshark is installed) the events against
# tshark's dissection of the same capture.
set -eu
bin=${VIGIL_BIN:?}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir/t.pcap" <<'EOF'
import struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip4(a): return bytes(int(x) for x in a.split("."))
def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, ip4(src), ip4(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
def udp(sp, dp, payload): return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
def tbcd(d):
    d += "f" * (len(d) % 2)
    return bytes(int(d[i + 1], 16) << 4 | int(d[i], 16) for i in range(0, len(d), 2))
def ie(t, v, inst=0): return struct.pack("!BHB", t, len(v), inst) + v
def gtpv2(t, teid, seq, ies):
    return struct.pack("!BBHI", 0x48, t, 8 + len(ies), teid) + struct.pack("!I", seq << 8) + ies
def apn(s): return b"".join(bytes([len(l)]) + l.encode() for l in s.split("."))
def gpdu(teid, inner): return struct.pack("!BBHI", 0x30, 255, len(inner), teid) + inner
def icmp(): return struct.pack("!BBHHH", 8, 0, 0xf7fe, 1, 0)
def sctp(sp, dp, chunks): return struct.pack("!HHII", sp, dp, 0x1234, 0) + b"".join(chunks)
def data(flags, tsn, payload):
    c = struct.pack("!BBHIHHI", 0, flags, 16 + len(payload), tsn, 0, 0, 46) + payload
    return c + b"\0" * (-len(c) % 4)
def avp(code, v):
    if isinstance(v, int): v = struct.pack("!I", v)
    if isinstance(v, str): v = v.encode()
    n = 8 + len(v)
    return struct.pack("!II", code, 0x40 << 24 | n) + v + b"\0" * (-n % 4)
def dia(flags, cmd, hbh, host):
    body = avp(264, host) + avp(296, "example.net") + avp(258, 16777251)
    return struct.pack("!IIIII", 0x01000000 | (20 + len(body)), flags << 24 | cmd, 0, hbh, hbh) + body

csr = gtpv2(32, 0, 0x77, ie(1, tbcd("001010123456789")) + ie(76, tbcd("447700900123")) +
            ie(82, b"\x06") + ie(71, apn("internet.mnc001.mcc001.gprs")))
csresp = gtpv2(33, 0x1111, 0x77, ie(2, b"\x10\x00"))
echo = gtpv2(1, 0, 0x78, ie(3, b"\x05"))[:4] + gtpv2(1, 0, 0x78, ie(3, b"\x05"))[8:]
echo = bytes([0x40, 1]) + struct.pack("!H", 4 + 5) + struct.pack("!I", 0x79 << 8) + ie(3, b"\x05")
cer = dia(0x80, 257, 0x10, "mme.example.net")
cea = dia(0x00, 257, 0x10, "hss.example.net")
dwr = dia(0x80, 280, 0x11, "rogue.example.net")
pk = []
def add(t, ip): pk.append((t, b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip))
add(0.0, ipv4("10.1.0.1", "10.2.0.1", 17, udp(2123, 2123, csr)))
add(0.01, ipv4("10.2.0.1", "10.1.0.1", 17, udp(2123, 2123, csresp)))
add(100.0, ipv4("10.9.9.9", "10.2.0.1", 17, udp(2123, 2123, echo)))
inner2 = ipv4("192.168.1.1", "8.8.8.8", 1, icmp())
inner1 = ipv4("172.16.0.1", "172.16.0.2", 17, udp(2152, 2152, gpdu(0x22, inner2)))
add(101.0, ipv4("10.3.0.1", "10.4.0.1", 17, udp(2152, 2152, gpdu(0x11, inner1))))
sig = ipv4("192.168.1.1", "10.2.0.1", 17, udp(2123, 2123, echo))
add(102.0, ipv4("10.3.0.1", "10.4.0.1", 17, udp(2152, 2152, gpdu(0x11, sig))))
add(200.0, ipv4("10.5.0.1", "10.6.0.1", 132, sctp(3868, 3868, [data(2, 100, cer[:30])])))
add(200.1, ipv4("10.5.0.1", "10.6.0.1", 132, sctp(3868, 3868, [data(1, 101, cer[30:])])))
add(200.2, ipv4("10.6.0.1", "10.5.0.1", 132, sctp(3868, 3868, [data(3, 900, cea)])))
add(300.0, ipv4("10.7.0.1", "10.6.0.1", 132, sctp(3868, 3868, [data(3, 5, dwr)])))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t, fr in pk:
        ts = 1700000000 + t
        f.write(struct.pack("<IIII", int(ts), int(round((ts % 1) * 1e6)), len(fr), len(fr)) + fr)
EOF

cat >"$dir/t.rules" <<'EOF'
alert gtp any any -> any any (msg:"GTP create session"; gtp.msgtype:create_session_request; gtp.version:2; sid:1;)
alert gtp any any -> any any (msg:"GTP APN"; gtp.apn; content:"internet."; startswith; sid:2;)
alert gtp any any -> any any (msg:"GTP IMSI"; gtp.imsi; content:"00101"; startswith; gtp.rat_type:6; sid:3;)
alert gtp any any -> any any (msg:"GTP cause accepted"; gtp.cause:16; gtp.teid:0x1111; sid:4;)
alert gtp any any -> any any (msg:"GTP MSISDN"; gtp.msisdn; content:"4477"; sid:5;)
alert diameter any any -> any any (msg:"Diameter CER over SCTP"; diameter.cmd_code:capabilities_exchange; diameter.request:1; sid:6;)
EOF

run() { # run OUTDIR [--set ...]: the sensor on the capture
  out=$1; shift
  mkdir -p "$out"
  "$bin" run -r "$dir/t.pcap" -l "$out" -S "$dir/t.rules" -k none "$@" >"$out/log" 2>&1 || {
    cat "$out/log"; exit 1; }
}
run "$dir/a" --set telecom-peers.learning-time=60 --set app-layer.protocols.gtp.mask-imsi=yes
eve=$dir/a/eve.json
fail=0
count() { grep -c "$1" "$eve" || true; }
expect() { # expect WHAT PATTERN N
  n=$(count "$2")
  if [ "$n" != "$3" ]; then echo "FAIL: $1: $n, expected $3"; fail=1; fi
}
# G-PDU headers are not logged by default (log-g-pdu: no): the signalling only
expect "gtp events" '"event_type":"gtp"' 4
expect "no G-PDU events (log-g-pdu off)" '"message_name":"g_pdu"' 0
expect "diameter events" '"event_type":"diameter"' 3
expect "masked IMSI" '"imsi":"00101\*\*\*\*\*\*\*\*\*\*"' 1
expect "IMSI in clear" '0123456789' 0
expect "MSISDN (not masked)" '"msisdn":"447700900123"' 1
expect "CER reassembled from two chunks" '"command_code":257,"command_name":"Capabilities-Exchange","request":true' 1
expect "CEA paired" '"answers":{"tx_id":0' 1
for sid in 1 2 3 4 5 6; do
  expect "rule sid $sid" "\"gid\":1,\"signature_id\":$sid," 1
done
expect "7301:1 GTP peers (10.9.9.9; the UE sending GTP-C in its tunnel)" '"gid":7301,"signature_id":1,' 2
expect "7301:2 Diameter peer" '"gid":7301,"signature_id":2,' 1
expect "7301:3 GTP-U in GTP-U" '"gid":7301,"signature_id":3,' 1
expect "7301:4 GTP-C in GTP-U" '"gid":7301,"signature_id":4,' 1
grep '"gid":7301,"signature_id":1,' "$eve" | grep -q '"src_ip":"10.9.9.9"' || { echo "FAIL: 7301:1 not on 10.9.9.9"; fail=1; }
grep '"gid":7301,"signature_id":2,' "$eve" | grep -q '"src_ip":"10.7.0.1"' || { echo "FAIL: 7301:2 not on 10.7.0.1"; fail=1; }

# The default learning period (an hour): no peer alert; the tunnel ones stay.
# G-PDU headers logged on request.
run "$dir/b" --set app-layer.protocols.gtp.log-g-pdu=yes
eve=$dir/b/eve.json
expect "gtp events with log-g-pdu" '"event_type":"gtp"' 7
expect "GTP-U in GTP-U: outer header" '"message_type":255,"message_name":"g_pdu","length":[0-9]*,"teid":17,"inner":{"src_ip":"172.16.0.1","dest_ip":"172.16.0.2"}' 1
expect "GTP-U in GTP-U: inner header" '"teid":34,"inner":{"src_ip":"192.168.1.1","dest_ip":"8.8.8.8"}' 1
expect "default: 7301:1" '"gid":7301,"signature_id":1,' 0
expect "default: 7301:2" '"gid":7301,"signature_id":2,' 0
expect "default: 7301:3" '"gid":7301,"signature_id":3,' 1
expect "default: IMSI in clear" '"imsi":"001010123456789"' 1

# tshark's dissection of the same capture, when it is installed: every GTPv2
# message (type, sequence, IMSI, APN, MSISDN, RAT type, cause), every G-PDU
# TEID, every Diameter message (command, R flag, Origin-Host) as the sensor
# logged them (run b: nothing masked).
if command -v tshark >/dev/null 2>&1; then
  tshark -n -r "$dir/t.pcap" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e gtpv2.message_type -e gtpv2.seq -e e212.imsi -e gtpv2.apn -e e164.msisdn \
    -e gtpv2.rat_type -e gtpv2.cause -e gtp.teid -e diameter.cmd.code \
    -e diameter.flags.request -e diameter.Origin-Host >"$dir/tshark.tsv" 2>/dev/null
  python3 - "$dir/tshark.tsv" "$dir/b/eve.json" <<'EOF2' || fail=1
import json, sys
exp, got = [], []
for line in open(sys.argv[1]):
    c = (line.rstrip("\n").split("\t") + [""] * 11)[:11]
    if c[0]:
        exp.append(("gtpv2", int(c[0]), int(c[1], 16), c[2], c[3], c[4],
                    int(c[5]) if c[5] else None, int(c[6]) if c[6] else None))
    for t in filter(None, c[7].split(",")):
        exp.append(("g_pdu", int(t, 16)))
    if c[8]:
        exp.append(("diameter", int(c[8]), c[9] == "1", c[10]))
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e.get("event_type") == "gtp":
        g = e["gtp"]
        if g["version"] == 2:
            got.append(("gtpv2", g["message_type"], g["seq"], g.get("imsi", ""), g.get("apn", ""),
                        g.get("msisdn", ""), g.get("rat_type"), g.get("cause")))
        elif g["message_type"] == 255:
            got.append(("g_pdu", g["teid"]))
    elif e.get("event_type") == "diameter":
        d = e["diameter"]
        got.append(("diameter", d["command_code"], d["request"], d.get("origin_host", "")))
if sorted(exp, key=repr) != sorted(got, key=repr):
    print("FAIL: the sensor and tshark differ:\n tshark %s\n vigil  %s" % (exp, got))
    sys.exit(1)
print("tshark agrees on %d messages" % len(exp))
EOF2
fi
[ "$fail" = 0 ] || { cat "$dir/a/eve.json"; exit 1; }
echo "gtp e2e: ok"
