/**
 * Decorators, attributes and annotations above a declaration (pure): Python and TypeScript `@x`,
 * Java annotations, C# `[Attr]`, Rust `#[…]`, C++ `[[…]]` and `template <…>`. A doc comment goes
 * above all of them, so both the symbol picker and the scanners ask here where a function's code
 * really starts, and where a chain of them ends and the declaration begins. Reads masked lines,
 * so a `(` or `]` inside a decorator's string argument never counts.
 */
import { MaskedLines } from '../codeMasking';
import { LanguageFamily } from '../languageFamily';

// How far above a declaration decorators are looked for; a decorator list longer than this is not
// worth the quadratic scan.
const ATTRIBUTE_LOOKBACK = 60;

// How an attribute starts a line, per family (Go has none).
const ATTRIBUTE_START: Readonly<Record<LanguageFamily, RegExp | undefined>> = {
  python: /^@/, js: /^@/, java: /^@(?!interface\b)/, csharp: /^\[/, rust: /^#!?\[/, c: /^(?:\[\[|template\s*<)/, go: undefined,
};

/** Where the chain of attributes starting on `line` ends: the line holding the first other code, or undefined. */
export function attributeChainEnd(masked: MaskedLines, line: number, family: LanguageFamily): number | undefined {
  const pattern = ATTRIBUTE_START[family];
  let row = line;
  let col = firstCodeColumn(masked.line(row));
  for (let guard = 0; guard < 200 && row < masked.lineCount; guard++) {
    const rest = masked.line(row).slice(col);
    if (rest.trim() === '') { row++; col = 0; continue; }
    col += rest.length - rest.trimStart().length;
    if (!pattern || !pattern.test(masked.line(row).slice(col))) return row;
    const end = attributeEnd(masked, row, col, family);
    if (!end) return undefined;
    [row, col] = end;
  }
  return undefined;
}

// Past one attribute: `@a.b(…)`, `[A(…)]`, `#[…]`, `[[…]]`, `template <…>`.
function attributeEnd(masked: MaskedLines, row: number, col: number, family: LanguageFamily): [number, number] | undefined {
  const text = masked.line(row);
  if (text.startsWith('template', col)) {
    return balancedEnd(masked, row, text.indexOf('<', col), '<', '>');
  }
  if (text[col] === '@') {
    let c = col + 1;
    while (c < text.length && /[\w$.]/.test(text[c])) c++;
    let r = row;
    // A decorator's arguments may start on the same line only; `@a` followed by `(` on the next
    // line would be a different statement.
    while (c < text.length && text[c] === ' ') c++;
    if (text[c] !== '(') return [r, c];
    const end = balancedEnd(masked, r, c, '(', ')');
    if (!end) return undefined;
    [r, c] = end;
    return [r, c];
  }
  const bracket = family === 'rust' ? text.indexOf('[', col) : col;
  return balancedEnd(masked, row, bracket, '[', ']');
}

function balancedEnd(masked: MaskedLines, row: number, col: number, open: string, close: string): [number, number] | undefined {
  if (col < 0) return undefined;
  let depth = 0;
  for (let r = row; r < masked.lineCount && r < row + ATTRIBUTE_LOOKBACK; r++) {
    const text = masked.line(r);
    for (let c = r === row ? col : 0; c < text.length; c++) {
      if (text[c] === open) depth++;
      else if (text[c] === close && !(close === '>' && (text[c - 1] === '=' || text[c - 1] === '-'))) {
        depth--;
        if (depth === 0) return [r, c + 1];
      }
    }
  }
  return undefined;
}

/** The column of a line's first non-blank character. */
export function firstCodeColumn(text: string): number {
  return text.length - text.trimStart().length;
}

/** The first line of the attributes directly above the declaration on `declarationLine` (itself when none). */
export function attributeStart(masked: MaskedLines, declarationLine: number, family: LanguageFamily): number {
  const pattern = ATTRIBUTE_START[family];
  if (!pattern) return declarationLine;
  let start = declarationLine;
  for (let k = declarationLine - 1; k >= 0 && k >= declarationLine - ATTRIBUTE_LOOKBACK; k--) {
    if (!pattern.test(masked.line(k).trimStart())) continue;
    if (attributeChainEnd(masked, k, family) === declarationLine) start = k;
  }
  return start;
}
