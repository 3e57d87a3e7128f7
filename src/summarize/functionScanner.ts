/**
 * Finds every function in a text (pure): masks the lines a scan reads (strings and comments
 * blanked), reads them as tokens with their bracket pairs, and hands them to the scanner of the
 * language's family. The doc-comment code reads one scan for the function's place, its
 * signature, an existing doc comment and a Python docstring, so this is the one way in.
 */
import { MaskedLines, MaskedText, wholeMask, windowMask } from './codeMasking';
import { matchBrackets, Token, tokenize } from './codeTokens';
import { LanguageFamily, languageFamily } from './languageFamily';
import { scanCLikeFunctions } from './scanners/cLikeScanner';
import { scanGoRustFunctions } from './scanners/goRustScanner';
import { scanPythonFunctions } from './scanners/pythonScanner';
import { FoundFunction, TokenizedSource } from './scanners/tokenizedSource';
import { LineWindow, wholeText } from './scanWindow';

// The scanner of each family: a family added to LanguageFamily does not compile until it has one.
const SCANNERS: Readonly<Record<LanguageFamily, (source: TokenizedSource) => FoundFunction[]>> = {
  python: scanPythonFunctions,
  go: scanGoRustFunctions,
  rust: scanGoRustFunctions,
  js: scanCLikeFunctions,
  java: scanCLikeFunctions,
  csharp: scanCLikeFunctions,
  c: scanCLikeFunctions,
};

/** What a scan read and found: the masked lines, tokens and bracket pairs of its window, and the functions in it. */
export interface ScannedSource {
  readonly masked: MaskedLines;
  readonly tokens: readonly Token[];
  /** For each token, the index of its matching bracket, or -1. */
  readonly match: readonly number[];
  readonly functions: readonly FoundFunction[];
  /** The lines that were read. */
  readonly window: LineWindow;
}

/** Every function in the text (documentable or not), with the masked lines and tokens it was read from; only the lines in `window` are read; `maskedText` is the whole text from `maskCodeInSteps` when the caller has it already. */
export function scanFunctions(lines: readonly string[], languageId: string, window: LineWindow = wholeText(lines), maskedText?: MaskedText): ScannedSource {
  const family = languageFamily(languageId);
  // With the whole text masked already, any window is read as exactly as the whole text would be.
  const masked = maskedText ? wholeMask(maskedText, lines.length) : windowMask(lines, family, window);
  const tokens = tokenize(masked, window);
  const match = matchBrackets(tokens);
  const source: TokenizedSource = { lines, masked, tokens, match, family, window };
  return { masked, tokens, match, functions: SCANNERS[family](source), window };
}
