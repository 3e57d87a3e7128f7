// Browser tests of the attention panel's webview (dist/webview.js) in a static harness: a fake
// acquireVsCodeApi records what the panel posts, the test posts a synthetic capture, and
// playwright-core drives Debian's chromium. Prints `N passed, N failed`; exits 1 on any failure.
//
//   node test/webview/runWebviewTests.mjs            builds the webview bundle first
//   node test/webview/runWebviewTests.mjs --no-build uses the dist/webview.js already there
//   ... --grep matrix                                runs only tests whose name contains "matrix"
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { dataOf, loadSourceModule, syntheticCapture } from './syntheticCapture.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const resultsDir = path.join(repoRoot, 'test-results/webview');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const grep = args.includes('--grep') ? args[args.indexOf('--grep') + 1] : undefined;
const TEST_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 240_000;

fs.mkdirSync(resultsDir, { recursive: true });
const math = loadSourceModule(repoRoot, 'webview-ui/attentionMath', path.join(resultsDir, '.build'));
const protocol = loadSourceModule(repoRoot, 'common/webviewProtocol', path.join(resultsDir, '.build'));
const packing = loadSourceModule(repoRoot, 'common/probsPacking', path.join(resultsDir, '.build'));
const predictionsModule = loadSourceModule(repoRoot, 'common/tokenPredictions', path.join(resultsDir, '.build'));

if (!args.includes('--no-build')) {
  console.log('building dist/webview.js …');
  const build = spawnSync('npx', ['webpack', '--mode', 'development', '--config-name', 'webview'], { cwd: repoRoot, stdio: 'inherit', timeout: 180_000 });
  if (build.status !== 0) {
    console.error('webpack failed');
    process.exit(1);
  }
}

// ---------------------------------------------------------------- harness server

