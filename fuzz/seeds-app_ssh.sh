#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_ssh.sh DIR: fuzz seeds for fuzz_app_ssh from the shared ssh captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" ssh "$1" "$shared/pcaps/ssh"/*.pcap
