/**
 * With downloads off nothing reaches the network. The real worker runs with every network API
 * trapped (and so do its child processes, e.g. the WebGPU probe of `auto`), and so does this
 * process, while the bundled model and folder models load and serve a completion, a summary and
 * an attention capture; a Hub id is refused before anything is sent. A local HTTP server given as
 * hubUrl must see no request at all.
 */

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { startLocalHub, type LocalHub } from './localHub';
import { LensError } from '../../src/common/errors';
import { resolveModelSource } from '../../src/common/modelSource';
import type { DeviceChoice, DtypeChoice, ModelSource } from '../../src/common/protocol';
import { readSettings } from '../../src/common/settings';
import { InferenceClient } from '../../src/inference/inferenceClient';
import { installNetworkTrap, networkTrapWorker, readTrapLog, trapEnvironment } from './networkTrap';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const PROMPT = 'export function add(a: number, b: number) {\n  return';

describe('no network without consent (every network API trapped in the worker and here)', function () {
  this.timeout(180_000);
  let hub: LocalHub;
  let hubUrl: string;
  let hubHost: string;
  let serverLog: string[] = [];
  let scratch: string;
  let trapLog: string;
  const hostAttempts: string[] = [];
  let restoreHostNetwork: (() => void) | undefined;
  const clients: InferenceClient[] = [];

  before(async () => {
    hub = await startLocalHub(() => undefined);
    ({ url: hubUrl, host: hubHost, requests: serverLog } = hub);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-silence-'));
    trapLog = path.join(scratch, 'attempts.log');
    restoreHostNetwork = installNetworkTrap((attempt) => hostAttempts.push(attempt));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  after(async () => {
    restoreHostNetwork?.();
    await hub.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** The settings a user has with downloads off and the local server as the hub. */
  const settings = (values: Record<string, unknown>) => readSettings((key) => ({ hubUrl, allowDownloads: false, ...values })[key]);
  const resolve = (values: Record<string, unknown>): ModelSource =>
    resolveModelSource(settings(values), { extensionPath: repo, globalStoragePath: path.join(scratch, 'storage') });
  const trappedClient = (): InferenceClient => {
    const c = new InferenceClient({
      workerPath,
      startData: { wasmDir, wasmThreads: 1 },
      requestTimeoutMs: () => 120_000,
      spawn: (script, data) => networkTrapWorker(script, data, trapLog),
    });
    clients.push(c);
    return c;
  };
  const assertNothingSent = (): void => {
    assert.deepStrictEqual(readTrapLog(trapLog), [], 'the worker (or a child process) tried the network');
    assert.deepStrictEqual(hostAttempts, [], 'this process tried the network');
    assert.deepStrictEqual(serverLog, [], 'the hub server got a request');
  };
  const clearLogs = (): void => {
    fs.rmSync(trapLog, { force: true });
    hostAttempts.length = 0;
    serverLog.length = 0;
  };

  /** Loads `source` and runs every feature that reaches the worker: generate, completion, summary, attention. */
  async function loadAndUseEverything(source: ModelSource, device: DeviceChoice, dtype: DtypeChoice): Promise<void> {
    const c = trappedClient();
    const info = await c.load({ source, device, dtype });
    assert.ok(info.layers > 0);
    assert.ok((await c.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 6 })).tokenIds.length > 0);
    await c.complete({ prefix: PROMPT, suffix: '\n}\n', budgetTokens: 64, maxNewTokens: 6, stop: { singleLine: true, linePrefix: '  return' } });
    await c.summarize({ code: 'function add(a, b) {\n  return a + b;\n}', languageId: 'javascript', maxNewTokens: 6 });
    const capture = await c.attention({ text: PROMPT, maxTokens: 32, origin: { kind: 'selection', label: 'test' } });
    assert.ok(capture.capture.tokens.length > 0);
  }

  it('the traps catch what they should (a check of the check)', async () => {
    // This process.
    await assert.rejects(fetch(hubUrl));
    assert.throws(() => http.get(hubUrl));
    assert.deepStrictEqual(hostAttempts.map((a) => a.split(' ')[0]), ['fetch', 'http.get']);
    // A child process started with the worker's environment (as the WebGPU probe is).
    const child = spawnSync(process.execPath, ['-e', `fetch(${JSON.stringify(hubUrl)}).catch(() => undefined)`], { env: trapEnvironment(trapLog), encoding: 'utf8' });
    assert.strictEqual(child.status, 0, child.stderr);
    assert.match(readTrapLog(trapLog).join('\n'), /^process \d+: fetch http:\/\/127\.0\.0\.1/);
    // The worker: a Hub source sent straight to it (the host would have refused it) tries to fetch.
    clearLogs();
    const c = trappedClient();
    await assert.rejects(
      c.load({ source: { kind: 'hub', modelId: 'test-org/tiny', revision: 'main', hubUrl, cacheDir: path.join(scratch, 'cache') }, device: 'cpu', dtype: 'q8' }),
      (error: unknown) => error instanceof LensError && error.code === 'DOWNLOAD_FAILED',
    );
    assert.match(readTrapLog(trapLog).join('\n'), /^worker: fetch http:\/\/127\.0\.0\.1:\d+\/test-org\/tiny\/resolve\/main\//m);
    assert.deepStrictEqual(serverLog, [], 'the trapped fetch still reached the server');
    clearLogs();
  });

  it('the bundled model loads (device and dtype auto) and serves everything without a request', async () => {
    const source = resolve({ model: '' });
    assert.strictEqual(source.kind, 'folder');
    await loadAndUseEverything(source, 'auto', 'auto');
    assertNothingSent();
  });

  it('a folder model (the tiny fixture, on wasm) loads and serves everything without a request', async () => {
    await loadAndUseEverything(resolve({ model: fixture }), 'wasm', 'auto');
    assertNothingSent();
  });

  it('a folder missing an optional file loads without fetching it', async () => {
    // `tiny-missing` is a valid Hub id: were remote models allowed, transformers.js would fetch
    // huggingface.co/tiny-missing/resolve/main/generation_config.json (seen when the loader was
    // changed to allow them).
    const missing = path.join(scratch, 'tiny-missing');
    fs.cpSync(fixture, missing, { recursive: true });
    fs.rmSync(path.join(missing, 'generation_config.json'));
    await loadAndUseEverything(resolve({ model: missing }), 'cpu', 'q8');
    assertNothingSent();
  });

  it('a folder whose name is no Hub id is read from that folder', async () => {
    // transformers.js resolves such a name against the working folder, not the model's parent.
    const spaced = path.join(scratch, 'my models', 'tiny copy');
    fs.cpSync(fixture, spaced, { recursive: true });
    const c = trappedClient();
    assert.strictEqual((await c.load({ source: resolve({ model: spaced }), device: 'cpu', dtype: 'q8' })).name, 'tiny copy');
    assertNothingSent();
  });

  it('a Hub id is refused before anything is sent, naming the host it would contact', async () => {
    for (const model of ['test-org/tiny', 'test-org/tiny@v1.0', 'test-org/tiny@refs/pr/3']) {
      assert.throws(
        () => resolve({ model }),
        (error: unknown) => error instanceof LensError && error.code === 'DOWNLOAD_NOT_ALLOWED' && error.message.includes(`from ${hubHost}`),
        model,
      );
    }
    assertNothingSent();
  });

  it('a network (UNC) path is refused, never read as a folder', () => {
    for (const model of [`\\\\${'127.0.0.1'}\\share\\model`, '//127.0.0.1/share/model']) {
      assert.throws(() => resolve({ model }), (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /network path/.test(error.message), model);
    }
    assertNothingSent();
  });
});
