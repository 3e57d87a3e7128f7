/** The webview's handle on VS Code: typed messages to the host and the per-panel state store. */

import type { FromWebviewMessage } from '../common/webviewProtocol';

/** What `acquireVsCodeApi()` gives a webview (only the parts used here). */
export interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Acquires the API once (VS Code throws on a second call). */
export function acquireApi(): VsCodeApi {
  return acquireVsCodeApi();
}
