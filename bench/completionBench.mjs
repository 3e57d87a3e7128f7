// Inline completion latency: the provider path (CompletionPipeline → InferenceClient → the bundled
// worker, as the extension runs it, after the debounce) and a bare greedy loop over the same
// model's ONNX session (onnxruntime-node, the same prompt ids and the same number of new tokens),
// side by side, over fixed cursor positions in real source files.
// Usage: npm run bench:completion [-- --model DIR] [-- --positions N]
import { option, repo, require } from './benchSetup.mjs';
import * as fs from 'fs';
import * as path from 'path';

const bundled = path.join(repo, 'models/lens-coder');
const modelDir = path.resolve(option('model', fs.existsSync(path.join(bundled, 'config.json')) ? bundled : path.join(repo, 'test/fixtures/tiny-model')));
const positionsWanted = Number(option('positions', '40'));

const out = (p) => require(path.join(repo, 'out/src', p));
const { InferenceClient } = out('inference/inferenceClient.js');
const { CompletionPipeline } = out('completion/completionPipeline.js');
const { readCompletionSettings } = out('common/settings.js');
const { fitContextToBudget } = out('common/contextWindow.js');
const { buildCompletionPrompt, detectPromptFormat } = out('common/promptFormats.js');
const ort = require('onnxruntime-node');
const transformers = require('@huggingface/transformers');

// Real, well-known files that ship with this project's dev dependencies (none written here).
const SOURCES = [
  'node_modules/mocha/lib/runner.js',
  'node_modules/webpack/lib/Compiler.js',
  'node_modules/semver/classes/range.js',
  'node_modules/@vscode/vsce/out/package.js',
];

/** Fixed cursor positions: at the indentation of every 29th non-blank line (a statement start), and after its first word on every other. */
function cursorPositions() {
  const positions = [];
  for (const file of SOURCES) {
    const text = fs.readFileSync(path.join(repo, file), 'utf8');
    const lines = text.split('\n');
    let offset = 0;
    const starts = lines.map((line) => {
      const s = offset;
      offset += line.length + 1;
      return s;
    });
    let k = 0;
    for (let i = 20; i < lines.length; i += 29) {
      const line = lines[i];
      if (!line.trim()) continue;
      const indent = line.length - line.trimStart().length;
      const firstWord = /^\s*[\w$.]+/.exec(line)?.[0].length ?? indent;
      const column = k++ % 2 === 0 ? indent : firstWord;
      positions.push({ file, line: i + 1, text, offset: starts[i] + column });
    }
  }
  // Interleave files, then take the first N: every file is represented.
  const byFile = SOURCES.map((f) => positions.filter((p) => p.file === f));
  const mixed = [];
  for (let i = 0; mixed.length < positions.length; i++) for (const list of byFile) if (list[i]) mixed.push(list[i]);
  return mixed.slice(0, positionsWanted);
}

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (xs) => percentile(xs, 50);

// The extension's defaults, unless --context/--max-new override them for an experiment.
const settings = readCompletionSettings((key) => ({ contextTokens: option('context'), maxNewTokens: option('max-new') })[key] && Number(({ contextTokens: option('context'), maxNewTokens: option('max-new') })[key]));
const positions = cursorPositions();

// Provider path.
const client = new InferenceClient({
  workerPath: path.join(repo, 'dist/worker.js'),
  startData: { wasmDir: path.join(repo, 'node_modules/onnxruntime-web/dist'), wasmThreads: 1 },
  requestTimeoutMs: () => 60000,
});
const info = await client.load({ source: { kind: 'folder', path: modelDir, displayName: path.basename(modelDir) }, device: 'cpu', dtype: 'auto' });
const pipeline = new CompletionPipeline(
  { modelKey: () => 'bench', complete: (params, cancel, timeoutMs) => client.complete(params, {}, cancel, 60000) },
  () => settings,
);
const windowOf = (p) => ({ prefix: p.text.slice(Math.max(0, p.offset - 24000), p.offset), suffix: p.text.slice(p.offset, p.offset + 8000), tabSize: 4 });
// Warm-up, not measured.
await pipeline.suggest(windowOf(positions[0]));
pipeline.clear();

