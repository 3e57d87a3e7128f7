/**
 * Turns the model's raw completion into the ghost text shown, or nothing (pure; no I/O). Each
 * rule removes a way a small model's output goes wrong at the cursor: running past its block,
 * re-typing the closers or lines that already follow the cursor, or echoing the line above.
 */
import { findStop, indentColumns, StopRules } from '../common/stopRules';

export interface SuggestionContext {
  readonly linePrefix: string;        // cursor line before the cursor
  readonly lineSuffix: string;        // cursor line after the cursor
  readonly previousLine: string;      // the line above the cursor line ('' if none)
  readonly suffixLines: readonly string[]; // the lines after the cursor line (a few)
  readonly rules: StopRules;
  readonly minLength?: number;        // default 2 non-whitespace characters
}

const DEFAULT_MIN_LENGTH = 2;
const OPENER_OF: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };
const OPENERS = new Set(['(', '[', '{']);
const QUOTES = new Set(['"', "'", '`']);
// Text after the cursor that a multi-line suggestion may sit in front of: closers the editor
// auto-inserted and the punctuation that usually follows them.
const ONLY_CLOSERS = /^[\s)\]}"'`;,]*$/;

/** Cleans a raw completion: stop rules, bracket balance, repeats of the suffix or the line above, whitespace-only and too-short results; undefined when nothing worth showing is left. */
export function postProcessCompletion(raw: string, context: SuggestionContext): string | undefined {
  const stop = findStop(raw, context.rules);
  let text = stop === undefined ? raw : raw.slice(0, stop);
  // Text after the cursor would be pushed below a multi-line suggestion, splitting the line.
  if (!ONLY_CLOSERS.test(context.lineSuffix)) text = firstLine(text);
  text = text.trimEnd();
  text = cutAtSuffixRepeat(text, context).trimEnd();
  text = balanceBrackets(text, context.linePrefix, context.lineSuffix);
  if (repeatsPreviousLine(text, context)) return undefined;
  const visible = text.replace(/\s/g, '').length;
  if (visible === 0 || visible < (context.minLength ?? DEFAULT_MIN_LENGTH)) return undefined;
  return text;
}

function firstLine(text: string): string {
  const lineBreak = text.indexOf('\n');
  return lineBreak < 0 ? text : text.slice(0, lineBreak);
}

/**
 * Cuts the suggestion at its first line that repeats the first non-blank line after the cursor:
 * from there on the model is re-typing what the file already has. The first line counts with the
 * text before the cursor, as it will read in the editor.
 */
function cutAtSuffixRepeat(text: string, context: SuggestionContext): string {
  const next = context.suffixLines.find((line) => line.trim() !== '');
  if (next === undefined) return text;
  const lines = text.split('\n');
  const tabSize = context.rules.tabSize;
  for (let i = 0; i < lines.length; i++) {
    const line = i === 0 ? context.linePrefix + lines[0] : lines[i];
    if (sameLine(line, next, tabSize)) return lines.slice(0, i).join('\n');
  }
  return text;
}

/**
 * Lines with words match when their trimmed text does. A line of punctuation only (`}`, `});`)
 * must also match in indentation: a `}` one level deeper closes a block the suggestion opened.
 */
function sameLine(line: string, other: string, tabSize: number | undefined): boolean {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed !== other.trim()) return false;
  return /\w/.test(trimmed) || indentColumns(line, tabSize) === indentColumns(other, tabSize);
}

/**
 * The suggestion's first line, read with the text before the cursor, repeating the line above: a
 * degenerate loop, unless the line is trivial (one word at most, like `}`, `end`, `break;`, `done`,
 * which nested code legitimately repeats) or the suggestion adds nothing to the cursor line.
 */
function repeatsPreviousLine(text: string, context: SuggestionContext): boolean {
  const first = firstLine(text);
  if (first.trim() === '') return false;
  const previous = context.previousLine.trim();
  if ((previous.match(/\w+/g) ?? []).length < 2) return false;
  return (context.linePrefix + first).trim() === previous;
}

type CloserKind = 'inner' | 'outer' | 'extra' | 'mismatch';

interface CloserEvent {
  readonly at: number;     // index in the suggestion
  readonly kind: CloserKind;
}

/**
 * Brackets the suggestion closes, classified. 'inner' closes a bracket the suggestion opened;
 * 'outer' one opened before the cursor (or on an earlier line, when the cursor line has none
 * open); 'extra' closes a cursor-line bracket that the text after the cursor already closes (or
 * one more than the cursor line opened); 'mismatch' meets a different open bracket. Quotes and
 * `//` comments are skipped, so `"("` or `// (` do not count.
 */
