/**
 * Turns the model's one-line summary into a doc comment in the language's own style and plans
 * the edit that puts it in place (pure; no I/O). Finds an existing doc comment so the caller can
 * ask before replacing it, and keeps the file's indentation (tabs or spaces) and line endings.
 */
import { indentColumns } from '../common/stopRules';
import { MaskedText } from './codeMasking';
import type { CodeBlock } from './functionLocator';
import { scanFunctions, ScannedSource } from './functionScanner';
import { languageFamily, LanguageFamily } from './languageFamily';
import { blockLines, LineWindow } from './scanWindow';
import { FunctionSignature, ParameterInfo, parseSignature, scanBlock } from './signatureParser';

export interface LineRange { readonly startLine: number; readonly endLine: number }  // inclusive

export interface DocCommentEdit {
  /** Lines to replace (inclusive); for an insert, startLine = endLine + 1 = the line before which to insert. */
  readonly startLine: number;
  readonly endLine: number;
  readonly kind: 'insert' | 'replace';
  /** The new text, indented, each line ending with `eol`. */
  readonly text: string;
}

const WRAP_COLUMN = 100;
// Never squeeze the text narrower than this, however deep the indentation.
const MIN_TEXT_WIDTH = 40;
const TAB_COLUMNS = 4;
const JS_DOC_LANGUAGES = new Set(['javascript', 'javascriptreact']);
// Go directives sit between a doc comment and its function and are not part of the comment.
const GO_DIRECTIVE = /^\s*\/\/(?:go:|export |extern |line |nolint)/;
// Capitalised words ending in "s" that are not third-person verbs.
const NOT_VERBS = new Set(['This', 'Its', 'As', 'Thus', 'Is', 'Was', 'Us', 'Yes', 'Always', 'Perhaps', 'Less', 'Unless', 'Status', 'Alias', 'Class', 'Plus', 'Minus', 'Bus', 'Various', 'Previous', 'Towards', 'Across', 'Numerous', 'Miscellaneous']);
// Imperative verbs a model often starts with ("Return the sum"), turned into "returns".
const IMPERATIVE_VERBS = new Set([
  'return', 'compute', 'get', 'set', 'create', 'build', 'check', 'parse', 'convert', 'read', 'write', 'find', 'add',
  'remove', 'update', 'make', 'load', 'save', 'handle', 'calculate', 'count', 'format', 'validate', 'send', 'run',
  'open', 'close', 'start', 'stop', 'apply', 'print', 'fetch', 'generate', 'initialize', 'initialise', 'render',
  'sort', 'filter', 'merge', 'split', 'join', 'test', 'resolve', 'register', 'delete', 'append', 'insert', 'determine',
  'process', 'wrap', 'reset', 'clear', 'copy', 'encode', 'decode', 'serve', 'call', 'wait', 'log', 'map', 'reduce',
]);
const ARTICLES = new Set(['The', 'A', 'An']);

/** The doc comment already attached to the block (a JSDoc block comment above, Python docstring as the first statement, Go/Rust/C# consecutive // or /// lines directly above), if any; `maskedText` is the whole text from `maskCodeInSteps` when the caller has it. */
export function findExistingDocComment(lines: readonly string[], block: CodeBlock, languageId: string, maskedText?: MaskedText): LineRange | undefined {
  const family = languageFamily(languageId);
  if (family === 'python') {
    // With the whole text masked already (the CodeLens, for every function), the block's own
    // lines are enough: the docstring is its first statement.
    const scan = maskedText ? scanFunctions(lines, 'python', blockLines(lines, block.startLine, block.endLine), maskedText) : scanBlock(lines, block, 'python');
    return pythonDocstring(lines, pythonHeader(lines, block, scan));
  }
  const above = commentAnchor(lines, block, family) - 1;
  if (above < 0) return undefined;
  const text = (row: number) => stripCr(lines[row]).trim();
  if (text(above).endsWith('*/') && family !== 'go' && family !== 'csharp') {
    for (let row = above; row >= 0; row--) {
      if (!text(row).startsWith('/*')) continue;
      // A plain `/* … */` is a remark, not documentation.
      return text(row).startsWith('/**') ? { startLine: row, endLine: above } : undefined;
    }
    return undefined;
  }
  const marker = family === 'go' ? /^\/\// : family === 'rust' || family === 'csharp' || family === 'c' ? /^\/\/\/(?!\/)/ : undefined;
  if (!marker || !marker.test(text(above))) return undefined;
  let start = above;
  while (start > 0 && marker.test(text(start - 1))) start--;
  return { startLine: start, endLine: above };
}

