#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_s7comm.sh DIR: fuzz seeds for fuzz_app_s7comm from the shared s7comm captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" s7comm "$1" "$shared/pcaps/s7comm"/*.pcap
