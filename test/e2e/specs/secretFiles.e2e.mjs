// A secret file's text never reaches the model: in `config/secrets.ts` (a secret by its name) a
// user runs Generate Doc Comment, Summarize Selection and Show Attention from the palette; each
// says it never reads secret files, the file stays as it was and no attention panel opens.
import fs from 'node:fs';
import path from 'node:path';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'Doc comments and Show Attention refuse a secret file and leave it untouched';

/** Needs the model loaded: a refusal must come from the rule, not from a model that is not there. */
export const needsReadyModel = true;

const FILE = 'config/secrets.ts';
const FUNCTION_LINE = 5; // inside deployToken()
const REFUSAL = /^Attention Lens never reads secret files: secrets\.ts/;
const COMMANDS = ['Attention Lens: Generate Doc Comment', 'Attention Lens: Summarize Selection', 'Attention Lens: Show Attention'];
const TOAST_TIMEOUT_MS = 20_000;

/** Runs each command on the secret file and checks the refusal. */
export async function run({ page, workspace }) {
  const file = path.join(workspace, FILE);
  const original = fs.readFileSync(file, 'utf8');
  await ui.openFile(page, FILE);
  const toasts = page.locator('.notifications-toasts .notification-list-item-message');
  for (const command of COMMANDS) {
    await ui.runCommand(page, 'Notifications: Clear All Notifications');
    await page.locator('.notifications-toasts .notification-list-item').first().waitFor({ state: 'detached' });
    await ui.goToLine(page, FUNCTION_LINE);
    await ui.runCommand(page, command);
    try {
      await toasts.filter({ hasText: REFUSAL }).first().waitFor({ timeout: TOAST_TIMEOUT_MS });
    } catch {
      throw new Error(`"${command}" did not refuse the secret file (toasts: ${JSON.stringify(await toasts.allTextContents())})`);
    }
  }
  if ((await page.locator('iframe.webview').count()) > 0) {
    throw new Error('an attention panel opened for the secret file');
  }
  if ((await page.locator('.tab.active.dirty').count()) > 0 || fs.readFileSync(file, 'utf8') !== original) {
    throw new Error('the secret file was edited');
  }
  await ui.revertAndClose(page);
  return `${COMMANDS.length} commands refused ${FILE}`;
}
