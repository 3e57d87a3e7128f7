/**
 * The panel's controller: keeps the capture and the selection, mounts the chosen view, answers the
 * host's messages, saves the selection with setState and reports selection changes and paints.
 */

import { fromPanelCapture, withAllLayers, type AttentionCapture } from '../common/attentionData';
import type { PackedProbs } from '../common/probsPacking';
import { MAX_EXPORT_PNG_CHARS, type AttentionViewName, type ToWebviewMessage, type ViewSelection } from '../common/webviewProtocol';
import type { PanelProbeRequest } from '../common/probeProtocol';
import { captureToJson } from './captureExport';
import { ConfidenceView } from './confidenceView';
import { LensView } from './lensView';
import { RolloutView } from './rolloutView';
import { TourView } from './tourView';
import { WhatIfView } from './whatIfView';
import { el } from './domBuilder';
import { keepingFocus } from './focusKeeper';
import { isCausal } from './headMatrix';
import { HeadsOverview } from './headsOverview';
import { HeadView } from './headView';
import { MatrixView } from './matrixView';
import { StatusBanner } from './statusBanner';
import { StepsView } from './stepsView';
import { readThemePalette, type ThemePalette } from './themeColors';
import { Toolbar } from './toolbar';
import { fitSelection, restoreSelection, sameSelection } from './viewSelection';
import type { AttentionView, ProbeState, RenderContext, ViewActions } from './viewTypes';
import type { VsCodeApi } from './vscodeApi';

/** See the module comment. */
export class AttentionApp {
  private capture: AttentionCapture | undefined;
  private causal = true;
  private selection: ViewSelection;
  private cursorToken: number | undefined;
  private palette: ThemePalette;
  private readonly views: Record<AttentionViewName, AttentionView> = {
    matrix: new MatrixView(),
    heads: new HeadsOverview(),
    headView: new HeadView(),
    steps: new StepsView(),
    confidence: new ConfidenceView(),
    rollout: new RolloutView(),
    lens: new LensView(),
    whatIf: new WhatIfView(),
    tour: new TourView(),
  };
  /** Each view's latest probe on this capture, by its number: an answer goes to the view that asked. */
  private readonly probes = new Map<AttentionViewName, ProbeState & { readonly id: number }>();
  private nextProbeId = 1;
  private readonly toolbar: Toolbar;
  private readonly banner = new StatusBanner();
  private readonly viewHost = el('main', { id: 'view', class: 'view-host', tabindex: -1 });
  private readonly actions: ViewActions;
  private lastWidth = 0;
  /** Vectors asked of the host for the current capture and not yet here. */
  private vectorsRequested = false;
  /** A JSON export waiting for what it carries (the other layers, the vectors); it retries when either arrives. */
  private exportWaiting = false;
  /** The host's number for the current capture, which its `layers` message carries. */
  private captureId: number | undefined;
  /** A paint that waits for the other layers (the view or layer shown is not the one that came first). */
  private paintAfterLayers: { start: number; arrivedAt?: number } | undefined;

  constructor(private readonly root: HTMLElement, private readonly api: VsCodeApi) {
    this.selection = restoreSelection(api.getState());
    this.palette = readThemePalette();
    this.actions = {
      select: (patch) => this.select(patch),
      revealToken: (index) => this.api.postMessage({ type: 'revealToken', index }),
      probe: (request) => this.probe(request),
    };
    this.toolbar = new Toolbar({ select: (patch) => this.select(patch), exportView: (format) => this.exportView(format) });
    this.viewHost.append(el('p', { class: 'empty-state' }, 'Waiting for an attention capture from the editor…'));
    root.replaceChildren(this.toolbar.element, this.banner.element, this.viewHost);
    this.watchTheme();
    this.watchSize();
  }

  /** The view and layer shown, which the host sends first when a capture comes. */
  get currentSelection(): ViewSelection {
    return this.selection;
  }

