/** The panel's toolbar: view tabs, layer and head pickers, exports, and what the capture is. */

import { cutSentence, standInSentence, type AttentionCapture } from '../common/attentionData';
import type { AttentionViewName, ViewSelection } from '../common/webviewProtocol';
import { el } from './domBuilder';

/** What the toolbar asks of the panel. */
export interface ToolbarActions {
  select(patch: Partial<ViewSelection>): void;
  exportView(format: 'png' | 'json'): void;
}

const TABS: readonly { readonly view: AttentionViewName; readonly label: string; readonly title: string }[] = [
  { view: 'matrix', label: 'Matrix', title: 'Heatmap of one head: which earlier tokens each token attends to' },
  { view: 'heads', label: 'Heads', title: 'Every layer × head at a glance' },
  { view: 'headView', label: 'Head view', title: 'Lines from each token to the tokens it attends to, several heads at once' },
  { view: 'steps', label: 'Step by step', title: 'The arithmetic of attention for one token: Q·Kᵀ, ÷√d, mask, softmax, × V' },
  { view: 'tour', label: 'Tour', title: 'A guided tour of attention for one token, one step per screen' },
  { view: 'confidence', label: 'Confidence', title: 'How sure the model was of each token, and what it expected instead' },
  { view: 'lens', label: 'Logit lens', title: 'The next-token prediction after every layer, for one token' },
  { view: 'rollout', label: 'Rollout', title: 'Attention followed through the layers, residual path included, beside raw attention' },
  { view: 'whatIf', label: 'What if', title: 'Hide tokens or knock out heads, and compare the prediction with the original' },
];

/** Views that draw every layer, or none: the layer picker does not apply. */
const NO_LAYER: ReadonlySet<AttentionViewName> = new Set(['heads', 'confidence', 'lens', 'whatIf']);
/** Views that pick their own heads, or none: the head picker does not apply. */
const NO_HEAD: ReadonlySet<AttentionViewName> = new Set(['heads', 'headView', 'confidence', 'lens', 'whatIf', 'rollout']);

/** The toolbar element and its update function. */
export class Toolbar {
  readonly element: HTMLElement;
  private readonly tabs: HTMLButtonElement[];
  private readonly layerSelect = el('select', { id: 'layer-select', 'aria-label': 'Layer' });
  private readonly headSelect = el('select', { id: 'head-select', 'aria-label': 'Head' });
  private readonly exportButtons: HTMLButtonElement[];
  private readonly origin = el('span', { class: 'origin-label' });
  private readonly model = el('span', { class: 'model-name' });
  private readonly cutNote = el('div', { class: 'cut-note', role: 'note', hidden: true });
  private readonly standInNote = el('div', { class: 'stand-in-note', role: 'note', hidden: true });

  constructor(actions: ToolbarActions) {
    this.tabs = TABS.map((tab) => {
      const button = el('button', { type: 'button', role: 'tab', class: 'view-tab', 'data-view': tab.view, title: tab.title, 'aria-selected': 'false' }, tab.label);
      button.addEventListener('click', () => actions.select({ view: tab.view }));
      button.addEventListener('keydown', (event) => this.onTabKey(event));
      return button;
    });
    this.layerSelect.addEventListener('change', () => actions.select({ layer: Number(this.layerSelect.value) }));
    this.headSelect.addEventListener('change', () => {
      const value = this.headSelect.value;
      actions.select({ head: value === 'mean' ? 'mean' : Number(value) });
    });
    this.exportButtons = (['png', 'json'] as const).map((format) => {
      const button = el('button', { type: 'button', class: 'export-button', 'data-export': format, title: format === 'png' ? 'Save the current view as a PNG image' : 'Save the captured numbers as JSON' }, `Export ${format.toUpperCase()}`);
      button.addEventListener('click', () => actions.exportView(format));
      return button;
    });
    this.element = el(
      'header',
      { class: 'toolbar' },
      el('div', { class: 'view-tabs', role: 'tablist', 'aria-label': 'Views' }, ...this.tabs),
      el('label', { class: 'picker' }, 'Layer ', this.layerSelect),
      el('label', { class: 'picker' }, 'Head ', this.headSelect),
      el('div', { class: 'export-buttons' }, ...this.exportButtons),
      el('div', { class: 'capture-info' }, this.origin, this.model),
      this.standInNote,
      this.cutNote,
    );
    this.update(undefined, undefined);
  }

  /** Shows `selection` for `capture` (both undefined before the first capture). */
  update(capture: AttentionCapture | undefined, selection: ViewSelection | undefined): void {
    for (const tab of this.tabs) {
      const selected = selection?.view === tab.dataset.view;
      tab.setAttribute('aria-selected', String(selected));
      tab.classList.toggle('selected', selected);
      tab.disabled = !capture;
      if (tab.dataset.view === 'steps') {
        tab.title = capture && !capture.q && !capture.vectorsOnRequest ? 'Unavailable: this model was captured without queries, keys and values' : TABS[3].title;
      }
    }
    this.exportButtons.forEach((b) => (b.disabled = !capture));
    this.fillOptions(this.layerSelect, capture ? Array.from({ length: capture.layers }, (_, l) => [String(l), `${l}`]) : []);
    this.fillOptions(this.headSelect, capture ? [...Array.from({ length: capture.heads }, (_, h): [string, string] => [String(h), `${h}`]), ['mean', 'mean of heads']] : []);
    if (selection) {
      this.layerSelect.value = String(selection.layer);
      this.headSelect.value = String(selection.head);
    }
    // The overview shows every layer and head, the head view picks its own heads: grey out what does not apply.
    this.layerSelect.disabled = !capture || (selection !== undefined && NO_LAYER.has(selection.view));
    this.headSelect.disabled = !capture || (selection !== undefined && NO_HEAD.has(selection.view));
    this.origin.textContent = capture ? `${capture.origin.kind}: ${capture.origin.label}` : 'No capture yet';
    this.model.textContent = capture ? capture.modelName : '';
    const standIn = capture ? standInSentence(capture) : undefined;
    this.standInNote.hidden = !standIn;
    this.standInNote.textContent = standIn ?? '';
    const cut = capture?.cut;
    this.cutNote.hidden = !cut;
    const sentence = cut ? cutSentence(cut) : '';
    this.cutNote.textContent = sentence ? `${sentence[0].toUpperCase()}${sentence.slice(1)}; the start of the text was cut.` : '';
  }

  private fillOptions(select: HTMLSelectElement, options: readonly (readonly [string, string])[]): void {
    const key = options.map(([v]) => v).join(',');
    if (select.dataset.options === key) return;
    select.dataset.options = key;
    select.replaceChildren(...options.map(([value, label]) => el('option', { value }, label)));
  }

  /** Left/Right move between tabs, as in the WAI-ARIA tabs pattern. */
  private onTabKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const index = this.tabs.indexOf(event.target as HTMLButtonElement);
    const next = this.tabs[(index + (event.key === 'ArrowRight' ? 1 : this.tabs.length - 1)) % this.tabs.length];
    next.focus();
    event.preventDefault();
  }
}
