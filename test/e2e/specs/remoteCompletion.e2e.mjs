// Inline completions from a remote engine, as a user sets it up: the user's settings point
// Attention Lens at an OpenAI-compatible server (a real one: `transformers serve` on the bundled
// model's weights, started by the runner); the status bar names the model and host; the first
// completion asks, naming the host, before anything is sent; after Allow, ghost text from the
// server appears, and the server's log shows the request. The settings are put back afterwards.
import fs from 'node:fs';
import path from 'node:path';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'remote engine: the status bar names the server, consent is asked first, ghost text comes from the server';

/** Needs the local model too: the workspace's completion settings were tuned on it. */
export const needsReadyModel = true;

const FILE = 'src/cart.ts';
const STATUS = '.statusbar-item[id$="attentionLens.status"]';
const GHOST = '.monaco-editor .ghost-text-decoration';
const TIMEOUT_MS = 60_000;

/** The completion requests the server logged so far. */
function completionRequests(served) {
  return served.log().split('\n').filter((line) => /POST \/v1\/completions/.test(line)).length;
}

export async function run({ page, workspace, remote, userSettingsFile, resultsDir }) {
  if (!remote) {
    throw new Error('the runner started no remote server');
  }
  const original = JSON.parse(fs.readFileSync(userSettingsFile, 'utf8'));
  const host = new URL(remote.baseUrl).host;
  const file = path.join(workspace, FILE);
  const fileText = fs.readFileSync(file, 'utf8');
  try {
    await ui.editUserSettings(page, {
      ...original,
      'attentionLens.remote.engine': 'openaiCompatible',
      'attentionLens.remote.url': `${remote.baseUrl}/v1`,
      'attentionLens.remote.model': remote.model,
      'attentionLens.remote.promptFamily': 'lens',
      'attentionLens.remote.timeoutMs': TIMEOUT_MS,
    }, userSettingsFile);
    const status = page.locator(STATUS, { hasText: `remote · ` });
    await status.waitFor({ timeout: TIMEOUT_MS });
    const statusText = (await status.innerText()).trim();
    if (!statusText.includes(host)) {
      throw new Error(`the status bar reads "${statusText}", without the host ${host}`);
    }

    await ui.openFile(page, FILE);
    await ui.waitForEditorFocus(page);
    const lines = fileText.split('\n');
    const loop = lines.findIndex((line) => line.trim() === 'for (const item of items) {');
    await ui.goToLine(page, loop + 1);
    await ui.endOfLine(page, loop + 1, lines[loop].length);
    await page.keyboard.press('Enter');
    const requestsBefore = completionRequests(remote);
    await page.keyboard.type('total');

    // Nothing goes out before the user answers; the question names the host.
    const question = page.locator('.notifications-toasts .notification-list-item', { hasText: `to ${host}?` });
    await question.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    if (completionRequests(remote) !== requestsBefore) {
      throw new Error('the server got a completion request before the user allowed it');
    }
    await question.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    await question.waitFor({ state: 'hidden', timeout: TIMEOUT_MS });

    // Ask again: typing triggers a completion; the server writes it.
    let shown = false;
    for (const more of [' +', '= item']) {
      await page.keyboard.type(more);
      try {
        await page.locator(GHOST).first().waitFor({ state: 'visible', timeout: TIMEOUT_MS });
        shown = true;
        break;
      } catch (err) {
        if (!/Timeout/.test(err.message)) throw err;
      }
    }
    if (!shown) {
      throw new Error(`no ghost text from the server; its log:\n${remote.log().slice(-2000)}`);
    }
    const ghost = ui.plainText((await ui.activeEditor(page).locator('.view-line .ghost-text-decoration').allTextContents()).join(''));
    const served = completionRequests(remote) - requestsBefore;
    if (served < 1) {
      throw new Error('ghost text appeared, but the server logged no completion request');
    }
    const shot = path.join(resultsDir, 'e2e-remote-ghost-text.png');
    await page.screenshot({ path: shot, timeout: 10_000, animations: 'disabled' });
    return `status "${statusText}"; ghost text ${JSON.stringify(ghost)} after ${served} request(s) to ${host}; screenshot ${path.relative(process.cwd(), shot)}`;
  } finally {
    await page.keyboard.press('Escape');
    await ui.revertAndClose(page).catch(() => undefined);
    fs.writeFileSync(file, fileText);
    await ui.editUserSettings(page, original, userSettingsFile);
  }
}
