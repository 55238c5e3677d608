#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_dns.sh DIR: fuzz seeds for fuzz_app_dns from the shared dns captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" dns "$1" "$shared/pcaps/dns"/*.pcap
