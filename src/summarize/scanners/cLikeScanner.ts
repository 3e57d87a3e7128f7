/**
 * Finds functions in the C-like languages (pure): JS/TS, Java, C#, C and C++. A body is a `{` (or
 * a JS/C# `=>` expression) after a parameter list, so the scan reads backwards from each one: over
 * a return type, `throws` or a constraint to the `)`, then to the name and its modifiers (C++
 * initialiser lists and C# `: base(…)` are walked past to the real parameter list). Control blocks
 * (`if (…) {`), calls and TS function types are not functions; callbacks and lambdas are found but
 * not documentable, and a function expression is named by what it is assigned to.
 */
import { CLOSERS, isWord, OPENERS } from '../codeTokens';
import { attributeStart } from './attributes';
import { angleOpenBefore, FoundFunction, TokenizedSource } from './tokenizedSource';

// Words before `(…) {` that make it a statement, not a function declaration.
const NOT_A_NAME = new Set([
  'if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'typeof', 'sizeof', 'lock', 'using', 'foreach',
  'fixed', 'synchronized', 'else', 'do', 'try', 'new', 'await', 'yield', 'throw', 'delete', 'void', 'in', 'of',
  'instanceof', 'case', 'when', 'alignof', 'decltype', 'static_assert', 'nameof', 'checked', 'unchecked',
  'match', 'loop', 'function', 'super', 'import', 'require', 'assert', 'elif', 'except', 'finally',
]);
// Words that end a return-type trailer when walking back from `{`: the brace opens a statement block.
const STATEMENT_WORDS = new Set(['return', 'else', 'do', 'try', 'finally', 'throw', 'new', 'case', 'yield', 'await', 'typeof', 'in', 'of', 'instanceof', 'class', 'interface', 'struct', 'enum', 'namespace', 'extends', 'implements', 'record']);
// Tokens allowed between a parameter list and its body: return types, `throws`, `const`, `where`.
const TRAILER_PUNCTUATION = new Set([':', '.', '::', '?', '|', '&', '&&', '*', '->', ',', '"', "'", '+', '-', '~', '!', '...', '#']);
// Tokens before a name that show the `name(…)` is a call or an expression, not a declaration.
const CALL_CONTEXT = new Set(['.', '?.', 'new', 'extends', 'implements', '=', 'return', 'await', 'yield', 'typeof', 'throw', 'case', '?', '!', '+', '-', '||', '&&', '==', '!=', '<', '(', '[', 'in', 'of', 'else']);
// Words before a JS/TS declaration's name that belong to its header.
const JS_MODIFIERS = new Set(['export', 'default', 'async', 'static', 'public', 'private', 'protected', 'readonly', 'abstract', 'override', 'declare', 'function', 'get', 'set', '*', 'const', 'let', 'var', 'accessor']);

// A declaration read backwards from its body: the name, and where its header and parameters are.
interface Header { readonly name?: string; readonly documentable: boolean; readonly headerStart: number; readonly paramsOpen: number; readonly paramsClose: number }

/** Every function with a `{…}` or `=>` body in the window, callbacks and lambdas included (not documentable). */
export function scanCLikeFunctions(source: TokenizedSource): FoundFunction[] {
  const { tokens, match, family } = source;
  const found: FoundFunction[] = [];
  const add = (header: Header, bodyOpen: number, bodyClose: number, expressionBody: boolean) => {
    const declarationLine = tokens[header.headerStart].line;
    found.push({
      startLine: attributeStart(source.masked, declarationLine, family),
      declarationLine,
      endLine: tokens[bodyClose].line,
      name: header.name,
      documentable: header.documentable,
      headerStart: header.headerStart,
      paramsOpen: header.paramsOpen,
      paramsClose: header.paramsClose,
      bodyOpen,
      bodyClose,
      expressionBody,
    });
  };
  tokens.forEach((token, b) => {
    if (token.text === '{' && match[b] >= 0) {
      const header = family === 'js' && tokens[b - 1]?.text === '=>' ? arrowHeader(source, b - 1) : declarationHeader(source, b - 1);
      if (header) add(header, b, match[b], false);
    } else if (token.text === '=>' && (family === 'js' || family === 'csharp') && tokens[b + 1] && tokens[b + 1].text !== '{') {
      const header = family === 'js' ? arrowHeader(source, b, true) : declarationHeader(source, b - 1);
      if (header) add(header, b + 1, expressionEnd(source, b + 1), true);
    }
  });
  return found;
}

// The last token of an expression body: up to `;`, a closer of the enclosing brackets, a `,` at
// its level, or a line end where the next line does not carry the expression on.
function expressionEnd(source: TokenizedSource, from: number): number {
  const { tokens, match } = source;
  let last = from;
  for (let j = from; j < tokens.length; j++) {
    const text = tokens[j].text;
    if (j > from && tokens[j].line !== tokens[last].line && !continuesExpression(tokens[last].text, text)) return last;
    if (text === ';' || text === ',' || CLOSERS[text]) return j === from ? from : last;
    if (OPENERS[text] && match[j] >= 0) j = match[j];
    last = j;
  }
  return last;
}

