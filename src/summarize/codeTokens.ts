/**
 * Reads masked lines as tokens (pure): words, numbers, the few multi-character operators the
 * scanners look for, and every other non-blank character alone, each with its line and column;
 * then pairs every bracket with its partner. Both are linear in the text, unbalanced code
 * (mid-edit) included, since a scan runs on every command and every CodeLens of a big file.
 */
import { isWhitespace, MaskedLines } from './codeMasking';
import { LineWindow, SCAN_WINDOW_CHARS } from './scanWindow';

/** One token of masked code, at its line and column in the text. */
export interface Token {
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

/** A lookup without Object's prototype: a word token such as `toString` or `constructor` must find nothing. */
function bareTable(entries: Record<string, string>): Readonly<Record<string, string | undefined>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, string>, entries));
}

/** Each opening bracket with its closer. */
export const OPENERS = bareTable({ '(': ')', '[': ']', '{': '}' });
/** Each closing bracket with its opener. */
export const CLOSERS = bareTable({ ')': '(', ']': '[', '}': '{' });

// What a token is, as a pattern (the first alternative that matches wins):
// /[A-Za-z_$\u00C0-\uFFFF][\w$\u00C0-\uFFFF]*|\d[\w.]*|=>|->|::|\.\.\.|:=|==|!=|&&|\|\||\*\*|\?\.|\S/g
// tokenize reads it by hand (words, numbers, the operators that matter, any other non-blank
// character): a regular expression's match objects cost most of a scan.
/** The tokens of the masked lines in `window`, in order. */
export function tokenize(masked: MaskedLines, window: LineWindow): Token[] {
  const tokens: Token[] = [];
  for (let line = window.from; line < window.to; line++) {
    const text = masked.line(line);
    // Past the budget a line is blank (see codeMasking's maskSteps).
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
/** For each token, the index of its matching bracket, or -1. */
export function matchBrackets(tokens: readonly Token[]): number[] {
  const match = new Array<number>(tokens.length).fill(-1);
  const stack: number[] = [];
  const kinds: readonly number[][] = [[], [], []];
  const kindOf = (bracket: string) => (bracket === '(' ? kinds[0] : bracket === '[' ? kinds[1] : kinds[2]);
  tokens.forEach((token, index) => {
    const text = token.text;
    if (text === '(' || text === '[' || text === '{') { kindOf(text).push(stack.length); stack.push(index); return; }
    if (text !== ')' && text !== ']' && text !== '}') return;
    const s = kindOf(CLOSERS[text] ?? '').pop();
    if (s === undefined) return;
    // Unbalanced code (mid-edit): close the nearest matching opener, dropping the ones in between.
    match[index] = stack[s];
    match[stack[s]] = index;
    stack.length = s;
    for (const kind of kinds) while (kind.length > 0 && kind[kind.length - 1] >= s) kind.pop();
  });
  return match;
}

/** Whether a token is a word (an identifier or a keyword). */
export const isWord = (token: Token | undefined): boolean => token !== undefined && /^[A-Za-z_$\u00C0-\uFFFF]/.test(token.text);
