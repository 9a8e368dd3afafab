#!/usr/bin/env bash
# Installs the Debian packages vision needs, only those that are missing.
# Usage: scripts/install-system-packages.sh [extra-package ...]
set -euo pipefail

packages=(pkg-config libpng-dev libjpeg-dev libdeflate-dev libdnnl-dev libopenmpi-dev openmpi-bin "$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
