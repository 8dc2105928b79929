#!/usr/bin/env bash
# Installs the Debian 12 packages stgw needs to build, test and benchmark. Idempotent: does
# nothing when every package is present. Works as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libevent-dev libnghttp2-dev libssl-dev libboost-dev libtomlplusplus-dev prometheus-cpp-dev
  libicu-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libpugixml-dev nlohmann-json3-dev
  curl openssl procps python3
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk nghttp2-client nginx-light haproxy)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