function continuesExpression(lastOnLine: string, firstOnNext: string): boolean {
  const operator = /^(?:[-+*/%&|^!?:<>=.,]|=>|&&|\|\||\?\.|==|!=|\*\*)$/;
  return operator.test(lastOnLine) || operator.test(firstOnNext) || OPENERS[lastOnLine] !== undefined;
}

/** The `)` closing a parameter list, walking back from `from` over a return type or `throws` clause. */
function paramsCloseBefore(source: TokenizedSource, from: number): number | undefined {
  const { tokens, match, family } = source;
  for (let i = from, guard = 0; i >= 0 && guard < 60; guard++) {
    const token = tokens[i];
    const text = token.text;
    if (text === ')') {
      // C#'s `where T : new()` constraint.
      if (tokens[i - 1]?.text === '(' && tokens[i - 2]?.text === 'new') { i -= 3; continue; }
      return match[i] >= 0 ? i : undefined;
    }
    if (text === '>') { const open = angleOpenBefore(source, i); if (open < 0) return undefined; i = open - 1; continue; }
    if (text === ']') { if (match[i] < 0) return undefined; i = match[i] - 1; continue; }
    // TS object types in a return type: `): { a: number } {`.
    if (text === '}' && family === 'js' && match[i] > 0 && [':', '|', '&', '<', ','].includes(tokens[match[i] - 1].text)) { i = match[i] - 1; continue; }
    // C++ brace-initialised members: `: a_(a), b_{b} {`.
    if (text === '}' && family === 'c' && match[i] > 1 && isWord(tokens[match[i] - 1]) && [',', ':'].includes(tokens[match[i] - 2].text)) { i = match[i] - 1; continue; }
    if (isWord(token)) { if (STATEMENT_WORDS.has(text)) return undefined; i--; continue; }
    if (/^\d/.test(text) || TRAILER_PUNCTUATION.has(text)) { i--; continue; }
    return undefined;
  }
  return undefined;
}

function declarationHeader(source: TokenizedSource, from: number): Header | undefined {
  const { tokens, match, family } = source;
  // TS: `f(): {` – the brace is a type literal, not a body.
  if (family === 'js' && tokens[from]?.text === ':') return undefined;
  let search = from;
  for (let guard = 0; guard < 8; guard++) {
    const close = paramsCloseBefore(source, search);
    if (close === undefined) return undefined;
    const open = match[close];
    let n = open - 1;
    if (tokens[n]?.text === '>') n = angleOpenBefore(source, n) - 1;
    const nameToken = tokens[n];
    if (!nameToken) return undefined;
    const before = tokens[n - 1]?.text ?? ';';
    // C++ member initialisers and C# `: base(…)`: keep walking back to the real parameter list.
    if ((family === 'c' || family === 'csharp') && (before === ',' || before === ':') && isWord(nameToken)) { search = n - 2; continue; }
    if (family === 'js' && nameToken.text === 'function') return anonymousFunctionHeader(source, n, open, close);
    if (family === 'js' && nameToken.text === 'constructor' && before !== '.') return { name: 'constructor', documentable: true, headerStart: modifiersStart(source, n), paramsOpen: open, paramsClose: close };
    if (family === 'c' && !isWord(nameToken)) {
      // `operator==(…)`, `operator()(…)`; any other symbol before `(` is a lambda or a cast.
      const operatorIndex = cppOperatorStart(source, n);
      if (operatorIndex < 0) return undefined;
      const name = tokens.slice(operatorIndex, n + 1).map((t) => t.text).join('');
      return { name, documentable: true, headerStart: modifiersStart(source, operatorIndex), paramsOpen: open, paramsClose: close };
    }
    if (!isWord(nameToken) || NOT_A_NAME.has(nameToken.text) || CALL_CONTEXT.has(before)) return undefined;
    const name = before === '~' ? `~${nameToken.text}` : nameToken.text;
    return { name, documentable: true, headerStart: modifiersStart(source, n), paramsOpen: open, paramsClose: close };
  }
  return undefined;
}

// `operator==`, `operator()`: the index of the `operator` keyword before the symbol at `end`, or -1.
function cppOperatorStart(source: TokenizedSource, end: number): number {
  for (let k = end; k >= 0 && k >= end - 3; k--) if (source.tokens[k].text === 'operator') return k;
  return -1;
}

/** `function (…) {`: named by what it is assigned to, otherwise a callback. */
function anonymousFunctionHeader(source: TokenizedSource, functionIndex: number, open: number, close: number): Header {
  const { tokens } = source;
  let k = functionIndex;
  if (tokens[k - 1]?.text === 'async') k--;
  const naming = nameFromContext(source, k);
  return { ...naming, paramsOpen: open, paramsClose: close, headerStart: naming.headerStart ?? k };
}

