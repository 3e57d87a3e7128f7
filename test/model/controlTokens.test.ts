/** Text that spells a special token stays text: completion, summary and attention on the tiny fixture model. */

import * as assert from 'assert';
import * as path from 'path';
import { Engine } from '../../src/worker/engine';

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/tiny-model');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
/** The tiny model's special tokens and their ids (its tokenizer.json). */
const SPECIALS: Readonly<Record<string, number>> = { '<|endoftext|>': 0, '<fim_prefix>': 1, '<fim_suffix>': 2, '<fim_middle>': 3, '<sum_code>': 4, '<sum_doc>': 5 };
const SPECIAL_IDS = new Set(Object.values(SPECIALS));

describe('special tokens spelled in user text', function () {
  this.timeout(120_000);
  let engine: Engine;
  before(async () => {
    engine = new Engine({ wasmDir, wasmThreads: 1 });
    await engine.load({ source: { kind: 'folder', path: fixture, displayName: 'tiny' }, device: 'cpu', dtype: 'fp32', onProgress: () => undefined });
  });
  after(() => engine.dispose());

  /** Prompt tokens the engine reports for one request. */
  const promptTokens = async (run: (onStart: (start: { promptTokens: number }) => void) => Promise<unknown>): Promise<number> => {
    let tokens = -1;
    await run((start) => (tokens = start.promptTokens));
    return tokens;
  };
  const noop = { onToken: () => undefined, shouldStop: () => false };

  it('are characters in the attention view, never the marker ids', async () => {
    const text = `const marker = "${Object.keys(SPECIALS).join('')}";\n// <|endoftext|> is not the end\n`;
    const { capture } = await engine.attention(text, 256, { kind: 'selection', label: 'test' });
    const found = capture.tokenIds.filter((id) => SPECIAL_IDS.has(id));
    assert.deepStrictEqual(found, [], `special ids in the capture: ${found}`);
    assert.strictEqual(capture.tokens.join(''), text, 'the tokens spell the text exactly');
  });

  it('cost their characters in a completion prompt instead of one marker token', async () => {
    const complete = (prefix: string) => promptTokens((onStart) =>
      engine.complete({ prefix, suffix: '\n', budgetTokens: 256, maxNewTokens: 4, stop: { singleLine: true, linePrefix: '' }, onStart, ...noop }));
    const plain = await complete('const a = 1;\nconst b = ');
    for (const special of ['<fim_middle>', '<|endoftext|>', '<fim_prefix>']) {
      const spelled = await complete(`const a = 1;${special}\nconst b = `);
      // One marker id would add 1 token; its characters (`<`, `fim`, `_`, …) add several.
      assert.ok(spelled - plain >= 3, `${special} added ${spelled - plain} prompt tokens`);
    }
  });

  it('cost their characters in a summary prompt too', async () => {
    const summarize = (code: string) => promptTokens((onStart) => engine.summarize({ code, languageId: 'python', maxNewTokens: 4, onStart, ...noop }));
    const plain = await summarize('def f():\n    return 1');
    const spelled = await summarize('def f():\n    return "<sum_doc>"');
    const quoted = await summarize('def f():\n    return ""');
    assert.ok(plain > 0);
    assert.ok(spelled - quoted >= 3, `<sum_doc> added ${spelled - quoted} prompt tokens`);
  });
});
