/**
 * A Hub model's download through the real worker and the host's model lifecycle, against a real
 * local server in the Hub layout (rangeHub.ts) serving the tiny fixture: the model that serves goes
 * on serving while the next one downloads, with bytes, speed and time left in the state; cancel
 * keeps what came and the next load resumes it with Range; `auto` fetches only the first preferred
 * dtype the Hub has; a model too big for memory is refused before its weights are fetched; a gated
 * model says how to give a token, and a token is sent.
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startRangeHub, type RangeHub } from './rangeHub';
import { hubModelFolder } from '../../src/common/modelSource';
import type { DownloadStatus, LoadParams, ModelSource } from '../../src/common/protocol';
import { InferenceClient } from '../../src/inference/inferenceClient';
import { ModelLifecycle, type LoadPlan } from '../../src/inference/modelLifecycle';
import type { ModelState } from '../../src/inference/modelState';
import { Engine } from '../../src/worker/engine';
import { rejectsWith } from './rejectsWith';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const MODEL = 'test-org/tiny';
const PROMPT = 'export function add(a: number, b: number) {\n  return';
const Q8 = 'onnx/model_quantized.onnx';
const FP32 = 'onnx/model.onnx';

/** The fixture's files in the Hub layout; `weights` picks which graphs the Hub has. */
function hubFiles(weights: readonly string[]): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', ...weights]) {
    files.set(file, fs.readFileSync(path.join(fixture, ...file.split('/'))));
  }
  return files;
}

