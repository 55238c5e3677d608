#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# seeds-app.py PROTO DIR PCAP...: writes one fuzz seed per TCP/UDP flow of the
# classic-pcap captures, in the fuzz_app_<proto> input format (byte 0: bit 0
# UDP, bit 1 port 5353; then chunks of [dir<<7 | len(1..127, 0=128), bytes]). Standard library
# only; pcapng files and frames other than Ethernet, raw IP and BSD loopback are skipped.
import os, struct, sys

def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            e = "<"
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            e = ">"
        else:
            return
        link = struct.unpack(e + "I", hdr[20:24])[0]
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            _, _, incl, _ = struct.unpack(e + "IIII", h)
            yield link, f.read(incl)

def l4(link, d):
    off = 0
    if link == 1:
        et = struct.unpack(">H", d[12:14])[0]; off = 14
        while et in (0x8100, 0x88a8) and len(d) >= off + 4:
            et = struct.unpack(">H", d[off + 2:off + 4])[0]; off += 4
    elif link in (101, 12):
        et = 0x0800 if d and d[0] >> 4 == 4 else 0x86dd
    elif link in (0, 108) and len(d) > 4:  # BSD loopback: 4-byte address family
        et = 0x0800 if d[4] >> 4 == 4 else 0x86dd; off = 4
    else:
        return None
    ip = d[off:]
    if et == 0x0800 and len(ip) >= 20:
        hl = (ip[0] & 15) * 4; proto = ip[9]; src, dst = ip[12:16], ip[16:20]; body = ip[hl:struct.unpack(">H", ip[2:4])[0]]
    elif et == 0x86dd and len(ip) >= 40:
        proto = ip[6]; src, dst = ip[8:24], ip[24:40]; body = ip[40:]
    else:
        return None
    if proto == 6 and len(body) >= 20:
        sp, dp = struct.unpack(">HH", body[:4]); payload = body[(body[12] >> 4) * 4:]
    elif proto == 17 and len(body) >= 8:
        sp, dp = struct.unpack(">HH", body[:4]); payload = body[8:]
    else:
        return None
    return proto, src, sp, dst, dp, payload

def main():
    proto_name, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in sys.argv[3:]:
        flows = {}
        try:
            for link, d in frames(path):
                r = l4(link, d)
                if not r or not r[5]:
                    continue
                proto, src, sp, dst, dp, payload = r
                key = (proto, min((src, sp), (dst, dp)), max((src, sp), (dst, dp)))
                fl = flows.setdefault(key, {"first": (src, sp), "chunks": [], "udp": proto == 17,
                                            "mdns": 5353 in (sp, dp)})
                direction = 0 if (src, sp) == fl["first"] else 1
                fl["chunks"].append((direction, payload))
        except (OSError, struct.error, IndexError):
            continue
        for fl in flows.values():
            blob = bytearray([(1 if fl["udp"] else 0) | (2 if fl["mdns"] else 0)])
            for direction, payload in fl["chunks"]:
                for i in range(0, len(payload), 128):
                    part = payload[i:i + 128]
                    blob.append((direction << 7) | (len(part) & 0x7f))
                    blob += part
                if len(blob) > 64 * 1024:
                    break
            n += 1
            with open(os.path.join(out, "%s-%d" % (proto_name, n)), "wb") as f:
                f.write(blob)

main()
