#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_quic.sh DIR: fuzz seeds for fuzz_app_quic from the suricata-verify QUIC captures
# (raw datagrams: flag bit 1 set; datagrams longer than a chunk are cut, which still seeds the
# header and gQUIC paths).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" quic "$1" "$sv"/quic-*/*.pcap
for f in "$1"/*; do
  [ -f "$f" ] || continue
  python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[0]|=3; open(p,"wb").write(d)' "$f"
done
