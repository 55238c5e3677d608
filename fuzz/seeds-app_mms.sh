#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_mms.sh DIR: fuzz seeds for fuzz_app_mms from the shared mms captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" mms "$1" "$shared/pcaps/mms"/*.pcap
