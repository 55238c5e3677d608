#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_mqtt.sh DIR: fuzz seeds for fuzz_app_mqtt from the shared mqtt captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" mqtt "$1" "$shared/pcaps/mqtt"/*.pcap
