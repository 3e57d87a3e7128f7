/** The status bar item: model, backend and state; a click shows the model info. */

import * as vscode from 'vscode';
import type { ModelState } from '../inference/modelState';
import { Disposable } from '../common/disposable';
import { COMMANDS } from './commandIds';
import { statusBarText, statusBarTooltip } from './statusBarText';

const ICONS: Readonly<Record<ModelState['state'], string>> = {
  idle: '$(circle-outline)',
  loading: '$(loading~spin)',
  ready: '$(eye)',
  error: '$(error)',
};

/** Shows the model service's state in the status bar. */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('attentionLens.status', vscode.StatusBarAlignment.Right, 100));

  constructor(onDidChangeState: vscode.Event<ModelState>, initial: ModelState) {
    super();
    this.item.name = 'Attention Lens';
    this.item.command = COMMANDS.showModelInfo;
    this.register(onDidChangeState((state) => this.show(state)));
    this.show(initial);
    this.item.show();
  }

  private show(state: ModelState): void {
    this.item.text = `${ICONS[state.state]} ${statusBarText(state)}`;
    const tooltip = statusBarTooltip(state);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: tooltip.split('\n')[0], role: 'button' };
    this.item.backgroundColor = state.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
