/**
 * The editor's confidence shading (pure): which tokens the model was unsure of, how strongly to
 * shade each, and the hover that says what it expected instead.
 */

import { alternativesAt, predictionFor, type NextTokenPredictions } from '../common/tokenPredictions';

/** Tokens the model gave at least this probability are not shaded. */
export const CONFIDENT_PROB = 0.5;
/** Most tokens shaded at once (the least likely kept): a decoration each, with a hover. */
export const MAX_CONFIDENCE_MARKS = 4096;

/** One shaded token. */
export interface UnsureToken {
  readonly token: number;
  /** Shade in [0, levels): 0 just under CONFIDENT_PROB, the last level for probability 0. */
  readonly level: number;
  readonly prob: number;
  /** 0 for the model's first choice. */
  readonly rank: number;
}

/** Every token (after the first) the model gave less than CONFIDENT_PROB, in text order. */
export function unsureTokens(predictions: NextTokenPredictions, tokenCount: number, levels: number, max = MAX_CONFIDENCE_MARKS): UnsureToken[] {
  const out: UnsureToken[] = [];
  for (let t = 1; t < tokenCount; t++) {
    const p = predictionFor(predictions, t);
    if (!p || !(p.prob >= 0) || p.prob >= CONFIDENT_PROB) continue; // -1: not known
    // Unsureness 1 − p runs over (1 − CONFIDENT_PROB, 1]: spread that range over all the levels.
    const unsure = (CONFIDENT_PROB - p.prob) / CONFIDENT_PROB;
    out.push({ token: t, level: Math.min(levels - 1, Math.floor(unsure * levels)), prob: p.prob, rank: p.rank });
  }
  if (out.length <= max) return out;
  return [...out]
    .sort((a, b) => a.prob - b.prob || a.token - b.token)
    .slice(0, max)
    .sort((a, b) => a.token - b.token);
}

/** A token's text as a hover shows it: line breaks and tabs made visible. */
function visible(text: string): string {
  return text.replace(/\r\n|\n|\r/g, '↵').replace(/\t/g, '⇥');
}

function percent(prob: number): string {
  return prob > 0 && prob < 0.0005 ? '<0.1%' : `${(prob * 100).toFixed(1)}%`;
}

/** The hover of shaded token `token` (plain text; the overlay escapes it as markdown). */
export function confidenceHover(predictions: NextTokenPredictions, tokens: readonly string[], token: number): string | undefined {
  const p = predictionFor(predictions, token);
  if (!p) return undefined;
  const expected = alternativesAt(predictions, p.position)
    .map((a) => `“${visible(a.text)}” ${percent(a.prob)}`)
    .join(', ');
  return `Attention Lens: the model gave “${visible(tokens[token] ?? '')}” ${percent(p.prob)} (rank ${p.rank + 1}); it expected ${expected}`;
}
