/** The status bar item: model, backend and state; a click shows the model info. */

import * as vscode from 'vscode';
import type { ModelState } from '../inference/modelState';
import { Disposable } from './disposable';

const ICONS: Readonly<Record<ModelState['state'], string>> = {
  idle: '$(circle-outline)',
  loading: '$(loading~spin)',
  ready: '$(eye)',
  busy: '$(sync~spin)',
  error: '$(error)',
};

/** Words for a state, as the status bar shows them. */
export function stateLabel(state: ModelState): string {
  switch (state.state) {
    case 'loading':
      return state.progress !== undefined && state.progress > 0 ? `loading ${Math.round(state.progress * 100)}%` : 'loading…';
    case 'idle':
    case 'ready':
    case 'busy':
    case 'error':
      return state.state;
    default: {
      const unreachable: never = state.state;
      return unreachable;
    }
  }
}

/** Shows the model service's state in the status bar. */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('attentionLens.status', vscode.StatusBarAlignment.Right, 100));

  constructor(onDidChangeState: vscode.Event<ModelState>, initial: ModelState) {
    super();
    this.item.name = 'Attention Lens';
    this.item.command = 'attentionLens.showModelInfo';
    this.register(onDidChangeState((state) => this.show(state)));
    this.show(initial);
    this.item.show();
  }

  private show(state: ModelState): void {
    const model = state.modelName ?? 'Attention Lens';
    const backend = state.backend ? ` · ${state.backend}` : '';
    const label = stateLabel(state);
    this.item.text = `${ICONS[state.state]} ${model}${backend} · ${label}`;
    const summary = `Attention Lens: ${model}${state.backend ? ` on ${state.backend}` : ''} — ${label}`;
    this.item.tooltip = state.error ? `${summary}\n${state.error}` : summary;
    this.item.accessibilityInformation = { label: summary, role: 'button' };
    this.item.backgroundColor = state.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
