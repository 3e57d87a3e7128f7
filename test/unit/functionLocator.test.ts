import * as assert from 'assert';
import { maskCodeInSteps, type MaskedText } from '../../src/summarize/codeMasking';
import { blockFromSymbol, CodeBlock, findEnclosingFunction, pickSymbolAt, SymbolLike } from '../../src/summarize/functionLocator';
import { scanFunctions } from '../../src/summarize/functionScanner';
import { scanWindow } from '../../src/summarize/scanWindow';

// Writes a snippet as lines; `¦` marks the cursor line (the marker is removed).
function source(text: string): { lines: string[]; cursor: number } {
  const lines = text.replace(/^\n/, '').split('\n');
  const cursor = lines.findIndex((line) => line.includes('¦'));
  return { lines: lines.map((line) => line.replace('¦', '')), cursor };
}

function find(text: string, languageId: string): CodeBlock | undefined {
  const { lines, cursor } = source(text);
  return findEnclosingFunction(lines, cursor, languageId);
}

function symbol(name: string, kind: SymbolLike['kind'], startLine: number, endLine: number, children: SymbolLike[] = []): SymbolLike {
  return { name, kind, startLine, endLine, children };
}

describe('pickSymbolAt', () => {
  const tree = [
    symbol('Shape', 'class', 0, 20, [
      symbol('constructor', 'constructor', 1, 3),
      symbol('area', 'method', 5, 12, [symbol('helper', 'function', 7, 9)]),
      symbol('sides', 'other', 14, 14),
    ]),
    symbol('main', 'function', 22, 30),
  ];

  it('gives the innermost function, method or constructor', () => {
    assert.strictEqual(pickSymbolAt(tree, 8)?.name, 'helper');
    assert.strictEqual(pickSymbolAt(tree, 6)?.name, 'area');
    assert.strictEqual(pickSymbolAt(tree, 2)?.name, 'constructor');
    assert.strictEqual(pickSymbolAt(tree, 25)?.name, 'main');
  });

  it('gives a class only on its header line', () => {
    assert.strictEqual(pickSymbolAt(tree, 0)?.name, 'Shape');
    assert.strictEqual(pickSymbolAt(tree, 14), undefined);
    assert.strictEqual(pickSymbolAt(tree, 4), undefined);
  });

  it('gives nothing outside every symbol', () => {
    assert.strictEqual(pickSymbolAt(tree, 21), undefined);
    assert.strictEqual(pickSymbolAt([], 0), undefined);
  });
});

describe('blockFromSymbol', () => {
  it('extends over Python decorators, including ones with arguments over several lines', () => {
    const lines = ['import x', '', '@app.route(', '    "/a{",', ')', '@login_required', 'def view(request):', '    return 1'];
    assert.deepStrictEqual(blockFromSymbol(lines, symbol('view', 'function', 6, 7), 'python'), { startLine: 2, declarationLine: 6, endLine: 7, name: 'view' });
  });

  it('finds the declaration when the symbol range already starts at the decorator', () => {
    const lines = ['class A {', '  @Input()', '  @Other() name() {', '    return 1;', '  }', '}'];
    assert.deepStrictEqual(blockFromSymbol(lines, symbol('name', 'method', 1, 4), 'typescript'), { startLine: 1, declarationLine: 2, endLine: 4, name: 'name' });
  });

  it('extends over Rust attributes, Java annotations and C# attributes', () => {
    const rust = ['/// Doc.', '#[inline]', '#[cfg(test)]', 'fn f() {}'];
    assert.strictEqual(blockFromSymbol(rust, symbol('f', 'function', 3, 3), 'rust').startLine, 1);
    const java = ['class A {', '  @Override', '  @SuppressWarnings("unchecked")', '  public String toString() {', '    return "";', '  }', '}'];
    assert.deepStrictEqual(blockFromSymbol(java, symbol('toString', 'method', 3, 5), 'java'), { startLine: 1, declarationLine: 3, endLine: 5, name: 'toString' });
    const csharp = ['[Test]', '[TestCase(1, "a")]', 'public void Check(int n) { }'];
    assert.strictEqual(blockFromSymbol(csharp, symbol('Check', 'method', 2, 2), 'csharp').startLine, 0);
  });

  it('skips a doc comment the provider put inside the range, and trailing blank lines', () => {
    const lines = ['/** Adds. */', 'function add(a, b) {', '  return a + b;', '}', ''];
    assert.deepStrictEqual(blockFromSymbol(lines, symbol('add', 'function', 0, 4), 'javascript'), { startLine: 1, declarationLine: 1, endLine: 3, name: 'add' });
  });

  it('does not take a decorator of the function above', () => {
    const lines = ['@a', 'def f(): pass', '@b', 'def g():', '    pass'];
    assert.strictEqual(blockFromSymbol(lines, symbol('g', 'function', 3, 4), 'python').startLine, 2);
  });
});

