#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_gtp.sh DIR: fuzz seeds for fuzz_app_gtp from the shared GTP captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" gtp "$1" "$shared/pcaps/gtp"/*.pcap
