/**
 * What each head does on the user's own text, scored like TransformerLens's head detector ("mul":
 * attention × a 0/1 detection pattern) but averaged over the rows that have a target, so a head
 * that does the job perfectly scores 1 whatever the text. Pure.
 */

import type { TensorData } from './attentionData';

export type HeadRole = 'previousToken' | 'firstToken' | 'duplicateToken' | 'induction' | 'bracketMatch';

export const HEAD_ROLES: readonly HeadRole[] = ['previousToken', 'firstToken', 'duplicateToken', 'induction', 'bracketMatch'];

export const HEAD_ROLE_LABELS: Readonly<Record<HeadRole, string>> = {
  previousToken: 'previous token',
  firstToken: 'first token (sink)',
  duplicateToken: 'duplicate token',
  induction: 'induction',
  bracketMatch: 'bracket match',
};

export const HEAD_ROLE_SENTENCES: Readonly<Record<HeadRole, string>> = {
  previousToken: 'Each token looks at the token right before it.',
  firstToken: 'Each token looks at the first token, a resting place for attention that has nowhere better to go.',
  duplicateToken: 'Each token looks at earlier copies of itself.',
  induction: 'Each token looks at what followed an earlier copy of itself, to predict that it comes again.',
  bracketMatch: 'A closing bracket or quote looks at the bracket or quote that opened it.',
};

/** A head gets a role's label when it scores at least this. */
export const ROLE_LABEL_THRESHOLD = 0.4;

export interface HeadRoleScores {
  readonly layers: number;
  readonly heads: number;
  /** [layers × heads] in [0,1], undefined when the text has no row to score the role on */
  readonly scores: Readonly<Record<HeadRole, Float32Array | undefined>>;
  /** rows the role was scored on */
  readonly rows: Readonly<Record<HeadRole, number>>;
}

/** A role's detection pattern on one text: the cells i·T + j where P[i,j] = 1, and how many rows have any. */
interface Targets {
  readonly cells: Int32Array;
  readonly rows: number;
}

/** Targets from a list of (row, column) pairs, duplicates dropped, column ≤ row kept. */
function targetsOf(T: number, pairs: Iterable<readonly [number, number]>): Targets {
  const cells = new Set<number>();
  const rows = new Set<number>();
  for (const [i, j] of pairs) {
    if (i < 0 || i >= T || j < 0 || j > i) continue;
    cells.add(i * T + j);
    rows.add(i);
  }
  return { cells: Int32Array.from(cells), rows: rows.size };
}

function* previousTokenPairs(T: number): Generator<[number, number]> {
  for (let i = 1; i < T; i++) yield [i, i - 1];
}

function* firstTokenPairs(T: number): Generator<[number, number]> {
  // Row 0 can only attend to itself: it says nothing about the head.
  for (let i = 1; i < T; i++) yield [i, 0];
}

/** Earlier positions of each token: the first `count` entries of `list`, shared per id (one pass, no copies). */
interface Earlier {
  readonly list: readonly number[];
  readonly count: number;
}

function earlierOccurrences(ids: readonly number[], T: number): Earlier[] {
  const seen = new Map<number, number[]>();
  const earlier: Earlier[] = [];
  for (let i = 0; i < T; i++) {
    let list = seen.get(ids[i]);
    if (!list) seen.set(ids[i], (list = []));
    earlier.push({ list, count: list.length });
    list.push(i);
  }
  return earlier;
}

function* duplicatePairs(earlier: readonly Earlier[]): Generator<[number, number]> {
  for (let i = 0; i < earlier.length; i++) for (let e = 0; e < earlier[i].count; e++) yield [i, earlier[i].list[e]];
}

function* inductionPairs(earlier: readonly Earlier[]): Generator<[number, number]> {
  // The token right after an earlier copy of token i; when that is i itself there is nothing to copy.
  for (let i = 0; i < earlier.length; i++) {
    for (let e = 0; e < earlier[i].count; e++) {
      const m = earlier[i].list[e];
      if (m + 1 < i) yield [i, m + 1];
    }
  }
}

function* bracketTargetPairs(pairs: readonly { closer: number; opener: number }[]): Generator<[number, number]> {
  for (const { closer, opener } of pairs) yield [closer, opener];
}

const CLOSER_OF: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const OPENER_OF: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** One open bracket or template literal on the scanner's stack. */
interface Open {
  readonly char: string;
  readonly at: number;
}

/**
 * Matching brackets and quotes of a text by character, as [closer offset, opener offset]: a stack
 * over ( [ { and template literals (`…${ … }…`), with string literals, line comments (// and
 * `# `) and block comments skipped. A mismatched closer drops the openers above its match, or is
 * ignored when it has none, so one stray bracket does not shift every pair after it.
 */
