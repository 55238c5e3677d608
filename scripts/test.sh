#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as `make test` and CI run it:
#   1. RelWithDebInfo build (-Werror) and every ctest test;
#   2. the tests again, built with AddressSanitizer + UndefinedBehaviorSanitizer
#      (except the tshark oracle comparisons, label "oracle": correctness
#      checks over every shared capture that stage 1 already ran);
#   3. every libFuzzer harness, briefly, on its seed corpus;
#   4. the suricata-verify conformance ratchet;
#   5. the binary in the Release build type (-O3, what packagers build), so a
#      warning that only optimisation reveals fails here, not at a packager.
# Developer and CI builds use -Werror (VIGIL_WERROR=ON); the CMake default is
# off so that packagers' builds never fail on a new compiler's warning.
set -eu
cd "$(dirname "$0")/.."
JOBS=2
SHARED=${VIGIL_SHARED:-$(cd .. && pwd)/shared}
export VIGIL_SHARED="$SHARED"
start=$(date +%s)

step() { printf '\n=== %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }

step "release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_WERROR=ON >/dev/null
cmake --build build -j$JOBS
step "unit and integration tests"
ctest --test-dir build --output-on-failure -j$JOBS

step "ASan+UBSan build and tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON -DVIGIL_WERROR=ON -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build build-asan -j$JOBS
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j$JOBS -LE oracle

step "fuzzers (short runs on seed corpora)"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DVIGIL_FUZZ=ON -DVIGIL_WERROR=ON -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build build-fuzz -j$JOBS
./fuzz/run-fuzzers.sh build-fuzz "${FUZZ_SECONDS:-6}" $JOBS

step "suricata-verify conformance ratchet"
./tests/conformance/ratchet.sh build/vigil

step "Release build type (packagers' -O3 build of the binary, -Werror)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DVIGIL_WERROR=ON >/dev/null
cmake --build build-release -j$JOBS --target vigil

step "done"
echo "all test stages passed"
