/** Tells the user about a model error once, with a button that does something about it. */

import * as vscode from 'vscode';
import { actionFor, type ErrorCode } from '../common/errors';
import { SETTINGS_SECTION } from '../common/settings';

const BUTTONS = {
  openSettings: 'Open Settings',
  allowDownloads: 'Allow Downloads',
  reload: 'Reload Model',
} as const;

/** Shows `message` with the action that fits `code`, and performs it when clicked. */
export async function notifyModelError(code: ErrorCode, message: string): Promise<void> {
  const action = actionFor(code);
  const button = action === 'none' ? undefined : BUTTONS[action];
  const choice = await (button
    ? vscode.window.showErrorMessage(`Attention Lens: ${message}`, button)
    : vscode.window.showErrorMessage(`Attention Lens: ${message}`));
  if (!choice) return;
  switch (action) {
    case 'openSettings':
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.model`);
      return;
    case 'allowDownloads':
      await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('allowDownloads', true, vscode.ConfigurationTarget.Global);
      return;
    case 'reload':
      await vscode.commands.executeCommand('attentionLens.reloadModel');
      return;
    case 'none':
      return;
  }
}
