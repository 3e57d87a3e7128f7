/**
 * How long to wait after a keystroke before asking the model. The base comes from the settings;
 * it grows while the user types faster than the model answers (requests would only be
 * cancelled), and shrinks back towards the base when the model is quick.
 */

const SMOOTHING = 0.3;

/** See the module comment. Pure: the caller passes the times. */
export class AdaptiveDebounce {
  private latencyMs: number | undefined;
  private keystrokeGapMs: number | undefined;
  private lastKeystrokeAt: number | undefined;

  /** Notes a request for a completion (one per keystroke pause) at time `now`. */
  recordKeystroke(now: number): void {
    if (this.lastKeystrokeAt !== undefined) {
      const gap = now - this.lastKeystrokeAt;
      // Pauses longer than 2 s are reading, not typing.
      if (gap < 2000) this.keystrokeGapMs = smooth(this.keystrokeGapMs, gap);
    }
    this.lastKeystrokeAt = now;
  }

  /** Notes how long the model took for a finished request. */
  recordLatency(ms: number): void {
    this.latencyMs = smooth(this.latencyMs, ms);
  }

  /** The delay to wait now, between `baseMs` and 3 × `baseMs`. */
  delayMs(baseMs: number): number {
    if (baseMs <= 0) return 0;
    const latency = this.latencyMs ?? 0;
    const gap = this.keystrokeGapMs ?? Infinity;
    // Typing faster than the model answers: wait longer, so fewer requests start only to be cancelled.
    const extra = gap < latency ? Math.min(latency - gap, 2 * baseMs) : 0;
    return Math.round(baseMs + extra);
  }
}

function smooth(previous: number | undefined, value: number): number {
  return previous === undefined ? value : previous + SMOOTHING * (value - previous);
}
