#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_rfb.sh DIR: fuzz seeds for fuzz_app_rfb from the suricata-verify RFB captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" rfb "$1" "$sv"/rfb-*/*.pcap
