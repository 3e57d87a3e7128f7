import * as assert from 'assert';
import { AdaptiveDebounce } from '../../src/completion/adaptiveDebounce';

describe('AdaptiveDebounce', () => {
  it('waits the base delay before it knows anything', () => {
    assert.strictEqual(new AdaptiveDebounce().delayMs(120), 120);
  });

  it('waits longer while the user types faster than the model answers, up to 3× the base', () => {
    const debounce = new AdaptiveDebounce();
    for (let t = 0; t <= 1000; t += 50) debounce.recordKeystroke(t); // a keystroke every 50 ms
    debounce.recordLatency(200);
    assert.strictEqual(debounce.delayMs(100), 250); // base + (200 - 50)
    debounce.recordLatency(5000);
    for (let i = 0; i < 20; i++) debounce.recordLatency(5000);
    assert.strictEqual(debounce.delayMs(100), 300);
  });

  it('stays at the base when the model is quicker than the typing', () => {
    const debounce = new AdaptiveDebounce();
    for (let t = 0; t <= 3000; t += 300) debounce.recordKeystroke(t);
    debounce.recordLatency(80);
    assert.strictEqual(debounce.delayMs(120), 120);
  });

  it('ignores long pauses as typing gaps, and a zero base means no wait', () => {
    const debounce = new AdaptiveDebounce();
    debounce.recordKeystroke(0);
    debounce.recordKeystroke(10_000);
    debounce.recordLatency(500);
    assert.strictEqual(debounce.delayMs(100), 100);
    assert.strictEqual(debounce.delayMs(0), 0);
  });
});