function arrowHeader(source: TokenizedSource, arrow: number, expressionBody = false): Header | undefined {
  const { tokens, match } = source;
  let paramsOpen: number;
  let paramsClose: number;
  if (isWord(tokens[arrow - 1]) && tokens[arrow - 2]?.text !== ':') {
    paramsOpen = paramsClose = arrow - 1;
  } else {
    const close = paramsCloseBefore(source, arrow - 1);
    if (close === undefined) return undefined;
    paramsClose = close;
    paramsOpen = match[close];
  }
  let k = paramsOpen;
  if (tokens[k - 1]?.text === '>') { const lt = angleOpenBefore(source, k - 1); if (lt < 0) return undefined; k = lt; }
  if (tokens[k - 1]?.text === 'async') k--;
  // `x: (a) => void` and `type F = (a) => void` are types, and an expression-bodied arrow named
  // by an object key is far more often one of those than code.
  if (expressionBody && tokens[k - 1]?.text === ':') return undefined;
  const naming = nameFromContext(source, k);
  if (tokens[naming.headerStart ?? k]?.text === 'type' || tokens[(naming.headerStart ?? k) - 1]?.text === 'type') return undefined;
  return { ...naming, paramsOpen, paramsClose, headerStart: naming.headerStart ?? k };
}

// What a function expression starting at `k` is assigned to: `const f =`, `this.f =`, `f:` in an
// object literal, `export default`; anything else is a callback argument.
function nameFromContext(source: TokenizedSource, k: number): { name?: string; documentable: boolean; headerStart?: number } {
  const { tokens } = source;
  const before = tokens[k - 1]?.text;
  if (before === 'default' && tokens[k - 2]?.text === 'export') return { documentable: true, headerStart: k - 2 };
  if (before === ':' && (isWord(tokens[k - 2]) || tokens[k - 2]?.text === '"' || tokens[k - 2]?.text === "'")) {
    const name = isWord(tokens[k - 2]) ? tokens[k - 2].text : undefined;
    return { name, documentable: name !== undefined, headerStart: k - 2 };
  }
  if (before !== '=' || insideBrackets(source, k - 1)) return { documentable: false };
  // `const f: Handler = …`: the name follows the nearest `const`/`let`/`var` in this statement.
  for (let j = k - 2; j >= 0 && j >= k - 40; j--) {
    const text = tokens[j].text;
    if (text === ';' || text === '{' || text === '}' || text === '=' || text === '(' || text === ')') break;
    if ((text === 'const' || text === 'let' || text === 'var') && isWord(tokens[j + 1])) {
      return { name: tokens[j + 1].text, documentable: true, headerStart: modifiersStart(source, j + 1) };
    }
  }
  if (isWord(tokens[k - 2])) return { name: tokens[k - 2].text, documentable: true, headerStart: modifiersStart(source, k - 2) };
  return { documentable: false };
}

// A `=` inside `(…)` or `[…]` is a default value or a named argument, not an assignment.
function insideBrackets(source: TokenizedSource, from: number): boolean {
  const { tokens, match } = source;
  for (let j = from - 1, guard = 0; j >= 0 && guard < 400; j--, guard++) {
    const text = tokens[j].text;
    if ((text === ')' || text === ']' || text === '}') && match[j] >= 0) { j = match[j]; continue; }
    if (text === '(' || text === '[') return true;
    if (text === ';' || text === '{' || text === '}') return false;
  }
  return false;
}

/** The first token of a declaration whose name is at `name`: modifiers, and in typed languages the return type. */
function modifiersStart(source: TokenizedSource, name: number): number {
  const { tokens, match, family, masked } = source;
  let k = name;
  for (let guard = 0; guard < 40; guard++) {
    const previous = tokens[k - 1];
    if (!previous) return k;
    if (family === 'js') {
      if (!JS_MODIFIERS.has(previous.text)) return k;
      k--;
      continue;
    }
    // Never into a preprocessor line or past a decorator's name.
    if (previous.line !== tokens[k].line && /^\s*#/.test(masked.line(previous.line))) return k;
    if (tokens[k - 2]?.text === '@') return k;
    if (previous.text === '>') {
      // `template <…>` is an attribute-like prefix, not part of the return type.
      const open = angleOpenBefore(source, k - 1);
      if (open < 0 || tokens[open - 1]?.text === 'template') return k;
      k = open;
      continue;
    }
    if (previous.text === ']' && match[k - 1] === k - 2) { k -= 2; continue; }
    if (previous.text === '"' && family === 'c') { k--; continue; }
    if (isWord(previous) && !NOT_A_NAME.has(previous.text) && !STATEMENT_WORDS.has(previous.text)) {
      // A C++ access label (`public:`) ends the previous member.
      k--;
      continue;
    }
    if (['.', '::', '*', '&', '&&', '?', '~'].includes(previous.text)) { k--; continue; }
    return k;
  }
  return k;
}
