/** What every view of the panel gets to draw with, and what it offers back. */

import type { AttentionCapture } from '../common/attentionData';
import type { PanelProbeRequest, ProbeResult } from '../common/probeProtocol';
import type { ViewSelection } from '../common/webviewProtocol';
import type { ThemePalette } from './themeColors';

/** Things a view may ask the panel to do. */
export interface ViewActions {
  /** Changes the selection (switching views, layer, head, query token…). */
  select(patch: Partial<ViewSelection>): void;
  /** Asks the host to reveal token `index` in the editor. */
  revealToken(index: number): void;
  /** Asks the host for another forward pass (logit lens, what if); the answer comes as `RenderContext.probe`. */
  probe(request: PanelProbeRequest): void;
}

/** The latest probe the panel asked for, and its answer once it came. */
export interface ProbeState {
  readonly request: PanelProbeRequest;
  readonly result?: ProbeResult;
  readonly error?: string;
}

/** Everything one paint needs. */
export interface RenderContext {
  readonly capture: AttentionCapture;
  readonly selection: ViewSelection;
  readonly palette: ThemePalette;
  /** True when every probability above the diagonal is 0 (a causal model), so that triangle is drawn as masked. */
  readonly causal: boolean;
  readonly cursorToken: number | undefined;
  /** Width available to the view, in CSS pixels. */
  readonly width: number;
  readonly actions: ViewActions;
  /** The latest probe on this capture (undefined before the first). */
  readonly probe?: ProbeState;
}

/** One of the panel's views. */
export interface AttentionView {
  /** The view's root element; the panel mounts it while the view is shown. */
  readonly element: HTMLElement;
  /** Draws the view for `context` (called on every capture, selection or theme change). */
  render(context: RenderContext): void;
  /** Highlights the token under the editor's cursor (undefined: none) without a full repaint. */
  setCursorToken(index: number | undefined): void;
  /** The view as one picture, for the PNG export. */
  exportCanvas(): HTMLCanvasElement;
}
