#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# hostile_cli.sh: `vigil run` and `vigil rules check` on damaged captures,
# hostile YAML configurations and hostile rule files. Every run must end
# within 60 s with exit status 0 (input skipped with a warning) or 2 (input
# refused), never a signal or a sanitizer report, and every diagnostic must
# name the offending file. Catastrophic regexes (/(a+)+$/ and friends) on
# long payloads must be stopped by the PCRE match limit, not by the timeout.
set -eu
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pcap=$shared/pcaps/http/http-get.pcap

python3 - "$tmp" "$pcap" <<'PY'
import os, random, struct, sys
tmp, pcap = sys.argv[1], sys.argv[2]
random.seed(20261126)
def w(name, data):
    with open(os.path.join(tmp, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# Damaged captures: cut at offsets, bit flips, absurd record lengths.
b = open(pcap, "rb").read()
for n in (0, 3, 24, 30, 40, len(b) // 2, len(b) - 1):
    w("cut%d.pcap" % n, b[:n])
for k in range(4):
    c = bytearray(b)
    for _ in range(8 * (k + 1)):
        i = random.randrange(24, len(c)); c[i] ^= 1 << random.randrange(8)
    w("flip%d.pcap" % k, bytes(c))
c = bytearray(b); c[32:36] = b"\xff\xff\xff\x7f"; w("caplen.pcap", bytes(c))
c = bytearray(b); c[20:24] = b"\x01\x00\x02\x00"; w("linktype.pcap", bytes(c))
w("garbage.pcap", bytes(random.getrandbits(8) for _ in range(4096)))
w("pcapng-garbage.pcapng", b"\x0a\x0d\x0d\x0a" + bytes(random.getrandbits(8) for _ in range(4096)))

# Hostile YAML.
w("y-garbage.yaml", bytes(random.getrandbits(8) for _ in range(4096)))
w("y-deep.yaml", "a: " + "[" * 20000 + "]" * 20000 + "\n")
laughs = "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
prev = "a"
for n in "bcdefghi":
    laughs += "%s: &%s [%s]\n" % (n, n, ",".join(["*" + prev] * 10)); prev = n
w("y-laughs.yaml", laughs)
w("y-include-self.yaml", "include: y-include-self.yaml\n")
w("y-unterminated.yaml", 'vars:\n  address-groups:\n    HOME_NET: "[10.0.0.0/8\n')
w("y-utf8.yaml", b"vars:\n  address-groups:\n    HOME_NET: \"\xff\xfe\"\n")
w("y-alias.yaml", "vars: *nowhere\n")
w("y-varloop.yaml", "vars:\n  address-groups:\n    HOME_NET: \"$EXTERNAL_NET\"\n"
  "    EXTERNAL_NET: \"$HOME_NET\"\n")

# Hostile rules.
w("r-longline.rules", 'alert tcp any any -> any any (msg:"' + "A" * 100000 + '"; sid:1;)\n')
w("r-utf8.rules", b'alert tcp any any -> any any (msg:"\xff\xfe\xc3\x28"; sid:1;)\n')
w("r-quote.rules", 'alert tcp any any -> any any (msg:"oops; content:"x"; sid:1;)\n')
w("r-numbers.rules",
  'alert tcp any any -> any any (content:"a"; depth:99999999999999999999; sid:1;)\n'
  'alert tcp any any -> any any (byte_test:18446744073709551616,>,1,0; sid:2;)\n'
  'alert tcp any any -> any 99999999 (sid:3;)\n'
  'alert tcp any any -> any any (sid:99999999999999999999999;)\n'
  'alert tcp any any -> any any (content:"a"; within:4294967296; sid:4;)\n')
w("r-garbage.rules", bytes(random.getrandbits(8) for _ in range(4096)))
w("r-pcre.rules",
  'alert tcp any any -> any any (msg:"a"; pcre:"/(a+)+$/"; sid:1;)\n'
  'alert udp any any -> any any (msg:"b"; pcre:"/^(a|a)*$/"; sid:2;)\n'
  'alert http any any -> any any (msg:"c"; pcre:"/(a*)*b/U"; sid:3;)\n'
  'alert udp any any -> any 5002 (msg:"d"; pcre:"/(a+)+$/"; sid:4;)\n')

# A capture whose payloads are long runs of 'a' ending in '!': the worst case
# for the regexes above.
def csum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(proto, payload, src=b"\x0a\0\0\x02", dst=b"\x0a\0\0\x01"):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + data
frames = [ip(6, tcp(40000, 80, 100, 0, 2)),
          ip(6, tcp(80, 40000, 500, 101, 0x12), b"\x0a\0\0\x01", b"\x0a\0\0\x02"),
          ip(6, tcp(40000, 80, 101, 501, 0x10))]
req = b"GET /" + b"a" * 1400 + b"! HTTP/1.1\r\nHost: x\r\n\r\n"
frames.append(ip(6, tcp(40000, 80, 101, 501, 0x18, req)))
frames.append(ip(17, struct.pack("!HHHH", 5000, 5001, 8 + 1460, 0) + b"a" * 1459 + b"!"))
frames.append(ip(17, struct.pack("!HHHH", 5000, 5002, 8 + 1000, 0) + b"a" * 1000))  # must match
with open(os.path.join(tmp, "long-a.pcap"), "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        fr = b"\2\0\0\0\0\1\2\0\0\0\0\2\x08\x00" + fr
        f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
PY

# check NAME EXPECTED_STATUSES MUST_NAME -- ARGS...: runs vigil, checks the
# exit status is one of EXPECTED_STATUSES (e.g. "0 2"), that no sanitizer
# spoke, and that stderr names MUST_NAME when it says anything.
check() {
  name=$1 statuses=$2 must=$3
  shift 4
  rm -rf "$tmp/out" && mkdir -p "$tmp/out"
  rc=0
  (cd "$tmp" && timeout 60 "$bin" "$@") >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  ok=0
  for s in $statuses; do [ "$rc" = "$s" ] && ok=1; done
  if [ $ok = 0 ]; then
    echo "FAIL $name: exit status $rc, expected one of: $statuses"; head -5 "$tmp/stderr"; fail=1
  fi
  if grep -qE 'Sanitizer|runtime error:' "$tmp/stderr"; then
    echo "FAIL $name: sanitizer report"; head -30 "$tmp/stderr"; fail=1
  fi
  if [ -s "$tmp/stderr" ] && ! grep -qF "$must" "$tmp/stderr"; then
    echo "FAIL $name: diagnostics do not name '$must':"; head -3 "$tmp/stderr"; fail=1
  fi
}

for f in "$tmp"/cut*.pcap "$tmp"/flip*.pcap "$tmp"/caplen.pcap "$tmp"/linktype.pcap \
         "$tmp"/garbage.pcap "$tmp"/pcapng-garbage.pcapng; do
  n=$(basename "$f")
  check "capture $n" "0 2" "$n" -- run -r "$f" -l out -k none
done
for f in "$tmp"/y-*.yaml; do
  n=$(basename "$f")
  check "config $n" "0 1 2" "$n" -- run -r "$pcap" -c "$n" -l out -k none --disable-detection
done
# Exit 1 when not one rule of the files loads (Suricata's start-up failure).
# (The behavioural detectors read HOME_NET too and would name the
# configuration file first: off here, so the rule loader's diagnostic shows.)
check "config var loop used by a rule" "0 1 2" "rules" -- run -r "$pcap" -c y-varloop.yaml -l out -k none \
  -S r-numbers.rules --set behaviour.enabled=no
for f in "$tmp"/r-*.rules; do
  n=$(basename "$f")
  check "rules $n" "0 1 2" "$n" -- rules check "$n"
  check "run with rules $n" "0 1 2" "$n" -- run -r long-a.pcap -S "$n" -l out -k none
done

# The catastrophic regexes must finish quickly (PCRE match limit), and the
# ones that do match ('a' runs without the '!') must still alert.
start=$(date +%s)
check "catastrophic pcre" "0" "r-pcre.rules" -- run -r long-a.pcap -S r-pcre.rules -l out -k none
took=$(( $(date +%s) - start ))
if [ "$took" -gt 30 ]; then
  echo "FAIL catastrophic pcre: took ${took}s"; fail=1
fi
if ! grep -q '"signature_id":4,' "$tmp/out/eve.json"; then
  echo "FAIL catastrophic pcre: /(a+)+\$/ on a run of 'a' did not alert"; fail=1
fi

if [ $fail = 0 ]; then echo "robustness_hostile_cli: ok"; fi
exit $fail