describe('findEnclosingFunction: Python', () => {
  it('finds the function by indentation and stops before the dedent', () => {
    const block = find(`
import os

def outer(a, b=1):
    x = a
¦
    return x + b

print(outer(1))`, 'python');
    assert.deepStrictEqual(block, { startLine: 2, declarationLine: 2, endLine: 5, name: 'outer' });
  });

  it('never takes a word named like an Object method (toString, constructor) for a bracket', () => {
    const block = find(`
def describe(obj):
    text = obj.toString
    kind = obj.constructor
¦
    return text + kind

print(describe(1))`, 'python');
    assert.deepStrictEqual(block, { startLine: 0, declarationLine: 0, endLine: 4, name: 'describe' });
  });

  it('gives the innermost of nested functions', () => {
    const block = find(`
def outer():
    def inner(x):
        return ¦x
    return inner`, 'python');
    assert.deepStrictEqual(block, { startLine: 1, declarationLine: 1, endLine: 2, name: 'inner' });
  });

  it('handles decorators, async, methods and multi-line signatures', () => {
    const block = find(`
class Api:
    @staticmethod
    @cache(
        size=3)
    async def fetch(
        url: str,
        retries: int = 3,
    ) -> bytes:
        data = await get(url)
        return ¦data

    def other(self): pass`, 'python');
    assert.deepStrictEqual(block, { startLine: 1, declarationLine: 4, endLine: 9, name: 'fetch' });
  });

  it('finds a function at the top of the file, and a one-line def', () => {
    assert.deepStrictEqual(find('def f(x): return ¦x\ny = 2', 'python'), { startLine: 0, declarationLine: 0, endLine: 0, name: 'f' });
  });

  it('ignores strings and comments: lower-indented string lines and a def in a docstring', () => {
    const block = find(`
def f():
    """Docstring mentioning
def g():
    """
    text = '''
not the end
'''
    # comment at column 0 follows
# here
    return ¦text`, 'python');
    assert.deepStrictEqual(block, { startLine: 0, declarationLine: 0, endLine: 9, name: 'f' });
  });

  it('reads tab indentation', () => {
    const block = find('class A:\n\tdef m(self):\n\t\tif True:\n\t\t\treturn ¦1\n\tdef n(self):\n\t\tpass', 'python');
    assert.deepStrictEqual(block, { startLine: 1, declarationLine: 1, endLine: 3, name: 'm' });
  });

  it('gives nothing at module level', () => {
    assert.strictEqual(find('def f():\n    pass\n\nx = ¦1', 'python'), undefined);
  });
});

