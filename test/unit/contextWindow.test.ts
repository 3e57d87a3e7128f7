import * as assert from 'assert';
import { fitContextToBudget } from '../../src/common/contextWindow';

/** One token per UTF-16 code unit: additive, so expected cuts can be worked out by hand. */
const byChars = (text: string) => text.length;

/** A counting stub that records how often, and on how much text, it was called. */
function countingStub() {
  const stub = { calls: 0, chars: 0, count: (text: string) => { stub.calls++; stub.chars += text.length; return text.length; } };
  return stub;
}

/** `n` lines of ten tokens each (nine characters plus the line break), numbered from `from`. */
function lines(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `line${String(from + i).padStart(5, '0')}`);
}

describe('fitContextToBudget', () => {
  it('keeps everything when it fits, and says nothing was cut', () => {
    const context = { prefix: 'a\nb\nc = ', suffix: ';\nd\ne' };
    assert.deepStrictEqual(fitContextToBudget(context, 100, byChars), { ...context, cut: false });
    const exact = context.prefix.length + context.suffix.length;
    assert.deepStrictEqual(fitContextToBudget(context, exact, byChars), { ...context, cut: false });
  });

  it('drops whole lines from the far ends, never part of a line', () => {
    const prefix = `${lines(20).join('\n')}\n    x = `;
    const suffix = `;\n${lines(20, 100).join('\n')}`;
    const fitted = fitContextToBudget({ prefix, suffix }, 110, byChars);
    assert.ok(fitted.cut);
    assert.ok(prefix.endsWith(fitted.prefix) && suffix.startsWith(fitted.suffix));
    assert.ok(fitted.prefix.startsWith('line'), 'starts at a line start');
    assert.ok(/\nline\d{5}$/.test(fitted.suffix), 'ends at a line end');
  });

  it('gives the prefix 75% of the budget and the suffix the rest', () => {
    const prefix = `${lines(30).join('\n')}\n`;
    const suffix = `\n${lines(30, 100).join('\n')}`;
    const fitted = fitContextToBudget({ prefix, suffix }, 100, byChars);
    assert.strictEqual(fitted.suffix, `\n${lines(2, 100).join('\n')}`, '25 tokens: two 10-token lines');
    assert.strictEqual(fitted.prefix, `${lines(8, 22).join('\n')}\n`, 'the 80 left: eight lines');
    assert.strictEqual(fitted.cut, true);
  });

  it('lets the prefix use what a short suffix leaves', () => {
    const prefix = `${lines(30).join('\n')}\n`;
    const suffix = `\n${lines(1, 100).join('\n')}`;
    const fitted = fitContextToBudget({ prefix, suffix }, 100, byChars);
    assert.strictEqual(fitted.suffix, suffix);
    assert.strictEqual(fitted.prefix, `${lines(9, 21).join('\n')}\n`);
  });

  it('lets the suffix use what a short prefix (top of the file) leaves', () => {
    const prefix = `${lines(2).join('\n')}\n`;
    const suffix = `\n${lines(30, 100).join('\n')}`;
    const fitted = fitContextToBudget({ prefix, suffix }, 100, byChars);
    assert.strictEqual(fitted.prefix, prefix);
    assert.strictEqual(fitted.suffix, `\n${lines(8, 100).join('\n')}`);
    assert.strictEqual(fitted.cut, true);
  });

  it('takes another prefix share, and clamps or defaults a bad one', () => {
    const prefix = `${lines(30).join('\n')}\n`;
    const suffix = `\n${lines(30, 100).join('\n')}`;
    const half = fitContextToBudget({ prefix, suffix }, 100, byChars, 0.5);
    assert.strictEqual(half.suffix, `\n${lines(5, 100).join('\n')}`);
    assert.strictEqual(half.prefix, `${lines(5, 25).join('\n')}\n`);
    assert.strictEqual(fitContextToBudget({ prefix, suffix }, 100, byChars, 2).suffix, '', 'share 1: no suffix lines');
    assert.strictEqual(fitContextToBudget({ prefix, suffix }, 100, byChars, -1).prefix, '', 'share 0: no prefix lines');
    assert.strictEqual(fitContextToBudget({ prefix, suffix }, 100, byChars, Number.NaN).suffix, `\n${lines(2, 100).join('\n')}`);
  });

  it('always keeps the cursor line, dropping every other line when only it fits', () => {
    const context = { prefix: 'above\n  call(a, ', suffix: 'b);\nbelow' };
    assert.deepStrictEqual(fitContextToBudget(context, 13, byChars), { prefix: '  call(a, ', suffix: 'b);', cut: true });
  });

  it('cuts the cursor line by characters from the far ends when it alone is over budget', () => {
    assert.deepStrictEqual(fitContextToBudget({ prefix: 'x\nabcdefghij', suffix: 'KLMNOPQRST\ny' }, 8, byChars), { prefix: 'efghij', suffix: 'KL', cut: true });
  });

  it('gives the other side of the cursor line what a short side leaves', () => {
    // Half each would be 4 and 4; a side that needs 2 leaves 6 to the other.
    assert.deepStrictEqual(fitContextToBudget({ prefix: 'abcdefghijklmnopqrst', suffix: 'KL' }, 8, byChars, 0.5), { prefix: 'opqrst', suffix: 'KL', cut: true });
    assert.deepStrictEqual(fitContextToBudget({ prefix: 'ab', suffix: 'KLMNOPQRSTUVWXYZ' }, 8, byChars, 0.5), { prefix: 'ab', suffix: 'KLMNOP', cut: true });
  });

  it('never splits a surrogate pair when cutting by characters', () => {
    const fitted = fitContextToBudget({ prefix: '😀😀😀', suffix: '' }, 3, byChars, 1);
    assert.strictEqual(fitted.prefix, '😀');
    const head = fitContextToBudget({ prefix: '', suffix: '😀😀😀' }, 3, byChars, 0);
    assert.strictEqual(head.suffix, '😀');
  });

  it('keeps nothing for a budget of zero, a negative one or NaN', () => {
    const context = { prefix: 'a\nbc', suffix: 'de\nf' };
    for (const budget of [0, -5, Number.NaN]) {
      assert.deepStrictEqual(fitContextToBudget(context, budget, byChars), { prefix: '', suffix: '', cut: true }, String(budget));
    }
    assert.deepStrictEqual(fitContextToBudget({ prefix: '', suffix: '' }, 0, byChars), { prefix: '', suffix: '', cut: false });
  });

  it('keeps everything for an infinite budget without counting', () => {
    const stub = countingStub();
    const context = { prefix: 'a\nb', suffix: 'c\nd' };
    assert.deepStrictEqual(fitContextToBudget(context, Infinity, stub.count), { ...context, cut: false });
    assert.strictEqual(stub.calls, 0);
  });

  it('rounds a fractional budget down', () => {
    assert.deepStrictEqual(fitContextToBudget({ prefix: 'abc', suffix: '' }, 2.9, byChars), { prefix: 'bc', suffix: '', cut: true });
  });

  it('keeps CRLF line endings intact', () => {
    const context = { prefix: 'a\r\nb\r\nc', suffix: 'd\r\ne\r\nf' };
    assert.deepStrictEqual(fitContextToBudget(context, 100, byChars), { ...context, cut: false });
    // Cursor line 'c' + 'd\r' = 3; the suffix's 4 leave 2, too few for '\ne\r'; the prefix takes 'b\r\n'.
    assert.deepStrictEqual(fitContextToBudget(context, 8, byChars, 0.5), { prefix: 'b\r\nc', suffix: 'd\r', cut: true });
    assert.deepStrictEqual(fitContextToBudget(context, 12, byChars, 0.5), { prefix: 'a\r\nb\r\nc', suffix: 'd\r\ne\r', cut: true });
  });

  it('keeps blank lines as lines', () => {
    const context = { prefix: 'a\n\n\nb', suffix: '\n\n\nc' };
    assert.deepStrictEqual(fitContextToBudget(context, 5, byChars, 0.5), { prefix: '\n\nb', suffix: '\n\n', cut: true });
  });

  it('counts a 10 000-line file in a bounded number of calls, with the same cut as line by line', () => {
    const prefix = `${lines(10000).join('\n')}\n    return `;
    const suffix = `x;\n${lines(10000, 20000).join('\n')}`;
    const stub = countingStub();
    const fitted = fitContextToBudget({ prefix, suffix }, 2000, stub.count);
    assert.ok(stub.calls <= 100, `${stub.calls} calls`);
    assert.ok(stub.chars <= 3 * 2000 + 200, `${stub.chars} characters counted`);
    // Cursor line: 11 + 2 tokens; suffix lines get 500 - 2 → 49 lines (490); the prefix 1987 - 490 → 149 lines.
    assert.strictEqual(fitted.suffix, `x;\n${lines(49, 20000).join('\n')}`);
    assert.strictEqual(fitted.prefix, `${lines(149, 9851).join('\n')}\n    return `);
    assert.ok(fitted.prefix.length + fitted.suffix.length <= 2000);
  });

  it('stays bounded when the whole large file fits', () => {
    const prefix = `${lines(10000).join('\n')}\n`;
    const stub = countingStub();
    const fitted = fitContextToBudget({ prefix, suffix: '' }, 1e9, stub.count);
    assert.strictEqual(fitted.prefix, prefix);
    assert.strictEqual(fitted.cut, false);
    assert.ok(stub.calls <= 40, `${stub.calls} calls`);
  });

  it('works with a tokenizer that is not one token per character', () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const prefix = 'one two three\nfour five\nsix seven eight\nnine ';
    assert.deepStrictEqual(fitContextToBudget({ prefix, suffix: '' }, 6, words, 1), { prefix: 'four five\nsix seven eight\nnine ', suffix: '', cut: true });
    assert.deepStrictEqual(fitContextToBudget({ prefix, suffix: '' }, 5, words, 1), { prefix: 'six seven eight\nnine ', suffix: '', cut: true });
  });
});
