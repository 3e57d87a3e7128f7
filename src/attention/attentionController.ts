/** The attention commands: capture text through the model, show it in the panel, shade the editor. */

import * as vscode from 'vscode';
import { cutSentence, type AttentionCapture } from '../common/attentionData';
import type { FromWebviewMessage } from '../common/webviewProtocol';
import { Disposable } from '../common/disposable';
import { COMMANDS } from '../host/commandIds';
import type { Producer } from '../host/activeEngine';
import type { RecentOutputs } from '../host/recentOutputs';
import { readVsCodeSettings } from '../host/vscodeSettings';
import type { ModelService } from '../inference/modelService';
import { isSecretFile, secretFileRefusal } from '../common/secretFiles';
import { ATTENTION_VIEW_TYPE, AttentionPanel } from './attentionPanel';
import { EditorOverlay } from './editorOverlay';

interface PendingPaint {
  readonly startedAt: number;
  /** The same moment on the wall clock, which the webview shares. */
  readonly startedEpoch: number;
  readonly forwardMs: number;
  /** Command start to the capture's arrival in the host (queue, forward pass, transfer from the worker). */
  readonly answeredMs: number;
  readonly tokens: number;
}

/**
 * Characters per token that Show Attention reads at most before the worker's token cut: code
 * averages about 3, so a huge selection is cut here, on the host, and never copied whole.
 */
const MAX_CHARS_PER_TOKEN = 16;

/** Text to capture and where it sits in a document (if it does). */
interface CaptureSource {
  readonly text: string;
  readonly origin: AttentionCapture['origin'];
  readonly document?: vscode.TextDocument;
  readonly startOffset: number;
  /** Who wrote the text's suggestion; the engine serving now when the text is the user's own. */
  readonly producer?: Producer;
}

/** See the module comment. */
export class AttentionController extends Disposable {
  private readonly panel: AttentionPanel;
  private readonly overlay: EditorOverlay;
  private pendingPaint: PendingPaint | undefined;
  /** True while an export's save dialog is open or its file is being written. */
  private exporting = false;
  /** The last time from command to painted heatmap, for tests and the benchmark. */
  lastPaint: { tokens: number; forwardMs: number; totalMs: number } | undefined;

  constructor(
    context: vscode.ExtensionContext,
    private readonly models: ModelService,
    private readonly recent: RecentOutputs,
    private readonly log: vscode.OutputChannel,
    /** The engine writing suggestions now: with a remote one, the panel says whose attention it shows. */
    private readonly currentProducer: () => Producer,
  ) {
    super();
    this.overlay = this.register(new EditorOverlay((index) => this.panel.post({ type: 'cursorToken', index })));
    this.panel = this.register(
      new AttentionPanel(
        context.extensionUri,
        {
          onSelection: (selection) => this.overlay.setSelection(selection),
          onRevealToken: (index) => this.revealToken(index),
          onRendered: (view, ms, arrivedAt) => this.rendered(view, ms, arrivedAt),
          onExport: (message) => void this.saveExport(message).catch((error) => this.exportFailed(error)),
          onProbe: (message, capture) => void this.probe(message, capture),
          onClosed: () => this.overlay.clear(),
        },
        log,
      ),
    );
    this.register(
      vscode.window.registerWebviewPanelSerializer(ATTENTION_VIEW_TYPE, {
        deserializeWebviewPanel: async (restored) => this.panel.attach(restored),
      }),
    );
    const command = (id: string, run: () => unknown) => this.register(vscode.commands.registerCommand(id, run));
    command(COMMANDS.showAttention, () => this.showForEditor());
    command(COMMANDS.explainLastCompletion, () => this.showRecent('completion'));
    command(COMMANDS.showAttentionForDocComment, () => this.showRecent('summary'));
    command(COMMANDS.toggleAttentionOverlay, () => {
      this.overlay.setEnabled(!this.overlay.isEnabled);
      void vscode.window.setStatusBarMessage(`Attention Lens: editor overlay ${this.overlay.isEnabled ? 'on' : 'off'}`, 3000);
    });
    command(COMMANDS.exportAttentionPng, () => this.requestExport('png'));
    command(COMMANDS.exportAttentionJson, () => this.requestExport('json'));
  }

  private settings() {
    return readVsCodeSettings('attention');
  }