/** Serves the harness, the bundle and the stylesheet; nothing else. */
function startServer() {
  const files = {
    '/harness.html': ['test/webview/harness.html', 'text/html'],
    '/dist/webview.js': ['dist/webview.js', 'text/javascript'],
    '/media/attention.css': ['media/attention.css', 'text/css'],
  };
  const server = http.createServer((req, res) => {
    const entry = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': entry[1], 'cache-control': 'no-store' });
    fs.createReadStream(path.join(repoRoot, entry[0])).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---------------------------------------------------------------- page helpers

/** Synthetic logits [T, V] and the predictions the worker would compute from them (tokenPredictions.ts). */
const VOCAB = 12;
function withPredictions(value) {
  const n = value.tokens.length;
  const logits = Float32Array.from({ length: n * VOCAB }, (_, i) => Math.sin(i * 1.7) * 3 + (i % VOCAB === (Math.floor(i / VOCAB) + 1) % VOCAB ? 2 : 0));
  const ids = value.tokens.map((_, t) => (t * 5) % VOCAB);
  const stats = predictionsModule.predictionsFromLogits(logits, ids, VOCAB);
  const texts = Object.fromEntries(Array.from({ length: VOCAB }, (_, id) => [id, `tok${id}`]));
  return { value: { ...value, tokenIds: ids, predictions: { ...stats, texts } }, logits, ids };
}
const predicted = withPredictions(syntheticCapture(math));
const capture = predicted.value;
const T = capture.tokens.length;
const probs = dataOf(capture.probs); // [layers, heads, T, T]

/** Probability [l, h, i, j] of the synthetic capture. */
function prob(l, h, i, j) {
  return probs[((l * capture.heads + h) * T + i) * T + j];
}

/**
 * Posts a capture, its probabilities packed as the host packs them (src/common/probsPacking.ts) and
 * its tensors as Float32Array, the way structured clone delivers them. Unlike the host, it leaves
 * q/k/v inline unless the test took them out, so the views that use them need no round trip.
 */
async function postCapture(page, value = capture) {
  const { dims, layout, data } = packing.packProbs({ dims: value.probs.dims, data: dataOf(value.probs) });
  const probs = { dims, layout, base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
  await page.evaluate((c) => {
    const tensor = (t) => (t ? { dims: t.dims, data: new Float32Array(Uint8Array.from(atob(t.base64), (ch) => ch.charCodeAt(0)).buffer) } : undefined);
    const message = { ...c, probs: { ...tensor(c.probs), layout: c.probs.layout }, q: tensor(c.q), k: tensor(c.k), v: tensor(c.v), embedTokens: tensor(c.embedTokens), embedPositions: tensor(c.embedPositions) };
    window.postMessage({ type: 'capture', capture: message }, '*');
  }, { ...value, probs });
}

/** Packs probabilities as the host does and turns them into something page.evaluate can carry. */
function packedForPage(dims, data) {
  const packed = packing.packProbs({ dims, data });
  return { dims: packed.dims, layout: packed.layout, base64: Buffer.from(packed.data.buffer, packed.data.byteOffset, packed.data.byteLength).toString('base64') };
}

/** Posts a capture the way the host does when it sends one layer first (`probsLayer`), numbered `captureId`. */
async function postFirstLayer(page, layer, captureId, value = capture) {
  const all = dataOf(value.probs);
  const [, heads, rows, cols] = value.probs.dims;
  const size = heads * rows * cols;
  const probs = packedForPage([1, heads, rows, cols], all.subarray(layer * size, (layer + 1) * size));
  await page.evaluate(([c, id, first]) => {
    const floats = (base64) => new Float32Array(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)).buffer);
    const message = { ...c, probs: { dims: c.probs.dims, layout: c.probs.layout, data: floats(c.probs.base64) }, probsLayer: first, q: undefined, k: undefined, v: undefined, embedTokens: undefined, embedPositions: undefined, vectorsOnRequest: true };
    window.postMessage({ type: 'capture', captureId: id, capture: message }, '*');
  }, [{ ...value, probs }, captureId, layer]);
}

/** Posts every layer's probabilities for capture `captureId`, as the host does right after the first layer. */
async function postAllLayers(page, captureId, value = capture) {
  const probs = packedForPage(value.probs.dims, dataOf(value.probs));
  await page.evaluate(([p, id]) => {
    const data = new Float32Array(Uint8Array.from(atob(p.base64), (ch) => ch.charCodeAt(0)).buffer);
    window.postMessage({ type: 'layers', captureId: id, probs: { dims: p.dims, layout: p.layout, data } }, '*');
  }, [probs, captureId]);
}

async function post(page, message) {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

/** Messages the panel has posted so far. */
async function posted(page) {
  return page.evaluate(() => window.__posted);
}

/** Waits until the panel has posted a message matching `predicate` after the first `after` messages. */
async function waitForPosted(page, predicate, after = 0, what = 'message') {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = await posted(page);
    const found = all.slice(after).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; posted: ${JSON.stringify(all.slice(after).map((m) => m.type))}`);
    // Wake on the next message after this snapshot (not after a second read, which could miss one).
    await page.waitForFunction((n) => window.__posted.length > n, all.length, { timeout: Math.max(1, deadline - Date.now()) }).catch(() => {});
  }
}

/** A fresh page with the harness loaded, its state cleared, and the capture shown. */
async function openPanel(context, { withCapture = true, value = capture } = {}) {
  const t0 = Date.now();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(`${baseUrl}/harness.html`);
  await waitForPosted(page, (m) => m.type === 'ready', 0, 'ready');
  if (withCapture) {
    const before = (await posted(page)).length;
    await postCapture(page, value);
    await waitForPosted(page, (m) => m.type === 'rendered', before, 'rendered');
  }
  if (process.env.WEBVIEW_TEST_TIMING) console.log(`    openPanel ${Date.now() - t0} ms`);
  return { page, errors };
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(resultsDir, `${name}.png`), fullPage: true });
}

/** Every message the panel posted must pass the host's own validation. */
async function assertValidMessages(page) {
  for (const message of await posted(page)) {
    assert.ok(protocol.parseFromWebview(message), `the host would reject ${JSON.stringify(message).slice(0, 200)}`);
  }
  assert.deepEqual(await page.evaluate(() => window.__violations), [], 'CSP violations');
}

async function hoverCell(page, row, col) {
  const box = await page.locator('#matrix .matrix-cells').boundingBox();
  const cell = box.width / T;
  await page.mouse.move(box.x + (col + 0.5) * cell, box.y + (row + 0.5) * cell);
}

const visible = (t) => t.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '→');

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('posts ready, then rendered after a capture; every message passes the host validation', async (context) => {
  const { page, errors } = await openPanel(context);
  const rendered = (await posted(page)).find((m) => m.type === 'rendered');
  assert.equal(rendered.view, 'matrix');
  assert.ok(rendered.ms >= 0 && rendered.ms < 10_000, `ms = ${rendered.ms}`);
  await assertValidMessages(page);
  assert.deepEqual(errors, []);
  await screenshot(page, 'matrix');
});

test('matrix shows the token labels on both axes, whitespace made visible', async (context) => {
  const { page } = await openPanel(context);
  for (const axis of ['query', 'key']) {
    const labels = page.locator(`#matrix .token-label[data-axis="${axis}"]`);
    assert.equal(await labels.count(), T);
    const texts = await labels.evaluateAll((nodes) => nodes.map((n) => [Number(n.dataset.index), n.textContent]));
    assert.deepEqual(texts, capture.tokens.map((t, i) => [i, visible(t)]));
  }
  assert.equal(await page.locator('.model-name').textContent(), 'synthetic-test-model');
  assert.match(await page.locator('.origin-label').textContent(), /example\.py:1-2/);
});

test('masked cells are marked masked (hover text and hatching), visible cells show their value on hover', async (context) => {
  const { page } = await openPanel(context);
  const tooltip = page.locator('#matrix .matrix-tooltip');
  await hoverCell(page, 1, 4);
  await tooltip.waitFor({ state: 'visible' });
  assert.equal(await tooltip.getAttribute('data-masked'), 'true');
  assert.match(await tooltip.textContent(), /masked/);
  await hoverCell(page, 4, 1);
  await page.waitForFunction(() => document.querySelector('#matrix .matrix-tooltip')?.dataset.row === '4');
  assert.equal(await tooltip.getAttribute('data-masked'), 'false');
  const text = await tooltip.textContent();
  assert.ok(text.includes(prob(0, 0, 4, 1).toFixed(4)), `${text} should show ${prob(0, 0, 4, 1).toFixed(4)}`);
  assert.ok(text.includes('query 4') && text.includes('key 1'), text);
  // The hatching: a masked cell holds more than one colour; a visible one is flat.
  const colours = await page.evaluate((tokens) => {
    const canvas = document.querySelector('#matrix .matrix-heat');
    const ctx = canvas.getContext('2d');
    const cell = canvas.width / tokens;
    const count = (row, col) => {
      const data = ctx.getImageData(Math.floor(col * cell + 1), Math.floor(row * cell + 1), Math.floor(cell - 2), Math.floor(cell - 2)).data;
      const seen = new Set();
      for (let n = 0; n < data.length; n += 4) seen.add(`${data[n]},${data[n + 1]},${data[n + 2]}`);
      return seen.size;
    };
    return { masked: count(0, 5), visible: count(5, 0) };
  }, T);
  assert.ok(colours.masked >= 2, `masked cell has ${colours.masked} colour(s)`);
  assert.equal(colours.visible, 1);
});

test('clicking a query label opens step by step with every step, and its softmax equals the captured row', async (context) => {
  const { page, errors } = await openPanel(context);
  const before = (await posted(page)).length;
  await page.locator('#matrix .token-label[data-axis="query"][data-index="3"]').click();
  await page.locator('#steps section.step').first().waitFor();
  const steps = await page.locator('#steps section.step').evaluateAll((nodes) => nodes.map((n) => n.dataset.step));
  assert.deepEqual(steps, ['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  assert.equal(await page.locator('button[data-view="steps"]').getAttribute('aria-selected'), 'true');
  const weights = await page.locator('#steps section.step[data-step="6"] td.weight').evaluateAll((nodes) => nodes.map((n) => Number(n.dataset.value)));
  assert.equal(weights.length, 4);
  weights.forEach((w, j) => assert.ok(Math.abs(w - prob(0, 0, 3, j)) < 1e-6, `w_${j} = ${w}, captured ${prob(0, 0, 3, j)}`));
  assert.ok(Number(await page.locator('.softmax-check').getAttribute('data-max-difference')) < 1e-6);
  // The mask step strikes out the two future tokens.
  assert.equal(await page.locator('#steps section.step[data-step="5"] tr.masked s').count(), 4);
  assert.match(await page.locator('#steps section.step[data-step="4"]').textContent(), /√12 = 3\.46/);
  // The expander shows every dimension of q.
  assert.match(await page.locator('#steps section.step[data-step="1"] .vector').textContent(), /…/);
  await page.locator('#steps section.step[data-step="1"] .expand-dims').click();
  assert.doesNotMatch(await page.locator('#steps section.step[data-step="1"] .vector').textContent(), /…/);
  const after = (await posted(page)).slice(before);
  assert.ok(after.some((m) => m.type === 'revealToken' && m.index === 3), 'revealToken 3');
  assert.ok(after.some((m) => m.type === 'selectionChanged' && m.selection.view === 'steps' && m.selection.queryToken === 3), 'selectionChanged to steps');
  await waitForPosted(page, (m) => m.type === 'rendered' && m.view === 'steps', before, 'rendered steps');
  assert.deepEqual(errors, []);
  await screenshot(page, 'steps');
});

test('heads overview has a thumbnail per layer × head, and a click opens it in the matrix', async (context) => {
  const { page } = await openPanel(context);
  await page.locator('button[data-view="heads"]').click();
  const thumbs = page.locator('#heads .head-thumb');
  await thumbs.first().waitFor();
  assert.equal(await thumbs.count(), capture.layers * capture.heads);
  await screenshot(page, 'heads');
  await page.locator('#heads .head-thumb[data-layer="1"][data-head="0"]').click();
  await page.locator('#matrix').waitFor();
  assert.equal(await page.locator('#layer-select').inputValue(), '1');
  assert.equal(await page.locator('#head-select').inputValue(), '0');
  await hoverCell(page, 5, 2);
  await page.waitForFunction(() => document.querySelector('#matrix .matrix-tooltip')?.dataset.row === '5');
  assert.ok((await page.locator('#matrix .matrix-tooltip').textContent()).includes(prob(1, 0, 5, 2).toFixed(4)));
  // The mean of heads.
  await page.locator('#head-select').selectOption('mean');
  await page.waitForFunction(() => document.querySelector('#matrix .view-caption')?.textContent.includes('mean of 2 heads'));
  await hoverCell(page, 4, 3);
  await page.waitForFunction(() => document.querySelector('#matrix .matrix-tooltip')?.dataset.row === '4');
  const mean = (prob(1, 0, 4, 3) + prob(1, 1, 4, 3)) / 2;
  assert.ok(Math.abs(Number(await page.locator('#matrix .matrix-tooltip').getAttribute('data-value')) - mean) < 1e-6);
});

test('keyboard: tabs reachable, arrows move the matrix cell, Enter opens its row; overview arrows + Enter', async (context) => {
  const { page } = await openPanel(context);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.view), 'matrix');
  const cells = page.locator('#matrix .matrix-cells');
  await cells.focus();
  await page.keyboard.press('PageUp');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  assert.equal(await cells.getAttribute('data-active-row'), '2');
  assert.equal(await cells.getAttribute('data-active-col'), '1');
  assert.equal(await page.locator('#matrix .token-label[data-axis="query"].active').getAttribute('data-index'), '2');
  assert.ok((await page.locator('#matrix .matrix-tooltip').textContent()).includes(prob(0, 0, 2, 1).toFixed(4)));
  await page.keyboard.press('Enter');
  await page.locator('#steps').waitFor();
  assert.equal(await page.locator('#steps-query').inputValue(), '2');
  // Focus followed into the new view.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'steps-query');

  await page.locator('button[data-view="heads"]').click();
  await page.locator('#heads .head-thumb[tabindex="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await page.evaluate(() => [document.activeElement?.dataset.layer, document.activeElement?.dataset.head]), ['1', '1']);
  await page.keyboard.press('Enter');
  await page.locator('#matrix').waitFor();
  assert.equal(await page.locator('#layer-select').inputValue(), '1');
  assert.equal(await page.locator('#head-select').inputValue(), '1');
});

test('head view: a checkbox per head, lines follow the hovered token', async (context) => {
  const { page } = await openPanel(context);
  await page.locator('button[data-view="headView"]').click();
  await page.locator('#head-view').waitFor();
  assert.equal(await page.locator('#head-view input[type="checkbox"][data-head]').count(), capture.heads);
  const pixels = () => page.evaluate(() => {
    const canvas = document.querySelector('#head-view .head-lines');
    return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data).reduce((a, b) => a + b, 0);
  });
  const all = await pixels();
  await page.locator('#head-view .hv-token[data-axis="query"][data-index="5"]').hover();
  assert.equal(await page.locator('#head-view .hv-token.focused').getAttribute('data-index'), '5');
  const one = await pixels();
  assert.ok(one > 0 && one < all, `one token's lines (${one}) should be fewer than all lines (${all})`);
  await screenshot(page, 'head-view');
  const before = (await posted(page)).length;
  await page.locator('#head-view input[data-head="1"]').uncheck();
  const change = await waitForPosted(page, (m) => m.type === 'selectionChanged', before, 'selectionChanged');
  assert.deepEqual(change.selection.heads, [0]);
});

test('PNG export posts a data URL that decodes to an image; requestExport json answers with the capture', async (context) => {
  const { page } = await openPanel(context);
  for (const view of ['matrix', 'heads', 'headView', 'steps', 'confidence', 'rollout', 'lens', 'whatIf', 'tour']) {
    await page.locator(`button[data-view="${view}"]`).click();
    await page.locator(`#${view === 'headView' ? 'head-view' : view}`).waitFor();
    const before = (await posted(page)).length;
    await page.locator('button[data-export="png"]').click();
    const message = await waitForPosted(page, (m) => m.type === 'export', before, 'export png');
    assert.equal(message.format, 'png');
    const png = Buffer.from(message.dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
    assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(width > 50 && height > 50, `${view}: ${width}×${height}`);
    const decoded = await page.evaluate((url) => new Promise((resolve) => {
      const image = new Image();
      image.onload = () => resolve(image.naturalWidth);
      image.onerror = () => resolve(0);
      image.src = url;
    }), message.dataUrl);
    assert.equal(decoded, width);
    fs.writeFileSync(path.join(resultsDir, `export-${view}.png`), png);
  }
  const before = (await posted(page)).length;
  await post(page, { type: 'requestExport', format: 'json' });
  const message = await waitForPosted(page, (m) => m.type === 'export' && m.format === 'json', before, 'export json');
  const json = JSON.parse(message.json);
  assert.deepEqual(json.tokens, capture.tokens);
  assert.deepEqual(json.probs.dims, capture.probs.dims);
  assert.ok(Math.abs(json.probs.data[7] - probs[7]) < 1e-6);
  assert.deepEqual(json.omitted, []);
  await assertValidMessages(page);
});

test('the selection survives a reload through getState', async (context) => {
  const { page } = await openPanel(context);
  await page.locator('#layer-select').selectOption('1');
  await page.locator('button[data-view="headView"]').click();
  await page.locator('#head-view').waitFor();
  await page.reload();
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  await postCapture(page);
  await waitForPosted(page, (m) => m.type === 'rendered', 0, 'rendered after reload');
  assert.equal(await page.locator('button[data-view="headView"]').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#layer-select').inputValue(), '1');
  await page.locator('#head-view').waitFor();
});

test('cursorToken highlights the token on both axes', async (context) => {
  const { page } = await openPanel(context);
  await post(page, { type: 'cursorToken', index: 2 });
  await page.waitForFunction(() => document.querySelectorAll('#matrix .token-label.cursor').length === 2);
  const marked = await page.locator('#matrix .token-label.cursor').evaluateAll((nodes) => nodes.map((n) => `${n.dataset.axis}:${n.dataset.index}`));
  assert.deepEqual(marked.sort(), ['key:2', 'query:2']);
  await post(page, { type: 'cursorToken', index: undefined });
  await page.waitForFunction(() => document.querySelectorAll('#matrix .token-label.cursor').length === 0);
});

test('without q/k/v the step-by-step view says why; status banners and the cut note', async (context) => {
  const cut = { originalTokens: 900, keptTokens: T };
  const { page } = await openPanel(context, { value: syntheticCapture(math, { withQkv: false, cut }) });
  assert.match(await page.locator('.cut-note').textContent(), new RegExp(`last ${T} of 900 tokens`));
  await page.locator('button[data-view="steps"]').click();
  await page.locator('#steps .steps-unavailable').waitFor();
  assert.match(await page.locator('#steps').textContent(), /without its queries, keys and values/);
  await post(page, { type: 'status', text: 'The model failed to load', isError: true });
  const banner = page.locator('#status-banner');
  await banner.waitFor({ state: 'visible' });
  assert.equal(await banner.getAttribute('role'), 'alert');
  assert.ok(await banner.evaluate((n) => n.classList.contains('error')));
  await screenshot(page, 'unavailable-and-error');
  await post(page, { type: 'status', text: 'Capturing…', isError: false });
  await page.waitForFunction(() => !document.querySelector('#status-banner').classList.contains('error'));
  assert.equal(await banner.getAttribute('role'), 'status');
});

test('a capture that stands in for a remote model says so in the header; a local one does not', async (context) => {
  const standIn = { ...syntheticCapture(math), standInFor: { model: 'Qwen2.5-Coder-7B', host: 'gpu-box:8000' } };
  const { page } = await openPanel(context, { value: standIn });
  const note = page.locator('.stand-in-note');
  await note.waitFor({ state: 'visible' });
  assert.match(await note.textContent(), /attention of the local model .* on the same text\. Suggestions come from Qwen2\.5-Coder-7B on gpu-box:8000/);
  assert.equal(await note.getAttribute('role'), 'note');
  await postCapture(page, syntheticCapture(math));
  await note.waitFor({ state: 'hidden' });
});

test('vectors on request: step by step asks the host for q/k/v once, then shows the steps; JSON export waits for them', async (context) => {
  const light = { ...capture, q: undefined, k: undefined, v: undefined, embedTokens: undefined, embedPositions: undefined, vectorsOnRequest: true };
  const { page, errors } = await openPanel(context, { value: light });
  assert.ok(!(await posted(page)).some((m) => m.type === 'needVectors'), 'the matrix alone asks for no vectors');
  const before = (await posted(page)).length;
  await page.locator('#matrix .token-label[data-axis="query"][data-index="3"]').click();
  await waitForPosted(page, (m) => m.type === 'needVectors', before, 'needVectors');
  assert.match(await page.locator('#steps').textContent(), /on their way/);
  // The host answers with the vectors, tensors unpacked as structured clone delivers them.
  await page.evaluate((c) => {
    const tensor = (t) => (t ? { dims: t.dims, data: new Float32Array(Uint8Array.from(atob(t.base64), (ch) => ch.charCodeAt(0)).buffer) } : undefined);
    window.postMessage({ type: 'vectors', vectors: { q: tensor(c.q), k: tensor(c.k), v: tensor(c.v), embedTokens: tensor(c.embedTokens), embedPositions: tensor(c.embedPositions) } }, '*');
  }, capture);
  await page.locator('#steps section.step[data-step="8"]').waitFor();
  assert.ok(Number(await page.locator('.softmax-check').getAttribute('data-max-difference')) < 1e-6);
  const exportFrom = (await posted(page)).length;
  await post(page, { type: 'requestExport', format: 'json' });
  const exported = await waitForPosted(page, (m) => m.type === 'export' && m.format === 'json', exportFrom, 'json export');
  assert.ok(JSON.parse(exported.json).q, 'the export carries q');
  assert.equal((await posted(page)).filter((m) => m.type === 'needVectors').length, 1, 'asked once');
  assert.deepEqual(errors, []);
});

test('one layer first: the matrix paints from it; other layers, the overview and the JSON export wait for the rest', async (context) => {
  const { page, errors } = await openPanel(context, { withCapture: false });
  const ready = (await posted(page)).find((m) => m.type === 'ready');
  assert.equal(ready.selection?.layer, 0, 'ready tells the host the layer it shows');
  let before = (await posted(page)).length;
  await postFirstLayer(page, 0, 7);
  await waitForPosted(page, (m) => m.type === 'rendered' && m.view === 'matrix', before, 'rendered from the first layer');
  await hoverCell(page, 4, 1);
  await page.waitForFunction(() => document.querySelector('#matrix .matrix-tooltip')?.dataset.row === '4');
  assert.ok((await page.locator('#matrix .matrix-tooltip').textContent()).includes(prob(0, 0, 4, 1).toFixed(4)));
  // Layer 1 has not come yet: the panel says so instead of drawing zeros.
  await page.locator('#layer-select').selectOption('1');
  await page.locator('#view .empty-state', { hasText: 'Loading the other layers' }).waitFor();
  before = (await posted(page)).length;
  await post(page, { type: 'requestExport', format: 'json' });
  await postAllLayers(page, 6); // a late answer for an earlier capture changes nothing
  await page.waitForTimeout(100);
  assert.ok(await page.locator('#view .empty-state', { hasText: 'Loading the other layers' }).isVisible());
  await postAllLayers(page, 7);
  await waitForPosted(page, (m) => m.type === 'rendered' && m.view === 'matrix', before, 'rendered once the layers came');
  await hoverCell(page, 5, 2);
  await page.waitForFunction(() => document.querySelector('#matrix .matrix-tooltip')?.dataset.row === '5');
  assert.ok((await page.locator('#matrix .matrix-tooltip').textContent()).includes(prob(1, 0, 5, 2).toFixed(4)));
  // The export waited for the layers (and asks for the vectors this capture left with the host).
  const needVectors = await waitForPosted(page, (m) => m.type === 'needVectors', before, 'needVectors for the export');
  assert.ok(needVectors);
  await page.locator('button[data-view="heads"]').click();
  await page.locator('#heads canvas').first().waitFor();
  assert.deepEqual(errors, []);
  await assertValidMessages(page);
});

test('a longer text (200 tokens, 4 × 4 heads) renders every view', async (context) => {
  const tokens = Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? '\n' : ` t${i}`));
  const { page, errors } = await openPanel(context, { value: withPredictions(syntheticCapture(math, { layers: 4, heads: 4, headDim: 16, tokens })).value });
  await page.locator('#layer-select').selectOption('3');
  for (const view of ['heads', 'headView', 'steps', 'confidence', 'rollout', 'tour', 'matrix']) {
    const before = (await posted(page)).length;
    await page.locator(`button[data-view="${view}"]`).click();
    const rendered = await waitForPosted(page, (m) => m.type === 'rendered' && m.view === view, before, `rendered ${view}`);
    console.log(`    ${view}: rendered in ${rendered.ms.toFixed(1)} ms`);
  }
  assert.equal(await page.locator('#matrix .token-label[data-axis="query"]').count(), 200);
  assert.deepEqual(errors, []);
  await screenshot(page, 'matrix-200-tokens');
});


/** Softmax of row `p` of the synthetic logits, in the test's own arithmetic. */
function softmaxRow(p) {
  const row = Array.from(predicted.logits.subarray(p * VOCAB, (p + 1) * VOCAB));
  const max = Math.max(...row);
  const exps = row.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

test('confidence: each token by the probability the model gave it; hover shows it and the expected alternatives', async (context) => {
  const { page, errors } = await openPanel(context);
  await page.locator('button[data-view="confidence"]').click();
  const tokens = page.locator('#confidence .conf-token');
  await tokens.first().waitFor();
  assert.equal(await tokens.count(), T);
  await tokens.nth(3).hover();
  const probs = softmaxRow(2);
  const actual = predicted.ids[3];
  const expectedPercent = `${(probs[actual] * 100).toFixed(1)}%`;
  const best = probs.indexOf(Math.max(...probs));
  await page.waitForFunction((want) => document.querySelector('#confidence .conf-detail')?.textContent.includes(want), expectedPercent);
  const detail = await page.locator('#confidence .conf-detail').textContent();
  assert.ok(detail.includes(`“tok${best}” ${(probs[best] * 100).toFixed(1)}%`), detail);
  const rank = probs.filter((p) => p > probs[actual]).length + 1;
  assert.ok(detail.includes(`(rank ${rank})`), detail);
  assert.equal(Number(await tokens.nth(3).getAttribute('data-prob')).toFixed(4), probs[actual].toFixed(4));
  // A suggestion's own tokens are framed and summed up.
  const offsets = capture.offsets;
  const outputChars = capture.text.length - offsets[3][0];
  await postCapture(page, { ...capture, origin: { kind: 'completion', label: 'last completion', outputChars } });
  await page.locator('#confidence .conf-summary').waitFor();
  assert.equal(await page.locator('#confidence .conf-token.conf-output').count(), T - 3);
  assert.match(await page.locator('#confidence .conf-summary').textContent(), /The suggestion \(framed, 3 tokens\): mean probability/);
  await screenshot(page, 'confidence');
  assert.deepEqual(errors, []);
});

test('rollout: raw attention and rollout side by side; the query row’s sources equal an independent rollout', async (context) => {
  const { page, errors } = await openPanel(context);
  await page.locator('#layer-select').selectOption('1');
  await page.locator('button[data-view="rollout"]').click();
  await page.locator('#rollout canvas[data-matrix="rollout"]').waitFor();
  assert.equal(await page.locator('#rollout canvas').count(), 2);
  // Rollout by hand: per layer the head mean, ½A + ½I, rows renormalised, R = Â1 · Â0.
  const hat = (l) => Array.from({ length: T }, (_, i) => {
    const row = Array.from({ length: T }, (_, j) => {
      let mean = 0;
      for (let h = 0; h < capture.heads; h++) mean += prob(l, h, i, j) / capture.heads;
      return 0.5 * mean + (i === j ? 0.5 : 0);
    });
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((x) => x / sum);
  });
  const [a0, a1] = [hat(0), hat(1)];
  const q = T - 1;
  const rolled = Array.from({ length: T }, (_, j) => a1[q].reduce((acc, w, k) => acc + w * a0[k][j], 0));
  const top = rolled.map((w, j) => [w, j]).sort((x, y) => y[0] - x[0])[0];
  const sources = await page.locator('#rollout .rollout-sources').nth(1).textContent();
  assert.ok(sources.includes(`(${top[1]}) ${(top[0] * 100).toFixed(1)}%`), `${sources} — expected token ${top[1]} at ${(top[0] * 100).toFixed(1)}%`);
  await screenshot(page, 'rollout');
  assert.deepEqual(errors, []);
});

/** A probe result for the synthetic capture: lens readings where token 7 forms after layer 0. */
function syntheticProbeResult(position, withChange) {
  const reading = (afterLayer, ids, probs, finalTokenProb, finalTokenRank) => ({ afterLayer, top: { ids, probs, entropy: 1.2 }, finalTokenProb, finalTokenRank });
  return {
    position,
    lens: { readings: [reading(-1, [3, 7, 1, 2, 4], [0.5, 0.2, 0.1, 0.1, 0.05], 0.2, 1), reading(0, [7, 3, 1, 2, 4], [0.6, 0.2, 0.1, 0.05, 0.02], 0.6, 0), reading(1, [7, 1, 3, 2, 4], [0.8, 0.1, 0.05, 0.03, 0.01], 0.8, 0)] },
    original: { next: { ids: [7, 1, 3, 2, 4], probs: [0.8, 0.1, 0.05, 0.03, 0.01], entropy: 0.7 }, continuation: ' return a' },
    ...(withChange ? { changed: { next: { ids: [1, 7, 3, 2, 9], probs: [0.5, 0.3, 0.1, 0.05, 0.02], entropy: 1.4 }, continuation: ' return b' } } : {}),
    texts: Object.fromEntries(Array.from({ length: VOCAB }, (_, id) => [id, `tok${id}`])),
    forwardMs: 12,
  };
}

test('logit lens: asks the host for a probe at the query token and shows each depth with the formation sentence', async (context) => {
  const { page, errors } = await openPanel(context);
  const before = (await posted(page)).length;
  await page.locator('button[data-view="lens"]').click();
  const asked = await waitForPosted(page, (m) => m.type === 'probe', before, 'probe');
  assert.deepEqual(asked.request, { position: T - 1, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false });
  await page.locator('#lens .empty-state').waitFor();
  await post(page, { type: 'probeResult', probeId: asked.probeId + 1000, result: syntheticProbeResult(T - 1, false) }); // stale: ignored
  await post(page, { type: 'probeResult', probeId: asked.probeId, result: syntheticProbeResult(T - 1, false) });
  await page.locator('#lens .lens-table').waitFor();
  assert.deepEqual(await page.locator('#lens tbody th').allTextContents(), ['embeddings', 'after layer 0', 'after layer 1']);
  assert.match(await page.locator('#lens .lens-sentence').textContent(), /“tok7” becomes the top prediction after layer 0 and stays so to the end \(60\.0% there, 80\.0% at the end\)/);
  await screenshot(page, 'lens');
  await post(page, { type: 'probeFailed', probeId: asked.probeId, message: 'late failure for an answered probe' });
  await assertValidMessages(page);
  assert.deepEqual(errors, []);
});

test('what if: toggled tokens and heads go out in the probe; original and changed are shown side by side', async (context) => {
  const { page, errors } = await openPanel(context);
  await page.locator('button[data-view="whatIf"]').click();
  await page.locator('#whatIf [data-mask-token="2"]').click();
  await page.locator('#whatIf [data-knockout-layer="1"][data-knockout-head="0"]').click();
  const before = (await posted(page)).length;
  await page.locator('#whatIf button[data-run-probe]').click();
  const asked = await waitForPosted(page, (m) => m.type === 'probe', before, 'probe');
  assert.deepEqual(asked.request, { position: T - 1, lens: false, maskedPositions: [2], knockedOutHeads: [{ layer: 1, head: 0 }], continuation: true });
  await post(page, { type: 'probeResult', probeId: asked.probeId, result: syntheticProbeResult(T - 1, true) });
  await page.locator('#whatIf .wi-side[data-side="changed"] .wi-top').waitFor();
  const changed = await page.locator('#whatIf .wi-side[data-side="changed"]').textContent();
  assert.ok(changed.includes('tok1 50.0% (+40.0 pts)'), changed);
  assert.ok(changed.includes('tok9 2.0% (new in the top 5)'), changed);
  assert.ok(changed.includes('differs from the original'), changed);
  // ' return a' → ' return b': the shared start stays plain, the rest is marked.
  assert.equal(await page.locator('#whatIf .wi-side[data-side="changed"] mark[data-diff]').textContent(), 'b');
  assert.equal(await page.locator('#whatIf .wi-side[data-side="original"] mark').count(), 0);
  assert.ok((await page.locator('#whatIf .wi-side[data-side="original"]').textContent()).includes('tok7 80.0%'));
  await screenshot(page, 'what-if');
  await assertValidMessages(page);
  assert.deepEqual(errors, []);
});

test('tour: one step per screen, moved with the keyboard; the softmax step shows the model’s own probability', async (context) => {
  const { page, errors } = await openPanel(context);
  await page.locator('button[data-view="tour"]').click();
  await page.locator('#tour .tour-screen').waitFor();
  await page.locator('#tour .tour-screen').focus();
  assert.match(await page.locator('#tour .tour-progress').textContent(), /step 1 of 9/);
  const titles = [await page.locator('#tour .tour-screen h2').textContent()];
  for (let step = 2; step <= 9; step++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((n) => document.querySelector('#tour .tour-progress')?.textContent === `step ${n} of 9`, step);
    titles.push(await page.locator('#tour .tour-screen h2').textContent());
    if (step === 7) {
      const text = await page.locator('#tour .tour-screen').textContent();
      assert.ok(text.includes(prob(0, 0, T - 1, T - 1).toFixed(4)), 'the softmax step lists the captured probability of the query itself');
      await screenshot(page, 'tour-softmax');
    }
  }
  assert.deepEqual(titles.map((t) => t.split(':')[0]), ['The token and its place', 'Query', 'Keys', 'Scores', 'Scale', 'Mask', 'Softmax', '× V', 'Output']);
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('#tour .tour-progress')?.textContent === 'step 1 of 9');
  assert.deepEqual(errors, []);
});

test('heads overview: a head that attends exactly to the previous token is labelled so, and the filter marks it', async (context) => {
  const base = syntheticCapture(math);
  const n = base.tokens.length;
  const data = dataOf(base.probs).slice();
  const at = (l, h, i, j) => ((l * base.heads + h) * n + i) * n + j;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[at(1, 1, i, j)] = i === 0 ? (j === 0 ? 1 : 0) : j === i - 1 ? 1 : 0;
  const value = withPredictions({ ...base, probs: { dims: base.probs.dims, base64: Buffer.from(data.buffer).toString('base64') } }).value;
  const { page, errors } = await openPanel(context, { value });
  await page.locator('button[data-view="heads"]').click();
  const thumb = page.locator('#heads .head-thumb[data-layer="1"][data-head="1"]');
  await thumb.waitFor();
  assert.match(await thumb.locator('.head-roles').textContent(), /previous token 1\.00/);
  await page.locator('#role-filter').selectOption('previousToken');
  await page.locator('#heads .head-thumb.has-role').first().waitFor();
  assert.equal(await page.locator('#heads .head-thumb.has-role[data-layer="1"][data-head="1"]').count(), 1);
  assert.match(await page.locator('#heads .role-strongest').textContent(), /strongest previous token head: L1 H1, 1\.00/);
  await screenshot(page, 'head-roles');
  assert.deepEqual(errors, []);
});


/** Rollout by hand: per layer the head mean, ½A + ½I, rows renormalised; R = Â_upTo · … · Â_0. */
function handRollout(value, upTo) {
  const n = value.tokens.length;
  const all = dataOf(value.probs);
  const p = (l, h, i, j) => all[((l * value.heads + h) * n + i) * n + j];
  const hat = (l) => Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: n }, (_, j) => {
      let mean = 0;
      for (let h = 0; h < value.heads; h++) mean += p(l, h, i, j) / value.heads;
      return 0.5 * mean + (i === j ? 0.5 : 0);
    });
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((x) => x / sum);
  });
  let r = hat(0);
  for (let l = 1; l <= upTo; l++) {
    const a = hat(l);
    r = a.map((row) => Array.from({ length: n }, (_, j) => row.reduce((acc, w, k) => acc + w * r[k][j], 0)));
  }
  return r;
}

