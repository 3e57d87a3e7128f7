// Cuts the walkthrough's step images (media/walkthrough/*.png) out of the e2e screenshots kept in
// media/, scaled down so that each stays well under 150 kB: `node tools/walkthrough/cropScreenshots.mjs`.
// Uses the chromium the e2e tests use (playwright-core), no image library.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, repoRoot } from '../../test/e2e/paths.mjs';

/** Each image: the screenshot it comes from, the region in its pixels (1400×900), and a scale. */
const crops = [
  { name: 'completion.png', from: 'media/remote-ghost-text.png', x: 350, y: 280, width: 660, height: 150, scale: 1 },
  { name: 'docComment.png', from: 'media/screenshot.png', x: 350, y: 380, width: 460, height: 160, scale: 1 },
  { name: 'attention.png', from: 'media/screenshot.png', x: 350, y: 40, width: 1050, height: 540, scale: 0.7 },
  { name: 'model.png', from: 'media/screenshot.png', x: 350, y: 612, width: 640, height: 150, scale: 1 },
];

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  const outDir = path.join(repoRoot, 'media', 'walkthrough');
  fs.mkdirSync(outDir, { recursive: true });
  for (const crop of crops) {
    const data = fs.readFileSync(path.join(repoRoot, crop.from)).toString('base64');
    const width = Math.round(crop.width * crop.scale);
    const height = Math.round(crop.height * crop.scale);
    // A box the size of the result showing the screenshot shifted and scaled: the box's pixels are the crop.
    await page.setContent(
      `<body style="margin:0"><div id="crop" style="width:${width}px;height:${height}px;` +
        `background:url(data:image/png;base64,${data}) no-repeat;background-size:${1400 * crop.scale}px ${900 * crop.scale}px;` +
        `background-position:${-crop.x * crop.scale}px ${-crop.y * crop.scale}px"></div></body>`,
    );
    const target = path.join(outDir, crop.name);
    await page.locator('#crop').screenshot({ path: target });
    console.log(`${path.relative(repoRoot, target)}: ${width}×${height}, ${fs.statSync(target).size} bytes`);
  }
} finally {
  await browser.close();
}
