/** The [T, T] matrix a view draws for a layer and a head (or the mean over heads). */

import type { AttentionCapture } from '../common/attentionData';
import { headSlice, meanOverHeads } from './attentionMath';

/** Probabilities of `head` (or their mean) in `layer`: [T, T], row = query, column = key. */
export function headMatrix(capture: AttentionCapture, layer: number, head: number | 'mean'): Float32Array {
  return head === 'mean' ? meanOverHeads(capture.probs, layer) : headSlice(capture.probs, layer, head);
}

/** True when every probability above the diagonal is 0 in every head: a causal (left-to-right) model. */
export function isCausal(capture: AttentionCapture): boolean {
  const tokens = capture.tokens.length;
  const data = capture.probs.data; // [layers, heads, T, T]
  for (let base = 0; base < data.length; base += tokens * tokens) {
    for (let i = 0; i < tokens; i++) {
      for (let j = i + 1; j < tokens; j++) if (data[base + i * tokens + j] !== 0) return false;
    }
  }
  return true;
}

/** "layer 3 · head 5" or "layer 3 · mean of 12 heads". */
export function headName(capture: AttentionCapture, layer: number, head: number | 'mean'): string {
  return head === 'mean' ? `layer ${layer} · mean of ${capture.heads} heads` : `layer ${layer} · head ${head}`;
}
