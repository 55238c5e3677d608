#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_ldap.sh DIR: fuzz seeds for fuzz_app_ldap from the suricata-verify LDAP captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
sv=$shared/conformance/suricata-verify/tests
python3 "$here/seeds-app.py" ldap "$1" "$sv"/ldap-*/*.pcap
