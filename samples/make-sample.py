#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes samples/demo.pcap: a small, synthetic but protocol-correct capture
for `make demo` (HTTP, DNS, TLS ClientHello, SSH banners, an ICMP echo, a
fragmented UDP datagram and a port scan), so the demo needs no third-party
data. Deterministic: the same bytes every run. Standard library only."""
import struct
import sys

LINKTYPE_ETHERNET = 1
packets = []
clock = [1700000000.0]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def eth(payload, ethertype=0x0800):
    return b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident=1, frag=0, mf=False, total=None):
    flags_frag = (0x2000 if mf else 0) | frag
    length = total if total is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, ident, flags_frag, 64, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    return ipv4(src, dst, 6, hdr + payload)


def udp(src, dst, sport, dport, payload):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + payload


def add(frame, dt=0.001):
    clock[0] += dt
    packets.append((clock[0], eth(frame)))


def tcp_session(cli, srv, sport, dport, requests, isn_c=1000, isn_s=5000):
    """Handshake, alternating request/response payloads, FIN both ways."""
    add(tcp(cli, srv, sport, dport, isn_c, 0, 0x02))
    add(tcp(srv, cli, dport, sport, isn_s, isn_c + 1, 0x12))
    add(tcp(cli, srv, sport, dport, isn_c + 1, isn_s + 1, 0x10))
    c, s = isn_c + 1, isn_s + 1
    for to_server, data in requests:
        if to_server:
            add(tcp(cli, srv, sport, dport, c, s, 0x18, data))
            c += len(data)
            add(tcp(srv, cli, dport, sport, s, c, 0x10))
        else:
            add(tcp(srv, cli, dport, sport, s, c, 0x18, data))
            s += len(data)
            add(tcp(cli, srv, sport, dport, c, s, 0x10))
    add(tcp(cli, srv, sport, dport, c, s, 0x11))
    add(tcp(srv, cli, dport, sport, s, c + 1, 0x11))
    add(tcp(cli, srv, sport, dport, c + 1, s + 1, 0x10))


def dns_query(qid, name, qtype=1):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)


def dns_answer(qid, name, addr):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + ip4(addr)
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + struct.pack("!HH", 1, 1) + ans


def client_hello(sni):
    host = sni.encode()
    sni_ext = struct.pack("!HHHBH", 0, len(host) + 5, len(host) + 3, 0, len(host)) + host
    groups = struct.pack("!HHH", 10, 4, 2) + struct.pack("!H", 29)
    alpn_list = b"\x02h2\x08http/1.1"
    alpn = struct.pack("!HHH", 16, len(alpn_list) + 2, len(alpn_list)) + alpn_list
    exts = sni_ext + groups + alpn
    ciphers = struct.pack("!HHHH", 0xC02F, 0xC030, 0x009E, 0x002F)
    body = struct.pack("!H", 0x0303) + bytes(range(32)) + b"\0" + struct.pack("!H", len(ciphers)) + ciphers
    body += b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


HOST, WEB, RESOLVER, SSHD, SCANNER = "10.1.1.10", "198.51.100.20", "10.1.1.53", "10.1.1.22", "203.0.113.66"

# DNS lookups, one of them for a name on the demo blocklist.
for i, (name, addr) in enumerate([("www.example.org", "198.51.100.20"), ("update.evil-c2.example", "203.0.113.99")]):
    add(ipv4(HOST, RESOLVER, 17, udp(HOST, RESOLVER, 40000 + i, 53, dns_query(0x1000 + i, name))))
    add(ipv4(RESOLVER, HOST, 17, udp(RESOLVER, HOST, 53, 40000 + i, dns_answer(0x1000 + i, name, addr))))

# HTTP: a normal page, then a request that looks like a web-shell upload probe.
tcp_session(HOST, WEB, 51000, 80, [
    (True, b"GET /index.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: Mozilla/5.0\r\n\r\n"),
    (False, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>"),
])
tcp_session(HOST, WEB, 51001, 80, [
    (True, b"GET /cgi-bin/../../etc/passwd HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: sqlmap/1.7\r\n\r\n"),
    (False, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
])
# TLS to the C2 name.
tcp_session(HOST, "203.0.113.99", 51002, 443, [(True, client_hello("update.evil-c2.example"))])
# SSH banners.
tcp_session(SCANNER, SSHD, 52000, 22, [
    (False, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
    (True, b"SSH-2.0-libssh_0.9.6\r\n"),
])
# ICMP echo.
echo = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"vigil-demo-ping"
echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
add(ipv4(SCANNER, HOST, 1, echo))
reply = b"\0" + echo[1:2] + b"\0\0" + echo[4:]
reply = reply[:2] + struct.pack("!H", csum(reply)) + reply[4:]
add(ipv4(HOST, SCANNER, 1, reply))
# A UDP datagram in two IPv4 fragments.
data = udp(HOST, RESOLVER, 40100, 9999, b"F" * 1400)
add(ipv4(HOST, RESOLVER, 17, data[:1000], ident=77, mf=True, total=1020))
add(ipv4(HOST, RESOLVER, 17, data[1000:], ident=77, frag=1000 // 8, total=20 + len(data) - 1000))
# A SYN scan of a few ports.
for port in (21, 23, 25, 110, 139, 445, 3389, 8080):
    add(tcp(SCANNER, HOST, 60000, port, 424242, 0, 0x02), dt=0.0001)

out = sys.argv[1] if len(sys.argv) > 1 else "demo.pcap"
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
    for ts, frame in packets:
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
print("wrote %s: %d packets" % (out, len(packets)))
