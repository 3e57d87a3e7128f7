// `Attention Lens: Generate Doc Comment` as a user runs it: the cursor inside a function, the
// command from the palette, the model's summary written as the language's doc comment. Checked in
// the saved file on disk: in TypeScript a `/** … */` block right above the function with an
// `@param` line per parameter; in Python a docstring as the first statement inside the `def`.
import fs from 'node:fs';
import path from 'node:path';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'Generate Doc Comment writes a JSDoc block (TypeScript) and a docstring (Python)';

/** Needs the model loaded (the status bar spec found it ready). */
export const needsReadyModel = true;

const COMMAND = 'Attention Lens: Generate Doc Comment';
/** The summary is at most 48 tokens; generous for a busy machine and a queue behind completions. */
const EDIT_TIMEOUT_MS = 60_000;

/**
 * Runs the command with the cursor on `cursorLine` (1-based) of the open file and waits until the
 * file is edited (its tab turns dirty), or fails at once with the message of an error or warning
 * toast from the extension. Returns how long the edit took.
 */
async function generateAt(page, cursorLine) {
  await ui.goToLine(page, cursorLine);
  // Earlier toasts out of the way: any toast from here on is about this command.
  await ui.runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-list-item').first().waitFor({ state: 'detached' });
  await ui.waitForEditorFocus(page);
  const started = Date.now();
  await ui.runCommand(page, COMMAND);
  const edited = page.locator('.tab.active.dirty');
  // A new toast that says why nothing was written: the extension's own messages but the progress
  // one ("Attention Lens: summarizing …"), or any error or warning (e.g. an unknown command).
  const complaint = page
    .locator('.notifications-toasts .notification-list-item')
    .filter({ has: page.locator('.notification-list-item-message', { hasText: /^Attention Lens: (?!summarizing)/ }) })
    .or(page.locator('.notifications-toasts .notification-list-item').filter({ has: page.locator('.codicon-error, .codicon-warning') }))
    .locator('.notification-list-item-message');
  // Or a modal dialog (a command that throws is reported in one, e.g. "command … not found").
  const dialog = page.locator('.monaco-dialog-box');
  await Promise.race([
    edited.waitFor({ timeout: EDIT_TIMEOUT_MS }),
    complaint.first().waitFor({ timeout: EDIT_TIMEOUT_MS }).then(async () => {
      if ((await edited.count()) === 0) {
        throw new Error(`the command answered "${await complaint.first().innerText()}" instead of writing a doc comment`);
      }
    }),
    dialog.waitFor({ timeout: EDIT_TIMEOUT_MS }).then(async () => {
      throw new Error(`a dialog opened instead of a doc comment: "${ui.plainText(await dialog.innerText()).replace(/\s+/g, ' ').trim()}"`);
    }),
  ]).catch(async (err) => {
    if (/Timeout/.test(err.message)) {
      const toasts = await page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
      throw new Error(`the file was not edited within ${EDIT_TIMEOUT_MS / 1000} s of running "${COMMAND}" (toasts: ${JSON.stringify(toasts)})`);
    }
    throw err;
  });
  const ms = Date.now() - started;
  await ui.saveActiveEditor(page);
  return ms;
}

/** The 0-based index of the line that starts with `prefix` (after indentation). */
function findLine(lines, prefix, what) {
  const index = lines.findIndex((line) => line.trimStart().startsWith(prefix));
  if (index < 0) {
    throw new Error(`${what}: no line starts with "${prefix}"`);
  }
  return index;
}

