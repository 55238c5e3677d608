#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seeds-capture_file.sh DIR: the small shared captures (under 8 KiB) as seeds.
set -euo pipefail
dir=${1:?usage: seeds-capture_file.sh DIR}
shared=${VIGIL_SHARED:-$(dirname "$0")/../../shared}
mkdir -p "$dir"
find "$shared/pcaps" -path '*/expected' -prune -o \( -name '*.pcap' -o -name '*.pcapng' \) \
    -size -8k -print | sort | while read -r f; do
    cp "$f" "$dir/"
done
