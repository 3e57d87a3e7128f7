// Backends side by side, through the worker as the extension runs it: load time, prefill speed (64
// and 256 prompt tokens) and decode speed for cpu (onnxruntime-node), wasm (onnxruntime-web, 1 and
// 2 threads) and webgpu (onnxruntime-node's WebGPU provider, when an adapter exists), on the bundled
// model and on a ~100M-parameter random-weight GPT-2-style model (tools/bench/make_bench_model.py),
// all in one run, interleaved, with ratios to cpu. Writes bench/results/backends-<date>.json.
//
// Without a GPU, WebGPU runs on Mesa's lavapipe when scripts/install-lavapipe.sh has put it in
// .cache/lavapipe/ (this script then sets VK_ICD_FILENAMES before any worker starts; a software
// adapter says nothing about a real GPU's speed, it only proves the path).
// Usage: npm run bench:backends [-- --runs N] [-- --models bundled,100m] [-- --backends cpu,wasm1,wasm2,webgpu]
//        [-- --worker out/src/worker/main.js] [-- --no-lavapipe]
import { option, repo, require } from './benchSetup.mjs';
import { benchModelDir, ensureBenchModel } from './benchModel.mjs';
import { promptOf } from './benchPrompts.mjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const runs = Number(option('runs', '2'));
const wantedModels = option('models', 'bundled,100m').split(',');
const wantedBackends = option('backends', 'cpu,wasm1,wasm2,webgpu').split(',');

// Vulkan reads its driver list once per process, when a worker first loads it: set it up first.
const lavapipeIcd = path.join(repo, '.cache/lavapipe/lvp_icd.json');
if (!process.argv.includes('--no-lavapipe') && !process.env.VK_ICD_FILENAMES && fs.existsSync(lavapipeIcd)) {
  process.env.VK_ICD_FILENAMES = lavapipeIcd;
  process.env.MESA_SHADER_CACHE_DIR ??= path.join(repo, '.cache/mesa-shader-cache');
}

const workerPath = path.resolve(repo, option('worker', 'dist/worker.js'));
if (!fs.existsSync(workerPath)) throw new Error(`${path.relative(repo, workerPath)} is missing: run \`npm run build\` first.`);
const { InferenceClient } = require(path.join(repo, 'out/src/inference/inferenceClient.js'));
const { probeWebGpuAdapter } = require(path.join(repo, 'out/src/worker/webgpuAdapter.js'));
const { AutoTokenizer } = require('@huggingface/transformers');

if (wantedModels.includes('100m')) ensureBenchModel();
const MODELS = [
  { key: 'bundled', dir: path.join(repo, 'models/lens-coder'), dtype: 'fp32', decodeTokens: 32 },
  { key: '100m', dir: benchModelDir, dtype: 'fp32', decodeTokens: 16 },
].filter((m) => wantedModels.includes(m.key));
const BACKENDS = [
  { key: 'cpu', device: 'cpu', wasmThreads: 1 },
  { key: 'wasm1', device: 'wasm', wasmThreads: 1 },
  { key: 'wasm2', device: 'wasm', wasmThreads: 2 },
  { key: 'webgpu', device: 'webgpu', wasmThreads: 1 },
].filter((b) => wantedBackends.includes(b.key));
const PREFILL_LENGTHS = [64, 256];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

async function startBackend(model, backend) {
  const client = new InferenceClient({
    workerPath,
    startData: { wasmDir: path.join(repo, 'node_modules/onnxruntime-web/dist'), wasmThreads: backend.wasmThreads },
    requestTimeoutMs: () => 600_000,
    loadTimeoutMs: 600_000,
  });
  const t0 = performance.now();
  const info = await client.load({ source: { kind: 'folder', path: model.dir, displayName: model.key }, device: backend.device, dtype: model.dtype });
  const loadMs = performance.now() - t0;
  if (info.backend !== backend.device) {
    await client.dispose();
    return { skipped: info.backendReason };
  }
  // The first generation pays one-time costs (WebGPU shader compilation, WASM warm-up): timed apart.
  const t1 = performance.now();
  await client.generate({ priority: 'command', prompt: 'function main() {', maxNewTokens: 2 });
  return { client, info, loadMs, firstGenerateMs: performance.now() - t1 };
}

async function measureRound(state, model, tokenizer, round) {
  const { client } = state;
  const eos = model.eosTokenId;
  const started = { reused: 0 };
  const onStarted = (s) => (started.reused += s.reusedTokens);
  for (const length of PREFILL_LENGTHS) {
    const prompt = promptOf(tokenizer, length, round * 10 + length);
    const done = await client.generate({ priority: 'command', prompt, maxNewTokens: 1, blockedTokenIds: [eos] }, { onStarted });
    (state.prefill[length] ??= []).push((length * 1000) / done.timings.firstTokenMs);
  }
  const prompt = promptOf(tokenizer, 16, round * 10 + 3);
  const done = await client.generate({ priority: 'command', prompt, maxNewTokens: model.decodeTokens, blockedTokenIds: [eos] }, { onStarted });
  state.decode.push(done.timings.tokensPerSecond);
  state.reusedTokens += started.reused;
}

