import * as assert from 'assert';
import { parseFromWebview } from '../../src/common/webviewProtocol';

const selection = { view: 'matrix', layer: 1, head: 'mean', heads: [0, 2], queryToken: 4 };

describe('parseFromWebview', () => {
  it('accepts every well-formed message', () => {
    assert.deepStrictEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepStrictEqual(parseFromWebview({ type: 'ready', selection }), { type: 'ready', selection });
    assert.deepStrictEqual(parseFromWebview({ type: 'ready', selection: { ...selection, view: 'evil' } }), { type: 'ready' }, 'a bad selection is dropped, the ready kept');
    assert.deepStrictEqual(parseFromWebview({ type: 'needVectors', extra: 1 }), { type: 'needVectors' });
    assert.deepStrictEqual(parseFromWebview({ type: 'selectionChanged', selection }), { type: 'selectionChanged', selection });
    assert.deepStrictEqual(parseFromWebview({ type: 'revealToken', index: 3 }), { type: 'revealToken', index: 3 });
    assert.deepStrictEqual(parseFromWebview({ type: 'rendered', view: 'steps', ms: 12.5 }), { type: 'rendered', view: 'steps', ms: 12.5 });
    assert.deepStrictEqual(parseFromWebview({ type: 'rendered', view: 'matrix', ms: 90, arrivedAt: 1_795_000_000_000 }), { type: 'rendered', view: 'matrix', ms: 90, arrivedAt: 1_795_000_000_000 });
    assert.strictEqual(parseFromWebview({ type: 'export', format: 'png', dataUrl: 'data:image/png;base64,AAAA' })?.type, 'export');
    assert.strictEqual(parseFromWebview({ type: 'export', format: 'json', json: '{}' })?.type, 'export');
  });

  it('accepts a probe, its masked positions deduplicated and sorted', () => {
    const request = { position: 5, lens: true, maskedPositions: [4, 2, 4], knockedOutHeads: [{ layer: 1, head: 0, extra: 'x' }], continuation: false };
    assert.deepStrictEqual(parseFromWebview({ type: 'probe', probeId: 7, request }), {
      type: 'probe',
      probeId: 7,
      request: { position: 5, lens: true, maskedPositions: [2, 4], knockedOutHeads: [{ layer: 1, head: 0 }], continuation: false },
    });
  });

  it('drops extra fields it does not know', () => {
    assert.deepStrictEqual(parseFromWebview({ type: 'revealToken', index: 1, command: 'rm -rf' }), { type: 'revealToken', index: 1 });
  });

  for (const [name, message] of [
    ['null', null],
    ['a string', 'ready'],
    ['an unknown type', { type: 'runCommand', command: 'x' }],
    ['a negative token index', { type: 'revealToken', index: -1 }],
    ['a fractional token index', { type: 'revealToken', index: 1.5 }],
    ['an unknown view', { type: 'selectionChanged', selection: { ...selection, view: 'evil' } }],
    ['a bad head', { type: 'selectionChanged', selection: { ...selection, head: 'all' } }],
    ['heads that are not integers', { type: 'selectionChanged', selection: { ...selection, heads: ['0'] } }],
    ['a PNG export that is not a PNG data URL', { type: 'export', format: 'png', dataUrl: 'https://example.com/x.png' }],
    ['an export of an unknown format', { type: 'export', format: 'exe', json: '' }],
    ['a probe without an id', { type: 'probe', request: { position: 0, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false } }],
    ['a probe at a negative position', { type: 'probe', probeId: 1, request: { position: -1, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false } }],
    ['a probe masking too many tokens', { type: 'probe', probeId: 1, request: { position: 0, lens: false, maskedPositions: Array.from({ length: 65 }, (_, i) => i), knockedOutHeads: [], continuation: false } }],
    ['a probe with a head that is not a pair', { type: 'probe', probeId: 1, request: { position: 0, lens: false, maskedPositions: [], knockedOutHeads: [3], continuation: false } }],
    ['a probe whose flags are not booleans', { type: 'probe', probeId: 1, request: { position: 0, lens: 'yes', maskedPositions: [], knockedOutHeads: [], continuation: false } }],
    ['a rendered time that is not finite', { type: 'rendered', view: 'matrix', ms: Infinity }],
    ['an arrival time that is not a number', { type: 'rendered', view: 'matrix', ms: 1, arrivedAt: '12:00' }],
  ] as const) {
    it(`rejects ${name}`, () => assert.strictEqual(parseFromWebview(message), undefined));
  }
});
