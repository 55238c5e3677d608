#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_dnp3.sh DIR: fuzz seeds for fuzz_app_dnp3 from the shared dnp3 captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" dnp3 "$1" "$shared/pcaps/dnp3"/*.pcap
