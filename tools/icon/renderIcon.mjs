// Renders tools/icon/icon.svg to media/icon.png (128×128, transparent corners) with the chromium
// the e2e tests use (playwright-core, never a browser download): `node tools/icon/renderIcon.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumPath, repoRoot } from '../../test/e2e/paths.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, 'icon.svg');
const target = path.join(repoRoot, 'media', 'icon.png');
/** The size the Marketplace asks for. */
const SIZE = 128;

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  const svg = fs.readFileSync(source, 'utf8');
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: target, omitBackground: true });
  console.log(`${path.relative(repoRoot, target)}: ${fs.statSync(target).size} bytes`);
} finally {
  await browser.close();
}
