import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LensError, type ErrorCode } from '../../src/common/errors';
import { listModels, MAX_BUSY_RETRIES, retryAfterMs, streamChat, streamCompletion, type RemoteEndpoint } from '../../src/remote/openAiClient';
import { SseDataParser } from '../../src/remote/sseStream';
import {
  beginEventStream,
  chatChunk,
  completionChunk,
  eventWithin,
  makeSelfSignedCertificate,
  sendJson,
  settlesWithin,
  sseEvent,
  startServer,
  unusedPort,
  writeApart,
  type LocalServer,
  type RequestHandler,
  type TestCertificate,
} from './localHttpServer';

const MODEL = 'tiny-coder';
const KEY = 'sk-test-4f1c9a7e';
const options = { timeoutMs: 5000 };
const ignoreText = { onText: (): void => undefined };

/** The LensError a call rejects with, checked for its code. */
async function failure(call: Promise<unknown>, code: ErrorCode): Promise<LensError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof LensError, `not a LensError: ${String(error)}`);
    assert.strictEqual(error.code, code, error.message);
    return error;
  }
  assert.fail(`resolved instead of failing with ${code}`);
}

function complete(endpoint: RemoteEndpoint, onText: (piece: string) => void = () => undefined, callOptions: Parameters<typeof streamCompletion>[3] = options) {
  return streamCompletion(endpoint, { model: MODEL, prompt: 'function add(a, b) {', max_tokens: 16 }, { onText }, callOptions);
}

