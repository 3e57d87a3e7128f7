/**
 * The worker killed at chosen points on the bundled model: during a generation (after its first
 * tokens), during a load (after progress began, before ready) and during an attention pass. After
 * every kill the request in flight fails with a clear error, the client restarts the worker and
 * loads the model again by itself, and the next request gives exactly what it gave before the
 * kills. No request hangs and no worker thread is left behind. Prints the restart figures.
 */

import * as assert from 'assert';
import * as path from 'path';
import { actionFor, LensError } from '../../src/common/errors';
import type { AttentionEvent, LoadParams, ModelInfo } from '../../src/common/protocol';
import { InferenceClient } from '../../src/inference/inferenceClient';
import { KillableWorkers, type KillHow } from './workerKillHarness';
import { settleWithin } from '../model/settleWithin';

const repo = path.resolve(__dirname, '../../..');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const PROMPT = 'export function add(a: number, b: number) {\n  return';
/** About 400 tokens: a pass that takes a second or more here, so a kill lands inside it. */
const ATTENTION_TEXT = 'function next(x: number): number {\n  return x + 1;\n}\n'.repeat(24);
/** How long anything may take before the test calls it hung; far above what it takes here. */
const BOUND_MS = 90_000;

const lensCoder = (device: LoadParams['device']): LoadParams => ({
  source: { kind: 'folder', path: path.join(repo, 'models/lens-coder'), displayName: 'lens-coder' },
  device,
  dtype: 'fp32',
});

/** What every kill adds to the printed figures. */
interface KillRecord {
  readonly phase: 'generation' | 'load' | 'attention';
  readonly how: KillHow;
  readonly restartMs: number;
}

const records: KillRecord[] = [];
let requests = 0;

/** Resolves with the promise's outcome; fails the test if it never settles. */
const bounded = <T>(promise: Promise<T>, what: string) => settleWithin(promise, what, BOUND_MS);

/** Asserts the request in flight failed as a crash says so to a user: its code, its words, its action. */
async function failsAsCrash(promise: Promise<unknown>, what: string): Promise<void> {
  const outcome = await bounded(promise, what);
  assert.ok(outcome.error, `${what} succeeded: the kill landed after it finished`);
  assert.ok(outcome.error instanceof LensError, `${what}: expected a LensError, got ${String(outcome.error)}`);
  assert.strictEqual(outcome.error.code, 'WORKER_CRASHED', outcome.error.message);
  assert.match(outcome.error.message, /stopped unexpectedly .*the request was not finished\. Attention Lens restarts it\./);
  assert.strictEqual(actionFor(outcome.error.code), 'reload');
}

/** A client on killable workers, with a wait for its next `ready` (the reload after a restart). */
class KillRig {
  readonly workers = new KillableWorkers();
  readonly client: InferenceClient;
  private readyWaiters: ((info: ModelInfo) => void)[] = [];
  /** Called on every load progress event. */
  onProgress: () => void = () => undefined;

  constructor() {
    this.client = new InferenceClient({
      workerPath,
      startData: { wasmDir, wasmThreads: 1 },
      requestTimeoutMs: () => BOUND_MS,
      spawn: this.workers.spawn,
      events: {
        onProgress: () => this.onProgress(),
        onReady: (info) => {
          for (const resolve of this.readyWaiters.splice(0)) resolve(info);
        },
      },
    });
  }

