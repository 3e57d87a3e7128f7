/**
 * The remote engine's requests against a real OpenAI-compatible server: `transformers serve` on
 * the bundled model's own weights (converted to a transformers GPT-2 folder), beside the local
 * worker on the same weights in fp32. Same prompts, same greedy decoding: the same text.
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { LensError } from '../../src/common/errors';
import type { CompleteParams } from '../../src/common/protocol';
import { InferenceClient, type CancelSignal } from '../../src/inference/inferenceClient';
import { resolveRemoteFormat } from '../../src/remote/remotePromptFormat';
import { remoteComplete, remoteSummarize, type RemoteTarget } from '../../src/remote/remoteRequests';
import { detectSummaryFormat } from '../../src/common/summaryPrompt';
import { chatVariant, startTransformersServe, type ServedModel } from './transformersServe';

const repo = path.resolve(__dirname, '../../..');
const bundled = path.join(repo, 'models/lens-coder');
const lensConfig = JSON.parse(fs.readFileSync(path.join(bundled, 'config.json'), 'utf8')) as Record<string, unknown>;
const lens = resolveRemoteFormat('lens', 'lens-coder', lensConfig).format;

/** Cursors in small functions nobody here tuned the model on: one-line and block completions. */
const CURSORS: readonly { prefix: string; suffix: string; singleLine: boolean }[] = [
  { prefix: 'function add(a, b) {\n  return ', suffix: ';\n}\n', singleLine: true },
  { prefix: 'def mean(values):\n    total = sum(values)\n    return ', suffix: '\n', singleLine: true },
  { prefix: 'export function isEmpty(text: string): boolean {\n  ', suffix: '\n}\n', singleLine: false },
  { prefix: 'const names = users.map((user) => ', suffix: ');\n', singleLine: true },
  { prefix: 'for (let i = 0; i < items.length; i++) {\n  ', suffix: '\n}\n', singleLine: false },
  { prefix: 'import os\n\ndef read_file(path):\n    with open(path) as f:\n        ', suffix: '\n', singleLine: true },
];

function params(cursor: (typeof CURSORS)[number], maxNewTokens = 24): CompleteParams {
  const linePrefix = cursor.prefix.slice(cursor.prefix.lastIndexOf('\n') + 1);
  return {
    prefix: cursor.prefix,
    suffix: cursor.suffix,
    budgetTokens: 256,
    maxNewTokens,
    stop: cursor.singleLine ? { singleLine: true, linePrefix } : { singleLine: false, blockIndent: linePrefix.length, tabSize: 4, linePrefix },
  };
}

/** A cancellation token the test fires itself. */
function cancelSource(): { token: CancelSignal; cancel: () => void } {
  const listeners: (() => void)[] = [];
  let requested = false;
  return {
    token: {
      get isCancellationRequested() {
        return requested;
      },
      onCancellationRequested(listener) {
        listeners.push(listener);
        return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
      },
    },
    cancel: () => {
      requested = true;
      for (const listener of [...listeners]) listener();
    },
  };
}

