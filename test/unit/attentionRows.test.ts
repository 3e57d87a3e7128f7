import * as assert from 'assert';
import { splitVectors, type AttentionCapture } from '../../src/common/attentionData';
import { attentionRow, MIN_SHADED_WEIGHT, shadedTokens, tokenAt } from '../../src/attention/attentionRows';

function capture(): AttentionCapture {
  // 1 layer, 2 heads, 3 tokens: head 0 attends to the first token, head 1 to itself.
  const T = 3;
  const probs = new Float32Array(2 * T * T);
  for (let i = 0; i < T; i++) {
    probs[(0 * T + i) * T + 0] = 1;
    probs[(1 * T + i) * T + i] = 1;
  }
  return {
    tokens: ['ab', ' c', 'd'],
    tokenIds: [1, 2, 3],
    offsets: [
      [0, 2],
      [2, 4],
      [4, 5],
    ],
    text: 'ab cd',
    layers: 1,
    heads: 2,
    headDim: 0,
    modelName: 't',
    probs: { dims: [1, 2, T, T], data: probs },
    positionKind: 'learned',
    origin: { kind: 'selection', label: 'x' },
  };
}

describe('attentionRow', () => {
  it('reads one head', () => {
    assert.deepStrictEqual([...attentionRow(capture(), 0, 0, 2)], [1, 0, 0]);
    assert.deepStrictEqual([...attentionRow(capture(), 0, 1, 2)], [0, 0, 1]);
  });
  it('averages the heads for "mean"', () => {
    assert.deepStrictEqual([...attentionRow(capture(), 0, 'mean', 2)], [0.5, 0, 0.5]);
    assert.deepStrictEqual([...attentionRow(capture(), 0, 'mean', 0)], [1, 0, 0]);
  });
});

describe('tokenAt', () => {
  it('finds the token whose range holds the offset, and the last token at the very end', () => {
    const c = capture();
    assert.strictEqual(tokenAt(c, 0), 0);
    assert.strictEqual(tokenAt(c, 1), 0);
    assert.strictEqual(tokenAt(c, 2), 1);
    assert.strictEqual(tokenAt(c, 4), 2);
    assert.strictEqual(tokenAt(c, 5), 2);
    assert.strictEqual(tokenAt(c, 6), undefined);
    assert.strictEqual(tokenAt(c, -1), undefined);
  });
});

describe('splitVectors', () => {
  it('keeps the vectors back and marks the capture, leaving the probabilities', () => {
    const q = { dims: [1, 2, 3, 4], data: new Float32Array(24) };
    const { light, vectors } = splitVectors({ ...capture(), q, k: q, v: q });
    assert.strictEqual(light.q, undefined);
    assert.strictEqual(light.vectorsOnRequest, true);
    assert.strictEqual(light.probs.data.length, 18);
    assert.strictEqual(vectors.q, q);
    assert.ok(!('q' in light));
  });
  it('does not promise vectors a capture never had', () => {
    const { light } = splitVectors(capture());
    assert.strictEqual(light.vectorsOnRequest, undefined);
  });
});

describe('shadedTokens', () => {
  it('skips faint weights and tokens after the query, levels by the square root', () => {
    // 5 levels: √0.01 < MIN, √0.04 = 0.2 → 1, √0.25 = 0.5 → 2, √0.7 ≈ 0.837 → 4, √1 → capped at 4.
    const row = [0.01, 0.04, 0.25, 0.7, 1];
    assert.ok(0.01 < MIN_SHADED_WEIGHT);
    assert.deepStrictEqual(shadedTokens(row, 3, 5), [
      { token: 1, level: 1 },
      { token: 2, level: 2 },
      { token: 3, level: 4 },
    ]);
    assert.deepStrictEqual(shadedTokens(row, 10, 5).map((s) => s.token), [1, 2, 3, 4]);
    assert.deepStrictEqual(shadedTokens([NaN, 0.5], 1, 5), [{ token: 1, level: 3 }]);
  });
});
