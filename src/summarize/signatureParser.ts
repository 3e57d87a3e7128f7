/**
 * Reads a function's signature from its code block (pure; no I/O): what a doc comment needs to
 * list (parameter names, never their types) and whether it mentions a return value. Works on the
 * tokens the function locator found, so strings and comments never confuse it.
 */
import type { CodeBlock } from './functionLocator';
import { scanFunctions, ScannedSource } from './functionScanner';
import { languageFamily, LanguageFamily } from './languageFamily';
import { FoundFunction } from './scanners/tokenizedSource';
import { blockWindow } from './scanWindow';

export interface ParameterInfo {
  readonly name: string;
  readonly optional: boolean;
  readonly defaultValue?: string;
  readonly rest: boolean;
}

export interface FunctionSignature {
  readonly name?: string;
  readonly parameters: readonly ParameterInfo[];
  readonly returnsValue: boolean;
  readonly isAsync: boolean;
  readonly isGenerator: boolean;
}

// Declared return types that mean "nothing comes back".
const NO_VALUE_TYPES = new Set(['void', 'never', 'undefined', 'Promise<void>', 'Promise<undefined>', 'PromiseLike<void>', 'None', 'NoReturn', 'Never', 'typing.NoReturn', '()', '!', 'Task', 'ValueTask']);
// Words before a Java/C#/C++ name that are not its return type.
const TYPED_MODIFIERS = new Set([
  'public', 'private', 'protected', 'internal', 'static', 'final', 'abstract', 'synchronized', 'native', 'strictfp',
  'default', 'transient', 'volatile', 'sealed', 'override', 'virtual', 'async', 'extern', 'unsafe', 'new', 'readonly',
  'partial', 'inline', 'constexpr', 'consteval', 'explicit', 'friend', 'static_cast', 'noexcept',
]);
// TypeScript parameter properties: `constructor(private readonly name: string)`.
const TS_PARAMETER_MODIFIERS = /^(?:(?:public|private|protected|readonly|override)\s+)+/;

/** The scan `parseSignature` reads: the block's lines (all lines of a text of normal size). */
export function scanBlock(lines: readonly string[], block: CodeBlock, languageId: string): ScannedSource {
  return scanFunctions(lines, languageId, blockWindow(lines, block.startLine, block.endLine));
}

/** Reads the name, parameters (names from the signature, never types), and whether it returns a value: explicit non-void/None return type, or a `return <expr>` in the body (not in nested functions), or an expression-bodied arrow. Skips `self`/`cls` in Python and `this` params in TS; destructured params get a readable name (e.g. `options`/`{ a, b }` → the pattern text). A caller that has `scanBlock`'s result passes it. */
export function parseSignature(lines: readonly string[], block: CodeBlock, languageId: string, scan = scanBlock(lines, block, languageId)): FunctionSignature {
  const family = languageFamily(languageId);
  const found = functionForBlock(scan.functions, block);
  if (!found) return { name: block.name, parameters: [], returnsValue: false, isAsync: false, isGenerator: false };
  const head = scan.tokens.slice(found.headerStart, found.paramsOpen).map((token) => token.text);
  const nested = scan.functions.filter((other) => other !== found && other.bodyOpen > found.bodyOpen && other.bodyClose <= found.bodyClose);
  const body = bodyTokenIndices(found, nested);
  const bodyWords = (word: string) => body.filter((k) => scan.tokens[k].text === word);
  const isAsync = head.includes('async');
  let isGenerator = false;
  if (family === 'js') isGenerator = head.includes('*');
  else if (family === 'python') isGenerator = bodyWords('yield').length > 0;
  else if (family === 'csharp') isGenerator = bodyWords('yield').some((k) => scan.tokens[k + 1]?.text === 'return');
  return {
    name: found.name ?? block.name,
    parameters: readParameters(lines, scan, found, family),
    returnsValue: returnsValue(lines, scan, found, family, bodyWords('return')),
    isAsync,
    isGenerator,
  };
}

