import * as assert from 'assert';
import type { ModelInfo } from '../../src/common/protocol';
import { stateLabel, statusBarText, statusBarTooltip } from '../../src/host/statusBarText';

const info: ModelInfo = {
  name: 'lens-coder',
  location: '/ext/models/lens-coder',
  backend: 'cpu',
  backendReason: 'webgpu requested; no WebGPU adapter (Failed to get a WebGPU adapter: No supported adapters); fell back to cpu',
  backendFallback: true,
  dtype: 'q8',
  modelType: 'gpt2',
  parameters: 17_500_000,
  contextLength: 512,
  vocabSize: 8192,
  layers: 8,
  heads: 6,
  loadMs: 640,
  promptFamily: 'lens',
};

describe('status bar text', () => {
  it('names model, backend and state', () => {
    const state = { state: 'ready' as const, modelName: 'lens-coder', backend: 'cpu' as const, info: { ...info, backendFallback: undefined, backendReason: 'auto: no WebGPU adapter; the native onnxruntime-node addon loaded' } };
    assert.strictEqual(statusBarText(state), 'lens-coder · cpu · ready');
    assert.strictEqual(statusBarTooltip(state), 'Attention Lens: lens-coder on cpu — ready\nBackend: auto: no WebGPU adapter; the native onnxruntime-node addon loaded');
  });

  it('marks a fallback backend and gives the reason in the tooltip', () => {
    const state = { state: 'ready' as const, modelName: 'lens-coder', backend: 'cpu' as const, info };
    assert.strictEqual(statusBarText(state), 'lens-coder · cpu (fallback) · ready');
    assert.match(statusBarTooltip(state), /\nBackend: webgpu requested; no WebGPU adapter \(.*\); fell back to cpu$/);
  });

  it('shows loading progress and an error under the summary', () => {
    assert.strictEqual(stateLabel({ state: 'loading', progress: 0.42 }), 'loading 42%');
    assert.strictEqual(statusBarText({ state: 'loading' }), 'Attention Lens · loading…');
    assert.strictEqual(statusBarTooltip({ state: 'error', error: 'The model folder /x does not exist.' }), 'Attention Lens: Attention Lens — error\nThe model folder /x does not exist.');
  });
});
