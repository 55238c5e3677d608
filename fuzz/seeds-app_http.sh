#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-app_http.sh DIR: fuzz seeds for fuzz_app_http from the shared http captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=${VIGIL_SHARED:-$here/../../shared}
python3 "$here/seeds-app.py" http "$1" "$shared/pcaps/http"/*.pcap
# Whole downloads make slow seeds: keep the first 16 KiB of each conversation.
for f in "$1"/*; do truncate -s '<16384' "$f"; done
