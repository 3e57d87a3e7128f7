import * as assert from 'assert';
import { LensError } from '../../src/common/errors';
import { parseWorkerRequest } from '../../src/worker/requestValidation';

const badRequest = (error: unknown) => error instanceof LensError && error.code === 'BAD_REQUEST';

describe('parseWorkerRequest', () => {
  it('accepts well-formed requests', () => {
    const generate = { type: 'generate', id: 3, priority: 'completion', prompt: 'x', maxNewTokens: 8, blockedTokenIds: [1, 2] };
    assert.deepStrictEqual(parseWorkerRequest(generate), generate);
    const load = { type: 'load', id: 1, source: { kind: 'folder', path: '/m', displayName: 'm' }, device: 'wasm', dtype: 'q8' };
    assert.deepStrictEqual(parseWorkerRequest(load), load);
    assert.deepStrictEqual(parseWorkerRequest({ type: 'cancel', id: 3 }), { type: 'cancel', id: 3 });
    const probe = { type: 'probe', id: 4, tokenIds: [5, 6, 7], position: 2, lens: true, maskedPositions: [0], knockedOutHeads: [{ layer: 0, head: 1 }], continuation: true };
    assert.deepStrictEqual(parseWorkerRequest(probe), probe);
  });

  for (const [name, message] of [
    ['a non-object', 'load'],
    ['a missing id', { type: 'cancel' }],
    ['an unknown type', { type: 'explode', id: 1 }],
    ['the dispose request the protocol no longer has', { type: 'dispose', id: 1 }],
    ['an unknown device', { type: 'load', id: 1, source: { kind: 'folder' }, device: 'tpu', dtype: 'q8' }],
    ['a missing prompt', { type: 'generate', id: 1, priority: 'command', maxNewTokens: 3 }],
    ['too many tokens', { type: 'generate', id: 1, priority: 'command', prompt: '', maxNewTokens: 1e6 }],
    ['a probe past its tokens', { type: 'probe', id: 1, tokenIds: [5, 6], position: 2, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false }],
    ['a probe with negative token ids', { type: 'probe', id: 1, tokenIds: [-5], position: 0, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false }],
    ['a probe masking outside its tokens', { type: 'probe', id: 1, tokenIds: [5], position: 0, lens: true, maskedPositions: [3], knockedOutHeads: [], continuation: false }],
    ['a probe with a malformed head', { type: 'probe', id: 1, tokenIds: [5], position: 0, lens: true, maskedPositions: [], knockedOutHeads: [{ layer: -1, head: 0 }], continuation: false }],
    ['non-integer blocked ids', { type: 'generate', id: 1, priority: 'command', prompt: '', maxNewTokens: 3, blockedTokenIds: ['a'] }],
  ] as const) {
    it(`rejects ${name}`, () => assert.throws(() => parseWorkerRequest(message), badRequest));
  }
});

describe('parseWorkerRequest: stats', () => {
  it('accepts a stats request with or without a collection', () => {
    assert.deepStrictEqual(parseWorkerRequest({ type: 'stats', id: 4 }), { type: 'stats', id: 4 });
    assert.deepStrictEqual(parseWorkerRequest({ type: 'stats', id: 5, collectGarbage: true }), { type: 'stats', id: 5, collectGarbage: true });
  });

  for (const [name, message] of [
    ['a stats request without an id', { type: 'stats' }],
    ['a stats request with a fractional id', { type: 'stats', id: 1.5 }],
    ['a non-boolean collectGarbage', { type: 'stats', id: 1, collectGarbage: 'yes' }],
  ] as const) {
    it(`rejects ${name}`, () => assert.throws(() => parseWorkerRequest(message), badRequest));
  }
});
