/**
 * Rollout view: beside one layer's raw attention (the mean of its heads), attention rollout
 * through that layer (Abnar & Zuidema 2020, src/common/attentionRollout.ts): how much each
 * token's representation by then draws on each input token, the residual path counted. The query
 * token's row is outlined and its strongest sources listed for both.
 */

import { attentionRollout } from '../common/attentionRollout';
import { meanOverHeads } from './attentionMath';
import { el, hiDpiCanvas } from './domBuilder';
import { moveInGrid, type GridPosition } from './gridNavigation';
import { paintHeatmap } from './heatmapImage';
import { formatProbability } from './numberFormat';
import { cssColor } from './themeColors';
import { visibleToken } from './tokenText';
import type { AttentionView, RenderContext } from './viewTypes';

/** The strongest `count` entries of a row, as "token 12%" text. */
export function strongest(row: ArrayLike<number>, tokens: readonly string[], count = 3): string {
  return Array.from(row, (w, j) => [w, j] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, count)
    .map(([w, j]) => `“${visibleToken(tokens[j])}” (${j}) ${(w * 100).toFixed(1)}%`)
    .join(', ');
}

/** See the module comment. */
export class RolloutView implements AttentionView {
  readonly element = el('div', { id: 'rollout', class: 'view rollout-view' });
  private context: RenderContext | undefined;
  /** Rollout per layer of the probabilities it was computed for (it costs O(L·T³)); kept when only the vectors arrive. */
  private cache: { probs: unknown; byLayer: Map<number, Float32Array> } = { probs: undefined, byLayer: new Map() };
  private canvases: HTMLCanvasElement[] = [];
  private raw: Float32Array = new Float32Array(0); // [T, T]
  private rollout: Float32Array = new Float32Array(0); // [T, T]
  /** The cell the readout describes (hover or keyboard). */
  private active: GridPosition = { row: 0, col: 0 };
  private readonly readout = el('p', { class: 'rollout-readout', role: 'status', 'aria-live': 'polite' });

