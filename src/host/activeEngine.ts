/**
 * The engine that writes completions and doc comments now: the local model (ModelService), or the
 * remote server when attentionLens.remote.engine says so (read at each request, never cached).
 * The attention panel does not come here: it always runs the local model.
 */

import type { CompleteParams, DoneEvent, SummarizeParams } from '../common/protocol';
import type { CancelSignal } from '../inference/inferenceClient';
import type { ModelService } from '../inference/modelService';
import type { RemoteEngine } from '../remote/remoteEngine';

/** Who wrote a suggestion or summary, so the attention panel never passes local attention off as the server model's. */
export type Producer = { readonly kind: 'local' } | { readonly kind: 'remote'; readonly model: string; readonly host: string };

/** See the module comment. */
export class ActiveEngine {
  constructor(
    private readonly local: ModelService,
    private readonly remote: RemoteEngine,
  ) {}

  /** Which engine serves requests now. */
  get kind(): Producer['kind'] {
    return this.remote.active ? 'remote' : 'local';
  }

  /** The engine serving now, as a producer of text; a remote engine that is not set up yet reads as its settings say. */
  producer(): Producer {
    if (!this.remote.active) return { kind: 'local' };
    try {
      const description = this.remote.describe();
      return { kind: 'remote', model: description.model, host: description.host };
    } catch {
      return { kind: 'remote', model: '?', host: '?' };
    }
  }

  /** Identifies the model serving now (for the suggestion cache); undefined when none can serve. */
  modelKey(): string | undefined {
    if (this.remote.active) return this.remote.modelKey();
    const state = this.local.state;
    if (state.state !== 'ready' || !state.info) return undefined;
    return `${state.info.location}|${state.info.dtype}|${state.info.backend}`;
  }

  /** An inline completion from the engine serving now. */
  complete(params: CompleteParams, cancel: CancelSignal | undefined, localTimeoutMs: number): Promise<DoneEvent> {
    if (this.remote.active) return this.remote.complete(params, cancel);
    return this.local.complete(params, {}, cancel, localTimeoutMs);
  }

  /** A doc-comment summary from the engine serving now, its text streamed to `onText`. */
  summarize(params: SummarizeParams, onText: (piece: string) => void, cancel: CancelSignal | undefined): Promise<DoneEvent> {
    if (this.remote.active) return this.remote.summarize(params, onText, cancel);
    return this.local.summarize(params, { onToken: (_id, text) => onText(text) }, cancel);
  }
}
