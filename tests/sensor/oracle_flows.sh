#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Flows against the independent tshark oracle over every shared capture:
# every flow's packet and byte counts. The target is 99%; the threshold is a
# ratchet at the figure reached so far and only goes up.
set -eu
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
python3 "$shared/pcaps/compare.py" --kinds flows --min ${VIGIL_ORACLE_MIN:-80} --jobs 2 --timeout 120 \
  --cmd "$bin run -r {pcap} -l {outdir} --disable-detection -k none"