// The scanned function the block stands for: declared on (or nearest) its declaration line, the
// outermost one there (`const f = () => () => …` documents `f`).
function functionForBlock(functions: readonly FoundFunction[], block: CodeBlock): FoundFunction | undefined {
  let best: FoundFunction | undefined;
  let bestDistance = Infinity;
  for (const found of functions) {
    if (found.declarationLine < block.startLine || found.declarationLine > block.endLine) continue;
    const distance = Math.abs(found.declarationLine - block.declarationLine) * 2 + (found.documentable ? 0 : 1);
    if (distance < bestDistance || (distance === bestDistance && best && found.bodyClose - found.bodyOpen > best.bodyClose - best.bodyOpen)) {
      best = found;
      bestDistance = distance;
    }
  }
  return best;
}

// The body's tokens outside nested bodies, in one pass: the nested bodies sorted by where they
// open are skipped as the walk reaches them (a bundle's outer function holds thousands).
function bodyTokenIndices(found: FoundFunction, nested: readonly FoundFunction[]): number[] {
  const skips = [...nested].sort((a, b) => a.bodyOpen - b.bodyOpen);
  const indices: number[] = [];
  let next = 0;
  for (let k = found.bodyOpen; k <= found.bodyClose; k++) {
    while (next < skips.length && skips[next].bodyClose < k) next++;
    // The first nested body not yet passed holds k when it opened at or before k; nested bodies
    // either nest or follow each other, so a later one never opens before an earlier one closes.
    if (next < skips.length && skips[next].bodyOpen <= k) { k = skips[next].bodyClose; continue; }
    indices.push(k);
  }
  return indices;
}

// ---------------------------------------------------------------------------------------------
// Parameters.

// `defaultValue` is left out, not set to undefined, when there is none.
function parameter(name: string, rest: boolean, defaultValue?: string, optional = defaultValue !== undefined): ParameterInfo {
  return defaultValue === undefined ? { name, optional, rest } : { name, optional, defaultValue, rest };
}

interface Segment { readonly raw: string; readonly masked: string }

function readParameters(lines: readonly string[], scan: ScannedSource, found: FoundFunction, family: LanguageFamily): ParameterInfo[] {
  const { tokens } = scan;
  if (found.paramsOpen === found.paramsClose) return [parameter(tokens[found.paramsOpen].text, false)];
  const open = tokens[found.paramsOpen];
  const close = tokens[found.paramsClose];
  const raw = textBetween((row) => lines[row], open.line, open.col + 1, close.line, close.col);
  const masked = textBetween((row) => scan.masked.line(row), open.line, open.col + 1, close.line, close.col);
  const segments = splitTopLevel(raw, masked).filter((segment) => segment.raw.trim() !== '');
  if (family === 'go') return goParameters(segments);
  const parameters: ParameterInfo[] = [];
  segments.forEach((segment, index) => {
    const parameter = readParameter(segment, family, index);
    if (parameter) parameters.push(parameter);
  });
  return parameters;
}

function textBetween(line: (row: number) => string, fromLine: number, fromCol: number, toLine: number, toCol: number): string {
  if (fromLine === toLine) return stripCr(line(fromLine)).slice(fromCol, toCol);
  const parts = [stripCr(line(fromLine)).slice(fromCol)];
  for (let row = fromLine + 1; row < toLine; row++) parts.push(stripCr(line(row)));
  parts.push(stripCr(line(toLine)).slice(0, toCol));
  return parts.join('\n');
}

const stripCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

// Splits at commas outside brackets. Angle brackets count only in the type part (before a
// default value), where `Map<K, V>` holds commas; in a default, `<` is a comparison.
function splitTopLevel(raw: string, masked: string): Segment[] {
  const segments: Segment[] = [];
  let depth = 0;
  let angles = 0;
  let inDefault = false;
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    const previous = masked[i - 1];
    const next = masked[i + 1];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === '<' && !inDefault) angles++;
    else if (c === '>' && !inDefault && previous !== '=' && previous !== '-' && angles > 0) angles--;
    else if (c === '=' && depth === 0 && angles === 0 && next !== '>' && next !== '=' && !'=!<>'.includes(previous ?? '')) inDefault = true;
    else if (c === ',' && depth === 0 && angles === 0) {
      segments.push({ raw: raw.slice(start, i), masked: masked.slice(start, i) });
      start = i + 1;
      inDefault = false;
    }
  }
  segments.push({ raw: raw.slice(start), masked: masked.slice(start) });
  return segments;
}

