// Inline completion latency: the provider path (CompletionPipeline → InferenceClient → the bundled
// worker, as the extension runs it, after the debounce) and a bare greedy loop over the same
// model's ONNX session (onnxruntime-node, the same prompt ids and the same number of new tokens),
// side by side, over fixed cursor positions in real source files.
// Usage: npm run bench:completion [-- --model DIR] [-- --positions N]
import { option, repo, require } from './benchSetup.mjs';
import { BareOnnx } from './bareOnnx.mjs';
import { COMPLETION_SOURCES, cursorPositions, windowOf } from './benchPrompts.mjs';
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
const transformers = require('@huggingface/transformers');

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (xs) => percentile(xs, 50);

// The extension's defaults, unless --context/--max-new override them for an experiment.
const settings = readCompletionSettings((key) => ({ contextTokens: option('context'), maxNewTokens: option('max-new') })[key] && Number(({ contextTokens: option('context'), maxNewTokens: option('max-new') })[key]));
const positions = cursorPositions(positionsWanted);

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
const bareSession = await BareOnnx.create(weights, config);
const bareLoop = (ids, tokens) => bareSession.greedy(ids, tokens);

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
await bareSession.release();

const withTokens = provider.filter((r) => r.tokens > 1);
const fmt = (x) => x.toFixed(0).padStart(7);
console.log(`model ${path.relative(repo, modelDir)} (${info.dtype}, ${info.backend}), ${positions.length} cursor positions in ${COMPLETION_SOURCES.length} files; debounce excluded`);
console.log(`settings: contextTokens ${settings.contextTokens}, maxNewTokens ${settings.maxNewTokens}; provider median first token ${median(provider.filter((r) => r.tokens).map((r) => r.first))} ms`);
console.log(`suggestions shown: ${provider.filter((r) => r.shown).length}/${provider.length}; median new tokens ${median(provider.map((r) => r.tokens))}`);
console.log('path                 p50 ms   p95 ms   median tok/s');
const pTps = median(withTokens.map((r) => r.tps));
const bTps = median(bare.filter((r) => r.tokens > 1).map((r) => r.tps));
console.log(`provider (request→suggestion) ${fmt(percentile(provider.map((r) => r.ms), 50))}  ${fmt(percentile(provider.map((r) => r.ms), 95))}  ${fmt(pTps)}`);
console.log(`bare ONNX loop (same tokens)  ${fmt(percentile(bare.map((r) => r.ms), 50))}  ${fmt(percentile(bare.map((r) => r.ms), 95))}  ${fmt(bTps)}`);
console.log(`ratio provider/bare tokens/s: ${(pTps / bTps).toFixed(2)} (target ≥ 0.9); targets p50 < 150 ms, p95 < 400 ms`);
