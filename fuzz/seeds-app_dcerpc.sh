#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_dcerpc.sh DIR: fuzz seeds for fuzz_app_dcerpc from the suricata-verify captures of
# ../shared/conformance (there are no dcerpc captures in ../shared/pcaps).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" dcerpc "$1" "$sv"/dcerpc*/*.pcap "$sv"/dcerpc/*/*.pcap
