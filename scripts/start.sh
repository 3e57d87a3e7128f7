#!/usr/bin/env bash
# `npm start`: builds and packages the extension, installs it into a code-server kept under
# .cache/start/ (settings and the sample workspace survive restarts), and serves VS Code on
# http://127.0.0.1:$PORT (default 8080) until Ctrl+C.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export ONNXRUNTIME_NODE_INSTALL=skip
PORT="${PORT:-8080}"

bash scripts/ensure-deps.sh
npm run --silent package

root="$repo_root/.cache/start"
entry="$repo_root/.cache/code-server/node_modules/code-server/out/node/entry.js"
workspace="$root/workspace"
mkdir -p "$root/user-data/User" "$root/extensions" "$root/xdg" "$root/tmp"
if [ ! -d "$workspace" ]; then
  cp -r test/fixtures/workspace "$workspace"
fi
if [ ! -f "$root/user-data/User/settings.json" ]; then
  node --input-type=module -e "
    import { testUserSettings } from '$repo_root/test/e2e/userSettings.mjs';
    import fs from 'node:fs';
    fs.writeFileSync(process.argv[1], JSON.stringify(testUserSettings, null, 2) + '\n');
  " "$root/user-data/User/settings.json"
fi
# Until the bundled model is in the repository, the sample workspace runs the tiny test model.
node -e "
  const fs = require('fs');
  const [file, tiny, bundled] = process.argv.slice(1);
  const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  if (!fs.existsSync(bundled + '/config.json')) {
    settings['attentionLens.model'] = tiny;
    console.log('start: models/lens-coder is not in the repository yet; using ' + tiny);
  } else if (settings['attentionLens.model'] === tiny) {
    delete settings['attentionLens.model'];
  }
  fs.mkdirSync(require('path').dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
" "$workspace/.vscode/settings.json" "$repo_root/test/fixtures/tiny-model" "$repo_root/models/lens-coder"

export XDG_CONFIG_HOME="$root/xdg" XDG_DATA_HOME="$root/xdg" XDG_CACHE_HOME="$root/xdg" TMPDIR="$root/tmp"
export EXTENSIONS_GALLERY='{}'
dirs=(--user-data-dir "$root/user-data" --extensions-dir "$root/extensions")
node "$entry" "${dirs[@]}" --install-extension dist-vsix/attention-lens.vsix --force >/dev/null

cat > "$root/config.yaml" <<YAML
bind-addr: 127.0.0.1:$PORT
auth: none
cert: false
YAML
echo
echo "Attention Lens in VS Code: http://127.0.0.1:$PORT/?folder=$workspace"
echo "(Ctrl+C stops it)"
echo
exec node "$entry" "${dirs[@]}" --config "$root/config.yaml" \
  --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --disable-proxy \
  "$workspace"
