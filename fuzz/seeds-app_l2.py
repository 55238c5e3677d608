#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# seeds-app_l2.py DIR PCAP...: fuzz seeds for fuzz_app_l2 from the GOOSE, SV
# and PROFINET frames of classic-pcap Ethernet captures (one seed per capture,
# at most 200 frames; see fuzz_app_l2.c for the format). Standard library only.
import os, struct, sys

TYPES = {0x88b8: 0, 0x88ba: 1, 0x8892: 2}

def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">" if magic in (0xd4c3b2a1, 0x4d3cb2a1) else None
        if not e or struct.unpack(e + "I", hdr[20:24])[0] != 1:
            return
        prev = None
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, usec, incl, _ = struct.unpack(e + "IIII", h)
            d = f.read(incl)
            t = sec + usec / 1e6
            gap = 0 if prev is None else max(0, min(63, int((t - prev) * 10)))
            prev = t
            yield gap, d

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, path in enumerate(sys.argv[2:]):
        blob, count = bytearray(), 0
        try:
            for gap, d in frames(path):
                off, et = 14, struct.unpack(">H", d[12:14])[0] if len(d) >= 14 else 0
                while et == 0x8100 and len(d) >= off + 4:
                    et = struct.unpack(">H", d[off + 2:off + 4])[0]
                    off += 4
                if et not in TYPES:
                    continue
                payload = d[off:off + 65535]
                blob.append(gap << 2 | TYPES[et])
                blob += struct.pack(">H", len(payload)) + payload
                count += 1
                if count >= 200:
                    break
        except (OSError, struct.error):
            continue
        if count:
            with open(os.path.join(out, "l2-%d" % i), "wb") as f:
                f.write(blob)

main()
