#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Hostile traffic end to end: a SYN flood from 60 000 spoofed sources, a flood
# of 20 000 never-completed IPv4 fragment datagrams, and a TCP session whose
# overlapping segments carry different data, run through `vigil run` with
# small memcaps. Memory must stay under every memcap, the emergency and
# memcap policies must show in the statistics, every frame must be counted,
# and the overlap must be reported.
set -eu
bin=${VIGIL_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/hostile.pcap" <<'PY'
import random, struct, sys
random.seed(7)
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
t = [1700000000.0]
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(src, dst, proto, payload, ident=0, off=0, mf=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, (0x2000 if mf else 0) | off,
                    64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + data
def emit(frame, dt=0.00001):
    t[0] += dt
    s = int(t[0]); u = int((t[0] - s) * 1e6)
    f = b"\2\0\0\0\0\1\2\0\0\0\0\2\x08\x00" + frame
    out.write(struct.pack("<IIII", s, u, len(f), len(f)) + f)
n = 0
server = bytes([10, 0, 0, 1])
for i in range(60000):                      # SYN flood
    src = struct.pack("!I", 0x0B000000 + i)
    emit(ip(src, server, 6, tcp(1024 + i % 60000, 80, random.getrandbits(32), 0, 0x02))); n += 1
for i in range(20000):                      # fragment flood: first fragments only
    src = struct.pack("!I", 0x0C000000 + i)
    emit(ip(src, server, 17, b"\0" * 1000, ident=i & 0xffff, mf=True)); n += 1
cli, srv = bytes([10, 0, 0, 2]), server     # overlapping segments, different data
emit(ip(cli, srv, 6, tcp(40000, 81, 100, 0, 0x02))); emit(ip(srv, cli, 6, tcp(81, 40000, 500, 101, 0x12)))
emit(ip(cli, srv, 6, tcp(40000, 81, 101, 501, 0x10)))
emit(ip(cli, srv, 6, tcp(40000, 81, 111, 501, 0x18, b"BBBBBBBBBB")))   # out of order first
emit(ip(cli, srv, 6, tcp(40000, 81, 101, 501, 0x18, b"AAAAAAAAAAAAAAAAAAAA")))  # overlaps it
emit(ip(srv, cli, 6, tcp(81, 40000, 501, 121, 0x10)))
n += 6
print(n)
PY
frames=$((60000 + 20000 + 6))
mkdir -p "$tmp/out"
# vigil's own counters are in stats.vigil only when asked for (the fixture).
"$bin" run -c "$(dirname "$0")/../fixtures/vigil-counters.yaml" \
  -r "$tmp/hostile.pcap" -l "$tmp/out" -k none --disable-detection \
  --set flow.memcap=4mb --set flow.hash-size=4096 --set flow.prealloc=1000 \
  --set defrag.memcap=1mb --set stream.reassembly.memcap=2mb --set stream.memcap=8mb
python3 - "$tmp/out/eve.json" "$frames" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]
# vigil's own counters (not Suricata's) are in the "vigil" object.
vst = st.get("vigil", {})
for k, v in vst.items():
    st.setdefault(k, {}).update(v) if isinstance(v, dict) else st.setdefault(k, v)
frames = int(sys.argv[2])
def need(cond, what):
    if not cond:
        print("FAIL:", what); sys.exit(1)
need(st["decoder"]["pkts"] == frames, "decoder.pkts %d != %d" % (st["decoder"]["pkts"], frames))
MB = 1024 * 1024
need(st["flow"]["memuse"] <= 4 * MB, "flow.memuse %d over the 4 MiB memcap" % st["flow"]["memuse"])
need(st["flow"]["emerg_mode_entered"] >= 1, "flow emergency mode never entered")
need(st["defrag"]["memuse_peak"] <= 1 * MB, "defrag memuse peak %d over the 1 MiB memcap" % st["defrag"]["memuse_peak"])
need(st["defrag"]["memcap_exception"] + st["defrag"]["max_trackers_reached"] > 0,
     "the fragment flood never hit the defrag memcap")
need(st["tcp"]["overlap_diff_data"] >= 1, "overlapping different data not counted")
need(st["tcp"]["reassembly_memuse"] <= 2 * MB, "reassembly memuse over its memcap")
an = [e["anomaly"]["event"] for e in ev if e["event_type"] == "anomaly"]
need("stream.reassembly_overlap_different_data" in an, "no overlap anomaly event")
flows = [e for e in ev if e["event_type"] == "flow"]
need(len(flows) >= 1000, "too few flow records: %d" % len(flows))
print("hostile: ok: %d frames, %d flow records, flow memuse %d, defrag peak %d, emergency %d" % (
    frames, len(flows), st["flow"]["memuse"], st["defrag"]["memuse_peak"], st["flow"]["emerg_mode_entered"]))
PY
