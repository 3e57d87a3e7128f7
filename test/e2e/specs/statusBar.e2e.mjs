// The status bar item appears and reaches `ready`, naming the model and the backend.

/** Test title. */
export const title = 'the status bar item reaches ready';

const READY_TIMEOUT_MS = 120_000;

/** Waits for the item's accessible label to read `Attention Lens: <model> on <backend> — ready`. */
export async function run({ page, shared, expectedModel }) {
  // VS Code gives an extension's status bar item the DOM id `<extension id>.<item id>`.
  const item = page.locator('.statusbar-item[id$="attentionLens.status"]');
  // Whichever comes first: ready, or an error (reported at once instead of at the timeout).
  const ready = page.locator('.statusbar-item[id$="attentionLens.status"][aria-label$="— ready"]');
  const failed = page.locator('.statusbar-item[id$="attentionLens.status"][aria-label$="— error"]');
  try {
    await Promise.race([
      ready.waitFor({ timeout: READY_TIMEOUT_MS }),
      failed.waitFor({ timeout: READY_TIMEOUT_MS }).then(async () => {
        throw new Error(`the extension reports an error: "${await failed.getAttribute('aria-label')}"`);
      }),
    ]);
  } catch (err) {
    if (!/Timeout/.test(err.message)) {
      throw err;
    }
    const present = (await item.count()) > 0;
    throw new Error(present
      ? `not ready within ${READY_TIMEOUT_MS / 1000} s; the item reads "${await item.getAttribute('aria-label')}"`
      : `no Attention Lens status bar item within ${READY_TIMEOUT_MS / 1000} s (did the extension activate?)`);
  }
  const label = (await item.getAttribute('aria-label')) ?? '';
  const text = (await item.innerText()).trim();
  const match = /^Attention Lens: (.+) on (\S+) — ready$/.exec(label);
  if (!match) {
    throw new Error(`status bar item did not reach ready: label "${label}", text "${text}"`);
  }
  const [, modelName, backend] = match;
  if (!/ready/.test(text)) {
    throw new Error(`status bar text "${text}" does not say ready (label "${label}")`);
  }
  if (expectedModel && modelName !== expectedModel) {
    throw new Error(`status bar names model "${modelName}", expected "${expectedModel}"`);
  }
  shared.modelName = modelName;
  return `${modelName} on ${backend}`;
}
