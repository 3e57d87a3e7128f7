// `Attention Lens: Show Model Info` run from the command palette, as a user would, shows a
// notification naming the model.

import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'Show Model Info from the command palette names the model';

const COMMAND_TITLE = 'Attention Lens: Show Model Info';

/** Opens the palette with F1, runs the command, and reads the toast. */
export async function run({ page, shared, expectedModel }) {
  const modelName = shared.modelName ?? expectedModel;
  await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 } }); // focus the workbench, not the URL bar
  await ui.typeInCommandPalette(page, `>${COMMAND_TITLE}`);
  // Enter runs the focused row; wait until that row is this command, not a stale match.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: COMMAND_TITLE }).waitFor();
  await page.keyboard.press('Enter');

  const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'Attention Lens — model' });
  await toast.first().waitFor({ state: 'visible' });
  const message = (await toast.first().innerText()).trim();
  const prefix = 'Attention Lens — model ';
  if (!message.startsWith(prefix)) {
    throw new Error(`toast "${message}" does not start with "${prefix}<name>"`);
  }
  // The name ends at the first character that cannot be part of it (the toast goes on "<name>: backend …").
  const named = /^[^\s:,;·]+/.exec(message.slice(prefix.length))?.[0];
  if (!named) {
    throw new Error(`toast "${message}" names no model`);
  }
  if (modelName && named !== modelName) {
    throw new Error(`toast names model "${named}", the status bar "${modelName}": "${message}"`);
  }
  // The rest names the backend, dtype, load time, parameters and context length.
  for (const [what, pattern] of [['backend', /backend\W+(cpu|wasm)\b/], ['dtype', /dtype/], ['load time', /load/], ['parameters', /param/i], ['context length', /context/]]) {
    if (!pattern.test(message)) {
      throw new Error(`toast does not give the ${what}: "${message}"`);
    }
  }
  return message;
}
