// 10 000 inline completions at typing speed, each keystroke cancelling the one before, through the
// product's path: CompletionPipeline -> InferenceClient -> the real worker on the tiny fixture
// model (fast enough that the run is bounded by the typing, about two minutes, not by the model;
// the bundled model would make it a benchmark of its own). Asserts that queues stay bounded, that
// every request settles, that the worker's and the host's JS heaps return to their level after
// warm-up, and bounds the process's RSS (see RSS_SLACK). Prints the figures.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as v8 from 'v8';
import { LensError } from '../../src/common/errors';
import type { FinishReason, WorkerStats } from '../../src/common/protocol';
import { readCompletionSettings } from '../../src/common/settings';
import { CompletionPipeline, type Suggestion } from '../../src/completion/completionPipeline';
import { InferenceClient } from '../../src/inference/inferenceClient';
import { collectGarbage } from '../../src/worker/workerStats';
import { keystrokeGaps, TypistToken } from './floodTypist';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const workerPath = path.join(repo, 'out/src/worker/main.js');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');

const KEYSTROKES = 10_000;
/** Long enough for the allocators to reach their working size (RSS climbs for the first thousand or so, then holds). */
const WARM_UP_KEYSTROKES = 1000;
/** Every this many keystrokes the typist pauses long enough for a suggestion to finish. */
const PAUSE_EVERY = 250;
const PAUSE_MS = 400;
/** The worker is asked for its queue this often (in keystrokes). */
const STATS_EVERY = 20;
/** As the provider windows the document (inlineCompletionProvider.ts). */
const PREFIX_WINDOW_CHARS = 24_000;
/**
 * The worker reads its messages between tokens, so keystrokes pile up as pending (each cancelled,
 * not yet answered) while one step runs: 11 to 32 seen here on a loaded machine. 100 is a
 * one-second stall at this typing speed; a queue that grows with the run reaches thousands.
 */
const CLIENT_PENDING_BOUND = 100;
const WORKER_QUEUE_BOUND = 4;
/** The JS heaps must come back to within 10 % of their warm level. */
const HEAP_SLACK = 1.1;
/**
 * RSS must too, less the pages the two V8 heaps hold empty. The typist starts with the provider's
 * prefix window already full (a long file), so every request carries as much text as the last
 * (a document growing during the run grows the prompts' working memory with it). V8 sizes its
 * young generation by the allocation rate: over the run the host's grows from 8 to about 27 MB,
 * all of it empty after a collection, and V8 hands it back only now and then (a memory-reducing
 * collection did once in three runs here). Raw RSS read +12 % from that alone, with both heaps
 * flat; without those pages it is the memory the process keeps.
 */
const RSS_SLACK = 1.1;
/** Raw RSS, young-generation pages included: V8 caps them (its semi-space maximum), so growth past this is something else. */
const RAW_RSS_SLACK = 1.3;

/** The worker's idle window after the flood; the minute-long measurement is the integration test's (idleCpu.test.ts). */
const IDLE_WINDOW_MS = 10_000;
/** Of one core; /proc counts in 10 ms ticks, so this allows five over the window. */
const WORKER_IDLE_LIMIT = 0.005;
/** The whole test process, with nothing else to do (spinning ONNX Runtime threads would show here). */
const PROCESS_IDLE_LIMIT = 0.02;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The text typed: the repo's own sources, one after the other, like a long day of typing. */
function typedText(length: number): string {
  const dir = path.join(repo, 'src/completion');
  let text = '';
  while (text.length < length) for (const name of fs.readdirSync(dir).sort()) text += fs.readFileSync(path.join(dir, name), 'utf8');
  return text.slice(0, length);
}

interface Settled {
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
  readonly hostHeapBytes: number;
  /** RSS less the pages both V8 heaps hold empty (committed - used): what the process really keeps. */
  readonly heldBytes: number;
}

/** Memory once things have settled: a pause, collections on both threads, lowest of three readings. */
async function settledMemory(client: InferenceClient): Promise<Settled> {
  let best: Settled | undefined;
  for (let i = 0; i < 3; i++) {
    await sleep(500);
    collectGarbage();
    const stats = await client.stats(true);
    const host = v8.getHeapStatistics();
    const emptyHeapPages = stats.heapCommittedBytes - stats.heapUsedBytes + host.total_physical_size - host.used_heap_size;
    const reading: Settled = {
      heapUsedBytes: stats.heapUsedBytes,
      rssBytes: stats.rssBytes,
      hostHeapBytes: host.used_heap_size,
      heldBytes: stats.rssBytes - emptyHeapPages,
    };
    best = best
      ? {
          heapUsedBytes: Math.min(best.heapUsedBytes, reading.heapUsedBytes),
          rssBytes: Math.min(best.rssBytes, reading.rssBytes),
          hostHeapBytes: Math.min(best.hostHeapBytes, reading.hostHeapBytes),
          heldBytes: Math.min(best.heldBytes, reading.heldBytes),
        }
      : reading;
  }
  return best as Settled;
}

