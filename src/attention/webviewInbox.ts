/**
 * The host's door for messages from the attention panel's webview. Webview content is never
 * trusted (it draws the user's code, and a bug or an injected script could post anything), so
 * every message is validated, checked against the capture it refers to, and handed on at most
 * once per type per event-loop turn: a flood of `ready` or `needVectors` (each answered with
 * megabytes) costs one answer, not thousands. Nothing here throws, whatever arrives. No `vscode`
 * import, so the stress tier can fuzz it.
 */

import { parseFromWebview, type FromWebviewMessage } from '../common/webviewProtocol';

/** What the panel's messages may point into: the capture it shows now. */
export interface CaptureShape {
  readonly layers: number;
  readonly heads: number;
  readonly tokens: number;
}

/** What a valid message does on the host, one handler per message type. */
export type InboxHandlers = {
  readonly [K in FromWebviewMessage['type']]: (message: Extract<FromWebviewMessage, { type: K }>) => void;
};

/** How often an ignored message is logged in full before only counts are logged. */
const LOGGED_IN_FULL = 10;

/** See the module comment. */
export class WebviewInbox {
  /** The latest valid message of each type this turn, with its arrival order. */
  private readonly waiting = new Map<FromWebviewMessage['type'], { readonly seq: number; readonly message: FromWebviewMessage }>();
  private seq = 0;
  private flushScheduled: ReturnType<typeof setImmediate> | undefined;
  private ignored = 0;
  private coalesced = 0;

  constructor(
    private readonly handlers: InboxHandlers,
    /** The shape of the capture the panel shows, or undefined before the first. */
    private readonly shape: () => CaptureShape | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** Messages ignored as malformed or out of range, and valid ones folded into a later one of the same type. */
  get counts(): { readonly ignored: number; readonly coalesced: number } {
    return { ignored: this.ignored, coalesced: this.coalesced };
  }

  /** Takes one raw message from `onDidReceiveMessage`. Never throws. */
  receive(raw: unknown): void {
    let message: FromWebviewMessage | undefined;
    try {
      message = parseFromWebview(raw);
      if (message && !this.fitsCapture(message)) message = undefined;
    } catch {
      // A value no JSON could carry (a throwing getter, a revoked proxy) is simply malformed.
      message = undefined;
    }
    if (!message) {
      this.noteIgnored(raw);
      return;
    }
    if (this.waiting.has(message.type)) this.coalesced++;
    this.waiting.set(message.type, { seq: this.seq++, message });
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  /** Drops what waits: a closed panel's messages are answered by nobody. */
  drop(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    this.waiting.clear();
  }

  private flush(): void {
    this.flushScheduled = undefined;
    const batch = [...this.waiting.values()].sort((a, b) => a.seq - b.seq);
    this.waiting.clear();
    for (const { message } of batch) {
      try {
        this.dispatch(message);
      } catch (error) {
        // One handler's failure must not cost the others their message, nor reach VS Code's emitter.
        this.log(`[attention] handling the panel's '${message.type}' failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private dispatch(message: FromWebviewMessage): void {
    // A switch rather than a lookup keeps each handler's message type exact.
    switch (message.type) {
      case 'ready':
        return this.handlers.ready(message);
      case 'needVectors':
        return this.handlers.needVectors(message);
      case 'selectionChanged':
        return this.handlers.selectionChanged(message);
      case 'revealToken':
        return this.handlers.revealToken(message);
      case 'probe':
        return this.handlers.probe(message);
      case 'export':
        return this.handlers.export(message);
      case 'rendered':
        return this.handlers.rendered(message);
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  /** A token index or a selection must point into the capture shown (before any capture, the parse limits hold). */
  private fitsCapture(message: FromWebviewMessage): boolean {
    const shape = this.shape();
    if (!shape) return true;
    switch (message.type) {
      case 'revealToken':
        return message.index < shape.tokens;
      case 'probe': {
        const { position, maskedPositions, knockedOutHeads } = message.request;
        return (
          position < shape.tokens &&
          maskedPositions.every((p) => p < shape.tokens) &&
          knockedOutHeads.every((h) => h.layer < shape.layers && h.head < shape.heads)
        );
      }
      case 'selectionChanged': {
        const { layer, head, heads, queryToken } = message.selection;
        return layer < shape.layers && (head === 'mean' || head < shape.heads) && heads.every((h) => h < shape.heads) && queryToken < shape.tokens;
      }
      default:
        // `ready` may restore a selection from another model: the host clamps it when it sends the capture.
        return true;
    }
  }

  /** Logs the first few ignored messages, then only the count at each power of ten. */
  private noteIgnored(raw: unknown): void {
    this.ignored++;
    if (this.ignored <= LOGGED_IN_FULL) {
      this.log(`[attention] ignored an unexpected message from the panel: ${describe(raw)}`);
    } else if (Number.isInteger(Math.log10(this.ignored))) {
      this.log(`[attention] ignored ${this.ignored} unexpected messages from the panel so far`);
    }
  }
}

/** A short, safe description of any value: never stringifies it whole (it may be huge, cyclic or hold a BigInt). */
export function describe(raw: unknown): string {
  try {
    if (raw === null) return 'null';
    if (typeof raw === 'string') return `a string of ${raw.length} characters`;
    if (typeof raw !== 'object') return `a ${typeof raw}`;
    if (Array.isArray(raw)) return `an array of ${raw.length} items`;
    const type = (raw as { type?: unknown }).type;
    const keys = Object.keys(raw);
    const shown = keys.slice(0, 6).map((k) => JSON.stringify(k.slice(0, 40)));
    const typeText = typeof type === 'string' ? `type ${JSON.stringify(type.slice(0, 40))}` : `type of kind ${typeof type}`;
    return `an object (${typeText}; keys ${shown.join(', ')}${keys.length > shown.length ? `, … ${keys.length} in all` : ''})`;
  } catch {
    return 'a value that cannot be read';
  }
}