/** Resolves with the first log text after `offset` that matches `pattern`; rejects after `timeoutMs`. */
function logAfter(served: ServedModel, offset: number, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const found = (): string | undefined => pattern.exec(served.log().slice(offset))?.[0];
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`the server logged nothing matching ${pattern} within ${timeoutMs} ms:\n${served.log().slice(offset).slice(-3000)}`));
    }, timeoutMs);
    const unsubscribe = served.onLog(() => {
      const match = found();
      if (match === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(match);
    });
    const already = found();
    if (already !== undefined) {
      clearTimeout(timer);
      unsubscribe();
      resolve(already);
    }
  });
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('remote engine against transformers serve (bundled model, fp32)', function () {
  this.timeout(600_000);
  let served: ServedModel;
  let local: InferenceClient;
  let target: RemoteTarget;

  before(async () => {
    served = await startTransformersServe({});
    target = { endpoint: { baseUrl: `${served.baseUrl}/v1` }, model: served.model, format: lens, timeoutMs: 60_000 };
    local = new InferenceClient({
      workerPath: path.join(repo, 'out/src/worker/main.js'),
      startData: { wasmDir: path.join(repo, 'node_modules/onnxruntime-web/dist'), wasmThreads: 1 },
      requestTimeoutMs: () => 120_000,
    });
    await local.load({ source: { kind: 'folder', path: bundled, displayName: 'lens-coder' }, device: 'cpu', dtype: 'fp32' });
  });

  after(async () => {
    await Promise.all([local?.dispose(), served?.stop()]);
  });

  it('writes the same greedy completions as the local worker on the same weights', async () => {
    const rows: string[] = [];
    for (const cursor of CURSORS) {
      const mine = await local.complete(params(cursor), {}, undefined, 120_000);
      const theirs = await remoteComplete(target, params(cursor));
      rows.push(`${JSON.stringify(mine.text)} | ${JSON.stringify(theirs.text)} | ${theirs.finishReason} | ${theirs.timings.totalMs} ms`);
      assert.strictEqual(theirs.text, mine.text, `at ${JSON.stringify(cursor.prefix.slice(-30))}:\n${rows.join('\n')}`);
    }
    console.log(`      local | remote | finish | remote time\n      ${rows.join('\n      ')}`);
  });

  it("writes the same summary as the local worker, with lens-coder's trained prompt", async () => {
    const code = 'function clamp(value, low, high) {\n  return Math.min(high, Math.max(low, value));\n}';
    const request = { code, languageId: 'javascript', maxNewTokens: 32 };
    const mine = await local.summarize(request, {});
    const format = detectSummaryFormat(lensConfig, false);
    assert.strictEqual(format.kind, 'trained');
    const theirs = await remoteSummarize(target, { kind: 'completion', format: format.kind === 'trained' ? format : { kind: 'comment' } }, request);
    assert.strictEqual(theirs.text.trim(), mine.text.trim());
  });

  it('writes a summary through /v1/chat/completions for a model with a chat template, streamed', async () => {
    // lens-coder was trained on <sum_code>code<sum_doc>; a template that puts the user's message there makes it a chat model.
    const template = "{% for m in messages %}{% if m['role'] == 'user' %}<sum_code>{{ m['content'] }}{% endif %}{% endfor %}{% if add_generation_prompt %}<sum_doc>{% endif %}";
    const chat: RemoteTarget = { ...target, model: chatVariant(served, template) };
    const pieces: string[] = [];
    const done = await remoteSummarize(chat, { kind: 'chat' }, { code: 'function square(x) {\n  return x * x;\n}', languageId: 'javascript', maxNewTokens: 24 }, (text) => pieces.push(text));
    console.log(`      chat answer: ${JSON.stringify(done.text)} (${pieces.length} pieces, ${done.finishReason}, ${done.timings.totalMs} ms)`);
    assert.ok(['eos', 'length', 'stop'].includes(done.finishReason), done.finishReason);
    assert.ok(done.text.trim().length > 0 && pieces.length >= 2, `${pieces.length} pieces: ${JSON.stringify(done.text)}`);
  });

  it('streams the text in pieces, the first long before the end', async () => {
    const pieces: { text: string; at: number }[] = [];
    const started = Date.now();
    // No stop rule but the token limit: 48 tokens arrive as they are made.
    const long: CompleteParams = { ...params(CURSORS[2], 48), stop: { singleLine: false, linePrefix: '  ' } };
    const done = await remoteComplete(target, long, undefined, (text) => pieces.push({ text, at: Date.now() - started }));
    assert.ok(pieces.length >= 8, `${pieces.length} pieces: ${JSON.stringify(pieces)}`);
    assert.strictEqual(pieces.map((p) => p.text).join('').startsWith(done.text), true);
    const last = pieces[pieces.length - 1].at;
    assert.ok(pieces[0].at < last / 2, `first piece after ${pieces[0].at} ms, last after ${last} ms`);
  });

  it('cancelling mid-stream ends the request, and the server stops generating (its log says so)', async () => {
    const { token, cancel } = cancelSource();
    const before = served.log().length;
    const pieces: string[] = [];
    // A block completion with no stop rule but the token limit: it would run for 200 tokens.
    const long: CompleteParams = {
      prefix: 'class Stack {\n  constructor() {\n    this.items = [];\n  }\n\n  push(item) {\n    this.items.push(item);\n  }\n\n  ',
      suffix: '',
      budgetTokens: 256,
      maxNewTokens: 200,
      stop: { singleLine: false, linePrefix: '  ' },
    };
    const done = await remoteComplete(target, long, token, (text) => {
      pieces.push(text);
      if (pieces.length === 3) cancel();
    });
    assert.strictEqual(done.finishReason, 'cancelled');
    const line = await logAfter(served, before, /generation (stopped|finished) after (\d+) new tokens[^\n]*/, 20_000);
    assert.match(line, /stopped after \d+ new tokens: the client disconnected/, `the server went on: ${line}`);
    const generated = Number(/after (\d+)/.exec(line)?.[1]);
    assert.ok(generated >= 3 && generated < 60, line);
  });

  it('reports a server that is down as unreachable, naming the host', async () => {
    const port = await closedPort();
    const down: RemoteTarget = { ...target, endpoint: { baseUrl: `http://127.0.0.1:${port}/v1` }, timeoutMs: 5000 };
    await assert.rejects(remoteComplete(down, params(CURSORS[0])), (error: unknown) => {
      assert.ok(error instanceof LensError, String(error));
      assert.strictEqual(error.code, 'REMOTE_UNREACHABLE');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });
});
