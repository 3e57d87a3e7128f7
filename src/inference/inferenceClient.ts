/**
 * The host's side of the worker protocol: spawns the worker, correlates request ids, applies
 * timeouts, maps cancellation to `cancel{id}`, and keeps a worker serving:
 * - a crashed worker is restarted after a growing pause and the model loaded again, rejecting what
 *   was in flight with a clear error; after a few crashes in a row the client gives up
 *   (WORKER_CRASH_LOOP) until the next load;
 * - a request past its timeout is cancelled; when the worker does not answer the cancel within
 *   STOP_GRACE_MS (a download or a forward pass has no point to stop at) the worker is ended and a
 *   fresh one loads the model again, so no request blocks the worker's single lane for good;
 * - requests made while a worker restarts wait for it, within their own timeouts, and a cancel
 *   while they wait answers them at once. Every request settles.
 */

import { Worker } from 'worker_threads';
import { LensError } from '../common/errors';
import type { ProbeParams, ProbeResult } from '../common/probeProtocol';
import type {
  AttentionEvent,
  AttentionParams,
  AttentionRequest,
  ProbeEvent,
  ProbeRequest,
  CompleteParams,
  CompleteRequest,
  DoneEvent,
  DownloadStatus,
  GenerateParams,
  GenerateRequest,
  LoadParams,
  LoadRequest,
  ModelInfo,
  StartedEvent,
  StatsRequest,
  SummarizeParams,
  SummarizeRequest,
  WorkerEvent,
  WorkerRequest,
  WorkerStartData,
  WorkerStats,
} from '../common/protocol';
import { restartDelayMs } from './restartBackoff';
import { stopWorker } from './workerExit';

/** The shape of VS Code's CancellationToken, without importing `vscode`. */
export interface CancelSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface GenerateHandlers {
  readonly onStarted?: (start: Omit<StartedEvent, 'type' | 'id'>) => void;
  readonly onToken?: (tokenId: number, text: string) => void;
}

export interface ClientEvents {
  /** A load's progress; `download` is set while a Hub model's files download (the current model still serves). */
  readonly onProgress?: (file: string, fraction: number, download?: DownloadStatus) => void;
  /**
   * The worker died; in-flight requests were rejected with `error`. `restartInMs` is undefined
   * when no restart follows: nothing to load, or the client gave up (WORKER_CRASH_LOOP).
   */
  readonly onCrash?: (error: LensError, restartInMs: number | undefined) => void;
  /** A model finished loading (also after an automatic reload following a crash). */
  readonly onReady?: (info: ModelInfo) => void;
}

export interface ClientOptions {
  readonly workerPath: string;
  readonly startData: WorkerStartData;
  readonly requestTimeoutMs: () => number;
  /** Load timeout, counted from the load's last progress event (a download of gigabytes takes as long as it takes while bytes arrive); loading a big model on WASM can be slow. */
  readonly loadTimeoutMs?: number;
  readonly events?: ClientEvents;
  /**
   * Loads the model again on a fresh worker (after a crash, or after a request that would not
   * stop): the owner reads its settings now and calls `load()`, or loads nothing (downloads now
   * off, say), and then the requests that waited are refused. Without it the client sends its last
   * load again.
   */
  readonly reloadAfterRestart?: () => Promise<void> | void;
  /**
   * Replaces `new Worker`. Only tests pass it, to wrap the real worker: workerLifecycle.test.ts
   * bends its messages to drive crashes and stalls, networkSilence.test.ts installs a network trap
   * in it first.
   */
  readonly spawn?: (path: string, data: WorkerStartData) => Worker;
}

interface Pending {
  readonly id: number;
  readonly request: WorkerRequest;
  /** The worker it went to; undefined while it waits for one (a restart, a worker still exiting). */
  worker: Worker | undefined;
  /** Set once that worker said anything about it: it began there, so it is never sent again. */
  answered: boolean;
  readonly onEvent: (event: WorkerEvent) => void;
  readonly reject: (error: LensError) => void;
}

/** Why requests wait instead of going to a worker (besides a worker that is still exiting). */
type Hold =
  | { readonly kind: 'none' }
  /** A crashed worker restarts after this pause; a load() sent meanwhile replaces the restart. */
  | { readonly kind: 'backoff'; readonly timer: NodeJS.Timeout }
  /** The owner is loading the model again (reloadAfterRestart); its load() ends the wait. */
  | { readonly kind: 'reloading' }
  /** Crashed too often in a row: requests are refused with `error` until the next load(). */
  | { readonly kind: 'gaveUp'; readonly error: LensError };

