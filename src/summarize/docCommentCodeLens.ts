/**
 * A `Document` CodeLens above functions that have no doc comment (setting, off by default).
 * Linear in the document and never long on the event loop: the text is masked once, in steps,
 * and each function is placed from the lines around it, with a turn of the event loop whenever
 * a stretch has run for a few milliseconds; a cancelled request (the document changed) stops.
 * A lens gets its command only when VS Code resolves it, which it does for the lenses in view:
 * tens of thousands of commands with arguments would cost the host more than placing them. A
 * document too big to ask for its symbols gets one lens on its first line that says so.
 */

import * as vscode from 'vscode';
import { COMMANDS } from '../host/commandIds';
import { readVsCodeSettings } from '../host/vscodeSettings';
import { isSecretFile } from '../common/secretFiles';
import { findExistingDocComment } from './docCommentFormatter';
import { blockFromSymbol, type SymbolLike } from './functionLocator';
import { documentLines, documentSymbols, EventLoopTurns, maskedDocument, SYMBOLS_MAX_CHARS, tooBigForSymbols } from './symbolSource';

// Depth first, parents before children, into one array (a bundle's symbol tree is deep and wide).
function functionSymbols(symbols: readonly SymbolLike[], into: SymbolLike[] = []): SymbolLike[] {
  for (const s of symbols) {
    if (s.kind === 'function' || s.kind === 'method' || s.kind === 'constructor') into.push(s);
    functionSymbols(s.children, into);
  }
  return into;
}

/** A placed lens; `resolveCodeLens` gives it the command. */
class DocumentLens extends vscode.CodeLens {
  constructor(
    line: number,
    readonly uri: vscode.Uri,
    readonly declarationLine: number,
    readonly name: string,
  ) {
    super(new vscode.Range(line, 0, line, 0));
  }
}

/** See the module comment. */
export class DocCommentCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  /** Asks VS Code to ask again (the setting changed). */
  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument, token?: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!readVsCodeSettings('docComments', document).codeLens) return [];
    // Generate Doc Comment refuses secret files: no lens offers it there.
    if (isSecretFile(document.fileName)) return [];
    if (tooBigForSymbols(document)) {
      // A label, not a link: an empty command id.
      const title = `Attention Lens: no Document lenses in a file over ${SYMBOLS_MAX_CHARS / 1_000_000} MB (Generate Doc Comment still works)`;
      return [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title, command: '' })];
    }
    const lines = documentLines(document);
    const symbols = functionSymbols(await documentSymbols(document));
    if (symbols.length === 0 || token?.isCancellationRequested) return [];
    const masked = await maskedDocument(lines, document.languageId, token);
    if (!masked) return [];
    const lenses: vscode.CodeLens[] = [];
    const turns = new EventLoopTurns();
    for (const symbol of symbols) {
      if (turns.due) {
        await turns.turn();
        if (token?.isCancellationRequested) return [];
      }
      const block = blockFromSymbol(lines, symbol, document.languageId, masked);
      if (findExistingDocComment(lines, block, document.languageId, masked)) continue;
      lenses.push(new DocumentLens(block.startLine, document.uri, block.declarationLine, symbol.name));
    }
    return lenses;
  }

  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    if (lens instanceof DocumentLens) {
      lens.command = {
        title: 'Document',
        tooltip: `Attention Lens: write a doc comment for ${lens.name}`,
        command: COMMANDS.generateDocComment,
        arguments: [lens.uri, lens.declarationLine],
      };
    }
    return lens;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
