#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_c37118.sh DIR: fuzz seeds for fuzz_app_c37118 from the shared c37118 captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" c37118 "$1" "$shared/pcaps/c37118"/*.pcap
