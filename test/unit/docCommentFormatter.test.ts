import * as assert from 'assert';
import { findExistingDocComment, formatDocComment, normaliseSummary, planDocCommentEdit } from '../../src/summarize/docCommentFormatter';
import { CodeBlock, findEnclosingFunction } from '../../src/summarize/functionLocator';
import { FunctionSignature } from '../../src/summarize/signatureParser';

const noParams: FunctionSignature = { name: 'f', parameters: [], returnsValue: false, isAsync: false, isGenerator: false };
const withParams: FunctionSignature = {
  name: 'add',
  parameters: [
    { name: 'a', optional: false, rest: false },
    { name: 'b', optional: true, defaultValue: '1', rest: false },
    { name: 'c', optional: true, rest: false },
    { name: 'more', optional: false, rest: true },
  ],
  returnsValue: true,
  isAsync: false,
  isGenerator: false,
};

// The block of the function declared on `declarationLine`, found from the text.
function blockAt(lines: string[], line: number, languageId: string): CodeBlock {
  const block = findEnclosingFunction(lines, line, languageId);
  assert.ok(block, 'no function found');
  return block;
}

function plan(text: string, line: number, languageId: string, summary = 'adds two numbers', eol = '\n') {
  const lines = text.split('\n');
  return planDocCommentEdit(lines, blockAt(lines, line, languageId), languageId, summary, eol);
}

// Applies an edit to the text, to check what the user would see.
function apply(text: string, line: number, languageId: string, summary = 'adds two numbers'): string {
  const lines = text.split('\n');
  const { edit } = planDocCommentEdit(lines, blockAt(lines, line, languageId), languageId, summary, '\n');
  const inserted = edit.text.replace(/\n$/, '').split('\n');
  return [...lines.slice(0, edit.startLine), ...inserted, ...lines.slice(edit.endLine + 1)].join('\n');
}

describe('normaliseSummary', () => {
  it('strips comment markers and quotes, capitalises and ends with a period', () => {
    assert.strictEqual(normaliseSummary('  // adds two numbers  ', 'typescript'), 'Adds two numbers.');
    assert.strictEqual(normaliseSummary('/** Adds two numbers */', 'java'), 'Adds two numbers.');
    assert.strictEqual(normaliseSummary('"""returns the sum"""', 'python'), 'Returns the sum.');
    assert.strictEqual(normaliseSummary('"Sorts the list in place!"', 'python'), 'Sorts the list in place!');
    assert.strictEqual(normaliseSummary('/// <summary>counts items:</summary>', 'csharp'), 'Counts items.');
    assert.strictEqual(normaliseSummary('@brief frees the buffer', 'c'), 'Frees the buffer.');
    assert.strictEqual(normaliseSummary('', 'rust'), '');
  });

  it('keeps only the summary when the model runs on into tags', () => {
    assert.strictEqual(normaliseSummary('/**\n * Parses the header\n * across lines\n * @param text the input\n */', 'typescript'), 'Parses the header across lines.');
  });

  it('Go: starts with the function name, lower-casing a verb after it', () => {
    assert.strictEqual(normaliseSummary('Returns the sum of a and b', 'go', 'Add'), 'Add returns the sum of a and b.');
    assert.strictEqual(normaliseSummary('return the sum', 'go', 'Add'), 'Add returns the sum.');
    assert.strictEqual(normaliseSummary('Fetch the page', 'go', 'load'), 'load fetches the page.');
    assert.strictEqual(normaliseSummary('add returns the sum', 'go', 'Add'), 'Add returns the sum.');
    assert.strictEqual(normaliseSummary('parse reads a file', 'go', 'parse'), 'parse reads a file.');
    assert.strictEqual(normaliseSummary('The sum of a and b', 'go', 'Add'), 'Add the sum of a and b.');
    assert.strictEqual(normaliseSummary('This is a helper', 'go', 'Add'), 'Add This is a helper.');
    assert.strictEqual(normaliseSummary('HTTP handler for users', 'go', 'Serve'), 'Serve HTTP handler for users.');
  });
});

