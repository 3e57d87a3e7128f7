/**
 * Matrix view: one head's (or the mean's) [T, T] attention as a heatmap, queries as rows and keys
 * as columns, with token labels on both axes, hover values, a keyboard-driven cell cursor and the
 * causal mask drawn as masked rather than as zeros.
 */

import { formatProbability } from './numberFormat';
import { el, hiDpiCanvas } from './domBuilder';
import { moveInGrid, type GridPosition } from './gridNavigation';
import { headMatrix, headName } from './headMatrix';
import { paintHeatmap } from './heatmapImage';
import { cssColor, heatColor, type ThemePalette } from './themeColors';
import { shortToken, visibleToken } from './tokenText';
import type { AttentionView, RenderContext } from './viewTypes';

const ROW_LABEL_WIDTH = 120;
const COLUMN_LABEL_HEIGHT = 84;

/** See the module comment. */
export class MatrixView implements AttentionView {
  readonly element = el('div', { id: 'matrix', class: 'view matrix-view' });
  private context: RenderContext | undefined;
  private matrix: Float32Array = new Float32Array(0); // [T, T]
  private cell = 16;
  private active: GridPosition = { row: 0, col: 0 };
  private hover: GridPosition | undefined;
  private cursor: number | undefined;
  private overlay: CanvasRenderingContext2D | undefined;
  private cells: HTMLElement | undefined;
  private readonly tooltip = el('div', { class: 'matrix-tooltip', hidden: true });
  private readonly live = el('div', { class: 'sr-only', 'aria-live': 'polite' });
  private rowLabels: HTMLButtonElement[] = [];
  private columnLabels: HTMLButtonElement[] = [];

  /** Draws the heatmap, labels and overlay for `context`. */
  render(context: RenderContext): void {
    const previous = this.context;
    this.context = context;
    const { capture, selection, palette } = context;
    const tokens = capture.tokens.length;
    this.matrix = headMatrix(capture, selection.layer, selection.head); // [T, T]
    this.cursor = context.cursorToken;
    if (previous?.capture !== capture) this.active = { row: selection.queryToken, col: selection.queryToken };
    this.active = { row: Math.min(this.active.row, tokens - 1), col: Math.min(this.active.col, tokens - 1) };
    this.hover = undefined;

    // Short texts keep readable labels (the view scrolls instead); long ones fit the panel's width
    // and are read through the hover text: a canvas thousands of pixels wide paints slowly and
    // cannot be taken in at a glance anyway.
    const fit = Math.floor((context.width - ROW_LABEL_WIDTH - 32) / tokens);
    this.cell = Math.max(tokens <= 80 ? 12 : 3, Math.min(28, fit));
    const size = tokens * this.cell;

    const heat = hiDpiCanvas(size, size, 'matrix-heat');
    paintHeatmap(heat.ctx, this.matrix, tokens, palette, context.causal, { x: 0, y: 0, cell: this.cell });
    const overlay = hiDpiCanvas(size, size, 'matrix-overlay');
    this.overlay = overlay.ctx;

    const cells = el('div', {
      class: 'matrix-cells',
      tabindex: 0,
      role: 'application',
      'aria-roledescription': 'attention matrix',
      'aria-label': `Attention matrix, ${headName(capture, selection.layer, selection.head)}. Arrow keys move between cells, Enter opens the step-by-step view for the row's token.`,
      style: `width:${size}px;height:${size}px`,
    });
    cells.append(heat.canvas, overlay.canvas);
    this.cells = cells;
    cells.addEventListener('mousemove', (event) => this.onHover(event));
    cells.addEventListener('mouseleave', () => this.setHover(undefined));
    cells.addEventListener('click', (event) => {
      const at = this.cellAt(event);
      if (at) this.setActive(at, true);
    });
    cells.addEventListener('keydown', (event) => this.onKey(event));
    cells.addEventListener('focus', () => this.showActive());
    cells.addEventListener('blur', () => this.tooltip.hidden = true);

    const labelClass = this.cell < 10 ? 'token-label tiny' : 'token-label';
    this.rowLabels = capture.tokens.map((token, i) => {
      const label = el('button', {
        type: 'button',
        tabindex: -1,
        class: labelClass,
        'data-index': i,
        'data-axis': 'query',
        title: `Query ${i}: “${visibleToken(token)}” — open step by step`,
        style: `top:${i * this.cell}px;height:${this.cell}px;line-height:${this.cell}px`,
      }, shortToken(token));
      label.addEventListener('click', () => {
        context.actions.revealToken(i);
        context.actions.select({ view: 'steps', queryToken: i });
      });
      return label;
    });
    this.columnLabels = capture.tokens.map((token, j) => {
      const label = el('button', {
        type: 'button',
        tabindex: -1,
        class: labelClass,
        'data-index': j,
        'data-axis': 'key',
        title: `Key ${j}: “${visibleToken(token)}”`,
        style: `left:${j * this.cell}px;width:${this.cell}px`,
      }, el('span', { class: 'vertical' }, shortToken(token)));
      label.addEventListener('click', () => context.actions.revealToken(j));
      return label;
    });

    const grid = el(
      'div',
      { class: 'matrix-grid', style: `grid-template-columns:${ROW_LABEL_WIDTH}px ${size}px;grid-template-rows:${COLUMN_LABEL_HEIGHT}px ${size}px` },
      el('div', { class: 'matrix-corner' }, el('span', {}, 'keys →'), el('span', {}, 'queries ↓')),
      el('div', { class: 'matrix-col-labels', style: `width:${size}px` }, ...this.columnLabels),
      el('div', { class: 'matrix-row-labels', style: `height:${size}px` }, ...this.rowLabels),
      cells,
    );
    this.element.replaceChildren(
      el(
        'p',
        { class: 'view-caption' },
        `${headName(capture, selection.layer, selection.head)}. Row i shows how token i spreads its attention over the tokens before it (each row sums to 1). `,
        context.causal ? el('span', { class: 'masked-swatch', 'aria-hidden': 'true' }) : null,
        context.causal ? ' masked: a token never sees the tokens after it.' : '',
      ),
      this.legend(palette),
      el('div', { class: 'matrix-scroll' }, grid),
      this.tooltip,
      this.live,
    );
    this.drawOverlay();
  }