  /** Show Attention: the selection, or the lines around the cursor. */
  private async showForEditor(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Attention Lens: open a file and select some code (or put the cursor in it) first.');
      return;
    }
    const { document, selection } = editor;
    if (isSecretFile(document.fileName)) {
      void vscode.window.showInformationMessage(secretFileRefusal(document.fileName));
      return;
    }
    const settings = this.settings();
    let range: vscode.Range = selection;
    if (selection.isEmpty) {
      const line = selection.active.line;
      const first = Math.max(0, line - settings.linesAround);
      range = new vscode.Range(first, 0, line, document.lineAt(line).text.length);
    }
    // The panel keeps the end of long text; cut it here so a 5 MB selection never leaves the host whole.
    const endOffset = document.offsetAt(range.end);
    const keptStart = Math.max(document.offsetAt(range.start), endOffset - settings.maxTokens * MAX_CHARS_PER_TOKEN);
    range = new vscode.Range(document.positionAt(keptStart), range.end);
    const text = document.getText(range);
    const where = `${vscode.workspace.asRelativePath(document.uri)}:${range.start.line + 1}-${range.end.line + 1}`;
    await this.capture({
      text,
      origin: { kind: selection.isEmpty ? 'cursor' : 'selection', label: where },
      document,
      startOffset: document.offsetAt(range.start),
    });
  }

  private async showRecent(kind: 'completion' | 'summary'): Promise<void> {
    const recent = kind === 'completion' ? this.recent.lastCompletion : this.recent.lastSummary;
    if (!recent) {
      const what = kind === 'completion' ? 'an inline completion' : 'a doc comment';
      void vscode.window.showInformationMessage(`Attention Lens: there is nothing to explain yet — get ${what} first.`);
      return;
    }
    const label = kind === 'completion' ? `last completion in ${recent.fileName}` : `last doc comment in ${recent.fileName}`;
    // The suggestion's own characters, so the panel can tell the model's writing from its prompt (confidence).
    await this.capture({ text: recent.context + recent.output, origin: { kind, label, outputChars: recent.output.length }, startOffset: 0, producer: recent.producer });
  }

  private async capture(source: CaptureSource): Promise<void> {
    if (!source.text.trim()) {
      void vscode.window.showInformationMessage('Attention Lens: the selection is empty.');
      return;
    }
    const startedAt = performance.now();
    const startedEpoch = Date.now();
    const settings = this.settings();
    try {
      const event = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Attention Lens: reading attention…' },
        () => this.models.attention({ text: source.text, maxTokens: settings.maxTokens, budgetBytes: settings.memoryBudgetMB * 1024 * 1024, origin: source.origin }),
      );
      const producer = source.producer ?? this.currentProducer();
      const capture: AttentionCapture = producer.kind === 'remote' ? { ...event.capture, standInFor: { model: producer.model, host: producer.host } } : event.capture;
      // A cut keeps the end of the text, so the kept text starts later in the document.
      const startOffset = source.startOffset + (source.text.length - capture.text.length);
      this.pendingPaint = { startedAt, startedEpoch, forwardMs: event.forwardMs, answeredMs: Math.round(performance.now() - startedAt), tokens: capture.tokens.length };
      this.panel.show(capture);
      this.overlay.setCapture(capture, source.text.endsWith(capture.text) ? source.document : undefined, startOffset);
      if (capture.cut) this.log.appendLine(`[attention] ${cutSentence(capture.cut)}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.appendLine(`[attention] ${message}`);
      this.panel.showStatus(`Could not read attention: ${message}`, true);
    }
  }

  private rendered(view: string, ms: number, arrivedAt: number | undefined): void {
    const pending = this.pendingPaint;
    if (!pending) return;
    this.pendingPaint = undefined;
    const totalMs = Math.round(performance.now() - pending.startedAt);
    this.lastPaint = { tokens: pending.tokens, forwardMs: pending.forwardMs, totalMs };
    this.log.appendLine(`[attention] capture in the host ${pending.answeredMs} ms after the command`);
    if (arrivedAt !== undefined) this.log.appendLine(`[attention] capture in the panel ${Math.round(arrivedAt - pending.startedEpoch)} ms after the command`);
    this.log.appendLine(
      `[attention] ${pending.tokens} tokens: forward pass ${pending.forwardMs} ms, ${view} painted in ${Math.round(ms)} ms; command to painted ${totalMs} ms`,
    );
  }

  /** Runs the panel's probe on the worker and posts the answer (or why there is none) back. */
  private async probe(message: Extract<FromWebviewMessage, { type: 'probe' }>, capture: AttentionCapture): Promise<void> {
    try {
      const result = await this.models.probe({ ...message.request, tokenIds: capture.tokenIds });
      // A capture replaced meanwhile: its panel no longer asks about these tokens.
      if (this.panel.current === capture) this.panel.post({ type: 'probeResult', probeId: message.probeId, result });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.log.appendLine(`[attention] probe failed: ${text}`);
      if (this.panel.current === capture) this.panel.post({ type: 'probeFailed', probeId: message.probeId, message: text });
    }
  }

  private revealToken(index: number): void {
    const location = this.overlay.locateToken(index);
    const editor = location && vscode.window.visibleTextEditors.find((e) => e.document === location.document);
    if (!location || !editor) return;
    editor.selection = new vscode.Selection(location.range.start, location.range.start);
    editor.revealRange(location.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private requestExport(format: 'png' | 'json'): void {
    if (!this.panel.isOpen || !this.panel.current) {
      void vscode.window.showInformationMessage('Attention Lens: run Show Attention first.');
      return;
    }
    this.panel.post({ type: 'requestExport', format });
  }

  private async saveExport(message: Extract<FromWebviewMessage, { type: 'export' }>): Promise<void> {
    // One save dialog at a time: a panel that posts exports in a loop must not stack dialogs.
    if (this.exporting) {
      this.log.appendLine('[attention] an export from the panel arrived while the last one was being saved; ignored');
      return;
    }
    this.exporting = true;
    try {
      await this.saveExportNow(message);
    } finally {
      this.exporting = false;
    }
  }

  private exportFailed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.appendLine(`[attention] export failed: ${message}`);
    void vscode.window.showErrorMessage(`Attention Lens: could not export the view: ${message}`);
  }

  private async saveExportNow(message: Extract<FromWebviewMessage, { type: 'export' }>): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      filters: message.format === 'png' ? { 'PNG image': ['png'] } : { JSON: ['json'] },
      saveLabel: 'Export',
      title: 'Attention Lens: export the current view',
    });
    if (!target) return;
    const bytes =
      message.format === 'png'
        ? Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64')
        : Buffer.from(message.json, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Attention Lens: exported to ${target.fsPath}`);
  }
}
