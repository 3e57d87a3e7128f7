/** Reading one query's row out of a capture, and finding the token at a text offset (pure). */

import type { AttentionCapture } from '../common/attentionData';

/** The weight row of query `i` for a layer and a head (or the mean over heads). */
export function attentionRow(capture: AttentionCapture, layer: number, head: number | 'mean', i: number): Float32Array {
  const T = capture.tokens.length;
  const row = new Float32Array(T);
  const heads = head === 'mean' ? [...Array(capture.heads).keys()] : [head];
  for (const h of heads) {
    const base = ((layer * capture.heads + h) * T + i) * T; // [layers, heads, T, T]
    for (let j = 0; j < T; j++) row[j] += capture.probs.data[base + j] / heads.length;
  }
  return row;
}

/** Index of the token whose character range holds `offset` (relative to the capture's text). */
export function tokenAt(capture: AttentionCapture, offset: number): number | undefined {
  const index = capture.offsets.findIndex(([start, end]) => offset >= start && offset < end);
  if (index >= 0) return index;
  const last = capture.offsets[capture.offsets.length - 1];
  return last && offset === last[1] ? capture.offsets.length - 1 : undefined;
}

/** Weights below this are not drawn: most of a row is near zero. */
export const MIN_SHADED_WEIGHT = 0.02;

/**
 * The tokens 0..last of a weight row worth shading, each with a level in [0, levels): the square
 * root spreads the small weights that make up most of a row over more shades.
 */
export function shadedTokens(row: ArrayLike<number>, last: number, levels: number): { token: number; level: number }[] {
  const out: { token: number; level: number }[] = [];
  for (let j = 0; j <= Math.min(last, row.length - 1); j++) {
    if (!(row[j] >= MIN_SHADED_WEIGHT)) continue;
    out.push({ token: j, level: Math.min(levels - 1, Math.floor(Math.sqrt(row[j]) * levels)) });
  }
  return out;
}
