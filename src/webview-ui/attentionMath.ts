/**
 * The arithmetic of one attention head, written for reading rather than speed: the step-by-step
 * view replays it on captured q/k/v, and the tests check it against hand-computed numbers.
 * Intermediate sums run in float64 so that the replay's error is the capture's, not ours.
 * No DOM, no `vscode`: shared by the webview, the tests and anything else that needs it.
 */

import type { TensorData } from '../common/attentionData';

/** Dot product of two equally long vectors. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d] * b[d];
  return sum;
}

/** Raw scores q·k_j for one query against every key row; `keys` is [T, headDim] row-major. */
export function dotScores(query: ArrayLike<number>, keys: ArrayLike<number>, headDim: number): Float64Array {
  const tokens = Math.floor(keys.length / headDim);
  const scores = new Float64Array(tokens); // [T]
  for (let j = 0; j < tokens; j++) {
    let sum = 0;
    for (let d = 0; d < headDim; d++) sum += query[d] * keys[j * headDim + d];
    scores[j] = sum;
  }
  return scores;
}

/** Scaled dot-product scores (q·k_j)/√d_k for one query; `keys` is [T, headDim]. */
export function scaledScores(query: ArrayLike<number>, keys: ArrayLike<number>, headDim: number): Float64Array {
  const scale = 1 / Math.sqrt(headDim);
  return dotScores(query, keys, headDim).map((s) => s * scale); // [T]
}

/** Causal mask for query `queryIndex`: keys after it (j > i) become −∞ so softmax gives them 0. */
export function applyCausalMask(scores: ArrayLike<number>, queryIndex: number): Float64Array {
  const masked = Float64Array.from(scores); // [T]
  for (let j = queryIndex + 1; j < masked.length; j++) masked[j] = Number.NEGATIVE_INFINITY;
  return masked;
}

/**
 * Softmax that never overflows: subtracting the row's max leaves the result unchanged
 * (it cancels between numerator and denominator) but keeps every exp ≤ 1.
 * A row that is entirely −∞ (nothing visible) gives all zeros rather than NaN.
 */
export function softmax(scores: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scores.length); // [T]
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < scores.length; j++) if (scores[j] > max) max = scores[j];
  if (max === Number.NEGATIVE_INFINITY) return out;
  let sum = 0;
  for (let j = 0; j < scores.length; j++) {
    out[j] = scores[j] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j] - max);
    sum += out[j];
  }
  for (let j = 0; j < out.length; j++) out[j] /= sum;
  return out;
}

/** Weighted sum Σ_j w_j·v_j of the value rows; `values` is [T, headDim], the result [headDim]. */
export function weightedSum(weights: ArrayLike<number>, values: ArrayLike<number>, headDim: number): Float64Array {
  const out = new Float64Array(headDim); // [headDim]
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    if (w === 0) continue;
    for (let d = 0; d < headDim; d++) out[d] += w * values[j * headDim + d];
  }
  return out;
}

/** One head's softmax(QKᵀ/√d + causal mask) from q and k rows ([T, headDim] each); the result is [T, T]. */
export function causalAttention(q: ArrayLike<number>, k: ArrayLike<number>, headDim: number): Float32Array {
  const tokens = Math.floor(q.length / headDim);
  const probs = new Float32Array(tokens * tokens); // [T, T]
  const qRow = new Float64Array(headDim); // [headDim]
  for (let i = 0; i < tokens; i++) {
    for (let d = 0; d < headDim; d++) qRow[d] = q[i * headDim + d];
    const row = softmax(applyCausalMask(scaledScores(qRow, k, headDim), i)); // [T]
    probs.set(row, i * tokens);
  }
  return probs;
}

/** Rows of head `head` in layer `layer` of a [layers, heads, T, X] tensor, as a [T, X] view (no copy). */
export function headSlice(tensor: TensorData, layer: number, head: number): Float32Array {
  const [, heads, rows, cols] = tensor.dims;
  const size = rows * cols;
  const start = (layer * heads + head) * size;
  return tensor.data.subarray(start, start + size);
}

/**
 * Which head of `tensor` serves query head `head` when keys/values have fewer heads than queries
 * (grouped-query attention shares one K/V head among several query heads).
 */
export function sharedHeadIndex(tensor: TensorData, queryHeads: number, head: number): number {
  const kvHeads = tensor.dims[1];
  return kvHeads >= queryHeads ? head : Math.floor((head * kvHeads) / queryHeads);
}

/** Mean over heads of layer `layer` of a [layers, heads, T, T] tensor; the result is [T, T]. */
export function meanOverHeads(probs: TensorData, layer: number): Float32Array {
  const [, heads, rows, cols] = probs.dims;
  const sum = new Float64Array(rows * cols); // [T, T]
  for (let h = 0; h < heads; h++) {
    const slice = headSlice(probs, layer, h); // [T, T]
    for (let n = 0; n < sum.length; n++) sum[n] += slice[n];
  }
  return Float32Array.from(sum, (s) => s / heads);
}

/** Largest |a_n − b_n| over two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let n = 0; n < a.length; n++) max = Math.max(max, Math.abs(a[n] - b[n]));
  return max;
}

/**
 * Recomputes softmax(QKᵀ/√d + mask) for one head from the captured q and k and returns the
 * largest absolute difference to the captured probabilities: a check that the capture is
 * self-consistent and that the replay shown to the user is the model's own arithmetic.
 */
export function recomputedHeadDifference(q: TensorData, k: TensorData, probs: TensorData, layer: number, head: number): number {
  const headDim = q.dims[3];
  const queries = headSlice(q, layer, head); // [T, headDim]
  const keys = headSlice(k, layer, sharedHeadIndex(k, q.dims[1], head)); // [T, headDim]
  const recomputed = causalAttention(queries, keys, headDim); // [T, T]
  return maxAbsDifference(recomputed, headSlice(probs, layer, head));
}
