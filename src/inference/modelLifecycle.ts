/**
 * Keeps the model the settings name loaded in the worker, and its state. Loads run one after the
 * other and the last settings win, however fast they change; a device change to another ONNX Runtime
 * build starts a new worker, since a worker serves one build for its life (cpu and webgpu share the
 * native one; the worker says which devices its build serves); a restart after a crash loads what the
 * settings say then. The state names the model that serves: a load that fails while the worker
 * keeps the previous model (see Engine.load) leaves that one ready, with the failure as its error.
 * No `vscode` import: ModelService reads the settings and fires the state; tests drive this directly.
 */

import { LensError, type ErrorCode } from '../common/errors';
import { resolveModelSource, sourceDisplayName, type SourcePaths } from '../common/modelSource';
import type { DeviceChoice, DownloadStatus, LoadParams } from '../common/protocol';
import type { LensSettings } from '../common/settings';
import { InferenceClient, type ClientOptions } from './inferenceClient';
import type { ModelState } from './modelState';
import { EXIT_GRACE_MS } from './workerExit';

/** How long shutting down waits at most: the worker's own exit grace, then its termination. */
export const SHUTDOWN_BOUND_MS = EXIT_GRACE_MS + 1000;

/**
 * Failures after which the worker still serves the model it served: the new model was refused
 * before the old one was let go, or the worker loaded the old one again (anything else it cannot
 * restore is NOT_LOADED), or the load was never sent.
 */
const KEEPS_PREVIOUS_MODEL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'DOWNLOAD_NOT_ALLOWED',
  'DOWNLOAD_FAILED',
  'DOWNLOAD_CANCELLED',
  'DOWNLOAD_UNAUTHORIZED',
  'NOT_ENOUGH_MEMORY',
  'BACKEND_UNAVAILABLE',
]);

/** What the settings ask to load now: a load, or the reason none can start (e.g. downloads are off). */
export type LoadPlan =
  | { readonly kind: 'load'; readonly params: LoadParams; readonly modelName: string }
  | { readonly kind: 'refused'; readonly error: LensError; readonly modelName: string };

/** Turns settings into a load plan (never throws: a setting that cannot load is a refused plan). */
export function planFromSettings(settings: LensSettings, paths: SourcePaths): LoadPlan {
  try {
    const source = resolveModelSource(settings, paths);
    return { kind: 'load', params: { source, device: settings.device, dtype: settings.dtype }, modelName: sourceDisplayName(source) };
  } catch (error) {
    return { kind: 'refused', error: asLensError(error), modelName: settings.model || 'model' };
  }
}

export interface LifecycleOptions {
  /** How to start the worker; the lifecycle adds the events it listens to and the restart's load. */
  readonly client: Omit<ClientOptions, 'events' | 'reloadAfterRestart'>;
  /** Reads the settings now (never cached) and says what to load; async where a secret is read for it (a Hub token). */
  readonly plan: () => LoadPlan | Promise<LoadPlan>;
  /** Called on every state change. */
  readonly onState: (state: ModelState) => void;
}

/** See the module comment. */
export class ModelLifecycle {
  /** The client that serves requests on the loaded model. */
  readonly client: InferenceClient;
  private current: ModelState = { state: 'idle' };
  /** The ready state of the model the worker serves now; undefined when it serves none. */
  private serving: ModelState | undefined;
  private generation = 0;
  /** The device the worker was started for; undefined when there is none yet or it was stopped. */
  private workerDevice: DeviceChoice | undefined;
  /** The devices the worker's runtime build serves (ModelInfo.runtimeDevices); undefined until a load says. */
  private workerServes: readonly DeviceChoice[] | undefined;
  /** Serializes what must not interleave between loads: stopping the worker for a new device, then sending the load. */
  private sending: Promise<void> = Promise.resolve();
  /** The latest reload, to its end. */
  private loading: Promise<void> = Promise.resolve();
  private shutdownDone: Promise<void> | undefined;
  /** Called at the next state change (whenUsable waits for one). */
  private stateWaiters: (() => void)[] = [];

  constructor(private readonly options: LifecycleOptions) {
    this.client = new InferenceClient({
      ...options.client,
      // A fresh worker loads what the settings say now, not what they said at the last load.
      reloadAfterRestart: () => this.reload().then(() => this.whenLoaded()),
      events: {
        onProgress: (_file, fraction, download) => this.progressed(fraction, download),
        onCrash: (error) => this.crashed(error),
      },
    });
  }

  /** The state now. */
  get state(): ModelState {
    return this.current;
  }

  private setState(next: ModelState): void {
    this.current = next;
    this.options.onState(next);
    for (const waiter of this.stateWaiters.splice(0)) waiter();
  }

