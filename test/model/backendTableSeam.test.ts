// The engine seam: a backend that exists only as a record in the backend table (added through
// registerBackend, nothing else edited) loads, generates and captures attention, and each field of
// its record shows in what the worker does — its preferred weights, its KV-cache rule, its name in
// the decision's sentence, and the devices its runtime build serves.
import * as assert from 'assert';
import * as path from 'path';
import type { AttentionCapture } from '../../src/common/attentionData';
import type { Backend, DeviceChoice } from '../../src/common/deviceChoices';
import { registerBackend } from '../../src/worker/backendTable';
import { Engine } from '../../src/worker/engine';

const repo = path.resolve(__dirname, '../../..');
const bundled = path.join(repo, 'models/lens-coder');
const wasmDir = path.join(repo, 'node_modules/onnxruntime-web/dist');
const origin: AttentionCapture['origin'] = { kind: 'selection', label: 'backend seam test' };
/** Not a name the protocol knows: only the table does. */
const STAND_IN = 'stand-in' as Backend;
const PROMPT = 'export function clamp(value: number, low: number, high: number): number {\n  ';

const quiet = { onStart: () => undefined, onToken: () => undefined, shouldStop: () => false };

/** Tokens the next generation reused from the kept KV cache, for a prompt that extends PROMPT. */
async function reusedOnExtension(engine: Engine): Promise<number> {
  await engine.generate({ prompt: PROMPT, maxNewTokens: 2, ...quiet });
  let reused = -1;
  await engine.generate({ prompt: `${PROMPT}if (value < low) return low;`, maxNewTokens: 2, ...quiet, onStart: (start) => (reused = start.reusedTokens) });
  return reused;
}

describe('backend table seam: a backend that is only a table record', function () {
  this.timeout(120_000);
  let unregister: (() => void) | undefined;
  const engines: Engine[] = [];
  before(() => {
    // On the native runtime with cpu's kernels, but preferring float32 weights and keeping no KV cache.
    unregister = registerBackend({ backend: STAND_IN, build: 'native', transformersDevice: 'cpu', preferredDtypes: ['fp32', 'q8'], keepsKvCache: false, cpuKernels: true });
  });
  after(async () => {
    await Promise.all(engines.map((engine) => engine.dispose()));
    unregister?.();
  });

  const load = async (device: DeviceChoice, dtype: 'auto' | 'fp32' = 'auto') => {
    const engine = new Engine({ wasmDir, wasmThreads: 1 });
    engines.push(engine);
    const info = await engine.load({ source: { kind: 'folder', path: bundled, displayName: 'lens-coder' }, device, dtype, onProgress: () => undefined });
    return { engine, info };
  };

  it('loads on its record: its name, its preferred weights, its runtime build', async () => {
    const { info } = await load(STAND_IN as DeviceChoice);
    assert.strictEqual(info.backend, STAND_IN);
    assert.strictEqual(info.dtype, 'fp32', 'dtype auto takes the record\'s first preference (cpu would take q8)');
    assert.strictEqual(info.backendReason, 'the device setting asks for stand-in');
    assert.strictEqual(info.backendFallback, undefined);
    assert.ok(info.runtimeDevices?.includes(STAND_IN) && info.runtimeDevices.includes('cpu'), `devices on its build: ${info.runtimeDevices?.join(', ')}`);
  });

  it('generates what cpu generates on the same weights, keeps no KV cache where cpu keeps one, and captures attention', async () => {
    const standIn = await load(STAND_IN as DeviceChoice);
    const cpu = (await load('cpu', 'fp32')).engine;
    const ids = async (engine: Engine) => (await engine.generate({ prompt: PROMPT, maxNewTokens: 8, ...quiet })).tokenIds;
    assert.deepStrictEqual(await ids(standIn.engine), await ids(cpu));
    assert.strictEqual(await reusedOnExtension(standIn.engine), 0, 'keepsKvCache false: nothing reused');
    assert.ok((await reusedOnExtension(cpu)) >= 8, 'cpu reuses the shared prefix');
    const { capture } = await standIn.engine.attention('def clamp(value, low, high):', 64, origin);
    assert.strictEqual(capture.layers, standIn.info.layers);
    assert.ok(capture.probs.data.length > 0);
  });
});
