import * as assert from 'assert';
import {
  applyCausalMask,
  causalAttention,
  dot,
  headSlice,
  maxAbsDifference,
  meanOverHeads,
  recomputedHeadDifference,
  scaledScores,
  sharedHeadIndex,
  softmax,
  weightedSum,
} from '../../src/webview-ui/attentionMath';
import type { TensorData } from '../../src/common/attentionData';

/** Deterministic pseudo-random numbers in [-1, 1), so failures reproduce. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

function randomTensor(dims: number[], seed: number): TensorData {
  const next = seeded(seed);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => next() * 2);
  return { dims, data };
}

function closeTo(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

describe('attentionMath', () => {
  it('scales dot products by 1/√d_k', () => {
    const q = [1, 2, 0, 1];
    const keys = [1, 1, 1, 1, /* row 1 */ 0, 0, 2, 2];
    assert.strictEqual(dot(q, [1, 1, 1, 1]), 4);
    assert.deepStrictEqual(Array.from(scaledScores(q, keys, 4)), [2, 1]);
  });

  it('masks the future with −∞ and leaves the past alone', () => {
    const masked = applyCausalMask([0.5, 1, 2, 3], 1);
    assert.deepStrictEqual(Array.from(masked), [0.5, 1, -Infinity, -Infinity]);
  });

  it('softmax rows sum to 1 and masked cells are exactly 0', () => {
    const q = randomTensor([1, 1, 7, 5], 1).data;
    const k = randomTensor([1, 1, 7, 5], 2).data;
    const probs = causalAttention(q, k, 5); // [T, T]
    for (let i = 0; i < 7; i++) {
      let sum = 0;
      for (let j = 0; j < 7; j++) {
        const p = probs[i * 7 + j];
        if (j > i) assert.strictEqual(p, 0, `cell (${i}, ${j}) is in the future`);
        else assert.ok(p > 0, `cell (${i}, ${j}) is visible`);
        sum += p;
      }
      closeTo(sum, 1, 1e-6, `row ${i}`);
    }
  });

  it('reproduces a hand-computed 3-token example', () => {
    // d_k = 4, so √d_k = 2. Query 2 sees all three keys.
    const q = [0, 0, 0, 0, /* */ 0, 0, 0, 0, /* */ 2, 0, 2, 0];
    const k = [1, 0, 1, 0, /* */ 0, 1, 0, 1, /* */ 1, 1, 1, 1];
    const v = [1, 0, 0, 0, /* */ 0, 1, 0, 0, /* */ 0, 0, 1, 0];
    // q_2·k = [4, 0, 4] → /2 → [2, 0, 2]; softmax = [e², 1, e²] / (2e² + 1).
    const e2 = Math.exp(2);
    const expected = [e2 / (2 * e2 + 1), 1 / (2 * e2 + 1), e2 / (2 * e2 + 1)];
    const scores = applyCausalMask(scaledScores(q.slice(8), k, 4), 2);
    assert.deepStrictEqual(Array.from(scores), [2, 0, 2]);
    const weights = softmax(scores);
    weights.forEach((w, j) => closeTo(w, expected[j], 1e-12, `weight ${j}`));
    const out = weightedSum(weights, v, 4);
    [expected[0], expected[1], expected[2], 0].forEach((x, d) => closeTo(out[d], x, 1e-12, `out ${d}`));
    // Query 0 sees only itself; query 1 sees two equal scores (0 and 0).
    const probs = causalAttention(q, k, 4);
    assert.deepStrictEqual(Array.from(probs.slice(0, 3)), [1, 0, 0]);
    closeTo(probs[3], 0.5, 1e-7, 'p(1,0)');
    closeTo(probs[4], 0.5, 1e-7, 'p(1,1)');
    assert.strictEqual(probs[5], 0);
    expected.forEach((x, j) => closeTo(probs[6 + j], x, 1e-7, `p(2,${j})`));
  });

  it('stays finite with very large scores', () => {
    const weights = softmax([1000, 999, -1e30, -Infinity]);
    assert.ok(weights.every(Number.isFinite));
    closeTo(weights[0], 1 / (1 + Math.exp(-1)), 1e-12, 'w0');
    closeTo(weights[1], Math.exp(-1) / (1 + Math.exp(-1)), 1e-12, 'w1');
    assert.strictEqual(weights[2], 0);
    assert.strictEqual(weights[3], 0);
    const huge = softmax([3e38, 3e38]);
    assert.deepStrictEqual(Array.from(huge), [0.5, 0.5]);
  });

  it('gives zeros, not NaN, when every key is masked', () => {
    assert.deepStrictEqual(Array.from(softmax([-Infinity, -Infinity])), [0, 0]);
  });

  it('averages heads and slices [layers, heads, T, T] tensors', () => {
    const probs: TensorData = { dims: [2, 2, 2, 2], data: Float32Array.from({ length: 16 }, (_, n) => n) };
    assert.deepStrictEqual(Array.from(headSlice(probs, 1, 0)), [8, 9, 10, 11]);
    assert.deepStrictEqual(Array.from(meanOverHeads(probs, 1)), [10, 11, 12, 13]);
  });

  it('maps query heads onto shared key/value heads', () => {
    const kv: TensorData = { dims: [1, 2, 3, 4], data: new Float32Array(24) };
    assert.deepStrictEqual([0, 1, 2, 3, 4, 5, 6, 7].map((h) => sharedHeadIndex(kv, 8, h)), [0, 0, 0, 0, 1, 1, 1, 1]);
    assert.strictEqual(sharedHeadIndex(kv, 2, 1), 1);
  });

  it('finds no difference between captured probabilities and the recomputation, and flags a tampered one', () => {
    const dims = [2, 3, 6, 8];
    const q = randomTensor(dims, 3);
    const k = randomTensor(dims, 4);
    const data = new Float32Array(2 * 3 * 36);
    for (let l = 0; l < 2; l++) {
      for (let h = 0; h < 3; h++) data.set(causalAttention(headSlice(q, l, h), headSlice(k, l, h), 8), (l * 3 + h) * 36);
    }
    const probs: TensorData = { dims: [2, 3, 6, 6], data };
    assert.ok(recomputedHeadDifference(q, k, probs, 1, 2) < 1e-6);
    data[(1 * 3 + 2) * 36 + 6 * 5 + 1] += 0.25;
    closeTo(recomputedHeadDifference(q, k, probs, 1, 2), 0.25, 1e-6, 'tampered cell');
    assert.strictEqual(maxAbsDifference([1, 2], [1.5, 2]), 0.5);
  });
});
