/**
 * What every language scanner reads and writes (pure): the masked lines, tokens and bracket pairs
 * of the window a scan covers, and the record of one function found in them. Also the two walks
 * over generic `<…>` (the tokenizer pairs no angle brackets, since `<` is as often a comparison):
 * backwards for the C-like scanner, forwards for Rust's.
 */
import { MaskedLines } from '../codeMasking';
import { Token } from '../codeTokens';
import { LanguageFamily } from '../languageFamily';
import { LineWindow } from '../scanWindow';

/** The text a scanner reads: the lines in `window`, masked, as tokens with their bracket pairs. */
export interface TokenizedSource {
  readonly lines: readonly string[];
  readonly masked: MaskedLines;
  readonly tokens: readonly Token[];
  /** For each token, the index of its matching bracket, or -1. */
  readonly match: readonly number[];
  readonly family: LanguageFamily;
  readonly window: LineWindow;
}

/** A function found by the text scan; token indices point into `TokenizedSource.tokens`. */
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

// The side of a bracket pair a walk meets first, forwards and backwards (it then jumps the pair whole).
const OPENING: ReadonlySet<string> = new Set(['(', '[', '{']);
const CLOSING: ReadonlySet<string> = new Set([')', ']', '}']);

/** The index of the `<` matching the `>` at `close`, or -1. */
export function angleOpenBefore(source: TokenizedSource, close: number): number {
  return angleMatch(source, close, -1);
}

/** The index of the `>` matching the `<` at `open`, or -1. */
export function angleCloseAfter(source: TokenizedSource, open: number): number {
  return angleMatch(source, open, 1);
}

// Walks from an angle bracket in `direction` to its partner, over paired brackets whole; a `;`,
// `{` or `}` on the way means it was a comparison, not a generic.
function angleMatch(source: TokenizedSource, from: number, direction: 1 | -1): number {
  const [same, partner, skipped] = direction === 1 ? ['<', '>', OPENING] : ['>', '<', CLOSING];
  let depth = 0;
  for (let k = from; k >= 0 && k < source.tokens.length; k += direction) {
    const text = source.tokens[k].text;
    if (text === same) depth++;
    else if (text === partner) { depth--; if (depth === 0) return k; }
    else if (skipped.has(text) && source.match[k] >= 0) k = source.match[k];
    else if (text === ';' || text === '{' || text === '}') return -1;
  }
  return -1;
}
