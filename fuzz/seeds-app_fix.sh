#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_fix.sh DIR: fuzz seeds for fuzz_app_fix from the shared FIX captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" fix "$1" "$shared/pcaps/fix"/*.pcap