test('rollout: hover and arrow keys read both cells, equal to a hand-made rollout and head mean; it waits for the layers below', async (context) => {
  const { page, errors } = await openPanel(context);
  await page.locator('#layer-select').selectOption('1');
  await page.locator('button[data-view="rollout"]').click();
  const canvas = page.locator('#rollout canvas[data-matrix="rollout"]');
  await canvas.waitFor();
  const rolled = handRollout(capture, 1);
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + (1.5 * box.width) / T, box.y + (4.5 * box.height) / T);
  const readout = page.locator('#rollout .rollout-readout');
  await page.waitForFunction(() => document.querySelector('#rollout .rollout-readout')?.dataset.row === '4');
  assert.equal(await readout.getAttribute('data-col'), '1');
  assert.ok(Math.abs(Number(await readout.getAttribute('data-rollout')) - rolled[4][1]) < 1e-5, `rollout[4][1] ${await readout.getAttribute('data-rollout')} vs ${rolled[4][1]}`);
  assert.ok(Math.abs(Number(await readout.getAttribute('data-raw')) - (prob(1, 0, 4, 1) + prob(1, 1, 4, 1)) / 2) < 1e-6);
  // Keyboard: the pair takes focus, arrows move the described cell, Enter makes its row the query token.
  await page.mouse.move(0, 0);
  await page.locator('#rollout [data-rollout-cells]').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowUp');
  assert.deepEqual([await readout.getAttribute('data-row'), await readout.getAttribute('data-col')], [String(T - 2), '0']);
  assert.ok(Math.abs(Number(await readout.getAttribute('data-rollout')) - rolled[T - 2][0]) < 1e-5);
  const before = (await posted(page)).length;
  await page.keyboard.press('Enter');
  const change = await waitForPosted(page, (m) => m.type === 'selectionChanged', before, 'selectionChanged');
  assert.equal(change.selection.queryToken, T - 2);
  assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute('data-rollout-cells')), true, 'focus stays on the cells after the repaint');
  // Only layer 1 came first: rollout through layer 1 needs layer 0 too, so it waits instead of multiplying zeros.
  await postFirstLayer(page, 1, 21);
  await page.locator('#view .empty-state', { hasText: 'Loading the other layers' }).waitFor();
  await postAllLayers(page, 21);
  await canvas.waitFor();
  assert.deepEqual(errors, []);
});

