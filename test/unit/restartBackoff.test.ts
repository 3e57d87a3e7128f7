import * as assert from 'assert';
import { MAX_RESTARTS_IN_ROW, restartDelayMs } from '../../src/inference/restartBackoff';

describe('restartBackoff', () => {
  it('waits longer after each crash in a row', () => {
    const delays = Array.from({ length: MAX_RESTARTS_IN_ROW }, (_, i) => restartDelayMs(i + 1) ?? -1);
    assert.ok(delays.every((delay, i) => delay > 0 && (i === 0 || delay > delays[i - 1])), String(delays));
  });

  it('gives up after a bounded number of crashes in a row', () => {
    assert.ok(MAX_RESTARTS_IN_ROW >= 3 && MAX_RESTARTS_IN_ROW <= 5);
    assert.strictEqual(restartDelayMs(MAX_RESTARTS_IN_ROW + 1), undefined);
    assert.strictEqual(restartDelayMs(0), undefined);
  });
});
