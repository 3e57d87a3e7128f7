import * as assert from 'assert';
import { confidenceHover, CONFIDENT_PROB, unsureTokens } from '../../src/attention/confidenceShading';
import type { NextTokenPredictions } from '../../src/common/tokenPredictions';

/**
 * Predictions for 5 tokens, k = 2. Position p predicts token p + 1: token 1 got 0.9 (rank 0),
 * token 2 got 0.3 (rank 1), token 3 got 0 (rank 7), token 4 got exactly CONFIDENT_PROB.
 */
function predictions(): NextTokenPredictions {
  return {
    k: 2,
    topIds: [10, 11, /* p1 */ 12, 13, /* p2 */ 14, 15, /* p3 */ 16, 17, /* p4 */ 18, 19],
    topProbs: [0.9, 0.05, 0.401, 0.3, 0.6, 0.0001, 0.5, 0.2, 0.7, 0.1],
    entropy: [0.1, 1, 2, 0.5, 0.3],
    nextProb: [0.9, 0.3, 0, CONFIDENT_PROB, -1],
    nextRank: [0, 1, 7, 0, -1],
    texts: { 10: 'a', 11: 'b', 12: 'x', 13: 'y', 14: '\n', 15: '\tz', 16: 'q', 17: 'r', 18: 's', 19: 't' },
  };
}

describe('unsureTokens', () => {
  it('shades only tokens under CONFIDENT_PROB, more strongly the less likely, never the first token', () => {
    const got = unsureTokens(predictions(), 5, 5);
    // Token 2: unsureness (1 − 0.3 − 0.5) / 0.5 = 0.4 → level 2 of 5; token 3: 1 → capped at 4.
    assert.deepStrictEqual(got, [
      { token: 2, level: 2, prob: 0.3, rank: 1 },
      { token: 3, level: 4, prob: 0, rank: 7 },
    ]);
  });
  it('keeps the least likely when over the cap, in text order', () => {
    assert.deepStrictEqual(unsureTokens(predictions(), 5, 5, 1).map((u) => u.token), [3]);
  });
  it('ignores positions the predictions do not cover', () => {
    assert.deepStrictEqual(unsureTokens(predictions(), 2, 5), []);
  });
});

describe('confidenceHover', () => {
  it('says what the model gave the token and what it expected', () => {
    const tokens = ['A', 'B', 'C', ' D', 'E'];
    assert.strictEqual(confidenceHover(predictions(), tokens, 2), 'Attention Lens: the model gave “C” 30.0% (rank 2); it expected “x” 40.1%, “y” 30.0%');
    // Line breaks and tabs are made visible; tiny probabilities do not read as 0.
    assert.strictEqual(confidenceHover(predictions(), tokens, 3), 'Attention Lens: the model gave “ D” 0.0% (rank 8); it expected “↵” 60.0%, “⇥z” <0.1%');
    assert.strictEqual(confidenceHover(predictions(), tokens, 0), undefined);
  });
});
