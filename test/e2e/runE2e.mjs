// `npm run test:e2e`: the packaged extension in a real VS Code (code-server), used through a real
// browser (Debian's chromium) the way a person would: open the sample workspace, watch the status
// bar reach ready, run commands from the palette, read notifications, type and take inline
// completions, open the attention panel, generate doc comments. Every step waits on the page's
// DOM (or a saved file), never on a fixed delay. Screenshots go to test-results/.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launchBrowser } from './browser.mjs';
import { startCodeServer, tail } from './codeServer.mjs';
import { cleaningUp, cleanupAndExit, exitAfter, onCleanup, tempFolder } from './lifecycle.mjs';
import { resultsDir, vsixPath } from './paths.mjs';
import * as attention from './specs/attention.e2e.mjs';
import * as attentionViews from './specs/attentionViews.e2e.mjs';
import * as completion from './specs/completion.e2e.mjs';
import * as docComment from './specs/docComment.e2e.mjs';
import * as modelDownload from './specs/modelDownload.e2e.mjs';
import * as modelInfo from './specs/modelInfo.e2e.mjs';
import * as remoteCompletion from './specs/remoteCompletion.e2e.mjs';
import * as secretFiles from './specs/secretFiles.e2e.mjs';
import * as statusBar from './specs/statusBar.e2e.mjs';
import * as summarizeInsert from './specs/summarizeInsert.e2e.mjs';
import * as walkthrough from './specs/walkthrough.e2e.mjs';
import { closeAllEditors } from './ui.mjs';
import { e2eWorkspaceSettings, prepareWorkspace, restoreWorkspaceFiles, userModel } from './workspace.mjs';

/** Run in this order: later specs use what earlier ones found (the model name, a ready model). */
const specs = [statusBar, walkthrough, modelInfo, secretFiles, completion, attention, attentionViews, summarizeInsert, docComment, remoteCompletion, modelDownload];
/** The whole stage, start-up included (about 45 s when all is well on 2 busy cores). */
const timeoutMs = Number(process.env.ATTENTION_LENS_E2E_TIMEOUT_MS || 6 * 60_000);
/** One spec's bound; each of its waits is bounded too, this only stops a spec that loops on. */
const specTimeoutMs = Number(process.env.ATTENTION_LENS_E2E_SPEC_TIMEOUT_MS || 3 * 60_000);

