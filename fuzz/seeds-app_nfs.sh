#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_nfs.sh DIR: fuzz seeds for fuzz_app_nfs from the suricata-verify captures of
# ../shared/conformance (there are no nfs captures in ../shared/pcaps).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" nfs "$1" "$sv"/nfs*/*.pcap "$sv"/issue-3277-nfs*/*.pcap