/** Where the parameter's default value starts (`=` outside brackets), or -1. */
function defaultSign(masked: string): number {
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if ('([{<'.includes(c)) depth++;
    else if (')]}'.includes(c) || (c === '>' && masked[i - 1] !== '=' && masked[i - 1] !== '-')) depth = Math.max(0, depth - 1);
    else if (c === '=' && depth === 0 && masked[i + 1] !== '>' && masked[i + 1] !== '=' && !'=!<>'.includes(masked[i - 1] ?? '')) return i;
  }
  return -1;
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

function readParameter(segment: Segment, family: LanguageFamily, index: number): ParameterInfo | undefined {
  const equals = defaultSign(segment.masked);
  const defaultValue = equals >= 0 ? collapse(segment.raw.slice(equals + 1)) : undefined;
  let head = collapse(equals >= 0 ? segment.raw.slice(0, equals) : segment.raw);
  let maskedHead = collapse(equals >= 0 ? segment.masked.slice(0, equals) : segment.masked);
  // Decorators and attributes on a parameter (`@Inject() x`, `[FromBody] dto`) are not its name.
  const decorations = /^(?:(?:@[\w.]+(?:\([^)]*\))?|\[[^\]]*\])\s*)+/.exec(maskedHead);
  if (decorations) { head = head.slice(decorations[0].length).trim(); maskedHead = maskedHead.slice(decorations[0].length).trim(); }
  let rest = false;
  switch (family) {
    case 'python': {
      if (head === '*' || head === '/') return undefined;
      const stars = /^\*{1,2}/.exec(head);
      if (stars) { rest = true; head = head.slice(stars[0].length); }
      const name = head.split(':')[0].trim();
      if (index === 0 && (name === 'self' || name === 'cls')) return undefined;
      return parameter(name, rest, defaultValue);
    }
    case 'js': {
      const modifiers = TS_PARAMETER_MODIFIERS.exec(head);
      if (modifiers) head = head.slice(modifiers[0].length);
      if (head.startsWith('...')) { rest = true; head = head.slice(3).trim(); }
      let name: string;
      let optional = defaultValue !== undefined;
      if (head.startsWith('{') || head.startsWith('[')) {
        name = head.slice(0, patternEnd(head));
      } else {
        const match = /^([\w$]+)\s*(\?)?/.exec(head);
        name = match ? match[1] : head;
        if (match?.[2]) optional = true;
      }
      if (name === 'this') return undefined;
      return parameter(name, rest, defaultValue, optional);
    }
    case 'rust': {
      const pattern = head.split(/:(?!:)/)[0].trim().replace(/^mut\s+/, '');
      if (/^(?:&\s*(?:'\w+\s*)?(?:mut\s+)?)?self$/.test(pattern)) return undefined;
      return parameter(pattern, false);
    }
    default: return typedParameter(head, family, defaultValue);
  }
}

// Java, C#, C/C++: `Type name`, with the name last; C function pointers name themselves inside `(*…)`.
function typedParameter(head: string, family: LanguageFamily, defaultValue: string | undefined): ParameterInfo | undefined {
  if (head === '...') return parameter('...', true);
  if (family === 'c' && head === 'void') return undefined;
  const rest = head.includes('...') || /^params\s/.test(head);
  const pointer = /\(\s*[*&^]\s*(\w+)\s*\)/.exec(head);
  if (pointer) return parameter(pointer[1], rest, defaultValue);
  const words = head.replace(/\[[^\]]*\]\s*$/, '').match(/[A-Za-z_$][\w$]*/g) ?? [];
  // A lone word is a type with no name (C prototypes, `void`).
  if (words.length < 2) return undefined;
  return parameter(words[words.length - 1], rest, defaultValue);
}

function patternEnd(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if ('{['.includes(text[i])) depth++;
    else if ('}]'.includes(text[i])) { depth--; if (depth === 0) return i + 1; }
  }
  return text.length;
}

// Go groups names before one type (`a, b int`); a list with no names at all is types only.
function goParameters(segments: readonly Segment[]): ParameterInfo[] {
  const parts = segments.map((segment) => collapse(segment.raw).split(' '));
  if (!parts.some((words) => words.length > 1)) return [];
  return parts.map((words) => parameter(words[0], (words[1] ?? '').startsWith('...')));
}

