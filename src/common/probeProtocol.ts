/**
 * "What if" and the logit lens: questions about one position of a captured text that take another
 * forward pass (the attention capture itself needs none). The panel asks (PanelProbeRequest), the
 * host adds the capture's token ids and asks the worker (ProbeParams), the worker answers
 * (ProbeResult) from the model's real forward passes.
 */

/** The longest continuation a probe writes (it stops earlier at the end of a line). */
export const MAX_PROBE_CONTINUATION_TOKENS = 16;

/** One head, by layer and index. */
export interface HeadRef {
  readonly layer: number;
  readonly head: number;
}

/** What the panel asks about the capture it shows. */
export interface PanelProbeRequest {
  /** The query position: predictions are those made after reading token `position`. */
  readonly position: number;
  /** Read the prediction after the embeddings and after every layer (logit lens). */
  readonly lens: boolean;
  /** Tokens hidden from attention (attention mask 0 at their position; every position keeps its number). */
  readonly maskedPositions: readonly number[];
  /** Heads whose output is zeroed (their attention result times 0 before the output projection). */
  readonly knockedOutHeads: readonly HeadRef[];
  /** Also write a greedy continuation from `position`, with and without the changes. */
  readonly continuation: boolean;
}

/** What the host asks the worker: the panel's request on the capture's own tokens. */
export interface ProbeParams extends PanelProbeRequest {
  readonly tokenIds: readonly number[];
}

/** The k most likely next tokens, most likely first. */
export interface TopTokens {
  readonly ids: readonly number[];
  readonly probs: readonly number[];
  /** Entropy of the whole distribution, in nats. */
  readonly entropy: number;
}

/** The next-token prediction read off the residual stream at one depth. */
export interface LensReading {
  /** -1: straight after the embeddings, before any layer; l: after layer l (the last is the model's own output). */
  readonly afterLayer: number;
  readonly top: TopTokens;
  /** Probability and rank here of the token the model finally predicts (its top-1 after the last layer). */
  readonly finalTokenProb: number;
  readonly finalTokenRank: number;
}

/** The prediction at the query position and what follows it, for one version of the input. */
export interface ProbeOutcome {
  readonly next: TopTokens;
  /** Greedy continuation from the position (to the end of the line, at most MAX_PROBE_CONTINUATION_TOKENS), when asked. */
  readonly continuation?: string;
}

export interface ProbeResult {
  readonly position: number;
  /** The logit lens on the unchanged input, or why the model's graph does not allow it. */
  readonly lens?: { readonly readings: readonly LensReading[] } | { readonly unavailable: string };
  /** The unchanged input. */
  readonly original: ProbeOutcome;
  /** With the masked tokens and knocked-out heads; absent when the request changed nothing. */
  readonly changed?: ProbeOutcome;
  /** Why heads cannot be knocked out on this model, when they were asked to be. */
  readonly knockoutUnavailable?: string;
  /** Decoded text of every token id the result names. */
  readonly texts: Readonly<Record<number, string>>;
  readonly forwardMs: number;
}
