// Order statistics for benchmark samples: medians, percentiles and spreads of repeated runs.

/** The q-quantile (0..1) of `xs`, linearly interpolated; NaN for no samples. */
export function quantile(xs, q) {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/** Median, min and max of `xs`. */
export function spread(xs) {
  return { median: quantile(xs, 0.5), min: quantile(xs, 0), max: quantile(xs, 1), n: xs.length };
}

/** `x` rounded to `digits` decimals, or null when it is not a finite number. */
export const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);
