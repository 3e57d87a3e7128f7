// The views beyond the anchors as a user opens them, on the bundled model and real code: the
// confidence strip (and its hover), rollout beside raw attention, the logit lens for a query
// token, "what if" with a masked token and a knocked-out head, the guided tour stepped with the
// keyboard, and head roles on the overview; then Explain Last Completion's confidence on the
// suggestion's own tokens (the completion spec, which runs before, left one). One screenshot per
// view, kept in test-results/.
import fs from 'node:fs';
import path from 'node:path';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'attention beyond the anchors: confidence, rollout, logit lens, what if, tour, head roles — with real numbers';

/** Needs the model loaded (the status bar spec found it ready). */
export const needsReadyModel = true;

const FILE = 'src/textStats.ts';
const FIRST_LINE = '/** Splits text into words, dropping punctuation and empty pieces. */';
/** A probe builds the probe copy of the model first (about a second on a quiet machine). */
const PROBE_TIMEOUT_MS = 60_000;
const VIEW_TIMEOUT_MS = 30_000;

function panelFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

async function openView(frame, view) {
  await frame.locator(`button[data-view="${view}"]`).click();
  await frame.locator(`button[data-view="${view}"][aria-selected="true"]`).waitFor({ timeout: VIEW_TIMEOUT_MS });
  const root = frame.locator(`#${view}`);
  await root.waitFor({ timeout: VIEW_TIMEOUT_MS });
  return root;
}