describe('findEnclosingFunction: JavaScript and TypeScript', () => {
  it('finds a function declaration, skipping braces in strings, comments, templates and regexes', () => {
    const block = find(`
export function parse(text) {
  const open = "{"; // }
  const re = /[}]+/g;
  /* } */
  const t = \`}\${open}\`;
  return ¦text;
}
const after = 1;`, 'javascript');
    assert.deepStrictEqual(block, { startLine: 0, declarationLine: 0, endLine: 6, name: 'parse' });
  });

  it('finds arrow functions assigned to const/let, with async, defaults and a type annotation', () => {
    assert.deepStrictEqual(find(`
const f = async (a, b = 1) => {
  return ¦a + b;
};`, 'typescript'), { startLine: 0, declarationLine: 0, endLine: 2, name: 'f' });
    assert.deepStrictEqual(find(`
export let handler: Handler = (event: Event): void => {
  ¦console.log(event);
};`, 'typescript'), { startLine: 0, declarationLine: 0, endLine: 2, name: 'handler' });
    assert.deepStrictEqual(find('const double = (x) => ¦x * 2;\nconst y = 3;', 'javascript'), { startLine: 0, declarationLine: 0, endLine: 0, name: 'double' });
  });

  it('skips callbacks and control blocks, giving the named function around them', () => {
    const block = find(`
function total(items) {
  let sum = 0;
  items.forEach((item) => {
    if (item.ok) {
      sum += ¦item.value;
    }
  });
  return sum;
}`, 'javascript');
    assert.deepStrictEqual(block, { startLine: 0, declarationLine: 0, endLine: 8, name: 'total' });
  });

  it('gives the innermost named function', () => {
    const block = find(`
function outer() {
  function inner(a) {
    return ¦a;
  }
  return inner;
}`, 'javascript');
    assert.deepStrictEqual(block, { startLine: 1, declarationLine: 1, endLine: 3, name: 'inner' });
  });

  it('finds class methods with decorators, modifiers, generics and multi-line parameters', () => {
    const block = find(`
class Store<T> {
  private items: T[] = [];

  @log()
  @memo
  public async find<K extends keyof T>(
    key: K,
    value: T[K],
  ): Promise<{ found: T | undefined }> {
    return { found: ¦this.items.find((i) => i[key] === value) };
  }

  constructor(private readonly name: string) {
    this.name = name;
  }
}`, 'typescript');
    assert.deepStrictEqual(block, { startLine: 3, declarationLine: 5, endLine: 10, name: 'find' });
    assert.deepStrictEqual(find('class A {\n  constructor(a) {\n    this.a = ¦a;\n  }\n}', 'javascript'), { startLine: 1, declarationLine: 1, endLine: 3, name: 'constructor' });
  });

  it('finds generic functions and generator methods', () => {
    assert.deepStrictEqual(find('function f<T extends Record<string, number>>(x: T): T {\n  return ¦x;\n}', 'typescript'), { startLine: 0, declarationLine: 0, endLine: 2, name: 'f' });
    assert.deepStrictEqual(find('const o = {\n  *ids(n) {\n    yield ¦n;\n  },\n};', 'javascript'), { startLine: 1, declarationLine: 1, endLine: 3, name: 'ids' });
  });

  it('does not take a function type for a function', () => {
    assert.strictEqual(find('type F = (a: number) => ¦void;', 'typescript'), undefined);
    assert.deepStrictEqual(find('function g(cb: (x: number) => ¦void) {\n}', 'typescript'), { startLine: 0, declarationLine: 0, endLine: 1, name: 'g' });
  });
});

