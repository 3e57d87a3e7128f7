#!/usr/bin/env bash
# Puts torch, onnx (with onnxscript, which torch.onnx.export imports) and numpy (what tools/bench/make_bench_model.py needs) into
# .cache/python-packages/ (git-ignored), from the index pip is configured with: its first extra
# index becomes PIP_INDEX_URL so pip does not retry an unreachable default. Quick when present.
# Prints the folder to put on PYTHONPATH.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="$repo_root/.cache/python-packages"
marker="$target/.bench-packages-ok"
if [ -f "$marker" ]; then
  echo "$target"
  exit 0
fi
if [ -z "${PIP_INDEX_URL:-}" ]; then
  extra="$(python3 -m pip config get global.extra-index-url 2>/dev/null || true)"
  if [ -n "$extra" ]; then
    export PIP_INDEX_URL="${extra%% *}"
  fi
fi
mkdir -p "$target"
python3 -m pip install --quiet --disable-pip-version-check --target "$target" torch onnx onnxscript numpy >&2
touch "$marker"
echo "$target"
