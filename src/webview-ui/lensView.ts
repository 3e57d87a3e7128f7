/**
 * Logit lens view: for one query token, the next-token prediction read off the residual stream
 * after the embeddings and after every layer (through the model's own final norm and
 * unembedding, in the worker), so the reader sees at which layer the answer forms.
 */

import type { LensReading, ProbeResult } from '../common/probeProtocol';
import { el } from './domBuilder';
import { cssColor, heatColor } from './themeColors';
import { visibleToken } from './tokenText';
import { percent } from './confidenceView';
import type { AttentionView, RenderContext } from './viewTypes';
import { textCanvas } from './textCanvas';

/** The sentence on where the final answer forms. */
export function formationSentence(readings: readonly LensReading[], texts: ProbeResult['texts']): string {
  const last = readings[readings.length - 1];
  const answer = last.top.ids[0];
  const name = `“${visibleToken(texts[answer] ?? `#${answer}`)}”`;
  // The depth from which the answer stays the top prediction to the end.
  let from = readings.length - 1;
  while (from > 0 && readings[from - 1].top.ids[0] === answer) from--;
  if (from === 0) return `${name} is the top prediction already after the embeddings, and stays so through every layer.`;
  if (from === readings.length - 1) return `${name} becomes the top prediction only after the last layer (${last.afterLayer}).`;
  return `${name} becomes the top prediction after layer ${readings[from].afterLayer} and stays so to the end (${percent(readings[from].finalTokenProb)} there, ${percent(last.finalTokenProb)} at the end).`;
}

const depthName = (reading: LensReading) => (reading.afterLayer < 0 ? 'embeddings' : `after layer ${reading.afterLayer}`);

/** See the module comment. */
export class LensView implements AttentionView {
  readonly element = el('div', { id: 'lens', class: 'view lens-view' });
  private context: RenderContext | undefined;
  private lines: string[] = [];

  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection } = context;
    const query = Math.min(selection.queryToken, capture.tokens.length - 1);
    const probe = context.probe;
    const mine = probe && probe.request.lens && probe.request.position === query && !probe.request.maskedPositions.length && !probe.request.knockedOutHeads.length;
    if (!mine) context.actions.probe({ position: query, lens: true, maskedPositions: [], knockedOutHeads: [], continuation: false });
    const picker = el('select', { id: 'lens-query', class: 'view-focus', 'aria-label': 'Query token' }, ...capture.tokens.map((t, j) => el('option', { value: j, selected: j === query }, `${j}: ${visibleToken(t).slice(0, 24)}`)));
    picker.addEventListener('change', () => context.actions.select({ queryToken: Number(picker.value) }));
    const step = (delta: number, label: string) => {
      const button = el('button', { type: 'button', 'data-query-step': delta, disabled: query + delta < 0 || query + delta >= capture.tokens.length }, label);
      button.addEventListener('click', () => context.actions.select({ queryToken: query + delta }));
      return button;
    };
    const head = [
      el('p', { class: 'view-caption' }, `What the model would predict after “${visibleToken(capture.tokens[query])}” if it stopped after each layer: the residual stream at that depth through the model’s own final norm and unembedding (the logit lens).`),
      el('div', { class: 'lens-controls' }, el('label', { class: 'picker' }, 'Query token ', picker), step(-1, '◀ previous'), step(1, 'next ▶')),
    ];
    this.lines = [`# logit lens — ${capture.modelName}, query ${query} “${visibleToken(capture.tokens[query])}”`];
    const result = mine ? probe.result : undefined;
    // The export says what the panel says while there are no readings (waiting, failed, unavailable).
    const say = (text: string) => this.lines.push(head[0].textContent ?? '', text);
    if (mine && probe.error) {
      say(`The logit lens could not run: ${probe.error}`);
      this.element.replaceChildren(...head, el('p', { class: 'note error', role: 'alert' }, `The logit lens could not run: ${probe.error}`));
      return;
    }
    if (!result) {
      say('Reading the prediction after every layer…');
      this.element.replaceChildren(...head, el('p', { class: 'empty-state', role: 'status' }, 'Reading the prediction after every layer…'));
      return;
    }
    if (!result.lens || 'unavailable' in result.lens) {
      say(`The logit lens is unavailable for this model: ${result.lens && 'unavailable' in result.lens ? result.lens.unavailable : 'no readings came back.'}`);
      this.element.replaceChildren(...head, el('p', { class: 'note', role: 'note' }, `The logit lens is unavailable for this model: ${result.lens && 'unavailable' in result.lens ? result.lens.unavailable : 'no readings came back.'}`));
      return;
    }
    const readings = result.lens.readings;
    const finalId = readings[readings.length - 1].top.ids[0];
    const palette = context.palette;
    const rows = readings.map((reading) => {
      this.lines.push(`${depthName(reading).padEnd(14)} ${reading.top.ids.map((id, r) => `${visibleToken(result.texts[id] ?? `#${id}`)} ${percent(reading.top.probs[r])}`).join('  ')}`);
      return el(
        'tr',
        { 'data-depth': reading.afterLayer },
        el('th', { scope: 'row' }, depthName(reading)),
        ...reading.top.ids.map((id, r) =>
          el(
            'td',
            { class: id === finalId ? 'lens-cell final' : 'lens-cell', style: `background:${cssColor(heatColor(palette, reading.top.probs[r]))}`, title: `${percent(reading.top.probs[r])}` },
            el('span', { class: 'lens-token' }, visibleToken(result.texts[id] ?? `#${id}`)),
            el('span', { class: 'lens-prob' }, percent(reading.top.probs[r])),
          ),
        ),
        el('td', { class: 'lens-final' }, el('span', { class: 'lens-bar', style: `width:${Math.round(reading.finalTokenProb * 100)}%` }), `${percent(reading.finalTokenProb)} · rank ${reading.finalTokenRank + 1}`),
      );
    });
    const sentence = formationSentence(readings, result.texts);
    this.lines.push(sentence);
    this.element.replaceChildren(
      ...head,
      el('p', { class: 'lens-sentence' }, sentence),
      el(
        'table',
        { class: 'lens-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'depth'), ...[1, 2, 3, 4, 5].map((r) => el('th', {}, `#${r}`)), el('th', {}, `final answer “${visibleToken(result.texts[finalId] ?? '')}”`))),
        el('tbody', {}, ...rows),
      ),
      el('p', { class: 'lens-timing' }, `Forward pass and readout: ${result.forwardMs} ms.`),
    );
  }

  setCursorToken(): void {
    // The query token is chosen here; following the cursor would start a forward pass per cursor move.
  }

  exportCanvas(): HTMLCanvasElement {
    return textCanvas(this.lines, this.context?.palette);
  }
}
