import * as assert from 'assert';
import { MaskedLines } from '../../src/summarize/codeMasking';
import { matchBrackets, tokenize } from '../../src/summarize/codeTokens';

// Lines that are code already (nothing to mask), as the tokenizer reads them.
function plain(lines: readonly string[]): MaskedLines {
  return { line: (row) => lines[row] ?? '', startsInString: () => false, lineCount: lines.length };
}

const texts = (lines: readonly string[]) => tokenize(plain(lines), { from: 0, to: lines.length }).map((token) => token.text);

describe('tokenize', () => {
  it('reads words, numbers and the operators the scanners look for, every other character alone', () => {
    assert.deepStrictEqual(texts(['f = async (a, ...b) => a?.x ?? 1.5e3;']), ['f', '=', 'async', '(', 'a', ',', '...', 'b', ')', '=>', 'a', '?.', 'x', '?', '?', '1.5e3', ';']);
    assert.deepStrictEqual(texts(['x := y::z -> w != v && u || t ** 2 == s']), ['x', ':=', 'y', '::', 'z', '->', 'w', '!=', 'v', '&&', 'u', '||', 't', '**', '2', '==', 's']);
  });

  it('takes letters beyond ASCII and $ as word characters', () => {
    assert.deepStrictEqual(texts(['größe $el _x9 é']), ['größe', '$el', '_x9', 'é']);
  });

  it('gives each token its line and column, reading only the window', () => {
    const lines = ['skip()', '  a(b)', '  c'];
    const tokens = tokenize(plain(lines), { from: 1, to: 2 });
    assert.deepStrictEqual(tokens, [{ text: 'a', line: 1, col: 2 }, { text: '(', line: 1, col: 3 }, { text: 'b', line: 1, col: 4 }, { text: ')', line: 1, col: 5 }]);
  });
});

describe('matchBrackets', () => {
  const matchOf = (line: string) => matchBrackets(tokenize(plain([line]), { from: 0, to: 1 }));

  it('pairs nested brackets of every kind', () => {
    // tokens: f ( [ { } ] )
    assert.deepStrictEqual(matchOf('f([{}])'), [-1, 6, 5, 4, 3, 2, 1]);
  });

  it('closes the nearest opener of its kind in unbalanced code, leaving the ones in between unpaired', () => {
    // tokens: ( [ ) ]  — the `)` closes the `(` and drops the `[` inside it, so the `]` has no partner.
    assert.deepStrictEqual(matchOf('([)]'), [2, -1, 0, -1]);
    // A closer with no opener of its kind is left alone.
    assert.deepStrictEqual(matchOf('}(x)'), [-1, 3, -1, 1]);
  });
});
