/** Attention Lens: composes the services and registers them; holds no state of its own. */

import * as vscode from 'vscode';
import { AttentionController } from './attention/attentionController';
import { CompletionStatus } from './completion/completionStatus';
import { RecentOutputs } from './host/recentOutputs';
import { DocCommentCodeLensProvider } from './summarize/docCommentCodeLens';
import { DocCommentCommands } from './summarize/docCommentCommands';
import { completionSettingsFor, LensInlineCompletionProvider } from './completion/inlineCompletionProvider';
import { sectionOf } from './common/settings';
import { COMMANDS } from './host/commandIds';
import { registerModelCommands } from './host/modelCommands';
import { registerWalkthroughCommands } from './host/walkthroughCommands';
import { StatusBar } from './host/statusBar';
import { readVsCodeSettings, writeSettingInEffect } from './host/vscodeSettings';
import { ActiveEngine } from './host/activeEngine';
import { ModelService } from './inference/modelService';
import type { ModelState } from './inference/modelState';
import { RemoteEngine } from './remote/remoteEngine';
import { ApiKeyStore, HUB_TOKEN_PREFIX } from './remote/apiKeyStore';
import { DownloadNotification } from './host/downloadNotification';
import { hubTokenOrigin } from './host/hubTokenCommand';

/** What other extensions and the integration tests can see. */
export interface AttentionLensApi {
  getState(): ModelState;
  readonly onDidChangeState: vscode.Event<ModelState>;
  /** Waits for the current load attempt to finish. */
  whenLoaded(): Promise<void>;
  /** Kills the model worker as a crash would, now or after `afterTokens` streamed tokens (tests). */
  killWorkerForTest(afterTokens?: number): void;
  /** Which engine writes completions and doc comments now. */
  engineKind(): 'local' | 'remote';
  /** Allows the remote server now set without the question a user gets (tests). */
  allowRemoteServerForTest(): Promise<void>;
}

/**
 * What deactivate() waits for. VS Code calls deactivate() without a context, so this one value
 * lives at module level; activate() sets it and deactivate() takes it.
 */
let shutdownModel: (() => Promise<void>) | undefined;

/** Activates the extension: one model service, its status bar item and the commands. */
export function activate(context: vscode.ExtensionContext): AttentionLensApi {
  const output = vscode.window.createOutputChannel('Attention Lens');
  const hubTokens = new ApiKeyStore(context.secrets, HUB_TOKEN_PREFIX);
  const models = new ModelService(context, () => readVsCodeSettings('model'), (hubUrl) => hubTokens.get(hubTokenOrigin(hubUrl)));
  shutdownModel = () => models.shutdown();
  const remote = new RemoteEngine(context, output);
  const engine = new ActiveEngine(models, remote);
  context.subscriptions.push(output, hubTokens, models, remote, new StatusBar(models.onDidChangeState, models.state, remote), new DownloadNotification(models));

  registerModelCommands(context, models, remote, output, hubTokens);
  registerWalkthroughCommands(context);

  const recent = new RecentOutputs();
  registerCompletions(context, models, engine, output, recent);
  context.subscriptions.push(new AttentionController(context, models, recent, output, () => engine.producer()));
  registerDocComments(context, engine, output, recent);

  void models.reload();
  return {
    getState: () => models.state,
    onDidChangeState: models.onDidChangeState,
    whenLoaded: () => models.whenLoaded(),
    killWorkerForTest: (afterTokens) => models.killWorkerForTest(afterTokens),
    engineKind: () => engine.kind,
    allowRemoteServerForTest: () => remote.allowForTest(),
  };
}

/** Inline completions: the provider for every file, its status item and the toggle. */
function registerCompletions(context: vscode.ExtensionContext, models: ModelService, engine: ActiveEngine, output: vscode.OutputChannel, recent: RecentOutputs): void {
  const status = new CompletionStatus();
  const provider = new LensInlineCompletionProvider(engine, status, output, recent);
  const showEnabled = (): void => {
    const enabled = completionSettingsFor(vscode.window.activeTextEditor?.document).enabled;
    status.show(enabled ? { kind: 'idle' } : { kind: 'disabled', why: 'turned off' });
  };
  context.subscriptions.push(
    status,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, provider),
    models.onDidChangeState((state) => {
      if (state.state === 'loading') provider.reset();
    }),
    // Flips the value in effect for the editor's file, where it is set (a workspace or `[language]` value included).
    vscode.commands.registerCommand(COMMANDS.toggleCompletions, async () => {
      const document = vscode.window.activeTextEditor?.document;
      await writeSettingInEffect('completion', 'enabled', !completionSettingsFor(document).enabled, document);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(sectionOf('completion'))) showEnabled();
    }),
    vscode.window.onDidChangeActiveTextEditor(showEnabled),
  );
  showEnabled();
}

/** Doc comments: the two commands and the optional `Document` CodeLens. */
function registerDocComments(context: vscode.ExtensionContext, engine: ActiveEngine, output: vscode.OutputChannel, recent: RecentOutputs): void {
  const codeLens = new DocCommentCodeLensProvider();
  context.subscriptions.push(
    new DocCommentCommands(engine, recent, output),
    codeLens,
    vscode.languages.registerCodeLensProvider({ pattern: '**' }, codeLens),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(sectionOf('docComments'))) codeLens.refresh();
    }),
  );
}

/**
 * Resolves once the model worker has exited (bounded: see ModelService.shutdown), so that the
 * extension host does not end under a running ONNX Runtime session. Everything else, the model
 * service included, is disposed through `context.subscriptions`; that disposal stops the same worker
 * once, not twice.
 */
export function deactivate(): Promise<void> | undefined {
  const shutdown = shutdownModel;
  shutdownModel = undefined;
  return shutdown?.();
}
