/**
 * Hub revisions through the real worker, against a local HTTP server in the Hub layout that serves
 * different files per revision: every file comes from the revision asked for (none from `main`),
 * the model that runs is that revision's, one revision's cache is never served for another, and a
 * revision that could leave the cache folder is refused before anything is sent or written.
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startLocalHub, type LocalHub } from './localHub';
import { LensError } from '../../src/common/errors';
import { resolveModelSource } from '../../src/common/modelSource';
import type { ModelInfo, ModelSource } from '../../src/common/protocol';
import { readSettings } from '../../src/common/settings';
import { InferenceClient } from '../../src/inference/inferenceClient';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const PROMPT = 'export function add(a: number, b: number) {\n  return';
const MODEL = 'test-org/tiny';
const FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

const read = (file: string): Buffer => fs.readFileSync(path.join(fixture, file));

/** The tiny fixture as it is (fp32 weights, context 128). */
function fixtureFiles(): Map<string, Buffer> {
  return new Map(FILES.map((file) => [file, read(file)]));
}

/** Another model: the fixture's int8 weights as its `onnx/model.onnx`, and a context of 96 in its config. */
function otherModelFiles(): Map<string, Buffer> {
  const files = fixtureFiles();
  const config = JSON.parse(read('config.json').toString('utf8')) as Record<string, unknown>;
  files.set('config.json', Buffer.from(JSON.stringify({ ...config, n_positions: 96, n_ctx: 96 })));
  files.set('onnx/model.onnx', read('onnx/model_quantized.onnx'));
  return files;
}

/** The files served for each revision; `main` is valid too, so only the request log tells a fallback to it. */
const REVISIONS = new Map<string, Map<string, Buffer>>([
  ['main', fixtureFiles()],
  ['v1.0', fixtureFiles()],
  ['refs/pr/3', otherModelFiles()],
  ['../../../../../escaped', fixtureFiles()],
]);

describe('Hub revisions (a local HTTP server that serves different files per revision)', function () {
  this.timeout(180_000);
  let hub: LocalHub;
  let hubUrl: string;
  let scratch: string;
  let requests: string[] = [];
  const clients: InferenceClient[] = [];
  /** Greedy ids of the two models, loaded from their local files. */
  const localIds: { fp32?: readonly number[]; q8?: readonly number[] } = {};

  before(async () => {
    hub = await startLocalHub((model, revision, file) => (model === MODEL ? REVISIONS.get(revision)?.get(file) : undefined));
    hubUrl = hub.url;
    requests = hub.requests;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-hub-revisions-'));
    for (const dtype of ['fp32', 'q8'] as const) {
      const c = client();
      await c.load({ source: { kind: 'folder', path: fixture, displayName: 'tiny' }, device: 'cpu', dtype });
      localIds[dtype] = (await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds;
    }
    // Otherwise the test could not tell the two models apart by what they generate.
    assert.notDeepStrictEqual(localIds.fp32, localIds.q8);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  after(async () => {
    await hub.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  function client(): InferenceClient {
    const c = new InferenceClient({ workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 60_000 });
    clients.push(c);
    return c;
  }

  /** The source the host sends for `model`, with downloads on, caching under `storage`. */
  const hubSource = (model: string, storage: string): ModelSource =>
    resolveModelSource(readSettings((key) => ({ model, allowDownloads: true, hubUrl })[key]), { extensionPath: repo, globalStoragePath: storage });

  /** Loads `model` in a fresh worker; returns its facts, its greedy ids and the requests the load made. */
  async function loadFromHub(model: string, storage: string): Promise<{ info: ModelInfo; ids: readonly number[]; sent: string[] }> {
    requests.length = 0;
    const c = client();
    const info = await c.load({ source: hubSource(model, storage), device: 'cpu', dtype: 'fp32' });
    const sent = [...requests];
    const ids = (await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 12 })).tokenIds;
    return { info, ids, sent };
  }

  /** Every request was for `revision` (as the Hub spells it in a URL: one encoded path segment). */
  function assertAllAt(sent: readonly string[], revision: string): void {
    const prefix = `/${MODEL}/resolve/${encodeURIComponent(revision)}/`;
    assert.deepStrictEqual(sent.filter((url) => !url.startsWith(prefix)), [], `requests not at ${revision}`);
    assert.ok(!sent.some((url) => url.includes('/resolve/main/')), 'a request went to main');
  }

  it('fetches config, tokenizer, tokenizer config, generation config and weights at refs/pr/3, none at main, and runs that model', async () => {
    const { info, ids, sent } = await loadFromHub(`${MODEL}@refs/pr/3`, path.join(scratch, 'pr'));
    assertAllAt(sent, 'refs/pr/3');
    const fetched = new Set(sent.map((url) => decodeURIComponent(url.split('/').slice(5).join('/'))));
    for (const file of FILES) assert.ok(fetched.has(file), `${file} was not fetched (${[...fetched].join(', ')})`);
    assert.strictEqual(info.contextLength, 96, 'the config is not that of refs/pr/3');
    assert.deepStrictEqual(ids, localIds.q8, 'the weights are not those of refs/pr/3');
    assert.match(info.location, /test-org\/tiny@refs\/pr\/3$/);
  });

  it('never serves a revision from the cache of another: each is fetched at its own revision and runs its own model', async () => {
    const storage = path.join(scratch, 'shared');
    const first = await loadFromHub(`${MODEL}@v1.0`, storage);
    assertAllAt(first.sent, 'v1.0');
    assert.ok(first.sent.length > 0);
    assert.deepStrictEqual([first.info.contextLength, first.ids], [128, localIds.fp32]);

    const other = await loadFromHub(`${MODEL}@refs/pr/3`, storage);
    assertAllAt(other.sent, 'refs/pr/3');
    assert.ok(other.sent.some((url) => url.endsWith('/onnx/model.onnx')), 'the weights of refs/pr/3 came from a cache');
    assert.deepStrictEqual([other.info.contextLength, other.ids], [96, localIds.q8]);

    const again = await loadFromHub(`${MODEL}@v1.0`, storage);
    assertAllAt(again.sent, 'v1.0');
    assert.deepStrictEqual([again.info.contextLength, again.ids], [128, localIds.fp32]);

    const main = await loadFromHub(MODEL, storage);
    assert.ok(main.sent.length > 0 && main.sent.every((url) => url.startsWith(`/${MODEL}/resolve/main/`)), main.sent.join('\n'));
    assert.deepStrictEqual([main.info.contextLength, main.ids], [128, localIds.fp32]);
  });

  it('refuses a revision that could leave the cache in the worker too, before any request or write', async () => {
    const deep = path.join(scratch, 'deep');
    const storage = path.join(deep, 'er', 'storage');
    fs.mkdirSync(path.dirname(storage), { recursive: true });
    requests.length = 0;
    // Sent straight to the worker, as a host that skipped its own check would.
    const source: ModelSource = { kind: 'hub', modelId: MODEL, revision: '../../../../../escaped', hubUrl, cacheDir: path.join(storage, 'models') };
    await assert.rejects(
      client().load({ source, device: 'cpu', dtype: 'fp32' }),
      (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /revision/.test(error.message),
    );
    assert.deepStrictEqual(requests, []);
    // `../../../../../escaped` from the revision's place in transformers.js's layout is `deep/escaped`.
    assert.deepStrictEqual(fs.readdirSync(deep), ['er'], 'a file was written outside the cache');
    assert.deepStrictEqual(fs.readdirSync(path.dirname(storage)), [], 'the worker created a cache for a refused revision');
  });
});