  /**
   * A load's progress. While its files download the model that serves goes on serving (the state
   * stays `ready`, with the download beside it); once they are in, the load takes over (`loading`).
   */
  private progressed(fraction: number, download: DownloadStatus | undefined): void {
    const loadingName = this.current.state === 'loading' ? this.current.modelName : this.current.download?.modelName;
    if (loadingName === undefined) return; // no load of ours is under way (a stray event after its end)
    const downloading = download && download.receivedBytes !== download.totalBytes;
    if (downloading && this.serving) {
      this.setState({ ...this.serving, download: { ...download, modelName: loadingName } });
      return;
    }
    this.setState({
      state: 'loading',
      modelName: loadingName,
      progress: fraction,
      ...(downloading ? { download: { ...download, modelName: loadingName } } : {}),
    });
  }

  /**
   * Resolves once a request may be sent: no load is under way, or one is but only downloads while
   * a model serves (the worker runs requests on that model meanwhile).
   */
  async whenUsable(): Promise<void> {
    for (;;) {
      if (this.current.state === 'ready' && this.current.download) return;
      const loading = this.loading;
      let settled = false;
      await Promise.race([
        loading.then(() => {
          settled = true;
        }),
        new Promise<void>((resolve) => this.stateWaiters.push(resolve)),
      ]);
      if (settled && this.loading === loading) return;
    }
  }

  /** Stops the download under way, if any (see InferenceClient.cancelLoad); the model that serves goes on. */
  cancelDownload(): boolean {
    return this.current.download !== undefined && this.client.cancelLoad();
  }

  /**
   * Loads the model named by the settings; errors end in the `error` state (never thrown). Loads
   * run in order and the last one wins: the settings are read when a load's turn comes, a load whose
   * turn comes after a newer reload is skipped, and only the newest load may report its result.
   */
  reload(): Promise<void> {
    const generation = ++this.generation;
    const sent = this.sending.then(() => this.send(generation));
    this.sending = sent.then(
      () => undefined,
      () => undefined,
    );
    const done = sent.then((load) => load?.finished);
    this.loading = done;
    return done;
  }

  /** Resolves once the latest load attempt has finished (successfully or not). */
  async whenLoaded(): Promise<void> {
    for (;;) {
      const loading = this.loading;
      await loading;
      if (this.loading === loading) return;
    }
  }

  /** Reads the settings and sends their load; `finished` settles once its outcome is in the state. */
  private async send(generation: number): Promise<{ readonly finished: Promise<void> } | undefined> {
    if (generation !== this.generation) return undefined; // a newer reload came while this one waited
    const plan = await this.options.plan();
    if (generation !== this.generation) return undefined;
    if (plan.kind === 'refused') {
      this.fail(plan.error, plan.modelName);
      return undefined;
    }
    const { params, modelName } = plan;
    this.setState({ state: 'loading', modelName, progress: 0 });
    if (this.workerDevice !== undefined && this.workerDevice !== params.device && !this.workerServes?.includes(params.device)) {
      // A worker serves one ONNX Runtime build for its life: a device on the other build needs a new worker.
      this.serving = undefined;
      await this.client.restart();
      this.workerDevice = undefined;
      this.workerServes = undefined;
      if (generation !== this.generation) return undefined; // the settings changed again while the worker exited
    }
    this.workerDevice = params.device;
    const finished = this.client.load(params).then(
      (info) => {
        this.workerServes = info.runtimeDevices;
        this.serving = { state: 'ready', modelName: info.name, backend: info.backend, info };
        if (generation === this.generation) this.setState(this.serving);
      },
      (error: unknown) => {
        if (generation === this.generation) this.fail(error, modelName);
      },
    );
    return { finished };
  }

  private crashed(error: LensError): void {
    this.serving = undefined;
    // An error state already says why no model serves (downloads off, a missing folder): a crash of
    // the worker behind it changes nothing the user can do, and the restart reports what follows.
    if (this.current.state === 'error' && error.code !== 'WORKER_CRASH_LOOP') return;
    this.setState({ ...this.current, state: 'error', error: error.message, errorCode: error.code });
  }

  private fail(error: unknown, modelName: string): void {
    const lens = asLensError(error);
    if (!KEEPS_PREVIOUS_MODEL.has(lens.code)) this.serving = undefined;
    const serving = this.serving;
    if (serving) {
      // The user is told, and every feature goes on with the model that serves.
      const still = `Could not load ${modelName}: ${lens.message} Still using ${serving.modelName ?? 'the previous model'}.`;
      this.setState({ ...serving, error: still, errorCode: lens.code });
      return;
    }
    this.setState({ state: 'error', modelName, error: lens.message, errorCode: lens.code });
  }

  /** The error a new request gets instead of running, or undefined when it may run (a model is ready). */
  refusal(): LensError | undefined {
    const { state, errorCode, error } = this.current;
    if (state === 'ready') return undefined;
    return new LensError(errorCode ?? 'NOT_LOADED', error ?? 'The model is not loaded.');
  }

  /** Stops the worker; resolves once it has exited, or after SHUTDOWN_BOUND_MS at most. Calling it again waits for the same. */
  shutdown(): Promise<void> {
    this.shutdownDone ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SHUTDOWN_BOUND_MS);
      void this.client.dispose().finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.shutdownDone;
  }
}

function asLensError(error: unknown): LensError {
  return error instanceof LensError ? error : new LensError('INTERNAL', String(error));
}
