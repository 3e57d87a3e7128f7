/**
 * The guided tour: one query token through one head's attention, one step per screen, for a
 * reader who has never seen attention — where position enters, the query, the keys, the scores
 * QKᵀ, the scaling by √d_k, the causal mask, the softmax (checked against the model's own
 * probabilities), the weighted sum of the values, and the output. Real numbers from the capture
 * (stepsModel.ts); → / ← (or Space, PageDown / PageUp, Home, End) move between screens.
 */

import { el } from './domBuilder';
import { formatNumber, formatProbability, formatVector } from './numberFormat';
import { computeSteps, type StepByStep } from './stepsModel';
import { visibleToken } from './tokenText';
import type { AttentionView, RenderContext } from './viewTypes';
import { textCanvas } from './textCanvas';

/** Dimensions of a vector shown on a screen. */
const SHOWN = 6;
/** Keys listed on a screen: the strongest few, so a long text still fits. */
const LISTED = 6;

interface Screen {
  readonly title: string;
  readonly body: (string | HTMLElement)[];
}

/** The tokens a screen lists: the query and the ones it weighs most, in text order. */
function listed(s: StepByStep): number[] {
  const visible = Array.from({ length: s.query + 1 }, (_, j) => j);
  const top = [...visible].sort((a, b) => s.weights[b] - s.weights[a]).slice(0, LISTED - 1);
  return [...new Set([...top, s.query])].sort((a, b) => a - b);
}

/** The screens for one query token (pure apart from the elements it builds). */
export function tourScreens(s: StepByStep, tokens: readonly string[], modelName: string): Screen[] {
  const tok = (j: number) => `“${visibleToken(tokens[j])}”`;
  const i = s.query;
  const rows = listed(s);
  const table = (headers: string[], cells: (j: number) => string[]) =>
    el('table', { class: 'tour-table' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows.map((j) => el('tr', { class: j === i ? 'query' : '' }, ...cells(j).map((c) => el('td', {}, c))))));
  const strongest = rows.reduce((a, b) => (s.weights[b] > s.weights[a] ? b : a), rows[0]);
  const position: (string | HTMLElement)[] =
    s.position.kind === 'learned'
      ? [
          `${modelName} adds a learned position vector to each token’s embedding before the first layer. For token ${i} ${tok(i)}:`,
          el('p', { class: 'tour-vector' }, `token embedding ${formatVector(s.position.token, SHOWN)}`),
          el('p', { class: 'tour-vector' }, `+ position ${i} ${formatVector(s.position.position, SHOWN)}`),
          el('p', { class: 'tour-vector' }, `= input ${formatVector(s.position.input, SHOWN)}`),
          'The same word at another place gets another input: that is how attention can tell “before” from “after”.',
        ]
      : s.position.kind === 'rotary'
        ? [`${modelName} does not add positions to the input. Instead it rotates each query and key by an angle that grows with its position (rotary embeddings), so the score of two tokens depends on how far apart they are.`]
        : [`How ${modelName} encodes positions was not captured; every token’s input below already carries it.`];
  return [
    { title: 'The token and its place', body: [`Follow token ${i} ${tok(i)} through one attention head (layer ${s.layer}, head ${s.head}). Attention lets it look back at the tokens before it and take in what it needs.`, ...position] },
    { title: 'Query: what the token looks for', body: [`The token’s input is multiplied by this head’s query weights W_Q. The result is its query, ${s.headDim} numbers:`, el('p', { class: 'tour-vector' }, `q_${i} = ${formatVector(s.q, SHOWN)}`)] },
    { title: 'Keys: what every token offers', body: [`Every token j it may see also gets a key k_j (its input times W_K). Token ${i} may see ${i + 1} tokens: itself and those before it. Some of them:`, table(['j', 'token', 'k_j'], (j) => [String(j), tok(j), formatVector(s.keys.subarray(j * s.headDim, (j + 1) * s.headDim), 4)])] },
    {
      title: 'Scores: Q·Kᵀ',
      body: [
        `How well the query matches each key is their dot product: multiply number by number and add up. For ${tok(strongest)}:`,
        el('p', { class: 'tour-vector' }, `q_${i}·k_${strongest} = ${Array.from(s.q.subarray(0, 3), (x, d) => `${formatNumber(x)}×${formatNumber(s.keys[strongest * s.headDim + d])}`).join(' + ')} + … = ${formatNumber(s.dots[strongest])}`),
        table(['j', 'token', `q·k`], (j) => [String(j), tok(j), formatNumber(s.dots[j])]),
      ],
    },
    { title: 'Scale: ÷ √d_k', body: [`The scores are divided by √d_k = √${s.headDim} = ${formatNumber(s.sqrtD)}. Long vectors make large dot products; without this the next step would put nearly all weight on one token.`, table(['j', 'token', `q·k ÷ ${formatNumber(s.sqrtD)}`], (j) => [String(j), tok(j), formatNumber(s.scaled[j])])] },
    { title: 'Mask: no looking ahead', body: [s.causal ? `The tokens after ${i} are the future, which the model must not see while it writes: their score becomes −∞, so the next step gives them exactly 0. ${tokens.length - i - 1} token(s) are masked here.` : 'This model reads in both directions: nothing is masked.'] },
    {
      title: 'Softmax: scores become weights',
      body: [
        `w_j = exp(score_j − max) ÷ Σ exp(score − max): every weight is positive and they add up to 1 (max = ${formatNumber(s.max)}, Σ = ${formatNumber(s.expSum)}).`,
        table(['j', 'token', 'weight', 'the model’s own'], (j) => [String(j), tok(j), formatProbability(s.weights[j]), formatProbability(s.captured[j])]),
        el('p', { class: 'tour-check' }, `Recomputed here and produced by the model agree to ${s.maxDifference.toExponential(1)}.`),
      ],
    },
    { title: '× V: mix the values', body: [`Every token also has a value v_j (its input times W_V): what it passes on when looked at. Each value is multiplied by its weight and the results are added. ${tok(strongest)} has the largest weight, ${formatProbability(s.weights[strongest])}, so it contributes most.`, table(['j', 'token', 'w_j', 'v_j'], (j) => [String(j), tok(j), formatProbability(s.weights[j]), formatVector(s.values.subarray(j * s.headDim, (j + 1) * s.headDim), 4)])] },
    { title: 'Output: what this head adds', body: [`The weighted sum is this head’s output for token ${i}:`, el('p', { class: 'tour-vector' }, `Σ_j w_j·v_j = ${formatVector(s.output, SHOWN)}`), `The layer joins its heads’ outputs, projects them with W_O and adds the result to the token’s running representation. The next layer starts again from there.`] },
  ];
}