// ---------------------------------------------------------------------------------------------
// Return value.

function returnsValue(lines: readonly string[], scan: ScannedSource, found: FoundFunction, family: LanguageFamily, returns: readonly number[]): boolean {
  const { tokens } = scan;
  const afterParams = tokens.slice(found.paramsClose + 1, found.bodyOpen).map((token) => token.text);
  const declared = (from: number) => afterParams.slice(from).filter((text) => text !== '{' && text !== '=>' && text !== ':' && text !== '"' && text !== "'").join('');
  switch (family) {
    case 'go': return afterParams.filter((text) => text !== '{').length > 0;
    case 'rust': {
      const arrow = afterParams.indexOf('->');
      if (arrow < 0) return false;
      const where = afterParams.indexOf('where');
      return !NO_VALUE_TYPES.has(afterParams.slice(arrow + 1, where < 0 ? undefined : where).filter((t) => t !== '{').join(''));
    }
    case 'python': {
      const arrow = afterParams.indexOf('->');
      if (arrow >= 0) return !NO_VALUE_TYPES.has(declared(arrow + 1));
      return hasReturnValue(scan, returns);
    }
    case 'js': {
      if (afterParams[0] === ':') {
        const end = afterParams.indexOf('=>');
        const type = afterParams.slice(1, end < 0 ? undefined : end).filter((text) => text !== '{').join('');
        if (type !== '' && !type.startsWith('asserts')) return !NO_VALUE_TYPES.has(type);
        if (type.startsWith('asserts')) return false;
      }
      if (found.expressionBody) return tokens[found.bodyOpen].text !== 'void';
      return hasReturnValue(scan, returns);
    }
    default: {
      // C++ trailing return type: `auto f() -> int`.
      const arrow = afterParams.indexOf('->');
      if (arrow >= 0) return !NO_VALUE_TYPES.has(declared(arrow + 1));
      return typedReturnType(scan, found) ?? hasReturnValue(scan, returns);
    }
  }
}

// Java/C#/C++: the words between the modifiers and the name; none means a constructor.
function typedReturnType(scan: ScannedSource, found: FoundFunction): boolean | undefined {
  const { tokens } = scan;
  let nameIndex = found.paramsOpen - 1;
  if (tokens[nameIndex]?.text === '>') {
    let depth = 0;
    for (; nameIndex > found.headerStart; nameIndex--) {
      if (tokens[nameIndex].text === '>') depth++;
      else if (tokens[nameIndex].text === '<' && --depth === 0) break;
    }
    nameIndex--;
  }
  let end = nameIndex;
  // Qualifiers belong to the name: `Box<T>::bar`, `IFoo.Bar`, `operator==`, `~Foo`.
  while (end > found.headerStart) {
    const previous = tokens[end - 1].text;
    if (previous === '~' || previous === 'operator') { end--; continue; }
    if (previous !== '::' && previous !== '.') break;
    end--;
    if (tokens[end - 1]?.text === '>') end = angleStart(scan, end - 1, found.headerStart);
    end--;
  }
  let type = tokens.slice(found.headerStart, end).map((token) => token.text).filter((text) => !TYPED_MODIFIERS.has(text));
  // Java's generic method header `<T> List<T>`: the leading type parameters are not the type.
  if (type[0] === '<') {
    let depth = 0;
    const close = type.findIndex((text) => (text === '<' ? ++depth : text === '>' ? --depth : depth) === 0 && text === '>');
    type = type.slice(close + 1);
  }
  if (type.length === 0) return false;
  return !NO_VALUE_TYPES.has(type.join(''));
}

function angleStart(scan: ScannedSource, close: number, floor: number): number {
  let depth = 0;
  for (let k = close; k >= floor; k--) {
    if (scan.tokens[k].text === '>') depth++;
    else if (scan.tokens[k].text === '<' && --depth === 0) return k;
  }
  return floor;
}

// A `return` with an expression on the same line (`return;` and a bare `return` give nothing).
function hasReturnValue(scan: ScannedSource, returns: readonly number[]): boolean {
  return returns.some((k) => {
    const next = scan.tokens[k + 1];
    return next !== undefined && next.line === scan.tokens[k].line && next.text !== ';' && next.text !== '}';
  });
}
