/** The real worker on the tiny fixture model: backends, cancellation, crashes, bad models, downloads. */

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { folderAsHubModel, startLocalHub, type LocalHub } from './localHub';
import { LensError } from '../../src/common/errors';
import type { LoadParams } from '../../src/common/protocol';
import { InferenceClient } from '../../src/inference/inferenceClient';
import { Engine } from '../../src/worker/engine';
import { rejectsWith } from './rejectsWith';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const PROMPT = 'export function add(a: number, b: number) {\n  return';

function newClient(timeoutMs = 60_000): InferenceClient {
  return new InferenceClient({ workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => timeoutMs });
}

const folder = (dir: string, device: LoadParams['device'] = 'cpu', dtype: LoadParams['dtype'] = 'fp32'): LoadParams => ({
  source: { kind: 'folder', path: dir, displayName: path.basename(dir) },
  device,
  dtype,
});

describe('inference worker on the tiny fixture model', function () {
  this.timeout(120_000);
  const clients: InferenceClient[] = [];
  const client = (timeoutMs?: number) => {
    const c = newClient(timeoutMs);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });

  it('asked for DirectML off Windows, loads on cpu at once and says why (no Windows machine here to run DirectML itself)', async function () {
    if (process.platform === 'win32') this.skip();
    const info = await client().load(folder(fixture, 'dml'));
    assert.deepStrictEqual([info.backend, info.backendFallback], ['cpu', true]);
    assert.strictEqual(info.backendReason, `dml requested, but it runs only on win32, not ${process.platform}; fell back to cpu`);
  });

  it("picks a folder's weights by transformers.js's file names: an int8 file alone loads as int8, with the same ids as the same graph as q8", async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-int8-'));
    try {
      fs.cpSync(fixture, scratch, { recursive: true });
      fs.renameSync(path.join(scratch, 'onnx/model_quantized.onnx'), path.join(scratch, 'onnx/model_int8.onnx'));
      fs.rmSync(path.join(scratch, 'onnx/model.onnx'));
      const int8 = client();
      const info = await int8.load(folder(scratch, 'cpu', 'auto'));
      assert.strictEqual(info.dtype, 'int8');
      const q8 = client();
      assert.strictEqual((await q8.load(folder(fixture, 'cpu', 'q8'))).dtype, 'q8');
      const request = { priority: 'command' as const, prompt: PROMPT, maxNewTokens: 12 };
      assert.deepStrictEqual((await int8.generate(request)).tokenIds, (await q8.generate(request)).tokenIds);
      await assert.rejects(client().load(folder(scratch, 'cpu', 'q4')), /has no onnx\/model_q4\.onnx/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('refuses a model that needs more memory than the machine has, naming the figures, and keeps the one that serves', async () => {
    let totalBytes = 64 * 1024 ** 3;
    const engine = new Engine({ wasmDir, wasmThreads: 1, readMemory: () => ({ freeBytes: totalBytes, totalBytes }) });
    try {
      await engine.load({ ...folder(fixture, 'cpu', 'fp32'), onProgress: () => undefined });
      totalBytes = 16 * 1024 ** 2; // a 16 MB machine
      await assert.rejects(engine.load({ ...folder(fixture, 'cpu', 'q8'), onProgress: () => undefined }), (error: unknown) => {
        assert.ok(error instanceof LensError && error.code === 'NOT_ENOUGH_MEMORY', String(error));
        assert.match(error.message, /needs about \d+ MB of memory, more than this machine has \(16 MB\)/);
        return true;
      });
      assert.strictEqual(engine.info?.dtype, 'fp32', 'the model that served is still loaded');
      const done = await engine.generate({ prompt: PROMPT, maxNewTokens: 2, onStart: () => undefined, onToken: () => undefined, shouldStop: () => false });
      assert.ok(done.tokenIds.length > 0);
    } finally {
      await engine.dispose();
    }
  });

  it('gives the same greedy ids on cpu and wasm', async () => {
    const ids: Record<string, readonly number[]> = {};
    for (const device of ['cpu', 'wasm'] as const) {
      const c = client();
      const info = await c.load(folder(fixture, device));
      assert.strictEqual(info.backend, device);
      const done = await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 24 });
      assert.strictEqual(done.finishReason === 'length' || done.finishReason === 'eos', true);
      ids[device] = done.tokenIds;
    }
    assert.ok(ids.cpu.length > 0);
    assert.deepStrictEqual(ids.wasm, ids.cpu);
  });

  it('auto picks cpu here, where the native addon loads, and says why', async () => {
    const info = await client().load(folder(fixture, 'auto', 'auto'));
    assert.strictEqual(info.backend, 'cpu');
    assert.strictEqual(info.dtype, 'q8');
    assert.match(info.backendReason, /auto/);
    assert.strictEqual(info.contextLength, 128);
    assert.ok(info.parameters > 0);
  });

  it('streams one event per token whose text adds up to the result', async () => {
    const c = client();
    await c.load(folder(fixture));
    let streamed = '';
    let count = 0;
    const done = await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 16 }, {
      onToken: (_id, text) => {
        streamed += text;
        count++;
      },
    });
    assert.strictEqual(count, done.tokenIds.length);
    // Random weights emit broken UTF-8; an unfinished character at the very end is held back.
    assert.ok(done.text.startsWith(streamed), `${JSON.stringify(streamed)} vs ${JSON.stringify(done.text)}`);
    assert.match(done.text.slice(streamed.length), /^\uFFFD*$/);
  });

  it('stops a running generation on cancel and reports it', async () => {
    const c = client();
    await c.load(folder(fixture, 'wasm'));
    let cancel = (): void => undefined;
    const signal = {
      isCancellationRequested: false,
      onCancellationRequested(listener: () => void) {
        cancel = listener;
        return { dispose() {} };
      },
    };
    let seen = 0;
    const done = await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 100 }, {
      onToken: () => {
        if (++seen === 3) cancel();
      },
    }, signal);
    assert.strictEqual(done.finishReason, 'cancelled');
    assert.ok(done.tokenIds.length < 100, `generated ${done.tokenIds.length} tokens after the cancel`);
  });

  it('rejects a crashed request with a clear error, then serves the next one', async () => {
    const c = client();
    await c.load(folder(fixture));
    const expected = (await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds;
    let killed = false;
    const request = c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 100 }, {
      onToken: () => {
        if (!killed) {
          killed = true;
          c.killWorkerForTest();
        }
      },
    });
    const error = await rejectsWith(request, 'WORKER_CRASHED');
    assert.match(error.message, /stopped unexpectedly/);
    const after = await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 });
    assert.deepStrictEqual(after.tokenIds, expected);
  });

  it('drops a queued completion that a newer one replaces', async () => {
    const c = client();
    await c.load(folder(fixture, 'wasm'));
    const long = c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 100 });
    const older = c.generate({ priority: 'completion', prompt: PROMPT, maxNewTokens: 4 });
    const newer = c.generate({ priority: 'completion', prompt: PROMPT, maxNewTokens: 4 });
    assert.strictEqual((await older).finishReason, 'superseded');
    assert.strictEqual((await newer).tokenIds.length, 4);
    await long;
  });

  it('times a request out with a clear error', async () => {
    const c = client(1);
    await c.load(folder(fixture, 'wasm'));
    // A valid request (72 prompt tokens + 40 new fit the context of 128): with 100 new tokens the
    // worker's PROMPT_TOO_LONG sometimes beat the 1 ms timer, which made this test flaky.
    await rejectsWith(c.generate({ priority: 'command', prompt: PROMPT.repeat(3), maxNewTokens: 40 }), 'TIMEOUT');
  });

  it('refuses a prompt longer than the context', async () => {
    const c = client();
    await c.load(folder(fixture));
    await rejectsWith(c.generate({ priority: 'command', prompt: PROMPT.repeat(40), maxNewTokens: 8 }), 'PROMPT_TOO_LONG');
  });

  describe('bad models', () => {
    let scratch: string;
    beforeEach(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-bad-model-'));
    });
    afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it('says which folder is missing, and loads a good model afterwards', async () => {
      const c = client();
      const error = await rejectsWith(c.load(folder(path.join(scratch, 'nope'))), 'MODEL_NOT_FOUND');
      assert.match(error.message, /does not exist/);
      assert.strictEqual((await c.load(folder(fixture))).name, 'tiny-model');
    });

    it('names a missing weights file', async () => {
      fs.cpSync(fixture, scratch, { recursive: true });
      fs.rmSync(path.join(scratch, 'onnx'), { recursive: true });
      const error = await rejectsWith(client().load(folder(scratch, 'cpu', 'auto')), 'MODEL_NOT_FOUND');
      assert.match(error.message, /has no weights: neither onnx\/model\.onnx nor any of transformers\.js's other weights files \(model_quantized, model_int8, .*model_fp16\)/);
    });

    it('reports a corrupt ONNX file as damaged', async () => {
      fs.cpSync(fixture, scratch, { recursive: true });
      fs.writeFileSync(path.join(scratch, 'onnx/model.onnx'), Buffer.alloc(4096, 7));
      const error = await rejectsWith(client().load(folder(scratch)), 'MODEL_INVALID');
      assert.match(error.message, /onnx\/model\.onnx is not an ONNX model/);
    });

    it('reports a broken config.json', async () => {
      fs.cpSync(fixture, scratch, { recursive: true });
      fs.writeFileSync(path.join(scratch, 'config.json'), '{ "model_type": ');
      const error = await rejectsWith(client().load(folder(scratch)), 'MODEL_INVALID');
      assert.match(error.message, /config\.json is not valid JSON/);
    });

    it('keeps serving the loaded model when a damaged one is loaded over it', async () => {
      const c = client();
      await c.load(folder(fixture));
      const before = (await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 8 })).tokenIds;
      fs.cpSync(fixture, scratch, { recursive: true });
      fs.writeFileSync(path.join(scratch, 'tokenizer.json'), '{}');
      const error = await rejectsWith(c.load(folder(scratch)), 'MODEL_INVALID');
      assert.match(error.message, /tokenizer\.json has no "model" section/);
      assert.deepStrictEqual((await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 8 })).tokenIds, before);
    });
  });

  describe('Hub download (a local HTTP server in the Hub layout)', () => {
    let hub: LocalHub;
    let hubUrl: string;
    let cacheDir: string;
    before(async () => {
      hub = await startLocalHub(folderAsHubModel('test-org/tiny', fixture));
      hubUrl = hub.url;
      cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-hub-cache-'));
    });
    after(async () => {
      await hub.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    it('downloads into the given cache and generates the same ids as the local folder', async () => {
      const c = client();
      const info = await c.load({ source: { kind: 'hub', modelId: 'test-org/tiny', revision: 'main', hubUrl, cacheDir }, device: 'cpu', dtype: 'q8' });
      assert.strictEqual(info.name, 'test-org/tiny');
      assert.ok(hub.requests.some((request) => request.endsWith('onnx/model_quantized.onnx')));
      assert.ok(fs.readdirSync(cacheDir).length > 0, 'the cache folder is empty');
      const remote = await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 });
      const local = client();
      await local.load(folder(fixture, 'cpu', 'q8'));
      assert.deepStrictEqual(remote.tokenIds, (await local.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds);
    });

    it('reports an unknown Hub model as a failed download', async () => {
      await rejectsWith(
        client().load({ source: { kind: 'hub', modelId: 'test-org/missing', revision: 'main', hubUrl, cacheDir }, device: 'cpu', dtype: 'q8' }),
        'DOWNLOAD_FAILED',
      );
    });
  });
});

