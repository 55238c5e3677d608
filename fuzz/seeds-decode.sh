#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Usage: fuzz/seeds-decode.sh DIR
# Writes seed inputs for fuzz_decode into DIR: frames from the shared
# captures (../shared/pcaps, or $VIGIL_SHARED/pcaps), each prefixed with the
# byte that selects its datalink in fuzz/fuzz_decode.c. At most 20 frames per
# capture, which keeps the corpus small while covering every capture.
set -eu
dir=${1:?usage: seeds-decode.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
mkdir -p "$dir"
python3 - "$shared/pcaps" "$dir" <<'PY'
import hashlib, os, struct, sys

root, out = sys.argv[1], sys.argv[2]
# datalink -> selector byte (index into fuzz_datalinks[] in fuzz_decode.c)
selector = {1: 0, 113: 1, 276: 2, 12: 3, 101: 4, 228: 5, 229: 6, 0: 7, 108: 8, 14: 9}
PER_FILE = 20

def frames_pcap(data):
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return None, []
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    off, frames = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack(e + 'I', data[off + 8:off + 12])[0]
        off += 16
        if caplen > len(data) - off:
            break
        frames.append(data[off:off + caplen])
        off += caplen
    return linktype, frames

def frames_pcapng(data):
    off, links, frames = 0, [], []
    e = '<'
    while off + 12 <= len(data):
        btype, blen = struct.unpack(e + 'II', data[off:off + 8])
        if btype == 0x0A0D0D0A:
            e = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            btype, blen = struct.unpack(e + 'II', data[off:off + 8])
            links = []
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            links.append(struct.unpack(e + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            iface, _, _, caplen = struct.unpack(e + 'IIII', body[:16])
            if iface < len(links):
                frames.append((links[iface], body[20:20 + caplen]))
        off += blen
    return frames

count = 0
for cat in sorted(os.listdir(root)):
    cdir = os.path.join(root, cat)
    if not os.path.isdir(cdir):
        continue
    for name in sorted(os.listdir(cdir)):
        if not name.endswith(('.pcap', '.pcapng')):
            continue
        data = open(os.path.join(cdir, name), 'rb').read()
        lt, frames = frames_pcap(data)
        pairs = [(lt, f) for f in frames] if lt is not None else frames_pcapng(data)
        step = max(1, len(pairs) // PER_FILE)
        for lt, f in pairs[::step][:PER_FILE]:
            if lt not in selector:
                continue
            seed = bytes([selector[lt]]) + f
            h = hashlib.sha1(seed).hexdigest()[:16]
            with open(os.path.join(out, h), 'wb') as fh:
                fh.write(seed)
            count += 1
print(f"seeds-decode: {count} seeds written to {out}", file=sys.stderr)
PY
