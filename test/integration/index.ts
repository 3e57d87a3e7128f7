// Entry point the extension host loads as `extensionTestsPath` (code-server through the URL
// payload, or desktop VS Code through @vscode/test-electron): runs every compiled
// `*.test.js` next to this file with mocha and rejects when any test fails.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha = require('mocha');

/** Runs the integration suite; the extension host exits with 0 when it resolves, 1 when it rejects. */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000 });
  for (const file of findTests(__dirname)) {
    mocha.addFile(file);
  }
  const restoreLog = teeReporterOutput(process.env.ATTENTION_LENS_TEST_LOG);
  try {
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) {
      throw new Error(`${failures} integration test(s) failed`);
    }
  } finally {
    restoreLog();
  }
}

/** Compiled test files under `dir`, sorted so the order is stable. */
function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...findTests(full));
    } else if (entry.name.endsWith('.test.js')) {
      found.push(full);
    }
  }
  return found.sort();
}

/**
 * Also appends mocha's report (and the tests' `note()` lines) to `file`: the extension host's
 * console is not the runner's, so the code-server runner reads the results from there.
 * Returns a function undoing it.
 */
function teeReporterOutput(file: string | undefined): () => void {
  if (!file) {
    return () => undefined;
  }
  fs.writeFileSync(file, '');
  // mocha's reporters print through Base.consoleLog. (console.log itself cannot be replaced in
  // the extension host: VS Code installs it as an accessor whose setter does nothing.)
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const original = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => {
    original(...args);
    fs.appendFileSync(file, util.format(...args) + '\n');
  };
  return () => {
    base.consoleLog = original;
  };
}