describe('openAiClient', function () {
  this.timeout(15_000);
  let server: LocalServer | undefined;

  async function serve(handler: RequestHandler): Promise<LocalServer> {
    server = await startServer(handler);
    return server;
  }

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('reading the stream', () => {
    it('hands each piece on as it arrives, before the server sends the rest, and reads finish_reason and usage', async () => {
      let markFirstPiece!: () => void;
      const firstPieceSeen = new Promise<void>((resolve) => (markFirstPiece = resolve));
      let pieceArrivedBeforeRest = false;
      const { baseUrl } = await serve(async (_request, response) => {
        beginEventStream(response);
        await writeApart(response, sseEvent(completionChunk('  return')));
        pieceArrivedBeforeRest = await settlesWithin(firstPieceSeen, 3000);
        await writeApart(response, ': ping\n\n');
        await writeApart(response, sseEvent(completionChunk(' a + b;', 'length')));
        await writeApart(response, sseEvent({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } }));
        response.end('data: [DONE]\n\n');
      });
      const pieces: string[] = [];
      const result = await complete({ baseUrl }, (piece) => {
        pieces.push(piece);
        markFirstPiece();
      });
      assert.ok(pieceArrivedBeforeRest, 'the first piece reached onText only after the server had sent the rest');
      assert.deepStrictEqual(pieces, ['  return', ' a + b;']);
      assert.strictEqual(result.text, '  return a + b;');
      assert.strictEqual(result.finishReason, 'length');
      assert.strictEqual(result.pieces, 2);
      assert.strictEqual(result.promptTokens, 7);
      assert.strictEqual(result.completionTokens, 4);
      assert.strictEqual(result.retries, 0);
      assert.ok(result.firstTextMs > 0 && result.firstTextMs <= result.totalMs, `${result.firstTextMs} / ${result.totalMs}`);
    });

    it('parses events cut across TCP chunks, several in one chunk, CRLF line ends, comments and other fields', async () => {
      const stream = Buffer.from(
        [
          ': keep-alive\r\n\r\n',
          `event: message\r\nid: 1\r\n${sseEvent(completionChunk('const é = ')).replace(/\n/g, '\r\n')}`,
          sseEvent(completionChunk('"naïve"')) + sseEvent(completionChunk(';\n')),
          `data: ${JSON.stringify(completionChunk(' // 👍', 'stop'))}\r\r`,
          'data: [DONE]\n\n',
        ].join(''),
        'utf8',
      );
      // Cut inside "data:", between \r and \n, and inside multi-byte characters.
      const cuts = [3, 20, stream.indexOf('\r\n', 30) + 1, stream.indexOf('é') + 1, stream.indexOf('ï') + 1, stream.indexOf('👍') + 2, stream.length - 9];
      const { baseUrl } = await serve(async (_request, response) => {
        beginEventStream(response);
        let start = 0;
        for (const cut of [...cuts.sort((a, b) => a - b), stream.length]) {
          await writeApart(response, stream.subarray(start, cut));
          start = cut;
        }
        response.end();
      });
      const result = await complete({ baseUrl });
      assert.strictEqual(result.text, 'const é = "naïve";\n // 👍');
      assert.strictEqual(result.pieces, 4);
      assert.strictEqual(result.finishReason, 'stop');
    });

    it('splits events the same wherever the text is cut (pure parser)', () => {
      const text = ': c\r\ndata: {"a":1}\r\n\r\ndata:x\ndata: y\n\ndata: p\r\ndata: q\r\n\r\nevent: e\rdata: [DONE]\r\r';
      const expected = ['{"a":1}', 'x\ny', 'p\nq', '[DONE]'];
      for (let cut = 0; cut <= text.length; cut++) {
        const parser = new SseDataParser();
        const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut)), ...parser.end()];
        assert.deepStrictEqual(events, expected, `cut at ${cut}`);
      }
    });

    it('reads chat deltas from /v1/chat/completions', async () => {
      const { baseUrl, requests } = await serve(async (_request, response) => {
        beginEventStream(response);
        await writeApart(response, sseEvent(chatChunk({ role: 'assistant' })));
        await writeApart(response, sseEvent(chatChunk({ content: 'Adds two' })));
        await writeApart(response, sseEvent(chatChunk({ content: ' numbers.' })));
        await writeApart(response, sseEvent(chatChunk({}, 'stop')));
        response.end('data: [DONE]\n\n');
      });
      const messages = [
        { role: 'system', content: 'You write doc comments.' },
        { role: 'user', content: 'function add(a, b) { return a + b; }' },
      ] as const;
      const result = await streamChat({ baseUrl }, { model: MODEL, messages, max_tokens: 32 }, ignoreText, options);
      assert.strictEqual(result.text, 'Adds two numbers.');
      assert.strictEqual(result.pieces, 2);
      assert.strictEqual(result.finishReason, 'stop');
      assert.strictEqual(requests[0].url, '/v1/chat/completions');
      assert.deepStrictEqual(JSON.parse(requests[0].body), { model: MODEL, messages, max_tokens: 32, temperature: 0, stream: true });
    });

    it('works with a server that ignores stream: true and answers one JSON body', async () => {
      const { baseUrl } = await serve((request, response) => {
        const answer = request.url.endsWith('/chat/completions')
          ? { choices: [{ index: 0, message: { role: 'assistant', content: 'Adds.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 2 } }
          : { choices: [{ index: 0, text: ' return a + b;', finish_reason: 'length' }] };
        sendJson(response, 200, answer);
      });
      const pieces: string[] = [];
      const completion = await complete({ baseUrl }, (piece) => pieces.push(piece));
      assert.deepStrictEqual([completion.text, completion.finishReason, completion.pieces], [' return a + b;', 'length', 1]);
      assert.deepStrictEqual(pieces, [' return a + b;']);
      const chat = await streamChat({ baseUrl }, { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 8 }, ignoreText, options);
      assert.deepStrictEqual([chat.text, chat.finishReason, chat.promptTokens, chat.completionTokens], ['Adds.', 'stop', 9, 2]);
    });

    it('keeps the last event of a stream that ends without [DONE] or a blank line', async () => {
      const { baseUrl } = await serve((_request, response) => {
        // No content type either: the body shows it is SSE.
        response.writeHead(200);
        response.end(`data: ${JSON.stringify(completionChunk('x'))}\n\ndata: ${JSON.stringify(completionChunk('y'))}`);
      });
      const result = await complete({ baseUrl });
      assert.strictEqual(result.text, 'xy');
      assert.strictEqual(result.finishReason, 'unknown');
    });
  });

  describe('the request', () => {
    it('sends only the body fields given, temperature 0 and stream true, and no Authorization without a key', async () => {
      const { baseUrl, requests } = await serve((_request, response) => sendJson(response, 200, { choices: [{ text: '', finish_reason: 'stop' }] }));
      await complete({ baseUrl });
      const [request] = requests;
      assert.strictEqual(request.method, 'POST');
      assert.strictEqual(request.url, '/v1/completions');
      assert.deepStrictEqual(JSON.parse(request.body), { model: MODEL, prompt: 'function add(a, b) {', max_tokens: 16, temperature: 0, stream: true });
      assert.strictEqual(request.headers.authorization, undefined);
      assert.strictEqual(request.headers['user-agent'], 'attention-lens');
      assert.strictEqual(request.headers['content-type'], 'application/json');
      assert.deepStrictEqual(Object.keys(request.headers).filter((name) => name.startsWith('x-')), []);
    });

    it('sends Authorization: Bearer with a key, and the stop sequences and temperature given', async () => {
      const { baseUrl, requests } = await serve((_request, response) => sendJson(response, 200, { choices: [{ text: '', finish_reason: 'stop' }] }));
      await streamCompletion({ baseUrl, apiKey: KEY }, { model: MODEL, prompt: 'p', max_tokens: 4, stop: ['\n\n'], temperature: 0.5 }, ignoreText, options);
      assert.strictEqual(requests[0].headers.authorization, `Bearer ${KEY}`);
      assert.deepStrictEqual(JSON.parse(requests[0].body), { model: MODEL, prompt: 'p', max_tokens: 4, stop: ['\n\n'], temperature: 0.5, stream: true });
    });
  });

  describe('abort', () => {
    it('resolves with the text so far and closes the connection at once', async () => {
      let socketClosed: Promise<void> | undefined;
      const { baseUrl } = await serve(async (_request, response) => {
        if (response.socket) socketClosed = eventWithin(response.socket, 'close', 1000);
        beginEventStream(response);
        await writeApart(response, sseEvent(completionChunk('partial')));
        // The stream stays open: only the client's abort can end it.
      });
      const controller = new AbortController();
      const result = await complete({ baseUrl }, () => controller.abort(), { ...options, signal: controller.signal });
      assert.strictEqual(result.finishReason, 'aborted');
      assert.strictEqual(result.text, 'partial');
      assert.ok(socketClosed, 'the server never got the request');
      await socketClosed;
    });

    it('resolves at once, sending nothing, when the signal was aborted before the call', async () => {
      const { baseUrl, requests } = await serve((_request, response) => sendJson(response, 200, { choices: [{ text: 'x' }] }));
      const result = await complete({ baseUrl }, undefined, { ...options, signal: AbortSignal.abort() });
      assert.deepStrictEqual([result.finishReason, result.text, requests.length], ['aborted', '', 0]);
    });

    it('resolves when aborted during a wait for a busy server', async () => {
      let markAnswered!: () => void;
      const answered = new Promise<void>((resolve) => (markAnswered = resolve));
      const { baseUrl } = await serve((_request, response) => {
        response.once('finish', markAnswered);
        sendJson(response, 503, { error: 'busy' }, { 'Retry-After': '3' });
      });
      const controller = new AbortController();
      const call = complete({ baseUrl }, undefined, { ...options, signal: controller.signal });
      await answered;
      const started = performance.now();
      controller.abort();
      const result = await call;
      assert.strictEqual(result.finishReason, 'aborted');
      assert.ok(performance.now() - started < 1000);
    });
  });

  describe('failures', () => {
    it('connection refused: REMOTE_UNREACHABLE naming the host', async () => {
      const host = `127.0.0.1:${await unusedPort()}`;
      const error = await failure(complete({ baseUrl: `http://${host}/v1` }), 'REMOTE_UNREACHABLE');
      assert.ok(error.message.includes(host) && /refused/.test(error.message), error.message);
    });

    it('no response headers within firstByteTimeoutMs: REMOTE_UNREACHABLE saying it timed out', async () => {
      const { baseUrl, host } = await serve(() => undefined);
      const started = performance.now();
      const error = await failure(complete({ baseUrl }, undefined, { timeoutMs: 5000, firstByteTimeoutMs: 300 }), 'REMOTE_UNREACHABLE');
      const waited = performance.now() - started;
      assert.ok(/timed out/.test(error.message) && error.message.includes(host), error.message);
      assert.ok(waited >= 250 && waited < 3000, `${waited} ms`);
    });

    it('an answer still streaming when timeoutMs runs out: TIMEOUT', async () => {
      const { baseUrl } = await serve(async (_request, response) => {
        beginEventStream(response);
        await writeApart(response, sseEvent(completionChunk('slow')));
      });
      const error = await failure(complete({ baseUrl }, undefined, { timeoutMs: 400 }), 'TIMEOUT');
      assert.ok(/did not finish/.test(error.message), error.message);
    });

    it('401 with a body that echoes the key: REMOTE_AUTH pointing at the command, without the key', async () => {
      const { baseUrl } = await serve((request, response) =>
        sendJson(response, 401, { error: { message: `Invalid API key: ${String(request.headers.authorization)}`, type: 'invalid_request_error' } }),
      );
      const error = await failure(complete({ baseUrl, apiKey: KEY }), 'REMOTE_AUTH');
      assert.ok(error.message.includes('Attention Lens: Set Remote API Key') && error.message.includes('401'), error.message);
      assert.ok(!error.message.includes(KEY), error.message);
      const withoutKey = await failure(complete({ baseUrl }), 'REMOTE_AUTH');
      assert.ok(/needs an API key/.test(withoutKey.message), withoutKey.message);
    });

    it('403: REMOTE_AUTH', async () => {
      const { baseUrl } = await serve((_request, response) => sendJson(response, 403, { detail: 'Forbidden' }));
      const error = await failure(complete({ baseUrl, apiKey: KEY }), 'REMOTE_AUTH');
      assert.ok(error.message.includes('HTTP 403: Forbidden'), error.message);
    });

    it('404: REMOTE_MODEL_NOT_FOUND naming the model and the models /v1/models offers', async () => {
      const { baseUrl } = await serve((request, response) =>
        request.url === '/v1/models'
          ? sendJson(response, 200, { object: 'list', data: [{ id: 'qwen2.5-coder' }, { id: 'llama-3' }] })
          : sendJson(response, 404, { object: 'error', message: `The model \`${MODEL}\` does not exist.`, code: 404 }),
      );
      const error = await failure(complete({ baseUrl }), 'REMOTE_MODEL_NOT_FOUND');
      for (const part of [`"${MODEL}"`, '"qwen2.5-coder"', '"llama-3"', 'does not exist', 'attentionLens.remote.model']) assert.ok(error.message.includes(part), `${part}: ${error.message}`);
    });

    it('404 where /v1/models is missing too: REMOTE_MODEL_NOT_FOUND pointing at the address', async () => {
      const { baseUrl } = await serve((_request, response) => {
        response.writeHead(404, { 'Content-Type': 'text/plain' });
        response.end('Not Found');
      });
      const error = await failure(complete({ baseUrl }), 'REMOTE_MODEL_NOT_FOUND');
      assert.ok(error.message.includes(MODEL) && error.message.includes('attentionLens.remote.url'), error.message);
    });

    it('500 and 502: REMOTE_SERVER_ERROR with the server\'s own message, trimmed', async () => {
      const { baseUrl } = await serve((request, response) =>
        request.url.endsWith('/chat/completions')
          ? sendJson(response, 502, { error: 'upstream model worker died' })
          : sendJson(response, 500, { error: { message: '\n  CUDA out of memory.\n   Tried to allocate 2 GiB  ', type: 'InternalServerError' } }),
      );
      const error = await failure(complete({ baseUrl }), 'REMOTE_SERVER_ERROR');
      assert.ok(error.message.includes('(HTTP 500: CUDA out of memory. Tried to allocate 2 GiB)'), error.message);
      const chat = await failure(streamChat({ baseUrl }, { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 4 }, ignoreText, options), 'REMOTE_SERVER_ERROR');
      assert.ok(chat.message.includes('(HTTP 502: upstream model worker died)'), chat.message);
    });

    it('a body that is neither JSON nor SSE: REMOTE_SERVER_ERROR', async () => {
      const bodies: Record<string, [string, string]> = {
        '/html/v1/completions': ['text/html', '<!doctype html><title>Open WebUI</title>'],
        '/plain/v1/completions': ['text/plain', 'Hello from a web server'],
        '/json/v1/completions': ['application/json', '{"choices": ['],
        '/shape/v1/completions': ['application/json', '{"generated_text": "x"}'],
      };
      const { baseUrl } = await serve((request, response) => {
        const [type, body] = bodies[request.url];
        response.writeHead(200, { 'Content-Type': type });
        response.end(body);
      });
      const root = baseUrl.replace(/\/v1$/, '');
      for (const prefix of ['/html', '/plain', '/json', '/shape']) {
        const error = await failure(complete({ baseUrl: `${root}${prefix}/v1` }), 'REMOTE_SERVER_ERROR');
        assert.ok(/not the OpenAI API/.test(error.message), error.message);
      }
    });

    it('an error event after text has streamed: REMOTE_SERVER_ERROR, not retried', async () => {
      const { baseUrl, requests } = await serve(async (_request, response) => {
        beginEventStream(response);
        await writeApart(response, sseEvent(completionChunk('part')));
        response.end(sseEvent({ error: { message: 'engine overloaded', code: 503 } }));
      });
      const pieces: string[] = [];
      const error = await failure(complete({ baseUrl }, (piece) => pieces.push(piece)), 'REMOTE_SERVER_ERROR');
      assert.ok(error.message.includes('engine overloaded'), error.message);
      assert.deepStrictEqual([requests.length, pieces], [1, ['part']]);
    });

    it('a connection that breaks off mid-stream: REMOTE_UNREACHABLE, not retried', async () => {
      const { baseUrl, requests } = await serve(async (_request, response) => {
        beginEventStream(response);
        await writeApart(response, sseEvent(completionChunk('part')));
        response.socket?.destroy();
      });
      const error = await failure(complete({ baseUrl }), 'REMOTE_UNREACHABLE');
      assert.ok(/broke off/.test(error.message), error.message);
      assert.strictEqual(requests.length, 1);
    });

    it('a connection closed before any answer (a stale pooled socket) is sent once more on a fresh one', async () => {
      let closed = 0;
      const { baseUrl, requests } = await serve((_request, response) => {
        if (closed++ === 0) {
          response.socket?.destroy(); // as uvicorn does to a kept-alive socket after a 500
          return;
        }
        beginEventStream(response);
        response.end(sseEvent(completionChunk('ok', 'stop')));
      });
      const result = await complete({ baseUrl });
      assert.deepStrictEqual([result.text, requests.length], ['ok', 2]);
    });

    it('a server that closes every connection before answering: REMOTE_UNREACHABLE after one resend', async () => {
      const { baseUrl, requests } = await serve((_request, response) => {
        response.socket?.destroy();
      });
      await failure(complete({ baseUrl }), 'REMOTE_UNREACHABLE');
      assert.strictEqual(requests.length, 2);
    });

    it('a redirect: REMOTE_BAD_URL naming where it points, not followed', async () => {
      const { baseUrl, requests } = await serve((_request, response) => {
        response.writeHead(307, { Location: 'https://elsewhere.example/v1/completions' });
        response.end();
      });
      const error = await failure(complete({ baseUrl, apiKey: KEY }), 'REMOTE_BAD_URL');
      assert.ok(error.message.includes('https://elsewhere.example/v1/completions'), error.message);
      assert.strictEqual(requests.length, 1);
    });
  });

  describe('TLS', () => {
    let certificate: TestCertificate;
    before(() => {
      certificate = makeSelfSignedCertificate();
    });
    after(() => fs.rmSync(certificate.folder, { recursive: true, force: true }));

    it('a self-signed certificate: REMOTE_TLS saying it is not trusted and how to trust it', async () => {
      server = await startServer((_request, response) => sendJson(response, 200, { data: [{ id: MODEL }] }), certificate);
      const error = await failure(complete({ baseUrl: server.baseUrl }), 'REMOTE_TLS');
      assert.ok(/not trusted/.test(error.message) && error.message.includes('NODE_EXTRA_CA_CERTS') && error.message.includes(server.host), error.message);
    });

    it('the advice works: with NODE_EXTRA_CA_CERTS naming the certificate, the same server answers', async () => {
      server = await startServer((_request, response) => sendJson(response, 200, { data: [{ id: MODEL }] }), certificate);
      const client = path.resolve(__dirname, '../../src/remote/openAiClient.js');
      const script = `require(${JSON.stringify(client)}).listModels({ baseUrl: process.argv[1] }, { timeoutMs: 5000 }).then((ids) => console.log(JSON.stringify(ids)), (error) => { console.log(error.message); process.exitCode = 1; })`;
      const output = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', script, server?.baseUrl ?? ''], { env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certFile }, timeout: 10_000 }, (error, stdout) =>
          error ? reject(new Error(`${error.message}\n${stdout}`)) : resolve(stdout),
        ),
      );
      assert.deepStrictEqual(JSON.parse(output), [MODEL]);
    });
  });

  describe('busy servers', () => {
    it('retries a 503 after the seconds its Retry-After asks', async () => {
      const { baseUrl, requests } = await serve((_request, response) =>
        requests.length === 1 ? sendJson(response, 503, { error: 'Loading model' }, { 'Retry-After': '1' }) : sendJson(response, 200, { choices: [{ text: 'ok', finish_reason: 'stop' }] }),
      );
      const result = await complete({ baseUrl });
      assert.deepStrictEqual([result.text, result.retries, requests.length], ['ok', 1, 2]);
      const waited = requests[1].receivedAt - requests[0].receivedAt;
      assert.ok(waited >= 800, `${waited} ms`);
    });

    it('retries a 429 at the HTTP date its Retry-After names', async () => {
      let askedMs = 0;
      const { baseUrl, requests } = await serve((_request, response) => {
        if (requests.length > 1) return sendJson(response, 200, { choices: [{ text: 'ok' }] });
        const date = new Date(Date.now() + 1500).toUTCString();
        askedMs = Date.parse(date) - Date.now();
        sendJson(response, 429, { error: { message: 'Rate limit' } }, { 'Retry-After': date });
      });
      const result = await complete({ baseUrl });
      assert.strictEqual(result.retries, 1);
      const waited = requests[1].receivedAt - requests[0].receivedAt;
      assert.ok(askedMs > 0 && waited >= 0.8 * askedMs, `asked ${askedMs} ms, waited ${waited} ms`);
    });

    it(`gives up with REMOTE_BUSY after ${MAX_BUSY_RETRIES} retries`, async () => {
      const { baseUrl, requests } = await serve((_request, response) => sendJson(response, 503, { error: 'Server busy' }, { 'Retry-After': '0' }));
      const error = await failure(complete({ baseUrl }), 'REMOTE_BUSY');
      assert.strictEqual(requests.length, MAX_BUSY_RETRIES + 1);
      assert.ok(error.message.includes(`${MAX_BUSY_RETRIES} retries`) && error.message.includes('Server busy'), error.message);
    });

    it('gives up at once when Retry-After asks for longer than the call has left', async () => {
      const { baseUrl, requests } = await serve((_request, response) => sendJson(response, 429, { error: 'slow down' }, { 'Retry-After': '120' }));
      const started = performance.now();
      const error = await failure(complete({ baseUrl }, undefined, { timeoutMs: 3000 }), 'REMOTE_BUSY');
      assert.ok(performance.now() - started < 1000);
      assert.strictEqual(requests.length, 1);
      assert.ok(error.message.includes('120 s'), error.message);
    });

    it('reads Retry-After as seconds or an HTTP date', () => {
      const now = Date.parse('Wed, 02 Dec 2026 05:00:00 GMT');
      assert.strictEqual(retryAfterMs('2', now), 2000);
      assert.strictEqual(retryAfterMs('Wed, 02 Dec 2026 05:00:03 GMT', now), 3000);
      assert.strictEqual(retryAfterMs('Wed, 02 Dec 2026 04:59:00 GMT', now), 0);
      assert.strictEqual(retryAfterMs('soon', now), undefined);
      assert.strictEqual(retryAfterMs(null, now), undefined);
    });
  });

  describe('listModels', () => {
    it('returns the ids /v1/models lists, sending the key', async () => {
      const { baseUrl, requests } = await serve((_request, response) => sendJson(response, 200, { object: 'list', data: [{ id: 'a', object: 'model' }, { id: 'b' }] }));
      assert.deepStrictEqual(await listModels({ baseUrl, apiKey: KEY }, options), ['a', 'b']);
      assert.deepStrictEqual([requests[0].method, requests[0].url, requests[0].headers.authorization], ['GET', '/v1/models', `Bearer ${KEY}`]);
    });

    it('401: REMOTE_AUTH', async () => {
      const { baseUrl } = await serve((_request, response) => sendJson(response, 401, { error: 'unauthorized' }));
      await failure(listModels({ baseUrl }, options), 'REMOTE_AUTH');
    });
  });
});
