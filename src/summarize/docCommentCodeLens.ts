/** A `Document` CodeLens above functions that have no doc comment (setting, off by default). */

import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../common/settings';
import { findExistingDocComment } from './docCommentFormatter';
import { blockFromSymbol, type SymbolLike } from './functionLocator';
import { documentLines, documentSymbols } from './symbolSource';

function functionSymbols(symbols: readonly SymbolLike[]): SymbolLike[] {
  return symbols.flatMap((s) => [...(s.kind === 'function' || s.kind === 'method' || s.kind === 'constructor' ? [s] : []), ...functionSymbols(s.children)]);
}

/** See the module comment. */
export class DocCommentCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  /** Asks VS Code to ask again (the setting changed). */
  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration(SETTINGS_SECTION, document).get<boolean>('docComments.codeLens', false)) return [];
    const lines = documentLines(document);
    const lenses: vscode.CodeLens[] = [];
    for (const symbol of functionSymbols(await documentSymbols(document))) {
      const block = blockFromSymbol(lines, symbol, document.languageId);
      if (findExistingDocComment(lines, block, document.languageId)) continue;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(block.startLine, 0, block.startLine, 0), {
          title: 'Document',
          tooltip: `Attention Lens: write a doc comment for ${symbol.name}`,
          command: 'attentionLens.generateDocComment',
          arguments: [document.uri, block.declarationLine],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
