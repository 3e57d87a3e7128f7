/**
 * The model's own next-token predictions at every position of a captured text, read off the
 * logits of the same forward pass that produced the attention: how sure it was of each token that
 * actually came, and what else it would have written. Computed in the worker (it holds the logits),
 * drawn by the panel's confidence strip and the editor's confidence shading.
 */

/** Alternatives kept per position. */
export const TOP_ALTERNATIVES = 5;

/** Predictions at each position p of a text of T tokens: what the model expected after token p. */
export interface NextTokenPredictions {
  /** Alternatives per position (TOP_ALTERNATIVES, or fewer for a tiny vocabulary). */
  readonly k: number;
  /** The k most likely next tokens at p, most likely first: ids [T × k] and their probabilities [T × k]. */
  readonly topIds: readonly number[];
  readonly topProbs: readonly number[];
  /** Entropy of the whole next-token distribution at p, in nats. [T] */
  readonly entropy: readonly number[];
  /** Probability at p of the token that actually follows (token p + 1); -1 at the last position. [T] */
  readonly nextProb: readonly number[];
  /** Rank of that token at p (0: the model's first choice); -1 at the last position. [T] */
  readonly nextRank: readonly number[];
  /** Decoded text of every id in topIds. */
  readonly texts: Readonly<Record<number, string>>;
}

/** The prediction the model made *for* token t (at position t - 1); undefined for the first token. */
export function predictionFor(predictions: NextTokenPredictions, token: number): { prob: number; rank: number; entropy: number; position: number } | undefined {
  const position = token - 1;
  if (position < 0 || position >= predictions.nextProb.length - 1) return undefined;
  return { prob: predictions.nextProb[position], rank: predictions.nextRank[position], entropy: predictions.entropy[position], position };
}

/** The alternatives at position p as pairs, most likely first. */
export function alternativesAt(predictions: NextTokenPredictions, position: number): { id: number; prob: number; text: string }[] {
  const out: { id: number; prob: number; text: string }[] = [];
  for (let r = 0; r < predictions.k; r++) {
    const id = predictions.topIds[position * predictions.k + r];
    out.push({ id, prob: predictions.topProbs[position * predictions.k + r], text: predictions.texts[id] ?? `#${id}` });
  }
  return out;
}

/**
 * Softmax statistics of one row of logits: top-k (ids and probabilities), entropy (nats), and the
 * probability and rank of `actual` (when given). Computed in float64 with the max subtracted, so a
 * row of large logits neither overflows nor loses the small probabilities.
 */
export function rowStatistics(logits: Float32Array, offset: number, vocab: number, k: number, actual?: number): { ids: number[]; probs: number[]; entropy: number; actualProb: number; actualRank: number } {
  const hasActual = actual !== undefined && actual >= 0 && actual < vocab;
  const actualLogit = hasActual ? logits[offset + actual] : Infinity;
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) if (logits[offset + v] > max) max = logits[offset + v];
  // One pass: Z = Σ e^(x−max), Σ e^(x−max)·(x−max) (H = log Z − Σ e^s·s / Z), and the actual token's rank.
  let sum = 0;
  let weighted = 0;
  let above = 0;
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v];
    const shifted = x - max;
    const e = Math.exp(shifted);
    sum += e;
    weighted += e * shifted;
    if (x > actualLogit) above++;
  }
  const entropy = Math.max(0, Math.log(sum) - weighted / sum);
  // Top-k by insertion into a short sorted list: k is 5, the vocabulary up to ~250k.
  const ids: number[] = [];
  const values: number[] = [];
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v];
    if (ids.length === k && x <= values[k - 1]) continue;
    let at = Math.min(ids.length, k - 1);
    while (at > 0 && values[at - 1] < x) at--;
    ids.splice(at, 0, v);
    values.splice(at, 0, x);
    if (ids.length > k) {
      ids.pop();
      values.pop();
    }
  }
  const probs = values.map((x) => Math.exp(x - max) / sum);
  if (!hasActual) return { ids, probs, entropy, actualProb: -1, actualRank: -1 };
  // Ties with the actual token rank by id, as the top-k list orders them.
  let ties = 0;
  for (let v = 0; v < actual!; v++) if (logits[offset + v] === actualLogit) ties++;
  return { ids, probs, entropy, actualProb: Math.exp(actualLogit - max) / sum, actualRank: above + ties };
}

/** Predictions at every position from logits [T, vocab] (row p predicts token p + 1), before the texts are decoded. */
export function predictionsFromLogits(logits: Float32Array, tokenIds: readonly number[], vocab: number, k = TOP_ALTERNATIVES): Omit<NextTokenPredictions, 'texts'> {
  const T = tokenIds.length;
  const kept = Math.max(1, Math.min(k, vocab));
  const topIds: number[] = [];
  const topProbs: number[] = [];
  const entropy: number[] = [];
  const nextProb: number[] = [];
  const nextRank: number[] = [];
  for (let p = 0; p < T; p++) {
    const row = rowStatistics(logits, p * vocab, vocab, kept, p + 1 < T ? tokenIds[p + 1] : undefined);
    topIds.push(...row.ids);
    topProbs.push(...row.probs);
    entropy.push(row.entropy);
    nextProb.push(row.actualProb);
    nextRank.push(row.actualRank);
  }
  return { k: kept, topIds, topProbs, entropy, nextProb, nextRank };
}
