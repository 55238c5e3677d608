#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ISO 8583 and the fraud detectors end to end (issue 15).
#
# ISO 8583: no public capture exists, so the messages are made by a real
# implementation, the npm package iso_8583 (zemuldo/iso_8583 2.6.7: ASCII
# ISO 8583:1987 fields, binary bitmaps, the 2-byte binary length of its
# getBufferMessage), pinned in tests/telecom/npm/package-lock.json and
# installed there by scripts/install-deps.sh (npm ci); written as TCP captures by
# text2pcap. A shop terminal (echo test, five approved and one declined
# authorisations, the same session again with 4-digit ASCII lengths) and a
# card-testing terminal (twelve 1.00 authorisations with twelve cards,
# eleven declined). SIP: UDP messages with their own timestamps (Python):
# a REGISTER guesser, an extension scanner, an INVITE to an international
# number from a new source, and a five-minute call from a new source.
#
# Checked: the iso8583 events, rules on every iso8583 keyword, the alerts
# of gid 7303 (sids 1, 2) and 7300 (sids 1-4) from the right sources and
# none from the shop terminal, and that no output file (EVE with alert
# payload, payload-printable and packet, fast.log, stats, the log) holds
# any of the card numbers in clear: as text, in base64-decoded payloads or
# packets, or packed as BCD.
set -eu
bin=${VIGIL_BIN:?}
npm_dir=$(cd "$(dirname "$0")" && pwd)/npm
command -v text2pcap >/dev/null 2>&1 || { echo "text2pcap not installed"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "node not installed"; exit 77; }
[ -d "$npm_dir/node_modules/iso_8583" ] ||
  { echo "npm iso_8583 not in $npm_dir (scripts/install-deps.sh: npm ci)"; exit 77; }
dir=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT

