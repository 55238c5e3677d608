# SPDX-License-Identifier: Apache-2.0
"""Tiny pcap writer for tests: Ethernet/IPv4 TCP and UDP frames with valid
checksums, TCP sessions with explicit sequence numbers. Standard library only."""
import struct


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _ip4(a):
    return bytes(int(x) for x in a.split("."))


class Pcap:
    def __init__(self, path, start=1700000000.0):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = start
        self.count = 0

    def frame(self, ip_packet, dt=0.001):
        self.t += dt
        sec = int(self.t)
        usec = int(round((self.t - sec) * 1e6))
        fr = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip_packet
        self.f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
        self.count += 1

    @staticmethod
    def ipv4(src, dst, proto, payload, ttl=64):
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, ttl, proto, 0,
                        _ip4(src), _ip4(dst))
        return h[:10] + struct.pack("!H", _csum(h)) + h[12:] + payload

    def tcp(self, src, dst, sp, dp, seq, ack, flags, data=b""):
        h = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags,
                        65535, 0, 0)
        pseudo = _ip4(src) + _ip4(dst) + struct.pack("!BBH", 0, 6, len(h) + len(data))
        h = h[:16] + struct.pack("!H", _csum(pseudo + h + data)) + h[18:]
        self.frame(self.ipv4(src, dst, 6, h + data))

    def udp(self, src, dst, sp, dp, data):
        h = struct.pack("!HHHH", sp, dp, 8 + len(data), 0)
        pseudo = _ip4(src) + _ip4(dst) + struct.pack("!BBH", 0, 17, 8 + len(data))
        c = _csum(pseudo + h + data) or 0xFFFF
        self.frame(self.ipv4(src, dst, 17, h[:6] + struct.pack("!H", c) + data))

    def close(self):
        self.f.close()


class Session:
    """A TCP session with a handshake; send() moves the sequence numbers and
    acknowledges each segment from the other side."""

    def __init__(self, pcap, cli, srv, sport, dport, isn_c=1000, isn_s=9000):
        self.p, self.cli, self.srv, self.sport, self.dport = pcap, cli, srv, sport, dport
        self.c, self.s = isn_c + 1, isn_s + 1
        pcap.tcp(cli, srv, sport, dport, isn_c, 0, 0x02)
        pcap.tcp(srv, cli, dport, sport, isn_s, self.c, 0x12)
        pcap.tcp(cli, srv, sport, dport, self.c, self.s, 0x10)

    def send(self, to_server, data, ack=True, seq=None):
        if to_server:
            s = self.c if seq is None else seq
            self.p.tcp(self.cli, self.srv, self.sport, self.dport, s, self.s, 0x18, data)
            if seq is None:
                self.c += len(data)
            if ack:
                self.p.tcp(self.srv, self.cli, self.dport, self.sport, self.s, self.c, 0x10)
        else:
            s = self.s if seq is None else seq
            self.p.tcp(self.srv, self.cli, self.dport, self.sport, s, self.c, 0x18, data)
            if seq is None:
                self.s += len(data)
            if ack:
                self.p.tcp(self.cli, self.srv, self.sport, self.dport, self.c, self.s, 0x10)

    def close(self):
        self.p.tcp(self.cli, self.srv, self.sport, self.dport, self.c, self.s, 0x11)
        self.p.tcp(self.srv, self.cli, self.dport, self.sport, self.s, self.c + 1, 0x11)
        self.p.tcp(self.cli, self.srv, self.sport, self.dport, self.c + 1, self.s + 1, 0x10)
