import * as assert from 'assert';
import { LensError } from '../../src/common/errors';
import { parseServerAddress } from '../../src/remote/serverAddress';

function rejected(text: string): LensError {
  try {
    parseServerAddress(text);
  } catch (error) {
    assert.ok(error instanceof LensError, String(error));
    assert.strictEqual(error.code, 'REMOTE_BAD_URL');
    assert.ok(error.message.includes('attentionLens.remote.url'), error.message);
    return error;
  }
  assert.fail(`${text} was accepted`);
}

describe('serverAddress', () => {
  it('gives the same /v1 API root with or without /v1, a trailing slash or a pasted endpoint', () => {
    for (const text of ['http://127.0.0.1:8000', 'http://127.0.0.1:8000/', 'http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000/v1/', ' http://127.0.0.1:8000/v1/completions ', 'http://127.0.0.1:8000/v1/chat/completions']) {
      assert.deepStrictEqual(
        parseServerAddress(text),
        { baseUrl: 'http://127.0.0.1:8000/v1', origin: 'http://127.0.0.1:8000', host: '127.0.0.1:8000', loopback: true, secure: false },
        text,
      );
    }
  });

  it('keeps an https path prefix and shows the host without its default port', () => {
    assert.deepStrictEqual(parseServerAddress('https://Gateway.Example.com:443/team/llm/'), {
      baseUrl: 'https://gateway.example.com/team/llm/v1',
      origin: 'https://gateway.example.com',
      host: 'gateway.example.com',
      loopback: false,
      secure: true,
    });
    assert.strictEqual(parseServerAddress('https://api.example.com/openai/v1').baseUrl, 'https://api.example.com/openai/v1');
  });

  it('counts 127.0.0.0/8, ::1 and localhost as loopback, and nothing else', () => {
    for (const text of ['http://127.0.0.1:1234', 'http://127.8.9.10', 'http://[::1]:11434', 'http://localhost:1234', 'http://LOCALHOST', 'http://[::ffff:127.0.0.1]:8000']) {
      assert.strictEqual(parseServerAddress(text).loopback, true, text);
    }
    for (const text of ['http://192.168.1.20:8000', 'http://10.0.0.1', 'http://[::2]', 'http://localhost.example.com', 'http://127.0.0.1.nip.io', 'http://128.0.0.1', 'http://0.0.0.0:8000']) {
      assert.strictEqual(parseServerAddress(text).loopback, false, text);
    }
  });

  it('rejects other schemes, and hints at http:// for a bare host:port', () => {
    for (const text of ['ftp://example.com', 'file:///tmp/socket', 'ws://127.0.0.1:8000']) assert.ok(rejected(text).message.includes('only http:// and https://'), text);
    assert.ok(rejected('localhost:8000').message.includes('http://localhost:8000'));
  });

  it('rejects credentials in the address without repeating the password', () => {
    const error = rejected('https://user:hunter2@example.com/v1');
    assert.ok(!error.message.includes('hunter2'), error.message);
    assert.ok(error.message.includes('Set Remote API Key'), error.message);
    rejected('http://token@127.0.0.1:8000');
  });

  it('rejects a query, a fragment, no host, and text that is no address', () => {
    for (const text of ['http://127.0.0.1:8000/v1?key=1', 'http://127.0.0.1:8000/v1#x', 'http://127.0.0.1:8000/v1?', 'http://', 'not a url', '']) rejected(text);
  });
});
