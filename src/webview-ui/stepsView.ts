/**
 * Step-by-step view: the attention of one query token, computed in front of the reader from the
 * captured q, k and v — position, query, keys, scores, scale, mask, softmax, values, output —
 * with the softmax checked against the probabilities the model itself produced.
 */

import { formatNumber, formatProbability, formatVector } from './numberFormat';
import { el } from './domBuilder';
import { computeSteps, type StepByStep } from './stepsModel';
import { visibleToken } from './tokenText';
import type { AttentionView, RenderContext } from './viewTypes';
import { textCanvas } from './textCanvas';

/** Dimensions shown before a vector is expanded. */
const SHOWN_DIMS = 8;

/** See the module comment. */
export class StepsView implements AttentionView {
  readonly element = el('div', { id: 'steps', class: 'view steps-view' });
  private context: RenderContext | undefined;
  private steps: StepByStep | undefined;
  /** Steps whose vectors show every dimension. */
  private readonly expanded = new Set<number>();
  private lines: string[] = [];

  /** Recomputes and lays out the steps for the selected query token. */
  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection } = context;
    const result = computeSteps(capture, selection.layer, selection.head, selection.queryToken, context.causal);
    if (!result.available) {
      this.steps = undefined;
      this.lines = ['Step by step is unavailable.', result.reason];
      this.element.replaceChildren(el('div', { class: 'steps-unavailable', role: 'note' }, el('h2', {}, 'Step by step is unavailable for this capture'), el('p', {}, result.reason)));
      return;
    }
    this.steps = result.steps;
    this.layout();
  }

  /** Marks nothing: the view is about one chosen token, not the cursor's. */
  setCursorToken(): void {
    // The query token is chosen in the view; following the cursor would yank the page while reading.
  }

  /** The steps as text on a canvas (the numbers, headings and the softmax check). */
  exportCanvas(): HTMLCanvasElement {
    return textCanvas(this.lines, this.context?.palette);
  }

  private layout(): void {
    const context = this.context;
    const s = this.steps;
    if (!context || !s) return;
    const tokens = context.capture.tokens;
    const i = s.query;
    const tok = (j: number) => `“${visibleToken(tokens[j])}”`;
    this.lines = [`# ${context.capture.modelName} — layer ${s.layer}, head ${s.head}, query ${i} ${tok(i)}, d_k = ${s.headDim}`];
    const visible = Array.from({ length: i + 1 }, (_, j) => j);
    const all = tokens.map((_, j) => j);
    const dims = (step: number) => (this.expanded.has(step) ? s.headDim : SHOWN_DIMS);

    const sections: HTMLElement[] = [
      this.section(0, 'Position: where the token’s place in the text enters', this.positionBody(s, dims(0))),
      this.section(1, 'Query: what this token is looking for', [
        el('p', {}, `Token ${i} ${tok(i)} multiplies its input by this head’s query weights W_Q, giving a ${s.headDim}-number query vector q_${i}.`),
        this.vectorLine(`q_${i}`, s.q, dims(1)),
      ], s.headDim > SHOWN_DIMS),
      this.section(2, `Keys: what each token it may see offers to be matched on`, [
        el('p', {}, `Every token j also has a key k_j (its input times W_K). Token ${i} may look at tokens 0…${i} (itself and those before it): ${i + 1} keys.`),
        this.table(['j', 'token', 'k_j'], visible.map((j) => [String(j), tok(j), formatVector(s.keys.subarray(j * s.headDim, (j + 1) * s.headDim), dims(2))])),
      ], s.headDim > SHOWN_DIMS),
      this.section(3, 'Scores: how well the query matches each key', [
        el('p', {}, `The dot product q_${i}·k_j multiplies the two vectors number by number and adds up: large when they point the same way.`),
        el('p', { class: 'worked' }, this.workedDot(s)),
        this.table(['j', 'token', `q_${i}·k_j`], visible.map((j) => [String(j), tok(j), formatNumber(s.dots[j])])),
      ]),
      this.section(4, 'Scale: divide by √d_k so scores do not grow with the vector length', [
        el('p', {}, `√d_k = √${s.headDim} = ${formatNumber(s.sqrtD)}. Without it, long vectors would give huge scores and the softmax would put almost all weight on one token.`),
        this.table(['j', 'token', `q·k ÷ ${formatNumber(s.sqrtD)}`], visible.map((j) => [String(j), tok(j), formatNumber(s.scaled[j])])),
      ]),
      this.section(5, 'Mask: a token may not look ahead', [
        el('p', {}, s.causal
          ? `Tokens after ${i} (j > ${i}) are the future: their score becomes −∞, so the softmax gives them exactly 0.`
          : 'This model attends in both directions: nothing is masked.'),
        this.maskTable(s, all, tok),
      ]),
      this.section(6, 'Softmax: turn the scores into weights that sum to 1', [
        el('p', {}, `w_j = exp(s_j − max) / Σ exp(s − max), with max = ${formatNumber(s.max)} (subtracting it changes nothing but keeps exp from overflowing). Σ = ${formatNumber(s.expSum)}.`),
        this.softmaxTable(s, visible, tok),
        this.softmaxCheck(s),
      ]),
      this.section(7, 'Mix the values: each value vector scaled by its weight', [
        el('p', {}, `Each token j also has a value v_j (its input times W_V): what it passes on if attended to. Each is multiplied by its weight w_j.`),
        this.table(['j', 'token', 'w_j', 'v_j', 'w_j · v_j'], visible.map((j) => {
          const vj = s.values.subarray(j * s.headDim, (j + 1) * s.headDim);
          return [String(j), tok(j), formatProbability(s.weights[j]), formatVector(vj, dims(7)), formatVector(vj.map((x) => x * s.weights[j]), dims(7))];
        })),
      ], s.headDim > SHOWN_DIMS),
      this.section(8, 'Output: the sum, what this head adds for the token', [
        el('p', {}, `Σ_j w_j · v_j. The layer joins the outputs of all ${context.capture.heads} heads, projects them with W_O and adds the result to the token’s running representation (not shown).`),
        this.vectorLine(`output_${i}`, s.output, dims(8)),
      ], s.headDim > SHOWN_DIMS),
    ];

    const picker = el('select', { id: 'steps-query', 'aria-label': 'Query token' }, ...tokens.map((t, j) => el('option', { value: j, selected: j === i }, `${j}: ${visibleToken(t).slice(0, 24)}`)));
    picker.addEventListener('change', () => context.actions.select({ queryToken: Number(picker.value) }));
    const previous = el('button', { type: 'button', 'data-step-nav': 'previous', disabled: i === 0 }, '◀ previous token');
    previous.addEventListener('click', () => context.actions.select({ queryToken: i - 1 }));
    const next = el('button', { type: 'button', 'data-step-nav': 'next', disabled: i === tokens.length - 1 }, 'next token ▶');
    next.addEventListener('click', () => context.actions.select({ queryToken: i + 1 }));
    this.element.replaceChildren(
      el(
        'div',
        { class: 'steps-header' },
        el('label', {}, 'Query token ', picker),
        previous,
        next,
        el('span', { class: 'steps-where' }, `layer ${s.layer} · head ${s.head} · d_k = ${s.headDim}`),
      ),
      ...(s.replacedMean ? [el('p', { class: 'note' }, 'The mean of heads has no queries, keys or values of its own: these are the steps of head 0. Pick a head in the toolbar to follow another.')] : []),
      ...sections,
    );
  }

  private section(step: number, heading: string, body: HTMLElement | HTMLElement[], expandable = false): HTMLElement {
    const section = el('section', { class: 'step', 'data-step': step, 'aria-labelledby': `step-${step}-heading` }, el('h3', { id: `step-${step}-heading` }, el('span', { class: 'step-number' }, String(step)), heading));
    section.append(...(Array.isArray(body) ? body : [body]));
    this.lines.push('', `(${step}) ${heading}`, ...Array.from(section.querySelectorAll('p, .vector-line, tr'), (node) => (node.tagName === 'TR' ? Array.from(node.children, (c) => c.textContent).join('  ') : node.textContent ?? '')));
    if (expandable && this.steps) {
      const open = this.expanded.has(step);
      const button = el('button', { type: 'button', class: 'expand-dims', 'data-expand': step, 'aria-expanded': String(open) }, open ? `show the first ${SHOWN_DIMS} numbers` : `show all ${this.steps.headDim} numbers`);
      button.addEventListener('click', () => {
        if (open) this.expanded.delete(step);
        else this.expanded.add(step);
        this.layout();
        this.element.querySelector<HTMLButtonElement>(`button[data-expand="${step}"]`)?.focus();
      });
      section.append(button);
    }
    return section;
  }

  private positionBody(s: StepByStep, dims: number): HTMLElement[] {
    const position = s.position;
    const laterLayer = s.layer > 0 ? ` Layer ${s.layer} receives this after ${s.layer} layer${s.layer > 1 ? 's' : ''} of processing, which carry the position along.` : '';
    switch (position.kind) {
      case 'learned':
        return [
          el('p', {}, `This model learns one vector per position and adds it to the token’s embedding; the sum is what the first layer reads.${laterLayer}`),
          this.vectorLine('token embedding', position.token, dims),
          this.vectorLine(`+ position ${s.query} vector`, position.position, dims),
          this.vectorLine('= block input', position.input, dims),
        ];
      case 'learnedNotCaptured':
        return [el('p', {}, `This model adds a learned position vector to each token embedding, but the capture does not include them.${laterLayer}`)];
      case 'rotary':
        return [el('p', {}, `This model adds no position vector. Instead q and k are rotated by an angle proportional to their position (rotary embedding) before the dot product, so the score q_${s.query}·k_j depends on how far apart the two tokens are. The q and k below are already rotated.`)];
      case 'unknown':
        return [el('p', {}, 'How this model encodes positions is not known to the viewer; q and k below are as captured.')];
      default: {
        const unreachable: never = position;
        return unreachable;
      }
    }
  }

  private vectorLine(name: string, values: ArrayLike<number>, dims: number): HTMLElement {
    return el('div', { class: 'vector-line' }, el('span', { class: 'vector-name' }, name), el('code', { class: 'vector' }, formatVector(values, dims)));
  }

  /** q_i·k_i written out term by term for its first few dimensions, so "dot product" has numbers. */
  private workedDot(s: StepByStep): string {
    const i = s.query;
    const terms = Math.min(3, s.headDim);
    const parts: string[] = [];
    for (let d = 0; d < terms; d++) parts.push(`(${formatNumber(s.q[d])})(${formatNumber(s.keys[i * s.headDim + d])})`);
    return `For example q_${i}·k_${i} = ${parts.join(' + ')}${s.headDim > terms ? ' + …' : ''} = ${formatNumber(s.dots[i])}`;
  }

  private table(headers: string[], rows: string[][], rowClass?: (n: number) => string | undefined): HTMLElement {
    const body = el('tbody', {}, ...rows.map((cells, n) => el('tr', { class: rowClass?.(n) }, ...cells.map((c) => el('td', {}, c)))));
    return el('div', { class: 'step-table-wrap', tabindex: 0 }, el('table', { class: 'step-table' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))), body));
  }

  private maskTable(s: StepByStep, all: number[], tok: (j: number) => string): HTMLElement {
    const wrap = this.table(['j', 'token', 'score', 'after the mask'], all.map((j) => {
      const masked = s.masked[j] === Number.NEGATIVE_INFINITY;
      return [String(j), tok(j), formatNumber(s.scaled[j]), masked ? '−∞' : formatNumber(s.masked[j])];
    }), (j) => (s.masked[j] === Number.NEGATIVE_INFINITY ? 'masked' : undefined));
    // Strike through the future rows' token and score: they were computed, then thrown away.
    wrap.querySelectorAll('tr.masked').forEach((tr) => {
      [tr.children[1], tr.children[2]].forEach((td) => td.replaceChildren(el('s', {}, td.textContent ?? '')));
    });
    return wrap;
  }

  private softmaxTable(s: StepByStep, visible: number[], tok: (j: number) => string): HTMLElement {
    const wrap = this.table(['j', 'token', 'exp(s_j − max)', 'weight w_j', 'model’s own', ''], visible.map((j) => [String(j), tok(j), formatNumber(s.exps[j]), formatProbability(s.weights[j]), formatProbability(s.captured[j]), '']));
    wrap.querySelectorAll('tbody tr').forEach((tr, j) => {
      const [, , , weight, captured, bar] = Array.from(tr.children) as HTMLElement[];
      weight.className = 'weight';
      weight.dataset.value = String(s.weights[j]);
      captured.className = 'captured';
      captured.dataset.value = String(s.captured[j]);
      bar.append(el('span', { class: 'weight-bar', style: `width:${Math.round(s.weights[j] * 100)}%` }));
      bar.className = 'bar-cell';
    });
    return wrap;
  }

  private softmaxCheck(s: StepByStep): HTMLElement {
    const d = s.maxDifference;
    const verdict = d < 1e-4 ? 'matches the model' : d < 1e-2 ? 'close (the model computes in lower precision)' : 'differs: the model may scale or mask differently than plain causal attention';
    return el('p', { class: d < 1e-2 ? 'softmax-check ok' : 'softmax-check warn', 'data-max-difference': d }, `Check: max |recomputed − captured| = ${formatNumber(d)} — ${verdict}.`);
  }
}
