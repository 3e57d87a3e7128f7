/**
 * What a real OpenAI-compatible server (`transformers serve` on the bundled model) does with the
 * requests the remote engine will send, asserted with plain `fetch`: greedy FIM completions,
 * their SSE stream, `stop` and `max_tokens`, chat without a chat template, a wrong model name,
 * an API key, and a stream cancelled by the client. No product code: these pin the server's
 * behaviour the client is written against (tools/serve/README.md lists the same facts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import { startTransformersServe, waitForLog, type ServedModel } from './transformersServe';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const MODEL_DIR = path.join(REPO_ROOT, 'models', 'lens-coder');
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_TOKENS = 12;

interface FimFormat {
  readonly template: string;
}
interface BundledConfig {
  readonly eos_token_id: number;
  readonly pad_token_id: number;
  readonly attention_lens: { readonly fim: FimFormat };
}
interface CompletionChoice {
  readonly text: string;
  readonly finish_reason?: string;
}
interface CompletionBody {
  readonly model: string;
  readonly choices: readonly CompletionChoice[];
  readonly usage?: { readonly completion_tokens: number; readonly prompt_tokens: number };
}

const config = JSON.parse(fs.readFileSync(path.join(MODEL_DIR, 'config.json'), 'utf8')) as BundledConfig;
const fimPrompt = config.attention_lens.fim.template
  .replace('{prefix}', 'function add(a, b) {\n  return ')
  .replace('{suffix}', ';\n}\n');

describe('transformers serve on the bundled model (real OpenAI-compatible server)', function () {
  this.timeout(300_000);
  let served: ServedModel;

  before(async function () {
    this.timeout(20 * 60_000); // the first run installs torch and transformers into .cache/
    fs.mkdirSync(path.join(REPO_ROOT, 'test-results'), { recursive: true });
    const startedAt = Date.now();
    served = await startTransformersServe({ logFile: path.join(REPO_ROOT, 'test-results', 'transformers-serve.log') });
    console.log(`    transformers serve ready (model loaded and warmed) in ${Date.now() - startedAt} ms at ${served.baseUrl}`);
  });

  after(async () => {
    await served?.stop();
  });

  const post = (route: string, body: object, init: RequestInit = {}): Promise<Response> =>
    fetch(`${served.baseUrl}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      body: JSON.stringify(body),
      signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

  /**
   * POSTs on a connection of its own. After a 500 from an exception, uvicorn closes the connection
   * without saying so (no `Connection: close`); a pooled keep-alive socket would then fail the next
   * fetch with "other side closed". Requests that end in a 500 go through here.
   */
  const postAlone = (route: string, body: object): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const request = http.request(`${served.baseUrl}${route}`, {
        method: 'POST', agent: false, headers: { 'content-type': 'application/json' }, timeout: REQUEST_TIMEOUT_MS,
      }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error(`${route} timed out`)));
      request.on('error', reject);
      request.end(JSON.stringify(body));
    });

  const complete = async (body: object): Promise<CompletionBody> => {
    const response = await post('/v1/completions', { model: served.model, ...body });
    assert.strictEqual(response.status, 200, await response.clone().text());
    return (await response.json()) as CompletionBody;
  };

  /** Reads a whole SSE response: the payload of every `data:` event, in order. */
  const readEvents = async (response: Response): Promise<string[]> => {
    assert.strictEqual(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const raw = await response.text();
    return raw.split('\n\n').filter((event) => event.trim() !== '').map((event) => {
      assert.ok(event.startsWith('data: '), `not an SSE data event: ${JSON.stringify(event)}`);
      return event.slice('data: '.length);
    });
  };

  it('answers a greedy FIM completion, max_tokens honoured, equal to the extension engine\'s greedy text', async () => {
    const body = await complete({ prompt: fimPrompt, max_tokens: MAX_TOKENS });
    const [choice] = body.choices;
    assert.ok(choice.text.length > 0, 'empty completion');
    assert.strictEqual(choice.finish_reason, 'length');
    assert.strictEqual(body.usage?.completion_tokens, MAX_TOKENS);
    assert.strictEqual(body.model, `${served.model}@main`, 'the server echoes the folder with its revision');

    // The same greedy decoding through transformers.js on the bundled ONNX file (what the local engine runs).
    env.allowRemoteModels = false;
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_DIR);
    const model = await AutoModelForCausalLM.from_pretrained(MODEL_DIR, { device: 'cpu', dtype: 'fp32' });
    try {
      const ids = tokenizer.encode(fimPrompt, { add_special_tokens: false });
      assert.strictEqual(body.usage?.prompt_tokens, ids.length, 'the server tokenizes the prompt like the extension');
      const inputIds = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
      const generated = (await model.generate({
        input_ids: inputIds, attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
        max_new_tokens: MAX_TOKENS, do_sample: false,
      } as Record<string, unknown>)) as Tensor;
      const newIds = (generated.tolist() as bigint[][])[0].map(Number).slice(ids.length);
      assert.strictEqual(choice.text, tokenizer.decode(newIds, { skip_special_tokens: true }));
    } finally {
      await model.dispose();
    }
  });

  it('streams the same text as SSE data events, one token each, the last with finish_reason and usage and no [DONE]', async () => {
    const whole = (await complete({ prompt: fimPrompt, max_tokens: MAX_TOKENS })).choices[0].text;
    const events = await readEvents(await post('/v1/completions', { model: served.model, prompt: fimPrompt, max_tokens: MAX_TOKENS, stream: true }));
    assert.ok(!events.includes('[DONE]'), 'transformers serve ends /v1/completions streams without [DONE]');
    const chunks = events.map((event) => JSON.parse(event) as CompletionBody);
    const last = chunks[chunks.length - 1];
    assert.strictEqual(last.choices[0].finish_reason, 'length');
    assert.strictEqual(last.choices[0].text, '');
    assert.strictEqual(last.usage?.completion_tokens, MAX_TOKENS);
    const pieces = chunks.slice(0, -1).map((chunk) => chunk.choices[0].text);
    assert.strictEqual(pieces.length, MAX_TOKENS, `one event per token: ${JSON.stringify(pieces)}`);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === undefined));
    assert.strictEqual(pieces.join(''), whole);
  });

  it('honours stop strings, streamed and not, and keeps the stop string in the text', async () => {
    const whole = (await complete({ prompt: fimPrompt, max_tokens: MAX_TOKENS })).choices[0].text;
    const newline = whole.indexOf('\n');
    assert.ok(newline > 0, `the greedy text needs a newline for this test: ${JSON.stringify(whole)}`);
    const expected = whole.slice(0, newline + 1); // unlike OpenAI, the matched stop string stays in

    const body = await complete({ prompt: fimPrompt, max_tokens: MAX_TOKENS, stop: ['\n'] });
    assert.strictEqual(body.choices[0].text, expected);
    assert.strictEqual(body.choices[0].finish_reason, 'stop');

    const events = await readEvents(await post('/v1/completions', { model: served.model, prompt: fimPrompt, max_tokens: MAX_TOKENS, stop: ['\n'], stream: true }));
    const chunks = events.map((event) => JSON.parse(event) as CompletionBody);
    assert.strictEqual(chunks.map((chunk) => chunk.choices[0].text).join(''), expected);
    assert.strictEqual(chunks[chunks.length - 1].choices[0].finish_reason, 'stop');
  });

  it('ignores an Authorization header', async () => {
    const response = await post('/v1/completions', { model: served.model, prompt: fimPrompt, max_tokens: 2 }, { headers: { authorization: 'Bearer x' } });
    assert.strictEqual(response.status, 200);
  });

  it('answers a wrong model name, offline, with 500 and a plain-text body (the cause only in its log)', async () => {
    const response = await postAlone('/v1/completions', { model: 'no-such-owner/no-such-model', prompt: fimPrompt, max_tokens: 2 });
    assert.strictEqual(response.status, 500);
    assert.strictEqual(response.text, 'Internal Server Error');
    await waitForLog(served, /outgoing traffic has been disabled|couldn't connect to 'https:\/\/huggingface\.co'/, 10_000);
  });

  it('has no chat template for the bundled model: /v1/chat/completions answers 500', async () => {
    const response = await postAlone('/v1/chat/completions', { model: served.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.strictEqual(response.status, 500);
    await waitForLog(served, /tokenizer\.chat_template is not set/, 10_000);
  });

  it('stops generating when the client aborts a stream, and says so in its log', async () => {
    // 400 tokens without an early end of text (min_new_tokens), long enough to see whether it ran on.
    const long = { model: served.model, prompt: fimPrompt, generation_config: JSON.stringify({
      max_new_tokens: 400, min_new_tokens: 400, do_sample: false,
      eos_token_id: config.eos_token_id, pad_token_id: config.pad_token_id,
    }) };
    const controller = new AbortController();
    const logAtStart = served.log().length;
    const response = await post('/v1/completions', { ...long, stream: true }, { signal: controller.signal });
    assert.strictEqual(response.status, 200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/^data: /gm) ?? []).length < 5) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended before 5 events');
      received += decoder.decode(value, { stream: true });
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);

    // tools/serve/serve_logged.py logs the streamer's stop: the generation ended far short of 400.
    const line = await waitForLog(served, /generation stopped after \d+ new tokens: the client disconnected/, 20_000);
    const stoppedAt = Number(/after (\d+)/.exec(line)?.[1]);
    assert.ok(stoppedAt >= 5 && stoppedAt < 100, line);
    assert.doesNotMatch(served.log().slice(logAtStart), /generation finished after 400 new tokens|Traceback/);
    // And the single lane is free again for the next request.
    const next = await complete({ prompt: fimPrompt, max_tokens: 1 });
    assert.strictEqual(next.usage?.completion_tokens, 1);
  });
});