describe('formatDocComment', () => {
  it('JavaScript: JSDoc with [name=default] for defaulted and optional parameters, and @returns', () => {
    assert.deepStrictEqual(formatDocComment('adds two numbers', withParams, 'javascript'), [
      '/**', ' * Adds two numbers.', ' * @param a', ' * @param [b=1]', ' * @param [c]', ' * @param ...more', ' * @returns', ' */',
    ]);
  });

  it('TypeScript: plain @param names; a bare summary stays on one line', () => {
    assert.deepStrictEqual(formatDocComment('adds two numbers', withParams, 'typescriptreact'), [
      '/**', ' * Adds two numbers.', ' * @param a', ' * @param b', ' * @param c', ' * @param more', ' * @returns', ' */',
    ]);
    assert.deepStrictEqual(formatDocComment('starts the timer', noParams, 'typescript'), ['/** Starts the timer. */']);
  });

  it('wraps a long summary at 100 columns, counting the indentation', () => {
    const long = 'word '.repeat(40).trim();
    const lines = formatDocComment(long, noParams, 'javascript');
    assert.ok(lines.length > 3);
    for (const line of lines) assert.ok(line.length <= 100, line);
    const indented = formatDocComment(long, noParams, 'javascript', 40);
    for (const line of indented) assert.ok(line.length <= 60, line);
    assert.deepStrictEqual(formatDocComment(long, noParams, 'go').every((line) => line.startsWith('// ') && line.length <= 100), true);
  });

  it('Python: a one-line PEP 257 docstring, or the multi-line form when long; no parameter sections', () => {
    assert.deepStrictEqual(formatDocComment('adds two numbers', withParams, 'python'), ['"""Adds two numbers."""']);
    const lines = formatDocComment('word '.repeat(30), noParams, 'python');
    assert.strictEqual(lines[0].startsWith('"""Word word'), true);
    assert.strictEqual(lines[lines.length - 1], '"""');
    assert.ok(lines.length >= 3);
    assert.deepStrictEqual(formatDocComment('matches \\d+ digits', noParams, 'python'), ['r"""Matches \\d+ digits."""']);
  });

  it('Go, Rust: line comments', () => {
    assert.deepStrictEqual(formatDocComment('returns the sum', withParams, 'go'), ['// add returns the sum.']);
    assert.deepStrictEqual(formatDocComment('returns the sum', withParams, 'rust'), ['/// Returns the sum.']);
  });

  it('Java: Javadoc with a blank line before @param and @return', () => {
    const signature: FunctionSignature = { ...noParams, parameters: [{ name: 'path', optional: false, rest: false }], returnsValue: true };
    assert.deepStrictEqual(formatDocComment('loads the file', signature, 'java'), ['/**', ' * Loads the file.', ' *', ' * @param path', ' * @return', ' */']);
    assert.deepStrictEqual(formatDocComment('loads the file', noParams, 'java'), ['/** Loads the file. */']);
  });

  it('C#: XML summary, a param element per parameter, returns when it returns, text escaped', () => {
    assert.deepStrictEqual(formatDocComment('checks a < b & c', withParams, 'csharp'), [
      '/// <summary>', '/// Checks a &lt; b &amp; c.', '/// </summary>',
      '/// <param name="a"></param>', '/// <param name="b"></param>', '/// <param name="c"></param>', '/// <param name="more"></param>',
      '/// <returns></returns>',
    ]);
  });

  it('C/C++: Doxygen with @brief, @param and @return', () => {
    const signature: FunctionSignature = { ...noParams, parameters: [{ name: 's', optional: false, rest: false }, { name: '...', optional: false, rest: true }], returnsValue: true };
    assert.deepStrictEqual(formatDocComment('formats a message', signature, 'cpp'), ['/**', ' * @brief Formats a message.', ' * @param s', ' * @param ...', ' * @return', ' */']);
    assert.deepStrictEqual(formatDocComment('frees the buffer', noParams, 'c'), ['/** @brief Frees the buffer. */']);
  });
});

