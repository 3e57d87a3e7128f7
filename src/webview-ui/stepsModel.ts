/**
 * The numbers of the step-by-step view for one query token, recomputed from the captured q, k, v
 * with the same functions the unit tests check: scores, scale, mask, softmax, weighted sum.
 * No DOM here, so the arithmetic can be read (and tested) apart from its presentation.
 */

import type { AttentionCapture, TensorData } from '../common/attentionData';
import { applyCausalMask, dotScores, headSlice, maxAbsDifference, sharedHeadIndex, softmax, weightedSum } from './attentionMath';

/** How the token's position reached this layer's q and k. */
export type PositionStep =
  | { readonly kind: 'learned'; readonly token: Float32Array; readonly position: Float32Array; readonly input: Float32Array }
  | { readonly kind: 'learnedNotCaptured' }
  | { readonly kind: 'rotary' }
  | { readonly kind: 'unknown' };

/** Every intermediate value of one head's attention for one query token i. */
export interface StepByStep {
  readonly layer: number;
  readonly head: number;
  /** Set when the selection was the mean of heads, which has no q/k/v of its own. */
  readonly replacedMean: boolean;
  readonly query: number;
  readonly headDim: number;
  readonly causal: boolean;
  readonly position: PositionStep;
  readonly q: Float32Array; // [headDim]
  readonly keys: Float32Array; // [T, headDim]
  readonly values: Float32Array; // [T, headDim]
  readonly dots: Float64Array; // [T] q·k_j
  readonly sqrtD: number;
  readonly scaled: Float64Array; // [T] q·k_j / √d
  readonly masked: Float64Array; // [T] −∞ after the query when causal
  readonly max: number;
  readonly exps: Float64Array; // [T] exp(score − max), 0 where masked
  readonly expSum: number;
  readonly weights: Float64Array; // [T] softmax
  readonly captured: Float32Array; // [T] the model's own probabilities for this row
  readonly maxDifference: number;
  readonly output: Float64Array; // [headDim] Σ_j w_j·v_j
}

/** The steps, or why they cannot be shown. */
export type StepsResult = { readonly available: true; readonly steps: StepByStep } | { readonly available: false; readonly reason: string };

/** Recomputes the step-by-step numbers for query `query` of `head` (head 0 stands in for the mean) in `layer`. */
export function computeSteps(capture: AttentionCapture, layer: number, head: number | 'mean', query: number, causal: boolean): StepsResult {
  const { q, k, v } = capture;
  if ((!q || !k || !v) && capture.vectorsOnRequest) {
    return { available: false, reason: 'The queries, keys and values are on their way from the editor…' };
  }
  if (!q || !k || !v) {
    return {
      available: false,
      reason: `This capture of ${capture.modelName} has only the attention probabilities: the model was tapped at its softmax, without its queries, keys and values, so the steps that lead to the probabilities cannot be recomputed. The Matrix, Heads and Head views still show the probabilities themselves.`,
    };
  }
  const headIndex = head === 'mean' ? 0 : head;
  const headDim = q.dims[3];
  const tokens = capture.tokens.length;
  const row = (tensor: TensorData, index: number) => headSlice(tensor, layer, index).slice(query * headDim, (query + 1) * headDim);
  const qi = row(q, headIndex); // [headDim]
  const keys = headSlice(k, layer, sharedHeadIndex(k, capture.heads, headIndex)); // [T, headDim]
  const values = headSlice(v, layer, sharedHeadIndex(v, capture.heads, headIndex)); // [T, headDim]
  const dots = dotScores(qi, keys, headDim); // [T]
  const sqrtD = Math.sqrt(headDim);
  const scaled = dots.map((s) => s / sqrtD); // [T]
  const masked = causal ? applyCausalMask(scaled, query) : Float64Array.from(scaled); // [T]
  const max = masked.reduce((m, s) => Math.max(m, s), Number.NEGATIVE_INFINITY);
  const exps = masked.map((s) => (s === Number.NEGATIVE_INFINITY ? 0 : Math.exp(s - max))); // [T]
  const expSum = exps.reduce((a, b) => a + b, 0);
  const weights = softmax(masked); // [T]
  const captured = headSlice(capture.probs, layer, headIndex).slice(query * tokens, (query + 1) * tokens); // [T]
  return {
    available: true,
    steps: {
      layer,
      head: headIndex,
      replacedMean: head === 'mean',
      query,
      headDim,
      causal,
      position: positionStep(capture, query),
      q: qi,
      keys,
      values,
      dots,
      sqrtD,
      scaled,
      masked,
      max,
      exps,
      expSum,
      weights,
      captured,
      maxDifference: maxAbsDifference(weights, captured),
      output: weightedSum(weights, values, headDim),
    },
  };
}

function positionStep(capture: AttentionCapture, query: number): PositionStep {
  switch (capture.positionKind) {
    case 'learned': {
      const { embedTokens, embedPositions } = capture;
      if (!embedTokens || !embedPositions) return { kind: 'learnedNotCaptured' };
      const width = embedTokens.dims[1];
      const token = embedTokens.data.slice(query * width, (query + 1) * width); // [d_model]
      const position = embedPositions.data.slice(query * width, (query + 1) * width); // [d_model]
      return { kind: 'learned', token, position, input: token.map((x, d) => x + position[d]) };
    }
    case 'rotary':
      return { kind: 'rotary' };
    case 'unknown':
      return { kind: 'unknown' };
    default: {
      const unreachable: never = capture.positionKind;
      return unreachable;
    }
  }
}
