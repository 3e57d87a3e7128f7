// Summarize Selection → Insert as Doc Comment after the file changed: a user asks for the summary
// of `is_even`, types two lines at the top of the file while the toast is up, then clicks Insert.
// The docstring must land inside `is_even` where it now is (two lines lower), not where it was.
import fs from 'node:fs';
import path from 'node:path';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'Summarize Selection, then Insert after edits above the function, places the docstring in the function';

/** Needs the model loaded (the status bar spec found it ready). */
export const needsReadyModel = true;

const FILE = 'scripts/moving_average.py';
const SIGNATURE = 'def is_even(number):';
const ADDED = ['# added while the summary was shown', '# and one more line'];
const TOAST_TIMEOUT_MS = 60_000;

export async function run({ page, workspace }) {
  const file = path.join(workspace, FILE);
  const original = fs.readFileSync(file, 'utf8');
  const before = original.split('\n');
  const def = before.indexOf(SIGNATURE);
  if (def < 0 || before[def + 1].trim().startsWith('"""')) {
    throw new Error(`the fixture ${FILE} lacks an undocumented is_even`);
  }
  try {
    await ui.openFile(page, FILE);
    await ui.runCommand(page, 'Notifications: Clear All Notifications');
    await page.locator('.notifications-toasts .notification-list-item').first().waitFor({ state: 'detached' });
    await ui.goToLine(page, def + 2); // inside the body
    await ui.runCommand(page, 'Attention Lens: Summarize Selection');
    const toast = page.locator('.notifications-toasts .notification-list-item').filter({ has: page.getByRole('button', { name: 'Insert as Doc Comment' }) });
    await toast.first().waitFor({ timeout: TOAST_TIMEOUT_MS }).catch(async () => {
      const toasts = await page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
      throw new Error(`no summary toast with "Insert as Doc Comment" (toasts: ${JSON.stringify(toasts)})`);
    });
    const summary = (await toast.first().locator('.notification-list-item-message').innerText()).trim();

    // The user goes on typing above the function before clicking Insert.
    await ui.runCommand(page, 'View: Focus First Editor Group');
    await ui.goToLine(page, 1);
    await page.keyboard.type(ADDED.map((line) => `${line}\n`).join(''));
    await ui.waitForCursor(page, ADDED.length + 1, 1);
    await toast.first().getByRole('button', { name: 'Insert as Doc Comment' }).click();
    // The edit lands a moment after the click (below the viewport, maybe): save until the file has it.
    const docstringLines = before.filter((line) => line.includes('"""')).length;
    const warning = page.locator('.notifications-toasts .notification-list-item-message', { hasText: /^Attention Lens: .*changed since/ });
    await ui.runCommand(page, 'View: Focus First Editor Group');
    await ui.waitUntil(async () => {
      if ((await warning.count()) > 0) throw new Error(`the command refused: ${await warning.first().innerText()}`);
      await page.keyboard.press('Control+S');
      const saved = fs.readFileSync(file, 'utf8').split('\n');
      return saved.filter((line) => line.includes('"""')).length > docstringLines ? true : undefined;
    }, { timeoutMs: 15_000, describe: 'the docstring in the saved file' });
    await page.locator('.tab.active:not(.dirty)').waitFor();

    const after = fs.readFileSync(file, 'utf8').split('\n');
    if (after.slice(0, ADDED.length).join('\n') !== ADDED.join('\n')) {
      throw new Error(`the typed lines are not at the top:\n${after.slice(0, 4).join('\n')}`);
    }
    const at = after.indexOf(SIGNATURE);
    const first = after[at + 1] ?? '';
    if (at !== def + ADDED.length || !first.trimStart().startsWith('"""')) {
      throw new Error(`the docstring is not the first line of is_even (now line ${at + 1}):\n${after.slice(at - 3, at + 4).join('\n')}`);
    }
    return `${summary} → line ${at + 2}: ${first.trim()}`;
  } finally {
    await ui.closeAllEditors(page);
    fs.writeFileSync(file, original);
  }
}
