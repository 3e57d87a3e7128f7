// The product side of the benchmarks: the bundled worker (dist/worker.js) behind InferenceClient,
// started and loaded as the extension does it.
import { repo, require } from './benchSetup.mjs';
import * as fs from 'fs';
import * as path from 'path';

// BENCH_WORKER picks another build of the worker (out/src/worker/main.js profiles readably).
export const workerPath = path.resolve(repo, process.env.BENCH_WORKER ?? 'dist/worker.js');
const out = (p) => require(path.join(repo, 'out/src', p));

/** Spawns the worker and loads `modelDir` on the CPU backend with `dtype`: the client, the model info and the ms from spawn to ready. */
export async function startProduct(modelDir, dtype) {
  if (!fs.existsSync(workerPath)) throw new Error('dist/worker.js is missing: run `npm run build` first.');
  const { InferenceClient } = out('inference/inferenceClient.js');
  const client = new InferenceClient({
    workerPath,
    startData: { wasmDir: path.join(repo, 'node_modules/onnxruntime-web/dist'), wasmThreads: 1 },
    requestTimeoutMs: () => 600_000,
    loadTimeoutMs: 600_000,
  });
  const started = performance.now();
  const info = await client.load({ source: { kind: 'folder', path: modelDir, displayName: path.basename(modelDir) }, device: 'cpu', dtype });
  return { client, info, loadMs: performance.now() - started };
}

/** The completion pipeline the inline provider uses, over `client`, with the extension's default settings. */
export function completionPipeline(client) {
  const { CompletionPipeline } = out('completion/completionPipeline.js');
  const { readCompletionSettings } = out('common/settings.js');
  const settings = readCompletionSettings(() => undefined);
  const pipeline = new CompletionPipeline({ modelKey: () => 'bench', complete: (params, cancel) => client.complete(params, {}, cancel, 600_000) }, () => settings);
  return { pipeline, settings };
}

/** The host-side modules the bare side needs to build the same completion prompt ids. */
export function promptModules() {
  return { ...out('common/contextWindow.js'), ...out('common/promptFormats.js') };
}
