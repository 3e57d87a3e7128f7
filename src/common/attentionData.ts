/**
 * One forward pass's attention, as the worker captures it and the webview draws it.
 * Tensors travel as `{ dims, data: Float32Array }` (transferable buffers), never nested arrays.
 */

import { packProbs, unpackProbs, type PackedProbs } from './probsPacking';

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
  /**
   * The host holds q/k/v and the embeddings but sends them only when a view asks (`needVectors`):
   * they are as large as the probabilities and only Step by step and the JSON export use them.
   */
  readonly vectorsOnRequest?: boolean;
  /** Set when the text had more tokens than the cap and its start was cut. */
  readonly cut?: { readonly originalTokens: number; readonly keptTokens: number };
  /** Where the text came from, for the panel's title. */
  readonly origin: { readonly kind: 'selection' | 'cursor' | 'completion' | 'summary'; readonly label: string };
}


/** The per-token vectors of a capture, which travel to the webview only on request. */
export type CaptureVectors = Pick<AttentionCapture, 'q' | 'k' | 'v' | 'embedTokens' | 'embedPositions'>;

/** The capture as the host posts it to the panel: no vectors, probabilities packed (see probsPacking.ts). */
export type PanelCapture = Omit<AttentionCapture, 'probs' | 'q' | 'k' | 'v' | 'embedTokens' | 'embedPositions'> & { readonly probs: PackedProbs };

/** What the host posts to the panel for a capture (see PanelCapture). */
export function toPanelCapture(capture: AttentionCapture): PanelCapture {
  const { probs, ...light } = splitVectors(capture).light;
  return { ...light, probs: packProbs(probs) };
}

/** The capture the views draw from, rebuilt in the webview from what the host posted. */
export function fromPanelCapture(panel: PanelCapture): AttentionCapture {
  return { ...panel, probs: unpackProbs(panel.probs) };
}

/** Splits a capture into what every view needs and the vectors that can wait. */
export function splitVectors(capture: AttentionCapture): { light: AttentionCapture; vectors: CaptureVectors } {
  const { q, k, v, embedTokens, embedPositions, ...light } = capture;
  const vectors = { q, k, v, embedTokens, embedPositions };
  const any = Boolean(q || k || v || embedTokens || embedPositions);
  return { light: any ? { ...light, vectorsOnRequest: true } : light, vectors };
}
