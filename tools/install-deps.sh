#!/usr/bin/env bash
# Installs the Debian packages opchat builds, tests and runs with. Idempotent and quiet when
# everything is already there; uses sudo only when not root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libssl-dev zlib1g-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql postgresql-contrib
  tzdata curl python3 iproute2 clang-format-14
  nodejs chromium fonts-noto-cjk
)
packages+=("$@")
# npm comes with some builds of nodejs (NodeSource) and is a package of its own in Debian.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
