/** A view exported as lines of text on a canvas (the views whose content is words and numbers). */

import { hiDpiCanvas } from './domBuilder';
import { cssColor, type ThemePalette } from './themeColors';

const LINE_HEIGHT = 17;

/** `lines` drawn one per row in the theme's colours; headings (`#`) and notes (`(`) in the accent colour. */
export function textCanvas(lines: readonly string[], palette: ThemePalette | undefined): HTMLCanvasElement {
  const shown = lines.length > 0 ? lines : ['(nothing to show)'];
  const { canvas, ctx } = hiDpiCanvas(Math.min(2400, 40 + Math.max(...shown.map((l) => l.length)) * 7.4), 20 + shown.length * LINE_HEIGHT);
  ctx.fillStyle = palette ? cssColor(palette.background) : '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = `12px ${palette?.fontFamily ?? 'monospace'}`;
  ctx.textBaseline = 'top';
  shown.forEach((line, n) => {
    ctx.fillStyle = palette ? cssColor(line.startsWith('(') || line.startsWith('#') ? palette.accent : palette.foreground) : '#000';
    ctx.fillText(line, 12, 10 + n * LINE_HEIGHT);
  });
  return canvas;
}