# ---- ISO 8583 messages from the npm implementation ----
NODE_PATH="$npm_dir/node_modules" node - "$dir" <<'EOF'
const iso8583 = require('iso_8583');
const fs = require('fs');
const out = process.argv[2];
function luhn(body) { // body + check digit
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = +body[body.length - 1 - i];
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return body + ((10 - sum % 10) % 10);
}
const pans = [];
let stan = 100;
function msg(fields) {
  const m = new iso8583(fields);
  const v = m.validateMessage();
  if (v !== true) throw new Error('invalid message ' + JSON.stringify(v));
  const b = m.getBufferMessage();
  if (!Buffer.isBuffer(b)) throw new Error('no buffer ' + JSON.stringify(b));
  return b;
}
function auth(pan, amount, term, merchant, rc, t) {
  const s = String(++stan).padStart(6, '0');
  const date = '1207', time = '21' + String(10 + (t % 50)).padStart(2, '0') + '00';
  const req = msg({0: '0100', 2: pan, 3: '000000', 4: String(amount).padStart(12, '0'),
                   7: date + time, 11: s, 12: time, 13: date, 22: '051', 25: '00',
                   35: pan + 'D2712201' + '1758928889', 41: term, 42: merchant,
                   49: '978'});
  const rsp = msg({0: '0110', 3: '000000', 4: String(amount).padStart(12, '0'), 7: date + time,
                   11: s, 37: '12345678' + s.slice(2), 38: rc === '00' ? 'A' + s.slice(1) : '000000',
                   39: rc, 41: term});
  return [req, rsp];
}
function dump(name, msgs, ascii4) {
  let txt = '';
  for (const [d, m] of msgs) {
    let b = m;
    if (ascii4) { // the same message with a 4-digit ASCII length instead
      const raw = m.subarray(2);
      b = Buffer.concat([Buffer.from(String(raw.length).padStart(4, '0')), raw]);
    }
    txt += d + '\n';
    for (let i = 0; i < b.length; i += 16)
      txt += i.toString(16).padStart(6, '0') + '  ' +
             [...b.subarray(i, i + 16)].map(x => x.toString(16).padStart(2, '0')).join(' ') + '\n';
  }
  fs.writeFileSync(`${out}/${name}.txt`, txt);
}
// the shop: an echo test, five approvals, one decline
const shop = [];
shop.push(['I', msg({0: '0800', 7: '1207210000', 11: '000001', 70: '301'})]);
shop.push(['O', msg({0: '0810', 7: '1207210000', 11: '000001', 39: '00', 70: '301'})]);
const bins = ['476173', '541333', '371449', '601100', '356600', '453201'];
for (let i = 0; i < 6; i++) {
  const pan = luhn(bins[i] + String(100000000 + i * 7919).slice(0, bins[i] === '371449' ? 8 : 9));
  pans.push(pan);
  const [a, r] = auth(pan, 2500 + i * 1300, 'SHOP0001', 'MERCHANT0000001', i === 5 ? '51' : '00', i);
  shop.push(['I', a], ['O', r]);
}
dump('shop', shop, false);
dump('shop4', shop, true);
// the card tester: twelve 1.00 authorisations, twelve cards
const tester = [];
for (let i = 0; i < 12; i++) {
  const pan = luhn('4' + String(53201511283036 + i * 104729).padStart(14, '0'));
  pans.push(pan);
  const [a, r] = auth(pan, 100, 'TEST0666', 'MERCHANT0000666', i === 11 ? '00' : '05', 20 + i);
  tester.push(['I', a], ['O', r]);
}
dump('tester', tester, false);
// a chip terminal: the card number only in the ICC data (field 55, EMV tags
// 5A PAN and 57 Track 2 Equivalent Data, packed), as this implementation
// writes it (hexadecimal characters) and, rewritten, raw as most ASCII
// acquirer links carry it
function tlv(tag, hex) { return tag + (hex.length / 2).toString(16).padStart(2, '0').toUpperCase() + hex; }
function rawIcc(b, data) {
  const txt = String(data.length).padStart(3, '0') + data;
  const at = b.indexOf(txt);
  if (at < 0) throw new Error('field 55 not found');
  const raw = Buffer.concat([Buffer.from(String(data.length / 2).padStart(3, '0')), Buffer.from(data, 'hex')]);
  const r = Buffer.concat([b.subarray(0, at), raw, b.subarray(at + txt.length)]);
  r.writeUInt16BE(r.length - 2, 0);
  return r;
}
const icc = [];
for (let i = 0; i < 3; i++) {
  const pan = luhn('5' + String(41333008960411 + i * 7717).padStart(14, '0'));
  pans.push(pan);
  const t2 = pan + 'D27122011758928889';
  const data = tlv('9F1A', '0250') + tlv('5A', pan) + tlv('57', t2.length % 2 ? t2 + 'F' : t2) +
               tlv('95', '8080808080');
  const s = String(++stan).padStart(6, '0'), amount = String(4200 + i).padStart(12, '0');
  const req = msg({0: '0100', 3: '000000', 4: amount, 7: '1207213000', 11: s, 22: '051',
                   41: 'SHOP0002', 42: 'MERCHANT0000002', 49: '978', 55: data});
  const rsp = msg({0: '0110', 3: '000000', 4: amount, 7: '1207213000', 11: s,
                   38: 'A' + s.slice(1), 39: '00', 41: 'SHOP0002'});
  icc.push(['I', i === 0 ? req : rawIcc(req, data)], ['O', rsp]);
}
dump('icc', icc, false);
fs.writeFileSync(`${out}/pans.txt`, pans.join('\n') + '\n');
EOF
text2pcap -q -D -T 40000,8583 -4 10.1.0.10,10.9.0.1 "$dir/shop.txt" "$dir/shop.pcap" 2>/dev/null
text2pcap -q -D -T 40001,8583 -4 10.1.0.10,10.9.0.1 "$dir/shop4.txt" "$dir/shop4.pcap" 2>/dev/null
text2pcap -q -D -T 40002,8583 -4 10.1.0.66,10.9.0.1 "$dir/tester.txt" "$dir/tester.pcap" 2>/dev/null
text2pcap -q -D -T 40003,8583 -4 10.1.0.20,10.9.0.1 "$dir/icc.txt" "$dir/icc.pcap" 2>/dev/null

# ---- SIP over UDP, with timestamps ----
python3 - "$dir/sip.pcap" <<'EOF'
import struct, sys
pkts = []
def ip(a):
    return bytes(int(x) for x in a.split('.'))
def udp(t, src, sport, dst, dport, payload):
    u = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0, ip(src), ip(dst))
    s = sum(struct.unpack('!10H', h))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    h = h[:10] + struct.pack('!H', ~s & 0xffff) + h[12:]
    pkts.append((t, b'\x00' * 12 + b'\x08\x00' + h + u))
PBX = '10.9.0.5'
def req(method, uri, src, callid, cseq, to_user, frm='attacker'):
    return (f'{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {src}:5070;branch=z9hG4bK{callid}{cseq}\r\n'
            f'From: <sip:{frm}@{src}>;tag=1\r\nTo: <sip:{to_user}@{PBX}>\r\nCall-ID: {callid}\r\n'
            f'CSeq: {cseq} {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n').encode()
