import * as assert from 'assert';
import { modelInfoLine, notReadyLine } from '../../src/host/modelInfoCommand';

describe('model info text', () => {
  const info = {
    name: 'lens-coder',
    location: '/ext/models/lens-coder',
    backend: 'cpu' as const,
    backendReason: 'auto: the native onnxruntime-node addon loaded',
    dtype: 'q8' as const,
    modelType: 'gpt2',
    parameters: 17_400_000,
    contextLength: 512,
    vocabSize: 8192,
    layers: 8,
    heads: 6,
    loadMs: 1234,
    promptFamily: 'lens',
  };

  it('names the model, backend, dtype, load time, parameters and context', () => {
    assert.strictEqual(
      modelInfoLine(info),
      'Attention Lens — model lens-coder: backend cpu, dtype q8, loaded in 1.23 s, 17.4M parameters, context 512 tokens',
    );
  });

  it('says why there is nothing to show', () => {
    assert.match(notReadyLine({ state: 'error', modelName: 'm', error: 'gone' }), /m failed to load: gone/);
    assert.match(notReadyLine({ state: 'loading', modelName: 'm' }), /still loading/);
  });
});