async function shoot(page, resultsDir, name) {
  const file = path.join(resultsDir, `attention-${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return path.relative(process.cwd(), file);
}

/** Waits until `locator`'s text matches `pattern`; returns the text. */
async function textMatching(locator, pattern, timeoutMs, what) {
  let text = '';
  await ui.waitUntil(async () => {
    text = ui.plainText(await locator.innerText().catch(() => ''));
    return pattern.test(text);
  }, { timeoutMs, describe: `${what} to read ${pattern}` });
  return text;
}

export async function run({ page, workspace, resultsDir }) {
  const text = fs.readFileSync(path.join(workspace, FILE), 'utf8');
  const lines = text.split('\n');
  const first = lines.indexOf(FIRST_LINE) + 1;
  if (first === 0) throw new Error(`the fixture ${FILE} lacks the tokenize function`);
  const details = [];
  const shots = [];
  const frame = panelFrame(page);

  await ui.openFile(page, FILE);
  await ui.waitForEditorFocus(page);
  await ui.goToLine(page, first);
  for (let line = first; line < first + 12; line++) await page.keyboard.press('Shift+ArrowDown');
  await ui.runCommand(page, 'Attention Lens: Show Attention');
  await frame.locator('button[data-view="matrix"]').waitFor({ timeout: VIEW_TIMEOUT_MS });

  // --- Confidence: every token coloured by the probability the model gave it ---------------
  const confidence = await openView(frame, 'confidence');
  const tokens = confidence.locator('.conf-token');
  await tokens.first().waitFor({ timeout: VIEW_TIMEOUT_MS });
  const tokenCount = await tokens.count();
  // Hover a token in the middle: its alternatives with probabilities appear.
  const hovered = tokens.nth(Math.floor(tokenCount / 2));
  await hovered.hover();
  const tip = await textMatching(confidence.locator('.conf-detail'), /the model gave it \d+(\.\d+)?% \(rank \d+\).*It expected/, VIEW_TIMEOUT_MS, 'the confidence detail');
  details.push(`confidence: ${tokenCount} tokens; hovered: ${tip.slice(0, 160)}`);
  shots.push(await shoot(page, resultsDir, 'confidence'));

  // --- Rollout beside raw attention -----------------------------------------------------------
  const rollout = await openView(frame, 'rollout');
  await ui.waitUntil(async () => (await rollout.locator('canvas').count()) >= 2, { timeoutMs: VIEW_TIMEOUT_MS, describe: 'two heatmaps in the rollout view' });
  details.push(`rollout: ${await rollout.locator('canvas').count()} heatmaps`);
  shots.push(await shoot(page, resultsDir, 'rollout'));

  // --- Logit lens for the last token ------------------------------------------------------------
  const lens = await openView(frame, 'lens');
  await lens.locator('.lens-table').waitFor({ timeout: PROBE_TIMEOUT_MS });
  const depths = await lens.locator('tbody th').allTextContents();
  if (depths[0] !== 'embeddings' || depths.length < 3) throw new Error(`the logit lens rows read ${JSON.stringify(depths)}`);
  details.push(`logit lens: ${depths.length} depths; ${ui.plainText(await lens.locator('.lens-sentence').innerText())}`);
  shots.push(await shoot(page, resultsDir, 'lens'));

  // --- What if: mask a token, knock out a head, run ---------------------------------------------
  const whatIf = await openView(frame, 'whatIf');
  await whatIf.locator('[data-mask-token]').nth(2).click();
  await whatIf.locator('[data-knockout-layer="0"][data-knockout-head="0"]').click();
  await whatIf.locator('button[data-run-probe]').click();
  const changedSide = whatIf.locator('.wi-side[data-side="changed"] .wi-top');
  await changedSide.waitFor({ timeout: PROBE_TIMEOUT_MS });
  const continuation = ui.plainText(await whatIf.locator('.wi-side[data-side="changed"] .wi-continuation').innerText());
  details.push(`what if: original and changed side by side; changed ${continuation}`);
  shots.push(await shoot(page, resultsDir, 'what-if'));

  // --- The tour, stepped with the keyboard ------------------------------------------------------
  const tour = await openView(frame, 'tour');
  await textMatching(tour.locator('.tour-progress'), /step 1 of \d+/i, VIEW_TIMEOUT_MS, 'the tour');
  await tour.locator('.tour-screen').focus();
  const steps = Number(/step 1 of (\d+)/i.exec(ui.plainText(await tour.innerText()))[1]);
  for (let step = 2; step <= steps; step++) {
    await page.keyboard.press('ArrowRight');
    await textMatching(tour.locator('.tour-progress'), new RegExp(`step ${step} of ${steps}`, 'i'), VIEW_TIMEOUT_MS, `tour step ${step}`);
    if (/^Softmax/.test(await tour.locator('.tour-screen h2').innerText())) shots.push(await shoot(page, resultsDir, 'tour'));
  }
  details.push(`tour: ${steps} steps with →`);

  // --- Head roles on the overview ---------------------------------------------------------------
  const heads = await openView(frame, 'heads');
  await heads.locator('.head-role').first().waitFor({ timeout: VIEW_TIMEOUT_MS });
  const strongest = (await heads.locator('.role-strongest li').allTextContents()).map(ui.plainText);
  details.push(`head roles: ${await heads.locator('.head-role').count()} labels; ${strongest.join('; ')}`);
  shots.push(await shoot(page, resultsDir, 'head-roles'));

  // --- Explain Last Completion: the suggestion's own tokens, framed, with their confidence -----
  await ui.runCommand(page, 'Attention Lens: Explain Last Completion');
  await textMatching(frame.locator('.origin-label'), /^completion: last completion in/, VIEW_TIMEOUT_MS, 'the panel’s origin');
  await openView(frame, 'confidence');
  const summary = frame.locator('#confidence .conf-summary');
  await summary.waitFor({ timeout: VIEW_TIMEOUT_MS });
  const framed = await frame.locator('#confidence .conf-token.conf-output').count();
  if (framed === 0) throw new Error('Explain Last Completion framed none of the suggestion’s tokens');
  details.push(`explain last completion: ${framed} suggestion tokens framed; ${ui.plainText(await summary.innerText()).slice(0, 200)}`);
  shots.push(await shoot(page, resultsDir, 'explain-completion'));
  details.push(`screenshots: ${shots.join(', ')}`);
  await ui.closeAllEditors(page);
  return details.join('\n      ');
}
