/**
 * A base class that disposes what it registered, in reverse order. vscode-free (VS Code's
 * Disposable is anything with `dispose()`), so every layer of the host may import it.
 */

/** Anything that releases what it holds when disposed (VS Code's Disposable has this shape). */
export interface DisposableLike {
  dispose(): void;
}

/** See the module comment; subclasses register what they own and are disposed once. */
export abstract class Disposable implements DisposableLike {
  private readonly disposables: DisposableLike[] = [];
  private isDisposed = false;

  protected get disposed(): boolean {
    return this.isDisposed;
  }

  /** Keeps `value` until this object is disposed; disposes it at once when this one already is. */
  protected register<T extends DisposableLike>(value: T): T {
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
