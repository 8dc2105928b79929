#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds from scratch, runs ctest.
#   scripts/test.sh              release build (build/)
#   scripts/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
mode="${1:-}"
dir="$root/build"
[[ "$mode" == "--sanitize" ]] && dir="$root/build-asan"
rm -rf "$dir"
"$root/scripts/build.sh" $mode >/dev/null
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$dir"
ctest --output-on-failure -j "$(nproc)" --timeout 300