def rsp(code, reason, src, callid, cseq, method, to_user):
    return (f'SIP/2.0 {code} {reason}\r\nVia: SIP/2.0/UDP {src}:5070;branch=z9hG4bK{callid}{cseq}\r\n'
            f'From: <sip:attacker@{src}>;tag=1\r\nTo: <sip:{to_user}@{PBX}>;tag=2\r\n'
            f'Call-ID: {callid}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n').encode()
t = 1765141200.0
# a REGISTER guesser: 25 tries for extension 1000, each answered 403
g = '10.2.0.66'
for i in range(25):
    udp(t, g, 5070, PBX, 5060, req('REGISTER', f'sip:{PBX}', g, 'reg1', i + 1, '1000'))
    udp(t + 0.01, PBX, 5060, g, 5070, rsp(403, 'Forbidden', g, 'reg1', i + 1, 'REGISTER', '1000'))
    t += 0.5
# an extension scanner: INVITEs to 12 extensions, each 404
s = '10.2.0.77'
for i in range(12):
    udp(t, s, 5070, PBX, 5060, req('INVITE', f'sip:{100 + i}@{PBX}', s, f'scan{i}', 1, str(100 + i)))
    udp(t + 0.01, PBX, 5060, s, 5070, rsp(404, 'Not Found', s, f'scan{i}', 1, 'INVITE', str(100 + i)))
    t += 0.3
# a new source dialling an international number
f = '10.2.0.88'
udp(t, f, 5070, PBX, 5060, req('INVITE', f'sip:00442079460000@{PBX}', f, 'toll1', 1, '00442079460000'))
udp(t + 0.02, PBX, 5060, f, 5070, rsp(100, 'Trying', f, 'toll1', 1, 'INVITE', '00442079460000'))
# a five-minute call from a new source (long-call is 120 s in this test)
c = '10.2.0.99'
udp(t + 1, c, 5070, PBX, 5060, req('INVITE', f'sip:2000@{PBX}', c, 'long1', 1, '2000'))
udp(t + 2, PBX, 5060, c, 5070, rsp(200, 'OK', c, 'long1', 1, 'INVITE', '2000'))
udp(t + 2.1, c, 5070, PBX, 5060, req('ACK', f'sip:2000@{PBX}', c, 'long1', 1, '2000'))
udp(t + 302, c, 5070, PBX, 5060, req('BYE', f'sip:2000@{PBX}', c, 'long1', 2, '2000'))
udp(t + 302.1, PBX, 5060, c, 5070, rsp(200, 'OK', c, 'long1', 2, 'BYE', '2000'))
pkts.sort(key=lambda p: p[0])
with open(sys.argv[1], 'wb') as o:
    o.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for ts, d in pkts:
        o.write(struct.pack('<IIII', int(ts), int((ts % 1) * 1e6), len(d), len(d)) + d)
EOF

cat >"$dir/vigil.yaml" <<'YAML'
%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "[10.0.0.0/8]"
    EXTERNAL_NET: "any"
outputs:
  - eve-log:
      enabled: yes
      filename: eve.json
      types:
        - alert:
            payload: yes
            payload-printable: yes
            packet: yes
            metadata: yes
            vigil-protocols: yes
        - anomaly
        - iso8583
        - sip
        - stats
        - flow
  - fast:
      enabled: yes
      filename: fast.log
  - stats:
      enabled: yes
      filename: stats.log
behaviour:
  sip:
    long-call: 120
    learning: 0
YAML

cat >"$dir/iso.rules" <<'EOF'
alert iso8583 any any -> any any (msg:"ISO8583 authorisation request"; iso8583.mti; content:"0100"; bsize:4; sid:1;)
alert iso8583 any any -> any any (msg:"ISO8583 declined 05"; iso8583.response_code; content:"05"; sid:2;)
alert iso8583 any any -> any any (msg:"ISO8583 tester terminal"; iso8583.terminal_id; content:"TEST0666"; iso8583.merchant_id; content:"0666"; endswith; sid:3;)
alert iso8583 any any -> any any (msg:"ISO8583 Amex card"; iso8583.pan; content:"371449"; startswith; sid:4;)
alert iso8583 any any -> any any (msg:"ISO8583 field 49 EUR"; iso8583.field:49; content:"978"; iso8583.processing_code; content:"000000"; sid:5;)
alert iso8583 any any -> any any (msg:"ISO8583 small amount"; iso8583.amount:<=100; iso8583.request:1; sid:6;)
alert iso8583 any any -> any any (msg:"ISO8583 PAN in field 2 never clear"; iso8583.field:2; content:"******"; sid:7;)
alert iso8583 any any -> any any (msg:"ISO8583 stream frame (its payload is logged)"; frame:iso8583.stream; content:"0100"; sid:8;)
EOF