/** A request past its timeout whose worker has not yet answered the cancel. */
interface Unanswered {
  readonly worker: Worker;
  readonly timer: NodeJS.Timeout;
}

/** How long a worker has to answer the cancel of a request past its timeout before it is ended. */
const STOP_GRACE_MS = 2000;
const DEFAULT_LOAD_TIMEOUT_MS = 300_000;

/** See the module comment. One client owns at most one worker at a time. */
export class InferenceClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly unanswered = new Map<number, Unanswered>();
  /** The last load sent: what the worker serves, sent again after a restart without an owner. */
  private lastLoad: LoadRequest | undefined;
  private crashesInRow = 0;
  private hold: Hold = { kind: 'none' };
  /** Set while an ended worker exits: nothing is sent until it has (one model in memory at a time). */
  private exiting: Promise<void> | undefined;
  /** Whether the model is loaded again once the exiting worker is gone. */
  private reloadAfterExit = false;
  private disposed = false;
  private disposal: Promise<void> | undefined;
  /** Tokens still to stream before the armed test kill (killWorkerForTest) ends the worker. */
  private killAfterTokens: number | undefined;

  constructor(private readonly options: ClientOptions) {}

  /** Loads a model; resolves with its facts, rejects with a LensError. A pending restart gives way to it. */
  load(params: LoadParams): Promise<ModelInfo> {
    switch (this.hold.kind) {
      case 'backoff':
        clearTimeout(this.hold.timer); // this load replaces the one the restart would send
        break;
      case 'gaveUp':
        this.crashesInRow = 0; // Reload Model after giving up: try again from the start
        break;
      case 'reloading':
      case 'none':
        break;
      default: {
        const unreachable: never = this.hold;
        throw new Error(`Unknown hold ${JSON.stringify(unreachable)}`);
      }
    }
    this.hold = { kind: 'none' };
    const loaded = this.sendLoad(params);
    this.flush();
    return loaded;
  }

  private sendLoad(params: LoadParams): Promise<ModelInfo> {
    const request: LoadRequest = { type: 'load', id: this.nextId++, ...params };
    this.lastLoad = request;
    return this.track<ModelInfo>(request, this.options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, undefined, (event, resolve, restartTimeout) => {
      switch (event.type) {
        case 'progress':
          restartTimeout();
          this.options.events?.onProgress?.(event.file, event.fraction, event.download);
          return;
        case 'ready':
          this.crashesInRow = 0;
          this.options.events?.onReady?.(event.info);
          resolve(event.info);
          return;
        default:
          return;
      }
    });
  }

  /**
   * Stops the download of the load in flight, if one runs: the worker answers its load with
   * DOWNLOAD_CANCELLED and goes on serving its current model. A load past its download (building
   * sessions) cannot stop and goes on. Returns whether a load was asked to stop.
   */
  cancelLoad(): boolean {
    const load = this.lastLoad ? this.pending.get(this.lastLoad.id) : undefined;
    if (!load?.worker) return false;
    load.worker.postMessage({ type: 'cancel', id: load.id } satisfies WorkerRequest);
    return true;
  }

  /** Generates; resolves with the final `done` event (also when cancelled), rejects on error/timeout/crash. */
  generate(params: GenerateParams, handlers: GenerateHandlers = {}, cancel?: CancelSignal): Promise<DoneEvent> {
    return this.stream({ type: 'generate', id: this.nextId++, ...params }, handlers, cancel);
  }

  /** A one-line summary for a doc comment; streams like `generate`. */
  summarize(params: SummarizeParams, handlers: GenerateHandlers = {}, cancel?: CancelSignal): Promise<DoneEvent> {
    return this.stream({ type: 'summarize', id: this.nextId++, ...params }, handlers, cancel);
  }

  /** One forward pass with the attention taps; resolves with the capture. */
  attention(params: AttentionParams): Promise<AttentionEvent> {
    const request: AttentionRequest = { type: 'attention', id: this.nextId++, ...params };
    return this.track<AttentionEvent>(request, this.options.requestTimeoutMs(), undefined, (event, resolve) => {
      if (event.type === 'attention') resolve(event);
    });
  }

  /** The logit lens or "what if" on captured tokens (see probeProtocol.ts). */
  probe(params: ProbeParams): Promise<ProbeResult> {
    const request: ProbeRequest = { type: 'probe', id: this.nextId++, ...params };
    return this.track<ProbeEvent>(request, this.options.requestTimeoutMs(), undefined, (event, resolve) => {
      if (event.type === 'probe') resolve(event);
    }).then((event) => event.result);
  }

  /** An inline completion at the cursor (see CompleteRequest); resolves like `generate`. */
  complete(params: CompleteParams, handlers: GenerateHandlers = {}, cancel?: CancelSignal, timeoutMs?: number): Promise<DoneEvent> {
    return this.stream({ type: 'complete', id: this.nextId++, ...params }, handlers, cancel, timeoutMs);
  }

  /** The worker's queue and memory (see StatsRequest); `collectGarbage` collects first for a fair heap figure. */
  stats(collectGarbage = false, timeoutMs = this.options.requestTimeoutMs()): Promise<WorkerStats> {
    const request: StatsRequest = { type: 'stats', id: this.nextId++, collectGarbage };
    return this.track<WorkerStats>(request, timeoutMs, undefined, (event, resolve) => {
      if (event.type === 'stats') resolve(event.stats);
    });
  }

  /** Requests this client has not settled yet (sent or waiting for a worker). */
  get pendingCount(): number {
    return this.pending.size;
  }

  private stream(
    request: GenerateRequest | SummarizeRequest | CompleteRequest,
    handlers: GenerateHandlers,
    cancel: CancelSignal | undefined,
    timeoutMs = this.options.requestTimeoutMs(),
  ): Promise<DoneEvent> {
    return this.track<DoneEvent>(request, timeoutMs, cancel, (event, resolve) => {
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
    });
  }

  /**
   * Sends a request (or keeps it until a worker can take it) and settles it exactly once: on its
   * answer, an error, its timeout (which counts the wait), a cancel before it reached a worker, a
   * crash, or disposal. `cancel` is only given for streams, which answer a cancel with `done`.
   */
  private track<T>(
    request: WorkerRequest,
    timeoutMs: number,
    cancel: CancelSignal | undefined,
    /** Handles the request's events; an `error` event rejects the request before it gets here. `restartTimeout` counts the timeout from now. */
    onEvent: (event: WorkerEvent, resolve: (value: T) => void, restartTimeout: () => void) => void,
  ): Promise<T> {
    if (this.disposed) return Promise.reject(shutDownError());
    const id = request.id;
    return new Promise<T>((resolve, reject) => {
      let cancelListener: { dispose(): void } | undefined;
      const finish = (): void => {
        clearTimeout(timer);
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
      const pending: Pending = {
        id,
        request,
        worker: undefined,
        answered: false,
        onEvent: (event) => {
          if (event.type === 'error') settleReject(new LensError(event.code, event.message));
          else onEvent(event, settleResolve, restartTimeout);
        },
        reject: settleReject,
      };
      this.pending.set(id, pending);
      let timer = setTimeout(() => this.timedOut(pending, timeoutMs), timeoutMs);
      const restartTimeout = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => this.timedOut(pending, timeoutMs), timeoutMs);
      };
      if (cancel) {
        if (cancel.isCancellationRequested) {
          // Never started: answer as the worker would, without a round trip.
          settleResolve(cancelledDone(id) as T);
          return;
        }
        cancelListener = cancel.onCancellationRequested(() => {
          if (pending.worker) pending.worker.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
          else settleResolve(cancelledDone(id) as T); // still waiting for a worker: nothing to stop
        });
      }
      this.send(pending);
    });
  }

  /** Sends a request to the worker, unless requests must wait now (flush() sends them later). */
  private send(pending: Pending): void {
    if (this.hold.kind === 'gaveUp') {
      pending.reject(this.hold.error);
      return;
    }
    if (this.hold.kind !== 'none' || this.exiting) return;
    const worker = this.ensureWorker();
    pending.worker = worker;
    worker.postMessage(pending.request);
  }

  /** Sends the requests that waited; loads first, since a fresh worker starts the first request it gets. */
  private flush(): void {
    const waiting = [...this.pending.values()].filter((pending) => !pending.worker);
    const loadsFirst = [...waiting.filter((pending) => pending.request.type === 'load'), ...waiting.filter((pending) => pending.request.type !== 'load')];
    for (const pending of loadsFirst) if (this.pending.has(pending.id)) this.send(pending);
  }

  private timedOut(pending: Pending, timeoutMs: number): void {
    const worker = pending.worker;
    pending.reject(new LensError('TIMEOUT', `The model did not answer within ${Math.round(timeoutMs / 1000)} s; the request was stopped.`));
    if (!worker || worker !== this.worker) return; // it never reached a worker, or that worker is gone
    worker.postMessage({ type: 'cancel', id: pending.id } satisfies WorkerRequest);
    // A queued request answers the cancel at once and a generation at its next token; one that does
    // not holds the worker's only lane, so the worker is ended and a fresh one takes over.
    const timer = setTimeout(() => {
      this.unanswered.delete(pending.id);
      this.replaceStuckWorker(worker, pending);
    }, STOP_GRACE_MS);
    this.unanswered.set(pending.id, { worker, timer });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const spawn = this.options.spawn ?? ((path, data) => new Worker(path, { workerData: data }));
    const worker = spawn(this.options.workerPath, this.options.startData);
    worker.on('message', (event: WorkerEvent) => this.onWorkerEvent(worker, event));
    worker.on('error', (error) => this.onWorkerDeath(worker, error.message));
    worker.on('exit', (code) => this.onWorkerDeath(worker, `exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onWorkerEvent(worker: Worker, event: WorkerEvent): void {
    if (event.id === undefined) return;
    const watched = this.unanswered.get(event.id);
    if (watched && watched.worker === worker && endsRequest(event)) {
      clearTimeout(watched.timer);
      this.unanswered.delete(event.id);
    }
    const pending = this.pending.get(event.id);
    if (!pending || pending.worker !== worker) return; // settled already, or sent again to a newer worker
    if (event.type === 'token' && this.killAfterTokens !== undefined && --this.killAfterTokens === 0) this.killWorkerForTest();
    pending.answered = true;
    pending.onEvent(event);
  }

  private onWorkerDeath(worker: Worker, why: string): void {
    if (this.worker !== worker) return; // a worker this client ended, exiting late
    this.worker = undefined;
    this.forgetUnanswered(worker);
    if (this.disposed) return;
    this.crashesInRow++;
    const delayMs = restartDelayMs(this.crashesInRow);
    const error =
      delayMs === undefined
        ? new LensError(
            'WORKER_CRASH_LOOP',
            `The model worker stopped unexpectedly ${this.crashesInRow} times in a row (${why}), so Attention Lens stopped restarting it. Reload the model to try again, or choose another model or device.`,
          )
        : new LensError('WORKER_CRASHED', `The model worker stopped unexpectedly (${why}); the request was not finished. Attention Lens restarts it.`);
    for (const pending of [...this.pending.values()]) if (pending.worker === worker) pending.reject(error);
    if (delayMs === undefined) {
      this.hold = { kind: 'gaveUp', error };
      for (const pending of [...this.pending.values()]) pending.reject(error);
      this.options.events?.onCrash?.(error, undefined);
      return;
    }
    if (!this.options.reloadAfterRestart && !this.lastLoad) {
      this.options.events?.onCrash?.(error, undefined);
      this.flush(); // nothing to load: whatever waits goes to a fresh worker
      return;
    }
    const timer = setTimeout(() => {
      this.hold = { kind: 'none' };
      this.loadOnFreshWorker();
    }, delayMs);
    this.hold = { kind: 'backoff', timer };
    this.options.events?.onCrash?.(error, delayMs);
  }

  /** Ends a worker whose request did not answer its cancel; unstarted requests go to a fresh one. */
  private replaceStuckWorker(worker: Worker, stuck: Pending): void {
    if (this.disposed || worker !== this.worker) return;
    this.worker = undefined;
    const error = new LensError(
      'WORKER_STOPPED',
      `The model worker was restarted because request ${stuck.id} did not finish within its timeout; this request was not finished.`,
    );
    for (const pending of [...this.pending.values()]) {
      if (pending.worker !== worker) continue;
      if (pending.answered) pending.reject(error); // it began on the ended worker
      else pending.worker = undefined; // never began: it waits for the fresh worker
    }
    // A load that did not finish is not tried again by itself: it would stall again. After any
    // other request the fresh worker needs the model it ran on.
    const stuckLoad = stuck.request.type === 'load';
    if (stuckLoad && this.lastLoad?.id === stuck.id) this.lastLoad = undefined;
    void this.endWorker(worker, !stuckLoad);
  }

  /** Stops a worker this client no longer uses; what waits is sent (or the model reloaded) once it is gone. */
  private endWorker(worker: Worker, reloadAfter: boolean): Promise<void> {
    this.forgetUnanswered(worker);
    this.reloadAfterExit = this.reloadAfterExit || reloadAfter;
    const exited = Promise.all([this.exiting, stopWorker(worker)]).then(() => undefined);
    this.exiting = exited;
    void exited.then(() => {
      if (this.exiting !== exited) return; // a later end waits for this one as well
      this.exiting = undefined;
      if (this.disposed) return;
      const reload = this.reloadAfterExit && ![...this.pending.values()].some((pending) => !pending.worker && pending.request.type === 'load');
      this.reloadAfterExit = false;
      if (reload) this.loadOnFreshWorker();
      else this.flush();
    });
    return exited;
  }

  /** Loads the model again on a fresh worker: through the owner when it has a say, else the last load. */
  private loadOnFreshWorker(): void {
    if (this.disposed) return;
    const owner = this.options.reloadAfterRestart;
    if (!owner) {
      // Failures reach the owner through onCrash/onReady; the requests that waited get their own.
      if (this.lastLoad) {
        const { type: _type, id: _id, ...params } = this.lastLoad;
        this.sendLoad(params).catch(() => undefined);
      }
      this.flush();
      return;
    }
    const reloading: Hold = { kind: 'reloading' };
    this.hold = reloading;
    void new Promise<void>((resolve) => resolve(owner()))
      .catch(() => undefined)
      .then(() => {
        if (this.hold !== reloading) return; // a load went out, or the worker was restarted on purpose
        this.hold = { kind: 'none' };
        const error = new LensError('NOT_LOADED', 'No model was loaded again after the model worker restarted; the request was not run.');
        for (const pending of [...this.pending.values()]) if (!pending.worker) pending.reject(error);
      });
  }

  private forgetUnanswered(worker: Worker): void {
    for (const [id, watched] of [...this.unanswered]) {
      if (watched.worker !== worker) continue;
      clearTimeout(watched.timer);
      this.unanswered.delete(id);
    }
  }

  /** Stops the worker now: everything in flight or waiting is rejected. The next request starts a new one. */
  async restart(): Promise<void> {
    if (this.hold.kind === 'backoff') clearTimeout(this.hold.timer);
    if (this.hold.kind !== 'gaveUp') this.hold = { kind: 'none' };
    const error = new LensError('WORKER_STOPPED', 'The model worker was restarted; the request was not finished.');
    for (const pending of [...this.pending.values()]) pending.reject(error);
    this.reloadAfterExit = false; // whoever restarts loads next
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await this.endWorker(worker, false);
    else await this.exiting;
  }

  /**
   * Makes the worker die abruptly, as a crash would (tests and the crash-recovery check): now, or
   * once `afterTokens` more tokens have streamed, so a test can hit a generation it cannot see.
   */
  killWorkerForTest(afterTokens = 0): void {
    this.killAfterTokens = afterTokens > 0 ? afterTokens : undefined;
    if (afterTokens <= 0) this.worker?.postMessage({ type: 'exit', id: 0, code: 70 } satisfies WorkerRequest);
  }

  /** Stops everything; later requests are refused. Resolves once the worker has exited; safe to call again. */
  dispose(): Promise<void> {
    this.disposal ??= this.shutDown();
    return this.disposal;
  }

  private async shutDown(): Promise<void> {
    this.disposed = true;
    if (this.hold.kind === 'backoff') clearTimeout(this.hold.timer);
    this.hold = { kind: 'none' };
    for (const watched of this.unanswered.values()) clearTimeout(watched.timer);
    this.unanswered.clear();
    for (const pending of [...this.pending.values()]) pending.reject(shutDownError());
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await this.endWorker(worker, false);
    else await this.exiting;
  }
}

function shutDownError(): LensError {
  return new LensError('WORKER_STOPPED', 'Attention Lens has shut its model down.');
}

/** Whether an event is the last one its request gets. */
function endsRequest(event: WorkerEvent): boolean {
  switch (event.type) {
    case 'ready':
    case 'done':
    case 'attention':
    case 'probe':
    case 'stats':
    case 'error':
      return true;
    case 'progress':
    case 'started':
    case 'token':
      return false;
    default: {
      const unreachable: never = event;
      throw new Error(`Unknown event ${JSON.stringify(unreachable)}`);
    }
  }
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
