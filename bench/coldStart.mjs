// Cold start of the inference worker as the extension does it: spawn the bundled worker
// (dist/worker.js), load the model, and time the first token, for each backend side by side.
// `auto` pays for its WebGPU adapter probe (a child process) before loading; the auto/cpu ratio
// shows that cost. Set VK_ICD_FILENAMES to choose the Vulkan driver the probe sees.
// Usage: npm run bench:load [-- --model DIR] [-- --runs N]
import { option, repo, require } from './benchSetup.mjs';
import * as fs from 'fs';
import * as path from 'path';

const bundled = path.join(repo, 'models/lens-coder');
const modelDir = path.resolve(option('model', fs.existsSync(bundled) ? bundled : path.join(repo, 'test/fixtures/tiny-model')));
const runs = Number(option('runs', '3'));
const workerPath = path.join(repo, 'dist/worker.js');
if (!fs.existsSync(workerPath)) throw new Error('dist/worker.js is missing: run `npm run build` first.');
const { InferenceClient } = require(path.join(repo, 'out/src/inference/inferenceClient.js'));

const PROMPT = 'import * as fs from "fs";\n\nexport function readJson(file) {\n  const text = ';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(device) {
  const client = new InferenceClient({
    workerPath,
    startData: { wasmDir: path.join(repo, 'node_modules/onnxruntime-web/dist'), wasmThreads: 1 },
    requestTimeoutMs: () => 120000,
  });
  const t0 = performance.now();
  const info = await client.load({ source: { kind: 'folder', path: modelDir, displayName: path.basename(modelDir) }, device, dtype: 'auto' });
  const ready = performance.now() - t0;
  const done = await client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 32 });
  await client.dispose();
  return { ready, firstToken: done.timings.firstTokenMs, tps: done.timings.tokensPerSecond, dtype: info.dtype, backend: info.backend, reason: info.backendReason };
}

const rows = {};
for (let r = 0; r < runs; r++) {
  for (const device of ['cpu', 'auto', 'wasm']) {
    (rows[device] ??= []).push(await once(device));
  }
}
console.log(`model ${path.relative(repo, modelDir)}, ${runs} runs each, interleaved; median values`);
console.log('device   ran on  dtype  spawn+load→ready ms  first token ms  decode tok/s');
const summary = {};
for (const [device, list] of Object.entries(rows)) {
  summary[device] = { ready: median(list.map((x) => x.ready)), first: median(list.map((x) => x.firstToken)), tps: median(list.map((x) => x.tps)) };
  console.log(`${device.padEnd(8)} ${list[0].backend.padEnd(7)} ${list[0].dtype.padEnd(6)} ${summary[device].ready.toFixed(0).padStart(19)} ${String(summary[device].first).padStart(15)} ${summary[device].tps.toFixed(1).padStart(13)}`);
}
console.log(`auto: ${rows.auto[0].reason}`);
console.log(`ratio auto/cpu: ready ×${(summary.auto.ready / summary.cpu.ready).toFixed(2)} (+${(summary.auto.ready - summary.cpu.ready).toFixed(0)} ms for the probe)`);
console.log(`ratio wasm/cpu: ready ×${(summary.wasm.ready / summary.cpu.ready).toFixed(2)}, decode speed ×${(summary.wasm.tps / summary.cpu.tps).toFixed(2)}`);