test('keyboard stays put: what-if toggles by Enter and Space keep focus, confidence Enter reveals the token', async (context) => {
  const { page, errors } = await openPanel(context);
  await page.locator('button[data-view="whatIf"]').click();
  const token = page.locator('#whatIf [data-mask-token="2"]');
  await token.focus();
  await page.keyboard.press('Enter');
  assert.equal(await token.getAttribute('aria-pressed'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.maskToken), '2');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#whatIf [data-mask-token="3"]').getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('Space');
  assert.equal(await page.locator('#whatIf [data-mask-token="3"]').getAttribute('aria-pressed'), 'false');
  await page.locator('#whatIf [data-knockout-layer="0"][data-knockout-head="1"]').focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.evaluate(() => [document.activeElement?.dataset.knockoutLayer, document.activeElement?.getAttribute('aria-pressed')]), ['0', 'true']);
  let before = (await posted(page)).length;
  await page.locator('#whatIf button[data-run-probe]').focus();
  await page.keyboard.press('Enter');
  const asked = await waitForPosted(page, (m) => m.type === 'probe', before, 'probe');
  assert.deepEqual([asked.request.maskedPositions, asked.request.knockedOutHeads], [[2], [{ layer: 0, head: 1 }]]);
  // A result with no change and a note on knock-outs.
  await post(page, { type: 'probeResult', probeId: asked.probeId, result: { ...syntheticProbeResult(T - 1, false), knockoutUnavailable: 'This model’s graph has no per-head output to zero.' } });
  await page.locator('#whatIf .note', { hasText: 'per-head output' }).waitFor();
  // An earlier query token: the tokens after it cannot change its prediction and are not offered; Enter on the picker runs.
  await page.locator('#what-if-query').selectOption('2');
  await page.waitForFunction(() => document.querySelector('#whatIf [data-mask-token="3"]')?.disabled === true);
  assert.equal(await page.locator('#whatIf [data-mask-token="2"]').isDisabled(), false);
  before = (await posted(page)).length;
  await page.locator('#what-if-query').focus();
  await page.keyboard.press('Enter');
  const second = await waitForPosted(page, (m) => m.type === 'probe', before, 'probe from Enter on the picker');
  assert.deepEqual([second.request.position, second.request.maskedPositions], [2, [2]]);
  before = (await posted(page)).length;
  await page.locator('#whatIf [data-knockout-layer="1"][data-knockout-head="1"]').focus();
  await page.keyboard.press('Control+Enter');
  const third = await waitForPosted(page, (m) => m.type === 'probe', before, 'probe from Ctrl+Enter');
  assert.deepEqual(third.request.knockedOutHeads, [{ layer: 0, head: 1 }]);

  await page.locator('button[data-view="confidence"]').click();
  await page.locator('#confidence .conf-token').first().waitFor();
  await page.locator('#confidence .conf-token[tabindex="0"]').focus();
  await page.keyboard.press('Home');
  for (let n = 0; n < 3; n++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.token), '3');
  const probs = softmaxRow(2);
  assert.ok((await page.locator('#confidence .conf-detail').textContent()).includes(`${(probs[predicted.ids[3]] * 100).toFixed(1)}%`));
  before = (await posted(page)).length;
  await page.keyboard.press('Enter');
  await waitForPosted(page, (m) => m.type === 'revealToken' && m.index === 3, before, 'revealToken 3');
  const change = await waitForPosted(page, (m) => m.type === 'selectionChanged', before, 'selectionChanged');
  assert.equal(change.selection.queryToken, 3);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.token), '3', 'focus stays on the token after the repaint');
  assert.deepEqual(errors, []);
});

