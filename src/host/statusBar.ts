/** The status bar item: model, backend and state; a click opens Select Model (whose info button shows the model info). */

import * as vscode from 'vscode';
import type { ModelState } from '../inference/modelState';
import { Disposable } from '../common/disposable';
import type { RemoteEngine } from '../remote/remoteEngine';
import { COMMANDS } from './commandIds';
import { remoteStatusText, remoteStatusTooltip, statusBarText, statusBarTooltip } from './statusBarText';

const ICONS: Readonly<Record<ModelState['state'], string>> = {
  idle: '$(circle-outline)',
  loading: '$(loading~spin)',
  ready: '$(eye)',
  error: '$(error)',
};

/** Shows the model service's state in the status bar, or the remote engine when it serves. */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('attentionLens.status', vscode.StatusBarAlignment.Right, 100));
  private state: ModelState;

  constructor(onDidChangeState: vscode.Event<ModelState>, initial: ModelState, private readonly remote: RemoteEngine) {
    super();
    this.item.name = 'Attention Lens';
    this.item.command = COMMANDS.selectModel;
    this.state = initial;
    this.register(onDidChangeState((state) => {
      this.state = state;
      this.refresh();
    }));
    this.register(remote.onDidChange(() => this.refresh()));
    this.refresh();
    this.item.show();
  }

  private refresh(): void {
    if (!this.remote.active) {
      this.show(this.state);
      return;
    }
    try {
      const description = this.remote.describe();
      this.item.text = `$(cloud) ${remoteStatusText(description)}`;
      this.item.tooltip = remoteStatusTooltip(description, this.state);
      this.item.backgroundColor = description.allowed ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    } catch (error) {
      this.item.text = '$(cloud) remote · not set up';
      this.item.tooltip = `Attention Lens: ${error instanceof Error ? error.message : String(error)}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    }
    this.item.accessibilityInformation = { label: String(this.item.tooltip).split('\n')[0], role: 'button' };
  }

  private show(state: ModelState): void {
    this.item.text = `${ICONS[state.state]} ${statusBarText(state)}`;
    const tooltip = statusBarTooltip(state);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: tooltip.split('\n')[0], role: 'button' };
    this.item.backgroundColor = state.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
