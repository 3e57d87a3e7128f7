import * as assert from 'assert';
import { findEnclosingFunction } from '../../src/summarize/functionLocator';
import { FunctionSignature, ParameterInfo, parseSignature } from '../../src/summarize/signatureParser';

// Parses the function enclosing the `¦` marker (or line 0 when there is none).
function parse(text: string, languageId: string): FunctionSignature {
  const lines = text.replace(/^\n/, '').split('\n');
  const cursor = Math.max(0, lines.findIndex((line) => line.includes('¦')));
  const clean = lines.map((line) => line.replace('¦', ''));
  const block = findEnclosingFunction(clean, cursor, languageId);
  assert.ok(block, 'no function found');
  return parseSignature(clean, block, languageId);
}

const names = (signature: FunctionSignature) => signature.parameters.map((p) => p.name);
const param = (name: string, extra: Partial<ParameterInfo> = {}): ParameterInfo => ({ name, optional: false, rest: false, ...extra });

describe('parseSignature: Python', () => {
  it('skips self and cls, reads defaults, *args, **kwargs and keyword-only markers', () => {
    const signature = parse('class A:\n    def m(self, a: int, b: str = "x, y", *args, c=None, **kwargs) -> int:\n        ¦return a', 'python');
    assert.deepStrictEqual(signature.parameters, [
      param('a'),
      param('b', { optional: true, defaultValue: '"x, y"' }),
      param('args', { rest: true }),
      param('c', { optional: true, defaultValue: 'None' }),
      param('kwargs', { rest: true }),
    ]);
    assert.strictEqual(signature.name, 'm');
    assert.strictEqual(signature.returnsValue, true);
    assert.deepStrictEqual(names(parse('def f(a, *, b, /):\n    pass', 'python')), ['a', 'b']);
  });

  it('decides the return value from the annotation, else from a return with a value outside nested functions', () => {
    assert.strictEqual(parse('def f(x) -> None:\n    return x', 'python').returnsValue, false);
    assert.strictEqual(parse('def f(x):\n    if x:\n        return\n    print(x)', 'python').returnsValue, false);
    assert.strictEqual(parse('def f(x):\n    def g():\n        return 1\n    ¦g()', 'python').returnsValue, false);
    assert.strictEqual(parse('def f(x):\n    # return 1\n    s = "return 2"\n    return x', 'python').returnsValue, true);
  });

  it('reads a one-line def, a multi-line signature, async and generators', () => {
    assert.deepStrictEqual(parse('def f(x): return x', 'python'), { name: 'f', parameters: [param('x')], returnsValue: true, isAsync: false, isGenerator: false });
    const signature = parse('@cache\nasync def fetch(\n    url,\n    retries=3,\n):\n    for i in range(retries):\n        yield url', 'python');
    assert.deepStrictEqual(names(signature), ['url', 'retries']);
    assert.strictEqual(signature.isAsync, true);
    assert.strictEqual(signature.isGenerator, true);
    assert.strictEqual(signature.returnsValue, false);
  });
});

describe('parseSignature: JavaScript and TypeScript', () => {
  it('reads an arrow function with async, defaults, rest and a destructured parameter', () => {
    const signature = parse('const f = async ({ a, b }, c = 1, ...rest) => {\n  return a + c;\n};', 'javascript');
    assert.deepStrictEqual(signature, {
      name: 'f',
      parameters: [param('{ a, b }'), param('c', { optional: true, defaultValue: '1' }), param('rest', { rest: true })],
      returnsValue: true,
      isAsync: true,
      isGenerator: false,
    });
  });

  it('takes names, never types; skips `this`; marks `?` optional; reads parameter properties', () => {
    const signature = parse('function f<T extends Map<string, number>>(this: Window, map: T, key?: string, cb: (a: number, b: number) => void = () => {}): void {\n}', 'typescript');
    assert.deepStrictEqual(signature.parameters, [param('map'), param('key', { optional: true }), param('cb', { optional: true, defaultValue: '() => {}' })]);
    assert.strictEqual(signature.returnsValue, false);
    assert.deepStrictEqual(names(parse('class A {\n  constructor(private readonly name: string, @Inject() public api: Api) {\n  ¦}\n}', 'typescript')), ['name', 'api']);
  });

  it('decides the return value: declared type, Promise<void>, expression bodies, nested callbacks', () => {
    assert.strictEqual(parse('async function f(): Promise<number> {\n}', 'typescript').returnsValue, true);
    assert.strictEqual(parse('async function f(): Promise<void> {\n  return g();\n}', 'typescript').returnsValue, false);
    assert.strictEqual(parse('const sq = (x) => x * x;', 'javascript').returnsValue, true);
    assert.strictEqual(parse('const log = x => void console.log(x);', 'javascript').returnsValue, false);
    assert.strictEqual(parse('function f(xs) {\n  xs.map((x) => {\n    return x;\n  });\n  ¦return;\n}', 'javascript').returnsValue, false);
    assert.strictEqual(parse('function f() {\n  const s = "return 1";\n  return {\n    a: 1 };\n}', 'javascript').returnsValue, true);
  });

  it('reads generator methods and multi-line parameter lists', () => {
    const signature = parse('class A {\n  static async *items(\n    first,\n    second = [1, 2],\n  ) {\n    ¦yield first;\n  }\n}', 'javascript');
    assert.deepStrictEqual(signature.parameters, [param('first'), param('second', { optional: true, defaultValue: '[1, 2]' })]);
    assert.strictEqual(signature.isGenerator, true);
    assert.strictEqual(signature.isAsync, true);
    assert.strictEqual(signature.name, 'items');
  });
});

