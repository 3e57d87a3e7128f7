/**
 * Attention rollout (Abnar & Zuidema 2020): how much each input token flows into each position
 * after several layers, counting the residual stream. Per layer the mean over heads Ā_l, mixed
 * with the identity and renormalised, Â_l = rownorm(½Ā_l + ½I); then R = Â_upTo · … · Â_1 · Â_0
 * (layer 0 applied first). Pure; accumulates in float64.
 */

import type { TensorData } from './attentionData';

/** A layer index clamped into the capture, so a stale selection still reads a real layer. */
function lastLayer(probs: TensorData, upToLayer: number): number {
  const layers = probs.dims[0];
  if (!Number.isFinite(upToLayer)) return layers - 1;
  return Math.max(0, Math.min(layers - 1, Math.floor(upToLayer)));
}

/**
 * Row k of Â_l into `out` (length T); returns one past the last non-zero column, so a causal
 * row (zeros beyond k) costs nothing further downstream.
 */
function mixedRow(probs: TensorData, layer: number, k: number, out: Float64Array): number {
  const [, heads, T] = probs.dims;
  const data = probs.data;
  out.fill(0);
  for (let h = 0; h < heads; h++) {
    const base = ((layer * heads + h) * T + k) * T; // [layers, heads, T, T]
    for (let j = 0; j < T; j++) out[j] += data[base + j];
  }
  // Probabilities are ≥ 0, so a zero sum means every head is zero there (above the diagonal when causal).
  let end = T;
  while (end > 0 && out[end - 1] === 0) end--;
  // ½·mean + ½·δ, renormalised: the sum is ½·(row sum of the mean) + ½, never 0.
  let sum = 0;
  for (let j = 0; j < end; j++) {
    out[j] = (0.5 * out[j]) / heads;
    sum += out[j];
  }
  out[k] += 0.5;
  sum += 0.5;
  if (k >= end) end = k + 1;
  for (let j = 0; j < end; j++) out[j] /= sum;
  return end;
}

/** The rollout matrix up to and including layer `upToLayer`: [T, T] row-major, every row sums to 1. */
export function attentionRollout(probs: TensorData, upToLayer: number): Float32Array {
  const T = probs.dims[2];
  const top = lastLayer(probs, upToLayer);
  let rollout = new Float64Array(T * T); // R_{l-1}: [T, T]
  let next = new Float64Array(T * T);
  // rowEnd[k]: one past the last non-zero column of row k of R (k + 1 for a causal capture).
  const rowEnd = new Int32Array(T);
  const nextEnd = new Int32Array(T);
  const mixed = new Float64Array(T); // one row of Â_l
  for (let k = 0; k < T; k++) {
    rowEnd[k] = mixedRow(probs, 0, k, mixed);
    rollout.set(mixed.subarray(0, rowEnd[k]), k * T);
  }
  for (let layer = 1; layer <= top; layer++) {
    next.fill(0);
    for (let i = 0; i < T; i++) {
      const end = mixedRow(probs, layer, i, mixed);
      const out = i * T;
      let outEnd = 0;
      // Row i of Â_l · R: Σ_k Â_l[i,k]·R[k,·], skipping the zeros of a causal Â_l.
      for (let k = 0; k < end; k++) {
        const a = mixed[k];
        if (a === 0) continue;
        const from = k * T;
        const kEnd = rowEnd[k];
        for (let j = 0; j < kEnd; j++) next[out + j] += a * rollout[from + j];
        if (kEnd > outEnd) outEnd = kEnd;
      }
      nextEnd[i] = outEnd;
    }
    [rollout, next] = [next, rollout];
    rowEnd.set(nextEnd);
  }
  return Float32Array.from(rollout);
}

/**
 * Row `query` of attentionRollout(probs, upToLayer), as e_query · Â_upTo · … · Â_0: a vector
 * times matrices, L·T² instead of L·T³, and only the rows the vector reaches are read.
 */
export function attentionRolloutRow(probs: TensorData, query: number, upToLayer: number): Float32Array {
  const T = probs.dims[2];
  const top = lastLayer(probs, upToLayer);
  let vector = new Float64Array(T); // [T]
  let next = new Float64Array(T);
  const mixed = new Float64Array(T);
  if (query < 0 || query >= T || !Number.isInteger(query)) return new Float32Array(T);
  vector[query] = 1;
  for (let layer = top; layer >= 0; layer--) {
    next.fill(0);
    for (let k = 0; k < T; k++) {
      const weight = vector[k];
      if (weight === 0) continue;
      const end = mixedRow(probs, layer, k, mixed);
      for (let j = 0; j < end; j++) next[j] += weight * mixed[j];
    }
    [vector, next] = [next, vector];
  }
  return Float32Array.from(vector);
}
