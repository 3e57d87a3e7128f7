/**
 * Keeps the keyboard where it was across a repaint: views rebuild their elements, and a focused
 * element that is removed drops focus to <body>, so a keyboard user would have to Tab back after
 * every toggle or pick. The focused element is found again by its id or its data-* attributes.
 */

/** A selector that finds `element` again in a rebuilt tree, or undefined when it has nothing to go by. */
export function focusSelector(element: Element | null): string | undefined {
  if (!(element instanceof HTMLElement)) return undefined;
  if (element.id) return `#${CSS.escape(element.id)}`;
  const data = Array.from(element.attributes).filter((a) => a.name.startsWith('data-'));
  if (data.length === 0) return undefined;
  return `${element.tagName.toLowerCase()}${data.map((a) => `[${a.name}="${CSS.escape(a.value)}"]`).join('')}`;
}

/** Runs `rebuild`; if focus was inside `root` and its element went away, focuses the same element in the new tree. */
export function keepingFocus(root: HTMLElement, rebuild: () => void): void {
  const before = document.activeElement;
  const inside = before !== null && root.contains(before);
  const selector = inside ? focusSelector(before) : undefined;
  rebuild();
  if (!inside || (before && before.isConnected && root.contains(before))) return;
  const again = selector ? root.querySelector<HTMLElement>(selector) : null;
  again?.focus();
}
