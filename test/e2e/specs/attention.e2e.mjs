// The attention panel as a user opens it: select a function, run `Attention Lens: Show
// Attention` from the palette, read the heatmap's token labels, click a query token for the
// step-by-step view. Then the same for a whole file cut to `attentionLens.attention.maxTokens`
// (256) tokens. Prints the timing line the host logs once the heatmap is painted.
import fs from 'node:fs';
import path from 'node:path';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'Show Attention: heatmap with the code\'s tokens, step by step for a clicked token, timings';

/** Needs the model loaded (the status bar spec found it ready). */
export const needsReadyModel = true;

const FILE = 'src/textStats.ts';
/** The first and last lines of the selection: the `tokenize` function with its doc comment. */
const FIRST_LINE = '/** Splits text into words, dropping punctuation and empty pieces. */';
const LAST_LINE = '}';
/** Bits of that code the query labels must spell out (whitespace as the panel shows it). */
const EXPECTED_PIECES = ['tokenize(text:·string)', '.toLowerCase()', '.filter((word)·=>·word.length·>·0);', 'return·text↵'];
const MAX_TOKENS = 256; // the run's attentionLens.attention.maxTokens (runE2e.mjs)
/** Reading attention for 256 tokens on a busy 2-core machine: the forward pass plus painting. */
const PANEL_TIMEOUT_MS = 60_000;
const TIMING_LINE = /\[attention\] (\d+) tokens: forward pass (\d+) ms, (.+) painted in (\d+) ms; command to painted (\d+) ms/;
const CUT_LINE = /\[attention\] showing the last (\d+) of (\d+) tokens/;

/** The panel's page inside VS Code's webview frames. */
function panelFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** As the panel shows a token: `·` space, `↵` newline, `→` tab (src/webview-ui/tokenText.ts). */
function visible(text) {
  return text.replace(/ /g, '·').replace(/\r/g, '␍').replace(/\n/g, '↵').replace(/\t/g, '→');
}

/** The query labels in token order: their text and the full token their title quotes. */
async function queryLabels(frame) {
  const labels = await frame.locator('#matrix .token-label[data-axis="query"]').evaluateAll((els) =>
    els.map((el) => ({ index: Number(el.dataset.index), text: el.textContent ?? '', title: el.getAttribute('title') ?? '' })),
  );
  labels.sort((a, b) => a.index - b.index);
  return labels.map((label) => ({ ...label, token: /“(.*)”/s.exec(label.title)?.[1] ?? '' }));
}

/**
 * Runs Show Attention and waits for the heatmap and for the host's timing line (new since
 * `seen`); returns the parsed timing and the labels.
 */
async function showAttention(page, frame) {
  const seen = await ui.matchingLogLines(page, TIMING_LINE);
  const started = Date.now();
  await ui.runCommand(page, 'Attention Lens: Show Attention');
  const match = await ui.waitForLogLine(page, TIMING_LINE, { exclude: seen, timeoutMs: PANEL_TIMEOUT_MS });
  const observedMs = Date.now() - started;
  await frame.locator('#matrix .token-label[data-axis="query"]').first().waitFor({ timeout: PANEL_TIMEOUT_MS });
  const timing = {
    line: match[0],
    tokens: Number(match[1]),
    forwardMs: Number(match[2]),
    view: match[3],
    paintMs: Number(match[4]),
    commandToPaintedMs: Number(match[5]),
    observedMs,
  };
  // What the host logged just before (the cut notice comes right before the timing line).
  const log = await ui.logLines(page);
  const at = log.lastIndexOf(match[0]);
  timing.before = at > 0 ? log.slice(Math.max(0, at - 4), at) : [];
  const labels = await queryLabels(frame);
  if (labels.length !== timing.tokens) {
    throw new Error(`the matrix has ${labels.length} query labels, the log says ${timing.tokens} tokens`);
  }
  return { timing, labels };
}

/** Selects whole lines `first`..`last` (1-based) with Shift+Down and waits for the status bar to count them. */
async function selectLines(page, lines, first, last) {
  await ui.goToLine(page, first);
  for (let line = first; line <= last; line++) {
    await page.keyboard.press('Shift+ArrowDown');
  }
  const chars = lines.slice(first - 1, last).reduce((sum, line) => sum + line.length + 1, 0);
  await page.locator('#status\\.editor\\.selection', { hasText: `(${chars} selected)` }).waitFor();
  return lines.slice(first - 1, last).join('\n') + '\n';
}

