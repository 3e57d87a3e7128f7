import * as assert from 'assert';
import { LensError } from '../../src/common/errors';
import { parseHubUrl, readSettings } from '../../src/common/settings';

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

describe('parseHubUrl', () => {
  it('takes http(s) addresses and names their host', () => {
    assert.deepStrictEqual(parseHubUrl('https://huggingface.co'), { url: 'https://huggingface.co', host: 'huggingface.co' });
    assert.deepStrictEqual(parseHubUrl('HTTPS://HuggingFace.co/'), { url: 'https://huggingface.co', host: 'huggingface.co' });
    assert.deepStrictEqual(parseHubUrl('http://127.0.0.1:9'), { url: 'http://127.0.0.1:9', host: '127.0.0.1:9' });
    assert.deepStrictEqual(parseHubUrl('https://mirror.example.org/hf/'), { url: 'https://mirror.example.org/hf', host: 'mirror.example.org' });
    assert.deepStrictEqual(parseHubUrl('http://[::1]:8080'), { url: 'http://[::1]:8080', host: '[::1]:8080' });
  });

  it('refuses other schemes, no host, credentials, queries and fragments, naming the setting', () => {
    for (const value of ['file:///etc/passwd', 'ftp://mirror.example.org', 'ws://huggingface.co', 'data:text/plain,x', 'javascript:alert(1)', 'huggingface.co', '', 'http://', 'https://user:pw@huggingface.co', 'https://huggingface.co/?a=1', 'https://huggingface.co/#x']) {
      assert.throws(
        () => parseHubUrl(value),
        (error: unknown) => error instanceof LensError && error.code === 'MODEL_NOT_FOUND' && /attentionLens\.hubUrl/.test(error.message),
        value,
      );
    }
    // The message is shown and logged: it keeps the address but not the password.
    assert.throws(() => parseHubUrl('https://user:s3cret@huggingface.co'), (error: unknown) => error instanceof LensError && !error.message.includes('s3cret') && error.message.includes('huggingface.co'));
  });
});
