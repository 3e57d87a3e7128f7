/** The completions' status bar item: idle, thinking, disabled or error, and the last request's speed. Click toggles. */

import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { COMMANDS } from '../host/commandIds';

export type CompletionActivity =
  | { readonly kind: 'idle'; readonly tokensPerSecond?: number }
  | { readonly kind: 'thinking' }
  | { readonly kind: 'disabled'; readonly why: string }
  | { readonly kind: 'error'; readonly message: string };

/** See the module comment. */
export class CompletionStatus extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('attentionLens.completionStatus', vscode.StatusBarAlignment.Right, 99));
  private lastSpeed: number | undefined;

  constructor() {
    super();
    this.item.name = 'Attention Lens Completions';
    this.item.command = COMMANDS.toggleCompletions;
    this.show({ kind: 'idle' });
    this.item.show();
  }

  /** Shows what completions are doing now. */
  show(activity: CompletionActivity): void {
    if (activity.kind === 'idle' && activity.tokensPerSecond !== undefined) this.lastSpeed = activity.tokensPerSecond;
    const speed = this.lastSpeed !== undefined ? ` ${Math.round(this.lastSpeed)} tok/s` : '';
    let text: string;
    let tooltip: string;
    switch (activity.kind) {
      case 'idle':
        text = `$(sparkle)${speed}`;
        tooltip = `Attention Lens completions: idle${speed ? ` — last request${speed}` : ''}. Click to turn off.`;
        break;
      case 'thinking':
        text = `$(loading~spin)${speed}`;
        tooltip = 'Attention Lens completions: thinking…';
        break;
      case 'disabled':
        text = '$(circle-slash) completions';
        tooltip = `Attention Lens completions: disabled (${activity.why}). Click to turn on.`;
        break;
      case 'error':
        text = '$(warning) completions';
        tooltip = `Attention Lens completions: error — ${activity.message}`;
        break;
      default: {
        const unreachable: never = activity;
        return unreachable;
      }
    }
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: tooltip, role: 'button' };
  }
}
