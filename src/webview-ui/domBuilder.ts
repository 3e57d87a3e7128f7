/** A tiny element builder, so views read as a tree instead of a run of createElement calls. */

type Child = Node | string | null | undefined | false;

/** Attributes set with setAttribute; `class` and `text` are shorthands, booleans toggle presence. */
export type Attributes = Record<string, string | number | boolean | undefined>;

/** Creates `<tag>` with attributes and children (strings become text nodes, falsy children are skipped). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'text') element.textContent = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A canvas whose backing store matches the screen's pixel density, capped so huge views stay drawable. */
export function hiDpiCanvas(cssWidth: number, cssHeight: number, className?: string): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; scale: number } {
  const canvas = document.createElement('canvas');
  if (className) canvas.className = className;
  // Browsers refuse canvases much beyond 16k pixels a side; trade sharpness for drawing at all.
  const scale = Math.max(0.25, Math.min(window.devicePixelRatio || 1, 16000 / Math.max(cssWidth, cssHeight, 1)));
  canvas.width = Math.max(1, Math.round(cssWidth * scale));
  canvas.height = Math.max(1, Math.round(cssHeight * scale));
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas is unavailable');
  ctx.scale(scale, scale);
  return { canvas, ctx, scale };
}
