import * as assert from 'assert';
import type { CompleteParams, DoneEvent } from '../../src/common/protocol';
import { readCompletionSettings } from '../../src/common/settings';
import { chooseStopRules, CompletionPipeline, type CompletionBackend } from '../../src/completion/completionPipeline';

function done(text: string, finishReason: DoneEvent['finishReason'] = 'stop'): DoneEvent {
  return { type: 'done', id: 1, text, tokenIds: [1, 2, 3], finishReason, timings: { queuedMs: 0, firstTokenMs: 5, totalMs: 9, tokensPerSecond: 100 } };
}

class FakeBackend implements CompletionBackend {
  readonly calls: CompleteParams[] = [];
  constructor(private readonly answer: (params: CompleteParams) => DoneEvent, public model: string | undefined = 'model-a') {}
  modelKey() {
    return this.model;
  }
  async complete(params: CompleteParams) {
    this.calls.push(params);
    return this.answer(params);
  }
}

const settings = () => readCompletionSettings(() => undefined);
const cursor = (prefix: string, suffix = '\n') => ({ prefix, suffix, tabSize: 4 });

describe('chooseStopRules', () => {
  it('keeps to one line when code follows the cursor', () => {
    assert.strictEqual(chooseStopRules('const x = f(', 'a, b);', 4, 'auto').singleLine, true);
  });
  it('allows several lines at the start of a statement with only closers after it', () => {
    const rules = chooseStopRules('    ', '', 4, 'auto');
    assert.strictEqual(rules.singleLine, false);
    assert.strictEqual(rules.blockIndent, 4);
    assert.strictEqual(chooseStopRules('function f() {', '}', 4, 'auto').singleLine, false);
  });
  it('keeps to one line in the middle of a statement unless told always', () => {
    assert.strictEqual(chooseStopRules('  return a +', '', 2, 'auto').singleLine, true);
    assert.strictEqual(chooseStopRules('  return a +', '', 2, 'always').singleLine, false);
    assert.strictEqual(chooseStopRules('    ', '', 4, 'never').singleLine, true);
  });
  it('counts tabs as tab stops', () => {
    assert.strictEqual(chooseStopRules('\t\t', '', 4, 'auto').blockIndent, 8);
  });
});

describe('CompletionPipeline', () => {
  it('asks the model with the budget and stop rules, and returns the cleaned text', async () => {
    const backend = new FakeBackend(() => done(' a + b;   '));
    const pipeline = new CompletionPipeline(backend, settings);
    const suggestion = await pipeline.suggest(cursor('function add(a, b) {\n  return'));
    assert.deepStrictEqual([suggestion?.text, suggestion?.source], [' a + b;', 'model']);
    assert.strictEqual(backend.calls[0].budgetTokens, 256);
    assert.strictEqual(backend.calls[0].stop.singleLine, true);
  });

  it('answers from the cache at the same place', async () => {
    const backend = new FakeBackend(() => done(' a + b;'));
    const pipeline = new CompletionPipeline(backend, settings);
    await pipeline.suggest(cursor('x\n  return'));
    await pipeline.suggest(cursor('y\n  return')); // elsewhere
    const again = await pipeline.suggest(cursor('x\n  return'));
    assert.strictEqual(again?.source, 'cache');
    assert.strictEqual(backend.calls.length, 2);
  });

  it('reuses the current suggestion while the user types its first characters', async () => {
    const backend = new FakeBackend(() => done(' a + b;'));
    const pipeline = new CompletionPipeline(backend, settings);
    await pipeline.suggest(cursor('  return'));
    const next = await pipeline.suggest(cursor('  return a'));
    assert.deepStrictEqual([next?.text, next?.source], [' + b;', 'typed-ahead']);
    const diverged = await pipeline.suggest(cursor('  return z'));
    assert.strictEqual(diverged?.source, 'model');
    assert.strictEqual(backend.calls.length, 2);
  });

  it('shows nothing for a cancelled request and does not cache it', async () => {
    let reason: DoneEvent['finishReason'] = 'cancelled';
    const backend = new FakeBackend(() => done(' a + b;', reason));
    const pipeline = new CompletionPipeline(backend, settings);
    assert.strictEqual(await pipeline.suggest(cursor('  return')), undefined);
    reason = 'stop';
    assert.strictEqual((await pipeline.suggest(cursor('  return')))?.source, 'model');
  });

  it('never mixes models, and asks nothing without one', async () => {
    const backend = new FakeBackend(() => done(' a + b;'));
    const pipeline = new CompletionPipeline(backend, settings);
    await pipeline.suggest(cursor('  return'));
    backend.model = 'model-b';
    assert.strictEqual((await pipeline.suggest(cursor('  return')))?.source, 'model');
    backend.model = undefined;
    assert.strictEqual(await pipeline.suggest(cursor('  return')), undefined);
    assert.strictEqual(backend.calls.length, 2);
  });
});
