/** The panel's selection: its default, its restoration from saved state, and its fit to a capture. */

import type { AttentionCapture } from '../common/attentionData';
import { parseFromWebview, type ViewSelection } from '../common/webviewProtocol';

/** A query index past any text: `fitSelection` turns it into the last token, the one with the most context. */
const LAST_TOKEN = 1 << 20;

/** What a fresh panel shows. */
export function defaultSelection(): ViewSelection {
  return { view: 'matrix', layer: 0, head: 0, heads: [], queryToken: LAST_TOKEN };
}

/** The selection saved with setState, validated like any message from a webview (state is only as trusted as its writer); the default otherwise. */
export function restoreSelection(state: unknown): ViewSelection {
  const saved = typeof state === 'object' && state !== null ? (state as { selection?: unknown }).selection : undefined;
  const parsed = parseFromWebview({ type: 'selectionChanged', selection: saved });
  return parsed?.type === 'selectionChanged' ? parsed.selection : defaultSelection();
}

/** Clamps a selection to what `capture` has (layers, heads, tokens); an empty head set becomes every head. */
export function fitSelection(selection: ViewSelection, capture: AttentionCapture): ViewSelection {
  const clamp = (value: number, count: number) => Math.max(0, Math.min(count - 1, value));
  const heads = [...new Set(selection.heads.filter((h) => h < capture.heads))].sort((a, b) => a - b);
  return {
    view: selection.view,
    layer: clamp(selection.layer, capture.layers),
    head: selection.head === 'mean' ? 'mean' : clamp(selection.head, capture.heads),
    heads: heads.length > 0 ? heads : Array.from({ length: capture.heads }, (_, h) => h),
    queryToken: clamp(selection.queryToken, capture.tokens.length),
  };
}

/** True when two selections show the same thing. */
export function sameSelection(a: ViewSelection, b: ViewSelection): boolean {
  return a.view === b.view && a.layer === b.layer && a.head === b.head && a.queryToken === b.queryToken && a.heads.join(',') === b.heads.join(',');
}
