#!/usr/bin/env bash
# Installs the Debian 12 packages that the build and the VS Code tests need and a fresh machine
# lacks: chromium (the browser Playwright drives), ripgrep (code-server's search), and the
# toolchain code-server's native modules build with (build-essential, pkg-config, python3,
# libkrb5-dev). Idempotent: when everything is present it returns at once, without apt.
set -euo pipefail

packages=(chromium ripgrep build-essential pkg-config python3 libkrb5-dev)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all present (${packages[*]})"
  exit 0
fi

echo "install-system-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Recommends are skipped: chromium's alone pull in hundreds of megabytes nothing here uses.
# The package lists may be missing or stale on a fresh machine, so refresh them once, and again
# only if the first attempt fails.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$' || true)" ]; then
  "${sudo_cmd[@]}" apt-get update -q
fi
if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-system-deps: done"
