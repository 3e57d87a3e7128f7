/**
 * Finds the function a doc comment is written for (pure; no I/O): from the document symbols when the
 * host has a symbol provider, and from the text alone otherwise. The text scan blanks strings and
 * comments first, so a brace in `"{"` or a `def` in a docstring never counts, then reads tokens:
 * indentation for Python, bracket matching for the C-like languages.
 */
import { indentColumns } from '../common/stopRules';

export type FunctionLikeKind = 'function' | 'method' | 'constructor' | 'class' | 'other';

/** A document symbol reduced to what matters here (the host converts vscode.DocumentSymbol into this). */
export interface SymbolLike {
  readonly name: string;
  readonly kind: FunctionLikeKind;
  readonly startLine: number;
  readonly endLine: number;
  readonly children: readonly SymbolLike[];
}

export interface CodeBlock {
  readonly startLine: number;       // first line of the function's code (its decorators/attributes/annotations included)
  readonly declarationLine: number; // the line with `def`/`function`/`fn`/`func`/the method name (after decorators)
  readonly endLine: number;         // last line of the body
  readonly name?: string;
}

/** Languages grouped by the syntax rules that matter here; unknown ids get the C rules. */
export type LanguageFamily = 'python' | 'js' | 'go' | 'rust' | 'java' | 'csharp' | 'c';

