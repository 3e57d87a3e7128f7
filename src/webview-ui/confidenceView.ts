/**
 * Confidence view: the text as the model read it, each token shaded by the probability the model
 * gave it before seeing it, underlined by how unsure that prediction was (its entropy), with the
 * five tokens it expected instead on hover or focus. For a suggestion or a summary, the tokens the
 * model wrote are framed and summed up.
 */

import { alternativesAt, predictionFor, type NextTokenPredictions } from '../common/tokenPredictions';
import { el, hiDpiCanvas } from './domBuilder';
import { cssColor, mix } from './themeColors';
import { visibleToken } from './tokenText';
import type { AttentionView, RenderContext } from './viewTypes';

/** Entropy (nats) drawn as the thickest underline: ln 8192 ≈ 9 is a uniform guess over the bundled vocabulary. */
const ENTROPY_FULL_SCALE = 6;

/** Percent with one decimal, "<0.1%" below. */
export function percent(probability: number): string {
  if (probability < 0.001) return '<0.1%';
  return `${(probability * 100).toFixed(1)}%`;
}

/** First token index of the model-written part (the last `outputChars` characters), or undefined. */
export function firstOutputToken(offsets: readonly (readonly [number, number])[], textLength: number, outputChars: number | undefined): number | undefined {
  if (!outputChars || outputChars <= 0) return undefined;
  const start = textLength - outputChars;
  const index = offsets.findIndex(([, end]) => end > start);
  return index < 0 ? undefined : index;
}

/** The sentence about token `t`: what the model gave it and what it expected instead. */
export function tokenSentence(predictions: NextTokenPredictions, tokens: readonly string[], t: number): string {
  const made = predictionFor(predictions, t);
  if (!made) return `“${visibleToken(tokens[t])}” is the first token: nothing came before it to predict it from.`;
  const expected = alternativesAt(predictions, made.position)
    .map((a) => `“${visibleToken(a.text)}” ${percent(a.prob)}`)
    .join(', ');
  return `“${visibleToken(tokens[t])}”: the model gave it ${percent(made.prob)} (rank ${made.rank + 1}), entropy ${made.entropy.toFixed(2)} nats. It expected ${expected}.`;
}

/** See the module comment. */
export class ConfidenceView implements AttentionView {
  readonly element = el('div', { id: 'confidence', class: 'view confidence-view' });
  private context: RenderContext | undefined;
  private spans: HTMLElement[] = [];
  private readonly detail = el('p', { class: 'conf-detail', role: 'status', 'aria-live': 'polite' });

  render(context: RenderContext): void {
    this.context = context;
    const { capture, palette } = context;
    const predictions = capture.predictions;
    const caption = el('p', { class: 'view-caption' }, 'How sure the model was of each token before it saw it: the shade is the probability it gave the token, the underline how spread its guess was (entropy). Hover or focus a token for what it expected instead.');
    if (!predictions) {
      this.spans = [];
      this.element.replaceChildren(caption, el('p', { class: 'note', role: 'note' }, 'This capture carries no next-token predictions (it came from a worker that did not compute them). Show Attention again.'));
      return;
    }
    const outputStart = firstOutputToken(capture.offsets, capture.text.length, capture.origin.outputChars);
    const unsure = mix(palette.background, { r: 220, g: 50, b: 47 }, 0.75);
    this.spans = capture.tokens.map((token, t) => {
      const made = predictionFor(predictions, t);
      const p = made ? made.prob : 1;
      const underline = made ? Math.max(1, Math.round(Math.min(1, made.entropy / ENTROPY_FULL_SCALE) * 4)) : 0;
      const span = el(
        'span',
        {
          class: `conf-token${outputStart !== undefined && t >= outputStart ? ' conf-output' : ''}`,
          'data-token': t,
          'data-prob': made ? made.prob.toFixed(6) : '',
          tabindex: t === context.selection.queryToken ? 0 : -1,
          role: 'button',
          'aria-label': tokenSentence(predictions, capture.tokens, t),
          style: `background:${cssColor(mix(palette.background, unsure, 1 - p))};border-bottom:${underline}px solid ${cssColor(palette.muted, 0.8)}`,
        },
        visibleToken(token),
      );
      if (token.includes('\n')) span.classList.add('conf-newline');
      span.addEventListener('mouseenter', () => this.show(t));
      span.addEventListener('focus', () => this.show(t));
      span.addEventListener('click', () => {
        context.actions.select({ queryToken: t });
        context.actions.revealToken(t);
      });
      span.addEventListener('keydown', (event) => this.onKey(event, t));
      return span;
    });
    if (!this.spans.some((s) => s.tabIndex === 0) && this.spans[0]) this.spans[0].tabIndex = 0;
    const flow = el('div', { class: 'conf-flow', role: 'group', 'aria-label': 'Tokens by the probability the model gave them' });
    for (const [t, span] of this.spans.entries()) {
      flow.append(span);
      if (capture.tokens[t].includes('\n')) flow.append(el('br'));
    }
    const summary = this.summary(predictions, outputStart);
    this.element.replaceChildren(caption, ...(summary ? [summary] : []), this.legend(unsure), flow, this.detail);
    this.show(Math.min(context.selection.queryToken, capture.tokens.length - 1));
  }

