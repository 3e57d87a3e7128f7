#!/usr/bin/env bash
# Puts a software Vulkan driver (Mesa 25's lavapipe) in .cache/lavapipe/ so that WebGPU runs on a
# machine without a GPU: onnxruntime-node's WebGPU execution provider (Dawn) needs a Vulkan driver,
# and Debian 12's own lavapipe (Mesa 22) is rejected by Dawn. Mesa 25.0.7 from bookworm-backports
# works; it is fetched through a private apt setup under .cache/lavapipe/apt/ and unpacked with
# `dpkg -x`, so the system's sources and installed packages stay as they are. Only its runtime
# dependencies from plain bookworm (libvulkan1, libllvm15) are installed with apt-get if missing.
# Idempotent: quick when everything is in place. Prints the environment to use.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

mesa_version='25.0.7-2~bpo12+1'
dest="$repo_root/.cache/lavapipe"
icd="$dest/lvp_icd.json"
unpacked="$dest/root"
lib="$unpacked/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"
stamp="$dest/version"

print_env() {
  echo "install-lavapipe: use it with"
  echo "  export VK_ICD_FILENAMES=$icd"
  echo "  export MESA_SHADER_CACHE_DIR=$repo_root/.cache/mesa-shader-cache"
}

if [ "$(uname -m)" != "x86_64" ] || [ ! -r /etc/debian_version ]; then
  echo "install-lavapipe: only for Debian 12 on x86_64; skipped" >&2
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

# Runtime dependencies of the backported driver, from the system's own (bookworm) sources.
missing=()
for pkg in libvulkan1 libllvm15; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-lavapipe: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

if [ -f "$icd" ] && [ -f "$lib" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$mesa_version" ]; then
  echo "install-lavapipe: Mesa $mesa_version lavapipe already in $dest"
  print_env
  exit 0
fi

echo "install-lavapipe: fetching mesa-vulkan-drivers=$mesa_version from bookworm-backports"
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/parts" "$dest/download"
echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$apt_dir/sources.list"
# Only the private sources list and lists folder: the system's sources.list.d is not read, and
# nothing is written under /etc/apt or /var/lib/apt.
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/parts"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache::Archives=$apt_dir/archives"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" update -q
(cd "$dest/download" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download "mesa-vulkan-drivers=$mesa_version")

rm -rf "$unpacked"
dpkg -x "$dest"/download/mesa-vulkan-drivers_*.deb "$unpacked"
if [ ! -f "$lib" ]; then
  echo "install-lavapipe: $lib is missing from the package" >&2
  exit 1
fi
# The package's own ICD file names the library at its system path; this one names the unpacked copy.
cat > "$icd" <<EOF
{
  "file_format_version": "1.0.0",
  "ICD": {
    "library_path": "$lib",
    "api_version": "1.4.305"
  }
}
EOF
echo "$mesa_version" > "$stamp"
mkdir -p "$repo_root/.cache/mesa-shader-cache"
echo "install-lavapipe: done"
print_env