/** Cleans the model's one-line summary: strips comment markers/quotes, trims, capitalises the first letter, ends with a period; Go: starts with the function name (`Add returns …`; if the summary does not start with the name, prefix it as "Name " and lower-case the first word when it is a verb like "Returns"). */
export function normaliseSummary(summary: string, languageId: string, functionName?: string): string {
  const parts: string[] = [];
  for (const rawLine of summary.split(/\r?\n/)) {
    const line = stripMarkers(rawLine);
    // The model sometimes goes on into tags; the summary is what comes before them.
    if (parts.length > 0 && /^(?:@\w+|Args:|Arguments:|Returns?:|Parameters:|<param|<returns|# )/.test(line)) break;
    if (line !== '') parts.push(line);
  }
  let text = parts.join(' ').replace(/\s+/g, ' ').trim();
  while (text.length >= 2 && /^["'`]/.test(text) && text.endsWith(text[0])) text = text.slice(1, -1).trim();
  if (text === '') return '';
  if (languageFamily(languageId) === 'go' && functionName) text = goSentence(text, functionName);
  else text = text[0].toUpperCase() + text.slice(1);
  if (/[,;:]$/.test(text)) text = text.slice(0, -1);
  if (!/[.!?]$/.test(text)) text += '.';
  return text;
}

/** The comment lines (without indentation) in the language's own style: JS/TS (typescript, javascript, typescriptreact, javascriptreact): a JSDoc/TSDoc block comment with `@param name` for each parameter (`@param [name=default]` style for optional/defaulted ones in JS, plain `@param name` in TS) and `@returns` when it returns a value; Python: a PEP 257 docstring (one line `"""Summary."""`, or the multi-line form with the closing quotes on their own line when the summary is long); Go: `// Name …` lines; Rust: `/// …` lines; Java: a Javadoc block with `@param` and `@return`; C#: `/// <summary>…</summary>`, `/// <param name="x"></param>` per parameter, `/// <returns></returns>` when it returns; C/C++: a Doxygen block with `@brief`, `@param` and `@return`. Wraps the summary at 100 columns (less the indentation the comment will get). */
export function formatDocComment(summary: string, signature: FunctionSignature, languageId: string, indentation = 0): string[] {
  const family = languageFamily(languageId);
  const text = normaliseSummary(summary, languageId, signature.name);
  const width = Math.max(MIN_TEXT_WIDTH, WRAP_COLUMN - indentation);
  switch (family) {
    case 'python': return pythonDocstringLines(text, width);
    case 'go': return wrap(text, width - 3).map((line) => `// ${line}`);
    case 'rust': return wrap(text, width - 4).map((line) => `/// ${line}`);
    case 'csharp': {
      const lines = ['/// <summary>', ...wrap(escapeXml(text), width - 4).map((line) => `/// ${line}`), '/// </summary>'];
      for (const parameter of signature.parameters) lines.push(`/// <param name="${escapeXml(parameter.name)}"></param>`);
      if (signature.returnsValue) lines.push('/// <returns></returns>');
      return lines;
    }
    case 'js': {
      const plainNames = !JS_DOC_LANGUAGES.has(languageId);
      const tags = signature.parameters.map((parameter) => `@param ${plainNames ? parameter.name : jsDocName(parameter)}`);
      if (signature.returnsValue) tags.push('@returns');
      return block(wrap(text, width - 3), tags, width, false);
    }
    case 'java': {
      const tags = signature.parameters.map((parameter) => `@param ${parameter.name}`);
      if (signature.returnsValue) tags.push('@return');
      return block(wrap(text, width - 3), tags, width, true);
    }
    default: {
      const summaryLines = wrap(text, width - 10);
      const described = [`@brief ${summaryLines[0]}`, ...summaryLines.slice(1).map((line) => `       ${line}`)];
      const tags = signature.parameters.map((parameter) => `@param ${parameter.name}`);
      if (signature.returnsValue) tags.push('@return');
      return block(described, tags, width, false);
    }
  }
}

/** Where and what to write: above the block at the declaration's indentation (above decorators), or for Python inside the def after the signature (at the body's indentation, handling a multi-line signature and a body on the same line as the colon), replacing an existing doc comment (the caller asks the user before a replace). */
export function planDocCommentEdit(lines: readonly string[], block: CodeBlock, languageId: string, summary: string, eol: string): { edit: DocCommentEdit; replacesExisting: boolean; signature: FunctionSignature } {
  const family = languageFamily(languageId);
  // One scan serves the signature, the Python header and the docstring.
  const scan = scanBlock(lines, block, languageId);
  const signature = parseSignature(lines, block, languageId, scan);
  const header = family === 'python' ? pythonHeader(lines, block, scan) : undefined;
  const existing = header ? pythonDocstring(lines, header) : findExistingDocComment(lines, block, languageId);
  const render = (indent: string) => formatDocComment(summary, signature, languageId, indentColumns(indent, TAB_COLUMNS))
    .map((line) => (line === '' ? '' : indent + line) + eol).join('');
  if (header?.bodyOnColonLine) {
    // `def f(x): return x` becomes a def line, the docstring, and the body on its own line; a
    // docstring already there (`def f(): """Old."""`) is replaced and the rest of the body kept.
    const line = stripCr(lines[header.colonLine]);
    const head = line.slice(0, header.colonCol + 1).trimEnd();
    let body = line.slice(header.colonCol + 1).trim();
    const docstringEnd = leadingStringEnd(body);
    if (docstringEnd > 0) body = body.slice(docstringEnd).replace(/^\s*;/, '').trim();
    const bodyIndent = pythonBodyIndent(lines, block, header, scan.window);
    const text = head + eol + render(bodyIndent) + (body ? bodyIndent + body + eol : '');
    return { edit: { startLine: header.colonLine, endLine: header.colonLine, kind: 'replace', text }, replacesExisting: docstringEnd > 0, signature };
  }
  if (existing) {
    const indent = family === 'python' ? leadingWhitespace(lines[existing.startLine]) : leadingWhitespace(lines[block.declarationLine]);
    return { edit: { startLine: existing.startLine, endLine: existing.endLine, kind: 'replace', text: render(indent) }, replacesExisting: true, signature };
  }
  if (family !== 'python') {
    const anchor = commentAnchor(lines, block, family);
    const text = render(leadingWhitespace(lines[block.declarationLine]));
    return { edit: { startLine: anchor, endLine: anchor - 1, kind: 'insert', text }, replacesExisting: false, signature };
  }
  const pythonBody = header ?? pythonHeader(lines, block, scan);
  const bodyIndent = pythonBodyIndent(lines, block, pythonBody, scan.window);
  const at = pythonBody.colonLine + 1;
  return { edit: { startLine: at, endLine: at - 1, kind: 'insert', text: render(bodyIndent) }, replacesExisting: false, signature };
}

// ---------------------------------------------------------------------------------------------

const stripCr = (line: string | undefined) => (line === undefined ? '' : line.endsWith('\r') ? line.slice(0, -1) : line);
const leadingWhitespace = (line: string | undefined) => /^[ \t]*/.exec(stripCr(line))?.[0] ?? '';

// The line a new comment goes above: the block's first line, or in Go above its directives.
function commentAnchor(lines: readonly string[], block: CodeBlock, family: LanguageFamily): number {
  let anchor = block.startLine;
  if (family === 'go') while (anchor > 0 && GO_DIRECTIVE.test(stripCr(lines[anchor - 1]))) anchor--;
  return anchor;
}

function stripMarkers(line: string): string {
  let text = line.trim();
  for (let guard = 0; guard < 4; guard++) {
    const before = text;
    text = text
      .replace(/^(?:\/\*+|\*\/|\/\/[\/!]?|#+(?=\s|$)|\*+(?!\/)|[rRuU]?"""|[rRuU]?''')\s*/, '')
      .replace(/\s*(?:\*+\/|"""|''')$/, '')
      .replace(/<\/?summary>/g, '')
      .replace(/^@brief\s+/, '')
      .trim();
    if (text === before) break;
  }
  return text;
}

// Go doc comments begin with the function's name: "Add returns the sum."
function goSentence(text: string, name: string): string {
  if (text.toLowerCase().startsWith(name.toLowerCase()) && !/[\w$]/.test(text[name.length] ?? '')) return name + text.slice(name.length);
  const space = text.indexOf(' ');
  const first = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? '' : text.slice(space);
  let word = first;
  if (/^[A-Z][a-z]+s$/.test(first) && !NOT_VERBS.has(first)) word = first.toLowerCase();
  else if (IMPERATIVE_VERBS.has(first.toLowerCase()) && /^[A-Z]?[a-z]+$/.test(first)) word = thirdPerson(first.toLowerCase());
  else if (ARTICLES.has(first)) word = first.toLowerCase();
  return `${name} ${word}${rest}`;
}

function thirdPerson(verb: string): string {
  if (/(?:s|sh|ch|x|z|o)$/.test(verb)) return `${verb}es`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
  return `${verb}s`;
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) { lines.push(current); current = word; }
    else current = current === '' ? word : `${current} ${word}`;
  }
  lines.push(current);
  return lines;
}

// A block comment with ` * ` lines; a lone short summary stays on one line.
function block(description: readonly string[], tags: readonly string[], width: number, blankBeforeTags: boolean): string[] {
  if (tags.length === 0 && description.length === 1 && description[0].length + 7 <= width) return [`/** ${description[0]} */`];
  const lines = ['/**', ...description.map((line) => ` * ${line}`.trimEnd())];
  if (tags.length > 0 && blankBeforeTags) lines.push(' *');
  for (const tag of tags) lines.push(` * ${tag}`);
  lines.push(' */');
  return lines;
}

function jsDocName(parameter: ParameterInfo): string {
  const name = parameter.rest ? `...${parameter.name}` : parameter.name;
  if (parameter.defaultValue !== undefined) return `[${name}=${parameter.defaultValue}]`;
  return parameter.optional ? `[${name}]` : name;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// PEP 257: one line when it fits, else the summary wrapped with the closing quotes on their own line.
function pythonDocstringLines(text: string, width: number): string[] {
  // A backslash would be an escape in a plain docstring; `"""` inside would end it.
  const open = text.includes('\\') ? 'r"""' : '"""';
  const safe = text.replace(/"""/g, "'''");
  if (open.length + safe.length + 3 <= width) return [`${open}${safe}"""`];
  const lines = wrap(safe, width - open.length);
  return [`${open}${lines[0]}`, ...lines.slice(1), '"""'];
}

interface PythonHeader { readonly colonLine: number; readonly colonCol: number; readonly bodyOnColonLine: boolean; readonly firstBodyLine?: number }

// Where the signature's `:` is and where the body starts, read from the scanned tokens.
function pythonHeader(lines: readonly string[], block: CodeBlock, scan: ScannedSource): PythonHeader {
  const found = scan.functions.find((f) => f.declarationLine === block.declarationLine);
  if (!found) {
    const line = stripCr(lines[block.declarationLine]);
    const colonCol = line.trimEnd().length - 1;
    return { colonLine: block.declarationLine, colonCol, bodyOnColonLine: false };
  }
  const colon = scan.tokens[found.bodyOpen - 1];
  const first = scan.tokens[found.bodyOpen];
  const bodyOnColonLine = first !== undefined && first.line === colon.line && found.bodyOpen <= found.bodyClose;
  const inBody = first !== undefined && found.bodyOpen <= found.bodyClose;
  return { colonLine: colon.line, colonCol: colon.col, bodyOnColonLine, firstBodyLine: inBody ? first.line : undefined };
}

/**
 * Where a string literal at the start of `text` ends (the index after its closing quotes), or 0
 * when `text` does not start with one that closes on this line: `"x"; return 1` → 3.
 */
function leadingStringEnd(text: string): number {
  const opening = /^[rRuU]?("""|'''|"|')/.exec(text);
  if (!opening) return 0;
  const quote = opening[1];
  for (let i = opening[0].length; i < text.length; i++) {
    // A backslash keeps the next character inside the string, in raw strings too (r"\"" is `\"`).
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(quote, i)) return i + quote.length;
  }
  return 0;
}

function pythonDocstring(lines: readonly string[], header: PythonHeader): LineRange | undefined {
  // `def f(): """Doc."""`: the docstring shares the def's line.
  if (header.bodyOnColonLine) {
    const afterColon = stripCr(lines[header.colonLine]).slice(header.colonCol + 1).trim();
    return leadingStringEnd(afterColon) > 0 ? { startLine: header.colonLine, endLine: header.colonLine } : undefined;
  }
  if (header.firstBodyLine === undefined) return undefined;
  const row = header.firstBodyLine;
  const text = stripCr(lines[row]).trim();
  const opening = /^[rRuU]?("""|'''|"|')/.exec(text);
  if (!opening) return undefined;
  const quote = opening[1];
  const afterOpen = text.slice(opening[0].length);
  if (quote.length === 1 || afterOpen.includes(quote)) return { startLine: row, endLine: row };
  for (let end = row + 1; end < lines.length; end++) if (lines[end].includes(quote)) return { startLine: row, endLine: end };
  return undefined;
}

// The body's own indentation when it has lines, else the def's plus the file's indent unit.
function pythonBodyIndent(lines: readonly string[], block: CodeBlock, header: PythonHeader, window: LineWindow): string {
  const defIndent = leadingWhitespace(lines[block.declarationLine]);
  if (!header.bodyOnColonLine && header.firstBodyLine !== undefined) {
    const bodyIndent = leadingWhitespace(lines[header.firstBodyLine]);
    if (bodyIndent.length > defIndent.length) return bodyIndent;
  }
  return defIndent + indentUnit(lines, defIndent, window);
}

// The file's unit, read from the lines that were scanned (all of a file of normal size).
function indentUnit(lines: readonly string[], defIndent: string, window: LineWindow): string {
  const scanned = lines.slice(window.from, window.to);
  if (defIndent.includes('\t') || scanned.some((line) => line.startsWith('\t'))) return '\t';
  // The step after a block opener is the file's unit.
  let unit = Infinity;
  for (let row = Math.max(1, window.from + 1); row < window.to; row++) {
    if (!stripCr(lines[row - 1]).trimEnd().endsWith(':')) continue;
    const step = leadingWhitespace(lines[row]).length - leadingWhitespace(lines[row - 1]).length;
    if (step > 0) unit = Math.min(unit, step);
  }
  return ' '.repeat(Number.isFinite(unit) ? unit : 4);
}