describe('findExistingDocComment', () => {
  it('finds a JSDoc block directly above, but not a plain block comment or one separated by code', () => {
    const lines = ['/**', ' * Old.', ' */', 'function f() {}', '/* note */', 'function g() {}'];
    assert.deepStrictEqual(findExistingDocComment(lines, { startLine: 3, declarationLine: 3, endLine: 3 }, 'javascript'), { startLine: 0, endLine: 2 });
    assert.strictEqual(findExistingDocComment(lines, { startLine: 5, declarationLine: 5, endLine: 5 }, 'javascript'), undefined);
    assert.strictEqual(findExistingDocComment(['function f() {}'], { startLine: 0, declarationLine: 0, endLine: 0 }, 'javascript'), undefined);
  });

  it('finds consecutive // lines in Go (above directives) and /// lines in Rust and C#', () => {
    const go = ['// Add adds.', '// More.', '//go:noinline', 'func Add() {}'];
    assert.deepStrictEqual(findExistingDocComment(go, { startLine: 3, declarationLine: 3, endLine: 3 }, 'go'), { startLine: 0, endLine: 1 });
    const rust = ['// not doc', '/// Doc.', '/// More.', '#[inline]', 'fn f() {}'];
    assert.deepStrictEqual(findExistingDocComment(rust, { startLine: 3, declarationLine: 4, endLine: 4 }, 'rust'), { startLine: 1, endLine: 2 });
    const csharp = ['  /// <summary>', '  /// Old.', '  /// </summary>', '  void F() { }'];
    assert.deepStrictEqual(findExistingDocComment(csharp, { startLine: 3, declarationLine: 3, endLine: 3 }, 'csharp'), { startLine: 0, endLine: 2 });
  });

  it('finds a Python docstring as the first statement, one-line or multi-line', () => {
    const lines = ['def f(', '    a,', '):', '    """Old', '    text."""', '    return a', 'def g():', "    '''Old.'''", 'def h():', '    x = "not a docstring"'];
    assert.deepStrictEqual(findExistingDocComment(lines, blockAt(lines, 5, 'python'), 'python'), { startLine: 3, endLine: 4 });
    assert.deepStrictEqual(findExistingDocComment(lines, blockAt(lines, 7, 'python'), 'python'), { startLine: 7, endLine: 7 });
    assert.strictEqual(findExistingDocComment(lines, blockAt(lines, 9, 'python'), 'python'), undefined);
  });
});

