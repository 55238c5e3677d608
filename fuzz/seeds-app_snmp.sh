#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_snmp.sh DIR: fuzz seeds for fuzz_app_snmp from the suricata-verify SNMP captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" snmp "$1" "$sv"/snmp-*/*.pcap
