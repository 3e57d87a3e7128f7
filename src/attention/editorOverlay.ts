/**
 * With the panel open, shades in the editor the tokens that the token under the cursor attends
 * to (the panel's layer and head, or the mean over heads), updated as the cursor moves. With the
 * panel on Rollout it shades the cursor token's rollout row up to the panel's layer instead; on
 * Confidence, independent of the cursor, every token the model was unsure of, with a hover.
 */

import * as vscode from 'vscode';
import type { AttentionCapture } from '../common/attentionData';
import type { ViewSelection } from '../common/webviewProtocol';
import { Disposable } from '../common/disposable';
import { attentionRolloutRow } from '../common/attentionRollout';
import { attentionRow, shadedTokens, tokenAt } from './attentionRows';
import { confidenceHover, unsureTokens } from './confidenceShading';

/** Shades from faint to strong; a weight picks the nearest. */
const LEVELS = [0.12, 0.22, 0.34, 0.48, 0.62];

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
  // Red, unlike the attention shades: "unsure" is a different reading from "attended to".
  private readonly unsureLevels = LEVELS.map((alpha) =>
    this.register(
      vscode.window.createTextEditorDecorationType({
        light: { backgroundColor: `rgba(210, 30, 30, ${alpha})` },
        dark: { backgroundColor: `rgba(255, 80, 80, ${alpha})` },
        borderRadius: '2px',
      }),
    ),
  );
  private anchor: Anchor | undefined;
  private selection: Pick<ViewSelection, 'view' | 'layer' | 'head'> = { view: 'matrix', layer: 0, head: 'mean' };
  /** The editor the confidence shading was last drawn in: it does not follow the cursor, so it is drawn once. */
  private confidenceDrawnIn: vscode.TextEditor | undefined;
  /** The last rollout row, so moves within one token do not recompute it. */
  private rolloutRow: { readonly capture: AttentionCapture; readonly layer: number; readonly index: number; readonly row: Float32Array } | undefined;
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
    this.rolloutRow = undefined;
    this.anchor = document ? { capture, document, startOffset, version: document.version } : undefined;
    const editor = vscode.window.activeTextEditor;
    if (editor) this.update(editor);
  }

  /** Follows the panel's view, layer and head. */
  setSelection(selection: Pick<ViewSelection, 'view' | 'layer' | 'head'>): void {
    this.selection = { view: selection.view, layer: selection.layer, head: selection.head };
    this.confidenceDrawnIn = undefined;
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
    this.rolloutRow = undefined;
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
    if (!this.enabled) return this.clearDecorations(editor);
    if (this.selection.view === 'confidence') return this.showConfidence(editor, anchor);
    this.confidenceDrawnIn = undefined;
    for (const type of this.unsureLevels) editor.setDecorations(type, []);
    if (index === undefined) return this.clearDecorations(editor);
    const { capture } = anchor;
    const layer = Math.min(this.selection.layer, capture.layers - 1);
    const row = this.selection.view === 'rollout' ? this.rollout(capture, layer, index) : this.attention(capture, layer, index);
    const buckets: vscode.Range[][] = LEVELS.map(() => []);
    for (const { token, level } of shadedTokens(row, index, LEVELS.length)) buckets[level].push(this.rangeOf(anchor, token));
    this.levels.forEach((type, level) => editor.setDecorations(type, buckets[level]));
    editor.setDecorations(this.queryMark, [this.rangeOf(anchor, index)]);
  }

  private attention(capture: AttentionCapture, layer: number, index: number): Float32Array {
    const head = this.selection.head === 'mean' ? 'mean' : Math.min(this.selection.head, capture.heads - 1);
    return attentionRow(capture, layer, head, index);
  }

  private rollout(capture: AttentionCapture, layer: number, index: number): Float32Array {
    const last = this.rolloutRow;
    if (last && last.capture === capture && last.layer === layer && last.index === index) return last.row;
    const row = attentionRolloutRow(capture.probs, index, layer);
    this.rolloutRow = { capture, layer, index, row };
    return row;
  }

  /** Shades every token the model gave under CONFIDENT_PROB, once per editor and selection. */
  private showConfidence(editor: vscode.TextEditor, anchor: Anchor): void {
    if (this.confidenceDrawnIn === editor) return;
    for (const type of [...this.levels, this.queryMark]) editor.setDecorations(type, []);
    const { capture } = anchor;
    const buckets: vscode.DecorationOptions[][] = LEVELS.map(() => []);
    if (capture.predictions) {
      for (const { token, level } of unsureTokens(capture.predictions, capture.tokens.length, LEVELS.length)) {
        const hover = confidenceHover(capture.predictions, capture.tokens, token);
        buckets[level].push({ range: this.rangeOf(anchor, token), hoverMessage: hover ? new vscode.MarkdownString().appendText(hover) : undefined });
      }
    }
    this.unsureLevels.forEach((type, level) => editor.setDecorations(type, buckets[level]));
    this.confidenceDrawnIn = editor;
  }

  private rangeOf(anchor: Anchor, token: number): vscode.Range {
    const { document, startOffset } = anchor;
    const [start, end] = anchor.capture.offsets[token];
    return new vscode.Range(document.positionAt(startOffset + start), document.positionAt(startOffset + end));
  }

  private clearDecorations(only?: vscode.TextEditor): void {
    for (const editor of only ? [only] : vscode.window.visibleTextEditors) {
      for (const type of [...this.levels, ...this.unsureLevels, this.queryMark]) editor.setDecorations(type, []);
    }
    this.confidenceDrawnIn = undefined;
  }
}
