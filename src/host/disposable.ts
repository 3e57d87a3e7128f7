/** A base class that disposes what it registered, in reverse order. */

import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private isDisposed = false;

  protected get disposed(): boolean {
    return this.isDisposed;
  }

  /** Keeps `value` until this object is disposed. */
  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.isDisposed) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
