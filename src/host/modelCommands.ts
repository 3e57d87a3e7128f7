/** The model's commands (Show Model Info, Reload Model, Show Log) and its error notifications. */

import * as vscode from 'vscode';
import type { ModelService } from '../inference/modelService';
import { COMMANDS } from './commandIds';
import { notifyModelError } from './errorNotifier';
import { modelInfoDetails, modelInfoLine, notReadyLine } from './modelInfoCommand';

/** Registers the commands and tells the user about load errors once each, with an action. */
export function registerModelCommands(context: vscode.ExtensionContext, models: ModelService, output: vscode.OutputChannel): void {
  let lastError: string | undefined;
  // Called from activate(): the first `ready` gives the cold start as a user feels it.
  const activatedAt = performance.now();
  let coldStartLogged = false;
  let lastLoggedInfo: unknown;
  context.subscriptions.push(
    models.onDidChangeState((state) => {
      // A failed load may leave the previous model serving (a ready state with an error): told all the same.
      if (state.error && state.error !== lastError && state.errorCode !== 'WORKER_CRASHED') {
        output.appendLine(`[error] ${state.errorCode}: ${state.error}`);
        void notifyModelError(state.errorCode ?? 'INTERNAL', state.error);
      }
      // Log each loaded model once, not again for each ready state that keeps it (a failed load leaves it serving).
      if (state.state === 'ready' && state.info && state.info !== lastLoggedInfo) {
        lastLoggedInfo = state.info;
        const coldStart = coldStartLogged ? '' : ` (activate → ready ${Math.round(performance.now() - activatedAt)} ms)`;
        coldStartLogged = true;
        output.appendLine(`[ready] ${modelInfoLine(state.info)}${coldStart}`);
      }
      if (state.state === 'error' && state.errorCode === 'WORKER_CRASHED') output.appendLine(`[crash] ${state.error}`);
      lastError = state.error;
    }),
    vscode.commands.registerCommand(COMMANDS.showModelInfo, () => {
      const state = models.state;
      if (!state.info || state.state !== 'ready') {
        void vscode.window.showInformationMessage(notReadyLine(state));
        return;
      }
      output.appendLine('— Model info —');
      for (const line of modelInfoDetails(state.info)) output.appendLine(line);
      void vscode.window.showInformationMessage(modelInfoLine(state.info), 'Show Details').then((choice) => {
        if (choice) output.show(true);
      });
    }),
    vscode.commands.registerCommand(COMMANDS.reloadModel, () => models.reload()),
    vscode.commands.registerCommand(COMMANDS.showLog, () => output.show(true)),
  );
}
