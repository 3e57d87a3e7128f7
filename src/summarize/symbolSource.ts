/** Finds the code to document at the cursor: the selection, the document's symbols, or the indentation/brace fallback. */

import * as vscode from 'vscode';
import { blockFromSymbol, findEnclosingFunction, pickSymbolAt, type CodeBlock, type FunctionLikeKind, type SymbolLike } from './functionLocator';

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

/** The lines of a document. */
export function documentLines(document: vscode.TextDocument): string[] {
  return Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
}

/** The block to document: a non-empty selection wins, then the innermost function symbol at the cursor, then the fallback. */
export async function locateBlock(editor: vscode.TextEditor): Promise<CodeBlock | undefined> {
  const { document, selection } = editor;
  const lines = documentLines(document);
  if (!selection.isEmpty) {
    const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
    const inner = findEnclosingFunction(lines.slice(0, endLine + 1), selection.start.line, document.languageId);
    const declarationLine = inner && inner.startLine >= selection.start.line ? inner.declarationLine : selection.start.line;
    return { startLine: selection.start.line, declarationLine, endLine, name: inner?.name };
  }
  const symbol = pickSymbolAt(await documentSymbols(document), selection.active.line);
  if (symbol) return blockFromSymbol(lines, symbol, document.languageId);
  return findEnclosingFunction(lines, selection.active.line, document.languageId);
}
