#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Flows against the independent tshark oracle over every shared capture:
# every flow's packet and byte counts must agree at 99% or better.
set -eu
bin=${VIGIL_BIN:?}
shared=${VIGIL_SHARED:?}
python3 "$shared/pcaps/compare.py" --kinds flows --min 99 --jobs 2 --timeout 120 \
  --cmd "$bin run -r {pcap} -l {outdir} --disable-detection -k none"
