/**
 * "What if" view: hide tokens from attention (their mask off; every position keeps its number) or
 * knock heads out (their output zeroed), run the model again, and compare the next-token
 * prediction and the greedy continuation at the query token with the original, side by side.
 */

import type { HeadRef, ProbeOutcome, ProbeResult } from '../common/probeProtocol';
import { MAX_PROBE_KNOCKOUTS, MAX_PROBE_MASKED } from '../common/webviewProtocol';
import { el } from './domBuilder';
import { keepingFocus } from './focusKeeper';
import { cssColor } from './themeColors';
import { visibleToken } from './tokenText';
import { percent } from './confidenceView';
import type { AttentionView, RenderContext } from './viewTypes';
import { textCanvas } from './textCanvas';

const headKey = (h: HeadRef) => `${h.layer}:${h.head}`;

/** See the module comment. */
export class WhatIfView implements AttentionView {
  readonly element = el('div', { id: 'whatIf', class: 'view what-if-view' });
  private context: RenderContext | undefined;
  /** The choices, kept across repaints of the same capture. */
  private choices: { text: unknown; masked: Set<number>; heads: Map<string, HeadRef> } = { text: undefined, masked: new Set(), heads: new Map() };
  private lines: string[] = [];

  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection } = context;
    // Keyed by the token ids, which stay the same object when the other layers or the vectors arrive.
    if (this.choices.text !== capture.tokenIds) this.choices = { text: capture.tokenIds, masked: new Set(), heads: new Map() };
    const query = Math.min(selection.queryToken, capture.tokens.length - 1);
    const picker = el('select', { id: 'what-if-query', class: 'view-focus', 'aria-label': 'Query token' }, ...capture.tokens.map((t, j) => el('option', { value: j, selected: j === query }, `${j}: ${visibleToken(t).slice(0, 24)}`)));
    picker.addEventListener('change', () => context.actions.select({ queryToken: Number(picker.value) }));
    const run = el('button', { type: 'button', 'data-run-probe': '', class: 'run-probe' }, 'Run ▶');
    run.addEventListener('click', () => this.run(query));
    // Enter on the query picker, or Ctrl/⌘+Enter anywhere in the view, runs too (Enter on a toggle toggles it).
    picker.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      this.run(query);
    });
    this.element.onkeydown = (event) => {
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      this.run(query);
    };

    const strip = el('div', { class: 'what-if-tokens', role: 'group', 'aria-label': 'Tokens: press to hide one from attention' });
    capture.tokens.forEach((token, t) => {
      const masked = this.choices.masked.has(t);
      // Under a causal mask a token after the query cannot change its prediction: nothing to hide there.
      const later = context.causal && t > query;
      const button = el('button', { type: 'button', class: `wi-token${masked ? ' masked' : ''}${t === query ? ' query' : ''}`, 'data-mask-token': t, 'aria-pressed': String(masked), disabled: later, title: later ? `${t}: after the query token, so it cannot change this prediction` : `${t}: ${masked ? 'hidden — press to show again' : 'press to hide from attention'}` }, visibleToken(token));
      button.addEventListener('click', () => {
        if (masked) this.choices.masked.delete(t);
        else if (this.choices.masked.size < MAX_PROBE_MASKED) this.choices.masked.add(t);
        keepingFocus(this.element, () => this.render(context));
      });
      strip.append(button);
    });

    const grid = el('div', { class: 'what-if-heads', role: 'group', 'aria-label': 'Heads: press to knock one out', style: `grid-template-columns:auto repeat(${capture.heads}, 2.2em)` });
    grid.append(el('span'), ...Array.from({ length: capture.heads }, (_, h) => el('span', { class: 'wi-col' }, `${h}`)));
    for (let layer = 0; layer < capture.layers; layer++) {
      grid.append(el('span', { class: 'wi-row' }, `L${layer}`));
      for (let head = 0; head < capture.heads; head++) {
        const key = headKey({ layer, head });
        const out = this.choices.heads.has(key);
        const button = el('button', { type: 'button', class: `wi-head${out ? ' out' : ''}`, 'data-knockout-layer': layer, 'data-knockout-head': head, 'aria-pressed': String(out), title: `layer ${layer}, head ${head}: ${out ? 'knocked out' : 'press to knock out'}` }, out ? '✕' : '·');
        button.addEventListener('click', () => {
          if (out) this.choices.heads.delete(key);
          else if (this.choices.heads.size < MAX_PROBE_KNOCKOUTS) this.choices.heads.set(key, { layer, head });
          keepingFocus(this.element, () => this.render(context));
        });
        grid.append(button);
      }
    }

    this.lines = [`# what if — ${capture.modelName}, query ${query} “${visibleToken(capture.tokens[query])}”`];
    const results = this.results(query);
    const summary = `${this.choices.masked.size} token${this.choices.masked.size === 1 ? '' : 's'} hidden, ${this.choices.heads.size} head${this.choices.heads.size === 1 ? '' : 's'} knocked out`;
    this.element.replaceChildren(
      el('p', { class: 'view-caption' }, 'What if a token were hidden, or a head silent? Hiding a token turns its attention mask off, so no later token can look at it (every position keeps its number); knocking a head out zeroes its output. Run compares the prediction after the query token with the original.'),
      el('div', { class: 'what-if-controls' }, el('label', { class: 'picker' }, 'Query token ', picker), el('span', { class: 'wi-summary' }, summary), run),
      el('h3', {}, 'Tokens'),
      strip,
      el('h3', {}, 'Heads (layers × heads)'),
      grid,
      results,
    );
    // Before an answer the export says what the panel says (not run yet, waiting, failed).
    if (this.lines.length === 1) this.lines.push(summary, results.textContent ?? '');
  }

  private run(query: number): void {
    this.context?.actions.probe({
      position: query,
      lens: false,
      maskedPositions: [...this.choices.masked].filter((t) => !this.context?.causal || t <= query).sort((a, b) => a - b),
      knockedOutHeads: [...this.choices.heads.values()],
      continuation: true,
    });
  }

  private results(query: number): HTMLElement {
    const probe = this.context?.probe;
    const mine = probe && !probe.request.lens && probe.request.continuation && probe.request.position === query;
    if (!mine) return el('p', { class: 'empty-state' }, 'Choose tokens to hide or heads to knock out, then Run.');
    if (probe.error) return el('p', { class: 'note error', role: 'alert' }, `The probe could not run: ${probe.error}`);
    const result = probe.result;
    if (!result) return el('p', { class: 'empty-state', role: 'status' }, 'Running the model with and without the changes…');
    this.lines.push(...this.outcomeLines('original', result.original, result));
    const sides = [this.side('original', result.original, result, undefined)];
    if (result.changed) {
      sides.push(this.side('changed', result.changed, result, result.original));
      this.lines.push(...this.outcomeLines('changed', result.changed, result));
    } else {
      sides.push(el('div', { class: 'wi-side', 'data-side': 'changed' }, el('h4', {}, 'changed'), el('p', {}, 'Nothing was changed: hide a token or knock out a head first.')));
    }
    return el(
      'div',
      { class: 'what-if-results', role: 'region', 'aria-label': 'Original and changed' },
      result.knockoutUnavailable ? el('p', { class: 'note', role: 'note' }, result.knockoutUnavailable) : false,
      el('div', { class: 'wi-sides' }, ...sides),
      el('p', { class: 'lens-timing' }, `${result.forwardMs} ms for the forward passes.`),
    );
  }

  private outcomeLines(name: string, outcome: ProbeOutcome, result: ProbeResult): string[] {
    return [`${name}: ${outcome.next.ids.map((id, r) => `${visibleToken(result.texts[id] ?? `#${id}`)} ${percent(outcome.next.probs[r])}`).join('  ')}`, `  continues: ${visibleToken(outcome.continuation ?? '')}`];
  }

  private side(name: string, outcome: ProbeOutcome, result: ProbeResult, original: ProbeOutcome | undefined): HTMLElement {
    const before = (id: number) => {
      if (!original) return undefined;
      const r = original.next.ids.indexOf(id);
      return r < 0 ? undefined : original.next.probs[r];
    };
    const palette = this.context!.palette;
    const rows = outcome.next.ids.map((id, r) => {
      const p = outcome.next.probs[r];
      const was = before(id);
      const change = original ? (was === undefined ? ' (new in the top 5)' : ` (${p >= was ? '+' : '−'}${(Math.abs(p - was) * 100).toFixed(1)} pts)`) : '';
      return el(
        'li',
        {},
        // On a fixed scale (10em = probability 1), so both sides' bars compare and the text never wraps.
        el('span', { class: 'wi-bar', style: `width:${Math.max(0.1, p * 10).toFixed(2)}em;background:${cssColor(palette.accent)}` }),
        el('span', { class: 'lens-token' }, visibleToken(result.texts[id] ?? `#${id}`)),
        ` ${percent(p)}${change}`,
      );
    });
    const continuation = outcome.continuation ?? '';
    const differs = original && (original.continuation ?? '') !== continuation;
    return el(
      'div',
      { class: 'wi-side', 'data-side': name },
      el('h4', {}, name),
      el('ol', { class: 'wi-top' }, ...rows),
      el('p', {}, `entropy ${outcome.next.entropy.toFixed(2)} nats`),
      el('p', { class: differs ? 'wi-continuation differs' : 'wi-continuation' }, 'continues: ', differs ? this.markedContinuation(original.continuation ?? '', continuation) : el('code', {}, visibleToken(continuation) || '∅'), differs ? ' — differs from the original' : original ? ' — same as the original' : ''),
    );
  }

  /** The changed continuation with the part after its shared start with the original marked. */
  private markedContinuation(original: string, changed: string): HTMLElement {
    let shared = 0;
    while (shared < original.length && shared < changed.length && original[shared] === changed[shared]) shared++;
    const tail = changed.slice(shared);
    return el('code', {}, visibleToken(changed.slice(0, shared)).replace(/^∅$/, ''), el('mark', { 'data-diff': '' }, tail ? visibleToken(tail) : '(ends here)'));
  }

  setCursorToken(): void {
    // The query token is chosen here.
  }

  exportCanvas(): HTMLCanvasElement {
    return textCanvas(this.lines.length ? this.lines : ['(run a comparison first)'], this.context?.palette);
  }
}
