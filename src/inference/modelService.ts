/**
 * Keeps the configured model loaded in the worker and tells everyone its state.
 * Reloads when a model setting changes; a device change starts a new worker, since a worker
 * serves one ONNX Runtime build for its life.
 */

import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { LensError } from '../common/errors';
import { resolveModelSource, sourceDisplayName } from '../common/modelSource';
import type { AttentionEvent, DoneEvent, ModelSource } from '../common/protocol';
import { readSettings, RELOAD_KEYS, SETTINGS_SECTION, type LensSettings } from '../common/settings';
import { Disposable } from '../host/disposable';
import { InferenceClient, type CancelSignal, type CompleteParams, type GenerateHandlers, type GenerateParams } from './inferenceClient';
import type { ModelState } from './modelState';

/** Reads the settings now (never cached). */
export function currentSettings(): LensSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return readSettings((key) => config.get(key));
}

/** See the module comment. */
export class ModelService extends Disposable {
  private readonly stateEmitter = this.register(new vscode.EventEmitter<ModelState>());
  /** Fires on every state change. */
  readonly onDidChangeState = this.stateEmitter.event;
  private current: ModelState = { state: 'idle' };
  private readonly client: InferenceClient;
  private loadGeneration = 0;
  private activeRequests = 0;
  private lastDevice: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this.client = new InferenceClient({
      workerPath: path.join(context.extensionPath, 'dist', 'worker.js'),
      startData: {
        wasmDir: path.join(context.extensionPath, 'node_modules', 'onnxruntime-web', 'dist'),
        wasmThreads: Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)),
        calibrationFile: path.join(context.globalStorageUri.fsPath, 'backend-calibration.json'),
      },
      requestTimeoutMs: () => currentSettings().requestTimeoutMs,
      events: {
        onProgress: (_file, fraction) => {
          if (this.current.state === 'loading') this.setState({ ...this.current, progress: fraction });
        },
        onCrash: (error) => this.setState({ ...this.current, state: 'error', error: error.message, errorCode: error.code }),
        onReady: (info) => this.setState({ state: 'ready', modelName: info.name, backend: info.backend, info }),
      },
    });
    this.register({ dispose: () => void this.client.dispose() });
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (RELOAD_KEYS.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`))) void this.reload();
      }),
    );
  }

  /** The state now. */
  get state(): ModelState {
    return this.current;
  }

  private setState(next: ModelState): void {
    this.current = next;
    this.stateEmitter.fire(next);
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
    const settings = currentSettings();
    let source: ModelSource;
    try {
      source = resolveModelSource(settings, {
        extensionPath: this.context.extensionPath,
        globalStoragePath: this.context.globalStorageUri.fsPath,
      });
    } catch (error) {
      this.fail(error, settings.model || 'model');
      return;
    }
    const modelName = sourceDisplayName(source);
    this.setState({ state: 'loading', modelName, progress: 0 });
    try {
      if (this.lastDevice !== undefined && this.lastDevice !== settings.device) await this.client.restart();
      this.lastDevice = settings.device;
      const info = await this.client.load({ source, device: settings.device, dtype: settings.dtype });
      if (generation !== this.loadGeneration) return; // a newer load has started
      this.setState({ state: 'ready', modelName: info.name, backend: info.backend, info });
    } catch (error) {
      if (generation === this.loadGeneration) this.fail(error, modelName);
    }
  }

  private fail(error: unknown, modelName: string): void {
    const lens = error instanceof LensError ? error : new LensError('INTERNAL', String(error));
    this.setState({ state: 'error', modelName, error: lens.message, errorCode: lens.code });
  }

  /** Runs a generation on the loaded model, marking the state busy while it runs. */
  async generate(params: GenerateParams, handlers?: GenerateHandlers, cancel?: CancelSignal): Promise<DoneEvent> {
    await this.whenLoaded();
    if (this.current.state === 'error' && this.current.errorCode !== 'WORKER_CRASHED') {
      throw new LensError(this.current.errorCode ?? 'NOT_LOADED', this.current.error ?? 'The model is not loaded.');
    }
    this.activeRequests++;
    if (this.current.state === 'ready') this.setState({ ...this.current, state: 'busy' });
    try {
      return await this.client.generate(params, handlers, cancel);
    } finally {
      this.activeRequests--;
      if (this.activeRequests === 0 && this.current.state === 'busy') this.setState({ ...this.current, state: 'ready' });
    }
  }

  /** An inline completion; the model's state stays as it is (the completion status shows these). */
  async complete(params: CompleteParams, handlers: GenerateHandlers, cancel: CancelSignal | undefined, timeoutMs: number): Promise<DoneEvent> {
    await this.whenReady();
    return this.client.complete(params, handlers, cancel, timeoutMs);
  }

  /** A one-line summary of code for a doc comment. */
  async summarize(params: Parameters<InferenceClient['summarize']>[0], handlers: GenerateHandlers, cancel?: CancelSignal): Promise<DoneEvent> {
    await this.whenReady();
    return this.client.summarize(params, handlers, cancel);
  }

  /** One forward pass with the attention taps. */
  async attention(params: Parameters<InferenceClient['attention']>[0]): Promise<AttentionEvent> {
    await this.whenReady();
    return this.client.attention(params);
  }

  /** Waits for a load in progress; throws the load's error when no model is ready. */
  private async whenReady(): Promise<void> {
    await this.whenLoaded();
    if (this.current.state !== 'ready' && this.current.state !== 'busy') {
      throw new LensError(this.current.errorCode ?? 'NOT_LOADED', this.current.error ?? 'The model is not loaded.');
    }
  }
}
