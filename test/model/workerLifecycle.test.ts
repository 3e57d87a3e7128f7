/**
 * The worker's life as the host runs it, on the real worker and the tiny fixture model: every
 * request settles after crashes, restarts and disposal; work that cannot be cancelled cannot block
 * the lane; loads run in order so the last settings win.
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { folderAsHubModel, startLocalHub, type LocalHub } from './localHub';
import { Worker } from 'worker_threads';
import { actionFor, LensError } from '../../src/common/errors';
import type { DoneEvent, LoadParams, LoadRequest, ModelInfo, WorkerEvent, WorkerRequest, WorkerStartData } from '../../src/common/protocol';
import { readSettings, type LensSettings } from '../../src/common/settings';
import { InferenceClient, type CancelSignal, type ClientOptions } from '../../src/inference/inferenceClient';
import { ModelLifecycle, planFromSettings } from '../../src/inference/modelLifecycle';
import type { ModelState } from '../../src/inference/modelState';
import { settleWithin } from './settleWithin';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const PROMPT = 'export function add(a: number, b: number) {\n  return';
/** How long a test waits for something that must happen; far above what it takes here. */
const BOUND_MS = 90_000;

const folder = (device: LoadParams['device'] = 'cpu'): LoadParams => ({
  source: { kind: 'folder', path: fixture, displayName: 'tiny-model' },
  device,
  dtype: 'fp32',
});

/** Lets a test wait on what it observes: every observation calls `notify`, waiters re-check. */
class Watch {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const check of [...this.waiters]) check();
  }

  /** Resolves when `condition` holds; fails the test after BOUND_MS saying what never happened. */
  until(condition: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = (): void => {
        if (condition()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`gave up waiting for ${what}`));
      }, BOUND_MS);
      this.waiters.add(check);
      check();
    });
  }
}

/** What a request came to: its value or its LensError; fails the test if it never settles or fails otherwise. */
async function settled<T>(promise: Promise<T>, what: string): Promise<{ value?: T; error?: LensError }> {
  const { value, error } = await settleWithin(promise, what, BOUND_MS);
  if (error !== undefined && !(error instanceof LensError)) throw error;
  return { value, error };
}

async function rejectsWith(promise: Promise<unknown>, code: string, what: string): Promise<LensError> {
  const outcome = await settled(promise, what);
  assert.ok(outcome.error, `${what}: expected ${code}, it succeeded`);
  assert.strictEqual(outcome.error.code, code, outcome.error.message);
  return outcome.error;
}

type Verdict = 'forward' | 'swallow' | 'crash';

/**
 * Wraps the real worker to watch it and, where a test needs a fault, to bend one message: `crash`
 * sends the worker its own exit request instead (it dies as a crashing model would), `swallow`
 * never delivers the message (a pass that never finishes). Everything else is the real worker.
 */
class WorkerProbe {
  readonly watch = new Watch();
  spawns = 0;
  exits = 0;
  /** Loads each worker received, by spawn (1-based). */
  readonly loads: { readonly spawn: number; readonly request: LoadRequest }[] = [];
  /** The model the live worker last reported ready: what actually serves. */
  serving: ModelInfo | undefined;
  /** The workers started, oldest first. */
  readonly workers: Worker[] = [];
  intercept: (message: WorkerRequest) => Verdict = () => 'forward';

  readonly spawn = (file: string, data: WorkerStartData): Worker => {
    const worker = new Worker(file, { workerData: data });
    const spawn = ++this.spawns;
    this.workers.push(worker);
    worker.on('exit', () => {
      this.exits++;
      this.watch.notify();
    });
    worker.on('message', (event: WorkerEvent) => {
      if (event.type === 'ready') this.serving = event.info;
      this.watch.notify();
    });
    const post = worker.postMessage.bind(worker);
    worker.postMessage = ((message: WorkerRequest, transfer?: never) => {
      const verdict = this.intercept(message);
      if (verdict === 'crash') post({ type: 'exit', id: 0, code: 70 } satisfies WorkerRequest);
      if (verdict !== 'forward') return;
      if (message.type === 'load') this.loads.push({ spawn, request: message });
      post(message, transfer);
      this.watch.notify();
    }) as Worker['postMessage'];
    this.watch.notify();
    return worker;
  };
}

interface Crash {
  readonly error: LensError;
  readonly restartInMs: number | undefined;
}