describe('parseSignature: Go, Rust, Java, C#, C/C++', () => {
  it('Go: grouped names, variadics, receivers and result lists', () => {
    const signature = parse('func (s *Server) Sum(a, b int, rest ...int) (int, error) {\n\treturn 0, nil\n}', 'go');
    assert.deepStrictEqual(signature, { name: 'Sum', parameters: [param('a'), param('b'), param('rest', { rest: true })], returnsValue: true, isAsync: false, isGenerator: false });
    assert.strictEqual(parse('func run(ctx context.Context) {\n}', 'go').returnsValue, false);
  });

  it('Rust: skips self, strips mut, keeps patterns, reads the return type', () => {
    const signature = parse('impl A {\n    pub async fn f(&mut self, mut n: u32, (x, y): (i32, i32)) -> Option<u32> {\n        ¦None\n    }\n}', 'rust');
    assert.deepStrictEqual(signature.parameters, [param('n'), param('(x, y)')]);
    assert.strictEqual(signature.returnsValue, true);
    assert.strictEqual(signature.isAsync, true);
    assert.strictEqual(parse('fn main() -> () {\n}', 'rust').returnsValue, false);
    assert.strictEqual(parse('fn main() {\n    1\n}', 'rust').returnsValue, false);
  });

  it('Java: annotations, final, varargs, generic methods, void and constructors', () => {
    const signature = parse('class A {\n  public <T extends Comparable<T>> List<T> sort(@NonNull final List<T> items, int[] idx, String... tags) {\n    ¦return items;\n  }\n}', 'java');
    assert.deepStrictEqual(signature.parameters, [param('items'), param('idx'), param('tags', { rest: true })]);
    assert.strictEqual(signature.returnsValue, true);
    assert.strictEqual(parse('class A {\n  public static void main(String[] args) {\n  ¦}\n}', 'java').returnsValue, false);
    assert.strictEqual(parse('class A {\n  A(int x) {\n  ¦}\n}', 'java').returnsValue, false);
  });

  it('C#: this, params, ref/out, defaults, async Task and iterators', () => {
    const signature = parse('static class X {\n  public static async Task<int> Count(this string s, ref int n, out bool ok, int step = 1, params object[] more) {\n    ¦return 0;\n  }\n}', 'csharp');
    assert.deepStrictEqual(signature.parameters, [param('s'), param('n'), param('ok'), param('step', { optional: true, defaultValue: '1' }), param('more', { rest: true })]);
    assert.strictEqual(signature.returnsValue, true);
    assert.strictEqual(signature.isAsync, true);
    assert.strictEqual(parse('class X {\n  async Task Run() {\n  ¦}\n}', 'csharp').returnsValue, false);
    assert.strictEqual(parse('class X {\n  IEnumerable<int> Ids() {\n    ¦yield return 1;\n  }\n}', 'csharp').isGenerator, true);
  });

  it('C/C++: pointers, arrays, function pointers, varargs, void, defaults, constructors', () => {
    const signature = parse('static const char *\nfind(const char *s, int arr[], int (*cmp)(int, int), ...)\n{\n  return s;\n}', 'c');
    assert.deepStrictEqual(signature.parameters, [param('s'), param('arr'), param('cmp'), param('...', { rest: true })]);
    assert.strictEqual(signature.returnsValue, true);
    assert.deepStrictEqual(parse('void tick(void) {\n}', 'c'), { name: 'tick', parameters: [], returnsValue: false, isAsync: false, isGenerator: false });
    const ctor = parse('template <typename T>\nBox<T>::Box(const std::map<K, V>& m, int n = 0) : n_(n) {\n}', 'cpp');
    assert.deepStrictEqual(ctor.parameters, [param('m'), param('n', { optional: true, defaultValue: '0' })]);
    assert.strictEqual(ctor.returnsValue, false);
    assert.strictEqual(parse('void* alloc(size_t n) {\n}', 'cpp').returnsValue, true);
  });

  it('falls back to the block name when no function is there (a class block)', () => {
    const lines = ['class A {', '}'];
    assert.deepStrictEqual(parseSignature(lines, { startLine: 0, declarationLine: 0, endLine: 1, name: 'A' }, 'typescript'), { name: 'A', parameters: [], returnsValue: false, isAsync: false, isGenerator: false });
  });
});