export interface Token {
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

/** A function found by the text scan; token indices point into `ScannedSource.tokens`. */
export interface FoundFunction {
  readonly startLine: number;
  readonly declarationLine: number;
  readonly endLine: number;
  readonly name?: string;
  /** False for functions nobody documents: callbacks, lambdas, `go func() {…}`. */
  readonly documentable: boolean;
  readonly headerStart: number;    // first token of the declaration (after attributes)
  readonly paramsOpen: number;     // `(`, or the lone parameter of `x => …`
  readonly paramsClose: number;    // the matching `)`, or that same lone parameter
  readonly bodyOpen: number;       // `{`, or the first token of an expression / Python body
  readonly bodyClose: number;      // the matching `}`, or the last token of the body
  readonly expressionBody: boolean;
}

/** Lines `from` (inclusive) to `to` (exclusive). */
export interface LineWindow { readonly from: number; readonly to: number }

export interface ScannedSource {
  readonly masked: MaskedLines;
  readonly tokens: readonly Token[];
  /** For each token, the index of its matching bracket, or -1. */
  readonly match: readonly number[];
  readonly functions: readonly FoundFunction[];
  /** The lines that were read. */
  readonly window: LineWindow;
}

const FUNCTION_KINDS: ReadonlySet<FunctionLikeKind> = new Set(['function', 'method', 'constructor']);
// How far above a declaration decorators are looked for; a decorator list longer than this is not
// worth the quadratic scan.
const ATTRIBUTE_LOOKBACK = 60;
const PYTHON_TAB = 8;
// How many characters one scan reads at most (lines count one more for the line break): a bigger
// text is read in a window around the lines that matter, and a longer line only up to this many
// characters (a minified bundle), so that a command on a multi-megabyte file answers in
// milliseconds instead of holding the editor for seconds.
const SCAN_WINDOW_CHARS = 50_000;
// A line in column 0 that starts a declaration, an import, a decorator or an attribute, or closes a top-level block.
const TOP_LEVEL_START = /^(?:(?:export|async|def|class|function|const|let|var|public|private|protected|internal|static|abstract|final|fn|pub|func|impl|struct|enum|interface|namespace|package)\s+[\w$*{(<]|import\s+[\w${*"']|from\s+\S+\s+import\s|@\w|#\[|#include\b|\}\s*$)/;
// What a token is, as a pattern (tokenize reads it by hand, for speed; the first alternative that
// matches wins):
// /[A-Za-z_$\u00C0-\uFFFF][\w$\u00C0-\uFFFF]*|\d[\w.]*|=>|->|::|\.\.\.|:=|==|!=|&&|\|\||\*\*|\?\.|\S/g
const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };
// Words before `(…) {` that make it a statement, not a function declaration.
const NOT_A_NAME = new Set([
  'if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'typeof', 'sizeof', 'lock', 'using', 'foreach',
  'fixed', 'synchronized', 'else', 'do', 'try', 'new', 'await', 'yield', 'throw', 'delete', 'void', 'in', 'of',
  'instanceof', 'case', 'when', 'alignof', 'decltype', 'static_assert', 'nameof', 'checked', 'unchecked',
  'match', 'loop', 'function', 'super', 'import', 'require', 'assert', 'elif', 'except', 'finally',
]);
// Words that end a return-type trailer when walking back from `{`: the brace opens a statement block.
const STATEMENT_WORDS = new Set(['return', 'else', 'do', 'try', 'finally', 'throw', 'new', 'case', 'yield', 'await', 'typeof', 'in', 'of', 'instanceof', 'class', 'interface', 'struct', 'enum', 'namespace', 'extends', 'implements', 'record']);
// Tokens allowed between a parameter list and its body: return types, `throws`, `const`, `where`.
const TRAILER_PUNCTUATION = new Set([':', '.', '::', '?', '|', '&', '&&', '*', '->', ',', '"', "'", '+', '-', '~', '!', '...', '#']);
// Tokens before a name that show the `name(…)` is a call or an expression, not a declaration.
const CALL_CONTEXT = new Set(['.', '?.', 'new', 'extends', 'implements', '=', 'return', 'await', 'yield', 'typeof', 'throw', 'case', '?', '!', '+', '-', '||', '&&', '==', '!=', '<', '(', '[', 'in', 'of', 'else']);
const JS_MODIFIERS = new Set(['export', 'default', 'async', 'static', 'public', 'private', 'protected', 'readonly', 'abstract', 'override', 'declare', 'function', 'get', 'set', '*', 'const', 'let', 'var', 'accessor']);
const RUST_MODIFIERS = new Set(['pub', 'async', 'const', 'unsafe', 'extern', 'default', '"']);
// Words after which a `/` starts a regular expression, not a division.
const VALUE_KEYWORDS = new Set(['return', 'typeof', 'case', 'in', 'of', 'yield', 'await']);

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
  const last = clamp(symbol.endLine, 0, Math.max(0, lines.length - 1));
  let first = clamp(symbol.startLine, 0, last);
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
  const window = !maskedText ? scanWindow(lines, line) : withinBudget(lines) ? wholeText(lines) : windowAround(lines, line, line);
  for (const found of scanFunctions(lines, languageId, window, maskedText).functions) {
    if (!found.documentable || found.startLine > line || found.endLine < line) continue;
    // Ranges nest, so the latest start is the innermost; on one line, the later declaration.
    if (!best || found.startLine > best.startLine || (found.startLine === best.startLine && found.headerStart > best.headerStart)) best = found;
  }
  if (!best) return undefined;
  return { startLine: best.startLine, declarationLine: best.declarationLine, endLine: best.endLine, name: best.name };
}

/** The syntax family of a VS Code language id. */
export function languageFamily(languageId: string): LanguageFamily {
  switch (languageId) {
    case 'python': return 'python';
    case 'typescript': case 'typescriptreact': case 'javascript': case 'javascriptreact': return 'js';
    case 'go': return 'go';
    case 'rust': return 'rust';
    case 'java': return 'java';
    case 'csharp': return 'csharp';
    default: return 'c';
  }
}

/** Every function in the text (documentable or not), with the masked lines and tokens it was read from; only the lines in `window` are read; `maskedText` is the whole text from `maskCodeInSteps` when the caller has it already. */
export function scanFunctions(lines: readonly string[], languageId: string, window: LineWindow = wholeText(lines), maskedText?: MaskedText): ScannedSource {
  const family = languageFamily(languageId);
  // With the whole text masked already, any window is read as exactly as the whole text would be.
  const masked = maskedText ? wholeMask(maskedText, lines.length) : windowMask(lines, family, window);
  const tokens = tokenize(masked, window);
  const match = matchBrackets(tokens);
  const source = { lines, masked, tokens, match, family, window };
  let functions: FoundFunction[];
  switch (family) {
    case 'python': functions = scanPython(source); break;
    case 'go': case 'rust': functions = scanKeywordFunctions(source); break;
    default: functions = scanBracedFunctions(source); break;
  }
  return { masked, tokens, match, functions, window };
}

/**
 * The lines a scan for the code around lines `first`…`last` reads: all of them when the text is
 * within SCAN_WINDOW_CHARS, else a window of about that size around those lines (a function
 * larger than that is then not found whole). The window starts at a line that looks like
 * top-level code, since a scan of it masks from there as if no string or comment were open.
 */
export function scanWindow(lines: readonly string[], first: number, last = first): LineWindow {
  if (withinBudget(lines)) return wholeText(lines);
  const { from, to } = windowAround(lines, first, last);
  const start = clamp(first, 0, lines.length - 1);
  if (from === 0) return { from, to };
  for (let row = from; row < start; row++) {
    if (TOP_LEVEL_START.test(lines[row])) return { from: row, to };
  }
  // None below the window's start (one long declaration): the nearest above it, or the text's
  // start, a little beyond the budget.
  for (let row = from - 1, extra = 0; row >= 0 && extra <= SCAN_WINDOW_CHARS / 4; extra += lineCost(lines, row), row--) {
    if (row === 0 || TOP_LEVEL_START.test(lines[row])) return { from: row, to };
  }
  return { from, to };
}

/** The lines a scan of the code block at lines `first`…`last` reads: all of them when the text is within SCAN_WINDOW_CHARS, else the block's (see blockLines); a block starts outside strings and comments. */
export function blockWindow(lines: readonly string[], first: number, last = first): LineWindow {
  return withinBudget(lines) ? wholeText(lines) : blockLines(lines, first, last);
}

/** Lines `first`…`last`, as many as fit in SCAN_WINDOW_CHARS (at least the first). */
export function blockLines(lines: readonly string[], first: number, last: number): LineWindow {
  if (lines.length === 0) return wholeText(lines);
  const from = clamp(first, 0, lines.length - 1);
  const end = Math.min(lines.length, last + 1);
  let to = Math.min(lines.length, from + 1);
  for (let used = lineCost(lines, from); to < end && used + lineCost(lines, to) <= SCAN_WINDOW_CHARS; to++) used += lineCost(lines, to);
  return { from, to };
}

// A line costs its characters (at most the budget: longer lines are read only that far) and its break.
function lineCost(lines: readonly string[], row: number): number {
  return Math.min(lines[row].length, SCAN_WINDOW_CHARS) + 1;
}

function withinBudget(lines: readonly string[]): boolean {
  let total = 0;
  for (let row = 0; row < lines.length && total <= SCAN_WINDOW_CHARS; row++) total += lineCost(lines, row);
  return total <= SCAN_WINDOW_CHARS;
}

// About SCAN_WINDOW_CHARS of lines around first…last: the rest of the budget goes to both sides
// in turn, since the enclosing function starts above and its body ends below.
function windowAround(lines: readonly string[], first: number, last: number): LineWindow {
  const start = clamp(first, 0, lines.length - 1);
  const end = clamp(last, start, lines.length - 1);
  let from = start;
  let to = start + 1;
  let used = lineCost(lines, start);
  while (to <= end && used + lineCost(lines, to) <= SCAN_WINDOW_CHARS) used += lineCost(lines, to++);
  for (let grew = true; grew;) {
    grew = false;
    if (from > 0 && used + lineCost(lines, from - 1) <= SCAN_WINDOW_CHARS) { used += lineCost(lines, --from); grew = true; }
    if (to < lines.length && used + lineCost(lines, to) <= SCAN_WINDOW_CHARS) { used += lineCost(lines, to++); grew = true; }
  }
  return { from, to };
}

function wholeText(lines: readonly string[]): LineWindow {
  return { from: 0, to: lines.length };
}


// ---------------------------------------------------------------------------------------------
// Masking: strings and comments become spaces (string delimiters stay), columns are kept.

/** A text with its strings and comments blanked (see maskCode), and which lines start inside a string. */
export interface MaskedText { readonly lines: readonly string[]; readonly startsInString: readonly boolean[] }

/** Masked lines by line number: the ones a scan masked, and '' for the others (a window of a long text allocates only for itself). */
export interface MaskedLines {
  /** The masked text of line `row`. */
  line(row: number): string;
  /** Whether line `row` starts inside a string (Python: such a line never ends a body). */
  startsInString(row: number): boolean;
  /** How many lines the whole text has. */
  readonly lineCount: number;
}

// `lineCount` may be less than the masked text's (a search in the lines above a selection's end).
function wholeMask(masked: MaskedText, lineCount: number): MaskedLines {
  return {
    line: (row) => (row < lineCount ? masked.lines[row] ?? '' : ''),
    startsInString: (row) => row < lineCount && (masked.startsInString[row] ?? false),
    lineCount,
  };
}

function windowMask(lines: readonly string[], family: LanguageFamily, window: LineWindow): MaskedLines {
  const { lines: texts, startsInString } = maskSource(lines, family, window);
  const { from } = window;
  return { line: (row) => texts[row - from] ?? '', startsInString: (row) => startsInString[row - from] ?? false, lineCount: lines.length };
}
interface OpenLiteral { readonly comment: boolean; readonly close: string; readonly escapes: boolean; readonly doubled: boolean; readonly multiline: boolean }

/** The lines with comments and string contents replaced by spaces, so what is left is code; columns are unchanged. */
export function maskCode(lines: readonly string[], languageId: string): string[] {
  return maskSource(lines, languageFamily(languageId)).lines;
}

/** `maskCode` in steps, for a caller that lets other work run in between: yields after about `charsPerStep` characters, returns the whole text masked. */
export function* maskCodeInSteps(lines: readonly string[], languageId: string, charsPerStep: number): Generator<void, MaskedText, void> {
  return yield* maskSteps(lines, languageFamily(languageId), wholeText(lines), charsPerStep);
}

function maskSource(lines: readonly string[], family: LanguageFamily, window = wholeText(lines)): { lines: string[]; startsInString: boolean[] } {
  const steps = maskSteps(lines, family, window, Infinity);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

// The window's lines only, from its first (the whole text's when the window is all of it). A
// window that does not start at the top begins as code, outside any string or comment (see scanWindow).
function* maskSteps(lines: readonly string[], family: LanguageFamily, window: LineWindow, charsPerStep: number): Generator<void, { lines: string[]; startsInString: boolean[] }, void> {
  const out: string[] = [];
  const startsInString: boolean[] = [];
  let open: OpenLiteral | undefined;
  let sinceStep = 0;
  for (let row = window.from; row < window.to; row++) {
    startsInString.push(open !== undefined && !open.comment);
    const raw = lines[row];
    // A line longer than the budget is read only that far; the rest counts as blank, columns kept.
    const masked = maskLine(raw.length > SCAN_WINDOW_CHARS ? raw.slice(0, SCAN_WINDOW_CHARS) : raw, family, open);
    out.push(raw.length > SCAN_WINDOW_CHARS ? masked.text +  ' '.repeat(raw.length - SCAN_WINDOW_CHARS - (raw.endsWith('\r') ? 1 : 0)) : masked.text);
    open = masked.open;
    sinceStep += raw.length + 1;
    if (sinceStep >= charsPerStep) {
      sinceStep = 0;
      yield;
    }
  }
  return { lines: out, startsInString };
}

// One line, given the literal left open by the lines above; also gives what stays open after it.
// Linear in the line's length (a minified bundle is one line of megabytes): the masked text is
// built from slices, and a `/` looks back only at the last code character, tracked as it goes.
function maskLine(raw: string, family: LanguageFamily, open: OpenLiteral | undefined): { text: string; open: OpenLiteral | undefined } {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const parts: string[] = [];
  let copied = 0;
  const blank = (from: number, to: number) => {
    if (to <= from) return;
    parts.push(line.slice(copied, from), ' '.repeat(to - from));
    copied = to;
  };
  // The last character of the masked line so far that is not whitespace (delimiters count), or -1.
  let lastCode = -1;
  let i = 0;
  while (i < line.length) {
    if (open) {
      const end = findClose(line, i, open);
      if (end < 0) {
        blank(i, line.length);
        i = line.length;
        if (!open.multiline) open = undefined;
      } else {
        blank(i, open.comment ? end + open.close.length : end);
        if (!open.comment) lastCode = end + open.close.length - 1;
        i = end + open.close.length;
        open = undefined;
      }
      continue;
    }
    const opened = literalAt(line, i, family, lastCode);
    if (opened === 'line-comment') { blank(i, line.length); break; }
    if (opened) {
      if (opened.literal.comment) blank(i, i + opened.length);
      else lastCode = i + opened.length - 1;
      open = opened.literal;
      i += opened.length;
      continue;
    }
    if (!isWhitespace(line.charCodeAt(i))) lastCode = i;
    i++;
  }
  if (open && !open.multiline) open = undefined;
  if (copied === 0) return { text: line, open };
  parts.push(line.slice(copied));
  return { text: parts.join(''), open };
}

// The characters `/\s/` and `String.prototype.trim` take for whitespace.
function isWhitespace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(String.fromCharCode(code));
}

function findClose(line: string, from: number, open: OpenLiteral): number {
  for (let j = from; j < line.length; j++) {
    if (open.escapes && line[j] === '\\') { j++; continue; }
    if (line.startsWith(open.close, j)) {
      // C# verbatim strings write a quote as two quotes.
      if (open.doubled && line[j + 1] === '"') { j++; continue; }
      return j;
    }
  }
  return -1;
}

const literal = (close: string, multiline: boolean, escapes = true, doubled = false): OpenLiteral => ({ comment: false, close, escapes, doubled, multiline });

function literalAt(line: string, i: number, family: LanguageFamily, lastCode: number): 'line-comment' | { literal: OpenLiteral; length: number } | undefined {
  const c = line[i];
  const next = line[i + 1];
  if (family === 'python') {
    if (c === '#') return 'line-comment';
    if (c === '"' || c === "'") {
      if (line.startsWith(c.repeat(3), i)) return { literal: literal(c.repeat(3), true), length: 3 };
      return { literal: literal(c, false), length: 1 };
    }
    return undefined;
  }
  if (c === '/' && next === '/') return 'line-comment';
  if (c === '/' && next === '*') return { literal: { comment: true, close: '*/', escapes: false, doubled: false, multiline: true }, length: 2 };
  if (c === '"') {
    if ((family === 'java' || family === 'csharp') && line.startsWith('"""', i)) return { literal: literal('"""', true, family === 'java'), length: 3 };
    if (family === 'csharp' && /@\$?$|\$@$/.test(line.slice(Math.max(0, i - 2), i))) return { literal: literal('"', true, false, true), length: 1 };
    if (family === 'rust') {
      const hashes = rawStringHashes(line, i);
      if (hashes !== undefined) return { literal: literal('"' + hashes, true, false), length: 1 };
      return { literal: literal('"', true), length: 1 };
    }
    return { literal: literal('"', false), length: 1 };
  }
  if (c === "'") {
    // Rust: `'a` is a lifetime, `'x'` and `'\n'` are characters.
    if (family === 'rust' && next !== '\\' && line[i + 2] !== "'") return undefined;
    return { literal: literal("'", false), length: 1 };
  }
  if (c === '`' && family === 'js') return { literal: literal('`', true), length: 1 };
  if (c === '`' && family === 'go') return { literal: literal('`', true, false), length: 1 };
  if (c === '/' && family === 'js' && regexCanStart(line, lastCode)) {
    const end = regexEnd(line, i);
    if (end > 0) return { literal: literal('/', false), length: 1 };
  }
  return undefined;
}

// A `/` starts a regular expression where a value is expected: after an operator or an opener.
// `lastCode` is the masked line's last non-whitespace character before the `/`; a word ending
// there is code (strings and comments never end in a word character), so it is read from `line`.
function regexCanStart(line: string, lastCode: number): boolean {
  if (lastCode < 0) return true;
  if (/[(,=:[!&|?{};+\-*%<>~^]/.test(line[lastCode])) return true;
  let wordStart = lastCode;
  while (wordStart > 0 && /[\w$]/.test(line[wordStart - 1])) wordStart--;
  return VALUE_KEYWORDS.has(line.slice(wordStart, lastCode + 1));
}

// Rust raw strings: `r"…"`, `r#"…"#`, `br"…"` with the `"` at `quote`; the `#`s that close it, or undefined.
function rawStringHashes(line: string, quote: number): string | undefined {
  let r = quote - 1;
  while (r >= 0 && line[r] === '#') r--;
  if (line[r] !== 'r') return undefined;
  let before = r - 1;
  if (line[before] === 'b' && !/\w/.test(line[before - 1] ?? ' ')) before--;
  if (before >= 0 && /\w/.test(line[before])) return undefined;
  return line.slice(r + 1, quote);
}

function regexEnd(line: string, start: number): number {
  let inClass = false;
  for (let j = start + 1; j < line.length; j++) {
    const c = line[j];
    if (c === '\\') { j++; continue; }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return j;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Tokens and brackets.

// Reads the tokens of the pattern above (words, numbers, the operators that matter, any other
// non-blank character) by hand: a regular expression's match objects cost most of a scan.
function tokenize(masked: MaskedLines, window: LineWindow): Token[] {
  const tokens: Token[] = [];
  for (let line = window.from; line < window.to; line++) {
    const text = masked.line(line);
    // Past the budget a line is blank (see maskSteps).
    const length = Math.min(text.length, SCAN_WINDOW_CHARS);
    let i = 0;
    while (i < length) {
      const code = text.charCodeAt(i);
      let end = i + 1;
      // Words first: the pattern takes U+00C0…U+FFFF as word characters, the few blanks among them too.
      if (isWordStart(code)) {
        while (end < length && isWordPart(text.charCodeAt(end))) end++;
      } else if (isWhitespace(code)) {
        i++;
        continue;
      } else if (isDigit(code)) {
        while (end < length && isNumberPart(text.charCodeAt(end))) end++;
      } else {
        end = i + operatorLength(text, i);
      }
      tokens.push({ text: text.slice(i, end), line, col: i });
      i = end;
    }
  }
  return tokens;
}

// `=>`, `->`, `::`, `...`, `:=`, `==`, `!=`, `&&`, `||`, `**`, `?.` at `i`, else one character.
function operatorLength(text: string, i: number): number {
  const next = text.charCodeAt(i + 1);
  switch (text[i]) {
    case '=': return next === 62 || next === 61 ? 2 : 1; // => ==
    case '-': return next === 62 ? 2 : 1; // ->
    case ':': return next === 58 || next === 61 ? 2 : 1; // :: :=
    case '!': return next === 61 ? 2 : 1; // !=
    case '&': return next === 38 ? 2 : 1; // &&
    case '|': return next === 124 ? 2 : 1; // ||
    case '*': return next === 42 ? 2 : 1; // **
    case '?': return next === 46 ? 2 : 1; // ?.
    case '.': return next === 46 && text.charCodeAt(i + 2) === 46 ? 3 : 1; // ...
    default: return 1;
  }
}

// The pattern's character classes on UTF-16 code units: `[A-Za-z_$\u00C0-\uFFFF]`,
// `[\w$\u00C0-\uFFFF]`, `\d` and `[\w.]`.
const isDigit = (code: number) => code >= 48 && code <= 57;
const isAsciiWord = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || isDigit(code);
const isWordStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36 || code >= 0xc0;
const isWordPart = (code: number) => isWordStart(code) || isDigit(code);
const isNumberPart = (code: number) => isAsciiWord(code) || code === 46;

// Linear: each kind of opener keeps its own stack of positions in the shared stack, so a closer
// finds its opener at once even in unbalanced code.
function matchBrackets(tokens: readonly Token[]): number[] {
  const match = new Array<number>(tokens.length).fill(-1);
  const stack: number[] = [];
  const kinds: readonly number[][] = [[], [], []];
  const kindOf = (bracket: string) => (bracket === '(' ? kinds[0] : bracket === '[' ? kinds[1] : kinds[2]);
  tokens.forEach((token, index) => {
    const text = token.text;
    if (text === '(' || text === '[' || text === '{') { kindOf(text).push(stack.length); stack.push(index); return; }
    if (text !== ')' && text !== ']' && text !== '}') return;
    const s = kindOf(CLOSERS[text]).pop();
    if (s === undefined) return;
    // Unbalanced code (mid-edit): close the nearest matching opener, dropping the ones in between.
    match[index] = stack[s];
    match[stack[s]] = index;
    stack.length = s;
    for (const kind of kinds) while (kind.length > 0 && kind[kind.length - 1] >= s) kind.pop();
  });
  return match;
}

interface Source {
  readonly lines: readonly string[];
  readonly masked: MaskedLines;
  readonly tokens: readonly Token[];
  readonly match: readonly number[];
  readonly family: LanguageFamily;
  readonly window: LineWindow;
}

const isWord = (token: Token | undefined): boolean => token !== undefined && /^[A-Za-z_$\u00C0-\uFFFF]/.test(token.text);

/** The index of the `<` matching the `>` at `close`, or -1. */
function angleOpenBefore(source: Source, close: number): number {
  let depth = 0;
  for (let k = close; k >= 0; k--) {
    const text = source.tokens[k].text;
    if (text === '>') depth++;
    else if (text === '<') { depth--; if (depth === 0) return k; }
    else if ((text === ')' || text === ']' || text === '}') && source.match[k] >= 0) k = source.match[k];
    else if (text === ';' || text === '{' || text === '}') return -1;
  }
  return -1;
}

/** The index of the `>` matching the `<` at `open`, or -1. */
function angleCloseAfter(source: Source, open: number): number {
  let depth = 0;
  for (let k = open; k < source.tokens.length; k++) {
    const text = source.tokens[k].text;
    if (text === '<') depth++;
    else if (text === '>') { depth--; if (depth === 0) return k; }
    else if ((text === '(' || text === '[' || text === '{') && source.match[k] >= 0) k = source.match[k];
    else if (text === ';' || text === '{' || text === '}') return -1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Decorators, attributes, annotations.

const ATTRIBUTE_START: Readonly<Record<LanguageFamily, RegExp | undefined>> = {
  python: /^@/, js: /^@/, java: /^@(?!interface\b)/, csharp: /^\[/, rust: /^#!?\[/, c: /^(?:\[\[|template\s*<)/, go: undefined,
};

/** Where the chain of attributes starting on `line` ends: the line holding the first other code, or undefined. */
function attributeChainEnd(masked: MaskedLines, line: number, family: LanguageFamily): number | undefined {
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

function firstCodeColumn(text: string): number {
  return text.length - text.trimStart().length;
}

/** The first line of the attributes directly above the declaration on `declarationLine` (itself when none). */
function attributeStart(masked: MaskedLines, declarationLine: number, family: LanguageFamily): number {
  const pattern = ATTRIBUTE_START[family];
  if (!pattern) return declarationLine;
  let start = declarationLine;
  for (let k = declarationLine - 1; k >= 0 && k >= declarationLine - ATTRIBUTE_LOOKBACK; k--) {
    if (!pattern.test(masked.line(k).trimStart())) continue;
    if (attributeChainEnd(masked, k, family) === declarationLine) start = k;
  }
  return start;
}

// ---------------------------------------------------------------------------------------------
// Python: `def` at the start of a statement; the body is every deeper-indented line after it.

function scanPython(source: Source): FoundFunction[] {
  const { tokens, match, masked, lines } = source;
  const depthAtLine = bracketDepthAtLineStarts(source);
  const found: FoundFunction[] = [];
  tokens.forEach((token, k) => {
    if (token.text !== 'def') return;
    const head = tokens[k - 1]?.text === 'async' && tokens[k - 1].line === token.line ? k - 1 : k;
    if (tokens[head].col !== firstCodeColumn(masked.line(token.line))) return;
    const open = k + 2;
    if (!isWord(tokens[k + 1]) || tokens[open]?.text !== '(' || match[open] < 0) return;
    const close = match[open];
    let colon = -1;
    for (let j = close + 1; j < tokens.length; j++) {
      if (tokens[j].text === ':') { colon = j; break; }
      if (OPENERS[tokens[j].text] && match[j] >= 0) j = match[j];
      else if (tokens[j].text === 'def') break;
    }
    if (colon < 0) return;
    const colonLine = tokens[colon].line;
    const defIndent = indentColumns(lines[token.line], PYTHON_TAB);
    let endLine = colonLine;
    if (tokens[colon + 1]?.line === colonLine) {
      // One-line body (`def f(x): return x`), possibly with brackets running on.
      for (let j = colon + 1; j < tokens.length && tokens[j].line === colonLine; j++) {
        if (OPENERS[tokens[j].text] && match[j] >= 0) endLine = Math.max(endLine, tokens[match[j]].line);
      }
    } else {
      for (let row = colonLine + 1; row < source.window.to; row++) {
        if (masked.line(row).trim() === '' || masked.startsInString(row) || depthAtLine[row - source.window.from] > 0 || masked.line(row - 1).trimEnd().endsWith('\\')) continue;
        if (indentColumns(lines[row], PYTHON_TAB) <= defIndent) break;
        endLine = row;
      }
    }
    let bodyClose = colon;
    while (bodyClose + 1 < tokens.length && tokens[bodyClose + 1].line <= endLine) bodyClose++;
    const declarationLine = token.line;
    found.push({
      startLine: attributeStart(masked, declarationLine, 'python'),
      declarationLine,
      endLine,
      name: tokens[k + 1].text,
      documentable: true,
      headerStart: head,
      paramsOpen: open,
      paramsClose: close,
      bodyOpen: colon + 1,
      bodyClose,
      expressionBody: false,
    });
  });
  return found;
}

// Indexed from the window's first line: a scan of a few lines of a long text allocates only for them.
function bracketDepthAtLineStarts(source: Source): number[] {
  const { from, to } = source.window;
  const depths = new Array<number>(Math.max(0, to - from)).fill(0);
  let depth = 0;
  let k = 0;
  for (let row = from; row < to; row++) {
    depths[row - from] = depth;
    for (; k < source.tokens.length && source.tokens[k].line === row; k++) {
      const text = source.tokens[k].text;
      if (OPENERS[text]) depth++;
      else if (CLOSERS[text]) depth = Math.max(0, depth - 1);
    }
  }
  return depths;
}

// ---------------------------------------------------------------------------------------------
// Go and Rust: every function starts with a keyword (`func`, `fn`), so read forwards from it.

function scanKeywordFunctions(source: Source): FoundFunction[] {
  const { tokens, match, family } = source;
  const keyword = family === 'go' ? 'func' : 'fn';
  const claimed = new Set<number>();
  const found: FoundFunction[] = [];
  tokens.forEach((token, k) => {
    if (token.text !== keyword) return;
    let name: string | undefined;
    let cursor = k + 1;
    let literal = false;
    if (family === 'go' && tokens[cursor]?.text === '(' && match[cursor] >= 0) {
      const afterReceiver = match[cursor] + 1;
      if (isWord(tokens[afterReceiver]) && ['(', '['].includes(tokens[afterReceiver + 1]?.text ?? '')) cursor = afterReceiver;
      else literal = true;
    }
    if (!literal) {
      if (!isWord(tokens[cursor])) return;
      name = tokens[cursor].text;
      cursor++;
    }
    if (tokens[cursor]?.text === '[' && match[cursor] >= 0) cursor = match[cursor] + 1;
    else if (tokens[cursor]?.text === '<') cursor = angleCloseAfter(source, cursor) + 1;
    const open = cursor;
    if (tokens[open]?.text !== '(' || match[open] < 0) return;
    const body = bodyAfter(source, match[open] + 1);
    if (body === undefined || claimed.has(body)) return;
    claimed.add(body);
    let headerStart = k;
    let documentable = true;
    if (literal) {
      // `f := func(…) {…}` is named by its variable; `go func() {…}()` is not documented.
      const assign = tokens[k - 1]?.text;
      if ((assign === ':=' || assign === '=') && isWord(tokens[k - 2])) {
        name = tokens[k - 2].text;
        headerStart = tokens[k - 3]?.text === 'var' ? k - 3 : k - 2;
      } else documentable = false;
    } else if (family === 'rust') {
      headerStart = rustModifiersStart(source, k);
    }
    const declarationLine = tokens[headerStart].line;
    found.push({
      startLine: attributeStart(source.masked, declarationLine, family),
      declarationLine,
      endLine: tokens[match[body]].line,
      name,
      documentable,
      headerStart,
      paramsOpen: open,
      paramsClose: match[open],
      bodyOpen: body,
      bodyClose: match[body],
      expressionBody: false,
    });
  });
  return found;
}

// The `{` opening the body after a parameter list; result types may hold `interface{}` or `struct{…}`.
function bodyAfter(source: Source, from: number): number | undefined {
  const { tokens, match } = source;
  for (let j = from; j < tokens.length && j < from + 200; j++) {
    const text = tokens[j].text;
    if (text === '{') {
      if (match[j] < 0) return undefined;
      if (['interface', 'struct'].includes(tokens[j - 1]?.text ?? '')) { j = match[j]; continue; }
      return j;
    }
    if (text === '(' || text === '[') { if (match[j] < 0) return undefined; j = match[j]; continue; }
    if (text === ';' || text === '}' || text === ')' || text === ']' || text === '=') return undefined;
  }
  return undefined;
}

function rustModifiersStart(source: Source, keyword: number): number {
  const { tokens, match } = source;
  let k = keyword;
  for (;;) {
    const previous = tokens[k - 1];
    if (!previous) return k;
    // `pub(crate)`
    if (previous.text === ')' && match[k - 1] >= 0 && tokens[match[k - 1] - 1]?.text === 'pub') { k = match[k - 1] - 1; continue; }
    if (RUST_MODIFIERS.has(previous.text)) { k--; continue; }
    return k;
  }
}

// ---------------------------------------------------------------------------------------------
// JS/TS, Java, C#, C/C++: a body is a `{` (or `=>` expression) after a parameter list; read backwards.

interface Header { readonly name?: string; readonly documentable: boolean; readonly headerStart: number; readonly paramsOpen: number; readonly paramsClose: number }

function scanBracedFunctions(source: Source): FoundFunction[] {
  const { tokens, match, family } = source;
  const found: FoundFunction[] = [];
  const add = (header: Header, bodyOpen: number, bodyClose: number, expressionBody: boolean) => {
    const declarationLine = tokens[header.headerStart].line;
    found.push({
      startLine: attributeStart(source.masked, declarationLine, family),
      declarationLine,
      endLine: tokens[bodyClose].line,
      name: header.name,
      documentable: header.documentable,
      headerStart: header.headerStart,
      paramsOpen: header.paramsOpen,
      paramsClose: header.paramsClose,
      bodyOpen,
      bodyClose,
      expressionBody,
    });
  };
  tokens.forEach((token, b) => {
    if (token.text === '{' && match[b] >= 0) {
      const header = family === 'js' && tokens[b - 1]?.text === '=>' ? arrowHeader(source, b - 1) : declarationHeader(source, b - 1);
      if (header) add(header, b, match[b], false);
    } else if (token.text === '=>' && (family === 'js' || family === 'csharp') && tokens[b + 1] && tokens[b + 1].text !== '{') {
      const header = family === 'js' ? arrowHeader(source, b, true) : declarationHeader(source, b - 1);
      if (header) add(header, b + 1, expressionEnd(source, b + 1), true);
    }
  });
  return found;
}

// The last token of an expression body: up to `;`, a closer of the enclosing brackets, a `,` at
// its level, or a line end where the next line does not carry the expression on.
function expressionEnd(source: Source, from: number): number {
  const { tokens, match } = source;
  let last = from;
  for (let j = from; j < tokens.length; j++) {
    const text = tokens[j].text;
    if (j > from && tokens[j].line !== tokens[last].line && !continuesExpression(tokens[last].text, text)) return last;
    if (text === ';' || text === ',' || CLOSERS[text]) return j === from ? from : last;
    if (OPENERS[text] && match[j] >= 0) j = match[j];
    last = j;
  }
  return last;
}

function continuesExpression(lastOnLine: string, firstOnNext: string): boolean {
  const operator = /^(?:[-+*/%&|^!?:<>=.,]|=>|&&|\|\||\?\.|==|!=|\*\*)$/;
  return operator.test(lastOnLine) || operator.test(firstOnNext) || OPENERS[lastOnLine] !== undefined;
}

/** The `)` closing a parameter list, walking back from `from` over a return type or `throws` clause. */
function paramsCloseBefore(source: Source, from: number): number | undefined {
  const { tokens, match, family } = source;
  for (let i = from, guard = 0; i >= 0 && guard < 60; guard++) {
    const token = tokens[i];
    const text = token.text;
    if (text === ')') {
      // C#'s `where T : new()` constraint.
      if (tokens[i - 1]?.text === '(' && tokens[i - 2]?.text === 'new') { i -= 3; continue; }
      return match[i] >= 0 ? i : undefined;
    }
    if (text === '>') { const open = angleOpenBefore(source, i); if (open < 0) return undefined; i = open - 1; continue; }
    if (text === ']') { if (match[i] < 0) return undefined; i = match[i] - 1; continue; }
    // TS object types in a return type: `): { a: number } {`.
    if (text === '}' && family === 'js' && match[i] > 0 && [':', '|', '&', '<', ','].includes(tokens[match[i] - 1].text)) { i = match[i] - 1; continue; }
    // C++ brace-initialised members: `: a_(a), b_{b} {`.
    if (text === '}' && family === 'c' && match[i] > 1 && isWord(tokens[match[i] - 1]) && [',', ':'].includes(tokens[match[i] - 2].text)) { i = match[i] - 1; continue; }
    if (isWord(token)) { if (STATEMENT_WORDS.has(text)) return undefined; i--; continue; }
    if (/^\d/.test(text) || TRAILER_PUNCTUATION.has(text)) { i--; continue; }
    return undefined;
  }
  return undefined;
}

function declarationHeader(source: Source, from: number): Header | undefined {
  const { tokens, match, family } = source;
  // TS: `f(): {` – the brace is a type literal, not a body.
  if (family === 'js' && tokens[from]?.text === ':') return undefined;
  let search = from;
  for (let guard = 0; guard < 8; guard++) {
    const close = paramsCloseBefore(source, search);
    if (close === undefined) return undefined;
    const open = match[close];
    let n = open - 1;
    if (tokens[n]?.text === '>') n = angleOpenBefore(source, n) - 1;
    const nameToken = tokens[n];
    if (!nameToken) return undefined;
    const before = tokens[n - 1]?.text ?? ';';
    // C++ member initialisers and C# `: base(…)`: keep walking back to the real parameter list.
    if ((family === 'c' || family === 'csharp') && (before === ',' || before === ':') && isWord(nameToken)) { search = n - 2; continue; }
    if (family === 'js' && nameToken.text === 'function') return anonymousFunctionHeader(source, n, open, close);
    if (family === 'js' && nameToken.text === 'constructor' && before !== '.') return { name: 'constructor', documentable: true, headerStart: modifiersStart(source, n), paramsOpen: open, paramsClose: close };
    if (family === 'c' && !isWord(nameToken)) {
      // `operator==(…)`, `operator()(…)`; any other symbol before `(` is a lambda or a cast.
      const operatorIndex = cppOperatorStart(source, n);
      if (operatorIndex < 0) return undefined;
      const name = tokens.slice(operatorIndex, n + 1).map((t) => t.text).join('');
      return { name, documentable: true, headerStart: modifiersStart(source, operatorIndex), paramsOpen: open, paramsClose: close };
    }
    if (!isWord(nameToken) || NOT_A_NAME.has(nameToken.text) || CALL_CONTEXT.has(before)) return undefined;
    const name = before === '~' ? `~${nameToken.text}` : nameToken.text;
    return { name, documentable: true, headerStart: modifiersStart(source, n), paramsOpen: open, paramsClose: close };
  }
  return undefined;
}

// `operator==`, `operator()`: the index of the `operator` keyword before the symbol at `end`, or -1.
function cppOperatorStart(source: Source, end: number): number {
  for (let k = end; k >= 0 && k >= end - 3; k--) if (source.tokens[k].text === 'operator') return k;
  return -1;
}

/** `function (…) {`: named by what it is assigned to, otherwise a callback. */
function anonymousFunctionHeader(source: Source, functionIndex: number, open: number, close: number): Header {
  const { tokens } = source;
  let k = functionIndex;
  if (tokens[k - 1]?.text === 'async') k--;
  const naming = nameFromContext(source, k);
  return { ...naming, paramsOpen: open, paramsClose: close, headerStart: naming.headerStart ?? k };
}

function arrowHeader(source: Source, arrow: number, expressionBody = false): Header | undefined {
  const { tokens, match } = source;
  let paramsOpen: number;
  let paramsClose: number;
  if (isWord(tokens[arrow - 1]) && tokens[arrow - 2]?.text !== ':') {
    paramsOpen = paramsClose = arrow - 1;
  } else {
    const close = paramsCloseBefore(source, arrow - 1);
    if (close === undefined) return undefined;
    paramsClose = close;
    paramsOpen = match[close];
  }
  let k = paramsOpen;
  if (tokens[k - 1]?.text === '>') { const lt = angleOpenBefore(source, k - 1); if (lt < 0) return undefined; k = lt; }
  if (tokens[k - 1]?.text === 'async') k--;
  // `x: (a) => void` and `type F = (a) => void` are types, and an expression-bodied arrow named
  // by an object key is far more often one of those than code.
  if (expressionBody && tokens[k - 1]?.text === ':') return undefined;
  const naming = nameFromContext(source, k);
  if (tokens[naming.headerStart ?? k]?.text === 'type' || tokens[(naming.headerStart ?? k) - 1]?.text === 'type') return undefined;
  return { ...naming, paramsOpen, paramsClose, headerStart: naming.headerStart ?? k };
}

// What a function expression starting at `k` is assigned to: `const f =`, `this.f =`, `f:` in an
// object literal, `export default`; anything else is a callback argument.
function nameFromContext(source: Source, k: number): { name?: string; documentable: boolean; headerStart?: number } {
  const { tokens } = source;
  const before = tokens[k - 1]?.text;
  if (before === 'default' && tokens[k - 2]?.text === 'export') return { documentable: true, headerStart: k - 2 };
  if (before === ':' && (isWord(tokens[k - 2]) || tokens[k - 2]?.text === '"' || tokens[k - 2]?.text === "'")) {
    const name = isWord(tokens[k - 2]) ? tokens[k - 2].text : undefined;
    return { name, documentable: name !== undefined, headerStart: k - 2 };
  }
  if (before !== '=' || insideBrackets(source, k - 1)) return { documentable: false };
  // `const f: Handler = …`: the name follows the nearest `const`/`let`/`var` in this statement.
  for (let j = k - 2; j >= 0 && j >= k - 40; j--) {
    const text = tokens[j].text;
    if (text === ';' || text === '{' || text === '}' || text === '=' || text === '(' || text === ')') break;
    if ((text === 'const' || text === 'let' || text === 'var') && isWord(tokens[j + 1])) {
      return { name: tokens[j + 1].text, documentable: true, headerStart: modifiersStart(source, j + 1) };
    }
  }
  if (isWord(tokens[k - 2])) return { name: tokens[k - 2].text, documentable: true, headerStart: modifiersStart(source, k - 2) };
  return { documentable: false };
}

// A `=` inside `(…)` or `[…]` is a default value or a named argument, not an assignment.
function insideBrackets(source: Source, from: number): boolean {
  const { tokens, match } = source;
  for (let j = from - 1, guard = 0; j >= 0 && guard < 400; j--, guard++) {
    const text = tokens[j].text;
    if ((text === ')' || text === ']' || text === '}') && match[j] >= 0) { j = match[j]; continue; }
    if (text === '(' || text === '[') return true;
    if (text === ';' || text === '{' || text === '}') return false;
  }
  return false;
}

/** The first token of a declaration whose name is at `name`: modifiers, and in typed languages the return type. */
function modifiersStart(source: Source, name: number): number {
  const { tokens, match, family, masked } = source;
  let k = name;
  for (let guard = 0; guard < 40; guard++) {
    const previous = tokens[k - 1];
    if (!previous) return k;
    if (family === 'js') {
      if (!JS_MODIFIERS.has(previous.text)) return k;
      k--;
      continue;
    }
    // Never into a preprocessor line or past a decorator's name.
    if (previous.line !== tokens[k].line && /^\s*#/.test(masked.line(previous.line))) return k;
    if (tokens[k - 2]?.text === '@') return k;
    if (previous.text === '>') {
      // `template <…>` is an attribute-like prefix, not part of the return type.
      const open = angleOpenBefore(source, k - 1);
      if (open < 0 || tokens[open - 1]?.text === 'template') return k;
      k = open;
      continue;
    }
    if (previous.text === ']' && match[k - 1] === k - 2) { k -= 2; continue; }
    if (previous.text === '"' && family === 'c') { k--; continue; }
    if (isWord(previous) && !NOT_A_NAME.has(previous.text) && !STATEMENT_WORDS.has(previous.text)) {
      // A C++ access label (`public:`) ends the previous member.
      k--;
      continue;
    }
    if (['.', '::', '*', '&', '&&', '?', '~'].includes(previous.text)) { k--; continue; }
    return k;
  }
  return k;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
