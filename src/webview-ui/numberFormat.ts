/** Compact, aligned-enough number formatting for the views (real minus signs, few digits). */

/** Three significant digits, exponent form for very large or small magnitudes, `−∞` for masked scores. */
export function formatNumber(value: number): string {
  if (value === Number.NEGATIVE_INFINITY) return '−∞';
  if (value === Number.POSITIVE_INFINITY) return '∞';
  if (Number.isNaN(value)) return 'NaN';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  // toPrecision(3) would write 1234 as 1.23e+3; four-digit numbers read better whole.
  const text = magnitude >= 1e4 || magnitude < 1e-3 ? value.toExponential(2) : magnitude >= 100 ? value.toFixed(1) : value.toPrecision(3);
  return text.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1').replace('-', '−');
}

/** A probability with four decimals (exactly `0` stays `0`). */
export function formatProbability(value: number): string {
  return value === 0 ? '0' : value.toFixed(4);
}

/** The first `count` entries of a vector, then `…` when there are more. */
export function formatVector(values: ArrayLike<number>, count: number): string {
  const shown: string[] = [];
  for (let d = 0; d < Math.min(count, values.length); d++) shown.push(formatNumber(values[d]));
  return `[${shown.join(', ')}${values.length > count ? ', …' : ''}]`;
}
