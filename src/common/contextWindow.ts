/**
 * Cuts the text around the cursor to the model's token budget (pure; no I/O). Lines nearest the
 * cursor matter most, so whole lines are dropped from the far ends. Tokenizing is the expensive
 * part on a large file, so lines are counted in groups found by exponential then binary search:
 * O(log lines) calls of `countTokens`, never one per line.
 */

export interface CursorContext { readonly prefix: string; readonly suffix: string }

const DEFAULT_PREFIX_SHARE = 0.75;

/** Keeps whole lines nearest the cursor: the prefix's tail and the suffix's head, within `budgetTokens` as counted by `countTokens`. The prefix gets `prefixShare` (default 0.75) of the budget and whatever the suffix leaves unused; the current line's text before and after the cursor is always kept (cut by characters from the far end only if it alone exceeds the budget). */
export function fitContextToBudget(context: CursorContext, budgetTokens: number, countTokens: (text: string) => number, prefixShare?: number): CursorContext & { readonly cut: boolean } {
  if (budgetTokens === Infinity) return { prefix: context.prefix, suffix: context.suffix, cut: false };
  const budget = budgetTokens > 0 ? Math.floor(budgetTokens) : 0;
  const share = clampShare(prefixShare);
  const count = (text: string) => (text === '' ? 0 : countTokens(text));

  const prefixBreak = context.prefix.lastIndexOf('\n');
  const linePrefix = context.prefix.slice(prefixBreak + 1);
  const suffixBreak = context.suffix.indexOf('\n');
  const lineSuffix = suffixBreak < 0 ? context.suffix : context.suffix.slice(0, suffixBreak);
  const linePrefixTokens = count(linePrefix);
  const lineSuffixTokens = count(lineSuffix);

  const prefixSideBudget = Math.floor(budget * share);
  const suffixSideBudget = budget - prefixSideBudget;
  if (linePrefixTokens + lineSuffixTokens > budget) {
    // Only the cursor line fits, and not all of it: each side keeps the characters nearest the
    // cursor, and a side that needs less than its share lends the rest to the other.
    const prefixKeep = lineSuffixTokens <= suffixSideBudget ? budget - lineSuffixTokens : prefixSideBudget;
    const suffixKeep = linePrefixTokens <= prefixSideBudget ? budget - linePrefixTokens : suffixSideBudget;
    return { prefix: keepTail(linePrefix, prefixKeep, count), suffix: keepHead(lineSuffix, suffixKeep, count), cut: true };
  }

  // Units from the cursor outwards; joined back in order they rebuild the text exactly.
  const prefixUnits = prefixBreak < 0 ? [] : context.prefix.slice(0, prefixBreak).split('\n').reverse().map((line) => `${line}\n`);
  const suffixUnits = suffixBreak < 0 ? [] : context.suffix.slice(suffixBreak + 1).split('\n').map((line) => `\n${line}`);

  const left = budget - linePrefixTokens - lineSuffixTokens;
  const suffixFirst = takeUnits(suffixUnits, 0, Math.min(left, suffixSideBudget - lineSuffixTokens), count);
  const prefixTaken = takeUnits(prefixUnits, 0, left - suffixFirst.used, count);
  let suffixTaken = suffixFirst.taken;
  if (prefixTaken.taken === prefixUnits.length) {
    // The prefix ran out of lines before budget (top of the file): the suffix may use the rest.
    suffixTaken += takeUnits(suffixUnits, suffixTaken, left - suffixFirst.used - prefixTaken.used, count).taken;
  }

  return {
    prefix: prefixUnits.slice(0, prefixTaken.taken).reverse().join('') + linePrefix,
    suffix: lineSuffix + suffixUnits.slice(0, suffixTaken).join(''),
    cut: prefixTaken.taken < prefixUnits.length || suffixTaken < suffixUnits.length,
  };
}

/** The prefix's share of the budget, within [0, 1]; the default when missing or NaN. */
function clampShare(share: number | undefined): number {
  if (share === undefined || Number.isNaN(share)) return DEFAULT_PREFIX_SHARE;
  return Math.min(1, Math.max(0, share));
}

/**
 * How many units, from `from` on, fit in `allowance` tokens, and the tokens they use. Groups grow
 * 1, 2, 4… while they fit; after the first that does not, they halve down to one unit (a binary
 * search for the boundary), so a 10 000-line file costs about 30 calls.
 */
function takeUnits(units: readonly string[], from: number, allowance: number, count: (text: string) => number): { taken: number; used: number } {
  let index = from;
  let used = 0;
  let step = 1;
  let narrowing = false;
  while (allowance > 0 && index < units.length && step > 0) {
    const size = Math.min(step, units.length - index);
    const cost = count(units.slice(index, index + size).join(''));
    if (used + cost <= allowance) {
      used += cost;
      index += size;
    } else {
      narrowing = true;
    }
    step = narrowing ? Math.floor(size / 2) : size * 2;
  }
  return { taken: index - from, used };
}

/** The longest tail of `text` within `budget` tokens (binary search on the start). */
function keepTail(text: string, budget: number, count: (text: string) => number): string {
  let lo = 0;
  let hi = text.length; // count(text.slice(hi)) is 0, within any budget
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (count(text.slice(mid)) <= budget) hi = mid;
    else lo = mid + 1;
  }
  // Never start on the second half of a surrogate pair.
  return text.slice(isLowSurrogate(text, lo) ? lo + 1 : lo);
}

/** The longest head of `text` within `budget` tokens (binary search on the end). */
function keepHead(text: string, budget: number, count: (text: string) => number): string {
  let lo = 0; // count(text.slice(0, lo)) is 0, within any budget
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (count(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, isLowSurrogate(text, lo) ? lo - 1 : lo);
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}
