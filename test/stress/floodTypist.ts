// A simulated typist for the completion flood: VS Code-shaped cancellation tokens that count their
// listeners, and a seeded schedule of keystroke gaps.
import type { CancelSignal } from '../../src/inference/inferenceClient';

/** A CancellationTokenSource and its token in one; counts listeners still registered (a leak shows as a count that stays up). */
export class TypistToken implements CancelSignal {
  private cancelled = false;
  private readonly listeners = new Set<() => void>();

  get isCancellationRequested(): boolean {
    return this.cancelled;
  }

  /** Registers a listener, as VS Code's token does; the returned handle removes it. */
  onCancellationRequested(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Cancels once, calling every listener still registered. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const listener of [...this.listeners]) listener();
  }

  /** Listeners nobody disposed. */
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** A small seeded generator (mulberry32), so every run types the same rhythm. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Gaps between keystrokes: mostly 4–12 ms (a fast typist's 50–150 ms compressed about tenfold,
 * so 10 000 keystrokes fit in under two minutes, and still shorter than one suggestion takes
 * here, so requests overlap and get cancelled), one in ten a 15–40 ms hesitation, and every
 * `pauseEvery` keystrokes a pause long enough for a suggestion to finish.
 */
export function keystrokeGaps(count: number, pauseEvery: number, pauseMs: number, seed: number): number[] {
  const random = seededRandom(seed);
  const gaps: number[] = [];
  for (let i = 1; i <= count; i++) {
    if (i % pauseEvery === 0) gaps.push(pauseMs);
    else if (random() < 0.9) gaps.push(4 + Math.floor(random() * 9));
    else gaps.push(15 + Math.floor(random() * 26));
  }
  return gaps;
}
