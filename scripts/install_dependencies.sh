#!/usr/bin/env bash
# Installs the Debian bookworm packages SSIMAutoencoder builds, tests and runs with. Run as root.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libinsighttoolkit5-dev libtorch-dev libgtest-dev
  libcli11-dev nlohmann-json3-dev libtiff-dev clang
  libvtk9-dev python3-vtk9 libopenmpi-dev xvfb
  python3 python3-numpy python3-torch python3-skimage python3-opencv python3-sklearn
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "All ${#packages[@]} packages are installed."
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing packages: ${missing[*]}" >&2
  echo "Run this script as root (or: sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