  /** For a model-written part: its mean probability and its least sure token. */
  private summary(predictions: NextTokenPredictions, outputStart: number | undefined): HTMLElement | false {
    const capture = this.context!.capture;
    if (outputStart === undefined) return false;
    let sum = 0;
    let count = 0;
    let least: number | undefined;
    for (let t = Math.max(1, outputStart); t < capture.tokens.length; t++) {
      const made = predictionFor(predictions, t);
      if (!made) continue;
      sum += made.prob;
      count++;
      if (least === undefined || made.prob < predictionFor(predictions, least)!.prob) least = t;
    }
    if (!count || least === undefined) return false;
    const what = capture.origin.kind === 'summary' ? 'summary' : 'suggestion';
    return el(
      'p',
      { class: 'conf-summary' },
      `The ${what} (framed, ${count} tokens): mean probability ${percent(sum / count)}. Least sure: `,
      el('strong', {}, tokenSentence(predictions, capture.tokens, least)),
    );
  }

  private legend(unsure: { r: number; g: number; b: number }): HTMLElement {
    const palette = this.context!.palette;
    const swatch = (p: number) => el('span', { class: 'legend-swatch', style: `background:${cssColor(mix(palette.background, unsure, 1 - p))}` }, percent(p));
    return el('div', { class: 'conf-legend' }, 'probability ', swatch(1), swatch(0.5), swatch(0.1), swatch(0.01));
  }

  private show(t: number): void {
    const context = this.context;
    const predictions = context?.capture.predictions;
    if (!context || !predictions || t < 0) return;
    this.detail.textContent = tokenSentence(predictions, context.capture.tokens, t);
    this.spans.forEach((s, i) => s.classList.toggle('current', i === t));
  }

  private onKey(event: KeyboardEvent, t: number): void {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : event.key === 'Home' ? -t : event.key === 'End' ? this.spans.length - 1 - t : 0;
    if (event.key === 'Enter' || event.key === ' ') {
      this.context?.actions.select({ queryToken: t });
      this.context?.actions.revealToken(t);
      event.preventDefault();
      return;
    }
    if (!step) return;
    const next = Math.max(0, Math.min(this.spans.length - 1, t + step));
    this.spans[t].tabIndex = -1;
    this.spans[next].tabIndex = 0;
    this.spans[next].focus();
    event.preventDefault();
  }

  setCursorToken(index: number | undefined): void {
    if (index !== undefined) this.show(index);
  }

  /** The strip as the panel shows it: shades, entropy underlines, line breaks, the suggestion framed and summed up. */
  exportCanvas(): HTMLCanvasElement {
    const context = this.context;
    if (!context) return hiDpiCanvas(1, 1).canvas;
    const { palette, capture } = context;
    const predictions = capture.predictions;
    const width = 900;
    const lineHeight = 20;
    const top = 44;
    const font = `12px ${palette.fontFamily}`;
    // Lay out first (measuring on a scratch canvas), so the picture is as tall as its lines.
    const measure = hiDpiCanvas(1, 1).ctx;
    measure.font = font;
    const boxes: { x: number; y: number; w: number; label: string }[] = [];
    let x = 10;
    let y = top;
    capture.tokens.forEach((token) => {
      const label = visibleToken(token);
      const w = measure.measureText(label).width + 4;
      if (x + w > width - 10) {
        x = 10;
        y += lineHeight;
      }
      boxes.push({ x, y, w, label });
      x += w + 2;
      if (token.includes('\n')) {
        x = 10;
        y += lineHeight;
      }
    });
    const { canvas, ctx } = hiDpiCanvas(width, y + lineHeight + 10);
    ctx.fillStyle = cssColor(palette.background);
    ctx.fillRect(0, 0, width, y + lineHeight + 10);
    ctx.font = font;
    ctx.textBaseline = 'top';
    ctx.fillStyle = cssColor(palette.foreground);
    ctx.fillText(`${capture.modelName} — how sure the model was of each token (shade: probability, underline: entropy)`, 10, 8);
    const summary = this.element.querySelector('.conf-summary')?.textContent ?? (predictions ? '' : 'This capture carries no next-token predictions.');
    if (summary) ctx.fillText(summary.slice(0, 140), 10, 24);
    const outputStart = firstOutputToken(capture.offsets, capture.text.length, capture.origin.outputChars);
    boxes.forEach(({ x: bx, y: by, w, label }, t) => {
      const made = predictions ? predictionFor(predictions, t) : undefined;
      ctx.fillStyle = cssColor(mix(palette.background, { r: 220, g: 50, b: 47 }, 0.75 * (1 - (made?.prob ?? 1))));
      ctx.fillRect(bx, by, w, lineHeight - 4);
      if (made) {
        ctx.fillStyle = cssColor(palette.muted, 0.8);
        ctx.fillRect(bx, by + lineHeight - 4, w, Math.max(1, Math.round(Math.min(1, made.entropy / ENTROPY_FULL_SCALE) * 4)));
      }
      if (outputStart !== undefined && t >= outputStart) {
        ctx.strokeStyle = cssColor(palette.accent);
        ctx.strokeRect(bx - 0.5, by - 0.5, w + 1, lineHeight - 3);
      }
      ctx.fillStyle = cssColor(palette.foreground);
      ctx.fillText(label, bx + 2, by + 2);
    });
    return canvas;
  }
}
