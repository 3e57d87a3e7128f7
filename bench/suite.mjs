// The benchmark suite (`npm run bench`): the product path (InferenceClient + dist/worker.js, as the
// extension runs it) beside a bare ONNX Runtime loop on the same ONNX file in the same run, for
// load, prefill, decode, inline completion latency, attention passes and peak RSS, with the ratio;
// and decode as a fraction of the memory-bandwidth limit (weight bytes one decode step reads ÷ a
// copy bandwidth measured here). Models: the bundled int8 one and a ~100M-parameter int8 one
// (tools/bench/make_bench_model.py, made on first use). The two sides alternate within every
// repetition (which goes first alternates too), so machine noise hits both; each row gives the
// median and min–max of both sides and of the per-repetition ratio product ÷ bare.
// Prints one table; writes bench/results/bench-<date>.json (or --out FILE). Exits non-zero when a
// figure is missing or not a number (never for slow figures).
// Usage: npm run bench [-- --quick] [-- --reps N] [-- --models bundled,100m] [-- --out FILE]
import { option, repo, require } from './benchSetup.mjs';
import { BareOnnx } from './bareOnnx.mjs';
import { benchModelDir, ensureBenchModel } from './benchModel.mjs';
import { cursorPositions, promptOf, windowOf } from './benchPrompts.mjs';
import { copyBandwidth } from './copyBandwidth.mjs';
import { onnxWeights } from './onnxWeights.mjs';
import { completionPipeline, promptModules, startProduct } from './productSide.mjs';
import { quantile, round, spread } from './stats.mjs';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const quick = process.argv.includes('--quick');
const reps = Number(option('reps', quick ? '2' : '5'));
const completionPositions = Number(option('positions', quick ? '6' : '24'));
const wantedModels = option('models', 'bundled,100m').split(',');
const { AutoTokenizer } = require('@huggingface/transformers');

const PREFILL = [64, 256, 1024];
const ATTENTION = [128, 256, 512];
/** Probe rows per model: the first probe (building the probe copy), the logit lens, what if. */
const PROBE_ROWS = 3;
const MODELS = [
  { key: 'bundled', dir: path.join(repo, 'models/lens-coder'), decodeTokens: 32, completion: true },
  { key: '100m', dir: benchModelDir, decodeTokens: 16, completion: false },
].filter((m) => wantedModels.includes(m.key));
if (MODELS.some((m) => m.key === '100m')) ensureBenchModel();

/** Runs `a` and `b` in the order that `rep` picks (alternating), returning [a's, b's] results. */
async function pair(rep, a, b) {
  if (rep % 2 === 0) {
    const x = await a();
    return [x, await b()];
  }
  const y = await b();
  return [await a(), y];
}

const rows = [];
/** Records one table row from per-repetition samples of both sides (`higher`: whether a larger value is better). */
function addRow(model, metric, unit, higher, product, bare) {
  const ratios = product.map((p, i) => p / bare[i]);
  rows.push({ model, metric, unit, higherIsBetter: higher, product: spread(product), bare: spread(bare), ratio: spread(ratios) });
}
/** Records a row that does not apply to this model, and why. */
function notApplicable(model, metric, reason) {
  rows.push({ model, metric, notApplicable: reason });
}

