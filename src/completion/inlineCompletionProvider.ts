/** Adapts VS Code's inline completion API to the completion pipeline, with debounce and cancellation. */

import * as path from 'path';
import * as vscode from 'vscode';
import { LensError } from '../common/errors';
import type { CompletionSettings } from '../common/settings';
import type { ActiveEngine } from '../host/activeEngine';
import { notifyModelError } from '../host/errorNotifier';
import { AdaptiveDebounce } from './adaptiveDebounce';
import { CompletionPipeline } from './completionPipeline';
import type { CompletionActivity, CompletionStatus } from './completionStatus';
import { isSecretFile } from '../common/secretFiles';
import type { RecentOutputs } from '../host/recentOutputs';
import { readVsCodeSettings } from '../host/vscodeSettings';

/** Characters around the cursor sent to the worker at most; the token budget cuts further. */
const PREFIX_WINDOW_CHARS = 24_000;
const SUFFIX_WINDOW_CHARS = 8_000;

/** Completion settings for a document (the `enabled` flag may be overridden per language). */
export function completionSettingsFor(document?: vscode.TextDocument): CompletionSettings {
  return readVsCodeSettings('completion', document);
}

function sleep(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  return new Promise((resolve) => {
    if (token.isCancellationRequested) return resolve(false);
    const listener = token.onCancellationRequested(() => {
      clearTimeout(timer);
      listener.dispose();
      resolve(false);
    });
    const timer = setTimeout(() => {
      listener.dispose();
      resolve(true);
    }, ms);
  });
}

/** Ghost-text suggestions from the engine serving now (the local model, or a remote server). */
export class LensInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  private readonly debounce = new AdaptiveDebounce();
  private readonly pipeline: CompletionPipeline;
  private lastDocument: vscode.TextDocument | undefined;
  /** Only the newest request may set the status: an older one ends after a newer one began. */
  private latestRequest = 0;
  /** The last remote error the user was told about, so a dead server is reported once, not per keystroke. */
  private lastRemoteError: string | undefined;

  constructor(
    private readonly engine: ActiveEngine,
    private readonly status: CompletionStatus,
    private readonly log: vscode.OutputChannel,
    private readonly recent: RecentOutputs,
  ) {
    this.pipeline = new CompletionPipeline(
      {
        modelKey: () => this.engine.modelKey(),
        complete: (params, cancel, timeoutMs) =>
          this.engine.complete(params, cancel, timeoutMs).then((done) => {
            // A request cancelled before it reached the worker has no tokens and no timings.
            if (done.finishReason === 'cancelled' && done.timings.totalMs > 0) {
              this.log.appendLine(`[completion] request ${done.id} cancelled by the worker after ${done.tokenIds.length} tokens`);
            }
            return done;
          }),
      },
      () => completionSettingsFor(this.lastDocument),
    );
  }

  /** Forgets cached suggestions (the model changed). */
  reset(): void {
    this.pipeline.clear();
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const settings = completionSettingsFor(document);
    if (!settings.enabled) {
      this.status.show({ kind: 'disabled', why: `off for ${document.languageId}` });
      return undefined;
    }
    if (isSecretFile(path.basename(document.fileName))) {
      this.status.show({ kind: 'disabled', why: 'never in secret files' });
      return undefined;
    }
    if (!this.engine.modelKey()) return undefined;
    this.lastDocument = document;

    if (context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic) {
      this.debounce.recordKeystroke(Date.now());
      if (!(await sleep(this.debounce.delayMs(settings.debounceMs), token))) return undefined;
    }

    // Only the windows around the cursor are read: the whole text of a 5 MB file, joined on every
    // request, would hold the editor for milliseconds per keystroke for nothing.
    const offset = document.offsetAt(position);
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : 4;
    const cursor = {
      prefix: document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - PREFIX_WINDOW_CHARS)), position)),
      suffix: document.getText(new vscode.Range(position, document.positionAt(offset + SUFFIX_WINDOW_CHARS))),
      tabSize,
    };

    const started = Date.now();
    const request = ++this.latestRequest;
    const showStatus = (activity: CompletionActivity): void => {
      if (request === this.latestRequest) this.status.show(activity);
    };
    showStatus({ kind: 'thinking' });
    try {
      const suggestion = await this.pipeline.suggest(cursor, token);
      if (suggestion?.done) this.debounce.recordLatency(Date.now() - started);
      showStatus({ kind: 'idle', tokensPerSecond: suggestion?.done?.timings.tokensPerSecond || undefined });
      if (!suggestion || token.isCancellationRequested) return undefined;
      // What Explain Last Completion shows: the code before the cursor and the suggestion.
      this.recent.lastCompletion = { context: cursor.prefix.slice(-1200), output: suggestion.text, fileName: path.basename(document.fileName), producer: this.engine.producer() };
      if (suggestion.source === 'model') this.lastRemoteError = undefined;
      return [new vscode.InlineCompletionItem(suggestion.text, new vscode.Range(position, position))];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof LensError && error.code === 'TIMEOUT') {
        showStatus({ kind: 'idle' });
        this.log.appendLine(`[completion] stopped at the time limit (${settings.timeoutMs} ms)`);
        return undefined;
      }
      if (error instanceof LensError && error.code === 'REMOTE_NOT_ALLOWED') {
        showStatus({ kind: 'disabled', why: 'waiting for permission to use the server' });
        return undefined;
      }
      showStatus({ kind: 'error', message });
      this.log.appendLine(`[completion] ${message}`);
      if (error instanceof LensError && error.code.startsWith('REMOTE_') && message !== this.lastRemoteError) {
        this.lastRemoteError = message;
        void notifyModelError(error.code, message);
      }
      return undefined;
    }
  }
}
