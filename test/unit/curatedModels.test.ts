import * as assert from 'assert';
import { CURATED_MODELS, curatedAbilities, curatedSizes, hubModelIdProblem } from '../../src/common/curatedModels';
import { resolveModelSource } from '../../src/common/modelSource';
import { readSettings } from '../../src/common/settings';

/** The model setting as resolveModelSource reads it, with downloads on. */
const hubSource = (model: string) => resolveModelSource(readSettings((key) => ({ model, allowDownloads: true })[key]), { extensionPath: '/ext', globalStoragePath: '/storage' });

describe('curated models: the table', () => {
  it('holds the five code models asked for, each once', () => {
    assert.deepStrictEqual(CURATED_MODELS.map((model) => model.id).sort(), [
      'HuggingFaceTB/SmolLM2-360M-Instruct',
      'Xenova/codegen-350M-mono',
      'Xenova/deepseek-coder-1.3b-base',
      'Xenova/tiny_starcoder_py',
      'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    ]);
  });

  it('has only ids the model setting resolves to a Hub model at main', () => {
    for (const model of CURATED_MODELS) {
      const source = hubSource(model.id);
      assert.strictEqual(source.kind, 'hub', model.id);
      assert.deepStrictEqual(source.kind === 'hub' && [source.modelId, source.revision], [model.id, 'main']);
      assert.strictEqual(hubModelIdProblem(model.id), undefined, model.id);
    }
  });

  it('says for every entry what it is, whether it does FIM and chat, and that attention is untested', () => {
    for (const model of CURATED_MODELS) {
      assert.ok(model.summary.length > 5, model.id);
      assert.match(curatedAbilities(model), /^(FIM|no FIM) · (chat|no chat) · attention capture not tested here$/, model.id);
    }
  });

  it('writes sizes as figures with a unit per known dtype, else says they are shown on download', () => {
    for (const model of CURATED_MODELS) {
      for (const [dtype, size] of Object.entries(model.weightSizes)) {
        assert.match(dtype, /^(fp32|fp16|q8|int8|uint8|q4|q4f16|bnb4)$/, model.id);
        assert.match(size, /^\d+(\.\d+)? (MB|GB)( \+ \d+(\.\d+)? (MB|GB) data)?$/, `${model.id} ${dtype}`);
      }
    }
    const unknown = CURATED_MODELS.find((model) => Object.keys(model.weightSizes).length === 0);
    assert.ok(unknown);
    assert.strictEqual(curatedSizes(unknown), 'size shown on download');
    const smol = CURATED_MODELS.find((model) => model.id === 'HuggingFaceTB/SmolLM2-360M-Instruct');
    assert.strictEqual(smol && curatedSizes(smol), 'q4f16 299 MB · q4 417 MB · fp16 819 MB · fp32 1.64 GB');
  });
});

describe('curated models: a typed Hub id', () => {
  it('accepts what the model setting accepts, revisions included', () => {
    for (const id of ['owner/name', 'Xenova/codegen-350M-mono', 'a/b@v1.0', 'a/b@refs/pr/3', '  a/b@main  ']) {
      assert.strictEqual(hubModelIdProblem(id), undefined, id);
    }
  });

  it('says what is wrong with the rest', () => {
    assert.match(hubModelIdProblem('') ?? '', /Type a Hugging Face model id/);
    assert.match(hubModelIdProblem('codegen') ?? '', /"codegen" has no owner: a Hub id is "owner\/name"/);
    assert.match(hubModelIdProblem('/home/me/model') ?? '', /folder path; choose "Open a local folder…"/);
    assert.match(hubModelIdProblem('a/b/c') ?? '', /neither an absolute folder nor a Hugging Face id/);
    assert.match(hubModelIdProblem('a/b..c') ?? '', /neither an absolute folder nor a Hugging Face id/);
    assert.match(hubModelIdProblem('a/b@../x') ?? '', /is not a branch, tag or commit hash: it contains "\.\."/);
    assert.match(hubModelIdProblem('a/b@') ?? '', /it is empty/);
  });
});
