import * as assert from 'assert';
import type { AttentionCapture } from '../../src/common/attentionData';
import { MAX_EXPORT_JSON_CHARS, type ViewSelection } from '../../src/common/webviewProtocol';
import { captureToJson } from '../../src/webview-ui/captureExport';

const SELECTION: ViewSelection = { view: 'matrix', layer: 0, head: 0, heads: [0], queryToken: 0 };

/** A capture of `tokens` tokens over `layers` × `heads` with zero probabilities and no vectors. */
function capture(layers: number, heads: number, tokens: number): AttentionCapture {
  return {
    tokens: Array.from({ length: tokens }, () => 'x'),
    tokenIds: Array.from({ length: tokens }, () => 1),
    offsets: Array.from({ length: tokens }, (_, i) => [i, i + 1] as const),
    text: 'x'.repeat(tokens),
    layers,
    heads,
    headDim: 0,
    modelName: 'test',
    probs: { dims: [layers, heads, tokens, tokens], data: new Float32Array(layers * heads * tokens * tokens) },
    positionKind: 'learned',
    origin: { kind: 'selection', label: 'test' },
  };
}

describe('JSON export of a capture', () => {
  it('writes a small capture as JSON', () => {
    const exported = captureToJson(capture(2, 2, 8), SELECTION);
    assert.ok('json' in exported);
    assert.deepStrictEqual(JSON.parse(exported.json).probs.dims, [2, 2, 8, 8]);
  });

  it('says so, without building the text, when the probabilities alone exceed one message', () => {
    // 8 layers × 8 heads × 600² floats: about 23M numbers, some 270 MB of JSON.
    const big = capture(8, 8, 600);
    const exported = captureToJson(big, SELECTION);
    assert.ok('tooLarge' in exported, 'a JSON text of that size would be dropped by the host');
    assert.match(exported.tooLarge, /too large to export as JSON: its 600 tokens' probabilities alone come to about \d+ MB/);
    assert.ok(MAX_EXPORT_JSON_CHARS < big.probs.data.length * 12);
  });
});
