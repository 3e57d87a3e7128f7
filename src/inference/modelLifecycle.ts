/**
 * Keeps the model the settings name loaded in the worker, and its state: reloads on request, and a
 * device change starts a new worker, since a worker serves one ONNX Runtime build for its life.
 * No `vscode` import: ModelService reads the settings and fires the state; tests drive this directly.
 */

import { LensError } from '../common/errors';
import { resolveModelSource, sourceDisplayName, type SourcePaths } from '../common/modelSource';
import type { LensSettings } from '../common/settings';
import { InferenceClient, type ClientOptions, type LoadParams } from './inferenceClient';
import type { ModelState } from './modelState';

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
  /** How to start the worker; the lifecycle adds the events it listens to. */
  readonly client: Omit<ClientOptions, 'events'>;
  /** Reads the settings now (never cached) and says what to load. */
  readonly plan: () => LoadPlan;
  /** Called on every state change. */
  readonly onState: (state: ModelState) => void;
}

/** See the module comment. */
export class ModelLifecycle {
  /** The client that serves requests on the loaded model. */
  readonly client: InferenceClient;
  private current: ModelState = { state: 'idle' };
  private loadGeneration = 0;
  private activeRequests = 0;
  private lastDevice: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: LifecycleOptions) {
    this.client = new InferenceClient({
      ...options.client,
      events: {
        onProgress: (_file, fraction) => {
          if (this.current.state === 'loading') this.setState({ ...this.current, progress: fraction });
        },
        onCrash: (error) => this.setState({ ...this.current, state: 'error', error: error.message, errorCode: error.code }),
        onReady: (info) => this.setState({ state: 'ready', modelName: info.name, backend: info.backend, info }),
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
  }

  /** Loads the model named by the settings; errors end in the `error` state (never thrown). */
  reload(): Promise<void> {
    const generation = ++this.loadGeneration;
    const work = this.loadNow(generation);
    this.loading = work;
    return work;
  }

  /** Resolves once the current load attempt has finished (successfully or not). */
  async whenLoaded(): Promise<void> {
    while (this.loading) {
      const loading = this.loading;
      await loading;
      if (this.loading === loading) break;
    }
  }

  private async loadNow(generation: number): Promise<void> {
    const plan = this.options.plan();
    if (plan.kind === 'refused') {
      this.fail(plan.error, plan.modelName);
      return;
    }
    const { params, modelName } = plan;
    this.setState({ state: 'loading', modelName, progress: 0 });
    try {
      if (this.lastDevice !== undefined && this.lastDevice !== params.device) await this.client.restart();
      this.lastDevice = params.device;
      const info = await this.client.load(params);
      if (generation !== this.loadGeneration) return; // a newer load has started
      this.setState({ state: 'ready', modelName: info.name, backend: info.backend, info });
    } catch (error) {
      if (generation === this.loadGeneration) this.fail(error, modelName);
    }
  }

  private fail(error: unknown, modelName: string): void {
    const lens = asLensError(error);
    this.setState({ state: 'error', modelName, error: lens.message, errorCode: lens.code });
  }

  /**
   * The error a new request gets instead of running, or undefined when it may run. Generations
   * (`waitForRestart`) may also run while a crashed worker restarts: the client queues them.
   */
  refusal(waitForRestart: boolean): LensError | undefined {
    const { state, errorCode, error } = this.current;
    if (state === 'ready' || state === 'busy') return undefined;
    if (waitForRestart && (state !== 'error' || errorCode === 'WORKER_CRASHED')) return undefined;
    return new LensError(errorCode ?? 'NOT_LOADED', error ?? 'The model is not loaded.');
  }

  /** Runs a request on the client, marking the state busy while it runs. */
  async busyWhile<T>(work: () => Promise<T>): Promise<T> {
    this.activeRequests++;
    if (this.current.state === 'ready') this.setState({ ...this.current, state: 'busy' });
    try {
      return await work();
    } finally {
      this.activeRequests--;
      if (this.activeRequests === 0 && this.current.state === 'busy') this.setState({ ...this.current, state: 'ready' });
    }
  }
}

function asLensError(error: unknown): LensError {
  return error instanceof LensError ? error : new LensError('INTERNAL', String(error));
}
