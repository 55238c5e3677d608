#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Application-layer records against the tshark oracle, one kind at a time,
# each with its own floor. The target for every kind is 99%; a kind still
# below it has a ratchet floor at the figure reached so far, which only
# goes up (see docs/app-layer.md for the explained differences).
set -u
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
status=0
for spec in dns:99 x509:99 ssh:99 ftp:99 http:97 tls:92 smtp:72; do
  kind=${spec%%:*}
  min=${spec#*:}
  python3 "$shared/pcaps/compare.py" --kinds "$kind" --min "$min" --jobs 2 --timeout 120 \
    --cmd "$bin run -r {pcap} -l {outdir} --disable-detection -k none" >"${TMPDIR:-/tmp}/oracle-$kind.$$" 2>&1
  rc=$?
  head -1 "${TMPDIR:-/tmp}/oracle-$kind.$$"
  [ $rc = 0 ] || { echo "oracle $kind below its floor of $min%"; status=1; }
  rm -f "${TMPDIR:-/tmp}/oracle-$kind.$$"
done
exit $status