  /** Handles one message from the host. */
  receive(message: ToWebviewMessage): void {
    switch (message.type) {
      case 'capture':
        this.captureId = message.captureId;
        this.showCapture(fromPanelCapture(message.capture));
        return;
      case 'layers':
        this.receiveLayers(message.captureId, message.probs);
        return;
      case 'status':
        this.banner.show(message.text, message.isError);
        return;
      case 'cursorToken':
        this.cursorToken = message.index;
        if (this.capture) this.views[this.selection.view].setCursorToken(message.index);
        return;
      case 'requestExport':
        this.exportView(message.format);
        return;
      case 'vectors':
        this.receiveVectors(message.vectors);
        return;
      case 'probeResult':
      case 'probeFailed':
        this.receiveProbe(message.probeId, message.type === 'probeResult' ? { result: message.result } : { error: message.message });
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  /** Posts a probe for the view shown; an earlier one still on its way is answered for nobody. */
  private probe(request: PanelProbeRequest): void {
    const id = this.nextProbeId++;
    const view = this.selection.view;
    // The host answers only the newest probe: another view's unanswered one never will be, so it is
    // dropped and that view asks again when shown. Answered ones stay with their view.
    for (const [name, state] of this.probes) if (name !== view && !state.result && !state.error) this.probes.delete(name);
    this.probes.set(view, { id, request });
    this.api.postMessage({ type: 'probe', probeId: id, request });
    // The asking view shows that it waits; after the current paint, not inside it.
    queueMicrotask(() => {
      const state = this.probes.get(view);
      if (this.capture && this.selection.view === view && state?.id === id && !state.result && !state.error) this.paint(performance.now(), false);
    });
  }

  private receiveProbe(id: number, answer: { result?: ProbeState['result']; error?: string }): void {
    for (const [view, state] of this.probes) {
      // A late answer to an older probe finds no view; a second answer to one already answered changes nothing.
      if (state.id !== id || state.result || state.error) continue;
      this.probes.set(view, { ...state, ...answer });
      if (this.capture && this.selection.view === view) this.paint(performance.now(), false);
    }
  }

  private showCapture(capture: AttentionCapture): void {
    const start = performance.now();
    const arrivedAt = Date.now();
    this.probes.clear();
    this.capture = capture;
    this.vectorsRequested = false;
    this.exportWaiting = false;
    this.paintAfterLayers = undefined;
    this.causal = isCausal(capture);
    this.banner.clear();
    const fitted = fitSelection(this.selection, capture);
    const changed = !sameSelection(fitted, this.selection);
    this.selection = fitted;
    if (changed) this.saveAndReport();
    this.paint(start, true, arrivedAt);
  }

  /** Asks the host for q/k/v and the embeddings once, when a view or an export needs them. */
  private requestVectors(): boolean {
    const capture = this.capture;
    if (!capture?.vectorsOnRequest) return false;
    if (!this.vectorsRequested) {
      this.vectorsRequested = true;
      this.api.postMessage({ type: 'needVectors' });
    }
    return true;
  }

  private receiveLayers(captureId: number, probs: PackedProbs): void {
    const capture = this.capture;
    // A late answer for an earlier capture, or layers already here: nothing to do.
    if (!capture || captureId !== this.captureId || capture.onlyLayer === undefined) return;
    this.capture = withAllLayers(capture, probs);
    this.causal = isCausal(this.capture);
    const waiting = this.paintAfterLayers;
    this.paintAfterLayers = undefined;
    if (waiting) {
      this.banner.clear();
      this.paint(waiting.start, false, waiting.arrivedAt);
    }
    this.retryExport();
  }

  private receiveVectors(vectors: Partial<AttentionCapture>): void {
    const capture = this.capture;
    if (!capture?.vectorsOnRequest) return;
    this.capture = { ...capture, ...vectors, vectorsOnRequest: false };
    this.banner.clear();
    if (this.selection.view === 'steps' || this.selection.view === 'tour') this.paint(performance.now(), false);
    this.retryExport();
  }

  /** A JSON export that was waiting tries again: it goes out, or waits for what is still missing. */
  private retryExport(): void {
    if (!this.exportWaiting) return;
    this.exportWaiting = false;
    this.exportView('json');
  }

  private select(patch: Partial<ViewSelection>): void {
    const capture = this.capture;
    if (!capture) return;
    const start = performance.now();
    const next = fitSelection({ ...this.selection, ...patch }, capture);
    if (sameSelection(next, this.selection)) return;
    const viewChanged = next.view !== this.selection.view;
    this.selection = next;
    this.saveAndReport();
    this.paint(start, viewChanged);
  }

  private saveAndReport(): void {
    // Only the selection: the capture is large and the host sends it again on reload.
    this.api.setState({ selection: this.selection });
    this.api.postMessage({ type: 'selectionChanged', selection: this.selection });
  }

  /** Renders the current view and posts `rendered` once the frame is on screen. */
  private paint(start: number, moveFocus: boolean, arrivedAt?: number): void {
    const capture = this.capture;
    if (!capture) return;
    if (capture.onlyLayer !== undefined && (this.selection.view === 'heads' || this.selection.layer !== capture.onlyLayer || (this.selection.view === 'rollout' && this.selection.layer > 0))) {
      // Only the layer that came first is here: wait for the rest rather than draw zeros (rollout reads every layer up to the one shown).
      this.paintAfterLayers = { start, arrivedAt };
      this.toolbar.update(capture, this.selection);
      this.banner.show('Loading the other layers…', false);
      this.viewHost.replaceChildren(el('p', { class: 'empty-state' }, 'Loading the other layers…'));
      return;
    }
    if (this.paintAfterLayers) {
      // Back on the layer that is here: draw it, and drop the wait.
      this.paintAfterLayers = undefined;
      this.banner.clear();
    }
    if ((this.selection.view === 'steps' || this.selection.view === 'tour') && this.requestVectors()) {
      this.banner.show('Loading the queries, keys and values…', false);
    }
    const view = this.views[this.selection.view];
    const focusWasInView = this.viewHost.contains(document.activeElement);
    this.toolbar.update(capture, this.selection);
    this.lastWidth = this.viewHost.clientWidth || this.root.clientWidth || window.innerWidth;
    // A repaint of the same view keeps the keyboard on the control it was on.
    keepingFocus(this.viewHost, () => {
      view.render(this.context(capture));
      if (this.viewHost.firstElementChild !== view.element) this.viewHost.replaceChildren(view.element);
    });
    // Opening a view from inside another (a row label, a thumbnail) puts the keyboard where the new view starts.
    if (moveFocus && focusWasInView) this.focusView();
    const name = this.selection.view;
    // rAF runs just before the frame is painted; the task after it runs once it has been.
    requestAnimationFrame(() => setTimeout(() => this.api.postMessage({ type: 'rendered', view: name, ms: performance.now() - start, ...(arrivedAt === undefined ? {} : { arrivedAt }) }), 0));
  }

  private focusView(): void {
    const target = this.viewHost.querySelector<HTMLElement>('.matrix-cells, .head-thumb[tabindex="0"], .hv-token[tabindex="0"], #steps-query, .conf-token[tabindex="0"], .tour-screen, .view-focus') ?? this.viewHost;
    target.focus();
  }

  private context(capture: AttentionCapture): RenderContext {
    return { capture, selection: this.selection, palette: this.palette, causal: this.causal, cursorToken: this.cursorToken, width: this.lastWidth, actions: this.actions, probe: this.probes.get(this.selection.view) };
  }

  private exportView(format: 'png' | 'json'): void {
    const capture = this.capture;
    if (!capture) return;
    if (format === 'png') {
      const dataUrl = this.views[this.selection.view].exportCanvas().toDataURL('image/png');
      if (dataUrl.length > MAX_EXPORT_PNG_CHARS) {
        this.banner.show(`This view is too large to export as PNG (${Math.round(dataUrl.length / (1024 * 1024))} MB as a data URL, over ${MAX_EXPORT_PNG_CHARS / (1024 * 1024)} MB). Show attention for fewer tokens and export again.`, true);
        return;
      }
      this.api.postMessage({ type: 'export', format: 'png', dataUrl });
    } else if (capture.onlyLayer !== undefined) {
      this.exportWaiting = true; // the export carries every layer: it goes out when they arrive
    } else if (this.requestVectors()) {
      this.exportWaiting = true; // the export carries q/k/v: it goes out when they arrive
    } else {
      const exported = captureToJson(capture, this.selection);
      if ('tooLarge' in exported) this.banner.show(exported.tooLarge, true);
      else this.api.postMessage({ type: 'export', format: 'json', json: exported.json });
    }
  }

  /** VS Code swaps the theme by changing <body>'s class and <html>'s inline variables: repaint with the new colours. */
  private watchTheme(): void {
    const observer = new MutationObserver(() => {
      this.palette = readThemePalette();
      if (this.capture) this.paint(performance.now(), false);
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }

  /** The matrix and overview size their cells to the panel; repaint when its width changes noticeably. */
  private watchSize(): void {
    let pending = 0;
    new ResizeObserver(() => {
      const width = this.viewHost.clientWidth;
      if (!this.capture || Math.abs(width - this.lastWidth) < 24) return;
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => this.paint(performance.now(), false));
    }).observe(this.viewHost);
  }
}
