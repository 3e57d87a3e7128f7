/**
 * Heads overview: small multiples of every layer × head, each labelled with the roles it plays on
 * this text (previous token, first token, duplicate, induction, bracket match: headRoles.ts);
 * a role filter marks the heads that have it. Picking a head opens it in the matrix.
 */

import { HEAD_ROLE_LABELS, HEAD_ROLE_SENTENCES, HEAD_ROLES, headLabels, scoreHeadRoles, type HeadRole, type HeadRoleScores } from '../common/headRoles';
import { headSlice } from './attentionMath';
import { el, hiDpiCanvas } from './domBuilder';
import { keepingFocus } from './focusKeeper';
import { moveInGrid } from './gridNavigation';
import { paintHeatmap } from './heatmapImage';
import { cssColor } from './themeColors';
import type { AttentionView, RenderContext } from './viewTypes';

/** See the module comment. */
export class HeadsOverview implements AttentionView {
  readonly element = el('div', { id: 'heads', class: 'view heads-view' });
  private context: RenderContext | undefined;
  private thumbs: HTMLButtonElement[] = [];
  private thumbSize = 96;
  /** Role scores of the capture they were computed for. */
  private roles: { probs: unknown; scores: HeadRoleScores } | undefined;
  private filter: HeadRole | 'all' = 'all';

  private roleScores(context: RenderContext): HeadRoleScores {
    const { capture } = context;
    if (this.roles?.probs !== capture.probs) this.roles = { probs: capture.probs, scores: scoreHeadRoles({ probs: capture.probs, tokenIds: capture.tokenIds, text: capture.text, offsets: capture.offsets }) };
    return this.roles.scores;
  }

  /** "strongest induction head: L4 H2, 0.82" per role that was scored. */
  private strongestLines(scores: HeadRoleScores): HTMLElement[] {
    return HEAD_ROLES.filter((role) => this.filter === 'all' || role === this.filter).map((role) => {
      const values = scores.scores[role];
      if (!values) return el('li', { 'data-role': role }, `${HEAD_ROLE_LABELS[role]}: not scored (this text has no row for it)`);
      let at = 0;
      for (let i = 1; i < values.length; i++) if (values[i] > values[at]) at = i;
      return el('li', { 'data-role': role, title: HEAD_ROLE_SENTENCES[role] }, `strongest ${HEAD_ROLE_LABELS[role]} head: L${Math.floor(at / scores.heads)} H${at % scores.heads}, ${values[at].toFixed(2)}`);
    });
  }

  /** Every role with what it means: on hover for each, and spelled out for the role the filter marks (a title is out of a keyboard's reach). */
  private legend(): HTMLElement {
    const roles = HEAD_ROLES.map((role) => el('span', { class: 'role-legend-item', 'data-role': role, title: HEAD_ROLE_SENTENCES[role] }, HEAD_ROLE_LABELS[role]));
    const chosen = this.filter === 'all' ? '' : ` — ${HEAD_ROLE_LABELS[this.filter]}: ${HEAD_ROLE_SENTENCES[this.filter]}`;
    return el('p', { class: 'role-legend' }, 'Roles: ', ...roles.flatMap((r, n) => (n === 0 ? [r] : [' · ', r])), chosen ? el('span', { class: 'role-legend-chosen' }, chosen) : false);
  }