async function typeScriptCase(page, workspace) {
  const relative = 'src/textStats.ts';
  const file = path.join(workspace, relative);
  const original = fs.readFileSync(file, 'utf8');
  const signature = 'export function computeStats(text: string): TextStats {';
  const before = original.split('\n');
  const fnLine = findLine(before, signature, relative);
  if (before[fnLine - 1].trim().endsWith('*/')) {
    throw new Error(`the fixture's computeStats already has a doc comment`);
  }
  await ui.openFile(page, relative);
  const ms = await generateAt(page, fnLine + 2); // inside the body
  const after = fs.readFileSync(file, 'utf8').split('\n');
  const fn = findLine(after, signature, `${relative} after the command`);
  const close = fn - 1;
  if (!after[close]?.trim().endsWith('*/')) {
    throw new Error(`no "*/" right above the function; the file reads:\n${after.slice(Math.max(0, fn - 8), fn + 1).join('\n')}`);
  }
  let open = close;
  while (open >= 0 && !after[open].trim().startsWith('/**')) {
    open--;
  }
  if (open < 0 || fn - open > 20) {
    throw new Error(`no "/**" opening the comment above the function:\n${after.slice(Math.max(0, fn - 8), fn + 1).join('\n')}`);
  }
  const comment = after.slice(open, fn);
  const params = comment.map((line) => /@param\s+(?:\{[^}]*\}\s*)?\[?(\w+)/.exec(line)?.[1]).filter(Boolean);
  if (params.join(',') !== 'text') {
    throw new Error(`the doc comment names the parameters ${JSON.stringify(params)}, expected ["text"]:\n${comment.join('\n')}`);
  }
  // Nothing else changed: the comment is the only insertion.
  const rest = [...after.slice(0, open), ...after.slice(fn)].join('\n');
  if (rest !== original) {
    throw new Error(`the command changed more than the lines above the function:\n${after.join('\n')}`);
  }
  await ui.closeAllEditors(page);
  fs.writeFileSync(file, original); // the next spec (or rerun) sees the fixture as it was
  return `TypeScript in ${ms} ms:\n        ${comment.join('\n        ')}`;
}

async function pythonCase(page, workspace) {
  const relative = 'scripts/moving_average.py';
  const file = path.join(workspace, relative);
  const original = fs.readFileSync(file, 'utf8');
  const signature = 'def is_even(number):';
  const before = original.split('\n');
  const def = findLine(before, signature, relative);
  if (before[def + 1].trim().startsWith('"""')) {
    throw new Error(`the fixture's is_even already has a docstring`);
  }
  await ui.openFile(page, relative);
  const ms = await generateAt(page, def + 2); // the body's first line
  const after = fs.readFileSync(file, 'utf8').split('\n');
  const at = findLine(after, signature, `${relative} after the command`);
  const bodyIndent = before[def + 1].match(/^\s*/)[0];
  const first = after[at + 1] ?? '';
  if (!first.startsWith(`${bodyIndent}"""`) && !first.startsWith(`${bodyIndent}r"""`)) {
    throw new Error(`the line after "${signature}" is ${JSON.stringify(first)}, expected a docstring indented like the body (${JSON.stringify(bodyIndent)}):\n${after.slice(at - 1, at + 6).join('\n')}`);
  }
  // The docstring ends on its first line ("""…""") or on a later line of its own.
  let end = at + 1;
  if (!/"""\s*$/.test(first.trim().slice(first.trim().indexOf('"""') + 3))) {
    end = after.findIndex((line, i) => i > at + 1 && line.includes('"""'));
  }
  if (end < 0 || after[end + 1] !== before[def + 1]) {
    throw new Error(`the body does not go on after the docstring:\n${after.slice(at - 1, at + 8).join('\n')}`);
  }
  const rest = [...after.slice(0, at + 1), ...after.slice(end + 1)].join('\n');
  if (rest !== original) {
    throw new Error(`the command changed more than the docstring:\n${after.join('\n')}`);
  }
  const docstring = after.slice(at + 1, end + 1);
  await ui.closeAllEditors(page);
  fs.writeFileSync(file, original);
  return `Python in ${ms} ms:\n        ${signature}\n        ${docstring.join('\n        ')}`;
}

export async function run({ page, workspace }) {
  const ts = await typeScriptCase(page, workspace);
  const py = await pythonCase(page, workspace);
  return `${ts}\n      ${py}`;
}
