// `npm run test:integration`: runs the mocha suite in test/integration INSIDE the extension host
// of a real VS Code (code-server), the way @vscode/test-electron does on the desktop.
//
// The packaged extension (dist-vsix/attention-lens.vsix) is installed into a fresh code-server,
// and the folder it was unpacked into is passed as extensionDevelopmentPath, so the suite tests
// exactly what `npm run package` ships. The test module and the run's result travel through the
// workbench URL's `payload` and `window.codeAutomationExit(code)`; the mocha output is written
// by test/integration/index.ts to the file named by ATTENTION_LENS_TEST_LOG, followed here.
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser } from './browser.mjs';
import { startCodeServer, tail } from './codeServer.mjs';
import { cleaningUp, cleanupAndExit, exitAfter, onCleanup, tempFolder } from './lifecycle.mjs';
import { followFile } from './logFollower.mjs';
import { integrationTestsEntry, lavapipeIcd, mesaShaderCache, resultsDir, vsixPath } from './paths.mjs';
import { chooseModel, prepareWorkspace } from './workspace.mjs';

const timeoutMs = Number(process.env.ATTENTION_LENS_INTEGRATION_TIMEOUT_MS || 10 * 60_000);

async function main() {
  const started = Date.now();
  exitAfter(timeoutMs, 'integration tests');
  if (!fs.existsSync(integrationTestsEntry)) {
    throw new Error(`${integrationTestsEntry} is missing; run \`npm run compile:tests\``);
  }
  const root = tempFolder('attention-lens-integration-');
  const model = chooseModel('tiny');
  console.log(`integration: model ${model.label}`);
  const workspace = prepareWorkspace(root, { 'attentionLens.model': model.setting });
  const testLog = path.join(root, 'integration.log');

  // With lavapipe in .cache/ (scripts/install-lavapipe.sh), `auto`'s WebGPU probe has a software adapter to refuse.
  const lavapipe = fs.existsSync(lavapipeIcd) ? { VK_ICD_FILENAMES: lavapipeIcd, MESA_SHADER_CACHE_DIR: mesaShaderCache } : {};
  const server = await startCodeServer({ root, vsix: vsixPath, env: { ATTENTION_LENS_TEST_LOG: testLog, ...lavapipe } });
  onCleanup(server.stop);
  const extensionDir = server.extensionDir();
  console.log(`integration: code-server ${server.baseUrl}, extension ${path.basename(extensionDir)}`);

  const browser = await launchBrowser({ profileDir: path.join(root, 'browser') });
  onCleanup(browser.close);
  const { page } = browser;
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      pageErrors.push(msg.text());
    }
  });
  // The workbench calls this when the extension host finishes the test module.
  const exitCode = new Promise((resolve) => {
    void page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
  });

  const follower = followFile(testLog);
  onCleanup(() => follower.stop());
  await page.goto(server.workbenchUrl(workspace, [
    ['extensionDevelopmentPath', server.remoteUri(extensionDir)],
    ['extensionTestsPath', server.remoteUri(integrationTestsEntry)],
  ]), { timeout: 120_000 }); // generous: CI machines can be slow to serve the workbench
  const code = await exitCode;
  follower.stop();

  if (!follower.text()) {
    console.error('integration: the test module wrote no output (did it load?)');
    console.error(`--- browser errors ---\n${pageErrors.slice(-20).join('\n')}`);
    console.error(`--- code-server log ---\n${tail(server.logFile)}`);
  }
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'integration.log'), follower.text());
  console.log(`integration: exit code ${code}, ${((Date.now() - started) / 1000).toFixed(1)} s wall`);
  return code === 0 ? 0 : 1;
}

main().then(
  (code) => cleanupAndExit(code),
  (err) => {
    if (!cleaningUp()) {
      console.error(`integration: ${err?.stack ?? err}`);
    }
    return cleanupAndExit(1);
  },
);
