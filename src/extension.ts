/** Attention Lens: composes the services and registers them; holds no state of its own. */

import * as vscode from 'vscode';
import { modelInfoDetails, modelInfoLine, notReadyLine } from './host/modelInfoCommand';
import { notifyModelError } from './host/errorNotifier';
import { StatusBar } from './host/statusBar';
import { ModelService } from './inference/modelService';
import type { ModelState } from './inference/modelState';

/** What other extensions and the integration tests can see. */
export interface AttentionLensApi {
  getState(): ModelState;
  readonly onDidChangeState: vscode.Event<ModelState>;
  /** Waits for the current load attempt to finish. */
  whenLoaded(): Promise<void>;
}

/** Activates the extension: one model service, its status bar item and the commands. */
export function activate(context: vscode.ExtensionContext): AttentionLensApi {
  const output = vscode.window.createOutputChannel('Attention Lens');
  const models = new ModelService(context);
  context.subscriptions.push(output, models, new StatusBar(models.onDidChangeState, models.state));

  let lastError: string | undefined;
  context.subscriptions.push(
    models.onDidChangeState((state) => {
      if (state.state === 'error' && state.error && state.error !== lastError && state.errorCode !== 'WORKER_CRASHED') {
        output.appendLine(`[error] ${state.errorCode}: ${state.error}`);
        void notifyModelError(state.errorCode ?? 'INTERNAL', state.error);
      }
      if (state.state === 'ready' && state.info) output.appendLine(`[ready] ${modelInfoLine(state.info)}`);
      if (state.state === 'error' && state.errorCode === 'WORKER_CRASHED') output.appendLine(`[crash] ${state.error}`);
      lastError = state.state === 'error' ? state.error : undefined;
    }),
    vscode.commands.registerCommand('attentionLens.showModelInfo', () => {
      const state = models.state;
      if (!state.info || (state.state !== 'ready' && state.state !== 'busy')) {
        void vscode.window.showInformationMessage(notReadyLine(state));
        return;
      }
      output.appendLine('— Model info —');
      for (const line of modelInfoDetails(state.info)) output.appendLine(line);
      void vscode.window.showInformationMessage(modelInfoLine(state.info), 'Show Details').then((choice) => {
        if (choice) output.show(true);
      });
    }),
    vscode.commands.registerCommand('attentionLens.reloadModel', () => models.reload()),
  );

  void models.reload();
  return {
    getState: () => models.state,
    onDidChangeState: models.onDidChangeState,
    whenLoaded: () => models.whenLoaded(),
  };
}

/** Everything is disposed through `context.subscriptions`. */
export function deactivate(): void {}