async function main() {
  const started = Date.now();
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const old of fs.readdirSync(resultsDir).filter((name) => /^(e2e|attention)-.*\.png$/.test(name))) {
    fs.rmSync(path.join(resultsDir, old)); // a stale screenshot would pass for this run's
  }
  const results = [];
  let summarised = false;
  /** Prints the closing line once; specs that never finished count as failed. */
  const summary = ({ unfinishedFail = false } = {}) => {
    if (summarised) {
      return 1;
    }
    summarised = true;
    const passed = results.filter((r) => r.ok).length;
    const failed = (unfinishedFail ? specs.length : results.length) - passed;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`\n${passed} passed, ${failed} failed (e2e wall time ${seconds} s)`);
    return passed === specs.length && results.length === specs.length ? 0 : 1;
  };
  exitAfter(timeoutMs, 'e2e tests', () => summary({ unfinishedFail: true }));

  const root = tempFolder('attention-lens-e2e-');
  // The remote engine's server (transformers serve on the bundled model) starts beside code-server.
  const remoteStart = startRemoteServer(path.join(root, 'transformers-serve.log')).then((served) => {
    if (served) {
      onCleanup(served.stop); // also when code-server fails to start
    }
    return served;
  });
  const server = await startCodeServer({ root, vsix: vsixPath });
  onCleanup(server.stop);
  const remote = await remoteStart;
  // A user gets the bundled model (the tiny one stands in until the repository has it).
  const model = userModel(server.extensionDir());
  const expectedModel = model.setting === '' ? 'lens-coder' : undefined;
  console.log(`e2e: model ${model.label}`);
  const workspace = prepareWorkspace(root, { 'attentionLens.model': model.setting, ...e2eWorkspaceSettings(model.folder) });
  const browser = await launchBrowser({ profileDir: path.join(root, 'browser') });
  onCleanup(browser.close);
  const { page } = browser;

  const screenshot = async (name) => {
    const file = path.join(resultsDir, `e2e-${name}.png`);
    await page.screenshot({ path: file, timeout: 10_000, animations: 'disabled' }).catch((err) => console.error(`screenshot failed: ${err.message}`));
    return path.relative(process.cwd(), file);
  };

  try {
    // Generous: a busy CI machine can take a while to serve and start the workbench.
    await page.goto(server.workbenchUrl(workspace), { timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    console.log(`e2e: workbench up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`e2e: the workbench did not load: ${err.message}`);
    console.error(`screenshot: ${await screenshot('failure-startup')}`);
    console.error(`--- code-server log ---\n${tail(server.logFile)}`);
    results.push({ ok: false });
    return summary();
  }

  const shared = {};
  for (const [index, spec] of specs.entries()) {
    const testStarted = Date.now();
    if (spec.needsReadyModel && !shared.modelName) {
      console.log(`  ✘ ${spec.title}\n      not run: the model never became ready`);
      results.push({ ok: false });
      continue;
    }
    let timer;
    try {
      const bound = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the spec did not finish within ${specTimeoutMs / 1000} s`)), specTimeoutMs);
      });
      const detail = await Promise.race([spec.run({ page, shared, expectedModel, workspace, resultsDir, remote, userSettingsFile: server.userSettingsFile, machineSettingsFile: server.machineSettingsFile }), bound]);
      const seconds = ((Date.now() - testStarted) / 1000).toFixed(1);
      console.log(`  ✔ ${spec.title} (${seconds} s)${detail ? `\n      ${detail}` : ''}`);
      results.push({ ok: true });
    } catch (err) {
      if (cleaningUp()) {
        break; // interrupted: the failure is the interruption's echo
      }
      const seconds = ((Date.now() - testStarted) / 1000).toFixed(1);
      console.log(`  ✘ ${spec.title} (${seconds} s)\n      ${err.message.split('\n').join('\n      ')}`);
      console.log(`      screenshot: ${await screenshot(`failure-${index + 1}`)}`);
      results.push({ ok: false });
      // The next spec starts from a clean window and the fixture files as they are in the repository.
      await resetAfterFailure(page, workspace);
    } finally {
      clearTimeout(timer);
    }
  }
  if (cleaningUp()) {
    return 130; // interrupted; the signal handler is already exiting
  }
  if (results.every((r) => r.ok)) {
    console.log(`screenshot: ${await screenshot('success')}`);
  }
  return summary();
}

/**
 * Starts `transformers serve` through the remote tier's harness (compiled into out/ by
 * compile:tests); undefined, with the reason printed, when it cannot start: the remote spec then fails.
 */
async function startRemoteServer(logFile) {
  try {
    const { startTransformersServe } = createRequire(import.meta.url)('../../out/test/remote/transformersServe.js');
    return await startTransformersServe({ logFile });
  } catch (err) {
    console.error(`e2e: the remote server did not start: ${err.message}`);
    return undefined;
  }
}

/** After a failed spec: close every editor (dropping unsaved edits) and restore the workspace files. */
async function resetAfterFailure(page, workspace) {
  try {
    await page.keyboard.press('Escape'); // a widget, a modal dialog
    await page.keyboard.press('Escape');
    await closeAllEditors(page);
  } catch (err) {
    console.log(`      (could not close the editors after the failure: ${err.message.split('\n')[0]})`);
  }
  restoreWorkspaceFiles(workspace);
}

main().then(
  (code) => cleanupAndExit(code),
  (err) => {
    if (!cleaningUp()) {
      console.error(`e2e: ${err?.stack ?? err}`);
      console.log('\n0 passed, 1 failed (could not start)');
    }
    return cleanupAndExit(1);
  },
);