function characterPairs(text: string): [number, number][] {
  const pairs: [number, number][] = [];
  const stack: Open[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (top?.char === '`') {
      // Inside a template literal's text: only its end and `${` matter.
      if (c === '\\') i += 2;
      else if (c === '`') {
        pairs.push([i, top.at]);
        stack.pop();
        i++;
      } else if (c === '$' && text[i + 1] === '{') {
        stack.push({ char: '{', at: i + 1 });
        i += 2;
      } else i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    // `#` followed by a space (Python, shell, YAML comments), not `#include`, `#fff` or `#private`.
    if (c === '#' && (i + 1 >= n || /[ \t!#\r\n]/.test(text[i + 1]))) {
      i = lineEnd(text, i);
      continue;
    }
    if (c === '"' || c === "'") {
      const close = stringEnd(text, i, c);
      if (close >= 0) {
        pairs.push([close, i]);
        i = close + 1;
      } else i++; // unterminated on its line (an apostrophe, a lifetime): not a string
      continue;
    }
    if (c === '`' || c in CLOSER_OF) {
      stack.push({ char: c, at: i });
    } else if (c in OPENER_OF) {
      const want = OPENER_OF[c];
      // Search down to the nearest template literal: a closer never matches past one.
      let k = stack.length - 1;
      while (k >= 0 && stack[k].char !== want && stack[k].char !== '`') k--;
      if (k >= 0 && stack[k].char === want) {
        pairs.push([i, stack[k].at]);
        stack.length = k;
      }
    }
    i++;
  }
  return pairs;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** Offset of the quote that closes a ' or " string opened at `open`, or -1 if the line ends first. */
function stringEnd(text: string, open: number, quote: string): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i;
    else if (c === '\n') return -1;
  }
  return -1;
}

/** Matching brackets and quotes as token indexes (closer after opener; a pair inside one token is skipped). */
export function bracketPairs(text: string, offsets: readonly (readonly [number, number])[]): { closer: number; opener: number }[] {
  const tokenOf = new Int32Array(text.length).fill(-1);
  offsets.forEach(([start, end], t) => {
    for (let c = Math.max(0, start); c < Math.min(end, text.length); c++) if (tokenOf[c] < 0) tokenOf[c] = t;
  });
  const out: { closer: number; opener: number }[] = [];
  const seen = new Set<string>();
  for (const [close, open] of characterPairs(text)) {
    const closer = tokenOf[close];
    const opener = tokenOf[open];
    if (closer < 0 || opener < 0 || closer <= opener) continue;
    const key = `${closer},${opener}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ closer, opener });
  }
  return out;
}

/** Σ over a role's target cells of A, per head, divided by the rows scored: [layers × heads]. */
function scoreTargets(probs: TensorData, targets: Targets): Float32Array | undefined {
  if (targets.rows === 0) return undefined;
  const [layers, heads, T] = probs.dims;
  const data = probs.data;
  const cells = targets.cells;
  const out = new Float32Array(layers * heads);
  for (let m = 0; m < layers * heads; m++) {
    const base = m * T * T; // [layers, heads, T, T]
    let sum = 0;
    for (let c = 0; c < cells.length; c++) sum += data[base + cells[c]];
    out[m] = Math.min(1, Math.max(0, sum / targets.rows));
  }
  return out;
}

/** Every role's score for every head on this text; the targets are indexed once for all heads. */
export function scoreHeadRoles(input: {
  readonly probs: TensorData;
  readonly tokenIds: readonly number[];
  readonly text: string;
  readonly offsets: readonly (readonly [number, number])[];
}): HeadRoleScores {
  const [layers, heads, T] = input.probs.dims;
  const earlier = earlierOccurrences(input.tokenIds, Math.min(T, input.tokenIds.length));
  const targets: Record<HeadRole, Targets> = {
    previousToken: targetsOf(T, previousTokenPairs(T)),
    firstToken: targetsOf(T, firstTokenPairs(T)),
    duplicateToken: targetsOf(T, duplicatePairs(earlier)),
    induction: targetsOf(T, inductionPairs(earlier)),
    bracketMatch: targetsOf(T, bracketTargetPairs(bracketPairs(input.text, input.offsets.slice(0, T)))),
  };
  const scores = {} as Record<HeadRole, Float32Array | undefined>;
  const rows = {} as Record<HeadRole, number>;
  for (const role of HEAD_ROLES) {
    scores[role] = scoreTargets(input.probs, targets[role]);
    rows[role] = targets[role].rows;
  }
  return { layers, heads, scores, rows };
}

/** The roles head (layer, head) scores at least ROLE_LABEL_THRESHOLD on, strongest first. */
export function headLabels(scores: HeadRoleScores, layer: number, head: number): { role: HeadRole; score: number }[] {
  if (layer < 0 || layer >= scores.layers || head < 0 || head >= scores.heads) return [];
  const out: { role: HeadRole; score: number }[] = [];
  for (const role of HEAD_ROLES) {
    const score = scores.scores[role]?.[layer * scores.heads + head];
    if (score !== undefined && score >= ROLE_LABEL_THRESHOLD) out.push({ role, score });
  }
  return out.sort((a, b) => b.score - a.score);
}
