// Generated big inputs for the stress tier and the integration test: a multi-megabyte TypeScript
// or Python file (the constructs the function locator reads: doc comments, decorators, methods,
// arrows, strings and templates with braces, regular expressions, multi-line comments), and a
// minified bundle on one line. Deterministic, so a failure reproduces; every function's place is
// recorded, as a symbol provider would report it.
import type { SymbolLike } from '../../src/summarize/functionLocator';

/** A generated file: its lines and the functions in it (for symbols and cursors). */
export interface BigSource {
  readonly lines: string[];
  /** Every function and method, in order, with the lines a symbol provider would give. */
  readonly functions: readonly SymbolLike[];
}

/** About `bytes` of TypeScript: classes with decorated, documented and undocumented methods, free functions and arrows. */
export function bigTypeScript(bytes: number): BigSource {
  const lines: string[] = [];
  const functions: SymbolLike[] = [];
  let size = 0;
  const push = (...more: string[]) => {
    for (const line of more) {
      lines.push(line);
      size += line.length + 1;
    }
  };
  const fn = (name: string, kind: SymbolLike['kind'], startLine: number) => functions.push({ name, kind, startLine, endLine: lines.length - 1, children: [] });
  for (let i = 0; size < bytes; i++) {
    let start = lines.length;
    push(`/** Adds ${i} to the sum of a and b. */`, `export function add${i}(a: number, b = 1, label = "{${i}"): number {`);
    push(`  const pattern = /[{}]+\\/${i}/g; // a brace { in a comment`, `  const text = \`sum \${a + b} {\`;`);
    push(`  if (a > b) { return a / 2 + ${i}; }`, `  return text.replace(pattern, '}').length + a;`, `}`, '');
    fn(`add${i}`, 'function', start + 1);
    push(`/*`, ` * A block comment with a fake function: function fake${i}() {`, ` */`);
    start = lines.length;
    push(`@Component({ selector: 'c-${i}' })`, `export class Widget${i}<T extends object> {`);
    const classStart = start;
    const methodStart = lines.length;
    push(`  @Input() name = '${i}';`, '', `  render(items: readonly T[], options?: { deep: boolean }): string[] {`);
    push(`    return items.map((item) => \`<li>\${String(item)}</li>\`).filter((x) => x !== '{');`, `  }`, '');
    functions.push({ name: 'render', kind: 'method', startLine: methodStart + 2, endLine: lines.length - 2, children: [] });
    const staticStart = lines.length;
    push(`  static create${i}(): Widget${i}<object> {`, `    return new Widget${i}();`, `  }`);
    functions.push({ name: `create${i}`, kind: 'method', startLine: staticStart, endLine: lines.length - 1, children: [] });
    push(`}`, '');
    functions.push({ name: `Widget${i}`, kind: 'class', startLine: classStart, endLine: lines.length - 2, children: [] });
    start = lines.length;
    push(`export const scale${i} = async (value: number, factor = ${i % 7}) => {`, `  await Promise.resolve();`, `  return value * factor;`, `};`, '');
    fn(`scale${i}`, 'function', start);
  }
  return { lines, functions: functions.filter((f) => f.kind !== 'class') };
}

/** About `bytes` of Python: classes with decorated methods, docstrings (some holding `def` and braces) and free functions. */
export function bigPython(bytes: number): BigSource {
  const lines: string[] = [];
  const functions: SymbolLike[] = [];
  let size = 0;
  const push = (...more: string[]) => {
    for (const line of more) {
      lines.push(line);
      size += line.length + 1;
    }
  };
  for (let i = 0; size < bytes; i++) {
    let start = lines.length;
    push(`def add_${i}(a, b=1, *rest, **options):`, `    """Adds ${i}: def fake(): { not code }."""`, `    total = a + b  # a comment with def x():`, `    return total + ${i}`, '');
    functions.push({ name: `add_${i}`, kind: 'function', startLine: start, endLine: lines.length - 2, children: [] });
    push(`class Shape${i}:`);
    start = lines.length;
    push(`    @property`, `    def area(self):`, `        text = '{' + "}"`, `        return len(text) * ${i}`, '');
    functions.push({ name: 'area', kind: 'method', startLine: start, endLine: lines.length - 2, children: [] });
    start = lines.length;
    push(`    def scale(self, factor: float = 2.0) -> "Shape${i}":`, `        '''`, `        def inside_a_docstring():`, `        '''`, `        return self`, '');
    functions.push({ name: 'scale', kind: 'method', startLine: start, endLine: lines.length - 2, children: [] });
  }
  return { lines, functions };
}

/** One line of about `bytes` of minified JavaScript: a bundle's wrapper around many small functions, with strings, regular expressions and divisions. */
export function minifiedLine(bytes: number): string {
  const parts = ['!function(e,t){"object"==typeof exports?module.exports=t():e.lib=t()}(this,function(){"use strict";'];
  let size = parts[0].length;
  for (let i = 0; size < bytes; i++) {
    const part =
      `function f${i}(a,b){var s="q{\\"${i}",r=/[{}\\/]+${i}/g;return a/2+b/3+s.replace(r,"}").length}` +
      `var g${i}=function(x){return/ab+c/.test(x)?x:'y{'},h${i}=(x,y)=>x>y?{v:x}:[y/4];`;
    parts.push(part);
    size += part.length;
  }
  parts.push('return{f0:f0}});');
  // Joined once into a flat string, as a document's line is (a rope of += pieces reads slowly).
  return parts.join('');
}
