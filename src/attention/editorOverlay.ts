/**
 * With the panel open, shades in the editor the tokens that the token under the cursor attends
 * to (the panel's layer and head, or the mean over heads), updated as the cursor moves.
 */

import * as vscode from 'vscode';
import type { AttentionCapture } from '../common/attentionData';
import type { ViewSelection } from '../common/webviewProtocol';
import { Disposable } from '../common/disposable';
import { attentionRow, tokenAt } from './attentionRows';

/** Shades from faint to strong; a weight picks the nearest. */
const LEVELS = [0.12, 0.22, 0.34, 0.48, 0.62];
/** Weights below this are not drawn: most of a row is near zero. */
const MIN_WEIGHT = 0.02;

interface Anchor {
  readonly capture: AttentionCapture;
  readonly document: vscode.TextDocument;
  /** Document offset of the capture text's first character. */
  readonly startOffset: number;
  readonly version: number;
}

/** See the module comment. */
export class EditorOverlay extends Disposable {
  private readonly levels = LEVELS.map((alpha) =>
    this.register(
      vscode.window.createTextEditorDecorationType({
        light: { backgroundColor: `rgba(0, 110, 220, ${alpha})` },
        dark: { backgroundColor: `rgba(255, 170, 40, ${alpha})` },
        borderRadius: '2px',
      }),
    ),
  );
  private readonly queryMark = this.register(
    vscode.window.createTextEditorDecorationType({ outlineWidth: '1px', outlineStyle: 'solid', outlineColor: new vscode.ThemeColor('editorCursor.foreground') }),
  );
  private anchor: Anchor | undefined;
  private selection: Pick<ViewSelection, 'layer' | 'head'> = { layer: 0, head: 'mean' };
  private enabled = true;

  constructor(private readonly onCursorToken: (index: number | undefined) => void) {
    super();
    this.register(vscode.window.onDidChangeTextEditorSelection((event) => this.update(event.textEditor)));
    this.register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        // Offsets no longer match an edited document: drop the overlay rather than shade wrong text.
        if (this.anchor && event.document === this.anchor.document && event.contentChanges.length) this.clear();
      }),
    );
  }

  /** Anchors a capture taken from `document` at `startOffset`; undefined `document` for text not in an editor. */
  setCapture(capture: AttentionCapture, document: vscode.TextDocument | undefined, startOffset: number): void {
    this.clearDecorations();
    this.anchor = document ? { capture, document, startOffset, version: document.version } : undefined;
    const editor = vscode.window.activeTextEditor;
    if (editor) this.update(editor);
  }

  /** Follows the panel's layer and head. */
  setSelection(selection: Pick<ViewSelection, 'layer' | 'head'>): void {
    this.selection = { layer: selection.layer, head: selection.head };
    const editor = vscode.window.activeTextEditor;
    if (editor) this.update(editor);
  }

  /** Turns the overlay on or off (the panel stays). */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (!enabled) this.clearDecorations();
    else if (vscode.window.activeTextEditor) this.update(vscode.window.activeTextEditor);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Forgets the capture and removes the shading. */
  clear(): void {
    this.anchor = undefined;
    this.clearDecorations();
  }

  /** The token the cursor is on, for the given editor (exposed for tests). */
  tokenUnderCursor(editor: vscode.TextEditor): number | undefined {
    const anchor = this.anchor;
    if (!anchor || editor.document !== anchor.document) return undefined;
    const offset = editor.document.offsetAt(editor.selection.active) - anchor.startOffset;
    return tokenAt(anchor.capture, offset);
  }

  /** Where token `index` of the anchored capture sits in its document, if it came from one. */
  locateToken(index: number): { document: vscode.TextDocument; range: vscode.Range } | undefined {
    const anchor = this.anchor;
    const offsets = anchor?.capture.offsets[index];
    if (!anchor || !offsets) return undefined;
    const { document, startOffset } = anchor;
    return { document, range: new vscode.Range(document.positionAt(startOffset + offsets[0]), document.positionAt(startOffset + offsets[1])) };
  }

  private update(editor: vscode.TextEditor): void {
    const anchor = this.anchor;
    if (!anchor || editor.document !== anchor.document) return;
    const index = this.tokenUnderCursor(editor);
    this.onCursorToken(index);
    if (!this.enabled || index === undefined) {
      this.clearDecorations(editor);
      return;
    }
    const { capture, startOffset, document } = anchor;
    const layer = Math.min(this.selection.layer, capture.layers - 1);
    const head = this.selection.head === 'mean' ? 'mean' : Math.min(this.selection.head, capture.heads - 1);
    const row = attentionRow(capture, layer, head, index);
    const buckets: vscode.Range[][] = LEVELS.map(() => []);
    for (let j = 0; j <= index; j++) {
      if (row[j] < MIN_WEIGHT) continue;
      const level = Math.min(LEVELS.length - 1, Math.floor(Math.sqrt(row[j]) * LEVELS.length));
      const [start, end] = capture.offsets[j];
      buckets[level].push(new vscode.Range(document.positionAt(startOffset + start), document.positionAt(startOffset + end)));
    }
    this.levels.forEach((type, level) => editor.setDecorations(type, buckets[level]));
    const [qs, qe] = capture.offsets[index];
    editor.setDecorations(this.queryMark, [new vscode.Range(document.positionAt(startOffset + qs), document.positionAt(startOffset + qe))]);
  }

  private clearDecorations(only?: vscode.TextEditor): void {
    for (const editor of only ? [only] : vscode.window.visibleTextEditors) {
      for (const type of [...this.levels, this.queryMark]) editor.setDecorations(type, []);
    }
  }
}
