#!/usr/bin/env bash
# Installs whatever is missing to build, test and run the extension: Debian packages, code-server
# in .cache/code-server/, and node_modules (`npm ci`, skipping onnxruntime-node's CUDA download,
# which fails offline; its CPU binaries ship in the npm package). Quick when all is present.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

bash scripts/install-system-deps.sh
# A software Vulkan driver for the WebGPU tests; they stay pending where it cannot be fetched.
bash scripts/install-lavapipe.sh || echo "ensure-deps: lavapipe unavailable; WebGPU model tests will be pending"
bash scripts/install-code-server.sh
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-deps: node_modules missing or older than package-lock.json; running npm ci"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
fi
