#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_smb.sh DIR: fuzz seeds for fuzz_app_smb from the suricata-verify captures of
# ../shared/conformance (there are no smb captures in ../shared/pcaps).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" smb "$1" "$sv"/smb*/*.pcap
