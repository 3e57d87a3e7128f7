/**
 * Which lines a scan for functions reads (pure): the whole text when it is small, else a window of
 * about SCAN_WINDOW_CHARS around the lines that matter, starting at a line that looks like
 * top-level code. This bound is what keeps a command on a multi-megabyte file, or on a minified
 * bundle of one long line, answering in milliseconds: the masker and the tokenizer read no more.
 */

/** Lines `from` (inclusive) to `to` (exclusive). */
export interface LineWindow { readonly from: number; readonly to: number }

// How many characters one scan reads at most (lines count one more for the line break): a bigger
// text is read in a window around the lines that matter, and a longer line only up to this many
// characters (a minified bundle), so that a command on a multi-megabyte file answers in
// milliseconds instead of holding the editor for seconds.
export const SCAN_WINDOW_CHARS = 50_000;
// A line in column 0 that starts a declaration, an import, a decorator or an attribute, or closes a top-level block.
const TOP_LEVEL_START = /^(?:(?:export|async|def|class|function|const|let|var|public|private|protected|internal|static|abstract|final|fn|pub|func|impl|struct|enum|interface|namespace|package)\s+[\w$*{(<]|import\s+[\w${*"']|from\s+\S+\s+import\s|@\w|#\[|#include\b|\}\s*$)/;

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

/** The lines a scan around `line` reads when the whole text is masked already: all of them within SCAN_WINDOW_CHARS, else about that many around it, from any line (masked, a window reads exactly as the whole text does there). */
export function maskedScanWindow(lines: readonly string[], line: number): LineWindow {
  return withinBudget(lines) ? wholeText(lines) : windowAround(lines, line, line);
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

/** Every line of the text. */
export function wholeText(lines: readonly string[]): LineWindow {
  return { from: 0, to: lines.length };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