  private rolloutAt(layer: number): Float32Array {
    const capture = this.context!.capture;
    if (this.cache.probs !== capture.probs) this.cache = { probs: capture.probs, byLayer: new Map() };
    let matrix = this.cache.byLayer.get(layer);
    if (!matrix) {
      matrix = attentionRollout(capture.probs, layer);
      this.cache.byLayer.set(layer, matrix);
    }
    return matrix;
  }

  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection, palette } = context;
    const T = capture.tokens.length;
    const layer = selection.layer;
    const query = Math.min(selection.queryToken, T - 1);
    const raw = meanOverHeads(capture.probs, layer);
    const rollout = this.rolloutAt(layer);
    this.raw = raw;
    this.rollout = rollout;
    if (this.active.row !== query) this.active = { row: query, col: Math.min(this.active.col, query) };
    const size = Math.max(120, Math.min(420, Math.floor((context.width - 60) / 2)));
    const cell = size / T;
    const panel = (title: string, matrix: Float32Array, kind: string) => {
      const { canvas, ctx } = hiDpiCanvas(size, size);
      canvas.dataset.matrix = kind;
      paintHeatmap(ctx, matrix, T, palette, context.causal, { x: 0, y: 0, cell });
      ctx.strokeStyle = cssColor(palette.focus);
      ctx.lineWidth = Math.max(1, Math.min(2, cell / 3));
      ctx.strokeRect(0, query * cell, size, Math.max(cell, 1));
      const cellAt = (event: MouseEvent): GridPosition | undefined => {
        const rect = canvas.getBoundingClientRect();
        const row = Math.floor(((event.clientY - rect.top) / rect.height) * T);
        const col = Math.floor(((event.clientX - rect.left) / rect.width) * T);
        return row >= 0 && row < T && col >= 0 && col < T ? { row, col } : undefined;
      };
      canvas.addEventListener('mousemove', (event) => {
        const at = cellAt(event);
        if (at) this.describe(at);
      });
      canvas.addEventListener('mouseleave', () => this.describe(this.active));
      canvas.addEventListener('click', (event) => {
        const at = cellAt(event);
        if (at) context.actions.select({ queryToken: at.row });
      });
      const row = matrix.subarray(query * T, (query + 1) * T);
      return el(
        'figure',
        { class: 'rollout-panel' },
        el('figcaption', {}, title),
        canvas,
        el('p', { class: 'rollout-sources' }, `“${visibleToken(capture.tokens[query])}” (${query}) draws most on ${strongest(row, capture.tokens)}`),
      );
    };
    const left = panel(`raw attention, layer ${layer} (mean of ${capture.heads} heads)`, raw, 'raw');
    const right = panel(`rollout through layers 0–${layer}`, rollout, 'rollout');
    this.canvases = [left.querySelector('canvas')!, right.querySelector('canvas')!];
    const picker = el('select', { id: 'rollout-query', class: 'view-focus', 'aria-label': 'Query token' }, ...capture.tokens.map((t, j) => el('option', { value: j, selected: j === query }, `${j}: ${visibleToken(t).slice(0, 24)}`)));
    picker.addEventListener('change', () => context.actions.select({ queryToken: Number(picker.value) }));
    const pair = el('div', { class: 'rollout-pair view-focus', 'data-rollout-cells': '', tabindex: 0, role: 'application', 'aria-roledescription': 'two attention matrices', 'aria-label': 'Raw attention and rollout. Arrow keys move between cells and read both values; Enter makes the row the query token.' }, left, right);
    pair.addEventListener('keydown', (event) => this.onKey(event));
    this.element.replaceChildren(
      el('p', { class: 'view-caption' }, 'Rollout follows attention through the layers, counting the residual path (each layer: mean of heads, half attention and half identity, rows renormalised, multiplied through): how much each token’s representation draws on each input token by this layer. Pick the layer above; click a row or choose a query token.'),
      el('label', { class: 'picker' }, 'Query token ', picker),
      pair,
      this.readout,
    );
    this.describe(this.active);
  }

  /** Both values of cell `at`, with data hooks for the tests. */
  private describe(at: GridPosition): void {
    const capture = this.context?.capture;
    if (!capture) return;
    const T = capture.tokens.length;
    const raw = this.raw[at.row * T + at.col];
    const rollout = this.rollout[at.row * T + at.col];
    this.readout.textContent = `query ${at.row} “${visibleToken(capture.tokens[at.row])}” → key ${at.col} “${visibleToken(capture.tokens[at.col])}”: raw ${formatProbability(raw)}, rollout ${formatProbability(rollout)}`;
    Object.assign(this.readout.dataset, { row: String(at.row), col: String(at.col), raw: String(raw), rollout: String(rollout) });
  }

  private onKey(event: KeyboardEvent): void {
    const context = this.context;
    if (!context) return;
    const T = context.capture.tokens.length;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      context.actions.select({ queryToken: this.active.row });
      return;
    }
    const next = moveInGrid(this.active, event.key, T, T);
    if (!next) return;
    event.preventDefault();
    this.active = next;
    this.describe(next);
  }

  setCursorToken(): void {
    // The outlined row is the chosen query token, as in the overlay.
  }

  /** Both heatmaps side by side under their titles, the query row outlined as on screen. */
  exportCanvas(): HTMLCanvasElement {
    const context = this.context;
    const [a, b] = this.canvases;
    if (!context || !a || !b) return hiDpiCanvas(1, 1).canvas;
    const { palette, capture, selection } = context;
    const size = parseFloat(a.style.width) || 200;
    const gap = 20;
    const header = 40;
    const { canvas, ctx } = hiDpiCanvas(2 * size + gap + 20, header + size + 10);
    ctx.fillStyle = cssColor(palette.background);
    ctx.fillRect(0, 0, 2 * size + gap + 20, header + size + 10);
    ctx.fillStyle = cssColor(palette.foreground);
    ctx.font = `12px ${palette.fontFamily}`;
    ctx.fillText(`${capture.modelName} — query ${Math.min(selection.queryToken, capture.tokens.length - 1)} outlined`, 10, 14);
    ctx.fillText(`raw attention, layer ${selection.layer} (mean of heads)`, 10, 32);
    ctx.fillText(`rollout through layers 0–${selection.layer}`, 10 + size + gap, 32);
    ctx.drawImage(a, 10, header, size, size);
    ctx.drawImage(b, 10 + size + gap, header, size, size);
    return canvas;
  }
}
