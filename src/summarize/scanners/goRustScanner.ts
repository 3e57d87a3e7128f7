/**
 * Finds Go and Rust functions (pure): each starts with a keyword (`func`, `fn`), so the scan reads
 * forwards from it: a Go receiver, the name, generics (`[T any]`, `<T>`), the parameter list, a
 * result type (which may hold `interface{}` or `struct{…}`), then the body's `{`. A Go function
 * literal is named by the variable it is assigned to, and is not documented otherwise
 * (`go func() {…}()`); a Rust function's header starts at its modifiers (`pub(crate) async`).
 */
import { isWord } from '../codeTokens';
import { attributeStart } from './attributes';
import { angleCloseAfter, FoundFunction, TokenizedSource } from './tokenizedSource';

// Words (and the `"` of `extern "C"`) that may stand before Rust's `fn` in its header.
const RUST_MODIFIERS = new Set(['pub', 'async', 'const', 'unsafe', 'extern', 'default', '"']);

/** Every `func` (Go) or `fn` (Rust) with a body in the window, function literals included. */
export function scanGoRustFunctions(source: TokenizedSource): FoundFunction[] {
  const { tokens, match, family } = source;
  const keyword = family === 'go' ? 'func' : 'fn';
  const claimed = new Set<number>();
  const found: FoundFunction[] = [];
  tokens.forEach((token, k) => {
    if (token.text !== keyword) return;
    let name: string | undefined;
    let cursor = k + 1;
    let literal = false;
    if (family === 'go' && tokens[cursor]?.text === '(' && match[cursor] >= 0) {
      const afterReceiver = match[cursor] + 1;
      if (isWord(tokens[afterReceiver]) && ['(', '['].includes(tokens[afterReceiver + 1]?.text ?? '')) cursor = afterReceiver;
      else literal = true;
    }
    if (!literal) {
      if (!isWord(tokens[cursor])) return;
      name = tokens[cursor].text;
      cursor++;
    }
    if (tokens[cursor]?.text === '[' && match[cursor] >= 0) cursor = match[cursor] + 1;
    else if (tokens[cursor]?.text === '<') cursor = angleCloseAfter(source, cursor) + 1;
    const open = cursor;
    if (tokens[open]?.text !== '(' || match[open] < 0) return;
    const body = bodyAfter(source, match[open] + 1);
    if (body === undefined || claimed.has(body)) return;
    claimed.add(body);
    let headerStart = k;
    let documentable = true;
    if (literal) {
      // `f := func(…) {…}` is named by its variable; `go func() {…}()` is not documented.
      const assign = tokens[k - 1]?.text;
      if ((assign === ':=' || assign === '=') && isWord(tokens[k - 2])) {
        name = tokens[k - 2].text;
        headerStart = tokens[k - 3]?.text === 'var' ? k - 3 : k - 2;
      } else documentable = false;
    } else if (family === 'rust') {
      headerStart = rustModifiersStart(source, k);
    }
    const declarationLine = tokens[headerStart].line;
    found.push({
      startLine: attributeStart(source.masked, declarationLine, family),
      declarationLine,
      endLine: tokens[match[body]].line,
      name,
      documentable,
      headerStart,
      paramsOpen: open,
      paramsClose: match[open],
      bodyOpen: body,
      bodyClose: match[body],
      expressionBody: false,
    });
  });
  return found;
}

// The `{` opening the body after a parameter list; result types may hold `interface{}` or `struct{…}`.
function bodyAfter(source: TokenizedSource, from: number): number | undefined {
  const { tokens, match } = source;
  for (let j = from; j < tokens.length && j < from + 200; j++) {
    const text = tokens[j].text;
    if (text === '{') {
      if (match[j] < 0) return undefined;
      if (['interface', 'struct'].includes(tokens[j - 1]?.text ?? '')) { j = match[j]; continue; }
      return j;
    }
    if (text === '(' || text === '[') { if (match[j] < 0) return undefined; j = match[j]; continue; }
    if (text === ';' || text === '}' || text === ')' || text === ']' || text === '=') return undefined;
  }
  return undefined;
}

// The first token of a Rust function's header: the modifiers before its `fn`.
function rustModifiersStart(source: TokenizedSource, keyword: number): number {
  const { tokens, match } = source;
  let k = keyword;
  for (;;) {
    const previous = tokens[k - 1];
    if (!previous) return k;
    // `pub(crate)`
    if (previous.text === ')' && match[k - 1] >= 0 && tokens[match[k - 1] - 1]?.text === 'pub') { k = match[k - 1] - 1; continue; }
    if (RUST_MODIFIERS.has(previous.text)) { k--; continue; }
    return k;
  }
}
