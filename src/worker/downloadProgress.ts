/**
 * Speed and time left for a download: bytes per second over a sliding window of recent samples (so
 * a stall shows as falling speed within seconds, not as an average over the whole download), and
 * the seconds the remaining bytes need at that speed.
 */

/** How far back the speed looks: long enough to smooth chunk bursts, short enough to follow a stall. */
const WINDOW_MS = 3000;

interface Sample {
  readonly atMs: number;
  readonly bytes: number;
}

/** Measures transfer speed from a running byte count. */
export class SpeedMeter {
  private readonly samples: Sample[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records that `totalBytes` have arrived so far (a count that only grows). */
  record(totalBytes: number): void {
    const atMs = this.now();
    this.samples.push({ atMs, bytes: totalBytes });
    // Keep one sample older than the window so the window is always fully covered.
    while (this.samples.length > 2 && this.samples[1].atMs < atMs - WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second over the window; 0 until two samples are apart in time. */
  bytesPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.atMs - first.atMs) / 1000;
    return seconds > 0 ? (last.bytes - first.bytes) / seconds : 0;
  }
}

/** Seconds `remainingBytes` take at `bytesPerSecond`; undefined while the speed is unknown. */
export function secondsLeft(remainingBytes: number, bytesPerSecond: number): number | undefined {
  if (remainingBytes <= 0) return 0;
  return bytesPerSecond > 0 ? remainingBytes / bytesPerSecond : undefined;
}
