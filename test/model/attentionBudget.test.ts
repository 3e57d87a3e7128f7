/** The worker keeps an attention capture within the byte budget the host asks for (tiny fixture model). */

import * as assert from 'assert';
import * as path from 'path';
import { captureBytes } from '../../src/common/attentionBudget';
import { captureHeldBytes } from '../../src/common/attentionData';
import { InferenceClient } from '../../src/inference/inferenceClient';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const workerPath = path.join(repo, 'out/src/worker/main.js');
/** The tiny model: 2 layers, 2 heads, d_model 32, 128 positions. */
const SHAPE = { layers: 2, heads: 2, hiddenSize: 32 };

describe('attention capture within a memory budget', function () {
  this.timeout(120_000);
  let client: InferenceClient;
  before(async () => {
    client = new InferenceClient({ workerPath, startData: { wasmDir, wasmThreads: 1 }, requestTimeoutMs: () => 60_000 });
    await client.load({ source: { kind: 'folder', path: fixture, displayName: 'tiny' }, device: 'cpu', dtype: 'fp32' });
  });
  after(() => client.dispose());

  const text = Array.from({ length: 60 }, (_, i) => `let v${i} = ${i};`).join('\n');

  it('shows fewer tokens than maxTokens when they would not fit, and says why', async () => {
    const budgetBytes = 100_000;
    const { capture } = await client.attention({ text, maxTokens: 128, budgetBytes, origin: { kind: 'selection', label: 'budget' } });
    const tokens = capture.tokens.length;
    assert.ok(tokens < 128, `${tokens} tokens`);
    assert.ok(captureHeldBytes(capture) <= budgetBytes, `the capture holds ${captureHeldBytes(capture)} bytes`);
    assert.strictEqual(captureBytes(SHAPE, tokens), captureHeldBytes(capture), 'the budget counts what the capture holds');
    assert.ok(captureBytes(SHAPE, tokens + 1) > budgetBytes, 'no smaller than it must be');
    assert.strictEqual(capture.cut?.keptTokens, tokens);
    assert.deepStrictEqual(capture.cut?.memory, { fullBytes: captureBytes(SHAPE, 128), budgetBytes });
  });

  it('cuts by tokens alone when the budget is large enough', async () => {
    const { capture } = await client.attention({ text, maxTokens: 64, budgetBytes: 256 * 1024 * 1024, origin: { kind: 'selection', label: 'budget' } });
    assert.strictEqual(capture.tokens.length, 64);
    assert.ok(capture.cut && capture.cut.memory === undefined, JSON.stringify(capture.cut));
  });
});
