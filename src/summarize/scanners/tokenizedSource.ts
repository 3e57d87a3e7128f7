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

/** The index of the `<` matching the `>` at `close`, or -1. */
export function angleOpenBefore(source: TokenizedSource, close: number): number {
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
export function angleCloseAfter(source: TokenizedSource, open: number): number {
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