  /** Marks the cursor token's row and column. */
  setCursorToken(index: number | undefined): void {
    this.cursor = index;
    this.drawOverlay();
  }

  /** The heatmap with its labels and title, as one canvas. */
  exportCanvas(): HTMLCanvasElement {
    const context = this.context;
    if (!context) return hiDpiCanvas(1, 1).canvas;
    const { capture, selection, palette } = context;
    const tokens = capture.tokens.length;
    const cell = Math.max(this.cell, 12);
    const title = 28;
    const size = tokens * cell;
    const { canvas, ctx } = hiDpiCanvas(ROW_LABEL_WIDTH + size + 16, title + COLUMN_LABEL_HEIGHT + size + 16);
    ctx.fillStyle = cssColor(palette.background);
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = cssColor(palette.foreground);
    ctx.font = `13px ${palette.fontFamily}`;
    ctx.fillText(`${capture.modelName} — ${headName(capture, selection.layer, selection.head)}`, 8, 18);
    const top = title + COLUMN_LABEL_HEIGHT;
    paintHeatmap(ctx, this.matrix, tokens, palette, context.causal, { x: ROW_LABEL_WIDTH, y: top, cell });
    ctx.font = `${Math.min(12, cell - 2)}px ${palette.fontFamily}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    capture.tokens.forEach((token, i) => ctx.fillText(shortToken(token), ROW_LABEL_WIDTH - 6, top + (i + 0.5) * cell));
    ctx.textAlign = 'left';
    capture.tokens.forEach((token, j) => {
      ctx.save();
      ctx.translate(ROW_LABEL_WIDTH + (j + 0.5) * cell, top - 6);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(shortToken(token), 0, 0);
      ctx.restore();
    });
    return canvas;
  }

  private legend(palette: ThemePalette): HTMLElement {
    const steps = [0, 0.05, 0.25, 0.5, 1];
    return el(
      'div',
      { class: 'matrix-legend', 'aria-hidden': 'true' },
      'weight ',
      ...steps.map((p) => {
        const swatch = el('span', { class: 'legend-swatch', title: String(p) }, String(p));
        swatch.style.background = cssColor(heatColor(palette, p));
        swatch.style.color = cssColor(p > 0.36 ? palette.background : palette.foreground);
        return swatch;
      }),
    );
  }

  private cellAt(event: MouseEvent): GridPosition | undefined {
    if (!this.cells || !this.context) return undefined;
    const rect = this.cells.getBoundingClientRect();
    const tokens = this.context.capture.tokens.length;
    const col = Math.floor((event.clientX - rect.left) / this.cell);
    const row = Math.floor((event.clientY - rect.top) / this.cell);
    return row >= 0 && row < tokens && col >= 0 && col < tokens ? { row, col } : undefined;
  }

  private onHover(event: MouseEvent): void {
    const at = this.cellAt(event);
    this.setHover(at);
    if (at) {
      const host = this.element.getBoundingClientRect();
      this.placeTooltip(event.clientX - host.left + 14, event.clientY - host.top + 14);
    }
  }

  private setHover(at: GridPosition | undefined): void {
    if (at?.row === this.hover?.row && at?.col === this.hover?.col) return;
    this.hover = at;
    this.drawOverlay();
    if (at) this.describe(at, this.tooltip);
    else this.tooltip.hidden = true;
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.context) return;
    const tokens = this.context.capture.tokens.length;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (event.shiftKey || event.key === ' ') this.context.actions.revealToken(this.active.row);
      else this.context.actions.select({ view: 'steps', queryToken: this.active.row });
      return;
    }
    const next = moveInGrid(this.active, event.key, tokens, tokens);
    if (!next) return;
    event.preventDefault();
    this.setActive(next, false);
  }

  private setActive(at: GridPosition, fromPointer: boolean): void {
    this.active = at;
    this.drawOverlay();
    if (!fromPointer) this.showActive();
    this.live.textContent = this.describe(at, undefined);
  }

  /** Shows the active cell's value beside it (keyboard users get the hover text too) and scrolls it into view. */
  private showActive(): void {
    if (!this.cells) return;
    const host = this.element.getBoundingClientRect();
    const cells = this.cells.getBoundingClientRect();
    const x = cells.left - host.left + (this.active.col + 1) * this.cell + 6;
    const y = cells.top - host.top + (this.active.row + 1) * this.cell + 6;
    this.describe(this.active, this.tooltip);
    this.placeTooltip(x, y);
    this.rowLabels[this.active.row]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    this.columnLabels[this.active.col]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  private placeTooltip(x: number, y: number): void {
    this.tooltip.style.left = `${x}px`;
    this.tooltip.style.top = `${y}px`;
    this.tooltip.hidden = false;
  }

  /** The text for cell `at`; written into `target` (with data hooks) when given. */
  private describe(at: GridPosition, target: HTMLElement | undefined): string {
    const context = this.context;
    if (!context) return '';
    const tokens = context.capture.tokens;
    const masked = context.causal && at.col > at.row;
    const value = this.matrix[at.row * tokens.length + at.col];
    const pair = `query ${at.row} “${visibleToken(tokens[at.row])}” → key ${at.col} “${visibleToken(tokens[at.col])}”`;
    const what = masked ? 'masked: this key comes after the query (score −∞ before the softmax)' : `weight ${formatProbability(value)}`;
    if (target) {
      target.replaceChildren(el('span', { class: 'tooltip-pair' }, pair), el('span', { class: masked ? 'tooltip-value masked' : 'tooltip-value' }, what));
      target.dataset.row = String(at.row);
      target.dataset.col = String(at.col);
      target.dataset.masked = String(masked);
      target.dataset.value = String(value);
    }
    return `${pair}: ${what}`;
  }

  /** Hover, keyboard cursor and editor cursor, drawn over the heatmap so it need not be repainted. */
  private drawOverlay(): void {
    const ctx = this.overlay;
    const context = this.context;
    if (!ctx || !context) return;
    const { palette } = context;
    const tokens = context.capture.tokens.length;
    const c = this.cell;
    const size = tokens * c;
    ctx.clearRect(0, 0, size, size);
    for (const label of [...this.rowLabels, ...this.columnLabels]) {
      const index = Number(label.dataset.index);
      const axisActive = label.dataset.axis === 'query' ? this.active.row : this.active.col;
      label.classList.toggle('cursor', index === this.cursor);
      label.classList.toggle('active', index === axisActive);
    }
    if (this.cursor !== undefined && this.cursor < tokens) {
      ctx.fillStyle = cssColor(palette.focus, 0.18);
      ctx.fillRect(0, this.cursor * c, size, c);
      ctx.fillRect(this.cursor * c, 0, c, size);
    }
    const outline = (at: GridPosition, width: number, color: string) => {
      ctx.lineWidth = width;
      ctx.strokeStyle = color;
      ctx.strokeRect(at.col * c + width / 2, at.row * c + width / 2, c - width, c - width);
    };
    if (this.hover) outline(this.hover, 1, cssColor(palette.foreground, 0.8));
    outline(this.active, palette.highContrast ? 3 : 2, cssColor(palette.focus));
    if (this.cells) {
      this.cells.dataset.activeRow = String(this.active.row);
      this.cells.dataset.activeCol = String(this.active.col);
    }
  }
}