describe('Hub model download through the worker (local Range server)', function () {
  this.timeout(120_000);
  let hub: RangeHub;
  let cacheDir: string;
  const clients: InferenceClient[] = [];
  /** Greedy ids of the fixture in each dtype, from its local folder. */
  const localIds: { fp32?: readonly number[]; q8?: readonly number[] } = {};

  const client = (onProgress?: (file: string, fraction: number, download?: DownloadStatus) => void): InferenceClient => {
    const c = new InferenceClient({ workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 60_000, events: { onProgress } });
    clients.push(c);
    return c;
  };
  const folderLoad = (dtype: LoadParams['dtype']): LoadParams => ({ source: { kind: 'folder', path: fixture, displayName: 'tiny' }, device: 'cpu', dtype });
  const hubSource = (): ModelSource => ({ kind: 'hub', modelId: MODEL, revision: 'main', hubUrl: hub.url, cacheDir });
  const hubLoad = (dtype: LoadParams['dtype'], more: Partial<LoadParams> = {}): LoadParams => ({ source: hubSource(), device: 'cpu', dtype, ...more });
  const gets = (file: string): number => hub.requests.filter((r) => r.method === 'GET' && (r.url.endsWith(`/${file}`) || r.url.startsWith('/cdn/'))).length;

  before(async () => {
    for (const dtype of ['fp32', 'q8'] as const) {
      const c = client();
      await c.load(folderLoad(dtype));
      localIds[dtype] = (await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds;
    }
    assert.notDeepStrictEqual(localIds.fp32, localIds.q8, 'the two dtypes must generate apart to tell the models apart');
  });
  beforeEach(async () => {
    hub = await startRangeHub(MODEL, 'main', hubFiles([FP32, Q8]));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-hub-download-'));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await hub.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('serves the current model while the next one downloads (state ready, with bytes, speed and time left), then switches to it', async () => {
    hub.behave(Q8, { bytesPerSecond: 12_000 }); // about 9 s for the 104 kB graph: a request has all the time it needs on a busy machine
    const states: ModelState[] = [];
    let plan: LoadPlan = { kind: 'load', params: folderLoad('fp32'), modelName: 'tiny' };
    const lifecycle = new ModelLifecycle({
      client: { workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 60_000 },
      plan: () => plan,
      onState: (state) => states.push(state),
    });
    try {
      await lifecycle.reload();
      assert.strictEqual(lifecycle.state.state, 'ready');

      plan = { kind: 'load', params: hubLoad('q8'), modelName: MODEL };
      const switched = lifecycle.reload();
      // Once the download shows, a request is served at once, by the model that served before.
      while (!(lifecycle.state.state === 'ready' && lifecycle.state.download)) await new Promise((resolve) => setTimeout(resolve, 20));
      await lifecycle.whenUsable();
      const during = await lifecycle.client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 });
      const stillDownloading = lifecycle.state.download !== undefined;
      assert.deepStrictEqual(during.tokenIds, localIds.fp32, 'served by the model that served before');
      assert.ok(stillDownloading, 'the request finished while the download still ran');

      await switched;
      assert.strictEqual(lifecycle.state.state, 'ready');
      assert.strictEqual(lifecycle.state.modelName, MODEL);
      assert.strictEqual(lifecycle.state.download, undefined, 'no download left in the state');
      assert.deepStrictEqual((await lifecycle.client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds, localIds.q8);

      const downloads = states.filter((s) => s.download).map((s) => s.download as NonNullable<ModelState['download']>);
      assert.ok(downloads.length >= 5, `several download states, got ${downloads.length}`);
      assert.ok(states.filter((s) => s.download).every((s) => s.state === 'ready' && s.modelName === 'tiny'), 'the serving model stays in the state during the download');
      // One stretch of download states: no `loading` between two of them (a flicker would stop completions meanwhile).
      const firstDownload = states.findIndex((s) => s.download);
      const lastDownload = states.length - 1 - [...states].reverse().findIndex((s) => s.download);
      assert.ok(states.slice(firstDownload, lastDownload + 1).every((s) => s.download), `download states interrupted: ${states.map((s) => s.state + (s.download ? '+download' : '')).join(' ')}`);
      const received = downloads.map((d) => d.receivedBytes);
      assert.ok(received.every((bytes, i) => i === 0 || bytes >= received[i - 1]), `bytes in order: ${received.join(' ')}`);
      const total = downloads[downloads.length - 1].totalBytes ?? 0;
      assert.ok(total > 104_000, `total over the files fetched: ${total}`);
      // The speed window starts with the small files, which come at once: judged from the graph's second half on.
      const midway = downloads.filter((d) => d.file === Q8 && d.bytesPerSecond > 0 && d.receivedBytes > total - 50_000 && d.receivedBytes < total);
      assert.ok(midway.length >= 3, 'speed measured while the graph streams');
      for (const d of midway) {
        assert.ok(d.bytesPerSecond > 3_000 && d.bytesPerSecond < 60_000, `speed near 12 kB/s: ${d.bytesPerSecond}`);
        assert.ok(d.secondsLeft !== undefined && d.secondsLeft >= 0 && d.secondsLeft < 20, `time left: ${d.secondsLeft}`);
        assert.strictEqual(d.modelName, MODEL);
      }
      assert.ok(fs.existsSync(path.join(hubModelFolder(cacheDir, hub.url, MODEL, 'main'), Q8)), 'the graph is in the model\'s download folder');
    } finally {
      await lifecycle.shutdown();
    }
  });

  it('cancels mid-download within a second, keeps serving, keeps the partial file, and the next load resumes it with Range', async () => {
    hub.behave(Q8, { bytesPerSecond: 20_000 });
    let sawDownload = false;
    const c = client((_file, _fraction, download) => {
      if (download && download.file === Q8 && download.receivedBytes > 0) sawDownload = true;
    });
    await c.load(folderLoad('fp32'));
    const load = c.load(hubLoad('q8'));
    while (!sawDownload) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelledAt = performance.now();
    assert.ok(c.cancelLoad(), 'a load was in flight');
    const error = await rejectsWith(load, 'DOWNLOAD_CANCELLED');
    const settleMs = performance.now() - cancelledAt;
    assert.ok(settleMs < 1000, `settled ${settleMs.toFixed(0)} ms after Cancel`);
    assert.match(error.message, /cancelled.*resumes/);
    assert.deepStrictEqual((await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds, localIds.fp32, 'the model that served still serves');

    const folder = hubModelFolder(cacheDir, hub.url, MODEL, 'main');
    assert.ok(!fs.existsSync(path.join(folder, Q8)), 'no graph file that a load would read');
    const kept = fs.statSync(path.join(folder, Q8) + '.partial').size;
    assert.ok(kept > 0 && kept < 104_311, `partial graph kept: ${kept} bytes`);

    hub.behave(Q8, {});
    await c.load(hubLoad('q8'));
    assert.ok(hub.requests.some((r) => r.range === `bytes=${kept}-`), 'the next load resumed with Range');
    assert.deepStrictEqual((await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds, localIds.q8);
  });

  it('auto fetches only the first of the backend\'s dtypes the Hub has (HEAD for the others), and a second load makes no request', async () => {
    await hub.close();
    hub = await startRangeHub(MODEL, 'main', hubFiles([FP32])); // no int8 graph on this Hub
    const c = client();
    const info = await c.load(hubLoad('auto'));
    assert.strictEqual(info.dtype, 'fp32');
    const graphRequests = hub.requests.filter((r) => r.url.includes('/onnx/') || r.url.startsWith('/cdn/')).map((r) => `${r.method} ${r.url.split('/resolve/main/')[1] ?? 'cdn'}`);
    assert.deepStrictEqual(graphRequests.filter((r) => r.startsWith('GET')), ['GET onnx/model.onnx', 'GET cdn'], 'only the fp32 graph was fetched');
    for (const name of ['model_quantized', 'model_int8', 'model_uint8', 'model_q4']) assert.ok(graphRequests.includes(`HEAD onnx/${name}.onnx`), `asked for ${name}`);
    assert.deepStrictEqual((await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds, localIds.fp32);

    const before = hub.requests.length;
    const again = client();
    await again.load(hubLoad('auto'));
    assert.strictEqual(hub.requests.length, before, 'the second load is a cache hit without a request');
  });

  it('refuses a model too big for this machine once the Hub sized it, before its weights are fetched', async () => {
    const engine = new Engine({ wasmDir, wasmThreads: 1, readMemory: () => ({ freeBytes: 16 * 1024 ** 2, totalBytes: 16 * 1024 ** 2 }) });
    const error = await rejectsWith(engine.fetchHub(hubLoad('fp32'), {}), 'NOT_ENOUGH_MEMORY');
    assert.match(error.message, /more than this machine has \(16 MB\)/);
    assert.strictEqual(gets('onnx/model.onnx'), 0, 'no weights body fetched');
    assert.ok(hub.requests.some((r) => r.method === 'HEAD' && r.url.endsWith('/onnx/model.onnx')), 'the Hub was asked for the size');
  });

  it('says how to give a token for a gated model, and sends the token it is given (never in a message)', async () => {
    hub.behave('config.json', { status: 401 });
    const withoutToken = await rejectsWith(client().load(hubLoad('q8')), 'DOWNLOAD_UNAUTHORIZED');
    assert.match(withoutToken.message, /gated or private.*Attention Lens: Set Hugging Face Token/);
    assert.ok(hub.requests.every((r) => r.authorization === undefined));

    const withToken = await rejectsWith(client().load(hubLoad('q8', { hubToken: 'hf_secret_test' })), 'DOWNLOAD_UNAUTHORIZED');
    assert.ok(!withToken.message.includes('hf_secret_test'));
    assert.match(withToken.message, /token Attention Lens sent was refused/);
    assert.strictEqual(hub.requests[hub.requests.length - 1].authorization, 'Bearer hf_secret_test');

    hub.behave('config.json', {});
    const info = await client().load(hubLoad('q8', { hubToken: 'hf_secret_test' }));
    assert.strictEqual(info.name, MODEL);
  });
});
