/** Paints a [T, T] attention matrix as heat cells, the masked (future) triangle hatched. */

import { cssColor, heatColor, type ThemePalette } from './themeColors';

/** Where and how large to paint. */
export interface HeatmapPlacement {
  readonly x: number;
  readonly y: number;
  /** Edge of one cell in CSS pixels (may be fractional in thumbnails). */
  readonly cell: number;
}

/**
 * Paints `matrix` ([T, T], row = query, column = key) into `ctx`. One image pixel per cell, then
 * scaled: building per-cell rectangles would cost T² draw calls on long texts.
 */
export function paintHeatmap(ctx: CanvasRenderingContext2D, matrix: Float32Array, tokens: number, palette: ThemePalette, causal: boolean, place: HeatmapPlacement): void {
  const source = document.createElement('canvas');
  source.width = tokens;
  source.height = tokens;
  const sourceCtx = source.getContext('2d');
  if (!sourceCtx) return;
  const image = sourceCtx.createImageData(tokens, tokens);
  const pixels = image.data; // [T, T, 4] RGBA
  for (let i = 0; i < tokens; i++) {
    for (let j = 0; j < tokens; j++) {
      const color = causal && j > i ? palette.background : heatColor(palette, matrix[i * tokens + j]);
      const o = (i * tokens + j) * 4;
      pixels[o] = color.r;
      pixels[o + 1] = color.g;
      pixels[o + 2] = color.b;
      pixels[o + 3] = 255;
    }
  }
  sourceCtx.putImageData(image, 0, 0);
  const size = tokens * place.cell;
  ctx.save();
  // Sharp cells when magnified; smooth averaging when a thumbnail is smaller than T pixels.
  ctx.imageSmoothingEnabled = place.cell < 1;
  ctx.drawImage(source, place.x, place.y, size, size);
  ctx.restore();
  if (causal) hatchMaskedTriangle(ctx, tokens, palette, place);
}

/**
 * Hatches the cells above the diagonal (keys after the query), which the causal mask sets to −∞
 * before the softmax: they are not "weight 0 by choice", they are never allowed to be seen.
 */
function hatchMaskedTriangle(ctx: CanvasRenderingContext2D, tokens: number, palette: ThemePalette, place: HeatmapPlacement): void {
  const { x, y, cell } = place;
  const size = tokens * cell;
  ctx.save();
  // The staircase outline of the union of row i's masked cells [(i+1)c, Tc] × [ic, (i+1)c].
  ctx.beginPath();
  ctx.moveTo(x + cell, y);
  ctx.lineTo(x + size, y);
  ctx.lineTo(x + size, y + (tokens - 1) * cell);
  for (let i = tokens - 1; i >= 1; i--) {
    ctx.lineTo(x + i * cell, y + i * cell);
    ctx.lineTo(x + i * cell, y + (i - 1) * cell);
  }
  ctx.closePath();
  ctx.clip();
  const spacing = Math.max(3, Math.min(8, cell * 0.6));
  ctx.strokeStyle = cssColor(palette.muted, palette.highContrast ? 0.9 : 0.45);
  ctx.lineWidth = spacing < 4 ? 0.75 : 1;
  ctx.beginPath();
  for (let d = -size; d < size; d += spacing) {
    ctx.moveTo(x + d, y);
    ctx.lineTo(x + d + size, y + size);
  }
  ctx.stroke();
  ctx.restore();
}
