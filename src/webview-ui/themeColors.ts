/**
 * Colours for canvas drawing, taken from VS Code's theme variables (the webview gets them as CSS
 * custom properties on <html>), so every theme, high contrast included, looks like itself.
 */

/** An opaque colour. */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** The theme colours the canvases use. */
export interface ThemePalette {
  readonly foreground: Rgb;
  readonly background: Rgb;
  /** The heat colour of probability 1. */
  readonly accent: Rgb;
  readonly muted: Rgb;
  readonly focus: Rgb;
  /** One colour per head in the head view, cycled. */
  readonly charts: readonly Rgb[];
  /** True in high-contrast themes: thicker outlines, no faint hatching. */
  readonly highContrast: boolean;
  readonly fontFamily: string;
}

const CHART_VARIABLES = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];

/** Reads the palette from the current theme; call again when the theme changes. */
export function readThemePalette(): ThemePalette {
  const rootStyle = getComputedStyle(document.documentElement);
  const bodyStyle = getComputedStyle(document.body);
  const probe = document.createElement('canvas').getContext('2d');
  const variable = (name: string) => rootStyle.getPropertyValue(name).trim();
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  // Outside VS Code (or with a theme missing a variable) fall back to what the page itself uses.
  const background = parseColor(probe, variable('--vscode-editor-background') || bodyStyle.backgroundColor, undefined) ?? { r: 255, g: 255, b: 255 };
  const foreground = parseColor(probe, variable('--vscode-editor-foreground') || bodyStyle.color, background) ?? { r: 0, g: 0, b: 0 };
  const accent = parseColor(probe, variable('--vscode-charts-blue'), background) ?? mix(background, foreground, 0.85);
  const charts = CHART_VARIABLES.map((name) => parseColor(probe, variable(name), background)).filter((c): c is Rgb => c !== undefined);
  return {
    foreground,
    background,
    accent,
    muted: parseColor(probe, variable('--vscode-descriptionForeground'), background) ?? mix(background, foreground, 0.6),
    focus: parseColor(probe, variable('--vscode-focusBorder'), background) ?? accent,
    charts: charts.length > 0 ? charts : [accent, foreground],
    highContrast,
    fontFamily: variable('--vscode-editor-font-family') || variable('--vscode-font-family') || 'monospace',
  };
}

/** `rgba(...)` text for canvas styles. */
export function cssColor(color: Rgb, alpha = 1): string {
  return `rgba(${color.r}, ${color.g}, ${color.b}, ${alpha})`;
}

/** Linear blend from `a` (t = 0) to `b` (t = 1). */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return { r: Math.round(a.r + (b.r - a.r) * t), g: Math.round(a.g + (b.g - a.g) * t), b: Math.round(a.b + (b.b - a.b) * t) };
}

/**
 * The heat colour of a probability: background at 0, accent at 1, on a square-root scale so the
 * many small weights of a long row stay visible next to one large weight.
 */
export function heatColor(palette: ThemePalette, probability: number): Rgb {
  return mix(palette.background, palette.accent, Math.sqrt(Math.max(0, Math.min(1, probability))));
}

/**
 * Resolves any CSS colour text through the canvas (which normalises it to `#rrggbb` or `rgba()`),
 * compositing translucent theme colours over `over`. Undefined when the text is not a colour.
 */
function parseColor(probe: CanvasRenderingContext2D | null, text: string, over: Rgb | undefined): Rgb | undefined {
  if (!probe || !text || text === 'transparent') return undefined;
  const sentinel = '#010203';
  probe.fillStyle = sentinel;
  probe.fillStyle = text;
  const normal = String(probe.fillStyle);
  if (normal === sentinel && text.toLowerCase() !== sentinel) return undefined;
  if (normal.startsWith('#')) {
    return { r: parseInt(normal.slice(1, 3), 16), g: parseInt(normal.slice(3, 5), 16), b: parseInt(normal.slice(5, 7), 16) };
  }
  const parts = normal.match(/[\d.]+/g)?.map(Number);
  if (!parts || parts.length < 3) return undefined;
  const color = { r: parts[0], g: parts[1], b: parts[2] };
  const alpha = parts.length >= 4 ? parts[3] : 1;
  if (alpha <= 0) return undefined;
  return alpha >= 1 || !over ? color : mix(over, color, alpha);
}
