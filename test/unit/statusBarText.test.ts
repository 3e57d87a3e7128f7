import * as assert from 'assert';
import type { ModelInfo } from '../../src/common/protocol';
import { remoteInfoDetails, remoteInfoLine } from '../../src/host/modelInfoCommand';
import { remoteStatusText, remoteStatusTooltip, stateLabel, statusBarText, statusBarTooltip } from '../../src/host/statusBarText';
import { familyPromptFormat } from '../../src/common/promptFormats';
import type { RemoteDescription } from '../../src/remote/remoteEngine';

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

describe('status bar and Model Info for a remote engine', () => {
  const remote: RemoteDescription = {
    model: 'Qwen/Qwen2.5-Coder-7B',
    host: 'gpu-box:8000',
    url: 'http://gpu-box:8000/v1',
    format: { format: familyPromptFormat('qwen'), reason: 'guessed from the model name "Qwen/Qwen2.5-Coder-7B"' },
    summaryMode: 'completion',
    allowed: false,
    plainHttpToOtherMachine: true,
  };
  const local = { state: 'ready' as const, modelName: 'lens-coder', backend: 'cpu' as const, info };

  it('names the remote model and host; a folder path shows its last segment', () => {
    assert.strictEqual(remoteStatusText(remote), 'remote · Qwen/Qwen2.5-Coder-7B · gpu-box:8000');
    assert.strictEqual(remoteStatusText({ ...remote, model: '/srv/models/lens-coder/' }), 'remote · lens-coder · gpu-box:8000');
  });

  it('says in the tooltip that nothing is sent yet, warns about plain http, and gives the last figures once there are some', () => {
    const before = remoteStatusTooltip(remote, local);
    assert.match(before, /Not allowed yet: nothing is sent to gpu-box:8000/);
    assert.match(before, /plain http:\/\/ to another machine/);
    assert.doesNotMatch(before, /Last request/);
    assert.match(before, /Attention panel: local model lens-coder \(ready\)/);
    const after = remoteStatusTooltip({ ...remote, allowed: true, plainHttpToOtherMachine: false, last: { latencyMs: 420, firstTextMs: 130, tokensPerSecond: 38.5 } }, local);
    assert.doesNotMatch(after, /Not allowed|plain http/);
    assert.match(after, /Last request: 420 ms \(first text after 130 ms\), 38\.5 tok\/s/);
  });

  it('Show Model Info says what is sent where, and whose attention the panel shows', () => {
    assert.match(remoteInfoLine(remote), /^Attention Lens — remote model Qwen\/Qwen2\.5-Coder-7B on gpu-box:8000: prompt format qwen/);
    const details = remoteInfoDetails(remote, local).join('\n');
    assert.match(details, /not allowed yet: nothing is sent/);
    assert.match(details, /never secret files/);
    assert.match(details, /Attention: +local model lens-coder \(cpu\)/);
  });
});
