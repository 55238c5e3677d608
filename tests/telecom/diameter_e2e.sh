#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Diameter end to end: CER/CEA, CCR/CCA and DWR/DWA built here and written as a
# capture on TCP 3868 by tshark's text2pcap; the sensor runs on it with rules
# on the diameter.* keywords, and its diameter events are compared with
# tshark's dissection of the same capture (command, R flag, application,
# identifiers, Session-Id, Origin-Host, Result-Code).
set -eu
bin=${VIGIL_BIN:?}
command -v text2pcap >/dev/null 2>&1 || { echo "text2pcap not installed"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" <<'EOF'
import struct, sys
out = sys.argv[1]
def avp(code, data, flags=0x40, vendor=0):
    if isinstance(data, int):
        data = struct.pack(">I", data)
    elif isinstance(data, str):
        data = data.encode()
    hdr = 12 if vendor else 8
    n = hdr + len(data)
    b = struct.pack(">II", code, ((flags | (0x80 if vendor else 0)) << 24) | n)
    if vendor:
        b += struct.pack(">I", vendor)
    return b + data + b"\0" * (-n % 4)
def msg(flags, cmd, app, hbh, e2e, *avps):
    body = b"".join(avps)
    return struct.pack(">IIIII", 0x01000000 | (20 + len(body)), (flags << 24) | cmd, app, hbh, e2e) + body
msgs = [
    ("I", msg(0x80, 257, 0, 0x100, 0x5000, avp(264, "pgw.example.net"), avp(296, "example.net"),
             avp(266, 10415), avp(269, "pgw"), avp(258, 4))),
    ("O", msg(0x00, 257, 0, 0x100, 0x5000, avp(268, 2001), avp(264, "ocs.example.org"),
             avp(296, "example.org"), avp(269, "ocs"))),
    ("I", msg(0xc0, 272, 4, 0x101, 0x5001, avp(263, "pgw.example.net;7;1"),
             avp(264, "pgw.example.net"), avp(296, "example.net"), avp(283, "example.org"),
             avp(258, 4), avp(416, 1), avp(415, 0), avp(1, "001010123456789"),
             avp(443, avp(450, 1) + avp(444, "001010123456789")))),
    ("O", msg(0x40, 272, 4, 0x101, 0x5001, avp(263, "pgw.example.net;7;1"),
             avp(268, 5031), avp(264, "ocs.example.org"), avp(296, "example.org"))),
    ("I", msg(0x80, 280, 0, 0x102, 0x5002, avp(264, "pgw.example.net"), avp(296, "example.net"))),
    ("O", msg(0x00, 280, 0, 0x102, 0x5002, avp(268, 2001), avp(264, "ocs.example.org"),
             avp(296, "example.org"))),
]
with open(f"{out}/d.txt", "w") as f:
    for d, m in msgs:
        f.write(d + "\n")
        for i in range(0, len(m), 16):
            f.write("%06x  %s\n" % (i, " ".join("%02x" % c for c in m[i:i + 16])))
EOF
text2pcap -q -D -T 40000,3868 -4 10.0.0.1,10.0.0.2 "$dir/d.txt" "$dir/d.pcap" 2>/dev/null

cat >"$dir/d.rules" <<'EOF'
alert diameter any any -> any any (msg:"Diameter CCR with IMSI user"; diameter.cmd_code:credit_control; diameter.request:1; diameter.user_name; content:"00101"; startswith; sid:1;)
alert diameter any any -> any any (msg:"Diameter credit limit reached"; diameter.result_code:5031; sid:2;)
alert diameter any any -> any any (msg:"Diameter peer ocs"; diameter.origin_host; content:"ocs.example.org"; bsize:15; diameter.request:0; sid:3;)
alert diameter any any -> any any (msg:"Diameter realm"; diameter.destination_realm; content:"example.org"; sid:4;)
alert diameter any any -> any any (msg:"Diameter session"; diameter.session_id; content:"|3b|7|3b|"; diameter.application_id:4; sid:5;)
EOF
out="$dir/out"
mkdir -p "$out"
"$bin" run -r "$dir/d.pcap" -S "$dir/d.rules" -l "$out" -k none --set stream.midstream=true \
  >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
status=0
tshark -n -r "$dir/d.pcap" -Y diameter -T fields -E occurrence=f -E separator=' ' \
  -e diameter.cmd.code -e diameter.flags.request -e diameter.applicationId \
  -e diameter.hopbyhopid -e diameter.endtoendid -e diameter.Session-Id -e diameter.Origin-Host \
  -e diameter.Result-Code 2>/dev/null | python3 -c '
import sys
for l in sys.stdin:
    f = l.rstrip("\n").split(" ")
    f[1] = "1" if f[1] in ("1", "True") else "0"
    f[3], f[4] = str(int(f[3], 16)), str(int(f[4], 16))
    print(" ".join(f))' >"$out/tshark.txt"
python3 - "$out/eve.json" >"$out/vigil.txt" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "diameter":
        d = e["diameter"]
        print(d["command_code"], int(d["request"]), d["application_id"], d["hop_by_hop_id"],
              d["end_to_end_id"], d.get("session_id", ""), d.get("origin_host", ""),
              d.get("result_code", ""))
EOF
diff -u "$out/tshark.txt" "$out/vigil.txt" || { echo "FAIL diameter events differ from tshark's"; status=1; }
got=$(python3 -c '
import json, sys
print(" ".join(sorted(str(e["alert"]["signature_id"]) for e in map(json.loads, open(sys.argv[1]))
      if e.get("event_type") == "alert")))' "$out/eve.json")
echo "alerts: $got"
# sid 3 on the three answers.
[ "$got" = "1 2 3 3 3 4 5 5" ] || { echo "FAIL alerts"; status=1; }
[ "$(grep '"event_type":"diameter"' "$out/eve.json" | grep -c '"answers":{"tx_id"')" = 3 ] || { echo "FAIL pairing"; status=1; }
[ $status = 0 ] && echo "diameter e2e: ok"
exit $status
