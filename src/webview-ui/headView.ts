/**
 * Head view: queries on the left, keys on the right, a line for every attention weight, one colour
 * per head, several heads at once (after BertViz's head view). Hovering or focusing a token keeps
 * only its lines, so one token's attention can be read out of the tangle.
 */

import { headSlice } from './attentionMath';
import { el, hiDpiCanvas } from './domBuilder';
import { cssColor, mix, type Rgb } from './themeColors';
import { shortToken, visibleToken } from './tokenText';
import type { AttentionView, RenderContext } from './viewTypes';

const ROW_HEIGHT = 20;
const LINES_WIDTH = 220;
const LABEL_WIDTH = 140;
/** Weights below this are not drawn when every line is shown: they would only add haze. */
const FAINT = 0.02;

type Focus = { readonly side: 'query' | 'key'; readonly index: number } | undefined;

/** See the module comment. */
export class HeadView implements AttentionView {
  readonly element = el('div', { id: 'head-view', class: 'view head-view' });
  private context: RenderContext | undefined;
  private lines: CanvasRenderingContext2D | undefined;
  private focusToken: Focus;
  private queryLabels: HTMLButtonElement[] = [];
  private keyLabels: HTMLButtonElement[] = [];

  /** Draws the head picker, both token columns and the lines. */
  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection } = context;
    const tokens = capture.tokens.length;
    this.focusToken = undefined;

    const picker = el('fieldset', { class: 'head-picker' }, el('legend', {}, `Heads of layer ${selection.layer}`));
    for (let h = 0; h < capture.heads; h++) {
      const box = el('input', { type: 'checkbox', 'data-head': h, checked: selection.heads.includes(h) });
      box.addEventListener('change', () => {
        const heads = box.checked ? [...selection.heads, h] : selection.heads.filter((x) => x !== h);
        // An empty set would mean "all heads" to the selection fitting; keep at least one.
        if (heads.length > 0) context.actions.select({ heads });
        else box.checked = true;
      });
      const swatch = el('span', { class: 'head-swatch', 'aria-hidden': 'true' });
      swatch.style.background = cssColor(this.headColor(h));
      picker.append(el('label', { class: 'head-choice' }, box, swatch, `${h}`));
    }
    const all = el('button', { type: 'button', class: 'link-button' }, 'all');
    all.addEventListener('click', () => context.actions.select({ heads: Array.from({ length: capture.heads }, (_, h) => h) }));
    picker.append(all);

    const height = tokens * ROW_HEIGHT;
    const canvas = hiDpiCanvas(LINES_WIDTH, height, 'head-lines');
    this.lines = canvas.ctx;
    this.queryLabels = capture.tokens.map((token, i) => this.tokenButton(token, i, 'query'));
    this.keyLabels = capture.tokens.map((token, j) => this.tokenButton(token, j, 'key'));
    if (this.queryLabels[selection.queryToken]) this.queryLabels[selection.queryToken].tabIndex = 0;
    const body = el(
      'div',
      { class: 'head-view-body', style: `grid-template-columns:${LABEL_WIDTH}px ${LINES_WIDTH}px ${LABEL_WIDTH}px` },
      el('div', { class: 'hv-column-title' }, 'queries'),
      el('div', {}),
      el('div', { class: 'hv-column-title' }, 'keys'),
      el('div', { class: 'hv-column hv-queries', role: 'group', 'aria-label': 'Queries' }, ...this.queryLabels),
      canvas.canvas,
      el('div', { class: 'hv-column hv-keys', role: 'group', 'aria-label': 'Keys' }, ...this.keyLabels),
    );
    body.addEventListener('mouseleave', () => this.setFocusToken(undefined));
    this.element.replaceChildren(
      el('p', { class: 'view-caption' }, `Each line joins a token (left) to a token it attends to (right); the stronger the weight, the more opaque the line. Hover or focus a token to see only its lines.`),
      picker,
      body,
    );
    this.setCursorToken(context.cursorToken);
    this.draw();
  }

  /** Marks the cursor token in both columns. */
  setCursorToken(index: number | undefined): void {
    this.queryLabels.forEach((label, i) => label.classList.toggle('cursor', i === index));
    this.keyLabels.forEach((label, j) => label.classList.toggle('cursor', j === index));
  }

  /** Both columns and the lines as one canvas. */
  exportCanvas(): HTMLCanvasElement {
    const context = this.context;
    if (!context) return hiDpiCanvas(1, 1).canvas;
    const { capture, palette, selection } = context;
    const top = 32;
    const { canvas, ctx } = hiDpiCanvas(LABEL_WIDTH * 2 + LINES_WIDTH, top + capture.tokens.length * ROW_HEIGHT + 8);
    ctx.fillStyle = cssColor(palette.background);
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = cssColor(palette.foreground);
    ctx.font = `12px ${palette.fontFamily}`;
    ctx.fillText(`${capture.modelName} — layer ${selection.layer}, heads ${selection.heads.join(', ')}`, 4, 16);
    ctx.textBaseline = 'middle';
    capture.tokens.forEach((token, i) => {
      const y = top + (i + 0.5) * ROW_HEIGHT;
      ctx.textAlign = 'right';
      ctx.fillText(shortToken(token, 16), LABEL_WIDTH - 8, y);
      ctx.textAlign = 'left';
      ctx.fillText(shortToken(token, 16), LABEL_WIDTH + LINES_WIDTH + 8, y);
    });
    ctx.save();
    ctx.translate(LABEL_WIDTH, top);
    this.paintLines(ctx, undefined);
    ctx.restore();
    return canvas;
  }

  private tokenButton(token: string, index: number, side: 'query' | 'key'): HTMLButtonElement {
    const button = el('button', {
      type: 'button',
      class: `hv-token hv-${side}`,
      tabindex: -1,
      'data-index': index,
      'data-axis': side,
      title: `${side === 'query' ? 'Query' : 'Key'} ${index}: “${visibleToken(token)}”`,
      style: `height:${ROW_HEIGHT}px`,
    }, shortToken(token, 16));
    button.addEventListener('mouseenter', () => this.setFocusToken({ side, index }));
    button.addEventListener('focus', () => this.setFocusToken({ side, index }));
    button.addEventListener('click', () => this.context?.actions.revealToken(index));
    button.addEventListener('keydown', (event) => this.onKey(event, side, index));
    return button;
  }

  private onKey(event: KeyboardEvent, side: 'query' | 'key', index: number): void {
    const count = this.queryLabels.length;
    let next: { side: 'query' | 'key'; index: number } | undefined;
    if (event.key === 'ArrowUp') next = { side, index: Math.max(0, index - 1) };
    else if (event.key === 'ArrowDown') next = { side, index: Math.min(count - 1, index + 1) };
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') next = { side: side === 'query' ? 'key' : 'query', index };
    if (!next) return;
    event.preventDefault();
    const target = (next.side === 'query' ? this.queryLabels : this.keyLabels)[next.index];
    [...this.queryLabels, ...this.keyLabels].forEach((b) => (b.tabIndex = b === target ? 0 : -1));
    target.focus();
  }

  private setFocusToken(focus: Focus): void {
    if (focus?.side === this.focusToken?.side && focus?.index === this.focusToken?.index) return;
    this.focusToken = focus;
    this.queryLabels.forEach((label, i) => label.classList.toggle('focused', focus?.side === 'query' && focus.index === i));
    this.keyLabels.forEach((label, j) => label.classList.toggle('focused', focus?.side === 'key' && focus.index === j));
    this.draw();
  }

  private draw(): void {
    const ctx = this.lines;
    if (!ctx || !this.context) return;
    ctx.clearRect(0, 0, LINES_WIDTH, this.context.capture.tokens.length * ROW_HEIGHT);
    this.paintLines(ctx, this.focusToken);
  }

  /**
   * Strokes the lines of every selected head, grouped by quantised opacity so the style changes a
   * few dozen times per head. Each line is its own stroke: one path of thousands of crossing
   * segments rasterises several times slower (measured: 1.5 s against 0.55 s for 200 tokens).
   */
  private paintLines(ctx: CanvasRenderingContext2D, focus: Focus): void {
    const context = this.context;
    if (!context) return;
    const { capture, selection } = context;
    const tokens = capture.tokens.length;
    const levels = 20;
    for (const head of selection.heads) {
      const probs = headSlice(capture.probs, selection.layer, head); // [T, T]
      const buckets: [number, number][][] = Array.from({ length: levels + 1 }, () => []);
      for (let i = 0; i < tokens; i++) {
        if (focus?.side === 'query' && focus.index !== i) continue;
        for (let j = 0; j < tokens; j++) {
          if (focus?.side === 'key' && focus.index !== j) continue;
          const w = probs[i * tokens + j];
          if (w <= 0 || (!focus && w < FAINT)) continue;
          buckets[Math.round(w * levels)].push([i, j]);
        }
      }
      // Several heads overlap; split the opacity so that agreement adds up rather than saturating.
      const share = selection.heads.length > 1 ? 0.85 : 1;
      buckets.forEach((pairs, level) => {
        if (pairs.length === 0) return;
        const weight = Math.max(level, 0.5) / levels;
        // With one token's lines alone there is no tangle to fade: lift them so small weights still read.
        ctx.strokeStyle = cssColor(this.headColor(head), Math.min(1, focus ? 0.25 + 0.75 * weight : weight * share));
        ctx.lineWidth = 1 + weight * 2.5;
        for (const [i, j] of pairs) {
          ctx.beginPath();
          ctx.moveTo(0, (i + 0.5) * ROW_HEIGHT);
          ctx.lineTo(LINES_WIDTH, (j + 0.5) * ROW_HEIGHT);
          ctx.stroke();
        }
      });
    }
  }

  /** Head `h`'s colour: the theme's chart colours in turn, darkened toward the background on later laps. */
  private headColor(h: number): Rgb {
    const palette = this.context?.palette;
    if (!palette) return { r: 128, g: 128, b: 128 };
    const base = palette.charts[h % palette.charts.length];
    const lap = Math.floor(h / palette.charts.length);
    if (lap === 0) return base;
    return mix(base, lap % 2 === 1 ? palette.foreground : palette.background, Math.min(0.6, lap * 0.3));
  }
}
