import * as assert from 'assert';
import { readSettings } from '../../src/common/settings';

function from(values: Record<string, unknown>) {
  return readSettings((key) => values[key]);
}

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepStrictEqual(from({}), {
      model: '',
      allowDownloads: false,
      hubUrl: 'https://huggingface.co',
      device: 'auto',
      dtype: 'auto',
      requestTimeoutMs: 30000,
    });
  });

  it('keeps valid values and trims text', () => {
    const settings = from({ model: '  /models/x ', allowDownloads: true, hubUrl: 'http://127.0.0.1:9/', device: 'wasm', dtype: 'fp32' });
    assert.strictEqual(settings.model, '/models/x');
    assert.strictEqual(settings.allowDownloads, true);
    assert.strictEqual(settings.hubUrl, 'http://127.0.0.1:9');
    assert.strictEqual(settings.device, 'wasm');
    assert.strictEqual(settings.dtype, 'fp32');
  });

  it('falls back on unknown enum values and wrong types', () => {
    const settings = from({ device: 'tpu', dtype: 3, allowDownloads: 'yes', model: 42 });
    assert.strictEqual(settings.device, 'auto');
    assert.strictEqual(settings.dtype, 'auto');
    assert.strictEqual(settings.allowDownloads, false);
    assert.strictEqual(settings.model, '');
  });

  it('clamps the timeout', () => {
    assert.strictEqual(from({ requestTimeoutMs: 5 }).requestTimeoutMs, 1000);
    assert.strictEqual(from({ requestTimeoutMs: 1e9 }).requestTimeoutMs, 600000);
    assert.strictEqual(from({ requestTimeoutMs: Number.NaN }).requestTimeoutMs, 30000);
  });
});
