// A line of extra information in the test report (timings, what was loaded), printed where
// mocha's own report goes so that every runner shows it.
import Mocha = require('mocha');

/** Prints `message` into the test report, indented under the current test. */
export function note(message: string): void {
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  base.consoleLog(`      (${message})`);
}
