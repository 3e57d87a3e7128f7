// What a user does in the workbench, as small steps the specs share: run a command from the
// palette, open a file, move the cursor, save, read the Output channel. Every step waits on the
// page's DOM (a row, a tab, the cursor position in the status bar), never on a fixed delay.
import fs from 'node:fs';

/** The Output channel the extension writes to. */
export const LOG_CHANNEL = 'Attention Lens';

/** `#status.editor.selection`: "Ln 12, Col 5" (or "Ln 12, Col 5 (3 selected)"). */
const cursorItem = (page) => page.locator('#status\\.editor\\.selection');

/** Monaco shows spaces in rendered lines as no-break spaces; turn them back into spaces. */
export function plainText(text) {
  return text.replace(/\u00a0/g, ' ');
}

/** Escapes `text` for use inside a RegExp. */
export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Polls `check` (async, returns a truthy value when done) until it succeeds or `timeoutMs`
 * passes; resolves to that value. For conditions that live outside the page's DOM (a file on
 * disk). `describe` names the condition in the timeout error.
 */
export async function waitUntil(check, { timeoutMs = 30_000, intervalMs = 200, describe = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) {
      return last;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${describe}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Closes whatever quick input or widget is open and gives the workbench the keyboard. */
export async function focusWorkbench(page) {
  if (await page.locator('.quick-input-widget input').isVisible()) {
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget input').waitFor({ state: 'hidden' });
  }
  if (!(await page.locator('.monaco-workbench').evaluate((el) => el.contains(document.activeElement)))) {
    await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 } });
  }
}

/**
 * Opens the command palette (F1), types `text` into it and returns its input. Pressed again when
 * the palette has not shown, or was closing as the text went in: a key that lands while a dialog,
 * a pick or a notification is closing is dropped by the workbench now and then (seen in CI).
 */
export async function typeInCommandPalette(page, text, timeoutMs = 15_000) {
  const input = page.locator('.quick-input-widget input');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = () => Math.max(1, Math.min(4_000, deadline - Date.now()));
    const typed = await (async () => {
      if (!(await input.isVisible())) {
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: left() });
      }
      await input.fill(text, { timeout: left() });
      return (await input.isVisible()) && (await input.inputValue()) === text;
    })().catch(() => false);
    if (typed) return input;
    if (Date.now() >= deadline) throw new Error(`the command palette did not take "${text}" within ${timeoutMs} ms`);
    await focusWorkbench(page);
  }
}

/**
 * Runs a command from the palette (F1) by its full title, e.g. `Attention Lens: Show Log`. Waits
 * until the row with exactly that label is listed, then runs that row (never a near match such as
 * `Show Attention for Doc Comment` for `Show Attention`).
 */
export async function runCommand(page, title, { timeoutMs = 15_000, match = new RegExp(`^${escapeRegExp(title)}$`) } = {}) {
  const input = await typeInCommandPalette(page, `>${title}`, timeoutMs);
  // The row's label is exactly the title (its aria-label may add the keybinding or a hint).
  const row = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: match }),
  });
  await row.first().waitFor({ timeout: timeoutMs });
  if (await row.first().evaluate((el) => el.classList.contains('focused'))) {
    await page.keyboard.press('Enter');
  } else {
    await row.first().click();
  }
  await input.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits until its tab is the active one. */
export async function openFile(page, relativePath, { timeoutMs = 20_000 } = {}) {
  await focusWorkbench(page);
  const name = relativePath.split('/').pop();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(relativePath);
  // Quick Open lists the file by name with its folder as the description.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).waitFor({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[data-resource-name="${name}"]`).waitFor({ timeout: timeoutMs });
  await activeEditor(page).locator('.view-lines').waitFor({ timeout: timeoutMs });
  await waitForEditorFocus(page, timeoutMs);
}

