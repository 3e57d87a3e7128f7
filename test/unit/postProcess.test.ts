import * as assert from 'assert';
import { postProcessCompletion, SuggestionContext } from '../../src/completion/postProcess';
import { StopRules } from '../../src/common/stopRules';

interface Cursor {
  linePrefix?: string;
  lineSuffix?: string;
  previousLine?: string;
  suffixLines?: string[];
  rules?: Partial<StopRules>;
  minLength?: number;
}

/** Cleans `raw` at a cursor described by the fields that matter to the test. */
function clean(raw: string, cursor: Cursor = {}): string | undefined {
  const linePrefix = cursor.linePrefix ?? '';
  const context: SuggestionContext = {
    linePrefix,
    lineSuffix: cursor.lineSuffix ?? '',
    previousLine: cursor.previousLine ?? '',
    suffixLines: cursor.suffixLines ?? [],
    rules: { stopStrings: ['<|endoftext|>'], singleLine: false, linePrefix, ...cursor.rules },
    ...(cursor.minLength !== undefined ? { minLength: cursor.minLength } : {}),
  };
  return postProcessCompletion(raw, context);
}

describe('postProcessCompletion', () => {
  describe('stop rules', () => {
    it('cuts at a stop string', () => {
      assert.strictEqual(clean('foo();<|endoftext|>bar();'), 'foo();');
    });

    it('cuts at the end of the block', () => {
      assert.strictEqual(clean('a();\n    b();\n}\n\nnext();', { linePrefix: '    ', rules: { blockIndent: 4 } }), 'a();\n    b();');
    });

    it('cuts at the first line in single-line mode', () => {
      assert.strictEqual(clean('a();\nb();', { rules: { singleLine: true } }), 'a();');
    });

    it('gives nothing when the model stops at once', () => {
      assert.strictEqual(clean('<|endoftext|>foo();'), undefined);
    });
  });

  describe('whitespace', () => {
    it('strips trailing whitespace and blank lines, keeps leading indentation', () => {
      assert.strictEqual(clean('foo();   \n  \n'), 'foo();');
      assert.strictEqual(clean('\n    return x;'), '\n    return x;');
    });

    it('rejects a whitespace-only or empty result', () => {
      assert.strictEqual(clean('   \n\t\n'), undefined);
      assert.strictEqual(clean(''), undefined);
      assert.strictEqual(clean('   ', { minLength: 0 }), undefined);
    });
  });

  describe('minimum length', () => {
    it('rejects fewer than 2 non-whitespace characters by default', () => {
      assert.strictEqual(clean('x'), undefined);
      assert.strictEqual(clean(' x \n '), undefined);
      assert.strictEqual(clean('xy'), 'xy');
      assert.strictEqual(clean('x y'), 'x y');
    });

    it('takes another minimum', () => {
      assert.strictEqual(clean('x', { minLength: 1 }), 'x');
      assert.strictEqual(clean('abcd', { minLength: 5 }), undefined);
      assert.strictEqual(clean('ab cde', { minLength: 5 }), 'ab cde');
    });
  });

  describe('text after the cursor', () => {
    it('keeps a single line when it is more than closers', () => {
      assert.strictEqual(clean('abc\ndef', { lineSuffix: ' + y' }), 'abc');
      assert.strictEqual(clean('abc\r\ndef', { lineSuffix: 'x' }), 'abc');
    });

    it('gives nothing when the model starts on a new line in the middle of a line', () => {
      assert.strictEqual(clean('\n  foo();', { linePrefix: 'x = ', lineSuffix: ' + y' }), undefined);
    });

    it('allows several lines before closers and their punctuation', () => {
      assert.strictEqual(clean('\n  a,\n  b', { linePrefix: 'foo(', lineSuffix: ');' }), '\n  a,\n  b');
      assert.strictEqual(clean('\n  a: 1,\n  b: 2', { linePrefix: 'const o = {', lineSuffix: '};' }), '\n  a: 1,\n  b: 2');
      assert.strictEqual(clean('abc\ndef', { lineSuffix: '  ' }), 'abc\ndef');
    });
  });

  describe('bracket balance', () => {
    it('drops a closer the text after the cursor already has (`foo(|)`)', () => {
      assert.strictEqual(clean('a, b)', { linePrefix: 'foo(', lineSuffix: ')' }), 'a, b');
    });

    it('drops the whole run of duplicated closers, with a duplicated semicolon', () => {
      assert.strictEqual(clean('xy))', { linePrefix: 'foo(bar(', lineSuffix: '))' }), 'xy');
      assert.strictEqual(clean('a, b);', { linePrefix: 'foo(', lineSuffix: ');' }), 'a, b');
      assert.strictEqual(clean('a, b]);', { linePrefix: 'foo([', lineSuffix: ']);' }), 'a, b');
    });

    it('keeps the closers the text after the cursor lacks', () => {
      assert.strictEqual(clean('x))', { linePrefix: 'foo(bar(', lineSuffix: ')' }), 'x)');
      assert.strictEqual(clean('a, b)', { linePrefix: 'foo(' }), 'a, b)');
      assert.strictEqual(clean('a, b);', { linePrefix: 'foo(' }), 'a, b);');
    });

    it('keeps closers of brackets the suggestion opened', () => {
      assert.strictEqual(clean('bar()', { linePrefix: 'foo(', lineSuffix: ')' }), 'bar()');
      assert.strictEqual(clean('[1, 2]', { linePrefix: 'f(', lineSuffix: ')' }), '[1, 2]');
    });

    it('drops any closers still left over after the duplicated ones', () => {
      assert.strictEqual(clean('ab))', { linePrefix: 'foo(', lineSuffix: ')' }), 'ab');
      assert.strictEqual(clean('ab)', { linePrefix: 'foo(', lineSuffix: ');' }), 'ab');
      assert.strictEqual(clean('ab)', { linePrefix: 'foo(', lineSuffix: ' )' }), 'ab', 'spaces before the closer');
    });

    it('cuts where an extra closer goes past the brackets the line has open', () => {
      assert.strictEqual(clean('ab) + c', { linePrefix: 'foo(', lineSuffix: ')' }), 'ab');
      assert.strictEqual(clean('a)) + b', { linePrefix: 'foo(' }), 'a)');
    });

    it('cuts where a closer meets a different open bracket', () => {
      assert.strictEqual(clean('[1, 2) + 3'), '[1, 2');
      assert.strictEqual(clean('xy] + 1', { linePrefix: 'foo(' }), 'xy');
      assert.strictEqual(clean('{ a: (1 }'), '{ a: (1');
    });

    it('lets a closer end an earlier line\'s bracket when the cursor line has none open', () => {
      assert.strictEqual(clean('bc)', { linePrefix: '  ' }), 'bc)');
      assert.strictEqual(clean('bc});', { linePrefix: '  ' }), 'bc});');
      assert.strictEqual(clean('bc)', { linePrefix: '  ', lineSuffix: ')' }), 'bc', 'unless the text after the cursor has it');
      assert.strictEqual(clean('bc);', { linePrefix: '  ', lineSuffix: ');' }), 'bc');
    });

    it('ignores brackets in strings and // comments', () => {
      assert.strictEqual(clean('xy)', { linePrefix: 'log("(", ', lineSuffix: ')' }), 'xy');
      assert.strictEqual(clean('")", b)', { linePrefix: 'foo(', lineSuffix: ')' }), '")", b');
      assert.strictEqual(clean("'\\')', b)", { linePrefix: 'foo(', lineSuffix: ')' }), "'\\')', b");
      assert.strictEqual(clean('ab // (\n  c)', { linePrefix: 'foo(' }), 'ab // (\n  c)');
      assert.strictEqual(clean('ab // see f(x]\n  cd', { linePrefix: '  ' }), 'ab // see f(x]\n  cd');
      assert.strictEqual(clean("x = 1  # don't\n  f(a]", { linePrefix: '  ' }), "x = 1  # don't\n  f(a", 'a quote ends with its line');
    });

    it('drops the closing brace of a block the text after the cursor closes', () => {
      assert.strictEqual(clean('\n  return 1;\n}', { linePrefix: 'if (x) {', lineSuffix: '}', rules: { blockIndent: 0 } }), '\n  return 1;');
    });
  });

  describe('repeating the text after the cursor', () => {
    it('cuts at the line that repeats the first non-blank line below the cursor', () => {
      const suffixLines = ['', '  return total;', '}'];
      assert.strictEqual(clean('total += x;\n  return total;\n}', { linePrefix: '  ', suffixLines }), 'total += x;');
    });

    it('compares trimmed lines', () => {
      assert.strictEqual(clean('a = 1;\n  return a;', { linePrefix: '  ', suffixLines: ['    return a;  '] }), 'a = 1;');
    });

    it('rejects a suggestion whose first line, read with the cursor line, is that line', () => {
      assert.strictEqual(clean('return x;', { linePrefix: '  ', suffixLines: ['  return x;'] }), undefined);
      assert.strictEqual(clean('urn x;', { linePrefix: '  ret', suffixLines: ['  return x;'] }), undefined);
    });

    it('cuts a repeated closer line at the same indentation only', () => {
      assert.strictEqual(clean('foo();\n}', { linePrefix: '  ', suffixLines: ['}'] }), 'foo();');
      const nested = 'if (a) {\n    b();\n  }';
      assert.strictEqual(clean(nested, { linePrefix: '  ', suffixLines: ['}'] }), nested);
    });

    it('keeps everything when nothing below repeats, or there is nothing below', () => {
      assert.strictEqual(clean('a();\nb();', { suffixLines: ['c();'] }), 'a();\nb();');
      assert.strictEqual(clean('a();\nb();', { suffixLines: ['', '  '] }), 'a();\nb();');
      assert.strictEqual(clean('a();\nb();'), 'a();\nb();');
    });
  });

  describe('repeating the line above', () => {
    it('rejects a first line that repeats the line above', () => {
      assert.strictEqual(clean('console.log(x);', { linePrefix: '  ', previousLine: '  console.log(x);' }), undefined);
      assert.strictEqual(clean('log(x);\nfoo();', { linePrefix: 'console.', previousLine: 'console.log(x);' }), undefined);
    });

    it('keeps a trivial repeat (one word at most)', () => {
      assert.strictEqual(clean('break;', { previousLine: 'break;' }), 'break;');
      assert.strictEqual(clean('end', { linePrefix: '  ', previousLine: '    end' }), 'end');
      assert.strictEqual(clean('});', { previousLine: '  });' }), '});');
    });

    it('judges only the first line, and only when the suggestion adds to it', () => {
      assert.strictEqual(clean('foo();\nconsole.log(x);', { previousLine: 'console.log(x);' }), 'foo();\nconsole.log(x);');
      assert.strictEqual(clean('\n  foo(y);', { linePrefix: '  console.log(x);', previousLine: '  console.log(x);' }), '\n  foo(y);');
    });

    it('keeps a first line that differs from the line above', () => {
      assert.strictEqual(clean('console.log(y);', { previousLine: 'console.log(x);' }), 'console.log(y);');
    });
  });
});
