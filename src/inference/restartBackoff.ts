/**
 * How the client answers a worker that crashes again and again: a growing pause before each
 * restart, and no restart at all after a few crashes in a row (a model that crashes the worker on
 * load would otherwise be retried for ever). A model that loads ends the run of crashes.
 */

/** Restarts allowed after crashes in a row; the next crash gives up. */
export const MAX_RESTARTS_IN_ROW = 3;
const FIRST_BACKOFF_MS = 250;

/** The pause before the restart after the `crashesInRow`-th crash in a row, or undefined: give up. */
export function restartDelayMs(crashesInRow: number): number | undefined {
  if (crashesInRow < 1 || crashesInRow > MAX_RESTARTS_IN_ROW) return undefined;
  return FIRST_BACKOFF_MS * 2 ** (crashesInRow - 1);
}
