/**
 * Where a generated completion must end (pure; no I/O). The worker calls `findStop` after every
 * token on the whole decoded text so far, so every rule here is one linear scan with no
 * allocation beyond a few slices; the host calls it again on the final text.
 */

export interface StopRules {
  readonly stopStrings: readonly string[];     // cut before the first occurrence
  readonly singleLine: boolean;                // cut at the first newline (after some non-whitespace text)
  /** Multi-line: the indentation (in columns, tabs = tabSize) of the line the cursor is on; stop when a later non-blank line starts with less indentation than this (the block ended), or at two consecutive blank lines. */
  readonly blockIndent?: number;
  readonly tabSize?: number;
  /** Text on the cursor line before the cursor (the completion's first line continues it). */
  readonly linePrefix: string;
}

const DEFAULT_TAB_SIZE = 4;
const OPENER_AT_LINE_END = /[{([:]$/;
const CLOSER_AT_LINE_START = /^[}\])]/;
// A line at the block's own indentation that carries the same statement on (`} else {`, Python's
// `else:`) does not end the block, even though it is not deeper than the cursor line.
const CONTINUATION_KEYWORD = /^(?:else|elif|except|finally|catch)\b/;

/** Columns of a line's leading whitespace; a tab advances to the next multiple of `tabSize`. */
export function indentColumns(line: string, tabSize: number = DEFAULT_TAB_SIZE): number {
  const tab = tabSize > 0 ? tabSize : DEFAULT_TAB_SIZE;
  let columns = 0;
  for (const char of line) {
    if (char === ' ') columns += 1;
    else if (char === '\t') columns += tab - (columns % tab);
    else break;
  }
  return columns;
}

/** The index in `text` where the completion ends, or undefined while it may go on. */
export function findStop(text: string, rules: StopRules): number | undefined {
  const candidates = [
    firstStopString(text, rules.stopStrings),
    rules.singleLine ? endOfFirstLine(text, rules.linePrefix) : undefined,
    rules.blockIndent !== undefined ? endOfBlock(text, rules.blockIndent, rules.tabSize ?? DEFAULT_TAB_SIZE, rules.linePrefix) : undefined,
  ];
  let stop: number | undefined;
  for (const candidate of candidates) {
    if (candidate !== undefined && (stop === undefined || candidate < stop)) stop = candidate;
  }
  return stop;
}

/** The earliest occurrence of any stop string; scanning the whole text catches strings that arrived split across tokens. */
function firstStopString(text: string, stopStrings: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stopString of stopStrings) {
    if (stopString === '') continue;
    const at = text.indexOf(stopString);
    if (at >= 0 && (first === undefined || at < first)) first = at;
  }
  return first;
}

/**
 * The first line break that follows non-whitespace text on the cursor line (linePrefix counts):
 * on a blank line the model may first move down, on a line with text a break ends it.
 */
function endOfFirstLine(text: string, linePrefix: string): number | undefined {
  let sawText = /\S/.test(linePrefix);
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      if (sawText) return i > 0 && text[i - 1] === '\r' ? i - 1 : i;
    } else if (char !== ' ' && char !== '\t' && char !== '\r') {
      sawText = true;
    }
  }
  return undefined;
}

/** The length of `text.slice(0, end)` without its trailing whitespace and blank lines. */
function endBeforeWhitespace(text: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(text[i - 1])) i--;
  return i;
}

/**
 * The end of the block the cursor is in: before a later line indented less than the cursor line,
 * before two consecutive blank lines, and, when the cursor line opens a block (`{`, `(`, `[`, `:`
 * at its end), after the line at the cursor's indentation that closes it (or before one that
 * starts a sibling statement). The first line continues the cursor line, so it is never judged.
 */
function endOfBlock(text: string, blockIndent: number, tabSize: number, linePrefix: string): number | undefined {
  const firstBreak = text.indexOf('\n');
  if (firstBreak < 0) return undefined;
  const cursorLine = (linePrefix + text.slice(0, firstBreak)).trimEnd();
  const opensBlock = OPENER_AT_LINE_END.test(cursorLine);
  let sawDeeper = false;
  let blankRun = 0;
  let blankRunStart = 0;
  let start = firstBreak + 1;
  while (start <= text.length) {
    const breakAt = text.indexOf('\n', start);
    const complete = breakAt >= 0;
    const end = complete ? breakAt : text.length;
    const line = text.slice(start, end);
    const content = line.trim();
    if (content === '') {
      // A blank line still being written may yet get text, so only finished ones count.
      if (!complete) return undefined;
      if (blankRun === 0) blankRunStart = start;
      blankRun++;
      if (blankRun >= 2) return endBeforeWhitespace(text, blankRunStart);
    } else {
      blankRun = 0;
      const indent = indentColumns(line, tabSize);
      if (indent < blockIndent) return endBeforeWhitespace(text, start);
      if (indent > blockIndent) {
        sawDeeper = true;
      } else if (opensBlock && CLOSER_AT_LINE_START.test(content)) {
        // The closer of the block the cursor line opened: keep it whole, unless it reopens (`} else {`).
        if (!complete) return undefined;
        if (!OPENER_AT_LINE_END.test(content)) return endBeforeWhitespace(text, end);
      } else if (opensBlock && sawDeeper && !CONTINUATION_KEYWORD.test(content)) {
        return endBeforeWhitespace(text, start);
      }
    }
    if (!complete) return undefined;
    start = end + 1;
  }
  return undefined;
}
