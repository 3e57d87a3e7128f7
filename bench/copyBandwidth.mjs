// Memory bandwidth measured in the same run: the best of several large TypedArray copies, counted
// the STREAM way (bytes read + bytes written per second).

/** Best copy bandwidth in bytes/s over `runs` copies of `megabytes` MB (beyond any cache). */
export function copyBandwidth(megabytes = 256, runs = 6) {
  const source = new Float64Array((megabytes * 1024 * 1024) / 8).fill(1.5);
  const target = new Float64Array(source.length);
  target.set(source); // touch every page first
  let best = 0;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    target.set(source);
    const seconds = (performance.now() - started) / 1000;
    best = Math.max(best, (2 * source.byteLength) / seconds);
  }
  return best;
}
