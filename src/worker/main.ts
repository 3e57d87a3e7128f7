/** The inference worker's message loop: validates requests, schedules them, reports events. */

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'worker_threads';
import { LensError, type ErrorCode } from '../common/errors';
import type { AttentionRequest, ProbeRequest, CompleteRequest, GenerateRequest, SummarizeRequest, LoadRequest, WorkerEvent, WorkerRequest, WorkerStartData } from '../common/protocol';
import { captureBuffers } from './attentionCapture';
import { Engine, type GenerateResult, type StreamHandlers } from './engine';
import type { FetchedHubModel } from './hubModelFetch';
import { RequestScheduler, type Job } from './requestScheduler';
import { parseWorkerRequest } from './requestValidation';
import { measureWorker } from './workerStats';

function post(event: WorkerEvent): void {
  parentPort?.postMessage(event);
}

function errorEvent(id: number | undefined, error: unknown): WorkerEvent {
  const code: ErrorCode = error instanceof LensError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'error', id, code, message };
}

/** A load job; for a Hub model `downloaded` is where fetchHub put its files. */
function loadJob(engine: Engine, request: LoadRequest, downloaded?: FetchedHubModel): Job {
  return {
    id: request.id,
    jobClass: 'control',
    supersedeKey: 'load',
    async run() {
      try {
        const info = await engine.load({
          source: request.source,
          device: request.device,
          dtype: request.dtype,
          ...(request.hubToken ? { hubToken: request.hubToken } : {}),
          ...(downloaded ? { downloaded } : {}),
          onProgress: (file, fraction) => post({ type: 'progress', id: request.id, file, fraction }),
        });
        post({ type: 'ready', id: request.id, info });
      } catch (error) {
        post(errorEvent(request.id, error));
      }
    },
    // A download or a session build has no point to stop at: the host ends the whole worker when a
    // load outlasts its timeout (see InferenceClient), and discards a result it no longer wants.
    stop() {},
    drop(reason) {
      post(
        reason === 'superseded'
          ? { type: 'error', id: request.id, code: 'SUPERSEDED', message: 'A newer load replaced this one before it started.' }
          : { type: 'error', id: request.id, code: 'WORKER_STOPPED', message: 'The load was cancelled.' },
      );
    },
  };
}

/** A job that streams one generation; `generate`, `complete` and `summarize` differ only in what they ask the engine. */
function streamingJob(
  request: GenerateRequest | CompleteRequest | SummarizeRequest,
  jobClass: 'completion' | 'command',
  work: (handlers: StreamHandlers) => Promise<GenerateResult>,
  pollMessages: () => void,
): Job {
  const enqueuedAt = performance.now();
  let stopRequested = false;
  return {
    id: request.id,
    jobClass,
    supersedeKey: jobClass === 'completion' ? 'completion' : undefined,
    async run() {
      const queuedMs = Math.round(performance.now() - enqueuedAt);
      try {
        const result = await work({
          onStart: (start) => post({ type: 'started', id: request.id, ...start }),
          onToken: (tokenId, text) => post({ type: 'token', id: request.id, tokenId, text }),
          shouldStop: () => {
            pollMessages(); // a cancel may be waiting: see pollMessages in main()
            return stopRequested;
          },
        });
        post({
          type: 'done',
          id: request.id,
          text: result.text,
          tokenIds: result.tokenIds,
          finishReason: result.finishReason,
          timings: { ...result.timings, queuedMs },
        });
      } catch (error) {
        post(errorEvent(request.id, error));
      }
    },
    stop() {
      stopRequested = true;
    },
    drop(reason) {
      post({
        type: 'done',
        id: request.id,
        text: '',
        tokenIds: [],
        finishReason: reason,
        timings: { queuedMs: Math.round(performance.now() - enqueuedAt), firstTokenMs: 0, totalMs: 0, tokensPerSecond: 0 },
      });
    },
  };
}

function attentionJob(engine: Engine, request: AttentionRequest): Job {
  return {
    id: request.id,
    jobClass: 'command',
    async run() {
      try {
        const { capture, forwardMs } = await engine.attention(request.text, request.maxTokens, request.origin, request.budgetBytes);
        // The tensors move to the host without a copy.
        parentPort?.postMessage({ type: 'attention', id: request.id, capture, forwardMs: Math.round(forwardMs) } satisfies WorkerEvent, captureBuffers(capture));
      } catch (error) {
        post(errorEvent(request.id, error));
      }
    },
    stop() {}, // one forward pass: nothing to stop between; past its timeout the host ends the worker
    drop() {
      post({ type: 'error', id: request.id, code: 'WORKER_STOPPED', message: 'The attention request was cancelled.' });
    },
  };
}