const bandwidth = copyBandwidth();
const results = {
  date: new Date().toISOString(),
  machine: { cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`, loadAverage: os.loadavg().map((x) => round(x, 2)), node: process.version, totalMemory: os.totalmem() },
  quick,
  reps,
  copyBandwidthBytesPerS: bandwidth,
  models: {},
  rows,
};
console.log(`bench — ${results.machine.cpus}, load ${results.machine.loadAverage.join(' ')}, ${reps} repetitions, sides interleaved; copy bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s`);

for (const model of MODELS) {
  const config = JSON.parse(fs.readFileSync(path.join(model.dir, 'config.json'), 'utf8'));
  const weightsFile = path.join(model.dir, 'onnx/model_quantized.onnx');
  const tokenizer = await AutoTokenizer.from_pretrained(model.dir);
  const encode = (text) => tokenizer.encode(text, { add_special_tokens: false });
  const eos = config.eos_token_id ?? 0;
  const context = config.n_positions;
  const weights = onnxWeights(weightsFile);
  console.log(`\n${model.key}: ${path.relative(repo, weightsFile)} (${(fs.statSync(weightsFile).size / 1e6).toFixed(1)} MB, d_model ${config.n_embd}, ${config.n_layer} layers, context ${context}) …`);

  // Load: a fresh worker + load against a fresh session, per repetition.
  const loadProduct = [];
  const loadBare = [];
  for (let r = 0; r < reps; r++) {
    const [p, b] = await pair(
      r,
      async () => {
        const started = await startProduct(model.dir, 'q8');
        await started.client.dispose();
        return started.loadMs;
      },
      async () => {
        const bare = await BareOnnx.create(weightsFile, config);
        await bare.release();
        return bare.loadMs;
      },
    );
    loadProduct.push(p);
    loadBare.push(b);
  }
  addRow(model.key, 'load (spawn+load → ready)', 'ms', false, loadProduct, loadBare);

  const { client, info } = await startProduct(model.dir, 'q8');
  if (info.dtype !== 'q8') throw new Error(`the worker loaded ${info.dtype}, not q8`);
  const bare = await BareOnnx.create(weightsFile, config);
  // Warm-up on both sides, not measured.
  await client.generate({ priority: 'command', prompt: 'function main() {', maxNewTokens: 4 });
  await bare.greedy(encode('function main() {'), 4);

  const generateWall = async (prompt, maxNewTokens) => {
    let promptTokens = 0;
    const started = performance.now();
    const done = await client.generate({ priority: 'command', prompt, maxNewTokens, blockedTokenIds: [eos] }, { onStarted: (s) => (promptTokens = s.promptTokens - s.reusedTokens) });
    return { ms: performance.now() - started, done, promptTokens };
  };

  for (const n of PREFILL) {
    if (n + 1 > context) {
      notApplicable(model.key, `prefill ${n}`, `longer than the model's context of ${context}`);
      continue;
    }
    const product = [];
    const bareTps = [];
    for (let r = 0; r < reps; r++) {
      const prompt = promptOf(tokenizer, n, r * 17 + n);
      const ids = encode(prompt);
      const [p, b] = await pair(
        r,
        async () => {
          const run = await generateWall(prompt, 1);
          if (run.promptTokens !== n) throw new Error(`prefill ${n}: the worker ran ${run.promptTokens} new prompt tokens`);
          return (n * 1000) / run.ms;
        },
        async () => (n * 1000) / (await bare.greedy(ids, 1, [eos])).ms,
      );
      product.push(p);
      bareTps.push(b);
    }
    addRow(model.key, `prefill ${n} (request → first token)`, 'tok/s', true, product, bareTps);
  }

  const decodeProduct = [];
  const decodeBare = [];
  for (let r = 0; r < reps; r++) {
    const prompt = promptOf(tokenizer, 16, r * 13 + 5);
    const [p, b] = await pair(
      r,
      async () => (await generateWall(prompt, model.decodeTokens)).done.timings.tokensPerSecond,
      async () => (await bare.greedy(encode(prompt), model.decodeTokens, [eos])).tps,
    );
    decodeProduct.push(p);
    decodeBare.push(b);
  }
  addRow(model.key, `decode (${model.decodeTokens} tokens after a 16-token prompt)`, 'tok/s', true, decodeProduct, decodeBare);

  const tapNames = bare.session.outputNames.filter((n) => n === 'logits' || /^(decoder_attentions|attn_[qkv])\.\d+$|^embed_(tokens|positions)$/.test(n));
  for (const t of ATTENTION) {
    if (t > context) {
      notApplicable(model.key, `attention ${t}`, `longer than the model's context of ${context}`);
      continue;
    }
    const product = [];
    const bareMs = [];
    for (let r = 0; r < reps; r++) {
      const text = promptOf(tokenizer, t, r * 11 + t);
      const [p, b] = await pair(
        r,
        async () => {
          const started = performance.now();
          const event = await client.attention({ text, maxTokens: t, origin: { kind: 'selection', label: 'bench' } });
          if (event.capture.tokenIds.length !== t) throw new Error(`attention ${t}: the worker captured ${event.capture.tokenIds.length} tokens`);
          return performance.now() - started;
        },
        async () => bare.forward(encode(text), tapNames),
      );
      product.push(p);
      bareMs.push(b);
    }
    addRow(model.key, `attention pass ${t} tokens (request → capture)`, 'ms', false, product, bareMs);
  }

  // Probes (logit lens, what if): the first builds the probe copy of the decoder; beside a bare
  // session's creation, then each probe beside the bare forward passes it stands for.
  const probeTokens = Math.min(256, context);
  const probeIds = encode(promptOf(tokenizer, probeTokens, 7)).slice(0, probeTokens);
  const probeParams = (extra) => ({ tokenIds: probeIds, position: probeIds.length - 1, lens: false, maskedPositions: [], knockedOutHeads: [], continuation: false, ...extra });
  {
    const started = performance.now();
    await client.probe(probeParams({ lens: true }));
    const buildMs = performance.now() - started;
    const bareStarted = performance.now();
    const second = await BareOnnx.create(weightsFile, config);
    const bareCreateMs = performance.now() - bareStarted;
    await second.release();
    addRow(model.key, `first probe: builds the probe copy (beside a bare session create)`, 'ms', false, [buildMs], [bareCreateMs]);
  }
  for (const [label, extra, bareForwards] of [
    [`logit lens at the last of ${probeTokens} tokens (beside 1 bare forward)`, { lens: true }, 1],
    [`what if: 1 masked token, 2 heads out (beside 2 bare forwards)`, { maskedPositions: [3], knockedOutHeads: [{ layer: 0, head: 0 }, { layer: 1, head: 1 }] }, 2],
  ]) {
    const product = [];
    const bareMs = [];
    for (let r = 0; r < reps; r++) {
      const [p, b] = await pair(
        r,
        async () => {
          const started = performance.now();
          await client.probe(probeParams(extra));
          return performance.now() - started;
        },
        async () => {
          let ms = 0;
          for (let f = 0; f < bareForwards; f++) ms += await bare.forward(probeIds, ['logits']);
          return ms;
        },
      );
      product.push(p);
      bareMs.push(b);
    }
    addRow(model.key, label, 'ms', false, product, bareMs);
  }

  if (model.completion) {
    const { pipeline, settings } = completionPipeline(client);
    const { fitContextToBudget, buildCompletionPrompt, detectPromptFormat } = promptModules();
    const format = detectPromptFormat(config, (t) => tokenizer.get_vocab().get(t));
    const bareCompletion = async (cursor, tokens) => {
      const started = performance.now();
      const fitted = fitContextToBudget({ prefix: cursor.prefix, suffix: cursor.suffix }, settings.contextTokens, (text) => encode(text).length);
      await bare.greedy(encode(buildCompletionPrompt(format, fitted.prefix, fitted.suffix)), tokens);
      return performance.now() - started;
    };
    await pipeline.suggest(windowOf(cursorPositions(1)[0])); // warm-up
    const positions = cursorPositions(completionPositions);
    // The bare loop runs as many tokens as the provider produced at that position (greedy: the same
    // every repetition), so the provider goes first in the first repetition, then the order alternates.
    const tokenCounts = [];
    const p50 = { product: [], bare: [] };
    const p95 = { product: [], bare: [] };
    const perPosition = [];
    for (let r = 0; r < reps; r++) {
      const product = [];
      const bareMs = [];
      for (const [i, position] of positions.entries()) {
        const cursor = windowOf(position);
        const [p, b] = await pair(
          r === 0 ? 0 : r + i,
          async () => {
            pipeline.clear();
            const started = performance.now();
            const suggestion = await pipeline.suggest(cursor);
            const ms = performance.now() - started;
            if (r === 0) tokenCounts[i] = Math.max(1, suggestion?.done?.tokenIds.length ?? 0);
            return ms;
          },
          async () => bareCompletion(cursor, tokenCounts[i]),
        );
        product.push(p);
        bareMs.push(b);
        perPosition.push(p / b);
      }
      p50.product.push(quantile(product, 0.5));
      p50.bare.push(quantile(bareMs, 0.5));
      p95.product.push(quantile(product, 0.95));
      p95.bare.push(quantile(bareMs, 0.95));
    }
    addRow(model.key, `completion latency p50 (${positions.length} cursor positions, request → suggestion)`, 'ms', false, p50.product, p50.bare);
    addRow(model.key, 'completion latency p95', 'ms', false, p95.product, p95.bare);
    rows[rows.length - 2].perPositionRatio = spread(perPosition); // in the JSON only
    results.models[model.key + 'Completion'] = { positions: positions.length, medianNewTokens: spread(tokenCounts).median, contextTokens: settings.contextTokens, maxNewTokens: settings.maxNewTokens };
  } else {
    notApplicable(model.key, 'completion latency', 'random weights: measured on the bundled model');
  }
  await client.dispose();
  await bare.release();

  // Peak RSS, each side alone in its own process.
  const rssProduct = [];
  const rssBare = [];
  const attentionTokens = Math.min(512, context);
  const probe = (side) => JSON.parse(execFileSync(process.execPath, [path.join(repo, 'bench/peakRss.mjs'), side, model.dir, weightsFile, 'q8', String(attentionTokens)], { encoding: 'utf8' }).trim().split('\n').pop()).peakRssBytes / 2 ** 20;
  for (let r = 0; r < (quick ? 1 : 2); r++) {
    const [p, b] = await pair(r, async () => probe('product'), async () => probe('bare'));
    rssProduct.push(p);
    rssBare.push(b);
  }
  addRow(model.key, `peak RSS (own process: load, 256+16 tokens, attention ${attentionTokens})`, 'MiB', false, rssProduct, rssBare);

  // Decode against the memory-bandwidth limit: every step reads the weights once.
  const limit = bandwidth / weights.decodeBytes;
  addRow(model.key, `decode ÷ bandwidth limit (${(weights.decodeBytes / 1e6).toFixed(1)} MB/token → ${limit.toFixed(0)} tok/s)`, 'fraction', true, decodeProduct.map((x) => x / limit), decodeBare.map((x) => x / limit));
  results.models[model.key] = { dir: path.relative(repo, model.dir), weights: path.relative(repo, weightsFile), weightBytes: weights.totalBytes, decodeBytesPerToken: weights.decodeBytes, bandwidthLimitTokPerS: limit, parameters: info.parameters, nEmbd: config.n_embd, nLayer: config.n_layer, context };
}

