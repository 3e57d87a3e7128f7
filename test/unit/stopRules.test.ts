import * as assert from 'assert';
import { findStop, indentColumns, StopRules } from '../../src/common/stopRules';

function rules(overrides: Partial<StopRules> = {}): StopRules {
  return { stopStrings: [], singleLine: false, linePrefix: '', ...overrides };
}

/** The completion as the rules leave it. */
function cut(text: string, overrides: Partial<StopRules>): string {
  const stop = findStop(text, rules(overrides));
  return stop === undefined ? text : text.slice(0, stop);
}

describe('indentColumns', () => {
  it('counts spaces and advances tabs to the next tab stop', () => {
    assert.strictEqual(indentColumns('    x'), 4);
    assert.strictEqual(indentColumns('\tx'), 4);
    assert.strictEqual(indentColumns('\t\tx', 2), 4);
    assert.strictEqual(indentColumns('  \tx', 4), 4);
    assert.strictEqual(indentColumns('x  '), 0);
    assert.strictEqual(indentColumns(''), 0);
  });

  it('falls back to 4 for a tab size that makes no sense', () => {
    assert.strictEqual(indentColumns('\tx', 0), 4);
  });
});

describe('findStop', () => {
  describe('with no rule that applies', () => {
    it('lets the completion go on', () => {
      assert.strictEqual(findStop('a\n\n\nb', rules()), undefined);
      assert.strictEqual(findStop('', rules({ singleLine: true })), undefined);
    });
  });

  describe('stop strings', () => {
    it('cuts before the first occurrence of any of them', () => {
      const r = { stopStrings: ['<|endoftext|>', '<fim_pad>'] };
      assert.strictEqual(cut('return x;<fim_pad>junk<|endoftext|>', r), 'return x;');
      assert.strictEqual(cut('a<|endoftext|>b<fim_pad>', r), 'a');
    });

    it('finds a stop string that arrived split across tokens', () => {
      const r = rules({ stopStrings: ['<|endoftext|>'] });
      assert.strictEqual(findStop('x = 1<|endof', r), undefined);
      assert.strictEqual(findStop('x = 1<|endoftext|>', r), 5);
    });

    it('stops at index 0 when the model ends at once, and ignores empty stop strings', () => {
      assert.strictEqual(findStop('<EOT>', rules({ stopStrings: ['', '<EOT>'] })), 0);
      assert.strictEqual(findStop('abc', rules({ stopStrings: [''] })), undefined);
    });

    it('takes the earliest of a stop string and a line rule', () => {
      assert.strictEqual(findStop('ab<s>\ncd', rules({ stopStrings: ['<s>'], singleLine: true })), 2);
      assert.strictEqual(findStop('ab\ncd<s>', rules({ stopStrings: ['<s>'], singleLine: true })), 2);
    });
  });

  describe('single line', () => {
    it('cuts at the first newline after text', () => {
      assert.strictEqual(cut('foo(bar);\nbaz();', { singleLine: true }), 'foo(bar);');
    });

    it('cuts before a carriage return of a CRLF break', () => {
      assert.strictEqual(cut('foo;\r\nbar', { singleLine: true }), 'foo;');
    });

    it('lets the model move down first when the cursor line is blank', () => {
      assert.strictEqual(cut('\n  \n  foo();\nbar', { singleLine: true, linePrefix: '  ' }), '\n  \n  foo();');
      assert.strictEqual(findStop('\n   ', rules({ singleLine: true })), undefined);
    });

    it('ends at once on a break when the cursor line already has text', () => {
      assert.strictEqual(findStop('\nfoo', rules({ singleLine: true, linePrefix: 'x = ' })), 0);
    });

    it('waits while the first line has no break yet', () => {
      assert.strictEqual(findStop('foo(bar', rules({ singleLine: true })), undefined);
    });
  });

  describe('block end (multi-line)', () => {
    it('stops before a later line indented less than the cursor line, keeping the suffix\'s closer out', () => {
      const text = 'x + 1;\n    return y;\n}\n\nfunction next() {';
      assert.strictEqual(cut(text, { blockIndent: 4, linePrefix: '    const y = ' }), 'x + 1;\n    return y;');
    });

    it('judges a later line as soon as its first non-blank character arrives', () => {
      const r = rules({ blockIndent: 4, linePrefix: '    ' });
      assert.strictEqual(findStop('a();\n  ', r), undefined);
      assert.strictEqual(findStop('a();\n  }', r), 4);
    });

    it('never judges the first line, which continues the cursor line', () => {
      assert.strictEqual(findStop('}', rules({ blockIndent: 4, linePrefix: '    ' })), undefined);
      assert.strictEqual(findStop('x', rules({ blockIndent: 8, linePrefix: '' })), undefined);
    });

    it('counts tabs with the tab size', () => {
      const text = 'a();\n\tb();\n}';
      assert.strictEqual(cut(text, { blockIndent: 4, tabSize: 4, linePrefix: '\t' }), 'a();\n\tb();');
      assert.strictEqual(cut(text, { blockIndent: 8, tabSize: 4, linePrefix: '\t\t' }), 'a();');
      assert.strictEqual(cut(text, { blockIndent: 2, tabSize: 2, linePrefix: '\t' }), 'a();\n\tb();');
    });

    it('defaults the tab size to 4', () => {
      assert.strictEqual(cut('a();\n\tb();\n  c();', { blockIndent: 4, linePrefix: '    ' }), 'a();\n\tb();');
    });

    it('goes on through lines at the same or deeper indentation', () => {
      const text = 'a();\n    if (x) {\n        b();\n    }\n    c();';
      assert.strictEqual(findStop(text, rules({ blockIndent: 4, linePrefix: '    ' })), undefined);
    });

    it('stops at two consecutive blank lines, not at one', () => {
      const r = rules({ blockIndent: 0 });
      assert.strictEqual(findStop('a();\n\nb();', r), undefined);
      assert.strictEqual(findStop('a();\n\n', r), undefined, 'the second blank line is not finished yet');
      assert.strictEqual(findStop('a();\n\n\n', r), 4);
      assert.strictEqual(findStop('a();\n  \n\t\nb();', r), 4, 'whitespace-only lines are blank');
    });

    it('does not count a blank first line towards the two blank lines', () => {
      assert.strictEqual(findStop('\n\nfoo();', rules({ blockIndent: 0, linePrefix: 'x();' })), undefined);
    });

    it('cuts before the blank lines that precede a dedented line', () => {
      assert.strictEqual(cut('a();\n\n}', { blockIndent: 4, linePrefix: '    ' }), 'a();');
      assert.strictEqual(cut('\n}', { blockIndent: 4, linePrefix: '    ' }), '');
    });

    it('handles CRLF line breaks', () => {
      assert.strictEqual(cut('a();\r\n    b();\r\n}\r\n', { blockIndent: 4, linePrefix: '    ' }), 'a();\r\n    b();');
    });

    describe('when the cursor line opens a block', () => {
      it('keeps the line that closes it at the cursor\'s indentation and stops after it', () => {
        const text = '\n  return 1;\n}\nfunction g() {\n}';
        assert.strictEqual(cut(text, { blockIndent: 0, linePrefix: 'function f() {' }), '\n  return 1;\n}');
      });

      it('waits for the closing line to finish', () => {
        const r = rules({ blockIndent: 0, linePrefix: 'foo(() => {' });
        assert.strictEqual(findStop('\n  a();\n})', r), undefined);
        assert.strictEqual(findStop('\n  a();\n});\nb', r), '\n  a();\n});'.length);
      });

      it('goes on through a closer that reopens (`} else {`)', () => {
        const text = '\n    b();\n  } else {\n    c();\n  }\n  d();';
        assert.strictEqual(cut(text, { blockIndent: 2, linePrefix: '  if (a) {' }), '\n    b();\n  } else {\n    c();\n  }');
      });

      it('stops before a sibling statement after the body (Python)', () => {
        const text = '\n    return 1\ndef g():\n    pass';
        assert.strictEqual(cut(text, { blockIndent: 0, linePrefix: 'def f():' }), '\n    return 1');
      });

      it('goes on through else/elif/except/finally at the same indentation', () => {
        const text = '\n    x = 1\nelse:\n    x = 2\nprint(x)';
        assert.strictEqual(cut(text, { blockIndent: 0, linePrefix: 'if a:' }), '\n    x = 1\nelse:\n    x = 2');
        const tryText = '\n    f()\nexcept E:\n    g()\nfinally:\n    h()\nz()';
        assert.strictEqual(cut(tryText, { blockIndent: 0, linePrefix: 'try:' }), '\n    f()\nexcept E:\n    g()\nfinally:\n    h()');
      });

      it('sees the opener when the completion\'s first line supplies it', () => {
        const text = ' {\n  a();\n}\nnext();';
        assert.strictEqual(cut(text, { blockIndent: 0, linePrefix: 'if (x)' }), ' {\n  a();\n}');
      });

      it('does not apply the opener rule when the cursor line does not open a block', () => {
        const text = '\n}\nnext();';
        assert.strictEqual(findStop(text, rules({ blockIndent: 0, linePrefix: 'x();' })), undefined);
      });
    });
  });

  it('stays cheap on long text (linear, no quadratic rescans)', () => {
    const text = 'a = 1\n'.repeat(20000);
    const started = Date.now();
    for (let i = 0; i < 20; i++) findStop(text, rules({ stopStrings: ['<|endoftext|>', '<fim_pad>'], blockIndent: 0 }));
    assert.ok(Date.now() - started < 2000);
  });
});
