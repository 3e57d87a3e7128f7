/**
 * The host's side of the worker protocol: spawns the worker, correlates request ids, applies
 * timeouts, maps cancellation to `cancel{id}`, and restarts a crashed worker with backoff,
 * rejecting what was in flight with a clear error and loading the model again.
 */

import { Worker } from 'worker_threads';
import { LensError } from '../common/errors';
import type {
  AttentionEvent,
  AttentionRequest,
  CompletionStopRules,
  DeviceChoice,
  DoneEvent,
  DtypeChoice,
  GenerateRequest,
  ModelInfo,
  ModelSource,
  StartedEvent,
  SummarizeRequest,
  WorkerEvent,
  WorkerRequest,
  WorkerStartData,
} from '../common/protocol';

/** The shape of VS Code's CancellationToken, without importing `vscode`. */
export interface CancelSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface GenerateParams {
  readonly priority: GenerateRequest['priority'];
  readonly prompt: string;
  readonly maxNewTokens: number;
  readonly blockedTokenIds?: readonly number[];
}

export interface CompleteParams {
  readonly prefix: string;
  readonly suffix: string;
  readonly budgetTokens: number;
  readonly maxNewTokens: number;
  readonly stop: CompletionStopRules;
}

export interface GenerateHandlers {
  readonly onStarted?: (start: Omit<StartedEvent, 'type' | 'id'>) => void;
  readonly onToken?: (tokenId: number, text: string) => void;
}

export interface LoadParams {
  readonly source: ModelSource;
  readonly device: DeviceChoice;
  readonly dtype: DtypeChoice;
}

export interface ClientEvents {
  readonly onProgress?: (file: string, fraction: number) => void;
  /** The worker died; in-flight requests were rejected with `error`. */
  readonly onCrash?: (error: LensError, restartInMs: number | undefined) => void;
  /** A model finished loading (also after an automatic reload following a crash). */
  readonly onReady?: (info: ModelInfo) => void;
}

export interface ClientOptions {
  readonly workerPath: string;
  readonly startData: WorkerStartData;
  readonly requestTimeoutMs: () => number;
  /** Load timeout; loading a big model on WASM can be slow. */
  readonly loadTimeoutMs?: number;
  readonly events?: ClientEvents;
  /** Replaces `new Worker` (tests). */
  readonly spawn?: (path: string, data: WorkerStartData) => Worker;
}

interface Pending {
  readonly onEvent: (event: WorkerEvent) => void;
  readonly reject: (error: LensError) => void;
}

const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 250;