describe('planDocCommentEdit', () => {
  it('inserts above a function at the top of the file', () => {
    const result = plan('function add(a, b = 1) {\n  return a + b;\n}', 1, 'javascript');
    assert.deepStrictEqual(result.edit, { startLine: 0, endLine: -1, kind: 'insert', text: '/**\n * Adds two numbers.\n * @param a\n * @param [b=1]\n * @returns\n */\n' });
    assert.strictEqual(result.replacesExisting, false);
    assert.strictEqual(result.signature.name, 'add');
  });

  it('inserts above TypeScript decorators, at the declaration indentation', () => {
    const text = 'class A {\n  @log()\n  @memo\n  add(a: number): number {\n    return a;\n  }\n}';
    assert.strictEqual(apply(text, 4, 'typescript'), 'class A {\n  /**\n   * Adds two numbers.\n   * @param a\n   * @returns\n   */\n  @log()\n  @memo\n  add(a: number): number {\n    return a;\n  }\n}');
  });

  it('replaces an existing doc comment and says so', () => {
    const text = 'class A {\n\t/** Old. */\n\tstart() {\n\t\trun();\n\t}\n}';
    const result = plan(text, 3, 'typescript', 'starts it');
    assert.deepStrictEqual(result.edit, { startLine: 1, endLine: 1, kind: 'replace', text: '\t/** Starts it. */\n' });
    assert.strictEqual(result.replacesExisting, true);
  });

  it('ends every line with the given eol (CRLF) and keeps tabs', () => {
    const lines = ['package main\r', '\r', 'func Add(a, b int) int {\r', '\treturn a + b\r', '}\r'];
    const result = planDocCommentEdit(lines, blockAt(lines, 3, 'go'), 'go', 'returns the sum', '\r\n');
    assert.deepStrictEqual(result.edit, { startLine: 2, endLine: 1, kind: 'insert', text: '// Add returns the sum.\r\n' });
    const tabbed = ['class A {\r', '\tpublic int Sum(int a) {\r', '\t\treturn a;\r', '\t}\r', '}\r'];
    const csharp = planDocCommentEdit(tabbed, blockAt(tabbed, 2, 'csharp'), 'csharp', 'sums', '\r\n');
    assert.strictEqual(csharp.edit.text, '\t/// <summary>\r\n\t/// Sums.\r\n\t/// </summary>\r\n\t/// <param name="a"></param>\r\n\t/// <returns></returns>\r\n');
  });

  it('Go: inserts above directives', () => {
    assert.strictEqual(apply('//go:noinline\nfunc add(a int) int {\n\treturn a\n}', 2, 'go', 'Add returns a'), '// add returns a.\n//go:noinline\nfunc add(a int) int {\n\treturn a\n}');
  });

  it('Rust and Java: above attributes and annotations', () => {
    assert.strictEqual(apply('impl A {\n    #[inline]\n    fn f(&self) -> u8 {\n        1\n    }\n}', 3, 'rust', 'gives one'), 'impl A {\n    /// Gives one.\n    #[inline]\n    fn f(&self) -> u8 {\n        1\n    }\n}');
    assert.strictEqual(apply('class A {\n  @Override\n  public String toString() {\n    return "";\n  }\n}', 3, 'java', 'describes it'), 'class A {\n  /**\n   * Describes it.\n   *\n   * @return\n   */\n  @Override\n  public String toString() {\n    return "";\n  }\n}');
  });

  it('C: above the return type line', () => {
    assert.strictEqual(apply('static int\ncount(const char *s)\n{\n  return 0;\n}', 3, 'c', 'counts'), '/**\n * @brief Counts.\n * @param s\n * @return\n */\nstatic int\ncount(const char *s)\n{\n  return 0;\n}');
  });

  it('Python: inside the def after a multi-line signature, at the body indentation, below decorators', () => {
    const text = 'class A:\n    @cache\n    def add(\n        self, a, b=1,\n    ):\n        return a + b';
    assert.strictEqual(apply(text, 5, 'python'), 'class A:\n    @cache\n    def add(\n        self, a, b=1,\n    ):\n        """Adds two numbers."""\n        return a + b');
  });

  it('Python: splits a one-line def, using the file indent unit', () => {
    const result = plan('def f(x): return x  # same', 0, 'python', 'returns x');
    assert.deepStrictEqual(result.edit, { startLine: 0, endLine: 0, kind: 'replace', text: 'def f(x):\n    """Returns x."""\n    return x  # same\n' });
    assert.strictEqual(result.replacesExisting, false);
    assert.strictEqual(apply('if True:\n  pass\ndef f(x): return x', 2, 'python', 'returns x'), 'if True:\n  pass\ndef f(x):\n  """Returns x."""\n  return x');
  });

  it('Python: a docstring on the def line is found, and replaced with the rest of the body kept', () => {
    const oneLine = plan('def f(): """Old."""', 0, 'python', 'gives nothing');
    assert.deepStrictEqual(oneLine.edit, { startLine: 0, endLine: 0, kind: 'replace', text: 'def f():\n    """Gives nothing."""\n' });
    assert.strictEqual(oneLine.replacesExisting, true);
    assert.deepStrictEqual(findExistingDocComment(['def f(): """Old."""'], blockAt(['def f(): """Old."""'], 0, 'python'), 'python'), { startLine: 0, endLine: 0 });
    assert.strictEqual(apply("def g(x): 'It says \\'x\\'.'; return x", 0, 'python', 'returns x'), 'def g(x):\n    """Returns x."""\n    return x');
    // A string later in a one-line body is no docstring.
    assert.strictEqual(plan('def h(): return "x"', 0, 'python', 'gives x').replacesExisting, false);
  });

  it('Python: tabs, and replacing an existing docstring', () => {
    assert.strictEqual(apply('class A:\n\tdef m(self):\n\t\treturn 1', 2, 'python', 'gives one'), 'class A:\n\tdef m(self):\n\t\t"""Gives one."""\n\t\treturn 1');
    const result = plan('def f():\n    """Old\n    doc."""\n    return 1', 3, 'python', 'gives one');
    assert.deepStrictEqual(result.edit, { startLine: 1, endLine: 2, kind: 'replace', text: '    """Gives one."""\n' });
    assert.strictEqual(result.replacesExisting, true);
  });

  it('Python: a long summary gets the multi-line form with closing quotes on their own line', () => {
    const result = plan('def f():\n    pass', 1, 'python', 'word '.repeat(30));
    const lines = result.edit.text.split('\n');
    assert.ok(lines[0].startsWith('    """Word'));
    assert.strictEqual(lines[lines.length - 2], '    """');
    for (const line of lines) assert.ok(line.length <= 100, line);
  });
});
