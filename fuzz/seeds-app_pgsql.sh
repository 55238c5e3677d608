#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_pgsql.sh DIR: fuzz seeds for fuzz_app_pgsql from the suricata-verify captures of
# ../shared/conformance (there are no PostgreSQL captures in ../shared/pcaps).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" pgsql "$1" "$sv"/pgsql/*/*.pcap