test('confidence without predictions says why; the logit lens shows why it is unavailable and a failed probe', async (context) => {
  const { predictions: _none, ...older } = capture;
  const { page, errors } = await openPanel(context, { value: older });
  await page.locator('button[data-view="confidence"]').click();
  assert.match(await page.locator('#confidence .note').textContent(), /no next-token predictions/);
  let before = (await posted(page)).length;
  await page.locator('button[data-view="lens"]').click();
  let asked = await waitForPosted(page, (m) => m.type === 'probe', before, 'probe');
  await post(page, { type: 'probeResult', probeId: asked.probeId, result: { ...syntheticProbeResult(T - 1, false), lens: { unavailable: 'the graph has no hidden states to read' } } });
  await page.locator('#lens .note', { hasText: 'the graph has no hidden states to read' }).waitFor();
  // Another query token asks again; its failure is shown.
  before = (await posted(page)).length;
  await page.locator('#lens [data-query-step="-1"]').click();
  asked = await waitForPosted(page, (m) => m.type === 'probe', before, 'second probe');
  assert.equal(asked.request.position, T - 2);
  await post(page, { type: 'probeFailed', probeId: asked.probeId, message: 'The model is busy' });
  await page.locator('#lens [role="alert"]', { hasText: 'The model is busy' }).waitFor();
  assert.deepEqual(errors, []);
});

