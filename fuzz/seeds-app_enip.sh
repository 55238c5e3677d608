#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_enip.sh DIR: fuzz seeds for fuzz_app_enip from the shared enip captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" enip "$1" "$shared/pcaps/enip"/*.pcap