/** What the typist saw happen. */
class Tally {
  started = 0;
  resolved = 0;
  rejected = 0;
  readonly sources = new Map<Suggestion['source'] | 'none', number>();
  readonly finishReasons = new Map<FinishReason, number>();
  readonly rejections = new Map<string, number>();
  maxClientPending = 0;
  maxWorkerQueued = 0;
  statsProbes = 0;
  /** RSS the worker reported at each probe (no collection first), to tell a climb from a plateau. */
  readonly rssTrace: number[] = [];
  /** Beside it, the physical memory both V8 heaps hold (used or not), to tell heap pages from native memory. */
  readonly committedTrace: string[] = [];
  leftoverListeners = 0;

  count<K>(map: Map<K, number>, key: K): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

/** Types `keystrokes` characters of `text` from `start`, one request per keystroke; resolves once every request settled. */
async function type(
  pipeline: CompletionPipeline,
  client: InferenceClient,
  text: string,
  start: number,
  keystrokes: number,
  tally: Tally,
  seed: number,
): Promise<void> {
  const gaps = keystrokeGaps(keystrokes, PAUSE_EVERY, PAUSE_MS, seed);
  const requests: Promise<void>[] = [];
  const tokens: TypistToken[] = [];
  let previous: TypistToken | undefined;
  for (let k = 0; k < keystrokes; k++) {
    previous?.cancel(); // VS Code cancels the last request when the document changes
    const token = new TypistToken();
    tokens.push(token);
    previous = token;
    const cursor = start + k + 1;
    tally.started++;
    requests.push(
      pipeline.suggest({ prefix: text.slice(Math.max(0, cursor - PREFIX_WINDOW_CHARS), cursor), suffix: '\n}\n', tabSize: 4 }, token).then(
        (suggestion) => {
          tally.resolved++;
          tally.count(tally.sources, suggestion?.source ?? 'none');
        },
        (error: unknown) => {
          tally.rejected++;
          tally.count(tally.rejections, error instanceof LensError ? error.code : String(error));
        },
      ),
    );
    tally.maxClientPending = Math.max(tally.maxClientPending, client.pendingCount);
    if (k % STATS_EVERY === 0) {
      tally.statsProbes++;
      requests.push(
        client.stats().then(
          (stats: WorkerStats) => {
            tally.maxWorkerQueued = Math.max(tally.maxWorkerQueued, stats.queued);
            tally.rssTrace.push(stats.rssBytes);
            tally.committedTrace.push(`${mb(stats.heapCommittedBytes)} + ${mb(v8.getHeapStatistics().total_physical_size)}`);
          },
          () => tally.count(tally.rejections, 'stats'),
        ),
      );
    }
    await sleep(gaps[k]);
  }
  // Every request must settle by itself; a hang fails here instead of at mocha's timeout.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(requests),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`requests still unsettled 30 s after the last keystroke: ${tally.started - tally.resolved - tally.rejected}`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  tally.leftoverListeners += tokens.reduce((sum, t) => sum + t.listenerCount, 0);
}

describe('completion flood: 10 000 keystrokes with cancellation', function () {
  this.timeout(300_000);
  let client: InferenceClient;

  before(async () => {
    client = new InferenceClient({ workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 30_000 });
    await client.load({ source: { kind: 'folder', path: fixture, displayName: 'tiny-model' }, device: 'cpu', dtype: 'fp32' });
  });

  after(() => client.dispose());

  it('keeps queues bounded, settles every request and returns memory to its warm level', async () => {
    const settings = readCompletionSettings(() => undefined); // the extension's defaults
    const finishReasons = new Map<FinishReason, number>();
    const pipeline = new CompletionPipeline(
      {
        modelKey: () => 'tiny-model',
        complete: (params, cancel, timeoutMs) =>
          client.complete(params, {}, cancel, timeoutMs).then((done) => {
            finishReasons.set(done.finishReason, (finishReasons.get(done.finishReason) ?? 0) + 1);
            return done;
          }),
      },
      () => settings,
    );
    const text = typedText(PREFIX_WINDOW_CHARS + WARM_UP_KEYSTROKES + KEYSTROKES + 1);

    await type(pipeline, client, text, PREFIX_WINDOW_CHARS, WARM_UP_KEYSTROKES, new Tally(), 1);
    const baseline = await settledMemory(client);
    finishReasons.clear();

    const tally = new Tally();
    const began = performance.now();
    await type(pipeline, client, text, PREFIX_WINDOW_CHARS + WARM_UP_KEYSTROKES, KEYSTROKES, tally, 2);
    const wallS = (performance.now() - began) / 1000;
    const after = await settledMemory(client);

    const figures = {
      keystrokes: KEYSTROKES,
      wallSeconds: Number(wallS.toFixed(1)),
      started: tally.started,
      resolved: tally.resolved,
      rejected: tally.rejected,
      rejections: Object.fromEntries(tally.rejections),
      suggestions: Object.fromEntries(tally.sources),
      workerFinishReasons: Object.fromEntries(finishReasons),
      maxClientPending: tally.maxClientPending,
      maxWorkerQueued: tally.maxWorkerQueued,
      statsProbes: tally.statsProbes,
      pendingAfter: client.pendingCount,
      leftoverCancelListeners: tally.leftoverListeners,
      workerHeap: `${mb(baseline.heapUsedBytes)} -> ${mb(after.heapUsedBytes)}`,
      hostHeap: `${mb(baseline.hostHeapBytes)} -> ${mb(after.hostHeapBytes)}`,
      rss: `${mb(baseline.rssBytes)} -> ${mb(after.rssBytes)}`,
      rssLessEmptyHeapPages: `${mb(baseline.heldBytes)} -> ${mb(after.heldBytes)}`,
      rssByQuarter: [1, 2, 3, 4].map((q) => mb(tally.rssTrace[Math.floor((q * tally.rssTrace.length) / 4) - 1] ?? 0)).join(', '),
      heapsCommittedByQuarter: [1, 2, 3, 4].map((q) => tally.committedTrace[Math.floor((q * tally.committedTrace.length) / 4) - 1] ?? '?').join(', '),
    };
    console.log(`      completion flood: ${JSON.stringify(figures, null, 2).replace(/\n/g, '\n      ')}`);

    assert.strictEqual(tally.resolved + tally.rejected, tally.started, 'every request settles');
    assert.strictEqual(client.pendingCount, 0, 'the client holds nothing after the run');
    assert.strictEqual(tally.leftoverListeners, 0, 'every cancellation listener was disposed');
    assert.deepStrictEqual(Object.keys(figures.rejections).filter((code) => code !== 'TIMEOUT'), [], 'no request failed other than by its time limit');
    assert.ok(tally.rejected <= KEYSTROKES / 100, `${tally.rejected} requests hit their time limit`);
    assert.ok((finishReasons.get('cancelled') ?? 0) + (finishReasons.get('superseded') ?? 0) > KEYSTROKES / 2, 'most requests were cancelled or superseded (the typist outran the model)');
    assert.ok(tally.maxClientPending <= CLIENT_PENDING_BOUND, `the client held ${tally.maxClientPending} requests at once`);
    assert.ok(tally.maxWorkerQueued <= WORKER_QUEUE_BOUND, `the worker queued ${tally.maxWorkerQueued} requests at once`);
    assert.ok(after.heapUsedBytes <= baseline.heapUsedBytes * HEAP_SLACK, `worker heap grew: ${figures.workerHeap}`);
    assert.ok(after.hostHeapBytes <= baseline.hostHeapBytes * HEAP_SLACK, `host heap grew: ${figures.hostHeap}`);
    assert.ok(after.heldBytes <= baseline.heldBytes * RSS_SLACK, `RSS less empty heap pages grew: ${figures.rssLessEmptyHeapPages}`);
    assert.ok(after.rssBytes <= baseline.rssBytes * RAW_RSS_SLACK, `RSS grew: ${figures.rss}`);
  });

  it('leaves the worker thread idle once the typing stops', async function () {
    if (process.platform !== 'linux') this.skip(); // the thread's CPU time comes from /proc
    const first = await client.stats();
    const processCpu = process.cpuUsage();
    await sleep(IDLE_WINDOW_MS);
    const spent = process.cpuUsage(processCpu);
    const last = await client.stats();
    const share = ((last.threadCpuMs ?? 0) - (first.threadCpuMs ?? 0)) / IDLE_WINDOW_MS;
    // The whole process: this thread, the worker's, ONNX Runtime's pool and V8's helpers.
    const processShare = (spent.user + spent.system) / 1000 / IDLE_WINDOW_MS;
    console.log(`      over ${IDLE_WINDOW_MS / 1000} s idle: worker thread ${(share * 100).toFixed(2)} %, whole process ${(processShare * 100).toFixed(2)} % of a core`);
    assert.ok(first.threadCpuMs !== undefined, 'the worker reports its thread CPU on Linux');
    assert.ok(share < WORKER_IDLE_LIMIT, `the worker thread used ${(share * 100).toFixed(2)} % of a core while idle`);
    assert.ok(processShare < PROCESS_IDLE_LIMIT, `the process used ${(processShare * 100).toFixed(2)} % of a core while idle`);
  });
});