export async function run({ page, workspace, resultsDir }) {
  const text = fs.readFileSync(path.join(workspace, FILE), 'utf8');
  const lines = text.split('\n');
  const first = lines.indexOf(FIRST_LINE) + 1;
  const last = lines.indexOf(LAST_LINE, first) + 1;
  if (first === 0 || last === 0) {
    throw new Error(`the fixture ${FILE} lacks the tokenize function`);
  }
  const details = [];
  const frame = panelFrame(page);

  await ui.openFile(page, FILE);
  await ui.showLog(page);
  await ui.waitForEditorFocus(page);

  // --- A few lines: labels spell the code ----------------------------------------------------
  const selected = await selectLines(page, lines, first, last);
  const small = await showAttention(page, frame);
  const fromTitles = small.labels.map((label) => label.token).join('');
  if (!fromTitles.endsWith(visible(selected).replace(/↵$/, '')) && !fromTitles.endsWith(visible(selected))) {
    throw new Error(`the query tokens do not spell the selection:\n  tokens:   ${fromTitles}\n  selected: ${visible(selected)}`);
  }
  const fromTexts = small.labels.map((label) => label.text).join('');
  const missing = EXPECTED_PIECES.filter((piece) => !fromTexts.includes(piece));
  if (missing.length > 0) {
    throw new Error(`the query labels lack ${JSON.stringify(missing)}; they read: ${fromTexts}`);
  }
  const matrixShot = path.join(resultsDir, 'attention-matrix.png');
  await frame.locator('#matrix canvas').first().waitFor();
  await page.screenshot({ path: matrixShot });
  details.push(`${small.timing.line}`);
  details.push(`(observed from the palette: ${small.timing.observedMs} ms)`);

  // --- Click a query label: the step-by-step view ---------------------------------------------
  // A word in the middle of the code rather than whitespace or punctuation.
  const words = small.labels.filter((label) => /^·?[A-Za-z]{4,}$/.test(label.token));
  const target = words[Math.floor(words.length / 2)] ?? small.labels[Math.floor(small.labels.length / 2)];
  await frame.locator(`#matrix .token-label[data-axis="query"][data-index="${target.index}"]`).click();
  await frame.locator('button[data-view="steps"][aria-selected="true"]').waitFor();
  const steps = frame.locator('#steps section.step');
  await steps.first().waitFor();
  const stepCount = await steps.count();
  const heading = ui.plainText(await frame.locator('#steps').innerText());
  if (!heading.includes(`“${target.token}”`)) {
    throw new Error(`the step-by-step view does not name the clicked token “${target.token}”`);
  }
  const stepsShot = path.join(resultsDir, 'attention-steps.png');
  await page.screenshot({ path: stepsShot });
  details.push(`clicked query ${target.index} “${target.token}”: ${stepCount} steps`);

  // --- 256 tokens of context on the same model ------------------------------------------------
  // Back to the heatmap first: the panel keeps its view for the next capture.
  await frame.locator('button[data-view="matrix"]').click();
  await frame.locator('button[data-view="matrix"][aria-selected="true"]').waitFor();
  await frame.locator('#matrix .token-label[data-axis="query"]').first().waitFor();
  await ui.runCommand(page, 'View: Focus First Editor Group');
  await ui.waitForEditorFocus(page);
  await page.keyboard.press('Control+A');
  await page.locator('#status\\.editor\\.selection', { hasText: `(${text.length} selected)` }).waitFor();
  const large = await showAttention(page, frame);
  if (large.timing.tokens !== MAX_TOKENS) {
    throw new Error(`the whole file (${text.length} characters) gave ${large.timing.tokens} tokens, expected the cut to ${MAX_TOKENS}`);
  }
  const cut = large.timing.before.map((line) => CUT_LINE.exec(line)).find(Boolean);
  if (!cut || Number(cut[1]) !== MAX_TOKENS || Number(cut[2]) <= MAX_TOKENS) {
    throw new Error(`no "[attention] showing the last ${MAX_TOKENS} of N tokens" line before the timing; the log ends: ${JSON.stringify(large.timing.before)}`);
  }
  const tail = large.labels.map((label) => label.token).join('');
  if (!visible(text).endsWith(tail)) {
    throw new Error(`the ${MAX_TOKENS} tokens are not the end of the file: ${tail.slice(0, 200)}…`);
  }
  details.push(`${large.timing.line} (${cut[0].replace('[attention] ', '')})`);
  const after = (timing, where) => timing.before.map((line) => new RegExp(`capture in the ${where} (\\d+) ms`).exec(line)?.[1]).filter(Boolean).pop() ?? '?';
  for (const where of ['host', 'panel']) {
    details.push(`capture in the ${where} after: ${small.timing.tokens} tokens ${after(small.timing, where)} ms, ${large.timing.tokens} tokens ${after(large.timing, where)} ms`);
  }
  details.push(`command to painted: ${small.timing.tokens} tokens ${small.timing.commandToPaintedMs} ms, ${large.timing.tokens} tokens ${large.timing.commandToPaintedMs} ms`);
  details.push(`screenshots: ${path.relative(process.cwd(), matrixShot)}, ${path.relative(process.cwd(), stepsShot)}`);

  // Closing the panel lets go of the capture (the host says so in its log).
  await ui.closeAllEditors(page);
  const released = await ui.waitForLogLine(page, /\[attention\] panel closed; its capture \(([^)]+)\) was released/, { timeoutMs: 15_000 });
  details.push(`panel closed: ${released[1]} released`);
  return details.join('\n      ');
}
