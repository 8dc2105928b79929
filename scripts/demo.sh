#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs `stgw demo` (Ctrl-C stops it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
dir=$("$root/scripts/build.sh" | tail -n 1)
exec "$dir/gateway/cli/stgw" demo "$@"
