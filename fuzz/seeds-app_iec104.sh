#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_iec104.sh DIR: fuzz seeds for fuzz_app_iec104 from the shared iec104 captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" iec104 "$1" "$shared/pcaps/iec104"/*.pcap
