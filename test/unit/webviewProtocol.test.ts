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
    ['a rendered time that is not finite', { type: 'rendered', view: 'matrix', ms: Infinity }],
    ['an arrival time that is not a number', { type: 'rendered', view: 'matrix', ms: 1, arrivedAt: '12:00' }],
  ] as const) {
    it(`rejects ${name}`, () => assert.strictEqual(parseFromWebview(message), undefined));
  }
});
