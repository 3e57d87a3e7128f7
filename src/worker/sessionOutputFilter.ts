/**
 * Makes the model's ONNX session fetch only the outputs that the current request uses.
 *
 * transformers.js runs `session.run(feeds)`, which copies out every graph output. The bundled
 * model also outputs attention taps (probabilities, Q, K, V per layer); generation needs only the
 * logits and the KV cache, so the taps are fetched only while a request asks for them.
 */

import type { PreTrainedModel } from '@huggingface/transformers';

interface RunnableSession {
  readonly outputNames: readonly string[];
  run(feeds: unknown, fetches?: unknown, options?: unknown): Promise<Record<string, unknown>>;
}

/** True for the outputs autoregressive generation needs. */
export function isGenerationOutput(name: string): boolean {
  return name === 'logits' || name.startsWith('present');
}

/** Wraps a model's decoder session; see the module comment. */
export class SessionOutputFilter {
  private extra: ReadonlySet<string> = new Set();

  private constructor(private readonly session: RunnableSession | undefined) {}

  /** Installs the filter on the model's main session (no-op for models without one). */
  static install(model: PreTrainedModel): SessionOutputFilter {
    const sessions = (model as unknown as { sessions?: Record<string, RunnableSession> }).sessions;
    const session = sessions?.model ?? sessions?.decoder_model_merged;
    const filter = new SessionOutputFilter(session);
    if (session) {
      const run = session.run.bind(session);
      session.run = (feeds, _fetches, options) => run(feeds, filter.fetchNames(), options);
    }
    return filter;
  }

  /** Every output name the graph offers. */
  get allOutputs(): readonly string[] {
    return this.session?.outputNames ?? [];
  }

  /** The outputs fetched now: generation outputs plus any requested taps. */
  fetchNames(): string[] {
    return this.allOutputs.filter((name) => isGenerationOutput(name) || this.extra.has(name));
  }

  /** Fetches `names` as well while `work` runs. */
  async withExtraOutputs<T>(names: readonly string[], work: () => Promise<T>): Promise<T> {
    this.extra = new Set(names);
    try {
      return await work();
    } finally {
      this.extra = new Set();
    }
  }
}