  /** Draws one thumbnail per layer and head. */
  render(context: RenderContext): void {
    this.context = context;
    const { capture, selection, palette } = context;
    const tokens = capture.tokens.length;
    // Shrink thumbnails to fit a row of heads in the panel, but not below what still shows a pattern.
    this.thumbSize = Math.max(40, Math.min(120, Math.floor((context.width - 80) / capture.heads) - 8));
    const cell = this.thumbSize / tokens;
    const roleScores = this.roleScores(context);
    this.thumbs = [];
    const rows: HTMLElement[] = [el('div', { class: 'heads-corner' }), ...Array.from({ length: capture.heads }, (_, h) => el('div', { class: 'heads-col-header' }, `head ${h}`))];
    for (let layer = 0; layer < capture.layers; layer++) {
      rows.push(el('div', { class: 'heads-row-header' }, `layer ${layer}`));
      for (let head = 0; head < capture.heads; head++) {
        const { canvas, ctx } = hiDpiCanvas(this.thumbSize, this.thumbSize);
        paintHeatmap(ctx, headSlice(capture.probs, layer, head), tokens, palette, context.causal, { x: 0, y: 0, cell });
        const labels = headLabels(roleScores, layer, head);
        const current = layer === selection.layer && head === selection.head;
        const thumb = el('button', {
          type: 'button',
          class: current ? 'head-thumb current' : 'head-thumb',
          'data-layer': layer,
          'data-head': head,
          tabindex: current ? 0 : -1,
          'aria-label': `Layer ${layer}, head ${head}${labels.length ? ` (${labels.map((l) => `${HEAD_ROLE_LABELS[l.role]} ${l.score.toFixed(2)}`).join(', ')})` : ''}: open in the matrix`,
          title: `Layer ${layer}, head ${head}`,
          'data-roles': labels.map((l) => l.role).join(' '),
        }, canvas, el('span', { class: 'head-roles' }, ...labels.map((l) => el('span', { class: 'head-role', title: HEAD_ROLE_SENTENCES[l.role] }, `${HEAD_ROLE_LABELS[l.role]} ${l.score.toFixed(2)}`))));
        if (this.filter !== 'all') thumb.classList.toggle('has-role', labels.some((l) => l.role === this.filter));
        thumb.addEventListener('click', () => context.actions.select({ view: 'matrix', layer, head }));
        thumb.addEventListener('keydown', (event) => this.onKey(event, layer, head));
        this.thumbs.push(thumb);
        rows.push(thumb);
      }
    }
    // With 'mean' selected no thumbnail is current; the first one takes the tab stop.
    if (!this.thumbs.some((t) => t.tabIndex === 0) && this.thumbs[0]) this.thumbs[0].tabIndex = 0;
    const filter = el('select', { id: 'role-filter', 'aria-label': 'Mark heads with a role' }, el('option', { value: 'all' }, 'all roles'), ...HEAD_ROLES.map((role) => el('option', { value: role, selected: role === this.filter, title: HEAD_ROLE_SENTENCES[role] }, HEAD_ROLE_LABELS[role])));
    filter.addEventListener('change', () => {
      this.filter = filter.value as HeadRole | 'all';
      keepingFocus(this.element, () => this.render(context));
    });
    this.element.classList.toggle('filtered', this.filter !== 'all');
    this.element.replaceChildren(
      el('p', { class: 'view-caption' }, `Every head of every layer on this text (rows: layers, columns: heads), labelled with the roles it plays here, scored like TransformerLens's head detector (the share of its attention on where the role would look, over the rows that have such a place; labels from 0.4). Click one, or move with the arrow keys and press Enter, to open it in the Matrix.`),
      el('div', { class: 'role-controls' }, el('label', { class: 'picker' }, 'Mark ', filter), el('ul', { class: 'role-strongest' }, ...this.strongestLines(roleScores))),
      this.legend(),
      el('div', { class: 'heads-grid', role: 'group', 'aria-label': 'Layers × heads', style: `grid-template-columns:auto repeat(${capture.heads}, ${this.thumbSize + 6}px)` }, ...rows),
    );
  }

  /** The overview has no per-token marks. */
  setCursorToken(): void {
    // Thumbnails are too small for a token band to be legible.
  }

  /** The grid of thumbnails as one canvas, with layer and head numbers. */
  exportCanvas(): HTMLCanvasElement {
    const context = this.context;
    if (!context) return hiDpiCanvas(1, 1).canvas;
    const { capture, palette } = context;
    const size = this.thumbSize;
    const gap = 6;
    const left = 64;
    const top = 40;
    const { canvas, ctx } = hiDpiCanvas(left + capture.heads * (size + gap), top + capture.layers * (size + gap));
    ctx.fillStyle = cssColor(palette.background);
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = cssColor(palette.foreground);
    ctx.font = `12px ${palette.fontFamily}`;
    ctx.fillText(`${capture.modelName} — every layer × head`, 4, 14);
    for (let head = 0; head < capture.heads; head++) ctx.fillText(`head ${head}`, left + head * (size + gap), top - 6);
    for (let layer = 0; layer < capture.layers; layer++) {
      ctx.fillStyle = cssColor(palette.foreground);
      ctx.fillText(`layer ${layer}`, 4, top + layer * (size + gap) + size / 2);
      for (let head = 0; head < capture.heads; head++) {
        paintHeatmap(ctx, headSlice(capture.probs, layer, head), capture.tokens.length, palette, context.causal, { x: left + head * (size + gap), y: top + layer * (size + gap), cell: size / capture.tokens.length });
      }
    }
    return canvas;
  }

  private onKey(event: KeyboardEvent, layer: number, head: number): void {
    const capture = this.context?.capture;
    if (!capture) return;
    const next = moveInGrid({ row: layer, col: head }, event.key, capture.layers, capture.heads, 4);
    if (!next) return;
    event.preventDefault();
    const target = this.thumbs[next.row * capture.heads + next.col];
    this.thumbs.forEach((t) => (t.tabIndex = t === target ? 0 : -1));
    target.focus();
  }
}
