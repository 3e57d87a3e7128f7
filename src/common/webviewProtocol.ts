/** Messages between the extension host and the attention panel's webview. */

import type { CaptureVectors, PanelCapture } from './attentionData';
import type { PackedProbs } from './probsPacking';
import type { PanelProbeRequest, ProbeResult } from './probeProtocol';

/** The largest PNG export (as a data URL) and JSON export the host takes in one message. */
export const MAX_EXPORT_PNG_CHARS = 64 * 1024 * 1024;
export const MAX_EXPORT_JSON_CHARS = 256 * 1024 * 1024;

export type AttentionViewName = 'matrix' | 'heads' | 'headView' | 'steps' | 'confidence' | 'rollout' | 'lens' | 'whatIf' | 'tour';

/** Most tokens one probe may mask, and most heads it may knock out. */
export const MAX_PROBE_MASKED = 64;
export const MAX_PROBE_KNOCKOUTS = 256;

/** The view and selection the panel shows; kept by the webview with setState, reported to the host. */
export interface ViewSelection {
  readonly view: AttentionViewName;
  readonly layer: number;
  /** A head index, or 'mean' for the average over heads. */
  readonly head: number | 'mean';
  /** Heads drawn together in the head view. */
  readonly heads: readonly number[];
  /** The query token of the step-by-step view. */
  readonly queryToken: number;
}

/** Host → webview. */
export type ToWebviewMessage =
  /** A new capture; `captureId` ties a later `layers` message to it. */
  | { readonly type: 'capture'; readonly captureId: number; readonly capture: PanelCapture }
  /** All layers' probabilities of capture `captureId`, after a capture that carried one layer. */
  | { readonly type: 'layers'; readonly captureId: number; readonly probs: PackedProbs }
  /** The q/k/v and embeddings of the current capture, answering `needVectors`. */
  | { readonly type: 'vectors'; readonly vectors: CaptureVectors }
  | { readonly type: 'status'; readonly text: string; readonly isError: boolean }
  /** The editor cursor moved onto token `index` (or off every token). */
  | { readonly type: 'cursorToken'; readonly index: number | undefined }
  /** The worker's answer to the panel's `probe` number `probeId` (only the latest probe is answered). */
  | { readonly type: 'probeResult'; readonly probeId: number; readonly result: ProbeResult }
  | { readonly type: 'probeFailed'; readonly probeId: number; readonly message: string }
  /** Asks the webview to export the current view (the host clicked Export in a command). */
  | { readonly type: 'requestExport'; readonly format: 'png' | 'json' };

/** Webview → host. */
export type FromWebviewMessage =
  /** The panel's script started; with the view and layer it restored, so the first capture can send that layer first. */
  | { readonly type: 'ready'; readonly selection?: ViewSelection }
  /** A view needs the current capture's q/k/v and embeddings (see AttentionCapture.vectorsOnRequest). */
  | { readonly type: 'needVectors' }
  | { readonly type: 'selectionChanged'; readonly selection: ViewSelection }
  /** The user picked a token in a view (the host reveals it in the editor). */
  | { readonly type: 'revealToken'; readonly index: number }
  /**
   * Another forward pass about the capture shown: the logit lens at a position, or "what if" with
   * tokens masked or heads knocked out. Probes in one event-loop turn fold into the last.
   */
  | { readonly type: 'probe'; readonly probeId: number; readonly request: PanelProbeRequest }
  /** An export produced in the webview: PNG as a data URL, JSON as text. */
  | { readonly type: 'export'; readonly format: 'png'; readonly dataUrl: string }
  | { readonly type: 'export'; readonly format: 'json'; readonly json: string }
  /**
   * The webview finished drawing: `ms` since the capture arrived (or the selection changed), and for
   * the paint of a new capture, when it arrived (epoch ms: host and webview share the clock), so the
   * host's log can tell the transfer from the drawing.
   */
  | { readonly type: 'rendered'; readonly view: AttentionViewName; readonly ms: number; readonly arrivedAt?: number };

