// `npm run test:electron`: the same integration suite (test/integration) in desktop VS Code,
// through @vscode/test-electron, for machines that can download VS Code (it fails offline).
//
// Unlike the code-server runner, this one loads the extension from the repository
// (extensionDevelopmentPath = repo root, i.e. dist/ from `npm run build`), as extension authors
// usually do on the desktop. Without a display, run it under xvfb-run.
//   VSCODE_VERSION    VS Code version to download (default: stable)
//   VSCODE_EXECUTABLE use this VS Code instead of downloading one
import fs from 'node:fs';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { cleanupAndExit, tempFolder } from '../e2e/lifecycle.mjs';
import { integrationTestsEntry, repoRoot, resultsDir } from '../e2e/paths.mjs';
import { testUserSettings } from '../e2e/userSettings.mjs';
import { chooseModel, prepareWorkspace } from '../e2e/workspace.mjs';

async function main() {
  for (const [file, hint] of [
    [path.join(repoRoot, 'dist', 'extension.js'), 'npm run build'],
    [integrationTestsEntry, 'npm run compile:tests'],
  ]) {
    if (!fs.existsSync(file)) {
      throw new Error(`${file} is missing; run \`${hint}\``);
    }
  }
  const root = tempFolder('attention-lens-electron-');
  const model = chooseModel('tiny');
  const workspace = prepareWorkspace(root, { 'attentionLens.model': model.setting });
  const userData = path.join(root, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(testUserSettings, null, 2));
  fs.mkdirSync(resultsDir, { recursive: true });

  const code = await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: integrationTestsEntry,
    extensionTestsEnv: { ATTENTION_LENS_TEST_LOG: path.join(resultsDir, 'integration-electron.log') },
    launchArgs: [
      workspace,
      '--user-data-dir', userData,
      '--extensions-dir', path.join(root, 'extensions'),
      '--disable-extensions', // other extensions; the one under development still loads
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-gpu',
      '--no-sandbox', // CI runs as root
    ],
  });
  return code === 0 ? 0 : 1;
}

main().then(
  (code) => cleanupAndExit(code),
  (err) => {
    console.error(`test:electron: ${err?.message ?? err}`);
    return cleanupAndExit(1);
  },
);
