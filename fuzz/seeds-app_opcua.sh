#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_opcua.sh DIR: fuzz seeds for fuzz_app_opcua from the shared opcua captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" opcua "$1" "$shared/pcaps/opcua"/*.pcap
