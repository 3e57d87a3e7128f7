/** The download notification's words and the status bar while the next model downloads. */

import * as assert from 'assert';
import { downloadMessage, downloadPercent, timeLeftText } from '../../src/host/downloadText';
import { statusBarText, statusBarTooltip } from '../../src/host/statusBarText';
import type { ModelState } from '../../src/inference/modelState';

const midway = { file: 'onnx/model_q4f16.onnx', receivedBytes: 120_500_000, totalBytes: 480_000_000, bytesPerSecond: 4_100_000, secondsLeft: 88 };

describe('download text', () => {
  it('reads bytes of total, percent, speed, time left and the file', () => {
    assert.strictEqual(downloadMessage(midway), '120.5 MB of 480.0 MB (25%) · 4.1 MB/s · about 1 min left — onnx/model_q4f16.onnx');
    assert.strictEqual(downloadPercent(midway), 25);
  });

  it('says "starting…" before the speed is known, and leaves out what the Hub did not say', () => {
    assert.strictEqual(downloadMessage({ file: 'config.json', receivedBytes: 0, bytesPerSecond: 0 }), '0 B · starting… — config.json');
    assert.strictEqual(downloadPercent({ file: 'x', receivedBytes: 5, bytesPerSecond: 0 }), undefined);
  });

  it('words the time left in seconds, minutes or hours', () => {
    assert.strictEqual(timeLeftText(undefined), '');
    assert.strictEqual(timeLeftText(0.2), '1 s left');
    assert.strictEqual(timeLeftText(42), '42 s left');
    assert.strictEqual(timeLeftText(600), 'about 10 min left');
    assert.strictEqual(timeLeftText(3 * 3600 + 20 * 60), 'about 3 h 20 min left');
  });

  it('shows the model that serves, with the next one\'s download beside it', () => {
    const state: ModelState = { state: 'ready', modelName: 'lens-coder', backend: 'cpu', download: { ...midway, modelName: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct' } };
    assert.strictEqual(statusBarText(state), 'lens-coder · cpu · ready · ↓ Qwen2.5-Coder-0.5B-Instruct 25%');
    assert.match(statusBarTooltip(state), /Downloading onnx-community\/Qwen2\.5-Coder-0\.5B-Instruct: 120\.5 MB of 480\.0 MB/);
    const first: ModelState = { state: 'loading', modelName: 'Xenova/tiny_starcoder_py', progress: 0.4, download: { ...midway, modelName: 'Xenova/tiny_starcoder_py' } };
    assert.strictEqual(statusBarText(first), 'Xenova/tiny_starcoder_py · downloading 40%');
  });
});
