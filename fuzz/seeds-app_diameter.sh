#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_diameter.sh DIR: fuzz seeds for fuzz_app_diameter from the shared Diameter captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" diameter "$1" "$shared/pcaps/diameter"/*.pcap
