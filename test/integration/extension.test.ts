// The extension inside a real VS Code: installed, activated, commands registered, the model
// loaded, and a settings change picked up. Uses only the public `vscode` API and the API object
// `activate()` returns.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitForState, type LensApi, type LensState } from './lensApi';
import { note } from './note';

const LOAD_TIMEOUT_MS = 120_000;

describe('Attention Lens in VS Code', () => {
  let api: LensApi | undefined;

  /** The API, once the activation test obtained it. */
  function lens(): LensApi {
    assert.ok(api, 'the extension did not activate (see the earlier failure)');
    return api;
  }

  it('is installed', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} extensions`);
    assert.strictEqual(extension.packageJSON.publisher, 'attention-lens');
  });

  it('activates and returns its API', async () => {
    const extension = vscode.extensions.getExtension<LensApi>(EXTENSION_ID);
    assert.ok(extension);
    const exported = await extension.activate();
    assert.ok(extension.isActive, 'isActive is false after activate()');
    assert.ok(exported, 'activate() returned nothing');
    assert.strictEqual(typeof exported.getState, 'function', 'the API has no getState()');
    assert.strictEqual(typeof exported.onDidChangeState, 'function', 'the API has no onDidChangeState');
    api = exported;
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['attentionLens.showModelInfo', 'attentionLens.reloadModel']) {
      assert.ok(commands.includes(id), `${id} is not registered`);
    }
  });

  it('loads the model and reaches ready', async function () {
    this.timeout(LOAD_TIMEOUT_MS + 10_000);
    const started = Date.now();
    const state = await waitForState(lens(), (s) => s.state === 'ready', LOAD_TIMEOUT_MS, 'state ready');
    assert.ok(state.modelName, `ready without a model name: ${JSON.stringify(state)}`);
    assert.ok(state.backend === 'cpu' || state.backend === 'wasm', `unexpected backend: ${JSON.stringify(state)}`);
    note(`ready: ${state.modelName} on ${state.backend}, waited ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('decides `auto` with the WebGPU probe that ships in the package', async function () {
    this.timeout(LOAD_TIMEOUT_MS + 10_000);
    const state = await waitForState(lens(), (s) => s.state === 'ready', LOAD_TIMEOUT_MS, 'state ready');
    const reason = state.info?.backendReason ?? '';
    note(`backend reason: ${reason}`);
    // The runner points Vulkan at lavapipe when scripts/install-lavapipe.sh has put it in .cache/.
    const icd = process.env.VK_ICD_FILENAMES;
    if (icd && fs.existsSync(icd)) {
      assert.match(reason, /^auto: WebGPU adapter mesa software .* is software \(it is a fallback adapter\); the native onnxruntime-node addon loaded$/);
    } else {
      // No usable driver: the probe still ran (a missing probe would say "no WebGPU probe").
      assert.match(reason, /^auto: (no WebGPU adapter|WebGPU adapter .* is software)/);
    }
    assert.strictEqual(state.backend, 'cpu');
  });

  describe('when attentionLens.device changes to webgpu', () => {
    after(async () => {
      await vscode.workspace.getConfiguration('attentionLens').update('device', undefined, vscode.ConfigurationTarget.Workspace);
    });

    it('reloads on WebGPU with the float32 weights (lavapipe here), or falls back to cpu saying why', async function () {
      this.timeout(LOAD_TIMEOUT_MS + 20_000);
      const api = lens();
      await waitForState(api, (s) => s.state === 'ready', LOAD_TIMEOUT_MS, 'state ready before the change');
      const started = Date.now();
      await vscode.workspace.getConfiguration('attentionLens').update('device', 'webgpu', vscode.ConfigurationTarget.Workspace);
      const state = await waitForState(api, (s) => s.state === 'ready' && (s.backend === 'webgpu' || s.info?.backendFallback === true), LOAD_TIMEOUT_MS, 'ready after asking for webgpu');
      note(`ready: ${state.modelName} on ${state.backend} (${state.info?.dtype}), ${((Date.now() - started) / 1000).toFixed(1)} s after the change: ${state.info?.backendReason}`);
      const icd = process.env.VK_ICD_FILENAMES;
      if (icd && fs.existsSync(icd)) {
        assert.strictEqual(state.backend, 'webgpu', state.info?.backendReason);
        assert.strictEqual(state.info?.dtype, 'fp32', 'dtype auto takes the float32 weights on WebGPU');
      } else {
        assert.strictEqual(state.backend, 'cpu');
        assert.strictEqual(state.info?.backendFallback, true);
        assert.match(state.info?.backendReason ?? '', /^webgpu requested; no WebGPU adapter .*; fell back to cpu$/);
      }
    });
  });

  describe('when attentionLens.device changes to wasm', () => {
    after(async () => {
      await vscode.workspace.getConfiguration('attentionLens').update('device', undefined, vscode.ConfigurationTarget.Workspace);
    });

    it('reloads the model on wasm and reaches ready', async function () {
      this.timeout(LOAD_TIMEOUT_MS + 20_000);
      const api = lens();
      await waitForState(api, (s) => s.state === 'ready', LOAD_TIMEOUT_MS, 'state ready before the change');
      // Record every state from the change on, so the test can tell a reload from no reaction.
      const seen: LensState[] = [];
      const recording = api.onDidChangeState((s) => seen.push(s));
      try {
        const started = Date.now();
        await vscode.workspace.getConfiguration('attentionLens').update('device', 'wasm', vscode.ConfigurationTarget.Workspace);
        const state = await waitForState(api, (s) => s.state === 'ready' && s.backend === 'wasm', LOAD_TIMEOUT_MS, 'ready on wasm');
        assert.ok(
          seen.some((s) => s.state === 'loading'),
          `no loading state after the change; states seen: ${JSON.stringify(seen.map((s) => s.state))}`,
        );
        note(`ready: ${state.modelName} on ${state.backend}, ${((Date.now() - started) / 1000).toFixed(1)} s after the change`);
      } finally {
        recording.dispose();
      }
    });
  });
});
