/**
 * The attention panel: one webview that shows the last capture. The host keeps the capture and
 * sends it again whenever the webview (re)loads; the webview keeps its own view selection.
 */

import * as vscode from 'vscode';
import { formatBytes } from '../common/attentionBudget';
import { captureHeldBytes, splitVectors, toPanelCapture, type AttentionCapture } from '../common/attentionData';
import { packProbs } from '../common/probsPacking';
import type { FromWebviewMessage, ToWebviewMessage, ViewSelection } from '../common/webviewProtocol';
import { Disposable } from '../common/disposable';
import { attentionPanelHtml } from './attentionPanelHtml';
import { WebviewInbox } from './webviewInbox';

export const ATTENTION_VIEW_TYPE = 'attentionLens.attention';
/** Longest the other layers wait for the first one's paint (a panel hidden behind another tab paints late). */
const LAYERS_DELAY_LIMIT_MS = 1500;

export interface PanelEvents {
  readonly onSelection: (selection: ViewSelection) => void;
  readonly onRevealToken: (index: number) => void;
  readonly onRendered: (view: string, ms: number, arrivedAt: number | undefined) => void;
  readonly onExport: (message: Extract<FromWebviewMessage, { type: 'export' }>) => void;
  /** The panel asks another forward pass about `capture`, the one it shows. */
  readonly onProbe: (message: Extract<FromWebviewMessage, { type: 'probe' }>, capture: AttentionCapture) => void;
  readonly onClosed: () => void;
}

/** See the module comment. At most one panel exists; `show` reuses it. */
export class AttentionPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private capture: AttentionCapture | undefined;
  /** Numbers the captures posted, so the webview can match a `layers` message to its capture. */
  private captureId = 0;
  /** What the panel shows, as it last reported: its layer goes first. */
  private selection: ViewSelection | undefined;
  private status: { text: string; isError: boolean } | undefined;
  /** The other layers of the capture just posted, sent once its first layer is painted (or soon, whatever comes first). */
  private pendingLayers: { readonly send: () => void; readonly timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly events: PanelEvents,
    private readonly log: vscode.OutputChannel,
  ) {
    super();
  }

  /** True while the panel is open. */
  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** The capture shown now. */
  get current(): AttentionCapture | undefined {
    return this.capture;
  }

  /** Opens (or reveals) the panel. */
  reveal(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      ATTENTION_VIEW_TYPE,
      'Attention Lens',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
      },
    );
    this.attach(panel);
  }

  /** Takes over a panel VS Code restored after a reload. */
  attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    panel.webview.html = attentionPanelHtml(panel.webview, this.extensionUri, vscode.Uri.joinPath);
    const listeners = [
      panel.webview.onDidReceiveMessage((raw: unknown) => this.inbox.receive(raw)),
      panel.onDidDispose(() => {
        listeners.forEach((l) => l.dispose());
        this.inbox.drop();
        this.panel = undefined;
        this.release();
        this.events.onClosed();
      }),
    ];
  }

  /** Drops the capture once nobody can see it: a closed panel must not keep its megabytes alive. */
  private release(): void {
    this.flushLayers(false);
    const capture = this.capture;
    this.capture = undefined;
    this.status = undefined;
    this.selection = undefined;
    if (capture) this.log.appendLine(`[attention] panel closed; its capture (${formatBytes(captureHeldBytes(capture))}) was released`);
  }

  /** Shows a capture (opening the panel). */
  show(capture: AttentionCapture): void {
    this.capture = capture;
    this.status = undefined;
    this.reveal();
    if (this.panel) this.panel.title = `Attention: ${capture.origin.label}`;
    this.postCapture();
  }

  /**
   * The capture without its vectors (the webview asks for those when a view needs them), with the
   * probabilities of the layer the panel shows, then all layers. The heads overview needs them all at once.
   */
  private postCapture(): void {
    const capture = this.capture;
    if (!capture) return;
    const captureId = ++this.captureId;
    const firstLayer = this.selection?.view === 'heads' ? undefined : Math.min(this.selection?.layer ?? 0, capture.layers - 1);
    const panelCapture = toPanelCapture(capture, firstLayer);
    this.flushLayers(false);
    this.post({ type: 'capture', captureId, capture: panelCapture });
    if (panelCapture.probsLayer === undefined) return;
    // Posted together, the megabytes of all layers travel in the same turn as the first layer and
    // hold it back (through code-server, one channel carries both): they go once it is painted.
    const send = () => this.post({ type: 'layers', captureId, probs: packProbs(capture.probs) });
    this.pendingLayers = { send, timer: setTimeout(() => this.flushLayers(true), LAYERS_DELAY_LIMIT_MS) };
  }

  /** Sends (or, with `send` false, drops) the other layers still held back. */
  private flushLayers(send: boolean): void {
    const pending = this.pendingLayers;
    this.pendingLayers = undefined;
    if (!pending) return;
    clearTimeout(pending.timer);
    if (send) pending.send();
  }

  /** Shows a note or an error in the panel. */
  showStatus(text: string, isError: boolean): void {
    this.status = { text, isError };
    this.reveal();
    this.post({ type: 'status', text, isError });
  }

  /** Sends a message; a no-op once the panel is gone. */
  post(message: ToWebviewMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  /** The panel's messages, validated and coalesced (see WebviewInbox); what each one does here. */
  private readonly inbox = new WebviewInbox(
    {
      ready: (message) => {
        this.selection = message.selection;
        this.postCapture();
        if (this.status) this.post({ type: 'status', ...this.status });
      },
      needVectors: () => {
        if (this.capture) this.post({ type: 'vectors', vectors: splitVectors(this.capture).vectors });
      },
      selectionChanged: (message) => {
        this.selection = message.selection;
        this.events.onSelection(message.selection);
      },
      revealToken: (message) => this.events.onRevealToken(message.index),
      probe: (message) => {
        if (this.capture) this.events.onProbe(message, this.capture);
      },
      export: (message) => this.events.onExport(message),
      rendered: (message) => {
        this.flushLayers(true);
        this.events.onRendered(message.view, message.ms, message.arrivedAt);
      },
    },
    () => this.capture && { layers: this.capture.layers, heads: this.capture.heads, tokens: this.capture.tokens.length },
    (line) => this.log.appendLine(line),
  );

  override dispose(): void {
    this.flushLayers(false);
    this.inbox.drop();
    this.panel?.dispose();
    super.dispose();
  }
}
