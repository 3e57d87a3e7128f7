/** Messages between the extension host and the Attention Lens webview. */

/** Host → webview. */
export type ToWebviewMessage = { readonly type: 'modelState'; readonly text: string };

/** Webview → host. */
export type FromWebviewMessage = { readonly type: 'ready' };

/** Validates a message from the webview at run time (webview content is never trusted). */
export function parseFromWebview(message: unknown): FromWebviewMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return type === 'ready' ? { type } : undefined;
}
