/**
 * Finds the code to document at the cursor: the selection, the document's symbols, or the
 * indentation/brace fallback. Reads a document without holding the editor: its lines in one
 * split, the whole text masked in steps with turns of the event loop in between, and the symbols
 * of a document of normal size only (see SYMBOLS_MAX_CHARS).
 */

import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { maskCodeInSteps, type MaskedText } from './codeMasking';
import { blockFromSymbol, findEnclosingFunction, pickSymbolAt, type CodeBlock, type FunctionLikeKind, type SymbolLike } from './functionLocator';

/** How long one synchronous stretch of a long job may run before the event loop gets a turn. */
const SLICE_MS = 8;
/** Characters masked between checks of the clock (about a millisecond of work). */
const MASK_STEP_CHARS = 32_000;
/**
 * Past this many characters a document's symbols are not asked for: VS Code's round trip of tens
 * of thousands of them holds the extension host by itself (5 MB, 37 000 symbols: 230 ms), while
 * the text read around the cursor finds the function just as well.
 */
export const SYMBOLS_MAX_CHARS = 1_000_000;

function kindOf(kind: vscode.SymbolKind): FunctionLikeKind {
  switch (kind) {
    case vscode.SymbolKind.Function:
      return 'function';
    case vscode.SymbolKind.Method:
      return 'method';
    case vscode.SymbolKind.Constructor:
      return 'constructor';
    case vscode.SymbolKind.Class:
      return 'class';
    default:
      return 'other';
  }
}

function toSymbolLike(symbol: vscode.DocumentSymbol): SymbolLike {
  return {
    name: symbol.name,
    kind: kindOf(symbol.kind),
    startLine: symbol.range.start.line,
    endLine: symbol.range.end.line,
    children: symbol.children.map(toSymbolLike),
  };
}

/** The document's symbols in the pure shape; empty when no provider answers. */
export async function documentSymbols(document: vscode.TextDocument): Promise<SymbolLike[]> {
  try {
    const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
      'vscode.executeDocumentSymbolProvider',
      document.uri,
    );
    // Old providers answer with flat SymbolInformation (no ranges for bodies): treat as none.
    return (symbols ?? []).filter((s): s is vscode.DocumentSymbol => 'children' in s).map(toSymbolLike);
  } catch {
    return [];
  }
}

/** Whether a document is too big to ask for its symbols (see SYMBOLS_MAX_CHARS). */
export function tooBigForSymbols(document: vscode.TextDocument): boolean {
  // The offset of the end: the document's length, without joining its text.
  return document.offsetAt(new vscode.Position(document.lineCount, 0)) > SYMBOLS_MAX_CHARS;
}

/** The lines of a document. */
export function documentLines(document: vscode.TextDocument): string[] {
  // One join and one split: a line never holds a line break, and a document has one kind of
  // them, so this is lineAt(i).text for every i, without an object per line (5 MB: 200k lines).
  return document.getText().split(document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
}

/** Gives the event loop a turn whenever SLICE_MS have passed since the last one: a long loop asks `due` between steps and then awaits `turn()`. */
export class EventLoopTurns {
  private since = performance.now();

  /** True when the current stretch has run long enough. */
  get due(): boolean {
    return performance.now() - this.since >= SLICE_MS;
  }

  /** Lets timers, I/O and other extensions run, then starts a new stretch. */
  async turn(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}

/** The whole text masked (see maskCode), in steps that leave the event loop free; undefined when `token` is cancelled meanwhile. */
export async function maskedDocument(lines: readonly string[], languageId: string, token?: vscode.CancellationToken): Promise<MaskedText | undefined> {
  const turns = new EventLoopTurns();
  const steps = maskCodeInSteps(lines, languageId, MASK_STEP_CHARS);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (!turns.due) continue;
    await turns.turn();
    if (token?.isCancellationRequested) return undefined;
  }
}

/** The block to document: a non-empty selection wins, then the innermost function symbol at the cursor (in a document of normal size), then the fallback. */
export async function locateBlock(editor: vscode.TextEditor): Promise<CodeBlock | undefined> {
  const { document, selection } = editor;
  const lines = documentLines(document);
  // Masked once, in steps: every search below then reads only lines near the cursor.
  const masked = await maskedDocument(lines, document.languageId);
  if (!masked) return undefined;
  if (!selection.isEmpty) {
    const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
    const inner = findEnclosingFunction(lines.slice(0, endLine + 1), selection.start.line, document.languageId, masked);
    const declarationLine = inner && inner.startLine >= selection.start.line ? inner.declarationLine : selection.start.line;
    return { startLine: selection.start.line, declarationLine, endLine, name: inner?.name };
  }
  const symbol = tooBigForSymbols(document) ? undefined : pickSymbolAt(await documentSymbols(document), selection.active.line);
  if (symbol) return blockFromSymbol(lines, symbol, document.languageId, masked);
  return findEnclosingFunction(lines, selection.active.line, document.languageId, masked);
}
