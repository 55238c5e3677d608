#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# mkpcap.py OUT SRC DST DPORT TIME HEX...: writes a classic pcap with one TCP
# session from SRC to DST:DPORT starting at Unix time TIME: the handshake,
# each HEX string as one client segment (acknowledged by the server), and
# FIN/ACK both ways. Standard library only; used by the baseline test to
# inject crafted industrial requests.
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(s):
    return bytes(int(x) for x in s.split("."))

def packet(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return b"\x00\x11\x22\x33\x44\x55\x00\x66\x77\x88\x99\xaa\x08\x00" + iph + tcp

def main():
    out, src, dst, dport, t = sys.argv[1], ip4(sys.argv[2]), ip4(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    sport, cseq, sseq = 40001, 1000, 5000
    pkts = [(src, dst, sport, dport, cseq, 0, 0x02, b""),
            (dst, src, dport, sport, sseq, cseq + 1, 0x12, b""),
            (src, dst, sport, dport, cseq + 1, sseq + 1, 0x10, b"")]
    cseq += 1
    sseq += 1
    for h in sys.argv[6:]:
        data = bytes.fromhex(h.replace(" ", ""))
        pkts.append((src, dst, sport, dport, cseq, sseq, 0x18, data))
        cseq += len(data)
        pkts.append((dst, src, dport, sport, sseq, cseq, 0x10, b""))
    pkts.append((src, dst, sport, dport, cseq, sseq, 0x11, b""))
    pkts.append((dst, src, dport, sport, sseq, cseq + 1, 0x11, b""))
    pkts.append((src, dst, sport, dport, cseq + 1, sseq + 1, 0x10, b""))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            frame = packet(*p)
            ts = t + i * 0.01
            f.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(frame), len(frame)))
            f.write(frame)

main()
