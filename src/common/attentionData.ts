/**
 * One forward pass's attention, as the worker captures it and the webview draws it.
 * Tensors travel as `{ dims, data: Float32Array }` (transferable buffers), never nested arrays.
 */

import { formatBytes } from './attentionBudget';
import { packProbs, unpackProbs, type PackedProbs } from './probsPacking';
import type { NextTokenPredictions } from './tokenPredictions';

/** A dense float32 tensor, row-major. */
export interface TensorData {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** How the model tells positions apart, which decides what the step-by-step view shows first. */
export type PositionKind = 'learned' | 'rotary' | 'unknown';

/** What was captured, per layer and head, for one text. */
export interface AttentionCapture {
  /** Readable text of each token (byte-level pieces decoded; whitespace made visible by the view). */
  readonly tokens: readonly string[];
  readonly tokenIds: readonly number[];
  /** Character range of each token in `text` ([start, end)); used by the editor overlay. */
  readonly offsets: readonly (readonly [number, number])[];
  /** The text that was tokenized (after any cut). */
  readonly text: string;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  readonly modelName: string;
  /** Attention probabilities after softmax, masked cells exactly 0: [layers, heads, T, T]. */
  readonly probs: TensorData;
  /** Queries, keys and values of every token: [layers, heads, T, headDim]. Absent if the model has no Q/K/V taps. */
  readonly q?: TensorData;
  readonly k?: TensorData;
  readonly v?: TensorData;
  /** Token embeddings and the learned position vectors added to them: [T, d_model]. */
  readonly embedTokens?: TensorData;
  readonly embedPositions?: TensorData;
  readonly positionKind: PositionKind;
  /** The model's next-token predictions at every position, from the same forward pass (see tokenPredictions.ts). */
  readonly predictions?: NextTokenPredictions;
  /**
   * The host holds q/k/v and the embeddings but sends them only when a view asks (`needVectors`):
   * they are as large as the probabilities and only Step by step and the JSON export use them.
   */
  readonly vectorsOnRequest?: boolean;
  /** Set in the webview while only this layer's probabilities have arrived (see PanelCapture). */
  readonly onlyLayer?: number;
  /** Set when the text had more tokens than the cap and its start was cut. */
  readonly cut?: {
    readonly originalTokens: number;
    readonly keptTokens: number;
    /** Set when the memory budget, not the token cap, decided the cut: what all the tokens would have taken. */
    readonly memory?: { readonly fullBytes: number; readonly budgetBytes: number };
  };
  /**
   * Set when a remote server writes the suggestions: this is the local model's attention on the
   * same text, not the server model's (a server cannot return attention), and the panel says so.
   */
  readonly standInFor?: { readonly model: string; readonly host: string };
  /** Where the text came from, for the panel's title. */
  readonly origin: {
    readonly kind: 'selection' | 'cursor' | 'completion' | 'summary';
    readonly label: string;
    /** For a suggestion or a summary: how many characters at the end of `text` the model wrote (the rest is its prompt). */
    readonly outputChars?: number;
  };
}


/** The panel's sentence for a stand-in capture (see AttentionCapture.standInFor). */
export function standInSentence(capture: Pick<AttentionCapture, 'modelName' | 'standInFor'>): string | undefined {
  const remote = capture.standInFor;
  if (!remote) return undefined;
  return `This is the attention of the local model ${capture.modelName} on the same text. Suggestions come from ${remote.model} on ${remote.host}, whose attention a server cannot return.`;
}

/** Bytes of tensor data a capture holds. */
export function captureHeldBytes(capture: AttentionCapture): number {
  return [capture.probs, capture.q, capture.k, capture.v, capture.embedTokens, capture.embedPositions].reduce((sum, t) => sum + (t ? t.data.byteLength : 0), 0);
}

/** What a cut kept and why, as the panel and the log say it. */
export function cutSentence(cut: NonNullable<AttentionCapture['cut']>): string {
  const kept = `showing the last ${cut.keptTokens} of ${cut.originalTokens} tokens`;
  if (!cut.memory) return `${kept} (attentionLens.attention.maxTokens)`;
  return `${kept}: more would take ${formatBytes(cut.memory.fullBytes)} of attention data, over the ${formatBytes(cut.memory.budgetBytes)} budget (attentionLens.attention.memoryBudgetMB)`;
}

/** The per-token vectors of a capture, which travel to the webview only on request. */
export type CaptureVectors = Pick<AttentionCapture, 'q' | 'k' | 'v' | 'embedTokens' | 'embedPositions'>;

/**
 * The capture as the host posts it to the panel: no vectors, probabilities packed (see
 * probsPacking.ts). With `probsLayer` set, `probs` holds that one layer ([1, heads, T, T]) — the
 * one the panel shows — and all layers follow in a `layers` message: the heatmap need not wait for
 * the other seven eighths of the bytes.
 */
export type PanelCapture = Omit<AttentionCapture, 'probs' | 'q' | 'k' | 'v' | 'embedTokens' | 'embedPositions' | 'onlyLayer'> & {
  readonly probs: PackedProbs;
  readonly probsLayer?: number;
};

/** One layer's probabilities: [1, heads, T, T], sharing the buffer. */
function layerOf(probs: TensorData, layer: number): TensorData {
  const [, heads, rows, cols] = probs.dims;
  const size = heads * rows * cols;
  return { dims: [1, heads, rows, cols], data: probs.data.subarray(layer * size, (layer + 1) * size) };
}

/** What the host posts to the panel for a capture; `firstLayer`: send only that layer now (see PanelCapture). */
export function toPanelCapture(capture: AttentionCapture, firstLayer?: number): PanelCapture {
  const { probs, ...light } = splitVectors(capture).light;
  if (firstLayer === undefined || capture.layers < 2 || !Number.isInteger(firstLayer) || firstLayer < 0 || firstLayer >= capture.layers) {
    return { ...light, probs: packProbs(probs) };
  }
  return { ...light, probs: packProbs(layerOf(probs, firstLayer)), probsLayer: firstLayer };
}

/** The capture the views draw from, rebuilt in the webview from what the host posted. */
export function fromPanelCapture(panel: PanelCapture): AttentionCapture {
  const { probsLayer, ...rest } = panel;
  const probs = unpackProbs(panel.probs);
  if (probsLayer === undefined) return { ...rest, probs };
  // The other layers stay 0 until they arrive; `onlyLayer` keeps the views from showing them.
  const [, heads, rows, cols] = probs.dims;
  const data = new Float32Array(panel.layers * heads * rows * cols); // [layers, heads, T, T]
  data.set(probs.data, probsLayer * heads * rows * cols);
  return { ...rest, probs: { dims: [panel.layers, heads, rows, cols], data }, onlyLayer: probsLayer };
}

/** The capture once all layers' probabilities arrived (the `layers` message). */
export function withAllLayers(capture: AttentionCapture, probs: PackedProbs): AttentionCapture {
  const { onlyLayer: _partial, ...rest } = capture;
  return { ...rest, probs: unpackProbs(probs) };
}

/** Splits a capture into what every view needs and the vectors that can wait. */
export function splitVectors(capture: AttentionCapture): { light: AttentionCapture; vectors: CaptureVectors } {
  const { q, k, v, embedTokens, embedPositions, ...light } = capture;
  const vectors = { q, k, v, embedTokens, embedPositions };
  const any = Boolean(q || k || v || embedTokens || embedPositions);
  return { light: any ? { ...light, vectorsOnRequest: true } : light, vectors };
}
