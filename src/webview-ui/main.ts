/** Entry of the webview bundle: renders what the host sends, and says when it is ready. */

import type { FromWebviewMessage, ToWebviewMessage } from '../common/webviewProtocol';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') ?? document.body;

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'status':
      root.textContent = message.text;
      return;
    case 'capture':
      root.textContent = `${message.capture.tokens.length} tokens`;
      return;
    case 'cursorToken':
    case 'requestExport':
      return;
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
});

vscode.postMessage({ type: 'ready' });
