/** The model's commands (Select Model, Show Model Info, Reload Model, Show Log) and its error notifications. */

import * as vscode from 'vscode';
import { LensError } from '../common/errors';
import type { ModelState } from '../inference/modelState';
import type { ModelService } from '../inference/modelService';
import type { RemoteEngine } from '../remote/remoteEngine';
import { COMMANDS } from './commandIds';
import { notifyModelError } from './errorNotifier';
import { modelInfoDetails, modelInfoLine, notReadyLine, remoteInfoDetails, remoteInfoLine } from './modelInfoCommand';
import { selectModel } from './selectModelCommand';
import { deleteDownloadedModels } from './deleteModelsCommand';
import { setHubToken } from './hubTokenCommand';
import type { ApiKeyStore } from '../remote/apiKeyStore';

/** Registers the commands and tells the user about load errors once each, with an action. */
export function registerModelCommands(context: vscode.ExtensionContext, models: ModelService, remote: RemoteEngine, output: vscode.OutputChannel, hubTokens: ApiKeyStore): void {
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
        // A cancelled download is the user's own doing: its notification says what happens next.
        if (state.errorCode !== 'DOWNLOAD_CANCELLED') void notifyModelError(state.errorCode ?? 'INTERNAL', state.error);
      }
      // Log each loaded model once, not again for each ready state that keeps it (a failed load leaves it serving).
      if (state.state === 'ready' && state.info && state.info !== lastLoggedInfo) {
        lastLoggedInfo = state.info;
        const coldStart = coldStartLogged ? '' : ` (activate → ready ${Math.round(performance.now() - activatedAt)} ms)`;
        coldStartLogged = true;
        output.appendLine(`[ready] ${modelInfoLine(state.info)}${coldStart}`);
        if (state.info.memoryWarning) {
          output.appendLine(`[memory] ${state.info.memoryWarning}`);
          void vscode.window.showWarningMessage(`Attention Lens: ${state.info.memoryWarning}`);
        }
      }
      if (state.state === 'error' && state.errorCode === 'WORKER_CRASHED') output.appendLine(`[crash] ${state.error}`);
      lastError = state.error;
    }),
    vscode.commands.registerCommand(COMMANDS.showModelInfo, () => {
      const state = models.state;
      if (remote.active) {
        showRemoteInfo(remote, state, output);
        return;
      }
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
    vscode.commands.registerCommand(COMMANDS.selectModel, () => selectModel(context, models)),
    vscode.commands.registerCommand(COMMANDS.deleteDownloadedModels, () => deleteDownloadedModels(context)),
    vscode.commands.registerCommand(COMMANDS.reloadModel, () => models.reload()),
    vscode.commands.registerCommand(COMMANDS.setRemoteApiKey, () => remote.promptForApiKey().catch((error: unknown) => reportCommandError(error))),
    vscode.commands.registerCommand(COMMANDS.allowRemoteServer, () => remote.askConsent().catch((error: unknown) => reportCommandError(error))),
    vscode.commands.registerCommand(COMMANDS.showLog, () => output.show(true)),
    vscode.commands.registerCommand(COMMANDS.setHubToken, () => setHubToken(hubTokens, models, output).catch((error: unknown) => reportCommandError(error))),
  );
}

function showRemoteInfo(remote: RemoteEngine, local: ModelState, output: vscode.OutputChannel): void {
  let description;
  try {
    description = remote.describe();
  } catch (error) {
    reportCommandError(error);
    return;
  }
  output.appendLine('— Model info —');
  for (const line of remoteInfoDetails(description, local)) output.appendLine(line);
  void vscode.window.showInformationMessage(remoteInfoLine(description), 'Show Details').then((choice) => {
    if (choice) output.show(true);
  });
}

/** A remote engine that is not set up: the message names the setting, the button opens it. */
function reportCommandError(error: unknown): void {
  if (error instanceof LensError) void notifyModelError(error.code, error.message);
  else void vscode.window.showErrorMessage(`Attention Lens: ${error instanceof Error ? error.message : String(error)}`);
}
