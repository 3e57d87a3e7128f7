import * as assert from 'assert';
import { captureBytes, formatBytes, tokensWithinBudget } from '../../src/common/attentionBudget';
import { cutSentence } from '../../src/common/attentionData';
import { readAttentionSettings } from '../../src/common/settings';

const MiB = 1024 * 1024;
/** A 24-layer, 16-head Hub model (d_model 1024), and the bundled lens-coder (8 × 6, d_model 384). */
const LARGE = { layers: 24, heads: 16, hiddenSize: 1024 };
const BUNDLED = { layers: 8, heads: 6, hiddenSize: 384 };

describe('attention memory budget', () => {
  it('counts probabilities L×H×T² plus q/k/v and the embeddings, float32', () => {
    const T = 100;
    const probs = 8 * 6 * T * T * 4;
    const vectors = (3 * 8 * T * 384 + 2 * T * 384) * 4;
    assert.strictEqual(captureBytes(BUNDLED, T), probs + vectors);
  });

  it('keeps a 24-layer model at 1024 tokens to the budget instead of gigabytes', () => {
    assert.ok(captureBytes(LARGE, 1024) > 1.5e9, `${captureBytes(LARGE, 1024)}`);
    const tokens = tokensWithinBudget(LARGE, 256 * MiB);
    assert.ok(captureBytes(LARGE, tokens) <= 256 * MiB);
    assert.ok(captureBytes(LARGE, tokens + 1) > 256 * MiB, 'the largest count that fits');
    assert.ok(tokens > 300 && tokens < 400, `${tokens}`);
  });

  it('lets the bundled model show its whole context within the default budget', () => {
    assert.ok(tokensWithinBudget(BUNDLED, 256 * MiB) >= 512);
  });

  it('says what a memory cut kept and what the whole would have taken', () => {
    const fullBytes = captureBytes(LARGE, 1024);
    const sentence = cutSentence({ originalTokens: 1500, keptTokens: 363, memory: { fullBytes, budgetBytes: 256 * MiB } });
    assert.strictEqual(sentence, `showing the last 363 of 1500 tokens: more would take ${formatBytes(fullBytes)} of attention data, over the 268 MB budget (attentionLens.attention.memoryBudgetMB)`);
    assert.match(formatBytes(fullBytes), /^1\.\d GB$/);
    assert.strictEqual(cutSentence({ originalTokens: 423, keptTokens: 256 }), 'showing the last 256 of 423 tokens (attentionLens.attention.maxTokens)');
  });

  it('reads the budget setting with a default and clamps', () => {
    assert.strictEqual(readAttentionSettings(() => undefined).memoryBudgetMB, 256);
    assert.strictEqual(readAttentionSettings((key) => (key === 'memoryBudgetMB' ? 1 : undefined)).memoryBudgetMB, 16);
    assert.strictEqual(readAttentionSettings((key) => (key === 'memoryBudgetMB' ? 1e6 : undefined)).memoryBudgetMB, 4096);
  });
});
