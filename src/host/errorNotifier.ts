/** Tells the user about a model error once, with a button that does something about it. */

import * as vscode from 'vscode';
import { actionFor, type ErrorAction, type ErrorCode } from '../common/errors';
import { parseHubUrl, SETTINGS_SECTION } from '../common/settings';
import { COMMANDS } from './commandIds';
import { readVsCodeSettings, writeUserSetting } from './vscodeSettings';

const BUTTONS = {
  openSettings: 'Open Settings',
  allowDownloads: 'Allow Downloads',
  reload: 'Reload Model',
  setApiKey: 'Set API Key',
  setHubToken: 'Set Hugging Face Token',
  allowRemote: 'Allow the Server',
} as const;

/** Shows `message` with the action that fits `code`, and performs it when clicked. */
export async function notifyModelError(code: ErrorCode, message: string): Promise<void> {
  const action = actionFor(code);
  const button = buttonLabel(action);
  const choice = await (button
    ? vscode.window.showErrorMessage(`Attention Lens: ${message}`, button)
    : vscode.window.showErrorMessage(`Attention Lens: ${message}`));
  if (!choice) return;
  switch (action) {
    case 'openSettings':
      await vscode.commands.executeCommand('workbench.action.openSettings', settingToOpen(code, message));
      return;
    case 'allowDownloads':
      await writeUserSetting('model', 'allowDownloads', true);
      return;
    case 'reload':
      await vscode.commands.executeCommand(COMMANDS.reloadModel);
      return;
    case 'setApiKey':
      await vscode.commands.executeCommand(COMMANDS.setRemoteApiKey);
      return;
    case 'setHubToken':
      await vscode.commands.executeCommand(COMMANDS.setHubToken);
      return;
    case 'allowRemote':
      await vscode.commands.executeCommand(COMMANDS.allowRemoteServer);
      return;
    case 'none':
      return;
  }
}

/**
 * The button for `action`. Allowing downloads names the host the click lets Attention Lens
 * contact (read now: it is the host the next load uses), so consent is given to a named party.
 */
function buttonLabel(action: ErrorAction): string | undefined {
  if (action === 'none') return undefined;
  if (action !== 'allowDownloads') return BUTTONS[action];
  try {
    return `${BUTTONS.allowDownloads} from ${parseHubUrl(readVsCodeSettings('model').hubUrl).host}`;
  } catch {
    return BUTTONS.allowDownloads; // a bad hubUrl is reported before any download error, so this is rare
  }
}

/** The setting a message names (e.g. `attentionLens.hubUrl`), else the model setting most errors are about. */
function settingToOpen(code: ErrorCode, message: string): string {
  const named = new RegExp(`\\b${SETTINGS_SECTION}\\.(remote\\.\\w+|hubUrl|model|device|dtype)\\b`).exec(message);
  if (named) return named[0];
  if (code === 'REMOTE_MODEL_NOT_FOUND') return `${SETTINGS_SECTION}.remote.model`;
  if (code.startsWith('REMOTE_')) return `${SETTINGS_SECTION}.remote.url`;
  return `${SETTINGS_SECTION}.model`;
}
