#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_krb5.sh DIR: fuzz seeds for fuzz_app_krb5 from the suricata-verify captures of
# ../shared/conformance (there are no krb5 captures in ../shared/pcaps).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" krb5 "$1" "$sv"/krb5*/*.pcap "$sv"/bug-8278-krb5*/*.pcap
