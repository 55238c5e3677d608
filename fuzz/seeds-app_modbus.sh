#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_modbus.sh DIR: fuzz seeds for fuzz_app_modbus from the shared modbus captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" modbus "$1" "$shared/pcaps/modbus"/*.pcap
