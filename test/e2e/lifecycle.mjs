// Cleanup that runs exactly once however a runner ends: normally, on failure, on its overall
// deadline, or on Ctrl+C / SIGTERM. Runners register each resource (a server's process group, a
// browser, a temp folder) right after creating it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const cleanups = [];
let cleaning = null;

/** Registers `fn` to run at cleanup, after everything registered later (last in, first out). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Runs every registered cleanup once, newest first; errors are reported, not thrown. */
export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${err?.message ?? err}`);
      }
    }
  })();
  return cleaning;
}

/** True once cleanup has begun (errors after that are its echoes, not news). */
export function cleaningUp() {
  return cleaning !== null;
}

/** Cleans up, then exits with `code`. */
export async function cleanupAndExit(code) {
  await cleanup();
  process.exit(code);
}

/**
 * Makes the process clean up and exit 1 if it is still running after `ms`; returns a cancel
 * function. `onTimeout` runs first (a runner prints its closing counts there).
 */
export function exitAfter(ms, what, onTimeout) {
  const timer = setTimeout(() => {
    console.error(`\n${what}: timed out after ${Math.round(ms / 1000)} s`);
    try {
      onTimeout?.();
    } catch (err) {
      console.error(`${what}: ${err?.message ?? err}`);
    }
    void cleanupAndExit(1);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(signal, () => {
    if (cleaning) {
      process.exit(128 + number); // a second Ctrl+C while cleaning up: stop waiting
    }
    console.error(`\nreceived ${signal}, cleaning up`);
    void cleanupAndExit(128 + number);
  });
}

// Last resort when something calls process.exit() directly: the synchronous part of every
// cleanup (killing process groups, removing folders) still runs.
process.on('exit', () => {
  if (!cleaning) {
    for (const fn of cleanups.reverse()) {
      try {
        void fn();
      } catch {
        // nothing more can be done while exiting
      }
    }
  }
});

/**
 * Creates a fresh temp folder and registers its removal (kept when ATTENTION_LENS_KEEP_TEMP=1,
 * for debugging a failed run).
 */
export function tempFolder(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => {
    if (process.env.ATTENTION_LENS_KEEP_TEMP === '1') {
      console.error(`kept ${dir}`);
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  return dir;
}