  /** Resolves on the next model ready. */
  nextReady(): Promise<ModelInfo> {
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Kills the worker and starts the clock on its restart. */
  kill(how: KillHow): { readonly ready: Promise<number> } {
    const killedAt = performance.now();
    const ready = this.nextReady().then(() => performance.now() - killedAt);
    this.workers.kill(how, this.client);
    return { ready };
  }

  /** After the restart: one worker thread runs, whatever was killed has exited. */
  async restarted(ready: Promise<number>, phase: KillRecord['phase'], how: KillHow): Promise<void> {
    const outcome = await bounded(ready, `the reload after the ${how} kill during ${phase}`);
    assert.ok(outcome.value !== undefined, String(outcome.error));
    records.push({ phase, how, restartMs: outcome.value });
    await waitFor(() => this.workers.running === 1, `one live worker after the ${how} kill (running ${this.workers.running})`);
  }

  /** Disposes the client; every worker thread it started has exited. */
  async dispose(): Promise<void> {
    await this.client.dispose();
    await waitFor(() => this.workers.running === 0, `no live worker after dispose (running ${this.workers.running})`);
  }
}

/** Polls a condition that settles by itself (a worker's exit event), within BOUND_MS. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + BOUND_MS;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function greedyIds(rig: KillRig, what: string): Promise<readonly number[]> {
  requests++;
  const outcome = await bounded(rig.client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 24 }), what);
  assert.ok(outcome.value, `${what} failed: ${String(outcome.error)}`);
  return outcome.value.tokenIds;
}

function attentionRequest(rig: KillRig): Promise<AttentionEvent> {
  requests++;
  return rig.client.attention({ text: ATTENTION_TEXT, maxTokens: 480, origin: { kind: 'selection', label: 'kill test' } });
}

/** What an attention pass gave, exactly: its tokens and every probability's bytes. */
function fingerprint(event: AttentionEvent): { readonly tokenIds: readonly number[]; readonly probs: Buffer } {
  const probs = event.capture.probs.data;
  return { tokenIds: event.capture.tokenIds, probs: Buffer.from(probs.buffer, probs.byteOffset, probs.byteLength) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The kills of one test, cycling through the ways given and the points given. */
function plan<T>(hows: readonly KillHow[], points: readonly T[]): { readonly how: KillHow; readonly point: T }[] {
  return points.map((point, index) => ({ how: hows[index % hows.length], point }));
}

describe('worker kills on the real worker and the bundled model', function () {
  this.timeout(10 * BOUND_MS);
  const rigs: KillRig[] = [];
  const rig = (): KillRig => {
    const made = new KillRig();
    rigs.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(rigs.splice(0).map((made) => made.dispose()));
  });
  after(() => {
    if (records.length === 0) return;
    const times = records.map((record) => record.restartMs);
    const count = (phase: KillRecord['phase']): number => records.filter((record) => record.phase === phase).length;
    const hows = (['terminate', 'exit', 'throw'] as const).map((how) => `${how} ${records.filter((record) => record.how === how).length}`).join(', ');
    console.log(
      `    worker kills: ${records.length} (generation ${count('generation')}, load ${count('load')}, attention ${count('attention')}; ${hows}); ` +
        `kill -> ready ${Math.round(median(times))} ms median, ${Math.round(Math.max(...times))} ms max; ${requests} requests, all settled`,
    );
  });

  // terminate() during an onnxruntime-node run aborts the whole process (see ExitRequest), so the
  // outside kill runs on the WASM backend; the inside kills run on cpu, the default here.
  for (const { device, hows } of [
    { device: 'cpu', hows: ['exit', 'throw'] },
    { device: 'wasm', hows: ['terminate'] },
  ] as const) {
    it(`restarts after kills during a generation on ${device} (${hows.join(', ')}), with the same greedy ids`, async () => {
      const r = rig();
      await r.client.load(lensCoder(device));
      const expected = await greedyIds(r, 'the generation before the kills');
      const points = device === 'cpu' ? [1, 2, 3, 5, 8, 13, 4, 6] : [1, 4, 9];
      for (const { how, point: afterTokens } of plan(hows, points)) {
        let seen = 0;
        let killed: { readonly ready: Promise<number> } | undefined;
        requests++;
        const inFlight = r.client.generate({ priority: 'command', prompt: PROMPT, maxNewTokens: 200 }, {
          onToken: () => {
            if (++seen === afterTokens) killed = r.kill(how);
          },
        });
        await failsAsCrash(inFlight, `the generation killed (${how}) after ${afterTokens} tokens`);
        assert.ok(killed, 'the kill never happened');
        // Asked at once, while the worker restarts: it waits for the reload and gives the same ids.
        const next = greedyIds(r, `the generation after the ${how} kill`);
        await r.restarted(killed.ready, 'generation', how);
        assert.deepStrictEqual(await next, expected, `the greedy ids changed after the ${how} kill after ${afterTokens} tokens`);
      }
    });
  }

  for (const { device, hows } of [
    { device: 'cpu', hows: ['exit', 'throw'] },
    { device: 'wasm', hows: ['terminate'] },
  ] as const) {
    it(`restarts after kills during a load on ${device} (${hows.join(', ')}), and the reloaded model gives the same ids`, async () => {
      const r = rig();
      await r.client.load(lensCoder(device));
      const expected = await greedyIds(r, 'the generation before the kills');
      // Which progress event triggers the kill: the load reports 7, the session build lies between the 4th and the 5th.
      const points = device === 'cpu' ? [1, 2, 3, 4] : [2, 4];
      for (const { how, point: afterProgress } of plan(hows, points)) {
        let seen = 0;
        let killed: { readonly ready: Promise<number> } | undefined;
        r.onProgress = () => {
          if (++seen === afterProgress) killed = r.kill(how);
        };
        requests++;
        const inFlight = r.client.load(lensCoder(device));
        await failsAsCrash(inFlight, `the load killed (${how}) after progress event ${afterProgress}`);
        r.onProgress = () => undefined;
        assert.ok(killed, 'the kill never happened');
        await r.restarted(killed.ready, 'load', how);
        assert.deepStrictEqual(await greedyIds(r, `the generation after the ${how} kill`), expected);
      }
    });
  }

  // Only terminate() lands inside a pass: the pass holds the worker's thread, so an exit request
  // or a thrown error is handled after it (checked below), and on cpu terminate() is not safe.
  it('restarts after terminate() during attention passes on wasm, and the next pass is identical', async () => {
    const r = rig();
    await r.client.load(lensCoder('wasm'));
    const started = performance.now();
    const before = await bounded(attentionRequest(r), 'the attention pass before the kills');
    assert.ok(before.value, String(before.error));
    const passMs = performance.now() - started;
    const expected = fingerprint(before.value);
    for (const { how, point: fraction } of plan(['terminate'], [0.1, 0.2, 0.3, 0.45, 0.6])) {
      // A pass can run faster than the one measured (the machine is shared): a pass that finished
      // before the kill must be whole, and the kill is tried again earlier, up to three times.
      let delayMs = fraction * passMs;
      let killed: { readonly ready: Promise<number> } | undefined;
      for (let attempt = 1; !killed; attempt++) {
        const inFlight = attentionRequest(r);
        const kill = await new Promise<{ readonly ready: Promise<number> }>((resolve) => setTimeout(() => resolve(r.kill(how)), delayMs));
        const outcome = await bounded(inFlight, `the attention pass killed after ${Math.round(delayMs)} ms`);
        if (outcome.value && attempt < 3) {
          assert.ok(fingerprint(outcome.value).probs.equals(expected.probs), 'a pass that finished before the kill differs');
          await r.restarted(kill.ready, 'attention', how);
          delayMs /= 2;
          continue;
        }
        await failsAsCrash(Promise.reject(outcome.error ?? new Error('the pass finished before three kills')), `the attention pass killed after ${Math.round(delayMs)} ms of ${Math.round(passMs)}`);
        killed = kill;
      }
      const next = attentionRequest(r);
      await r.restarted(killed.ready, 'attention', how);
      const after = await bounded(next, `the attention pass after the kill at ${fraction}`);
      assert.ok(after.value, String(after.error));
      const got = fingerprint(after.value);
      assert.deepStrictEqual(got.tokenIds, expected.tokenIds);
      assert.ok(got.probs.equals(expected.probs), 'the attention probabilities changed after the kill');
    }
  });

  it('ends an attention pass on cpu whole or as a crash when an exit request or a thrown error ends the worker, then restarts', async () => {
    const r = rig();
    await r.client.load(lensCoder('cpu'));
    const before = await bounded(attentionRequest(r), 'the attention pass before the kills');
    assert.ok(before.value, String(before.error));
    const expected = fingerprint(before.value);
    for (const how of ['exit', 'throw'] as const) {
      const inFlight = attentionRequest(r);
      // The pass is running once the worker reports nothing else; 200 ms is well inside a pass of over a second here.
      const killed = await new Promise<{ readonly ready: Promise<number> }>((resolve) => setTimeout(() => resolve(r.kill(how)), 200));
      const outcome = await bounded(inFlight, `the attention pass with a pending ${how}`);
      // While the forward pass holds the thread the kill waits for it and the pass completes whole;
      // on a quiet machine the pass may be past its forward run already, and the kill lands between
      // its steps: then it must fail as a crash, never with a half capture.
      if (outcome.value) {
        assert.ok(fingerprint(outcome.value).probs.equals(expected.probs));
      } else {
        assert.strictEqual((outcome.error as { code?: string } | undefined)?.code, 'WORKER_CRASHED', String(outcome.error));
      }
      await r.restarted(killed.ready, 'attention', how);
      const after = await bounded(attentionRequest(r), `the attention pass after the ${how}`);
      assert.ok(after.value, String(after.error));
      assert.ok(fingerprint(after.value).probs.equals(expected.probs));
    }
  });
});
