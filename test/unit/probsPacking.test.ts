import * as assert from 'assert';
import { fromPanelCapture, toPanelCapture, withAllLayers, type AttentionCapture, type TensorData } from '../../src/common/attentionData';
import { causalAttention } from '../../src/webview-ui/attentionMath';
import { packProbs, triangleSize, unpackProbs } from '../../src/common/probsPacking';

/** Causal attention of random q and k: [layers, heads, T, T] with exact zeros above the diagonal. */
function causalProbs(layers: number, heads: number, tokens: number, headDim = 4): TensorData {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const data = new Float32Array(layers * heads * tokens * tokens);
  for (let m = 0; m < layers * heads; m++) {
    const q = Float32Array.from({ length: tokens * headDim }, random);
    const k = Float32Array.from({ length: tokens * headDim }, random);
    data.set(causalAttention(q, k, headDim), m * tokens * tokens);
  }
  return { dims: [layers, heads, tokens, tokens], data };
}

describe('packProbs / unpackProbs', () => {
  it('sends a causal capture as its lower triangles, and gets every float32 value back exactly', () => {
    const probs = causalProbs(2, 3, 9);
    const packed = packProbs(probs);
    assert.strictEqual(packed.layout, 'lower-triangle');
    assert.strictEqual(packed.data.length, 2 * 3 * triangleSize(9)); // 270 of 486 values
    const back = unpackProbs(packed);
    assert.deepStrictEqual(back.dims, probs.dims);
    assert.deepStrictEqual(Array.from(back.data), Array.from(probs.data));
  });

  it('sends a matrix with any weight above the diagonal whole (a bidirectional model)', () => {
    const probs = causalProbs(1, 2, 5);
    const data = Float32Array.from(probs.data);
    data[25 + 1 * 5 + 3] = 1e-9; // head 1, row 1, column 3
    const packed = packProbs({ dims: probs.dims, data });
    assert.strictEqual(packed.layout, 'full');
    assert.strictEqual(unpackProbs(packed).data, data);
  });

  it('halves the bytes at 256 tokens (8 layers × 6 heads: 12.6 MB → 6.3 MB)', () => {
    const tokens = 256;
    const data = new Float32Array(8 * 6 * tokens * tokens);
    for (let m = 0; m < 48; m++) for (let i = 0; i < tokens; i++) data.fill(1 / (i + 1), m * tokens * tokens + i * tokens, m * tokens * tokens + i * tokens + i + 1);
    const packed = packProbs({ dims: [8, 6, tokens, tokens], data });
    assert.strictEqual(packed.data.byteLength, 6_316_032);
    assert.ok(packed.data.byteLength / data.byteLength < 0.51);
  });

  it('leaves a single token and an empty capture as they are', () => {
    for (const tokens of [0, 1]) {
      const probs = { dims: [1, 1, tokens, tokens], data: new Float32Array(tokens * tokens).fill(1) };
      assert.strictEqual(packProbs(probs).layout, 'full');
      assert.deepStrictEqual(Array.from(unpackProbs(packProbs(probs)).data), Array.from(probs.data));
    }
  });
});

describe('toPanelCapture / fromPanelCapture', () => {
  it('posts no vectors and packed probabilities; the webview rebuilds the same capture without them', () => {
    const probs = causalProbs(1, 2, 4);
    const q = { dims: [1, 2, 4, 4], data: new Float32Array(32).fill(0.5) };
    const capture: AttentionCapture = {
      tokens: ['a', 'b', 'c', 'd'], tokenIds: [1, 2, 3, 4], offsets: [[0, 1], [1, 2], [2, 3], [3, 4]], text: 'abcd',
      layers: 1, heads: 2, headDim: 4, modelName: 'm', probs, q, k: q, v: q, positionKind: 'learned', origin: { kind: 'selection', label: 'x' },
    };
    const panel = toPanelCapture(capture);
    assert.ok(!('q' in panel));
    assert.strictEqual(panel.vectorsOnRequest, true);
    assert.strictEqual(panel.probs.layout, 'lower-triangle');
    const rebuilt = fromPanelCapture(panel);
    assert.deepStrictEqual(Array.from(rebuilt.probs.data), Array.from(probs.data));
    const { probs: _p, q: _q, k: _k, v: _v, ...rest } = capture;
    const { probs: _rebuiltProbs, ...rebuiltRest } = rebuilt;
    assert.deepStrictEqual(rebuiltRest, { ...rest, vectorsOnRequest: true });
  });
});

describe('one layer first (toPanelCapture with a layer, fromPanelCapture, withAllLayers)', () => {
  const capture = (): AttentionCapture => ({
    tokens: ['a', 'b', 'c'], tokenIds: [1, 2, 3], offsets: [[0, 1], [1, 2], [2, 3]], text: 'abc',
    layers: 3, heads: 2, headDim: 4, modelName: 'm', probs: causalProbs(3, 2, 3), positionKind: 'learned', origin: { kind: 'selection', label: 'x' },
  });

  it('sends only the asked layer, and the webview holds it in place with the others still 0', () => {
    const full = capture();
    const panel = toPanelCapture(full, 1);
    assert.strictEqual(panel.probsLayer, 1);
    assert.deepStrictEqual(panel.probs.dims, [1, 2, 3, 3]);
    const rebuilt = fromPanelCapture(panel);
    assert.strictEqual(rebuilt.onlyLayer, 1);
    assert.deepStrictEqual(rebuilt.probs.dims, [3, 2, 3, 3]);
    const size = 2 * 3 * 3;
    assert.deepStrictEqual(Array.from(rebuilt.probs.data.subarray(size, 2 * size)), Array.from(full.probs.data.subarray(size, 2 * size)));
    assert.ok(rebuilt.probs.data.subarray(0, size).every((x) => x === 0));
    const complete = withAllLayers(rebuilt, packProbs(full.probs));
    assert.strictEqual(complete.onlyLayer, undefined);
    assert.ok(!('onlyLayer' in complete));
    assert.deepStrictEqual(Array.from(complete.probs.data), Array.from(full.probs.data));
  });

  it('sends everything for a one-layer model or a layer that does not exist', () => {
    for (const layer of [undefined, -1, 3, 1.5]) assert.strictEqual(toPanelCapture(capture(), layer).probsLayer, undefined, String(layer));
    const single = { ...capture(), layers: 1, probs: causalProbs(1, 2, 3) };
    assert.strictEqual(toPanelCapture(single, 0).probsLayer, undefined);
  });
});
