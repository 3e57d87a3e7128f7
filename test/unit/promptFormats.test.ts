import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildCompletionPrompt, detectPromptFormat, PromptFormat } from '../../src/common/promptFormats';

/** A tokenId lookup over a vocabulary given as a list of token strings. */
function vocabulary(...tokens: string[]): (token: string) => number | undefined {
  const ids = new Map(['a', 'b', 'c', ...tokens].map((token, id) => [token, id] as const));
  return (token) => ids.get(token);
}

// Compiled to out/test/unit; mocha runs from the repository root, so either base finds the fixture.
const FIXTURE_CONFIG = [path.join(__dirname, '..', '..', '..'), process.cwd()]
  .map((root) => path.join(root, 'test', 'fixtures', 'tiny-model', 'config.json'))
  .find((file) => fs.existsSync(file));

function lensConfig(): Record<string, unknown> {
  assert.ok(FIXTURE_CONFIG, 'test/fixtures/tiny-model/config.json not found');
  return JSON.parse(fs.readFileSync(FIXTURE_CONFIG, 'utf8')) as Record<string, unknown>;
}

const STARCODER = ['<|endoftext|>', '<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>', '<filename>', '<gh_stars>'];
const QWEN = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'];
const CODEGEMMA = ['<eos>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|file_separator|>'];
const DEEPSEEK = ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜fim▁hole｜>', '<｜fim▁begin｜>', '<｜fim▁end｜>', '<|EOT|>'];
const CODELLAMA = ['<s>', '</s>', '▁<PRE>', '▁<MID>', '▁<SUF>', '▁<EOT>'];