const VIEWS: readonly AttentionViewName[] = ['matrix', 'heads', 'headView', 'steps', 'confidence', 'rollout', 'lens', 'whatIf', 'tour'];

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function parseSelection(value: unknown): ViewSelection | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Record<string, unknown>;
  if (!VIEWS.includes(s.view as AttentionViewName)) return undefined;
  if (!isInt(s.layer, 0, 1023) || !isInt(s.queryToken, 0, 1 << 20)) return undefined;
  if (!(s.head === 'mean' || isInt(s.head, 0, 1023))) return undefined;
  if (!Array.isArray(s.heads) || s.heads.length > 1024) return undefined;
  // An index loop, not `every`, which skips the holes of a sparse array; the copy keeps nothing else of it.
  const heads: number[] = [];
  for (let i = 0; i < s.heads.length; i++) {
    const h: unknown = s.heads[i];
    if (!isInt(h, 0, 1023)) return undefined;
    heads.push(h);
  }
  return { view: s.view as AttentionViewName, layer: s.layer, head: s.head as number | 'mean', heads, queryToken: s.queryToken };
}

/** A list of at most `max` integers in [0, limit]; undefined when anything else. */
function intList(value: unknown, max: number, limit: number): number[] | undefined {
  if (!Array.isArray(value) || value.length > max) return undefined;
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (!isInt(item, 0, limit)) return undefined;
    out.push(item);
  }
  return out;
}

function parseProbeRequest(value: unknown): PanelProbeRequest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (!isInt(r.position, 0, 1 << 20) || typeof r.lens !== 'boolean' || typeof r.continuation !== 'boolean') return undefined;
  const maskedPositions = intList(r.maskedPositions, MAX_PROBE_MASKED, 1 << 20);
  if (!maskedPositions || !Array.isArray(r.knockedOutHeads) || r.knockedOutHeads.length > MAX_PROBE_KNOCKOUTS) return undefined;
  const knockedOutHeads: { layer: number; head: number }[] = [];
  for (let i = 0; i < r.knockedOutHeads.length; i++) {
    const h: unknown = r.knockedOutHeads[i];
    if (typeof h !== 'object' || h === null) return undefined;
    const { layer, head } = h as Record<string, unknown>;
    if (!isInt(layer, 0, 1023) || !isInt(head, 0, 1023)) return undefined;
    knockedOutHeads.push({ layer, head });
  }
  return { position: r.position, lens: r.lens, maskedPositions: [...new Set(maskedPositions)].sort((a, b) => a - b), knockedOutHeads, continuation: r.continuation };
}

/** Validates a message from the webview at run time (webview content is never trusted); undefined if malformed. */
export function parseFromWebview(message: unknown): FromWebviewMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready': {
      const selection = parseSelection(m.selection);
      return selection ? { type: 'ready', selection } : { type: 'ready' };
    }
    case 'needVectors':
      return { type: 'needVectors' };
    case 'selectionChanged': {
      const selection = parseSelection(m.selection);
      return selection ? { type: 'selectionChanged', selection } : undefined;
    }
    case 'revealToken':
      return isInt(m.index, 0, 1 << 20) ? { type: 'revealToken', index: m.index } : undefined;
    case 'probe': {
      const request = parseProbeRequest(m.request);
      return request && isInt(m.probeId, 0, Number.MAX_SAFE_INTEGER) ? { type: 'probe', probeId: m.probeId, request } : undefined;
    }
    case 'export':
      if (m.format === 'png' && typeof m.dataUrl === 'string' && m.dataUrl.startsWith('data:image/png;base64,') && m.dataUrl.length <= MAX_EXPORT_PNG_CHARS) {
        return { type: 'export', format: 'png', dataUrl: m.dataUrl };
      }
      if (m.format === 'json' && typeof m.json === 'string' && m.json.length <= MAX_EXPORT_JSON_CHARS) return { type: 'export', format: 'json', json: m.json };
      return undefined;
    case 'rendered':
      if (!VIEWS.includes(m.view as AttentionViewName) || typeof m.ms !== 'number' || !Number.isFinite(m.ms)) return undefined;
      if (m.arrivedAt === undefined) return { type: 'rendered', view: m.view as AttentionViewName, ms: m.ms };
      return typeof m.arrivedAt === 'number' && Number.isFinite(m.arrivedAt) ? { type: 'rendered', view: m.view as AttentionViewName, ms: m.ms, arrivedAt: m.arrivedAt } : undefined;
    default:
      return undefined;
  }
}
