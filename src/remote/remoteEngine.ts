/**
 * The remote engine as VS Code sees it: reads attentionLens.remote.* (user settings only), asks
 * the user once per server before anything is sent, takes the API key from SecretStorage, and
 * serves completions and summaries through remoteRequests.ts. Keeps the last request's latency
 * and speed for the status bar and Show Model Info.
 */

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { LensError } from '../common/errors';
import { BUNDLED_MODEL_NAME } from '../common/modelSource';
import type { CompleteParams, DoneEvent, SummarizeParams } from '../common/protocol';
import { sectionOf, type RemoteSettings } from '../common/settings';
import type { FimFamily } from '../common/promptFormats';
import { detectSummaryFormat } from '../common/summaryPrompt';
import type { CancelSignal } from '../inference/inferenceClient';
import { readVsCodeSettings } from '../host/vscodeSettings';
import { ApiKeyStore } from './apiKeyStore';
import { RemoteConsent } from './remoteConsent';
import { resolveRemoteFormat, type ResolvedFormat } from './remotePromptFormat';
import { remoteComplete, remoteSummarize, type RemoteSummaryMode, type RemoteTarget } from './remoteRequests';
import { parseServerAddress, type ServerAddress } from './serverAddress';

/** The last request's figures, as the status bar shows them. */
export interface RemoteFigures {
  readonly latencyMs: number;
  readonly firstTextMs: number;
  readonly tokensPerSecond: number;
}

/** What the remote engine is set to, for the status bar and Show Model Info. */
export interface RemoteDescription {
  readonly model: string;
  readonly host: string;
  readonly url: string;
  readonly format: ResolvedFormat;
  readonly summaryMode: RemoteSummaryMode['kind'];
  readonly allowed: boolean;
  readonly plainHttpToOtherMachine: boolean;
  readonly last?: RemoteFigures;
}

// Instruct and chat models answer a request; base models continue text.
const INSTRUCT_NAME = /instruct|chat|-it\b|assistant/i;

