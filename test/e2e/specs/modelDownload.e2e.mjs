// A Hub model's download as a user meets it: with the hub address set to a local server in the Hub
// layout (a slow one), Select Model → "Enter a model id…" → test-org/tiny → Allow Downloads (naming the host);
// a notification shows bytes, percent, speed and time left while the status bar still names the
// model that serves and adds the download; Select Model opened again lists the download first
// (screenshot); choosing it cancels, and the cancel message's "Resume Download" goes on from the
// bytes that came (a Range request); then the new model serves. The settings are put back afterwards.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot, tinyModelPath } from '../paths.mjs';
import * as ui from '../ui.mjs';

/** Test title. */
export const title = 'Select Model downloads a Hub model with progress, lists it while it downloads, cancels and resumes it, then serves it';

/** The model that serves must go on serving during the download. */
export const needsReadyModel = true;

const MODEL = 'test-org/tiny';
const GRAPH = 'onnx/model_quantized.onnx';
const STATUS = '.statusbar-item[id$="attentionLens.status"]';
const TOAST = '.notifications-toasts .notification-list-item';
const TIMEOUT_MS = 60_000;

/** The tiny fixture's files as a Hub serves them. */
function hubFiles() {
  const files = new Map();
  for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', GRAPH]) {
    files.set(file, fs.readFileSync(path.join(tinyModelPath, ...file.split('/'))));
  }
  return files;
}

/** Opens Attention Lens: Select Model from the palette and waits for its list. */
async function openSelectModel(page) {
  await ui.focusWorkbench(page);
  await ui.typeInCommandPalette(page, '>Attention Lens: Select Model');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Select Model' }).waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Attention Lens: Select Model' }).waitFor();
}

/** The picker's row whose label contains `text`. */
function pickRow(page, text) {
  return page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: text }) }).first();
}

async function statusText(page) {
  return (await page.locator(STATUS).innerText()).trim();
}

export async function run({ page, shared, machineSettingsFile, resultsDir }) {
  // The range server is the model tier's own (compiled with the tests).
  const { startRangeHub } = createRequire(import.meta.url)(path.join(repoRoot, 'out', 'test', 'model', 'rangeHub.js'));
  const hub = await startRangeHub(MODEL, 'main', hubFiles());
  hub.behave(GRAPH, { bytesPerSecond: 4000 }); // about 26 s for the 104 kB graph: time to look at it
  const text = fs.existsSync(machineSettingsFile) ? fs.readFileSync(machineSettingsFile, 'utf8') : '{}';
  let original;
  try {
    original = JSON.parse(text);
  } catch (err) {
    throw new Error(`the machine settings are no JSON (${err.message}):\n${text}`);
  }
  const serving = shared.modelName;
  let failure;
  try {
    // The hub address is a machine setting; downloads stay off until the picker asks.
    await ui.editMachineSettings(page, { ...original, 'attentionLens.hubUrl': hub.url }, machineSettingsFile);
    await page.locator(STATUS, { hasText: `${serving} · ` }).filter({ hasText: 'ready' }).waitFor({ timeout: TIMEOUT_MS });

    await openSelectModel(page);
    await pickRow(page, 'Enter a model id').click();
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Hugging Face model id' }).waitFor();
    await input.fill(MODEL);
    await page.keyboard.press('Enter');
    // Downloads are off: the picker asks first, naming the host it would contact.
    const host = new URL(hub.url).host;
    const allow = page.locator('.monaco-dialog-box', { hasText: `Allow downloads from ${host}?` });
    await allow.waitFor({ timeout: TIMEOUT_MS });
    await allow.locator('.monaco-button', { hasText: 'Allow Downloads' }).click();

    // The notification: bytes of total, percent, speed, time left.
    const toast = page.locator(TOAST, { hasText: `downloading ${MODEL}` });
    await toast.first().waitFor({ timeout: TIMEOUT_MS });
    const progressLine = page.locator(`${TOAST} .notification-list-item-message`, { hasText: /kB of .* \(\d+%\) · .*\/s/ });
    await progressLine.first().waitFor({ timeout: TIMEOUT_MS });
    const notified = (await progressLine.first().innerText()).trim();
    // The status bar still names the model that serves, with the download beside it.
    await page.locator(STATUS, { hasText: `↓ tiny` }).waitFor({ timeout: TIMEOUT_MS });
    const during = await statusText(page);
    if (!during.startsWith(serving)) throw new Error(`during the download the status bar reads "${during}", not the serving model ${serving}`);

    // Select Model again: the download is listed first; the screenshot shows it with the notification.
    await openSelectModel(page);
    const downloading = pickRow(page, MODEL);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Choose to cancel the download' }).first().waitFor();
    const shot = path.join(resultsDir, 'e2e-select-model-download.png');
    await page.screenshot({ path: shot, animations: 'disabled' });
    await downloading.click();

    // Cancelled: the message says what is kept; the serving model goes on.
    const cancelled = page.locator(TOAST, { hasText: `the download of ${MODEL} was cancelled` });
    await cancelled.first().waitFor({ timeout: TIMEOUT_MS });
    await page.locator(STATUS, { hasText: `${serving} · ` }).filter({ hasNotText: '↓' }).waitFor({ timeout: TIMEOUT_MS });
    const keptRequests = hub.requests.length;

    // Resume: from the bytes that came, now at full speed.
    hub.behave(GRAPH, {});
    await cancelled.first().locator('.monaco-button', { hasText: 'Resume Download' }).click();
    await page.locator(STATUS, { hasText: `${MODEL} · ` }).filter({ hasText: 'ready' }).waitFor({ timeout: TIMEOUT_MS });
    const resumed = hub.requests.slice(keptRequests).find((r) => r.method === 'GET' && r.range);
    if (!resumed) throw new Error(`the resumed download sent no Range request: ${JSON.stringify(hub.requests.slice(keptRequests))}`);
    const after = await statusText(page);
    return `notification "${notified}"; status during "${during}"; resumed with ${resumed.range}; then "${after}"; screenshot ${path.relative(process.cwd(), shot)}`;
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    await restore(page, serving, original, machineSettingsFile).catch((err) => {
      if (!failure) throw err;
      console.error(`      (restoring after the failure also failed: ${err.message.split('\n')[0]})`);
    });
    await hub.close();
  }
}

/** Puts the model and the machine settings back as they were. */
async function restore(page, serving, original, machineSettingsFile) {
  await page.keyboard.press('Escape');
  await ui.focusWorkbench(page);
  await ui.runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
  // Back to the model that served: Select Model → the bundled model (or the folder in use before).
  await openSelectModel(page)
    .then(() => pickRow(page, serving).click())
    .catch(() => undefined);
  await ui.editMachineSettings(page, original, machineSettingsFile);
  await page.locator(STATUS, { hasText: `${serving} · ` }).filter({ hasText: 'ready' }).waitFor({ timeout: TIMEOUT_MS });
}
