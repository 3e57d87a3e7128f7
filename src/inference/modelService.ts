/**
 * The model as VS Code sees it: reads the settings into a ModelLifecycle (which loads the model and
 * keeps its state), fires its state as an event, and reloads when a model setting changes.
 */

import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AttentionEvent, AttentionParams, CompleteParams, DoneEvent, SummarizeParams } from '../common/protocol';
import type { ProbeParams, ProbeResult } from '../common/probeProtocol';
import { RELOAD_KEYS, SETTINGS_SECTION, type LensSettings } from '../common/settings';
import { Disposable } from '../common/disposable';
import type { CancelSignal, GenerateHandlers } from './inferenceClient';
import { ModelLifecycle, planFromSettings } from './modelLifecycle';
import type { ModelState } from './modelState';

/** See the module comment. */
export class ModelService extends Disposable {
  private readonly stateEmitter = this.register(new vscode.EventEmitter<ModelState>());
  /** Fires on every state change. */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly lifecycle: ModelLifecycle;

  /**
   * `currentSettings` reads the model settings now (never cached); the host passes VS Code's.
   * `hubToken` gives the Hugging Face token stored for a hub address, sent only with a Hub load to that address.
   */
  constructor(context: vscode.ExtensionContext, currentSettings: () => LensSettings, hubToken: (hubUrl: string) => Promise<string | undefined> = async () => undefined) {
    super();
    const paths = { extensionPath: context.extensionPath, globalStoragePath: context.globalStorageUri.fsPath };
    this.lifecycle = new ModelLifecycle({
      client: {
        workerPath: path.join(context.extensionPath, 'dist', 'worker.js'),
        startData: {
          wasmDir: path.join(context.extensionPath, 'node_modules', 'onnxruntime-web', 'dist'),
          wasmThreads: Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)),
          calibrationFile: path.join(context.globalStorageUri.fsPath, 'backend-calibration.json'),
        },
        requestTimeoutMs: () => currentSettings().requestTimeoutMs,
      },
      plan: async () => {
        const plan = planFromSettings(currentSettings(), paths);
        if (plan.kind !== 'load' || plan.params.source.kind !== 'hub') return plan;
        const token = await hubToken(plan.params.source.hubUrl);
        return token ? { ...plan, params: { ...plan.params, hubToken: token } } : plan;
      },
      onState: (state) => this.stateEmitter.fire(state),
    });
    this.register({ dispose: () => void this.shutdown() });
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (RELOAD_KEYS.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`))) void this.reload();
      }),
    );
  }

  /** Stops the worker; resolves once it has exited (bounded). Disposal and deactivate() both call it; it stops the worker once. */
  shutdown(): Promise<void> {
    return this.lifecycle.shutdown();
  }

  /** The state now. */
  get state(): ModelState {
    return this.lifecycle.state;
  }

  /** Loads the model named by the settings; errors end in the `error` state (never thrown). */
  reload(): Promise<void> {
    return this.lifecycle.reload();
  }

  /** Stops the download of the next model, if one runs; the model that serves goes on. Returns whether one was stopped. */
  cancelDownload(): boolean {
    return this.lifecycle.cancelDownload();
  }

  /** Resolves once the current load attempt has finished (successfully or not). */
  whenLoaded(): Promise<void> {
    return this.lifecycle.whenLoaded();
  }

  /** An inline completion; the completion status shows its progress, the model's state does not change. */
  async complete(params: CompleteParams, handlers: GenerateHandlers, cancel: CancelSignal | undefined, timeoutMs: number): Promise<DoneEvent> {
    await this.whenUsable();
    return this.lifecycle.client.complete(params, handlers, cancel, timeoutMs);
  }

  /** A one-line summary of code for a doc comment. */
  async summarize(params: SummarizeParams, handlers: GenerateHandlers, cancel?: CancelSignal): Promise<DoneEvent> {
    await this.whenUsable();
    return this.lifecycle.client.summarize(params, handlers, cancel);
  }

  /** One forward pass with the attention taps. */
  async attention(params: AttentionParams): Promise<AttentionEvent> {
    await this.whenUsable();
    return this.lifecycle.client.attention(params);
  }

  /** The logit lens or "what if" on captured tokens. */
  async probe(params: ProbeParams): Promise<ProbeResult> {
    await this.whenUsable();
    return this.lifecycle.client.probe(params);
  }

  /** Kills the worker as a crash would, now or after `afterTokens` streamed tokens (integration tests). */
  killWorkerForTest(afterTokens?: number): void {
    this.lifecycle.client.killWorkerForTest(afterTokens);
  }

  /** Waits for a load in progress; throws the load's error when no model can serve the request. */
  private async whenUsable(): Promise<void> {
    await this.lifecycle.whenUsable();
    const refusal = this.lifecycle.refusal();
    if (refusal) throw refusal;
  }
}
