import * as assert from 'assert';
import { looksLikeProse } from '../../src/summarize/summaryCheck';

describe('looksLikeProse', () => {
  for (const prose of ['Returns the clamp value of a number.', 'Read JSON data into a JSON object.', 'Checks if a value is an empty object.', 'Computes the total of the cart items.']) {
    it(`accepts "${prose}"`, () => assert.strictEqual(looksLikeProse(prose), true));
  }
  for (const code of ['Def _get_name_from_name(name).', 'return a + b;', 'Function add(a, b) {', 'x => x * 2.', 'Self.assertEqual(x, y).', 'Ok.', 'Get foo_bar baz_qux.', '']) {
    it(`rejects "${code}"`, () => assert.strictEqual(looksLikeProse(code), false));
  }
});
