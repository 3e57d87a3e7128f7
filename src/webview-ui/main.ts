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
    case 'modelState':
      root.textContent = message.text;
      vscode.setState({ text: message.text });
      return;
    default: {
      const unreachable: never = message.type;
      return unreachable;
    }
  }
});

const saved = vscode.getState() as { text?: string } | undefined;
if (saved?.text) root.textContent = saved.text;
vscode.postMessage({ type: 'ready' });
