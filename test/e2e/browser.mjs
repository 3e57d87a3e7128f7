// Launches Debian's chromium through playwright-core (never Playwright's own browser download),
// headless, with a fresh profile in a folder the caller owns.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { chromiumPath } from './paths.mjs';

const chromiumArgs = [
  '--no-sandbox', // runs as root in CI
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts chromium with a persistent profile in `profileDir`; resolves to { context, page, close() }.
 * `timeoutMs` bounds the launch and is the default for every wait on the page.
 */
export async function launchBrowser({ profileDir, timeoutMs = 30_000, viewport = { width: 1400, height: 900 } }) {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing; run scripts/install-system-deps.sh (or set CHROMIUM_PATH)`);
  }
  fs.mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport,
    timeout: timeoutMs,
    // Playwright's own Ctrl+C handler would exit the process before the runner's cleanup (see
    // lifecycle.mjs) stops code-server; the runner closes the browser itself.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  context.setDefaultTimeout(timeoutMs);
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    /** Closes the browser; bounded, since a wedged renderer must not hang cleanup. */
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      await Promise.race([
        context.close().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ]);
    },
  };
}