describe('the bundled model through the worker', function () {
  this.timeout(180_000);
  const bundled = path.join(repo, 'models/lens-coder');

  it('loads on cpu and wasm (int8) and gives the same greedy ids', async () => {
    const ids: Record<string, readonly number[]> = {};
    for (const device of ['cpu', 'wasm'] as const) {
      const c = newClient(120_000);
      try {
        const info = await c.load(folder(bundled, device, 'q8'));
        assert.deepStrictEqual([info.backend, info.dtype, info.promptFamily], [device, 'q8', 'lens']);
        ids[device] = (await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds;
      } finally {
        await c.dispose();
      }
    }
    assert.strictEqual(ids.cpu.length, 12);
    assert.deepStrictEqual(ids.wasm, ids.cpu);
  });
});

describe('engine completions and summaries', function () {
  this.timeout(120_000);
  let engine: Engine;
  before(async () => {
    engine = new Engine({ wasmDir, wasmThreads: 1 });
    await engine.load({ source: { kind: 'folder', path: path.join(repo, 'models/lens-coder'), displayName: 'lens-coder' }, device: 'cpu', dtype: 'q8', onProgress: () => undefined });
  });
  after(() => engine.dispose());
  const handlers = (starts: { promptTokens: number; contextCut: boolean }[] = []) => ({
    onStart: (start: { promptTokens: number; contextCut: boolean }) => void starts.push(start),
    onToken: () => undefined,
    shouldStop: () => false,
  });

  it('ends a single-line completion at the line end, in the generation itself', async () => {
    const result = await engine.complete({
      prefix: 'const items = list.map((item) => item.',
      suffix: ');\n',
      budgetTokens: 384,
      maxNewTokens: 64,
      stop: { singleLine: true, linePrefix: 'const items = list.map((item) => item.', tabSize: 2, blockIndent: 0 },
      ...handlers(),
    });
    assert.ok(!result.text.includes('\n'), JSON.stringify(result.text));
    assert.ok(['stop', 'eos'].includes(result.finishReason), result.finishReason);
    assert.ok(result.tokenIds.length < 64);
  });

  it('never produces the summary or FIM markers in completion mode', async () => {
    const blocked = new Set([1, 2, 3, 4, 5]);
    for (const prefix of ['/** Returns the sum. */\nfunction sum(a, b) {\n  return', 'def area(r):\n    ']) {
      const result = await engine.complete({
        prefix,
        suffix: '\n',
        budgetTokens: 384,
        maxNewTokens: 32,
        stop: { singleLine: false, linePrefix: prefix.split('\n').pop() ?? '', tabSize: 4, blockIndent: 4 },
        ...handlers(),
      });
      assert.ok(result.tokenIds.every((id) => !blocked.has(id)), `${result.tokenIds}`);
    }
  });

  it('cuts a long file to the token budget and leaves room for the new tokens', async () => {
    const starts: { promptTokens: number; contextCut: boolean }[] = [];
    const prefix = Array.from({ length: 400 }, (_, i) => `const value${i} = compute(${i});`).join('\n') + '\nconst total = ';
    await engine.complete({ prefix, suffix: '\n', budgetTokens: 8192, maxNewTokens: 200, stop: { singleLine: true, linePrefix: 'const total = ' }, ...handlers(starts) });
    assert.strictEqual(starts[0].contextCut, true);
    assert.ok(starts[0].promptTokens + 200 <= 512, `prompt ${starts[0].promptTokens}`);
  });

  it('writes a one-line summary in the trained format', async () => {
    const result = await engine.summarize({
      code: 'def read_lines(path):\n    with open(path) as handle:\n        return handle.read().splitlines()',
      languageId: 'python',
      maxNewTokens: 40,
      ...handlers(),
    });
    assert.ok(result.text.trim().length > 5, JSON.stringify(result.text));
    assert.ok(!result.text.trim().includes('\n'), JSON.stringify(result.text));
  });
});

describe('engine KV cache reuse', function () {
  this.timeout(60_000);
  const load = async () => {
    const engine = new Engine({ wasmDir, wasmThreads: 1 });
    await engine.load({ source: { kind: 'folder', path: fixture, displayName: 'tiny' }, device: 'cpu', dtype: 'fp32', onProgress: () => undefined });
    return engine;
  };
  const run = (engine: Engine, prompt: string) => {
    let reused = -1;
    return engine
      .generate({ prompt, maxNewTokens: 16, onStart: (start) => (reused = start.reusedTokens), onToken: () => undefined, shouldStop: () => false })
      .then((result) => ({ ids: result.tokenIds, reused }));
  };

  it('runs only the new tail of a prompt that extends the last one, with the same greedy ids', async () => {
    const warm = await load();
    const fresh = await load();
    const first = await run(warm, PROMPT);
    assert.strictEqual(first.reused, 0);
    const longer = `${PROMPT} a + b;\n}\n\nexport function sub(a: number, b: number) {\n  return`;
    const reusedRun = await run(warm, longer);
    assert.ok(reusedRun.reused >= 8, `reused ${reusedRun.reused} tokens`);
    assert.deepStrictEqual(reusedRun.ids, (await run(fresh, longer)).ids);
    const unrelated = await run(warm, 'def main():\n    print(');
    assert.strictEqual(unrelated.reused, 0);
    await warm.dispose();
    await fresh.dispose();
  });
});

describe('engine cancellation', function () {
  this.timeout(60_000);
  it('stops within one token of the request', async () => {
    const engine = new Engine({ wasmDir, wasmThreads: 1 });
    await engine.load({ source: { kind: 'folder', path: fixture, displayName: 'tiny' }, device: 'cpu', dtype: 'fp32', onProgress: () => undefined });
    let tokens = 0;
    let stopAfter = Infinity;
    const result = await engine.generate({
      prompt: PROMPT,
      maxNewTokens: 60,
      onStart: () => undefined,
      onToken: () => {
        if (++tokens === 5) stopAfter = tokens;
      },
      shouldStop: () => tokens >= stopAfter,
    });
    assert.strictEqual(result.finishReason, 'cancelled');
    assert.strictEqual(result.tokenIds.length, 5);
    await engine.dispose();
  });
});
