#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The `vigil` command line: help, usage errors (exit 2, one line), missing
# and unsupported inputs, truncated captures.
set -u
bin=${VIGIL_BIN:?}
src=${VIGIL_SRC:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check NAME EXPECTED_STATUS COMMAND...
  name=$1; want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; cat "$tmp/err"; fail=1
  fi
}
one_line() { # the error is exactly one line
  n=$(grep -c . "$tmp/err")
  [ "$n" = 1 ] || { echo "FAIL $1: stderr has $n lines"; cat "$tmp/err"; fail=1; }
}
mentions() {
  grep -q -- "$2" "$tmp/err" || { echo "FAIL $1: stderr does not mention '$2'"; cat "$tmp/err"; fail=1; }
}

check help 0 "$bin" --help
grep -q "run" "$tmp/out" || { echo "FAIL help: no commands listed"; fail=1; }
check run-help 0 "$bin" run --help
grep -q -- "-r FILE" "$tmp/out" || { echo "FAIL run-help: no -r"; fail=1; }
check no-command 2 "$bin"
check unknown-command 2 "$bin" frobnicate; one_line unknown-command
check unknown-option 2 "$bin" run --bogus -r x.pcap; one_line unknown-option; mentions unknown-option --bogus
check missing-arg 2 "$bin" run -r; one_line missing-arg
check bad-k 2 "$bin" run -k sometimes -r x.pcap; one_line bad-k
check bad-threads 2 "$bin" run --threads 0 -r x.pcap; one_line bad-threads
check bad-set 2 "$bin" run --set novalue -r x.pcap; one_line bad-set
check no-input 2 "$bin" run -l "$tmp"; one_line no-input
check missing-file 2 "$bin" run -r "$tmp/nope.pcap" -l "$tmp"; one_line missing-file; mentions missing-file nope.pcap

# An unsupported link type (DLT_IEEE802_11_RADIO = 127).
python3 - "$tmp/radio.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 127))
    f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"\0\0\4\0")
PY
check linktype 2 "$bin" run -r "$tmp/radio.pcap" -l "$tmp"; one_line linktype; mentions linktype radio.pcap

# A truncated capture: every complete frame is processed, then a warning
# names the file and the byte offset.
python3 "$src/samples/make-sample.py" "$tmp/full.pcap" >/dev/null
size=$(stat -c %s "$tmp/full.pcap")
head -c $((size - 30)) "$tmp/full.pcap" >"$tmp/cut.pcap"
mkdir -p "$tmp/cut"
check truncated 0 "$bin" run -r "$tmp/cut.pcap" -l "$tmp/cut" --disable-detection
mentions truncated cut.pcap
grep -qi offset "$tmp/err" || { echo "FAIL truncated: no byte offset in warning"; cat "$tmp/err"; fail=1; }
python3 - "$tmp/cut/eve.json" <<'PY' || fail=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
stats = [e for e in ev if e["event_type"] == "stats"]
assert stats, "no stats event"
pk = stats[-1]["stats"]["decoder"]["pkts"]
# 54 frames in the sample; the last one is cut.
assert pk == 53, "decoder.pkts = %d, want 53" % pk
PY
# Configuration: Suricata's own default file loads ($VARIABLE port settings,
# lists); a value that cannot be used is an error naming file, line and key.
shared=${VIGIL_SHARED:-}
if [ -n "$shared" ] && [ -f "$shared/conformance/suricata-verify/default-suricata.yaml" ]; then
  mkdir -p "$tmp/cfg"
  check default-yaml-port-variables 0 "$bin" run -r "$tmp/full.pcap" -l "$tmp/cfg" \
    -c "$shared/conformance/suricata-verify/default-suricata.yaml"
fi
printf 'flow:\n  memcap: lots\n' >"$tmp/bad.yaml"
check bad-config-value 1 "$bin" run -r "$tmp/full.pcap" -l "$tmp" -c "$tmp/bad.yaml"
one_line bad-config-value; mentions bad-config-value "bad.yaml:2: flow.memcap"
check bad-set-value 1 "$bin" run -r "$tmp/full.pcap" -l "$tmp" --set defrag.timeout=-3
mentions bad-set-value "defrag.timeout"
[ $fail = 0 ] && echo "cli: all checks passed"
exit $fail
