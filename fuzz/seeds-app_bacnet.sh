#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_bacnet.sh DIR: fuzz seeds for fuzz_app_bacnet from the shared bacnet captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" bacnet "$1" "$shared/pcaps/bacnet"/*.pcap
