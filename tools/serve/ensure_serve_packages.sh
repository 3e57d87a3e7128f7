#!/usr/bin/env bash
# Puts what `transformers serve` and tools/serve/to_transformers_gpt2.py need (torch for the CPU,
# transformers 5.x, the FastAPI stack, onnx and onnxruntime for the converter's check) into
# .cache/serve-python/ (git-ignored): a venv when `python3 -m venv` works, else a `pip --target`
# folder with a small launcher. Packages come from the index pip is configured with; its first
# extra index becomes PIP_INDEX_URL so pip does not retry an unreachable default. Quick when the
# marker (a hash of the package list and the interpreter) matches. Runs without stdin, as root on
# a fresh Debian 12 too (python3-venv and pip are taken from apt when missing and apt is there).
# Prints one line: the python executable to run (`<python> -m transformers.cli.transformers serve`).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
home="$repo_root/.cache/serve-python"
# transformers 4.x needs a huggingface-hub the local index lacks; 5.x is the one that serves.
packages=(torch 'transformers>=5,<6' safetensors tokenizers onnx onnxruntime numpy
  fastapi uvicorn openai accelerate requests)
marker="$home/.serve-packages-ok"
wanted="$(printf '%s\n' "${packages[@]}" "$(python3 -c 'import sys; print(sys.version)')" | sha256sum | cut -d' ' -f1)"

launcher() {
  if [ -x "$home/venv/bin/python" ]; then echo "$home/venv/bin/python"; else echo "$home/python"; fi
}

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$wanted" ] && [ -x "$(launcher)" ]; then
  launcher
  exit 0
fi

if [ -z "${PIP_INDEX_URL:-}" ]; then
  extra="$(python3 -m pip config get global.extra-index-url 2>/dev/null || true)"
  if [ -n "$extra" ]; then
    export PIP_INDEX_URL="${extra%% *}"
  fi
fi

# A fresh Debian has python3 without ensurepip (venv) and sometimes without pip: apt has both.
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null >&2 ||
    { apt-get update -q </dev/null >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null >&2; } || true
}
if ! python3 -m pip --version >/dev/null 2>&1 && can_apt; then apt_install python3-pip; fi
probe="$(mktemp -d)"
if ! python3 -m venv "$probe/v" >/dev/null 2>&1 && can_apt; then apt_install python3-venv; fi
rm -rf "$probe"

rm -rf "$home"
mkdir -p "$home"
pip_flags=(--quiet --disable-pip-version-check --no-input)
if python3 -m venv "$home/venv" >&2; then
  "$home/venv/bin/python" -m pip install "${pip_flags[@]}" "${packages[@]}" >&2
else
  rm -rf "$home/venv"
  python3 -m pip install "${pip_flags[@]}" --target "$home/site" "${packages[@]}" >&2
  # The launcher makes the --target folder look like an interpreter, so callers need one path.
  cat >"$home/python" <<'EOF'
#!/usr/bin/env bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHONPATH="$here/site${PYTHONPATH:+:$PYTHONPATH}" exec python3 "$@"
EOF
  chmod +x "$home/python"
fi
echo "$wanted" >"$marker"
launcher