/** See the module comment. */
export class RemoteEngine extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when the settings, the consent or the last figures change. */
  readonly onDidChange = this.changed.event;
  private readonly consent: RemoteConsent;
  private readonly keys: ApiKeyStore;
  private last: RemoteFigures | undefined;
  private lensConfig: Record<string, unknown> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.OutputChannel,
  ) {
    super();
    this.consent = new RemoteConsent(context.globalState);
    this.keys = this.register(new ApiKeyStore(context.secrets));
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(sectionOf('remote'))) {
          this.last = undefined;
          this.changed.fire();
        }
      }),
    );
  }

  /** Whether the settings choose the remote engine. */
  get active(): boolean {
    return this.settings().engine === 'openaiCompatible';
  }

  /** What the engine is set to; throws a LensError naming the setting when the URL or model is missing or bad. */
  describe(): RemoteDescription {
    const settings = this.settings();
    const address = this.address(settings);
    const format = resolveRemoteFormat(settings.promptFamily, settings.model, this.bundledConfig());
    return {
      model: settings.model,
      host: address.host,
      url: address.baseUrl,
      format,
      summaryMode: this.summaryMode(settings, format.format.family).kind,
      allowed: this.consent.isAllowed(address),
      plainHttpToOtherMachine: !address.secure && !address.loopback,
      ...(this.last ? { last: this.last } : {}),
    };
  }

  /** Identifies the remote model, so cached suggestions never cross engines; undefined when not usable. */
  modelKey(): string | undefined {
    const settings = this.settings();
    if (!settings.url || !settings.model) return undefined;
    return `remote|${settings.url}|${settings.model}|${settings.promptFamily}`;
  }

  /**
   * An inline completion from the server. The first one asks the user (without waiting for the
   * answer: a completion that waited would be stale) and is refused with REMOTE_NOT_ALLOWED.
   */
  async complete(params: CompleteParams, cancel: CancelSignal | undefined): Promise<DoneEvent> {
    const target = await this.target(this.settings(), false);
    const done = await remoteComplete(target, params, cancel);
    this.record(done);
    return done;
  }

  /** A summary for a doc comment; the command waits for the user's answer to the consent question. */
  async summarize(params: SummarizeParams, onText: (piece: string) => void, cancel: CancelSignal | undefined): Promise<DoneEvent> {
    const settings = this.settings();
    const target = await this.target(settings, true);
    const done = await remoteSummarize(target, this.summaryMode(settings, target.format.family), params, onText, cancel);
    this.record(done);
    return done;
  }

  /** Asks again for consent to the server now set (the Allow command, also after "Not Now"). */
  async askConsent(): Promise<boolean> {
    const allowed = await this.consent.ask(this.address(this.settings()), true);
    this.changed.fire();
    return allowed;
  }

  /** Records consent without asking (integration tests only, through the extension's API). */
  async allowForTest(): Promise<void> {
    await this.consent.allow(this.address(this.settings()));
    this.changed.fire();
  }

  /** Set Remote API Key: asks for the key of the server now set, masked; empty removes it. */
  async promptForApiKey(): Promise<void> {
    const address = this.address(this.settings());
    const key = await vscode.window.showInputBox({
      title: `API key for ${address.host}`,
      prompt: 'Kept in VS Code\'s secret storage for this server only. Leave empty to remove the stored key.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    await this.keys.set(address.origin, key.trim());
    this.log.appendLine(`[remote] API key for ${address.host} ${key.trim() ? 'stored' : 'removed'}`);
  }

  private async target(settings: RemoteSettings, waitForConsent: boolean): Promise<RemoteTarget> {
    const address = this.address(settings);
    if (!this.consent.isAllowed(address)) {
      const answer = this.consent.ask(address).then((allowed) => {
        this.changed.fire();
        return allowed;
      });
      if (!waitForConsent || !(await answer)) {
        throw new LensError('REMOTE_NOT_ALLOWED', `Nothing was sent: allow ${address.host} first (Attention Lens: Allow Sending Code to the Remote Server), or set attentionLens.remote.engine to local.`);
      }
    }
    const apiKey = await this.keys.get(address.origin);
    return {
      endpoint: { baseUrl: address.baseUrl, ...(apiKey ? { apiKey } : {}) },
      model: settings.model,
      format: resolveRemoteFormat(settings.promptFamily, settings.model, this.bundledConfig()).format,
      timeoutMs: settings.timeoutMs,
    };
  }

  private summaryMode(settings: RemoteSettings, family: FimFamily): RemoteSummaryMode {
    const chat = settings.docComments === 'chat' || (settings.docComments === 'auto' && INSTRUCT_NAME.test(settings.model));
    if (chat) return { kind: 'chat' };
    // lens-coder was trained on its own summary prompt; other base models continue a comment.
    const trained = family === 'lens' ? detectSummaryFormat(this.bundledConfig(), false) : { kind: 'comment' as const };
    return { kind: 'completion', format: trained.kind === 'chat' ? { kind: 'comment' } : trained };
  }

  private address(settings: RemoteSettings): ServerAddress {
    if (!settings.model) throw new LensError('REMOTE_BAD_URL', 'attentionLens.remote.model is empty: set it to the model name the server serves.');
    return parseServerAddress(settings.url);
  }

  private record(done: DoneEvent): void {
    if (done.finishReason === 'cancelled') return;
    this.last = { latencyMs: done.timings.totalMs, firstTextMs: done.timings.firstTokenMs, tokensPerSecond: done.timings.tokensPerSecond };
    this.changed.fire();
  }

  /** The bundled model's config.json (lens-coder's prompt templates); read once, it never changes. */
  private bundledConfig(): Record<string, unknown> {
    if (!this.lensConfig) {
      const file = path.join(this.context.extensionPath, 'models', BUNDLED_MODEL_NAME, 'config.json');
      this.lensConfig = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    }
    return this.lensConfig;
  }

  private settings(): RemoteSettings {
    return readVsCodeSettings('remote');
  }
}