const probe = await probeWebGpuAdapter();
const machine = {
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
  loadAverage: os.loadavg().map((x) => round(x, 2)),
  node: process.version,
  webgpuAdapter: probe.probe ?? probe.note,
  worker: path.relative(repo, workerPath),
  vulkanIcd: process.env.VK_ICD_FILENAMES ? path.relative(repo, process.env.VK_ICD_FILENAMES) : null,
};
console.log(`backends bench — ${machine.cpus}, load ${machine.loadAverage.join(' ')}, ${runs} runs each, interleaved; medians`);
console.log(`WebGPU adapter: ${probe.probe ? `${probe.probe.vendor} ${probe.probe.architecture} ${probe.probe.description} (fallback: ${probe.probe.isFallbackAdapter})` : probe.note}`);

const results = { date: new Date().toISOString(), machine, runs, prefillLengths: PREFILL_LENGTHS, models: {} };
for (const model of MODELS) {
  const tokenizer = await AutoTokenizer.from_pretrained(model.dir);
  const config = JSON.parse(fs.readFileSync(path.join(model.dir, 'config.json'), 'utf8'));
  model.eosTokenId = config.eos_token_id ?? 0;
  const states = {};
  for (const backend of BACKENDS) {
    const started = await startBackend(model, backend);
    states[backend.key] = { ...started, prefill: {}, decode: [], reusedTokens: 0 };
    model.parameters ??= started.info?.parameters;
  }
  console.log(`\n${model.key}: ${path.relative(repo, model.dir)} (${model.dtype}, ${(model.parameters / 1e6).toFixed(1)}M parameters, d_model ${config.n_embd}, ${config.n_layer} layers), decode ${model.decodeTokens} tokens`);
  for (const [key, s] of Object.entries(states)) if (s.skipped) console.log(`  ${key}: skipped (${s.skipped})`);
  for (let r = 0; r < runs; r++) {
    for (const backend of BACKENDS) {
      if (states[backend.key].client) await measureRound(states[backend.key], model, tokenizer, r);
    }
  }
  const rows = {};
  for (const backend of BACKENDS) {
    const s = states[backend.key];
    if (s.client) await s.client.dispose();
    if (s.skipped) {
      rows[backend.key] = { skipped: s.skipped };
      continue;
    }
    rows[backend.key] = {
      backendReason: s.info.backendReason,
      loadMs: round(s.loadMs, 0),
      firstGenerateMs: round(s.firstGenerateMs, 0),
      ...Object.fromEntries(PREFILL_LENGTHS.map((n) => [`prefill${n}TokPerS`, round(median(s.prefill[n]))])),
      decodeTokPerS: round(median(s.decode)),
      reusedTokens: s.reusedTokens,
    };
  }
  const cpu = rows.cpu && !rows.cpu.skipped ? rows.cpu : undefined;
  console.log('  backend  load ms  1st gen ms  ' + PREFILL_LENGTHS.map((n) => `prefill${n} tok/s`).join('  ') + '  decode tok/s   vs cpu: load, ' + PREFILL_LENGTHS.map((n) => `p${n}`).join(', ') + ', decode');
  for (const [key, row] of Object.entries(rows)) {
    if (row.skipped) continue;
    if (cpu) {
      row.vsCpu = {
        load: round(row.loadMs / cpu.loadMs, 2),
        ...Object.fromEntries(PREFILL_LENGTHS.map((n) => [`prefill${n}`, round(row[`prefill${n}TokPerS`] / cpu[`prefill${n}TokPerS`], 3)])),
        decode: round(row.decodeTokPerS / cpu.decodeTokPerS, 3),
      };
    }
    const prefills = PREFILL_LENGTHS.map((n) => String(row[`prefill${n}TokPerS`]).padStart(`prefill${n} tok/s`.length)).join('  ');
    const ratios = row.vsCpu ? `×${row.vsCpu.load}, ${PREFILL_LENGTHS.map((n) => `×${row.vsCpu[`prefill${n}`]}`).join(', ')}, ×${row.vsCpu.decode}` : '';
    console.log(`  ${key.padEnd(7)} ${String(row.loadMs).padStart(8)} ${String(row.firstGenerateMs).padStart(11)}  ${prefills}  ${String(row.decodeTokPerS).padStart(12)}   ${ratios}`);
  }
  results.models[model.key] = { dir: path.relative(repo, model.dir), dtype: model.dtype, parameters: model.parameters, decodeTokens: model.decodeTokens, nEmbd: config.n_embd, nLayer: config.n_layer, backends: rows };
}

const day = results.date.slice(0, 10);
const outFile = path.join(repo, 'bench/results', `backends-${day}.json`);
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.relative(repo, outFile)}`);