describe('findEnclosingFunction: Go, Rust, Java, C#, C/C++', () => {
  it('Go: functions, methods with receivers, generics, and function literals', () => {
    const text = `
package main

func (s *Server) Handle(w Writer,
	r *Request) (int, error) {
	go func() {
		¦log(r)
	}()
	return 0, nil
}

func Map[T any](xs []T) interface{} {
	return nil
}`;
    assert.deepStrictEqual(find(text, 'go'), { startLine: 2, declarationLine: 2, endLine: 8, name: 'Handle' });
    assert.deepStrictEqual(find(text.replace('¦', '').replace('return nil', 'return ¦nil'), 'go'), { startLine: 10, declarationLine: 10, endLine: 12, name: 'Map' });
  });

  it('Rust: fn with attributes, modifiers, generics and a where clause; closures and match are not functions', () => {
    const block = find(`
impl Parser {
    #[inline]
    pub(crate) async fn parse<'a, T>(&mut self, input: &'a str) -> Result<T, Error>
    where
        T: From<&'a str>,
    {
        let c = '{';
        let f = |x| { x + 1 };
        match input {
            _ => ¦Ok(T::from(input)),
        }
    }
}`, 'rust');
    assert.deepStrictEqual(block, { startLine: 1, declarationLine: 2, endLine: 11, name: 'parse' });
  });

  it('Java: methods with annotations, generics and throws; anonymous classes and lambdas are skipped', () => {
    const block = find(`
public class Repo {
    @Override
    public <T> List<T> load(String path, int... ids) throws IOException {
        Runnable r = () -> {
            ¦run();
        };
        return null;
    }
}`, 'java');
    assert.deepStrictEqual(block, { startLine: 1, declarationLine: 2, endLine: 7, name: 'load' });
  });

  it('C#: methods, constructors with base calls, expression-bodied members and attributes', () => {
    const text = `
public class Calc : Base {
    [Pure]
    public static int Add(int a, int b) => ¦a + b;

    public Calc(int seed) : base(seed) {
        Seed = seed;
    }
}`;
    assert.deepStrictEqual(find(text, 'csharp'), { startLine: 1, declarationLine: 2, endLine: 2, name: 'Add' });
    assert.deepStrictEqual(find(text.replace('¦', '').replace('Seed = seed', '¦Seed = seed'), 'csharp'), { startLine: 4, declarationLine: 4, endLine: 6, name: 'Calc' });
  });

  it('C/C++: return type on its own line, qualified names, init lists, templates, skipping the preprocessor', () => {
    assert.deepStrictEqual(find('#include <stdio.h>\nstatic int\ncount(const char *s)\n{\n  return ¦0;\n}', 'c'), { startLine: 1, declarationLine: 1, endLine: 5, name: 'count' });
    const cpp = `
template <typename T>
Box<T>::Box(T v) : value_(v), size_{1} {
    ¦init();
}
bool Box::operator==(const Box& o) const { return ¦true; }`;
    assert.deepStrictEqual(find(cpp.replace(/¦(?=true)/, ''), 'cpp'), { startLine: 0, declarationLine: 1, endLine: 3, name: 'Box' });
    assert.deepStrictEqual(find(cpp.replace(/¦(?=init)/, ''), 'cpp'), { startLine: 4, declarationLine: 4, endLine: 4, name: 'operator==' });
  });

  it('gives nothing outside any function', () => {
    assert.strictEqual(find('int x = ¦1;\nint main() { return 0; }', 'c'), undefined);
  });

  it('accepts CRLF lines', () => {
    const lines = ['function f() {\r', '  return 1;\r', '}\r'];
    assert.deepStrictEqual(findEnclosingFunction(lines, 1, 'javascript'), { startLine: 0, declarationLine: 0, endLine: 2, name: 'f' });
  });
});

// The result of a generator run to its end.
function drain<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

describe('big texts', () => {
  // About 150 kB: a comment opened far above the function hides a fake function in it.
  const filler = Array.from({ length: 3000 }, (_, i) => `const value${i} = compute(${i}, "item");`);
  const lines = ['/* starts a comment', ...filler, 'function fake() {', '  return 0;', '} */', 'function real(a, b) {', '  return a + b;', '}'];
  const fake = lines.indexOf('function fake() {');

  it('reads a small text whole', () => {
    assert.deepStrictEqual(scanWindow(['a', 'b'], 1), { from: 0, to: 2 });
  });

  it('reads a big one in a window around the line, without the lines far away', () => {
    const window = scanWindow(lines, fake);
    assert.ok(window.from > 0 && window.to === lines.length, JSON.stringify(window));
    assert.ok(scanFunctions(lines, 'javascript', window).tokens.every((token) => token.line >= window.from));
  });

  it('finds the function around the line of a big text exactly when it is masked first', () => {
    const masked: MaskedText = drain(maskCodeInSteps(lines, 'javascript', 10_000));
    assert.strictEqual(findEnclosingFunction(lines, fake + 1, 'javascript', masked), undefined, 'the fake function is inside a comment');
    assert.deepStrictEqual(findEnclosingFunction(lines, lines.length - 2, 'javascript', masked), { startLine: lines.length - 3, declarationLine: lines.length - 3, endLine: lines.length - 1, name: 'real' });
    assert.strictEqual(blockFromSymbol(lines, symbol('real', 'function', lines.length - 3, lines.length - 1), 'javascript', masked).startLine, lines.length - 3);
  });
});