describe('detectPromptFormat', () => {
  describe('the bundled model (config.attention_lens)', () => {
    it('reads the fixture\'s FIM template, stop and blocked ids', () => {
      const config = lensConfig();
      const specialTokens = (config.attention_lens as { special_tokens: Record<string, number> }).special_tokens;
      const format = detectPromptFormat(config, (token) => specialTokens[token]);
      assert.deepStrictEqual(format, {
        family: 'lens',
        fim: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
        stopStrings: ['<|endoftext|>'],
        blockedTokenIds: [1, 2, 3, 4, 5],
      });
    });

    it('wins over the vocabulary of another family, even with no tokens known', () => {
      assert.strictEqual(detectPromptFormat(lensConfig(), vocabulary(...QWEN)).family, 'lens');
      assert.strictEqual(detectPromptFormat(lensConfig(), () => undefined).family, 'lens');
    });

    it('takes the markers from the template, whatever they are', () => {
      const config = { attention_lens: { fim: { template: '[P]{prefix}[S]{suffix}[M]', prefix_token: 'x', suffix_token: 'y', middle_token: 'z' } } };
      assert.deepStrictEqual(detectPromptFormat(config, vocabulary()).fim, { prefix: '[P]', suffix: '[S]', middle: '[M]' });
    });

    it('falls back to the token fields when the template is missing or not prefix-then-suffix', () => {
      const tokens = { prefix_token: '<p>', suffix_token: '<s>', middle_token: '<m>' };
      const expected = { prefix: '<p>', suffix: '<s>', middle: '<m>' };
      assert.deepStrictEqual(detectPromptFormat({ attention_lens: { fim: tokens } }, vocabulary()).fim, expected);
      const reversed = { attention_lens: { fim: { ...tokens, template: '<s>{suffix}<p>{prefix}<m>' } } };
      assert.deepStrictEqual(detectPromptFormat(reversed, vocabulary()).fim, expected);
    });

    it('has no FIM when the config declares none (plain left-to-right)', () => {
      const format = detectPromptFormat({ attention_lens: { eos_token: '<|endoftext|>' } }, vocabulary());
      assert.strictEqual(format.family, 'lens');
      assert.strictEqual(format.fim, undefined);
      assert.ok(!('fim' in format));
      assert.deepStrictEqual(format.stopStrings, ['<|endoftext|>']);
      assert.deepStrictEqual(format.blockedTokenIds, []);
    });

    it('gathers stop strings from eos_token and fim.stop (string or list), without duplicates or empties', () => {
      const config = { attention_lens: { eos_token: '<e>', fim: { template: 'P{prefix}S{suffix}M', stop: ['<e>', '<x>', ''] } } };
      assert.deepStrictEqual(detectPromptFormat(config, vocabulary()).stopStrings, ['<e>', '<x>']);
    });

    it('never blocks EOS, even when the config lists it', () => {
      const config = { eos_token_id: [7, 9], attention_lens: { eos_token: '<e>', completion: { blocked_token_ids: [0, 1, 7, 9, 4] } } };
      const tokenId = (token: string) => (token === '<e>' ? 0 : undefined);
      assert.deepStrictEqual(detectPromptFormat(config, tokenId).blockedTokenIds, [1, 4]);
      const single = { eos_token_id: 1, attention_lens: { completion: { blocked_token_ids: [1, 2] } } };
      assert.deepStrictEqual(detectPromptFormat(single, vocabulary()).blockedTokenIds, [2]);
    });

    it('uses single-token bad_words_ids when blocked_token_ids is absent, and skips junk ids', () => {
      const config = { attention_lens: { completion: { bad_words_ids: [[1], [2, 3], [4], 'x', [-1], [2.5]] } } };
      assert.deepStrictEqual(detectPromptFormat(config, vocabulary()).blockedTokenIds, [1, 4]);
      const junk = { attention_lens: { completion: { blocked_token_ids: [3, '4', null, 3, -2, 1.5] } } };
      assert.deepStrictEqual(detectPromptFormat(junk, vocabulary()).blockedTokenIds, [3]);
    });

    it('ignores an attention_lens that is not an object', () => {
      assert.strictEqual(detectPromptFormat({ attention_lens: 'yes' }, vocabulary()).family, 'none');
      assert.strictEqual(detectPromptFormat({ attention_lens: [1] }, vocabulary()).family, 'none');
      assert.strictEqual(detectPromptFormat({ attention_lens: null }, vocabulary()).family, 'none');
    });
  });

  describe('families known by their tokens', () => {
    it('StarCoder', () => {
      const format = detectPromptFormat({ eos_token_id: 0 }, vocabulary(...STARCODER));
      assert.deepStrictEqual(format, {
        family: 'starcoder',
        fim: { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
        stopStrings: ['<|endoftext|>', '<fim_pad>', '<filename>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
        blockedTokenIds: [],
      });
    });

    it('Qwen2.5-Coder', () => {
      const format = detectPromptFormat({ eos_token_id: [1, 2] }, vocabulary(...QWEN));
      assert.strictEqual(format.family, 'qwen');
      assert.deepStrictEqual(format.fim, { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' });
      assert.deepStrictEqual(format.stopStrings, ['<|endoftext|>', '<|im_end|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>']);
      assert.deepStrictEqual(format.blockedTokenIds, []);
    });

    it('CodeGemma shares Qwen\'s markers and stops at <|file_separator|>', () => {
      const format = detectPromptFormat({}, vocabulary(...CODEGEMMA));
      assert.strictEqual(format.family, 'qwen');
      assert.ok(format.stopStrings.includes('<|file_separator|>'));
      assert.ok(!format.stopStrings.includes('<eos>'), 'plain <eos> can be real code');
      assert.ok(!format.stopStrings.includes('<|fim_pad|>'), 'not in this vocabulary');
    });

    it('DeepSeek-Coder, with full-width bars and ▁', () => {
      const format = detectPromptFormat({}, vocabulary(...DEEPSEEK));
      assert.strictEqual(format.family, 'deepseek');
      assert.deepStrictEqual(format.fim, { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' });
      assert.deepStrictEqual(format.stopStrings, ['<|EOT|>', '<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>']);
    });

    it('CodeLlama, stored with the SentencePiece space mark', () => {
      const format = detectPromptFormat({ eos_token_id: 2 }, vocabulary(...CODELLAMA));
      assert.strictEqual(format.family, 'codellama');
      assert.deepStrictEqual(format.fim, { prefix: '<PRE> ', suffix: ' <SUF>', middle: ' <MID>' });
      assert.deepStrictEqual(format.stopStrings, [' <EOT>', '<EOT>']);
      assert.ok(!format.stopStrings.includes('</s>'), '</s> is an HTML end tag too');
    });

    it('CodeLlama, stored as plain added tokens', () => {
      const format = detectPromptFormat({}, vocabulary('<PRE>', '<SUF>', '<MID>'));
      assert.strictEqual(format.family, 'codellama');
      assert.deepStrictEqual(format.stopStrings, [], 'no <EOT> in this vocabulary');
    });

    it('needs every one of a family\'s tokens', () => {
      assert.strictEqual(detectPromptFormat({}, vocabulary('<fim_prefix>', '<fim_suffix>')).family, 'none');
      assert.strictEqual(detectPromptFormat({}, vocabulary('<|fim_prefix|>', '<|fim_middle|>')).family, 'none');
      assert.strictEqual(detectPromptFormat({}, vocabulary('<｜fim▁begin｜>', '<｜fim▁end｜>')).family, 'none');
      assert.strictEqual(detectPromptFormat({}, vocabulary('▁<PRE>', '▁<SUF>', '▁<EOT>')).family, 'none');
      assert.strictEqual(detectPromptFormat({}, vocabulary('<fim_prefix>', '<|fim_suffix|>', '<fim_middle>')).family, 'none');
    });

    it('treats id 0 as present', () => {
      const ids: Record<string, number> = { '<fim_prefix>': 0, '<fim_suffix>': 1, '<fim_middle>': 2 };
      assert.strictEqual(detectPromptFormat({}, (token) => ids[token]).family, 'starcoder');
    });
  });

  describe('no FIM', () => {
    it('is plain left-to-right with the end-of-text markers the vocabulary has', () => {
      const format = detectPromptFormat({ eos_token_id: 50256 }, vocabulary('<|endoftext|>'));
      assert.deepStrictEqual(format, { family: 'none', stopStrings: ['<|endoftext|>'], blockedTokenIds: [] });
    });

    it('has no stop strings when the vocabulary has none of them', () => {
      assert.deepStrictEqual(detectPromptFormat({}, vocabulary('</s>', '<s>', '<eos>')), { family: 'none', stopStrings: [], blockedTokenIds: [] });
    });
  });
});

describe('buildCompletionPrompt', () => {
  const prefix = 'def add(a, b):\n    ';
  const suffix = '\n\nprint(add(1, 2))\n';

  it('puts prefix, suffix and middle in PSM order', () => {
    const format = detectPromptFormat({}, vocabulary(...STARCODER));
    assert.strictEqual(buildCompletionPrompt(format, prefix, suffix), `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`);
  });

  it('uses the bundled model\'s template', () => {
    assert.strictEqual(buildCompletionPrompt(detectPromptFormat(lensConfig(), vocabulary()), 'a', 'b'), '<fim_prefix>a<fim_suffix>b<fim_middle>');
  });

  it('Qwen and DeepSeek', () => {
    assert.strictEqual(buildCompletionPrompt(detectPromptFormat({}, vocabulary(...QWEN)), 'x', 'y'), '<|fim_prefix|>x<|fim_suffix|>y<|fim_middle|>');
    assert.strictEqual(buildCompletionPrompt(detectPromptFormat({}, vocabulary(...DEEPSEEK)), 'x', 'y'), '<｜fim▁begin｜>x<｜fim▁hole｜>y<｜fim▁end｜>');
  });

  it('CodeLlama: `<PRE> {prefix} <SUF>{suffix} <MID>`', () => {
    assert.strictEqual(buildCompletionPrompt(detectPromptFormat({}, vocabulary(...CODELLAMA)), 'x', 'y'), '<PRE> x <SUF>y <MID>');
  });

  it('is the prefix alone without FIM, even with a suffix', () => {
    const none: PromptFormat = { family: 'none', stopStrings: [], blockedTokenIds: [] };
    assert.strictEqual(buildCompletionPrompt(none, prefix, suffix), prefix);
  });

  it('keeps empty parts', () => {
    const format = detectPromptFormat({}, vocabulary(...STARCODER));
    assert.strictEqual(buildCompletionPrompt(format, '', ''), '<fim_prefix><fim_suffix><fim_middle>');
  });
});