test('probe answers go to the view that asked: lens and what if keep their own results; an unanswered lens probe is asked again', async (context) => {
  const { page, errors } = await openPanel(context);
  let before = (await posted(page)).length;
  await page.locator('button[data-view="lens"]').click();
  const lens = await waitForPosted(page, (m) => m.type === 'probe', before, 'lens probe');
  await post(page, { type: 'probeResult', probeId: lens.probeId, result: syntheticProbeResult(T - 1, false) });
  await page.locator('#lens .lens-table').waitFor();
  // A second answer to the same probe (a failure after the result) changes nothing.
  await post(page, { type: 'probeFailed', probeId: lens.probeId, message: 'late failure' });
  await page.waitForTimeout(50);
  assert.equal(await page.locator('#lens .lens-table').count(), 1);
  await page.locator('button[data-view="whatIf"]').click();
  await page.locator('#whatIf [data-mask-token="1"]').click();
  before = (await posted(page)).length;
  await page.locator('#whatIf button[data-run-probe]').click();
  const whatIf = await waitForPosted(page, (m) => m.type === 'probe', before, 'what-if probe');
  await post(page, { type: 'probeResult', probeId: whatIf.probeId, result: syntheticProbeResult(T - 1, true) });
  await page.locator('#whatIf .wi-side[data-side="changed"] .wi-top').waitFor();
  // Back to the lens: its readings are still there, no new forward pass.
  before = (await posted(page)).length;
  await page.locator('button[data-view="lens"]').click();
  await page.locator('#lens .lens-table').waitFor();
  await page.locator('button[data-view="whatIf"]').click();
  await page.locator('#whatIf .wi-side[data-side="changed"] .wi-top').waitFor();
  assert.equal((await posted(page)).slice(before).filter((m) => m.type === 'probe').length, 0, 'no probe for results already here');
  // A lens probe left unanswered when what if asks is asked again when the lens comes back.
  await page.locator('button[data-view="lens"]').click();
  await page.locator('#lens [data-query-step="-1"]').click();
  const pending = await waitForPosted(page, (m) => m.type === 'probe' && m.request.lens && m.request.position === T - 2, before, 'lens probe at T − 2');
  await page.locator('button[data-view="whatIf"]').click();
  before = (await posted(page)).length;
  await page.locator('#whatIf button[data-run-probe]').click();
  await waitForPosted(page, (m) => m.type === 'probe' && !m.request.lens, before, 'second what-if probe');
  await post(page, { type: 'probeResult', probeId: pending.probeId, result: syntheticProbeResult(T - 2, false) }); // the host would not answer it: ignored
  before = (await posted(page)).length;
  await page.locator('button[data-view="lens"]').click();
  const again = await waitForPosted(page, (m) => m.type === 'probe', before, 'lens asks again');
  assert.equal(again.request.position, T - 2);
  await page.locator('#lens .empty-state', { hasText: 'Reading the prediction after every layer' }).waitFor();
  await assertValidMessages(page);
  assert.deepEqual(errors, []);
});

// ---------------------------------------------------------------- runner

let baseUrl = '';

async function main() {
  const server = await startServer();
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const { name, fn } of tests) {
      if (grep && !name.includes(grep)) continue;
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      context.setDefaultTimeout(10_000);
      const started = Date.now();
      let timer;
      try {
        await Promise.race([fn(context), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS)))]);
        passed++;
        console.log(`  ✔ ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed++;
        console.log(`  ✘ ${name}\n    ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n    ')}`);
      } finally {
        clearTimeout(timer);
        await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
      }
    }
  } finally {
    if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    await new Promise((resolve) => server.close(resolve));
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0;
}

// A wedged browser must not hang CI: the whole run has a hard limit.
const watchdog = setTimeout(() => {
  console.log('0 passed, 1 failed (the run exceeded its time limit)');
  process.exit(1);
}, RUN_TIMEOUT_MS);
watchdog.unref();

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    console.error(error);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
