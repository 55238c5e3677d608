#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_iso8583.sh DIR: fuzz seeds for fuzz_app_iso8583 (no public ISO 8583
# capture exists): an authorisation and its response, ASCII with a binary
# bitmap and a 2-byte length, and the same request with a 4-digit ASCII
# length, in the harness's chunk format (fuzz_app_common.h).
set -eu
mkdir -p "$1"
python3 - "$1" <<'PY'
import sys
out = sys.argv[1]
def msg(mti, fields, prefix=2):
    bm = bytearray(8)
    body = b""
    for no, v, ll in fields:
        bm[(no - 1) // 8] |= 0x80 >> ((no - 1) % 8)
        body += (b"%0*d" % (ll, len(v)) if ll else b"") + v
    m = mti + bytes(bm) + body
    return (len(m).to_bytes(2, "big") if prefix == 2 else b"%04d" % len(m)) + m
req = msg(b"0100", [(2, b"4761739001010119", 2), (3, b"000000", 0), (4, b"000000000100", 0),
                    (11, b"000001", 0), (41, b"TERM0001", 0)])
rsp = msg(b"0110", [(3, b"000000", 0), (11, b"000001", 0), (39, b"05", 0), (41, b"TERM0001", 0)])
def chunks(parts):
    o = bytearray([0])
    for d, data in parts:
        for i in range(0, len(data), 100):
            c = data[i:i + 100]
            o += bytes([(0x80 if d else 0) | len(c)]) + c
    return bytes(o)
open(out + "/auth", "wb").write(chunks([(0, req), (1, rsp)]))
open(out + "/ascii4", "wb").write(chunks([(0, msg(b"0100", [(3, b"000000", 0), (11, b"000002", 0)], 4))]))
# ICC data (field 55: EMV 5A PAN and 57 track 2, packed) and a TPDU before the MTI
icc = (b"\x9f\x1a\x02\x02\x50\x5a\x08\x47\x61\x73\x90\x01\x01\x01\x19"
       b"\x57\x09\x47\x61\x73\x90\x01\x01\x01\x19\xd2\x95\x01\x80")
emv = msg(b"0100", [(3, b"000000", 0), (11, b"000003", 0), (41, b"TERM0001", 0), (55, icc, 3)])
open(out + "/icc", "wb").write(chunks([(0, emv), (1, rsp)]))
tp = emv[2:]
open(out + "/tpdu", "wb").write(chunks([(0, (len(tp) + 5).to_bytes(2, "big") + b"\x60\x00\x01\x00\x00" + tp)]))
PY
