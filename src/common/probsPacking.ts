/**
 * Attention probabilities packed for the trip to the webview. Through code-server the capture's
 * transfer, not the forward pass, was most of the wait for a heatmap (256 tokens: ~1.2 s for
 * 12.6 MB of float32). Under a causal mask every cell above the diagonal is exactly 0, so a causal
 * capture travels as its lower triangles only — T(T+1)/2 of T² values, about half — and exactly:
 * the numbers the views print and the JSON export writes stay the model's own float32 ones.
 * Anything else (a bidirectional model) travels whole.
 */

import type { TensorData } from './attentionData';

/** Probabilities [layers, heads, T, T] as sent: whole, or row i's first i + 1 values of each matrix. */
export interface PackedProbs {
  readonly dims: readonly number[];
  readonly layout: 'full' | 'lower-triangle';
  readonly data: Float32Array;
}

/** Values kept of one T × T matrix in the lower-triangle layout. */
export const triangleSize = (tokens: number): number => (tokens * (tokens + 1)) / 2;

/** True when every value above the diagonal of every matrix is exactly 0. */
function upperTrianglesAreZero(data: Float32Array, matrices: number, tokens: number): boolean {
  for (let m = 0; m < matrices; m++) {
    const base = m * tokens * tokens;
    for (let i = 0; i < tokens; i++) {
      for (let j = i + 1; j < tokens; j++) if (data[base + i * tokens + j] !== 0) return false;
    }
  }
  return true;
}

/** Packs probabilities [..., T, T]: the lower triangles when the upper ones are all 0, else whole. */
export function packProbs(probs: TensorData): PackedProbs {
  const tokens = probs.dims[probs.dims.length - 1] ?? 0;
  const matrices = tokens > 0 ? probs.data.length / (tokens * tokens) : 0;
  if (tokens < 2 || !Number.isInteger(matrices) || !upperTrianglesAreZero(probs.data, matrices, tokens)) {
    return { dims: probs.dims, layout: 'full', data: probs.data };
  }
  const data = new Float32Array(matrices * triangleSize(tokens)); // [matrices, T(T+1)/2]
  let at = 0;
  for (let m = 0; m < matrices; m++) {
    for (let i = 0; i < tokens; i++) {
      const row = m * tokens * tokens + i * tokens;
      data.set(probs.data.subarray(row, row + i + 1), at);
      at += i + 1;
    }
  }
  return { dims: probs.dims, layout: 'lower-triangle', data };
}

/** The dense probabilities the views draw from; the cells above the diagonal come back as 0. */
export function unpackProbs(packed: PackedProbs): TensorData {
  if (packed.layout === 'full') return { dims: packed.dims, data: packed.data };
  const tokens = packed.dims[packed.dims.length - 1];
  const matrices = packed.data.length / triangleSize(tokens);
  const data = new Float32Array(matrices * tokens * tokens); // [matrices, T, T]
  let at = 0;
  for (let m = 0; m < matrices; m++) {
    for (let i = 0; i < tokens; i++) {
      data.set(packed.data.subarray(at, at + i + 1), m * tokens * tokens + i * tokens);
      at += i + 1;
    }
  }
  return { dims: packed.dims, data };
}
