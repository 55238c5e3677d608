#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seeds-snort_lua.sh DIR: the snort.lua fixture of the rule tests (filters,
# suppressions, rate filters and the errors they expect) as the seed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cp "$here/../tests/detect/data/snort.lua" "$1/fixture.lua"
