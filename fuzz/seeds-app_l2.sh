#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_l2.sh DIR: fuzz seeds for fuzz_app_l2 from the shared GOOSE,
# PROFINET and MMS (with GOOSE) captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app_l2.py" "$1" "$shared/pcaps/goose"/*.pcap "$shared/pcaps/profinet"/*.pcap \
  "$shared/pcaps/mms"/*.pcap
