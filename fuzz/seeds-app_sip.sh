#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_sip.sh DIR: fuzz seeds for fuzz_app_sip from the shared SIP captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" sip "$1" "$shared/pcaps/sip"/*.pcap
