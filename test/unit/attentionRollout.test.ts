import * as assert from 'assert';
import { attentionRollout, attentionRolloutRow } from '../../src/common/attentionRollout';
import type { TensorData } from '../../src/common/attentionData';

/** Deterministic pseudo-random numbers in [0, 1), so failures reproduce. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Random attention [layers, heads, T, T], rows summing to 1; causal: zeros above the diagonal. */
function randomProbs(layers: number, heads: number, T: number, causal: boolean, seed: number): TensorData {
  const next = seeded(seed);
  const data = new Float32Array(layers * heads * T * T);
  for (let l = 0; l < layers; l++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < T; i++) {
        const base = ((l * heads + h) * T + i) * T;
        const width = causal ? i + 1 : T;
        let sum = 0;
        for (let j = 0; j < width; j++) sum += data[base + j] = next() ** 3; // skewed, some near 0
        for (let j = 0; j < width; j++) data[base + j] /= sum;
      }
  return { dims: [layers, heads, T, T], data };
}

type Matrix = number[][];

/** Â_l the plain way: nested arrays, mean over heads, ½A + ½I, rows renormalised. */
function naiveMixed(probs: TensorData, layer: number): Matrix {
  const [, heads, T] = probs.dims;
  const out: Matrix = [];
  for (let i = 0; i < T; i++) {
    const row: number[] = [];
    for (let j = 0; j < T; j++) {
      let mean = 0;
      for (let h = 0; h < heads; h++) mean += probs.data[((layer * heads + h) * T + i) * T + j] / heads;
      row.push(0.5 * mean + (i === j ? 0.5 : 0));
    }
    const sum = row.reduce((a, b) => a + b, 0);
    out.push(row.map((x) => x / sum));
  }
  return out;
}

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, x, k) => sum + x * b[k][j], 0)));
}

function naiveRollout(probs: TensorData, upTo: number): Matrix {
  let r = naiveMixed(probs, 0);
  for (let l = 1; l <= upTo; l++) r = multiply(naiveMixed(probs, l), r);
  return r;
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number, what: string): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('attentionRollout', () => {
  for (const causal of [true, false]) {
    it(`matches a naive matrix product on random ${causal ? 'causal' : 'non-causal'} attention`, () => {
      const probs = randomProbs(4, 3, 7, causal, causal ? 11 : 12);
      for (const upTo of [0, 1, 3]) {
        const expected = naiveRollout(probs, upTo);
        assertClose(attentionRollout(probs, upTo), expected.flat(), 1e-6, `upTo ${upTo}`);
        for (let q = 0; q < 7; q++) assertClose(attentionRolloutRow(probs, q, upTo), expected[q], 1e-6, `row ${q} upTo ${upTo}`);
      }
    });
  }

  it('keeps a causal rollout lower-triangular and every row summing to 1', () => {
    const T = 9;
    const probs = randomProbs(3, 2, T, true, 5);
    const r = attentionRollout(probs, 2);
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j < T; j++) {
        sum += r[i * T + j];
        if (j > i) assert.strictEqual(r[i * T + j], 0, `(${i}, ${j}) above the diagonal`);
      }
      assert.ok(Math.abs(sum - 1) < 1e-6, `row ${i} sums to ${sum}`);
    }
  });

  it('up to layer 0 is Â_0 itself', () => {
    // One head, one layer, 2 tokens: A = [[1, 0], [0.6, 0.4]] → Â = [[1, 0], [0.3, 0.7]].
    const probs: TensorData = { dims: [1, 1, 2, 2], data: Float32Array.from([1, 0, 0.6, 0.4]) };
    assertClose(attentionRollout(probs, 0), [1, 0, 0.3, 0.7], 1e-7, 'Â_0');
    assertClose(attentionRolloutRow(probs, 1, 0), [0.3, 0.7], 1e-7, 'row 1');
  });

  it('turns identity attention into the identity', () => {
    const T = 5;
    const data = new Float32Array(3 * 2 * T * T);
    for (let m = 0; m < 6; m++) for (let i = 0; i < T; i++) data[(m * T + i) * T + i] = 1;
    const probs: TensorData = { dims: [3, 2, T, T], data };
    const identity = [...Array(T * T).keys()].map((n) => (n % (T + 1) === 0 ? 1 : 0));
    assert.deepStrictEqual([...attentionRollout(probs, 2)], identity);
    assert.deepStrictEqual([...attentionRolloutRow(probs, 3, 2)], identity.slice(3 * T, 4 * T));
  });

  it('clamps the layer into the capture and survives an all-zero row', () => {
    const probs = randomProbs(2, 2, 4, true, 9);
    assert.deepStrictEqual([...attentionRollout(probs, 99)], [...attentionRollout(probs, 1)]);
    const zero: TensorData = { dims: [1, 1, 2, 2], data: new Float32Array(4) };
    assert.deepStrictEqual([...attentionRollout(zero, 0)], [1, 0, 0, 1]);
  });
});