/** See the module comment. One client owns at most one worker at a time. */
export class InferenceClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastLoad: LoadParams | undefined;
  private crashesInRow = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly options: ClientOptions) {}

  /** Loads a model; resolves with its facts, rejects with a LensError. */
  load(params: LoadParams): Promise<ModelInfo> {
    this.lastLoad = params;
    return this.sendLoad(params);
  }

  private sendLoad(params: LoadParams): Promise<ModelInfo> {
    const id = this.nextId++;
    const timeoutMs = this.options.loadTimeoutMs ?? 300_000;
    return this.track<ModelInfo>(id, timeoutMs, undefined, (event, resolve) => {
      switch (event.type) {
        case 'progress':
          this.options.events?.onProgress?.(event.file, event.fraction);
          return;
        case 'ready':
          this.crashesInRow = 0;
          this.options.events?.onReady?.(event.info);
          resolve(event.info);
          return;
        default:
          return;
      }
    }, { type: 'load', id, ...params });
  }

  /** Generates; resolves with the final `done` event (also when cancelled), rejects on error/timeout/crash. */
  generate(params: GenerateParams, handlers: GenerateHandlers = {}, cancel?: CancelSignal): Promise<DoneEvent> {
    return this.stream((id) => ({ type: 'generate', id, ...params }), handlers, cancel);
  }

  /** A one-line summary for a doc comment; streams like `generate`. */
  summarize(params: Omit<SummarizeRequest, 'type' | 'id'>, handlers: GenerateHandlers = {}, cancel?: CancelSignal): Promise<DoneEvent> {
    return this.stream((id) => ({ type: 'summarize', id, ...params }), handlers, cancel);
  }

  /** One forward pass with the attention taps; resolves with the capture. */
  async attention(params: Omit<AttentionRequest, 'type' | 'id'>): Promise<AttentionEvent> {
    await this.whenRestarted();
    const id = this.nextId++;
    return this.track<AttentionEvent>(id, this.options.requestTimeoutMs(), undefined, (event, resolve) => {
      if (event.type === 'attention') resolve(event);
    }, { type: 'attention', id, ...params });
  }

  /** An inline completion at the cursor (see CompleteRequest); resolves like `generate`. */
  complete(params: CompleteParams, handlers: GenerateHandlers = {}, cancel?: CancelSignal, timeoutMs?: number): Promise<DoneEvent> {
    return this.stream((id) => ({ type: 'complete', id, ...params }), handlers, cancel, timeoutMs);
  }

  private async stream(
    makeRequest: (id: number) => WorkerRequest,
    handlers: GenerateHandlers,
    cancel: CancelSignal | undefined,
    timeoutMs = this.options.requestTimeoutMs(),
  ): Promise<DoneEvent> {
    // After a crash the model is loaded again first; the reload is queued ahead of this request.
    await this.whenRestarted();
    const id = this.nextId++;
    return this.track<DoneEvent>(id, timeoutMs, cancel, (event, resolve) => {
      switch (event.type) {
        case 'started': {
          const { type: _type, id: _id, ...start } = event;
          handlers.onStarted?.(start);
          return;
        }
        case 'token':
          handlers.onToken?.(event.tokenId, event.text);
          return;
        case 'done':
          resolve(event);
          return;
        default:
          return;
      }
    }, makeRequest(id));
  }

  private track<T>(
    id: number,
    timeoutMs: number,
    cancel: CancelSignal | undefined,
    /** Handles the request's events; an `error` event rejects the request before it gets here. */
    onEvent: (event: WorkerEvent, resolve: (value: T) => void) => void,
    request: WorkerRequest,
  ): Promise<T> {
    if (this.disposed) return Promise.reject(new LensError('WORKER_STOPPED', 'Attention Lens has shut its model down.'));
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let cancelListener: { dispose(): void } | undefined;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        cancelListener?.dispose();
        this.pending.delete(id);
      };
      const settleResolve = (value: T): void => {
        finish();
        resolve(value);
      };
      const settleReject = (error: LensError): void => {
        finish();
        reject(error);
      };
      this.pending.set(id, {
        onEvent: (event) => {
          if (event.type === 'error') settleReject(new LensError(event.code, event.message));
          else onEvent(event, settleResolve);
        },
        reject: settleReject,
      });
      timer = setTimeout(() => {
        this.post({ type: 'cancel', id });
        settleReject(new LensError('TIMEOUT', `The model did not answer within ${Math.round(timeoutMs / 1000)} s; the request was stopped.`));
      }, timeoutMs);
      if (cancel) {
        if (cancel.isCancellationRequested) {
          // Never started: answer as the worker would, without a round trip.
          settleResolve(cancelledDone(id) as T);
          return;
        }
        cancelListener = cancel.onCancellationRequested(() => this.post({ type: 'cancel', id }));
      }
      this.post(request);
    });
  }

  private post(request: WorkerRequest): void {
    this.ensureWorker().postMessage(request);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const spawn = this.options.spawn ?? ((path, data) => new Worker(path, { workerData: data }));
    const worker = spawn(this.options.workerPath, this.options.startData);
    worker.on('message', (event: WorkerEvent) => this.onWorkerEvent(event));
    worker.on('error', (error) => this.onWorkerDeath(worker, error.message));
    worker.on('exit', (code) => this.onWorkerDeath(worker, `exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onWorkerEvent(event: WorkerEvent): void {
    if (event.id === undefined) return;
    this.pending.get(event.id)?.onEvent(event);
  }

  private onWorkerDeath(worker: Worker, why: string): void {
    if (this.worker !== worker) return; // an old worker's late exit
    this.worker = undefined;
    if (this.disposed) return;
    this.crashesInRow++;
    const error = new LensError(
      'WORKER_CRASHED',
      `The model worker stopped unexpectedly (${why}); the request was not finished. Attention Lens restarts it.`,
    );
    for (const pending of [...this.pending.values()]) pending.reject(error);
    const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.crashesInRow - 1));
    this.options.events?.onCrash?.(error, this.lastLoad ? delay : undefined);
    if (this.lastLoad) this.scheduleRestart(delay);
  }

  private scheduleRestart(delayMs: number): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restarting = new Promise<void>((done) => {
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.restarting = undefined;
        if (!this.disposed && this.lastLoad) {
          // Failures are reported through onCrash/onReady listeners and the returned promise's rejections.
          this.sendLoad(this.lastLoad).catch(() => undefined);
        }
        done();
      }, delayMs);
    });
  }

  /** Resolves when a pending automatic restart has sent its load (immediately if none). */
  whenRestarted(): Promise<void> {
    return this.restarting ?? Promise.resolve();
  }

  /** Stops the worker now: everything in flight is rejected. The next request starts a new one. */
  async restart(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    const error = new LensError('WORKER_STOPPED', 'The model worker was restarted; the request was not finished.');
    for (const pending of [...this.pending.values()]) pending.reject(error);
    if (worker) await stopWorker(worker);
  }


  /** Makes the worker die abruptly, as a crash would (tests and the crash-recovery check). */
  killWorkerForTest(): void {
    this.worker?.postMessage({ type: 'exit', id: 0, code: 70 } satisfies WorkerRequest);
  }

  /** Stops everything; later requests are refused. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.restart();
  }
}

const EXIT_GRACE_MS = 3000;

/** Asks the worker to exit itself; terminates it only if it does not (see ExitRequest). */
function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), EXIT_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'exit', id: 0, code: 0 } satisfies WorkerRequest);
  });
}

function cancelledDone(id: number): DoneEvent {
  return {
    type: 'done',
    id,
    text: '',
    tokenIds: [],
    finishReason: 'cancelled',
    timings: { queuedMs: 0, firstTokenMs: 0, totalMs: 0, tokensPerSecond: 0 },
  };
}
