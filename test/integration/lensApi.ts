// The extension's public API as the integration tests see it (the contract with src/extension),
// and a wait on its state that ends on the first state a test accepts.
import * as vscode from 'vscode';

export const EXTENSION_ID = 'attention-lens.attention-lens';

/** What the extension's API reports. */
export interface LensState {
  readonly state: 'idle' | 'loading' | 'ready' | 'error';
  readonly modelName?: string;
  readonly backend?: 'cpu' | 'wasm' | 'webgpu';
  readonly info?: { readonly backendReason: string; readonly backendFallback?: boolean; readonly dtype: string; readonly location?: string };
  readonly error?: string;
  readonly errorCode?: string;
}

/** The object `activate()` returns. */
export interface LensApi {
  getState(): LensState;
  readonly onDidChangeState: vscode.Event<LensState>;
  /** Kills the model worker as a crash would, now or after `afterTokens` streamed tokens. */
  killWorkerForTest(afterTokens?: number): void;
  /** Which engine writes completions and doc comments now. */
  engineKind(): 'local' | 'remote';
}

/** The activated extension's API. */
export async function activateLens(): Promise<LensApi> {
  const extension = vscode.extensions.getExtension<LensApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  return extension.activate();
}

/**
 * Resolves with the first state (current or later) that satisfies `accept`. Rejects on the
 * first `error` state that `accept` does not take, or after `timeoutMs`, naming the last state.
 */
export function waitForState(api: LensApi, accept: (s: LensState) => boolean, timeoutMs: number, what: string): Promise<LensState> {
  return new Promise((resolve, reject) => {
    let last = api.getState();
    const check = (s: LensState): boolean => {
      last = s;
      if (accept(s)) {
        finish();
        resolve(s);
        return true;
      }
      if (s.state === 'error') {
        finish();
        reject(new Error(`${what}: the extension reported an error: ${s.error ?? '(no message)'}`));
        return true;
      }
      return false;
    };
    const subscription = api.onDidChangeState(check);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${what}: not reached within ${timeoutMs / 1000} s; last state ${JSON.stringify(last)}`));
    }, timeoutMs);
    function finish(): void {
      clearTimeout(timer);
      subscription.dispose();
    }
    check(api.getState());
  });
}

/** Resolves once the model is ready again; the crash's own error state is only the way there. */
export function readyAfterRestart(api: LensApi): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const s = api.getState();
      if (s.state === 'ready') finish(() => resolve(s));
      else if (s.state === 'error' && s.errorCode !== 'WORKER_CRASHED') finish(() => reject(new Error(`no restart: ${s.error ?? ''}`)));
    };
    const subscription = api.onDidChangeState(check);
    const timer = setTimeout(() => finish(() => reject(new Error(`not ready again within 120 s: ${JSON.stringify(api.getState())}`))), 120_000);
    function finish(settle: () => void): void {
      clearTimeout(timer);
      subscription.dispose();
      settle();
    }
    check();
  });
}
