/**
 * Finds Python functions (pure): a `def` (or `async def`) at the start of a statement, its
 * parameter list and the `:` after it. The body is every deeper-indented line that follows (a
 * blank line, a line inside an open bracket, after a `\` or inside a multi-line string never ends
 * it), or the rest of the `:` line for a one-line `def f(x): return x`.
 */
import { indentColumns } from '../../common/stopRules';
import { CLOSERS, isWord, OPENERS } from '../codeTokens';
import { attributeStart, firstCodeColumn } from './attributes';
import { FoundFunction, TokenizedSource } from './tokenizedSource';

// The column a tab advances to a multiple of, as Python itself reads indentation.
const PYTHON_TAB = 8;

/** Every `def` in the window, with its body found by indentation. */
export function scanPythonFunctions(source: TokenizedSource): FoundFunction[] {
  const { tokens, match, masked, lines } = source;
  const depthAtLine = bracketDepthAtLineStarts(source);
  const found: FoundFunction[] = [];
  tokens.forEach((token, k) => {
    if (token.text !== 'def') return;
    const head = tokens[k - 1]?.text === 'async' && tokens[k - 1].line === token.line ? k - 1 : k;
    if (tokens[head].col !== firstCodeColumn(masked.line(token.line))) return;
    const open = k + 2;
    if (!isWord(tokens[k + 1]) || tokens[open]?.text !== '(' || match[open] < 0) return;
    const close = match[open];
    let colon = -1;
    for (let j = close + 1; j < tokens.length; j++) {
      if (tokens[j].text === ':') { colon = j; break; }
      if (OPENERS[tokens[j].text] && match[j] >= 0) j = match[j];
      else if (tokens[j].text === 'def') break;
    }
    if (colon < 0) return;
    const colonLine = tokens[colon].line;
    const defIndent = indentColumns(lines[token.line], PYTHON_TAB);
    let endLine = colonLine;
    if (tokens[colon + 1]?.line === colonLine) {
      // One-line body (`def f(x): return x`), possibly with brackets running on.
      for (let j = colon + 1; j < tokens.length && tokens[j].line === colonLine; j++) {
        if (OPENERS[tokens[j].text] && match[j] >= 0) endLine = Math.max(endLine, tokens[match[j]].line);
      }
    } else {
      for (let row = colonLine + 1; row < source.window.to; row++) {
        if (masked.line(row).trim() === '' || masked.startsInString(row) || depthAtLine[row - source.window.from] > 0 || masked.line(row - 1).trimEnd().endsWith('\\')) continue;
        if (indentColumns(lines[row], PYTHON_TAB) <= defIndent) break;
        endLine = row;
      }
    }
    let bodyClose = colon;
    while (bodyClose + 1 < tokens.length && tokens[bodyClose + 1].line <= endLine) bodyClose++;
    const declarationLine = token.line;
    found.push({
      startLine: attributeStart(masked, declarationLine, 'python'),
      declarationLine,
      endLine,
      name: tokens[k + 1].text,
      documentable: true,
      headerStart: head,
      paramsOpen: open,
      paramsClose: close,
      bodyOpen: colon + 1,
      bodyClose,
      expressionBody: false,
    });
  });
  return found;
}

// Indexed from the window's first line: a scan of a few lines of a long text allocates only for them.
function bracketDepthAtLineStarts(source: TokenizedSource): number[] {
  const { from, to } = source.window;
  const depths = new Array<number>(Math.max(0, to - from)).fill(0);
  let depth = 0;
  let k = 0;
  for (let row = from; row < to; row++) {
    depths[row - from] = depth;
    for (; k < source.tokens.length && source.tokens[k].line === row; k++) {
      const text = source.tokens[k].text;
      if (OPENERS[text]) depth++;
      else if (CLOSERS[text]) depth = Math.max(0, depth - 1);
    }
  }
  return depths;
}
