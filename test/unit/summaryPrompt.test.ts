import * as assert from 'assert';
import { buildSummaryPrompt, detectSummaryFormat, lineCommentMarker, summaryChatMessages } from '../../src/common/summaryPrompt';

describe('summary prompts', () => {
  it('uses the bundled model’s trained template', () => {
    const format = detectSummaryFormat({ attention_lens: { summarization: { template: '<sum_code>{code}<sum_doc>' } } }, true);
    assert.deepStrictEqual(format, { kind: 'trained', template: '<sum_code>{code}<sum_doc>' });
    assert.strictEqual(buildSummaryPrompt(format as { kind: 'trained'; template: string }, 'f()', 'python'), '<sum_code>f()<sum_doc>');
    // String.replace would read `$&` and `$'` in the code as replacement patterns.
    const code = "s = re.sub(r'(x)', r'$&$1', t)  # '$'";
    assert.strictEqual(buildSummaryPrompt(format as { kind: 'trained'; template: string }, code, 'python'), `<sum_code>${code}<sum_doc>`);
  });
  it('uses the chat template when the tokenizer has one, else a comment to complete', () => {
    assert.deepStrictEqual(detectSummaryFormat({}, true), { kind: 'chat' });
    assert.deepStrictEqual(detectSummaryFormat({ attention_lens: {} }, false), { kind: 'comment' });
    assert.strictEqual(buildSummaryPrompt({ kind: 'comment' }, 'def f(): pass', 'python'), 'def f(): pass\n\n# In one sentence, the code above:\n#');
    assert.ok(buildSummaryPrompt({ kind: 'comment' }, 'fn f() {}', 'rust').endsWith('\n//'));
  });
  it('puts the code in a fenced block for chat models', () => {
    const [system, user] = summaryChatMessages('x = 1', 'python');
    assert.strictEqual(system.role, 'system');
    assert.match(user.content, /```python\nx = 1\n```/);
  });
  it('knows the comment markers', () => {
    assert.strictEqual(lineCommentMarker('python'), '#');
    assert.strictEqual(lineCommentMarker('typescript'), '//');
    assert.strictEqual(lineCommentMarker('sql'), '--');
  });
});