/** The active editor group's text editor. */
export function activeEditor(page) {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

/** Waits until the keyboard goes to a text editor (its hidden textarea has focus). */
export async function waitForEditorFocus(page, timeoutMs = 10_000) {
  await page.waitForFunction(
    () => document.activeElement?.closest('.editor-group-container .monaco-editor') != null,
    undefined,
    { timeout: timeoutMs },
  );
}

/** The cursor position the status bar shows: { line, column, selected }. */
export async function cursorPosition(page) {
  const text = plainText(await cursorItem(page).innerText());
  const match = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(text);
  if (!match) {
    throw new Error(`cannot read the cursor position from the status bar: "${text}"`);
  }
  return { line: Number(match[1]), column: Number(match[2]), selected: Number(match[3] ?? 0) };
}

/** Waits until the status bar shows the cursor at `line`, `column`. */
export async function waitForCursor(page, line, column, timeoutMs = 10_000) {
  await cursorItem(page).filter({ hasText: new RegExp(`^Ln ${line}, Col ${column}(?!\\d)`) }).waitFor({ timeout: timeoutMs });
}

/** Go to Line (Ctrl+G): puts the cursor at `line` (1-based), column 1 or `column`. */
export async function goToLine(page, line, column) {
  await waitForEditorFocus(page);
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(column ? `:${line}:${column}` : `:${line}`);
  // The widget lists "Go to line N…" once it has read the input; Enter before that does nothing.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: `line ${line}` }).waitFor();
  await page.keyboard.press('Enter');
  await waitForCursor(page, line, column ?? 1);
  await waitForEditorFocus(page);
}

/** Presses End and waits until the cursor has moved to the end of its line (`length` characters). */
export async function endOfLine(page, line, length) {
  await page.keyboard.press('End');
  await waitForCursor(page, line, length + 1);
}

/** Saves the active editor (Ctrl+S) and waits until its tab is no longer dirty. */
export async function saveActiveEditor(page, timeoutMs = 15_000) {
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active:not(.dirty)').waitFor({ timeout: timeoutMs });
}

/** Reverts the active editor to what is on disk (File: Revert File) and closes it. */
export async function revertAndClose(page) {
  await focusWorkbench(page);
  if ((await page.locator('.tab.active.dirty').count()) > 0) {
    await runCommand(page, 'File: Revert File');
    await page.locator('.tab.active:not(.dirty)').waitFor();
  }
  if ((await page.locator('.tab.active').count()) > 0) {
    await runCommand(page, 'View: Close Editor');
  }
}

/** Closes every editor (reverting unsaved changes first), so that the next spec starts clean. */
export async function closeAllEditors(page) {
  await focusWorkbench(page);
  while ((await page.locator('.tab.dirty').count()) > 0) {
    await page.locator('.tab.dirty').first().click();
    await page.locator('.tab.active.dirty').waitFor();
    await runCommand(page, 'File: Revert File');
    await page.locator('.tab.active:not(.dirty)').waitFor();
  }
  if ((await page.locator('.tab').count()) > 0) {
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.tab').first().waitFor({ state: 'detached' });
  }
}

/** The Output panel's text editor. */
function outputEditor(page) {
  return page.locator('[id="workbench.panel.output"] .monaco-editor');
}

/**
 * Shows the extension's log with `Attention Lens: Show Log` and waits until the Output view has
 * that channel selected. Focus stays where it was when the command keeps it (it does: the channel
 * is shown with preserveFocus), so callers re-focus the editor themselves when they need to type.
 */
export async function showLog(page) {
  await focusWorkbench(page);
  await runCommand(page, `${LOG_CHANNEL}: Show Log`);
  await outputEditor(page).locator('.view-lines').waitFor();
  await page.waitForFunction(
    (channel) => {
      const panel = document.getElementById('workbench.panel.output')?.closest('.part.panel');
      const select = panel?.querySelector('select.monaco-select-box');
      return select ? select.options[select.selectedIndex]?.text === channel : false;
    },
    LOG_CHANNEL,
  );
}

/**
 * The Output view's rendered lines (only what is on screen: the view keeps to the end of the
 * channel while new lines arrive, so the newest lines are the ones rendered). Spaces normalised.
 */
export async function logLines(page) {
  const lines = await outputEditor(page).locator('.view-lines .view-line').evaluateAll((els) =>
    els
      .map((el) => ({ top: parseFloat(el.style.top) || 0, text: el.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text),
  );
  return lines.map(plainText);
}

/**
 * Waits until a rendered line of the Output view matches `pattern` and is none of `exclude`
 * (lines seen before the step under test); returns the match. The Output view must be showing the
 * channel (see showLog).
 */
export async function waitForLogLine(page, pattern, { timeoutMs = 30_000, exclude = [] } = {}) {
  const handle = await page.waitForFunction(
    ({ source, flags, excluded }) => {
      const regex = new RegExp(source, flags);
      const lines = document.querySelectorAll('[id="workbench.panel.output"] .monaco-editor .view-lines .view-line');
      for (const line of lines) {
        const text = (line.textContent ?? '').replace(/\u00a0/g, ' ');
        if (!excluded.includes(text) && regex.test(text)) {
          return text;
        }
      }
      return false;
    },
    { source: pattern.source, flags: pattern.flags.replace('g', ''), excluded: exclude },
    { timeout: timeoutMs },
  );
  const line = await handle.jsonValue();
  return pattern.exec(line);
}

/** The Output view's rendered lines that match `pattern` now. */
export async function matchingLogLines(page, pattern) {
  return (await logLines(page)).filter((line) => pattern.test(line));
}

/**
 * Replaces the user's settings the way a user edits them: Preferences: Open User Settings (JSON),
 * the new text, save. (code-server does not pick up a settings file written behind its back.)
 */
export async function editUserSettings(page, settings, file) {
  await editSettingsJson(page, 'Preferences: Open User Settings (JSON)', settings, file);
}

/** The same for the machine's settings (code-server's window is a remote one: machine-scoped settings are read from there). */
export async function editMachineSettings(page, settings, file) {
  await editSettingsJson(page, 'Preferences: Open Remote Settings (JSON)', settings, file);
}

async function editSettingsJson(page, command, settings, file) {
  // Its label may name the remote after the title ("… (JSON) (code-server)").
  await runCommand(page, command, { match: new RegExp(`^${escapeRegExp(command)}`) });
  await page.locator('.tab.active[data-resource-name="settings.json"]').waitFor();
  await waitForEditorFocus(page);
  await page.keyboard.press('Control+A');
  // Emptied first: a "{" typed over a selection would surround it (the old text's closing brace stayed behind).
  await page.keyboard.press('Delete');
  // insertText, not type; the test settings turn off auto-closing and auto-indent in JSON files, so the text lands as it is.
  await page.keyboard.insertText(JSON.stringify(settings, null, 2));
  await saveActiveEditor(page);
  await runCommand(page, 'View: Close Editor');
  if (file) {
    // What was typed must be what is on disk: an editor that added a bracket would leave settings VS Code ignores.
    const text = fs.readFileSync(file, 'utf8');
    let written;
    try {
      written = JSON.parse(text);
    } catch (err) {
      throw new Error(`the user settings file is no JSON after the edit (${err.message}):\n${text}`);
    }
    if (JSON.stringify(written) !== JSON.stringify(settings)) throw new Error(`the user settings file differs from what was typed:\n${text}`);
  }
}
