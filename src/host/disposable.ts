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

  /** Disposes everything registered; one that throws does not keep the others alive (their errors are thrown together at the end). */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const errors: unknown[] = [];
    while (this.disposables.length) {
      try {
        this.disposables.pop()?.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposables failed to dispose`);
  }
}
