/**
 * Picks the function a doc comment is written for (pure; no I/O): from the document symbols when
 * the host has a symbol provider, and from the text alone otherwise (the innermost documentable
 * function that functionScanner finds around the cursor). Either way the block starts at the
 * function's decorators or attributes, since the doc comment goes above them.
 */
import { MaskedText, wholeMask, windowMask } from './codeMasking';
import { scanFunctions } from './functionScanner';
import { languageFamily } from './languageFamily';
import { attributeChainEnd, attributeStart } from './scanners/attributes';
import { FoundFunction } from './scanners/tokenizedSource';
import { maskedScanWindow, scanWindow } from './scanWindow';

/** The kinds of document symbol that matter here. */
export type FunctionLikeKind = 'function' | 'method' | 'constructor' | 'class' | 'other';

/** A document symbol reduced to what matters here (the host converts vscode.DocumentSymbol into this). */
export interface SymbolLike {
  readonly name: string;
  readonly kind: FunctionLikeKind;
  readonly startLine: number;
  readonly endLine: number;
  readonly children: readonly SymbolLike[];
}

/** The lines of one function's code, as a doc comment needs them. */
export interface CodeBlock {
  readonly startLine: number;       // first line of the function's code (its decorators/attributes/annotations included)
  readonly declarationLine: number; // the line with `def`/`function`/`fn`/`func`/the method name (after decorators)
  readonly endLine: number;         // last line of the body
  readonly name?: string;
}

// The symbol kinds a doc comment is written for wherever the cursor is in them.
const FUNCTION_KINDS: ReadonlySet<FunctionLikeKind> = new Set(['function', 'method', 'constructor']);

/** The innermost function, method or constructor symbol containing `line` (a class only when the cursor is on its header). */
export function pickSymbolAt(symbols: readonly SymbolLike[], line: number): SymbolLike | undefined {
  let best: SymbolLike | undefined;
  let level: readonly SymbolLike[] = symbols;
  for (;;) {
    // Overlapping siblings (overloads, odd providers): the narrowest one is the most specific.
    let inner: SymbolLike | undefined;
    for (const symbol of level) {
      if (symbol.startLine > line || symbol.endLine < line) continue;
      if (!inner || symbol.endLine - symbol.startLine < inner.endLine - inner.startLine) inner = symbol;
    }
    if (!inner) return best;
    if (FUNCTION_KINDS.has(inner.kind)) best = inner;
    else if (inner.kind === 'class' && line === inner.startLine) best = inner;
    level = inner.children;
  }
}

/** Turns a symbol into a code block: extends upwards over decorators (`@x`), Rust `#[..]` attributes, Java/C# annotations (`@Override`, `[Attr]`); `maskedText` is the whole text from `maskCodeInSteps` when the caller has it already. */
export function blockFromSymbol(lines: readonly string[], symbol: SymbolLike, languageId: string, maskedText?: MaskedText): CodeBlock {
  const family = languageFamily(languageId);
  // Callers placing many symbols mask the text once and pass it (the CodeLens); one symbol needs
  // only the lines around its start.
  const masked = maskedText ? wholeMask(maskedText, lines.length) : windowMask(lines, family, scanWindow(lines, symbol.startLine));
  const last = Math.min(Math.max(0, lines.length - 1), Math.max(0, symbol.endLine));
  let first = Math.min(last, Math.max(0, symbol.startLine));
  // Some providers start the range at the doc comment; the code starts after it.
  while (first < last && masked.line(first).trim() === '') first++;
  const afterAttributes = attributeChainEnd(masked, first, family);
  const declarationLine = afterAttributes !== undefined && afterAttributes <= last ? afterAttributes : first;
  const startLine = Math.min(first, attributeStart(masked, declarationLine, family));
  let endLine = last;
  while (endLine > declarationLine && lines[endLine].trim() === '') endLine--;
  return { startLine, declarationLine, endLine, name: symbol.name };
}

/** Fallback without a symbol provider: the enclosing function at `line` found by indentation (Python) or brace matching (C-like: JS/TS, Java, C#, C/C++, Go, Rust), skipping braces in strings and comments. Nested functions: the innermost. Arrow functions assigned to const/let (`const f = async (a, b = 1) => {`), class methods, `async`, generics (`function f<T extends X>(…)`), multi-line parameter lists. `maskedText` is the whole text from `maskCodeInSteps` when the caller has it (or a longer text that `lines` begins): a big text is then read exactly around the line. */
export function findEnclosingFunction(lines: readonly string[], line: number, languageId: string, maskedText?: MaskedText): CodeBlock | undefined {
  let best: FoundFunction | undefined;
  // Masked already, the window around the line reads exactly as the whole text does there.
  const window = maskedText ? maskedScanWindow(lines, line) : scanWindow(lines, line);
  for (const found of scanFunctions(lines, languageId, window, maskedText).functions) {
    if (!found.documentable || found.startLine > line || found.endLine < line) continue;
    // Ranges nest, so the latest start is the innermost; on one line, the later declaration.
    if (!best || found.startLine > best.startLine || (found.startLine === best.startLine && found.headerStart > best.headerStart)) best = found;
  }
  if (!best) return undefined;
  return { startLine: best.startLine, declarationLine: best.declarationLine, endLine: best.endLine, name: best.name };
}