// The table.
const fmt = (x, unit) => (x === null || !Number.isFinite(x) ? 'NaN' : unit === 'fraction' ? x.toFixed(3) : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const cell = (s, unit) => `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)})`;
const lines = [['model', 'metric', 'unit', 'product median (min–max)', 'bare ORT median (min–max)', 'ratio product÷bare (min–max)']];
for (const row of rows) {
  if (row.notApplicable) lines.push([row.model, row.metric, '', `n/a: ${row.notApplicable}`, '', '']);
  else {
    const ratio = `${row.ratio.median.toFixed(2)} (${row.ratio.min.toFixed(2)}–${row.ratio.max.toFixed(2)})`;
    lines.push([row.model, row.metric, `${row.unit} ${row.higherIsBetter ? '↑' : '↓'}`, cell(row.product, row.unit), cell(row.bare, row.unit), ratio]);
  }
}
const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
console.log();
for (const l of lines) console.log(l.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd());
console.log('↑ higher is better, ↓ lower is better; ratio = product ÷ bare per repetition (sides interleaved).');

const out = path.resolve(option('out', path.join(repo, 'bench/results', `bench-${results.date.slice(0, 10)}.json`)));
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${path.relative(repo, out)}`);

// Broken, not slow: every measured figure must be a number, every model's rows present.
const broken = rows.filter((r) => !r.notApplicable && ![r.product.median, r.bare.median, r.ratio.median].every(Number.isFinite));
const expected = MODELS.length * (1 + PREFILL.length + 1 + ATTENTION.length + PROBE_ROWS + 1 + 1 + 2) - MODELS.filter((m) => !m.completion).length;
if (broken.length || rows.length !== expected) {
  console.error(`bench: ${broken.length} rows without figures (${broken.map((r) => `${r.model} ${r.metric}`).join('; ')}); ${rows.length} rows of ${expected}`);
  process.exit(1);
}
