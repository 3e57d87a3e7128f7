/** The banner for the host's status notes; errors look like errors and are announced at once. */

import { el } from './domBuilder';

/** A dismissible banner above the views. */
export class StatusBanner {
  readonly element = el('div', { id: 'status-banner', class: 'banner', hidden: true });
  private readonly text = el('span', { class: 'banner-text' });

  constructor() {
    const close = el('button', { type: 'button', class: 'banner-close', 'aria-label': 'Dismiss' }, '×');
    close.addEventListener('click', () => this.clear());
    this.element.append(this.text, close);
  }

  /** Shows `text`, as an error when `isError`. */
  show(text: string, isError: boolean): void {
    this.text.textContent = text;
    this.element.classList.toggle('error', isError);
    // role=alert interrupts a screen reader: right for failures, too loud for progress notes.
    this.element.setAttribute('role', isError ? 'alert' : 'status');
    this.element.hidden = false;
  }

  /** Hides the banner. */
  clear(): void {
    this.element.hidden = true;
    this.text.textContent = '';
  }
}
