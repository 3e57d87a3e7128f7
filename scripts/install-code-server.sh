#!/usr/bin/env bash
# Installs code-server (a real VS Code build that runs in Node and serves the workbench to a
# browser) into .cache/code-server/, for the integration and e2e tests and `npm start`.
# Idempotent: returns at once when this version is already installed. Offline-safe: only the npm
# registry (or npm's cache) is used; the one file its install would fetch from GitHub (ripgrep)
# is supplied from Debian's package instead.
set -euo pipefail

VERSION=4.100.3            # = VS Code 1.100.3, the newest code-server that runs on Node 20
RIPGREP_PKG_VERSION=1.15.11 # @vscode/ripgrep version code-server 4.100 installs
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$repo_root/.cache/code-server"
stamp="$prefix/.installed-$VERSION"
entry="$prefix/node_modules/code-server/out/node/entry.js"

if [ -f "$stamp" ] && [ -f "$entry" ]; then
  echo "install-code-server: code-server $VERSION already installed in .cache/code-server"
  exit 0
fi

for tool in node npm rg cc make python3; do
  command -v "$tool" >/dev/null || { echo "install-code-server: '$tool' is missing; run scripts/install-system-deps.sh" >&2; exit 1; }
done

started=$(date +%s)
echo "install-code-server: installing code-server $VERSION into .cache/code-server (a few minutes)"
rm -rf "$prefix"
mkdir -p "$prefix"
work_tmp="$(mktemp -d)"
trap 'rm -rf "$work_tmp"' EXIT

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache (under TMPDIR) already
# holds the release archive; seed that cache with Debian's rg.
mkdir -p "$work_tmp/rg" "$work_tmp/tmp/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
cp "$(command -v rg)" "$work_tmp/rg/rg"
tar -czf "$work_tmp/tmp/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION/$RIPGREP_ASSET" -C "$work_tmp/rg" rg

# unsafe_perm: code-server's postinstall refuses to run as root otherwise (npm 11 has no flag).
# yes: node-pty's postinstall calls `npx node-gyp`, which would stop at a prompt.
# nodedir: build native modules against the installed Node's headers instead of downloading them.
# strict_allow_scripts=false: its postinstall must run even where a user config makes the
# install-script policy strict.
export npm_config_unsafe_perm=true
export npm_config_yes=true
export npm_config_nodedir=/usr
export npm_config_strict_allow_scripts=false
export npm_config_fund=false
export npm_config_audit=false
export npm_config_update_notifier=false
export TMPDIR="$work_tmp/tmp"

# A private package.json makes this a plain local install: a --global one would leak
# npm_config_global into the nested `npm install` code-server's postinstall runs in lib/vscode.
cat > "$prefix/package.json" <<JSON
{ "name": "attention-lens-code-server", "private": true, "description": "code-server for the Attention Lens tests" }
JSON
(cd "$prefix" && npm install --prefer-offline --no-progress --no-save --omit=dev "code-server@$VERSION")

[ -f "$entry" ] || { echo "install-code-server: $entry missing after install" >&2; exit 1; }
# A broken native build leaves code-server unable to start; check that it answers before
# declaring the install good.
node "$entry" --version >/dev/null
echo "$VERSION" > "$stamp"
echo "install-code-server: done in $(( $(date +%s) - started ))s"