function probeJob(engine: Engine, request: ProbeRequest): Job {
  return {
    id: request.id,
    jobClass: 'command',
    async run() {
      try {
        post({ type: 'probe', id: request.id, result: await engine.probe(request) });
      } catch (error) {
        post(errorEvent(request.id, error));
      }
    },
    stop() {}, // a few forward passes; past its timeout the host ends the worker
    drop() {
      post({ type: 'error', id: request.id, code: 'WORKER_STOPPED', message: 'The probe was cancelled.' });
    },
  };
}

/**
 * Hub downloads in flight, by load id. A download runs beside the lane, so the current model serves
 * completions meanwhile; only the load that follows takes the lane. A newer load ends an older
 * download (SUPERSEDED), a cancel of its id ends it (DOWNLOAD_CANCELLED; what came is kept).
 */
const downloads = new Map<number, AbortController>();

function startLoad(engine: Engine, scheduler: RequestScheduler, request: LoadRequest): void {
  for (const older of downloads.values()) older.abort('superseded');
  if (request.source.kind !== 'hub') {
    scheduler.enqueue(loadJob(engine, request));
    return;
  }
  const controller = new AbortController();
  downloads.set(request.id, controller);
  engine
    .fetchHub(request, {
      signal: controller.signal,
      onDownload: (p) => post({
        type: 'progress',
        id: request.id,
        file: p.file,
        fraction: p.fraction ?? 0,
        download: {
          file: p.file,
          receivedBytes: p.overallReceivedBytes,
          ...(p.overallTotalBytes === undefined ? {} : { totalBytes: p.overallTotalBytes }),
          bytesPerSecond: Math.round(p.bytesPerSecond),
          ...(p.secondsLeft === undefined ? {} : { secondsLeft: Math.round(p.secondsLeft) }),
        },
      }),
    })
    .then(
      (downloaded) => {
        if (controller.signal.aborted) throw new LensError('DOWNLOAD_CANCELLED', 'The download was cancelled.');
        scheduler.enqueue(loadJob(engine, request, downloaded));
      },
    )
    .catch((error: unknown) => {
      if (controller.signal.reason === 'superseded') post({ type: 'error', id: request.id, code: 'SUPERSEDED', message: 'A newer load replaced this one while it downloaded.' });
      else post(errorEvent(request.id, error));
    })
    .finally(() => downloads.delete(request.id));
}

function handle(engine: Engine, scheduler: RequestScheduler, request: WorkerRequest, pollMessages: () => void): void {
  switch (request.type) {
    case 'load':
      startLoad(engine, scheduler, request);
      return;
    case 'generate': {
      const jobClass = request.priority === 'completion' ? 'completion' : 'command';
      scheduler.enqueue(streamingJob(request, jobClass, (handlers) => engine.generate({ ...request, ...handlers }), pollMessages));
      return;
    }
    case 'complete':
      scheduler.enqueue(streamingJob(request, 'completion', (handlers) => engine.complete({ ...request, ...handlers }), pollMessages));
      return;
    case 'summarize':
      scheduler.enqueue(streamingJob(request, 'command', (handlers) => engine.summarize({ ...request, ...handlers }), pollMessages));
      return;
    case 'attention':
      scheduler.enqueue(attentionJob(engine, request));
      return;
    case 'probe':
      scheduler.enqueue(probeJob(engine, request));
      return;
    case 'cancel':
      if (downloads.has(request.id)) downloads.get(request.id)?.abort('cancelled');
      else scheduler.cancel(request.id);
      return;
    case 'exit':
      process.exit(request.code);
    case 'stats':
      // Answered at once, outside the lane, so a test sees the queue as it is during a generation.
      post({ type: 'stats', id: request.id, stats: measureWorker(scheduler.queuedCount, scheduler.runningId !== undefined, request.collectGarbage === true) });
      return;
    default: {
      const unreachable: never = request;
      throw new LensError('BAD_REQUEST', `Unknown request ${JSON.stringify(unreachable)}`);
    }
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('The inference worker must run in a worker thread.');
  const startData = workerData as WorkerStartData;
  const engine = new Engine({ wasmDir: startData.wasmDir, wasmThreads: startData.wasmThreads, calibrationFile: startData.calibrationFile });
  const scheduler = new RequestScheduler();
  const receive = (message: unknown): void => {
    try {
      handle(engine, scheduler, parseWorkerRequest(message), pollMessages);
    } catch (error) {
      const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : undefined;
      post(errorEvent(id, error));
    }
  };
  // On WASM a whole generation can finish without the event loop taking a message, so
  // generation polls the port between tokens; otherwise a cancel would wait for the end.
  function pollMessages(): void {
    for (let next = receiveMessageOnPort(port as MessagePort); next; next = receiveMessageOnPort(port as MessagePort)) {
      receive(next.message);
    }
  }
  port.on('message', receive);
}

main();