/** See the module comment. */
export class TourView implements AttentionView {
  readonly element = el('div', { id: 'tour', class: 'view tour-view' });
  private context: RenderContext | undefined;
  private screens: Screen[] = [];
  private index = 0;
  /** The token, layer and head the tour is on: a new one starts again at the first screen. */
  private subject = '';

  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection } = context;
    const result = computeSteps(capture, selection.layer, selection.head, selection.queryToken, context.causal);
    if (!result.available) {
      this.screens = [];
      this.element.replaceChildren(el('p', { class: 'view-caption' }, 'A guided tour of attention for one token.'), el('p', { class: 'note', role: 'note' }, result.reason));
      return;
    }
    const subject = `${capture.text.length}:${result.steps.layer}:${result.steps.head}:${result.steps.query}`;
    if (subject !== this.subject) this.index = 0;
    this.subject = subject;
    this.screens = tourScreens(result.steps, capture.tokens, capture.modelName);
    this.draw();
  }

  private draw(): void {
    const context = this.context!;
    const { capture, selection } = context;
    const screen = this.screens[this.index];
    const query = Math.min(selection.queryToken, capture.tokens.length - 1);
    const picker = el('select', { id: 'tour-query', 'aria-label': 'Query token' }, ...capture.tokens.map((t, j) => el('option', { value: j, selected: j === query }, `${j}: ${visibleToken(t).slice(0, 24)}`)));
    picker.addEventListener('change', () => context.actions.select({ queryToken: Number(picker.value) }));
    const nav = (label: string, to: number, name: string) => {
      const button = el('button', { type: 'button', 'data-tour-nav': name, disabled: to < 0 || to >= this.screens.length }, label);
      button.addEventListener('click', () => this.go(to));
      return button;
    };
    const body = el('div', { class: 'tour-screen', tabindex: 0, role: 'region', 'aria-roledescription': 'step', 'aria-label': `Step ${this.index + 1} of ${this.screens.length}: ${screen.title}` }, el('h2', {}, screen.title), ...screen.body.map((part) => (typeof part === 'string' ? el('p', {}, part) : part)));
    body.addEventListener('keydown', (event) => this.onKey(event));
    const hadFocus = this.element.contains(document.activeElement);
    this.element.replaceChildren(
      el('p', { class: 'view-caption' }, 'A guided tour of attention, one step at a time, with this text’s real numbers. Use → and ← (or the buttons); the layer and head pickers above choose the head.'),
      el('div', { class: 'tour-controls' }, el('label', { class: 'picker' }, 'Token ', picker), el('span', { class: 'tour-progress', 'aria-live': 'polite' }, `step ${this.index + 1} of ${this.screens.length}`), nav('◀ back', this.index - 1, 'previous'), nav('next ▶', this.index + 1, 'next')),
      body,
    );
    if (hadFocus) body.focus();
  }

  private go(to: number): void {
    if (to < 0 || to >= this.screens.length) return;
    this.index = to;
    this.draw();
    this.element.querySelector<HTMLElement>('.tour-screen')?.focus();
  }

  private onKey(event: KeyboardEvent): void {
    const last = this.screens.length - 1;
    const to: Record<string, number> = { ArrowRight: this.index + 1, PageDown: this.index + 1, ' ': this.index + 1, ArrowLeft: this.index - 1, PageUp: this.index - 1, Home: 0, End: last };
    if (!(event.key in to)) return;
    event.preventDefault();
    this.go(Math.max(0, Math.min(last, to[event.key])));
  }

  setCursorToken(): void {
    // The tour is about one chosen token.
  }

  exportCanvas(): HTMLCanvasElement {
    const screen = this.screens[this.index];
    const lines = screen ? [`# ${screen.title}`, ...screen.body.map((part) => (typeof part === 'string' ? part : part.textContent ?? ''))] : [];
    return textCanvas(lines, this.context?.palette);
  }
}
