/**
 * The lexer that blanks strings and comments (pure): every character inside a comment or a string
 * literal becomes a space, string delimiters stay, columns are kept. What is left is code, so a
 * brace in `"{"` or a `def` in a docstring never counts for the scanners. It knows each language
 * family's literals: Python triple quotes, C# verbatim and raw strings, Java text blocks, Rust raw
 * strings and lifetimes, JS template literals and regular expressions, Go raw strings.
 *
 * Linear in the text's length, a minified bundle of one multi-megabyte line included (a `/` looks
 * back only at the last code character, tracked as it goes); a line is read only up to
 * SCAN_WINDOW_CHARS. The whole text can be masked in steps so the extension host keeps turning.
 */
import { LanguageFamily, languageFamily } from './languageFamily';
import { LineWindow, SCAN_WINDOW_CHARS, wholeText } from './scanWindow';

// Words after which a `/` starts a regular expression, not a division.
const VALUE_KEYWORDS = new Set(['return', 'typeof', 'case', 'in', 'of', 'yield', 'await']);

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

/** The lines of a text masked whole, by line number; `lineCount` may be less than the masked text's (a search in the lines above a selection's end). */
export function wholeMask(masked: MaskedText, lineCount: number): MaskedLines {
  return {
    line: (row) => (row < lineCount ? masked.lines[row] ?? '' : ''),
    startsInString: (row) => row < lineCount && (masked.startsInString[row] ?? false),
    lineCount,
  };
}

/** The lines of `window` masked now, by line number of the whole text (a window that does not start at the top begins as code). */
export function windowMask(lines: readonly string[], family: LanguageFamily, window: LineWindow): MaskedLines {
  const { lines: texts, startsInString } = maskSource(lines, family, window);
  const { from } = window;
  return { line: (row) => texts[row - from] ?? '', startsInString: (row) => startsInString[row - from] ?? false, lineCount: lines.length };
}

// A string or comment still open: what closes it, whether `\` escapes, whether `""` is a quote (C#
// verbatim strings), whether it runs on past the line's end.
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

/** Whether a UTF-16 code unit is one of the characters `/\s/` and `String.prototype.trim` take for whitespace. */
export function isWhitespace(code: number): boolean {
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
