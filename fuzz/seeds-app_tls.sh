#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_tls.sh DIR: fuzz seeds for fuzz_app_tls from the shared tls captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" tls "$1" "$shared/pcaps/tls"/*.pcap