function classifyClosers(text: string, linePrefix: string, lineSuffix: string): CloserEvent[] {
  const whole = linePrefix + text;
  const start = linePrefix.length;
  const stack: { readonly char: string; readonly fromPrefix: boolean }[] = [];
  const events: CloserEvent[] = [];
  let quote: string | undefined;
  let comment = false;
  let prefixOpen = 0;
  let closable = 0;
  let closedPrefix = 0;
  for (let i = 0; i < whole.length; i++) {
    if (i === start) {
      prefixOpen = stack.length;
      closable = prefixOpen - closedBySuffix(stack.map((open) => open.char), lineSuffix);
    }
    const char = whole[i];
    if (char === '\n') {
      comment = false;
      if (quote !== '`') quote = undefined;
      continue;
    }
    if (comment) continue;
    if (quote !== undefined) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (QUOTES.has(char)) {
      quote = char;
    } else if (char === '/' && whole[i + 1] === '/') {
      comment = true;
    } else if (OPENERS.has(char)) {
      stack.push({ char, fromPrefix: i < start });
    } else if (char in OPENER_OF) {
      const top = stack[stack.length - 1];
      const matches = top !== undefined && top.char === OPENER_OF[char];
      if (i < start) {
        // Before the cursor only the balance matters; a stray closer there is the user's business.
        if (matches) stack.pop();
        continue;
      }
      if (top !== undefined && !matches) {
        events.push({ at: i - start, kind: 'mismatch' });
        continue;
      }
      if (top !== undefined && !top.fromPrefix) {
        stack.pop();
        events.push({ at: i - start, kind: 'inner' });
        continue;
      }
      if (top !== undefined) stack.pop();
      // With nothing open on the cursor line, the closer may end an earlier line's bracket.
      if (prefixOpen === 0) {
        events.push({ at: i - start, kind: 'outer' });
        continue;
      }
      closedPrefix++;
      events.push({ at: i - start, kind: closedPrefix > closable ? 'extra' : 'outer' });
    }
  }
  return events;
}

/** How many of the cursor line's open brackets (innermost last) the text after the cursor closes at its start. */
function closedBySuffix(open: readonly string[], lineSuffix: string): number {
  let closed = 0;
  for (const char of lineSuffix) {
    if (char === ' ' || char === '\t') continue;
    const opener = OPENER_OF[char];
    if (opener === undefined || open[open.length - 1 - closed] !== opener) break;
    closed++;
  }
  return closed;
}

/** Where the trailing run of closers that reach outside the suggestion (and `;`) begins. */
function closingTailStart(text: string, events: readonly CloserEvent[]): number {
  const outside = new Set(events.filter((event) => event.kind === 'outer' || event.kind === 'extra').map((event) => event.at));
  let at = text.length;
  while (at > 0 && (text[at - 1] === ';' || outside.has(at - 1))) at--;
  return at;
}

/**
 * Keeps the suggestion's brackets consistent with the line around it: cuts where a closer meets a
 * different open bracket; drops the closing run at its end that the text after the cursor starts
 * with (`a, b)` in `foo(|)` → `a, b`, also for closers of earlier lines); then cuts at the first
 * closer of a cursor-line bracket that the text after the cursor already closes (`a) + b` in
 * `foo(|)` → `a`).
 */
function balanceBrackets(text: string, linePrefix: string, lineSuffix: string): string {
  let events = classifyClosers(text, linePrefix, lineSuffix);
  const mismatch = events.find((event) => event.kind === 'mismatch');
  if (mismatch) {
    text = text.slice(0, mismatch.at).trimEnd();
    events = classifyClosers(text, linePrefix, lineSuffix);
  }
  // The longest end of the closing run that the text after the cursor starts with.
  const closing = text.slice(closingTailStart(text, events));
  for (let overlap = Math.min(closing.length, lineSuffix.length); overlap > 0; overlap--) {
    if (closing.endsWith(lineSuffix.slice(0, overlap))) {
      text = text.slice(0, text.length - overlap).trimEnd();
      events = classifyClosers(text, linePrefix, lineSuffix);
      break;
    }
  }
  const extra = events.find((event) => event.kind === 'extra');
  return extra ? text.slice(0, extra.at).trimEnd() : text;
}