// Bare loop: the same prompt ids, the same number of new tokens, straight on the ONNX session.
const localEnv = transformers.env;
localEnv.allowRemoteModels = false;
localEnv.localModelPath = path.dirname(modelDir) + path.sep;
const tokenizer = await transformers.AutoTokenizer.from_pretrained(path.basename(modelDir));
const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
const format = detectPromptFormat(config, (t) => tokenizer.get_vocab().get(t));
const weights = path.join(modelDir, info.dtype === 'q8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx');
const session = await ort.InferenceSession.create(weights);
const fetches = session.outputNames.filter((n) => n === 'logits' || n.startsWith('present'));
const heads = config.n_head;
const headDim = config.n_embd / config.n_head;

async function bareLoop(promptIds, newTokens) {
  let past = {};
  for (let l = 0; l < config.n_layer; l++) {
    for (const kv of ['key', 'value']) past[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
  }
  let ids = promptIds;
  let total = 0;
  const t0 = performance.now();
  let firstAt = 0;
  for (let step = 0; step < newTokens; step++) {
    const n = ids.length;
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total + n).fill(1n), [1, total + n]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(total + i)), [1, n]),
      ...past,
    };
    const outputs = await session.run(feeds, fetches);
    const logits = outputs.logits;
    const vocab = logits.dims[2];
    const last = logits.data.subarray((n - 1) * vocab, n * vocab);
    let best = 0;
    for (let v = 1; v < vocab; v++) if (last[v] > last[best]) best = v;
    past = {};
    for (const name of fetches) if (name.startsWith('present')) past[name.replace('present', 'past_key_values')] = outputs[name];
    total += n;
    ids = [best];
    if (!firstAt) firstAt = performance.now();
  }
  const end = performance.now();
  return { ms: end - t0, tps: newTokens > 1 ? ((newTokens - 1) * 1000) / (end - firstAt) : 0 };
}

const countTokens = (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
const promptIds = (cursor) => {
  const fitted = fitContextToBudget({ prefix: cursor.prefix, suffix: cursor.suffix }, settings.contextTokens, countTokens);
  return tokenizer.encode(buildCompletionPrompt(format, fitted.prefix, fitted.suffix), { add_special_tokens: false });
};

await bareLoop(promptIds(windowOf(positions[0])), 2); // warm-up, not measured

// Side by side: for each position the provider path, then the bare loop with the same prompt and token count.
const provider = [];
const bare = [];
for (const p of positions) {
  pipeline.clear();
  const cursor = windowOf(p);
  const t0 = performance.now();
  const suggestion = await pipeline.suggest(cursor);
  const ms = performance.now() - t0;
  const done = suggestion?.done;
  const tokens = done?.tokenIds.length ?? 0;
  provider.push({ p, ms, shown: Boolean(suggestion), tokens, tps: done?.timings.tokensPerSecond ?? 0, first: done?.timings.firstTokenMs ?? 0 });
  if (tokens) bare.push({ ...(await bareLoop(promptIds(cursor), tokens)), tokens });
}
await client.dispose();

const withTokens = provider.filter((r) => r.tokens > 1);
const fmt = (x) => x.toFixed(0).padStart(7);
console.log(`model ${path.relative(repo, modelDir)} (${info.dtype}, ${info.backend}), ${positions.length} cursor positions in ${SOURCES.length} files; debounce excluded`);
console.log(`settings: contextTokens ${settings.contextTokens}, maxNewTokens ${settings.maxNewTokens}; provider median first token ${median(provider.filter((r) => r.tokens).map((r) => r.first))} ms`);
console.log(`suggestions shown: ${provider.filter((r) => r.shown).length}/${provider.length}; median new tokens ${median(provider.map((r) => r.tokens))}`);
console.log('path                 p50 ms   p95 ms   median tok/s');
const pTps = median(withTokens.map((r) => r.tps));
const bTps = median(bare.filter((r) => r.tokens > 1).map((r) => r.tps));
console.log(`provider (request→suggestion) ${fmt(percentile(provider.map((r) => r.ms), 50))}  ${fmt(percentile(provider.map((r) => r.ms), 95))}  ${fmt(pTps)}`);
console.log(`bare ONNX loop (same tokens)  ${fmt(percentile(bare.map((r) => r.ms), 50))}  ${fmt(percentile(bare.map((r) => r.ms), 95))}  ${fmt(bTps)}`);
console.log(`ratio provider/bare tokens/s: ${(pTps / bTps).toFixed(2)} (target ≥ 0.9); targets p50 < 150 ms, p95 < 400 ms`);