describe('worker lifecycle on the real worker', function () {
  this.timeout(4 * BOUND_MS);
  const disposers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(disposers.splice(0).map((dispose) => dispose()));
  });

  /** A client on a probed worker; `timeoutMs` may change during a test. */
  function setup(options: Partial<ClientOptions> = {}) {
    const probe = new WorkerProbe();
    const crashes: Crash[] = [];
    const timeout = { ms: 60_000 };
    const client = new InferenceClient({
      workerPath,
      startData: { wasmDir, wasmThreads: 1 },
      requestTimeoutMs: () => timeout.ms,
      spawn: probe.spawn,
      ...options,
      events: {
        onCrash: (error, restartInMs) => {
          crashes.push({ error, restartInMs });
          probe.watch.notify();
        },
      },
    });
    disposers.push(() => client.dispose());
    const crashed = (count: number) => probe.watch.until(() => crashes.length >= count, `crash ${count}`).then(() => crashes[count - 1]);
    return { client, probe, crashes, crashed, timeout };
  }

  const generate = (client: InferenceClient, cancel?: CancelSignal): Promise<DoneEvent> =>
    client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 8 }, {}, cancel);

  describe('every request settles', () => {
    it('rejects the requests waiting for a restart when the client is disposed during the backoff', async () => {
      const { client, crashed } = setup();
      await client.load(folder());
      client.killWorkerForTest();
      assert.notStrictEqual((await crashed(1)).restartInMs, undefined);
      const waiting = generate(client);
      const disposed = client.dispose();
      await rejectsWith(waiting, 'WORKER_STOPPED', 'a generation waiting for the restart');
      await disposed;
    });

    it('leaves no request waiting when the worker crashes again during the backoff', async () => {
      const { client, probe, crashed } = setup();
      await client.load(folder());
      const expected = (await generate(client)).tokenIds;
      client.killWorkerForTest();
      await crashed(1);
      const waiting = generate(client);
      const reload = client.load(folder());
      // The worker that load started dies too, at once (it is still starting: no ONNX Runtime run
      // that terminate() could hit), well before the first crash's restart would be due.
      void probe.workers[1].terminate();
      const outcome = await settled(waiting, 'a generation waiting for the restart');
      if (outcome.error) assert.strictEqual(outcome.error.code, 'WORKER_CRASHED', outcome.error.message);
      await rejectsWith(reload, 'WORKER_CRASHED', 'the load the second crash interrupted');
      await crashed(2);
      assert.deepStrictEqual((await generate(client)).tokenIds, expected);
    });

    it('lets a load during the backoff replace the scheduled restart', async () => {
      const { client, probe, crashed } = setup();
      await client.load(folder());
      client.killWorkerForTest();
      const { restartInMs } = await crashed(1);
      assert.ok(restartInMs !== undefined);
      await client.load(folder());
      // No event exists for a restart that must not happen: wait past the time it was due.
      await new Promise((resolve) => setTimeout(resolve, restartInMs + 1000));
      assert.deepStrictEqual(
        probe.loads.map((load) => load.spawn),
        [1, 2],
        'the scheduled restart loaded the model a second time',
      );
      assert.strictEqual(probe.spawns, 2);
    });

    it('counts the wait for a restart in the request timeout', async () => {
      const { client, probe, crashed, timeout } = setup();
      await client.load(folder());
      client.killWorkerForTest();
      const { restartInMs } = await crashed(1);
      assert.ok(restartInMs !== undefined && restartInMs >= 200, `restart in ${restartInMs} ms`);
      timeout.ms = 50; // well inside the backoff
      await rejectsWith(generate(client), 'TIMEOUT', 'a generation waiting for the restart');
      assert.strictEqual(probe.loads.length, 1, 'the request waited for the restart before its timeout started');
    });

    it('answers a request cancelled while it waits for a restart as cancelled, at once', async () => {
      const { client, probe, crashed } = setup();
      await client.load(folder());
      client.killWorkerForTest();
      await crashed(1);
      let cancel = (): void => undefined;
      const signal: CancelSignal = {
        isCancellationRequested: false,
        onCancellationRequested(listener) {
          cancel = listener;
          return { dispose() {} };
        },
      };
      const waiting = generate(client, signal);
      (signal as { isCancellationRequested: boolean }).isCancellationRequested = true;
      cancel();
      const outcome = await settled(waiting, 'a cancelled generation');
      assert.strictEqual(outcome.value?.finishReason, 'cancelled');
      assert.strictEqual(probe.loads.length, 1, 'the cancel waited for the restart');
    });

    it('stops restarting a worker that crashes on every load, with an error whose action is Reload Model', async () => {
      const { client, probe, crashes, timeout } = setup();
      probe.intercept = (message) => (message.type === 'load' ? 'crash' : 'forward');
      await rejectsWith(client.load(folder()), 'WORKER_CRASHED', 'a load that crashes the worker');
      await probe.watch.until(() => crashes.some((crash) => crash.error.code === 'WORKER_CRASH_LOOP'), 'the client to give up');
      const last = crashes[crashes.length - 1];
      assert.strictEqual(last.error.code, 'WORKER_CRASH_LOOP');
      assert.strictEqual(last.restartInMs, undefined);
      assert.strictEqual(actionFor(last.error.code), 'reload');
      assert.ok(probe.spawns >= 3 && probe.spawns <= 6, `${probe.spawns} workers started`);
      const spawnsWhenGivenUp = probe.spawns;
      timeout.ms = 5_000;
      await rejectsWith(generate(client), 'WORKER_CRASH_LOOP', 'a generation after giving up');
      assert.strictEqual(probe.spawns, spawnsWhenGivenUp, 'a request after giving up started a worker');
      // Reload Model (a new load) tries again.
      probe.intercept = () => 'forward';
      assert.strictEqual((await client.load(folder())).name, 'tiny-model');
      assert.ok(['length', 'eos'].includes((await generate(client)).finishReason));
    });

    it('resolves dispose once the worker has exited, however often it is called', async () => {
      const { client, probe } = setup();
      await client.load(folder());
      const first = client.dispose();
      const second = client.dispose();
      await second;
      assert.strictEqual(probe.exits, 1, 'the second dispose resolved before the worker exited');
      await first;
    });
  });

  describe('work that cannot be cancelled', () => {
    let stallingHub: LocalHub;
    let hubUrl: string;
    let cacheDir: string;
    before(async () => {
      // Accepts every request and never answers it: a download that stalls.
      stallingHub = await startLocalHub(() => 'stall');
      hubUrl = stallingHub.url;
      cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-stalled-cache-'));
    });
    after(async () => {
      await stallingHub.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    it('stops a download that stalls past the load timeout inside the worker, which stays; the next load and generation succeed', async () => {
      const { client, probe } = setup({ loadTimeoutMs: 8_000 });
      const hub: LoadParams = { source: { kind: 'hub', modelId: 'test-org/tiny', revision: 'main', hubUrl, cacheDir }, device: 'cpu', dtype: 'q8' };
      await rejectsWith(client.load(hub), 'TIMEOUT', 'a load whose download stalls');
      assert.ok(stallingHub.requests.length > 0, 'the worker never asked the server for a file');
      // Right after the timeout, as a user switching to another model would.
      assert.strictEqual((await client.load(folder())).name, 'tiny-model');
      assert.ok(['length', 'eos'].includes((await generate(client)).finishReason));
      // The download runs beside the worker's lane, so the timeout's cancel reaches it and ends it: no worker had to be ended.
      assert.strictEqual(probe.spawns, 1, 'the worker was replaced although its download could be stopped');
      assert.strictEqual(probe.exits, 0);
    });

    it('ends a worker whose request never answers past its timeout; a fresh worker loads the model again', async () => {
      const { client, probe, timeout } = setup();
      await client.load(folder());
      const expected = (await generate(client)).tokenIds;
      // One pass of the tiny model is too quick to outlast a timeout, so this request never reaches
      // the worker (nor does its cancel): to the host it is a pass that does not end.
      let stuckId: number | undefined;
      probe.intercept = (message) => {
        if (message.type === 'generate' && stuckId === undefined) stuckId = message.id;
        return message.id === stuckId && (message.type === 'generate' || message.type === 'cancel') ? 'swallow' : 'forward';
      };
      timeout.ms = 300;
      await rejectsWith(generate(client), 'TIMEOUT', 'a request that never answers');
      timeout.ms = 60_000;
      await probe.watch.until(() => probe.loads.length === 2, 'a fresh worker loading the model again');
      assert.deepStrictEqual(probe.loads.map((load) => load.spawn), [1, 2]);
      assert.deepStrictEqual((await generate(client)).tokenIds, expected);
      assert.strictEqual(probe.exits, 1);
    });
  });

  describe('loads in order: the last settings win', () => {
    let scratch: string;
    before(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-lifecycle-'));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    /** A lifecycle reading `settings` as ModelService reads VS Code's, on a probed worker. */
    function lifecycleSetup(values: Record<string, unknown>) {
      const probe = new WorkerProbe();
      const settings = { ...values };
      const states: ModelState[] = [];
      const wrongStates: string[] = [];
      const lifecycle = new ModelLifecycle({
        client: { workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 60_000, spawn: probe.spawn },
        plan: () => planFromSettings(readSettings((key) => settings[key]), { extensionPath: repo, globalStoragePath: scratch }),
        onState: (state) => {
          states.push(state);
          // The status bar must never name a model other than the one the live worker serves.
          if (state.state === 'ready' && (state.info?.name !== probe.serving?.name || state.backend !== probe.serving?.backend)) {
            wrongStates.push(`${state.state} ${state.modelName} on ${state.backend} while ${probe.serving?.name} on ${probe.serving?.backend} serves`);
          }
          probe.watch.notify();
        },
      });
      disposers.push(() => lifecycle.client.dispose());
      return { lifecycle, probe, settings: settings as Record<keyof LensSettings, unknown>, states, wrongStates };
    }

    /** Waits until the worker has run everything sent so far (its lane runs loads before generations). */
    const drained = (lifecycle: ModelLifecycle) => lifecycle.client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 1 });

    /** The switches left the lifecycle knowing which device its worker runs: the next switch works. */
    async function switchesToWasm(lifecycle: ModelLifecycle, settings: Record<string, unknown>): Promise<void> {
      settings.device = 'wasm';
      await lifecycle.reload();
      assert.deepStrictEqual([lifecycle.state.state, lifecycle.state.backend, lifecycle.state.error], ['ready', 'wasm', undefined]);
    }

    it('ends on the last device when the device is switched back while the old worker exits', async () => {
      const { lifecycle, probe, settings, wrongStates } = lifecycleSetup({ model: fixture, device: 'cpu', dtype: 'fp32' });
      await lifecycle.reload();
      assert.strictEqual(lifecycle.state.backend, 'cpu');
      // The second switch comes when the first has asked the cpu worker to exit, within its grace.
      let switchedBack: Promise<void> | undefined;
      probe.intercept = (message) => {
        if (message.type === 'exit' && message.code === 0 && !switchedBack) {
          switchedBack = Promise.resolve().then(() => {
            settings.device = 'cpu';
            return lifecycle.reload();
          });
        }
        return 'forward';
      };
      settings.device = 'wasm';
      void lifecycle.reload();
      await probe.watch.until(() => switchedBack !== undefined, 'the cpu worker to be asked to exit');
      await switchedBack;
      await lifecycle.whenLoaded();
      await drained(lifecycle);
      assert.deepStrictEqual([lifecycle.state.state, lifecycle.state.backend], ['ready', 'cpu']);
      assert.strictEqual(probe.serving?.backend, 'cpu', 'the worker serves another backend than the settings say');
      await switchesToWasm(lifecycle, settings);
      assert.deepStrictEqual(wrongStates, []);
    });

    it('ends on the last device when the device is switched twice at once', async () => {
      const { lifecycle, probe, settings, wrongStates } = lifecycleSetup({ model: fixture, device: 'cpu', dtype: 'fp32' });
      await lifecycle.reload();
      settings.device = 'wasm';
      void lifecycle.reload();
      settings.device = 'cpu';
      void lifecycle.reload();
      await lifecycle.whenLoaded();
      await drained(lifecycle);
      assert.deepStrictEqual([lifecycle.state.state, lifecycle.state.backend], ['ready', 'cpu']);
      assert.strictEqual(probe.serving?.backend, 'cpu');
      await switchesToWasm(lifecycle, settings);
      assert.deepStrictEqual(wrongStates, []);
    });

    it('keeps its worker when the device moves within one runtime build, and starts a new one for the other build', async () => {
      const { lifecycle, probe, settings, wrongStates } = lifecycleSetup({ model: fixture, device: 'cpu', dtype: 'fp32' });
      await lifecycle.reload();
      assert.deepStrictEqual([...(lifecycle.state.info?.runtimeDevices ?? [])].sort(), ['auto', 'cpu', 'dml', 'webgpu']);
      settings.device = 'auto'; // resolves to cpu or webgpu here: both run on onnxruntime-node
      await lifecycle.reload();
      assert.strictEqual(lifecycle.state.state, 'ready', lifecycle.state.error);
      assert.strictEqual(probe.spawns, 1, 'a device on the same runtime build restarted the worker');
      await switchesToWasm(lifecycle, settings);
      assert.strictEqual(probe.spawns, 2, 'wasm needs a worker of its own');
      assert.deepStrictEqual(lifecycle.state.info?.runtimeDevices, ['wasm']);
      settings.device = 'cpu';
      await lifecycle.reload();
      assert.deepStrictEqual([lifecycle.state.state, lifecycle.state.backend, probe.spawns], ['ready', 'cpu', 3]);
      assert.deepStrictEqual(wrongStates, []);
    });

    it('never reports a restart of an older model ready once a newer one was asked for', async () => {
      const other = path.join(scratch, 'other-model');
      fs.cpSync(fixture, other, { recursive: true });
      const { lifecycle, probe, settings, states, wrongStates } = lifecycleSetup({ model: other, device: 'cpu', dtype: 'fp32' });
      await lifecycle.reload();
      assert.strictEqual(lifecycle.state.modelName, 'other-model');
      // When the restart after the crash sends its load, the user has just picked another model.
      let switched: Promise<void> | undefined;
      probe.intercept = (message) => {
        if (message.type === 'load' && probe.spawns === 2 && !switched) {
          setImmediate(() => {
            settings.model = fixture;
            switched = lifecycle.reload();
          });
        }
        return 'forward';
      };
      const seen = states.length;
      lifecycle.client.killWorkerForTest();
      await probe.watch.until(() => switched !== undefined, 'the restart to send its load');
      await switched;
      await lifecycle.whenLoaded();
      await drained(lifecycle);
      assert.deepStrictEqual([lifecycle.state.state, lifecycle.state.modelName], ['ready', 'tiny-model']);
      const after = states.slice(seen);
      const switchedAt = after.findIndex((state) => state.state === 'loading' && state.modelName === 'tiny-model');
      assert.ok(switchedAt >= 0, JSON.stringify(after.map((state) => `${state.state} ${state.modelName}`)));
      const stale = after.slice(switchedAt).filter((state) => state.state === 'ready' && state.modelName === 'other-model');
      assert.deepStrictEqual(stale.map((state) => state.modelName), [], 'a ready for the older model after the newer one was asked for');
      assert.deepStrictEqual(wrongStates, []);
    });

    it('shuts down once, however often asked, and resolves when the worker has exited', async () => {
      const { lifecycle, probe } = lifecycleSetup({ model: fixture, device: 'cpu', dtype: 'fp32' });
      await lifecycle.reload();
      // deactivate() and the disposal of context.subscriptions both ask.
      const first = lifecycle.shutdown();
      assert.strictEqual(lifecycle.shutdown(), first);
      await first;
      assert.strictEqual(probe.exits, 1);
      await rejectsWith(drained(lifecycle), 'WORKER_STOPPED', 'a request after shutting down');
    });

    describe('with downloads switched off after a Hub model loaded', () => {
      let hub: LocalHub;
      let hubUrl: string;
      before(async () => {
        hub = await startLocalHub(folderAsHubModel('test-org/tiny', fixture));
        hubUrl = hub.url;
      });
      after(() => hub.close());

      it('does not load the Hub model again after a crash, and says downloads are off', async () => {
        const { lifecycle, probe, settings, states } = lifecycleSetup({ model: 'test-org/tiny', allowDownloads: true, hubUrl, device: 'cpu', dtype: 'q8' });
        await lifecycle.reload();
        assert.deepStrictEqual([lifecycle.state.state, lifecycle.state.modelName], ['ready', 'test-org/tiny']);
        settings.allowDownloads = false;
        await lifecycle.reload();
        assert.strictEqual(lifecycle.state.errorCode, 'DOWNLOAD_NOT_ALLOWED');
        const seen = states.length;
        lifecycle.client.killWorkerForTest();
        await probe.watch.until(
          () => states.slice(seen).some((state) => state.errorCode !== 'WORKER_CRASHED'),
          'the state after the restart',
        );
        const next = states.slice(seen).find((state) => state.errorCode !== 'WORKER_CRASHED');
        assert.deepStrictEqual([next?.state, next?.errorCode], ['error', 'DOWNLOAD_NOT_ALLOWED']);
        assert.deepStrictEqual(probe.loads.map((load) => load.spawn), [1], 'the restart loaded the Hub model again');
        assert.strictEqual(lifecycle.refusal()?.code, 'DOWNLOAD_NOT_ALLOWED');
      });
    });
  });
});
