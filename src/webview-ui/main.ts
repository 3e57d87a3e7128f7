/** Entry of the webview bundle: starts the panel's controller, feeds it the host's messages, says it is ready. */

import type { ToWebviewMessage } from '../common/webviewProtocol';
import { AttentionApp } from './attentionApp';
import { acquireApi } from './vscodeApi';

const api = acquireApi();
const app = new AttentionApp(document.getElementById('root') ?? document.body, api);

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  // Only the host posts to this frame; anything without a type is not ours.
  if (typeof event.data !== 'object' || event.data === null || typeof event.data.type !== 'string') return;
  app.receive(event.data);
});

api.postMessage({ type: 'ready', selection: app.currentSelection });
