import * as assert from 'assert';
import { relocateBlock } from '../../src/summarize/blockRelocation';

const BEFORE = ['import x', '', 'def is_even(number):', '    return number % 2 == 0', '', 'print(1)'];
const BLOCK = { startLine: 2, declarationLine: 2, endLine: 3, name: 'is_even' };
const BLOCK_LINES = BEFORE.slice(2, 4);

describe('relocateBlock', () => {
  it('follows the block when lines were added above it', () => {
    const after = ['# one', '# two', ...BEFORE];
    assert.deepStrictEqual(relocateBlock(BLOCK, BLOCK_LINES, after), { ...BLOCK, startLine: 4, declarationLine: 4, endLine: 5 });
  });

  it('keeps it in place when only lines below changed', () => {
    assert.deepStrictEqual(relocateBlock(BLOCK, BLOCK_LINES, [...BEFORE.slice(0, 5), 'print(2)', 'print(3)']), BLOCK);
  });

  it('gives up when the block itself was edited or removed', () => {
    assert.strictEqual(relocateBlock(BLOCK, BLOCK_LINES, ['import x', '', 'def is_even(n):', '    return n % 2 == 0']), undefined);
    assert.strictEqual(relocateBlock(BLOCK, BLOCK_LINES, ['import x']), undefined);
  });

  it('gives up when the block now appears twice', () => {
    assert.strictEqual(relocateBlock(BLOCK, BLOCK_LINES, [...BEFORE, ...BLOCK_LINES]), undefined);
  });
});