out="$dir/out"
mkdir -p "$out"
"$bin" run -c "$dir/vigil.yaml" -r "$dir/shop.pcap" -r "$dir/shop4.pcap" -r "$dir/tester.pcap" \
  -r "$dir/icc.pcap" -r "$dir/sip.pcap" -S "$dir/iso.rules" -l "$out" -k none --set stream.midstream=true \
  >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }

python3 - "$out" "$dir/pans.txt" <<'EOF'
import base64, collections, json, os, sys
out, pans = sys.argv[1], [p for p in open(sys.argv[2]).read().split() if p]
fail = []
events = [json.loads(l) for l in open(f"{out}/eve.json")]
iso = [e for e in events if e.get("event_type") == "iso8583"]
alerts = collections.Counter()
alert_src = collections.defaultdict(set)
for e in events:
    if e.get("event_type") == "alert":
        a = e["alert"]
        k = (a["gid"], a["signature_id"])
        alerts[k] += 1
        alert_src[k].add(e.get("src_ip"))
        alert_src[k].add(e.get("dest_ip"))
# 2 x 14 shop messages + 24 tester messages + 6 of the chip terminal
if len(iso) != 58:
    fail.append(f"iso8583 events: {len(iso)} (58 expected)")
if sum(1 for e in iso if e["iso8583"].get("framing") == "ascii4") != 14:
    fail.append("ascii4 framing: not 14 messages")
masked = [e["iso8583"].get("pan") for e in iso if "pan" in e["iso8583"]]
if len(masked) != 24 or not all(len(p) >= 13 and p[6:-4] == "*" * (len(p) - 10) for p in masked):
    fail.append(f"masked PANs: {masked[:3]} ... ({len(masked)})")
paired = sum(1 for e in iso if "answers" in e["iso8583"])
if paired != 29:
    fail.append(f"responses paired: {paired} (29 expected)")
if any(e.get("event_type") == "anomaly" for e in events):
    fail.append("anomalies: " + str([e["anomaly"] for e in events if e.get("event_type") == "anomaly"][:3]))
expect = {(1, 1): 27, (1, 2): 11, (1, 3): 12, (1, 4): 2, (1, 5): 27, (1, 6): 12, (1, 7): 22, (1, 8): 7,
          (7303, 1): 1, (7303, 2): 1, (7300, 1): 1, (7300, 2): 1, (7300, 3): 1, (7300, 4): 1}
for k, n in expect.items():
    if alerts[k] != n:
        fail.append(f"alerts {k[0]}:{k[1]}: {alerts[k]} ({n} expected)")
for k in alerts:
    if k not in expect:
        fail.append(f"unexpected alert {k}: {alerts[k]}")
for k, ip in {(7303, 1): "10.1.0.66", (7303, 2): "10.1.0.66", (7300, 1): "10.2.0.66",
              (7300, 2): "10.2.0.77", (7300, 3): "10.2.0.88", (7300, 4): "10.2.0.99"}.items():
    if ip not in alert_src[k]:
        fail.append(f"alert {k}: not for {ip} ({alert_src[k]})")
# No card number in clear anywhere: every output file as bytes, and the
# base64 payloads and packets decoded, as text and packed BCD.
def bcd(p):
    p = p if len(p) % 2 == 0 else "0" + p
    return bytes.fromhex(p)
blobs = []
for name in os.listdir(out):
    blobs.append((name, open(os.path.join(out, name), "rb").read()))
for e in events:
    if e.get("event_type") == "alert":
        for key in ("payload", "packet"):
            if key in e:
                blobs.append((f"alert {key}", base64.b64decode(e[key])))
        if "payload" in e.get("frame", {}):
            blobs.append(("alert frame payload", base64.b64decode(e["frame"]["payload"])))
            blobs.append(("alert frame payload_printable",
                          e["frame"].get("payload_printable", "").encode()))
for what in ("alert payload", "alert frame payload"):
    if not any(n == what for n, _ in blobs):
        fail.append(f"no {what} written (the check would be empty)")
for p in pans:
    for name, b in blobs:
        if p.encode() in b or bcd(p) in b or bcd(p[1:]) in b:
            fail.append(f"card {p[:6]}...{p[-4:]} in clear in {name}")
            break
print(f"{len(iso)} iso8583 events, alerts: " +
      ", ".join(f"{g}:{s}={n}" for (g, s), n in sorted(alerts.items())))
if fail:
    print("\n".join(fail))
    sys.exit(1)
EOF
