import * as assert from 'assert';
import { LruCache, suggestionKey } from '../../src/completion/suggestionCache';

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new LruCache<string>(2);
    cache.set('a', '1');
    cache.set('b', '2');
    assert.strictEqual(cache.get('a'), '1'); // a is now the most recent
    cache.set('c', '3');
    assert.strictEqual(cache.get('b'), undefined);
    assert.strictEqual(cache.get('a'), '1');
    assert.strictEqual(cache.get('c'), '3');
    assert.strictEqual(cache.size, 2);
  });

  it('keys on the model and on the text next to the cursor only', () => {
    const far = 'x'.repeat(5000);
    assert.strictEqual(suggestionKey('m', far + 'ab', 'cd'), suggestionKey('m', 'y'.repeat(5000) + far + 'ab', 'cd'));
    assert.notStrictEqual(suggestionKey('m', 'ab', 'cd'), suggestionKey('n', 'ab', 'cd'));
    assert.notStrictEqual(suggestionKey('m', 'ab', 'cd'), suggestionKey('m', 'a', 'bcd'));
  });
});
