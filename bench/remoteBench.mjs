// Completion latency, the local worker against the same model behind an OpenAI-compatible server:
// `transformers serve` (PyTorch, CPU) on the bundled model's fp32 weights, and the extension's
// worker (onnxruntime-node) on the same fp32 weights and on the q8 weights users get by default.
// Same cursor positions, same prompt text (cut once, by the remote engine's own budget), same stop
// rules; the sides take turns at every position so a busy machine slows them alike. Prints a
// table and writes bench/results/remote-<date>.json.
// Usage: npm run bench:remote [-- --positions N] [-- --out FILE]
import * as fs from 'fs';
import * as path from 'path';
import { option, repo, require } from './benchSetup.mjs';
import { cursorPositions, windowOf } from './benchPrompts.mjs';
import { quantile, round } from './stats.mjs';

const positionsWanted = Number(option('positions', '24'));
const outFile = path.resolve(option('out', path.join(repo, 'bench/results', `remote-${new Date().toISOString().slice(0, 10)}.json`)));
const bundled = path.join(repo, 'models/lens-coder');

const load = (p) => require(path.join(repo, 'out', p));
const { InferenceClient } = load('src/inference/inferenceClient.js');
const { chooseStopRules, describeCursorLines } = load('src/completion/completionPipeline.js');
const { readCompletionSettings } = load('src/common/settings.js');
const { fitContextToBudget } = load('src/common/contextWindow.js');
const { resolveRemoteFormat } = load('src/remote/remotePromptFormat.js');
const { remoteComplete, estimateTokens } = load('src/remote/remoteRequests.js');
const { startTransformersServe } = load('test/remote/transformersServe.js');

const settings = readCompletionSettings(() => undefined); // the extension's defaults
const lensConfig = JSON.parse(fs.readFileSync(path.join(bundled, 'config.json'), 'utf8'));
const format = resolveRemoteFormat('lens', 'lens-coder', lensConfig).format;

const served = await startTransformersServe({});
const target = { endpoint: { baseUrl: `${served.baseUrl}/v1` }, model: served.model, format, timeoutMs: 120_000 };
const localClient = async (dtype) => {
  const client = new InferenceClient({
    workerPath: path.join(repo, 'out/src/worker/main.js'),
    startData: { wasmDir: path.join(repo, 'node_modules/onnxruntime-web/dist'), wasmThreads: 1 },
    requestTimeoutMs: () => 120_000,
  });
  const info = await client.load({ source: { kind: 'folder', path: bundled, displayName: 'lens-coder' }, device: 'cpu', dtype });
  return { client, info };
};
const fp32 = await localClient('fp32');
const q8 = await localClient('q8');

/** One request's parameters; the text is cut once so every side gets exactly the same prompt text. */
const paramsAt = (p) => {
  const cursor = windowOf(p);
  const fitted = fitContextToBudget({ prefix: cursor.prefix, suffix: cursor.suffix }, settings.contextTokens, estimateTokens);
  const lines = describeCursorLines({ ...fitted, tabSize: 4 });
  return {
    prefix: fitted.prefix,
    suffix: fitted.suffix,
    budgetTokens: 8192, // already cut: no side cuts again
    maxNewTokens: settings.maxNewTokens,
    stop: chooseStopRules(lines.linePrefix, lines.lineSuffix, 4, settings.multiline),
  };
};

const sides = {
  'remote (transformers serve, fp32)': (params) => remoteComplete(target, params),
  'local worker (fp32)': (params) => fp32.client.complete(params, {}, undefined, 120_000),
  'local worker (q8, the default)': (params) => q8.client.complete(params, {}, undefined, 120_000),
};
const names = Object.keys(sides);
const positions = cursorPositions(positionsWanted);
// Warm-up, not measured.
for (const name of names) await sides[name](paramsAt(positions[0]));

const samples = Object.fromEntries(names.map((name) => [name, []]));
let agree = 0;
for (const [index, p] of positions.entries()) {
  const params = paramsAt(p);
  const texts = {};
  // Rotate the order at every position so no side always runs first (caches, frequency scaling).
  for (let k = 0; k < names.length; k++) {
    const name = names[(index + k) % names.length];
    const started = performance.now();
    const done = await sides[name](params);
    samples[name].push({ ms: performance.now() - started, first: done.timings.firstTokenMs, tps: done.timings.tokensPerSecond, chars: done.text.length });
    texts[name] = done.text;
  }
  if (texts[names[0]] === texts[names[1]]) agree++;
}
await Promise.all([fp32.client.dispose(), q8.client.dispose(), served.stop()]);

const rows = names.map((name) => {
  const xs = samples[name];
  return {
    side: name,
    p50Ms: round(quantile(xs.map((s) => s.ms), 0.5), 0),
    p95Ms: round(quantile(xs.map((s) => s.ms), 0.95), 0),
    minMs: round(quantile(xs.map((s) => s.ms), 0), 0),
    maxMs: round(quantile(xs.map((s) => s.ms), 1), 0),
    firstTextP50Ms: round(quantile(xs.map((s) => s.first), 0.5), 0),
    tokensPerSecondP50: round(quantile(xs.filter((s) => s.tps > 0).map((s) => s.tps), 0.5), 1),
  };
});
const base = rows[1];
console.log(`completion latency, ${positions.length} cursor positions, contextTokens ${settings.contextTokens}, maxNewTokens ${settings.maxNewTokens}, sides interleaved`);
console.log('side                                   p50 ms  p95 ms  (min–max)      first text p50  tok/s p50  p50 ÷ local fp32');
for (const row of rows) {
  console.log(
    `${row.side.padEnd(38)} ${String(row.p50Ms).padStart(6)}  ${String(row.p95Ms).padStart(6)}  (${row.minMs}–${row.maxMs})`.padEnd(70) +
      `${String(row.firstTextP50Ms).padStart(8)}      ${String(row.tokensPerSecondP50).padStart(7)}    ${(row.p50Ms / base.p50Ms).toFixed(2)}`,
  );
}
console.log(`remote and local fp32 wrote the same text at ${agree} of ${positions.length} positions`);
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), positions: positions.length, settings: { contextTokens: settings.contextTokens, maxNewTokens: settings.maxNewTokens }, rows, sameText: agree }, null, 2) + '\n');
console.log(`wrote ${path.relative(repo, outFile)}`);
