import * as assert from 'assert';
import { askedBackend, calibratedBackend, chooseAutoBackend, describeAdapter, describeDecision, loadFailedFallback, runtimeMissing, settleBackendForWeights, softwareAdapterReason, wrongPlatform, type AdapterProbe } from '../../src/worker/backendChoice';

/** What Dawn reported for Mesa 25's lavapipe on this machine. */
const LAVAPIPE: AdapterProbe = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
};
const NVIDIA: AdapterProbe = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3', isFallbackAdapter: false };
const INTEL_ON_MESA: AdapterProbe = { vendor: 'intel', architecture: 'gen-12lp', device: '', description: 'Intel(R) Xe Graphics (TGL GT2) Mesa 24.0', isFallbackAdapter: false };

describe('chooseAutoBackend', () => {
  it('takes webgpu on a hardware adapter when the native runtime loads, naming the adapter', () => {
    const decision = chooseAutoBackend(NVIDIA, true);
    assert.strictEqual(decision.backend, 'webgpu');
    assert.match(describeDecision(decision), /^auto: hardware WebGPU adapter \(nvidia hopper NVIDIA H100/);
  });

  it('does not mistake a hardware driver that Mesa ships for a software one', () => {
    assert.strictEqual(chooseAutoBackend(INTEL_ON_MESA, true).backend, 'webgpu');
  });

  it('takes cpu on lavapipe and says the adapter is software', () => {
    const decision = chooseAutoBackend(LAVAPIPE, true);
    assert.strictEqual(decision.backend, 'cpu');
    assert.match(describeDecision(decision), /^auto: WebGPU adapter mesa software llvmpipe.* is software \(it is a fallback adapter\); the native onnxruntime-node addon loaded$/);
  });

  it('takes cpu when there is no adapter or no probe, with the note', () => {
    const none = chooseAutoBackend(undefined, true);
    assert.strictEqual(none.backend, 'cpu');
    assert.strictEqual(none.fallbackFrom, undefined);
    assert.strictEqual(describeDecision(none), 'auto: no WebGPU adapter; the native onnxruntime-node addon loaded');
    const decision = chooseAutoBackend(undefined, true, 'no WebGPU probe (the optional "webgpu" package is not installed)');
    assert.strictEqual(decision.backend, 'cpu');
    assert.match(describeDecision(decision), /webgpu" package is not installed/);
  });

  it('takes wasm when the native runtime does not load, even with a hardware adapter', () => {
    assert.strictEqual(chooseAutoBackend(undefined, false).backend, 'wasm');
    assert.strictEqual(chooseAutoBackend(LAVAPIPE, false).backend, 'wasm');
    const decision = chooseAutoBackend(NVIDIA, false);
    assert.strictEqual(decision.backend, 'wasm');
    assert.match(describeDecision(decision), /^auto: hardware WebGPU adapter nvidia .* unused \(WebGPU runs through onnxruntime-node\); onnxruntime-node did not load$/);
  });
});

describe('softwareAdapterReason', () => {
  const hardware = { vendor: 'amd', architecture: 'rdna-3', device: '', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', isFallbackAdapter: false };

  it('finds none for hardware GPUs', () => {
    assert.strictEqual(softwareAdapterReason(hardware), undefined);
    assert.strictEqual(softwareAdapterReason(NVIDIA), undefined);
    // Apple's Metal adapters report an empty architecture.
    assert.strictEqual(softwareAdapterReason({ vendor: 'apple', architecture: '', device: '', description: 'Apple M2', isFallbackAdapter: false }), undefined);
  });

  it('flags a fallback adapter, whatever it says', () => {
    assert.match(softwareAdapterReason({ ...hardware, isFallbackAdapter: true }) ?? '', /fallback adapter/);
  });

  it('flags software and cpu architectures, in any case', () => {
    assert.match(softwareAdapterReason({ ...hardware, architecture: 'Software' }) ?? '', /architecture is "software"/);
    assert.match(softwareAdapterReason({ ...hardware, architecture: 'cpu' }) ?? '', /architecture is "cpu"/);
  });

  it('flags the mesa vendor (used only by its CPU renderers)', () => {
    assert.match(softwareAdapterReason({ ...LAVAPIPE, isFallbackAdapter: false, architecture: '' }) ?? '', /vendor "mesa"/);
  });

  it('flags CPU renderers by name: SwiftShader, llvmpipe, lavapipe, WARP', () => {
    const named = (vendor: string, description: string) => softwareAdapterReason({ vendor, architecture: '', device: '', description, isFallbackAdapter: false });
    assert.match(named('google', 'SwiftShader Device (Subzero)') ?? '', /swiftshader/);
    assert.match(named('', 'llvmpipe (LLVM 15.0.6, 256 bits)') ?? '', /llvmpipe/);
    assert.match(named('', 'lavapipe') ?? '', /lavapipe/);
    assert.match(named('microsoft', 'Microsoft Basic Render Driver') ?? '', /microsoft basic render driver/);
    // A word inside another word is no match.
    assert.strictEqual(named('nvidia', 'NVIDIA GeForce RTX 4090 (warpspeed edition)'), undefined);
  });
});

describe('describeAdapter', () => {
  it('joins vendor, architecture and device, or the description when there is no device', () => {
    assert.strictEqual(describeAdapter(LAVAPIPE), 'mesa software llvmpipe-llvm-15-0-6-256-bits-');
    assert.strictEqual(describeAdapter(NVIDIA), 'nvidia hopper NVIDIA H100 80GB HBM3');
    assert.strictEqual(describeAdapter({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false }), 'unnamed adapter');
  });
});

describe('settleBackendForWeights', () => {
  const onGpu = chooseAutoBackend(NVIDIA, true);

  it('keeps auto on cpu when a hardware GPU would get only int8 weights, and says why', () => {
    const settled = settleBackendForWeights(onGpu, 'q8');
    assert.strictEqual(settled.backend, 'cpu');
    assert.match(describeDecision(settled), /^auto: hardware WebGPU adapter \(nvidia .*\), but the model has only int8 weights, whose MatMulInteger has no WebGPU kernel .*; cpu instead$/);
  });

  it('keeps WebGPU with float32 weights, and with int8 when the user asked for it outright, saying what it costs', () => {
    assert.strictEqual(settleBackendForWeights(onGpu, 'fp32'), onGpu);
    const forced = askedBackend('webgpu');
    assert.strictEqual(describeDecision(forced), 'the device setting asks for webgpu');
    assert.strictEqual(settleBackendForWeights(forced, 'fp32'), forced);
    const withInt8 = settleBackendForWeights(forced, 'q8');
    assert.strictEqual(withInt8.backend, 'webgpu');
    assert.strictEqual(describeDecision(withInt8), 'the device setting asks for webgpu (int8 weights: their MatMulInteger has no WebGPU kernel and runs on the CPU between GPU steps)');
  });

  it('leaves a cpu decision alone', () => {
    const cpu = chooseAutoBackend(LAVAPIPE, true);
    assert.strictEqual(settleBackendForWeights(cpu, 'q8'), cpu);
  });
});

describe('calibratedBackend', () => {
  const onGpu = chooseAutoBackend(NVIDIA, true);
  const measured = (webgpu: number, cpu: number) => ({ webgpuTokensPerSecond: webgpu, cpuTokensPerSecond: cpu, measuredAt: '2026-11-27' });

  it('keeps WebGPU where it decoded faster, with both figures', () => {
    const decision = calibratedBackend(onGpu, measured(412.3, 198.4), true);
    assert.strictEqual(decision.backend, 'webgpu');
    assert.strictEqual(decision.adapter, onGpu.adapter);
    assert.match(describeDecision(decision), /; WebGPU decodes 2\.1× as fast as cpu \(webgpu 412 tok\/s, cpu 198 tok\/s, calibrated now\)$/);
  });

  it('goes to cpu where WebGPU lost, or tied, and dates a remembered verdict', () => {
    const lost = calibratedBackend(onGpu, measured(3.2, 250), false);
    assert.strictEqual(lost.backend, 'cpu');
    assert.match(describeDecision(lost), /, but cpu decodes faster with this model \(webgpu 3\.2 tok\/s, cpu 250 tok\/s, calibrated 2026-11-27\); cpu instead$/);
    assert.strictEqual(calibratedBackend(onGpu, measured(200, 200), true).backend, 'cpu');
  });
});

describe('describeDecision', () => {
  const noAdapter = new Error('[WebGPU] ep.cc:123 Check failed. Failed to get a WebGPU adapter: no driver');

  it('words a failed WebGPU load asked for outright in two words, and marks the fallback', () => {
    const fell = loadFailedFallback(askedBackend('webgpu'), 'cpu', noAdapter);
    assert.deepStrictEqual([fell.requested, fell.backend, fell.fallbackFrom], ['webgpu', 'cpu', 'webgpu']);
    assert.strictEqual(describeDecision(fell), 'webgpu requested; no WebGPU adapter (Failed to get a WebGPU adapter: no driver); fell back to cpu');
  });

  it('keeps the whole story when the failure follows other causes', () => {
    const fell = loadFailedFallback(chooseAutoBackend(NVIDIA, true), 'cpu', new Error('session create failed\nstack'));
    assert.match(describeDecision(fell), /^auto: hardware WebGPU adapter \(nvidia .*\); the WebGPU session failed \(session create failed\); fell back to cpu$/);
    const afterInt8 = loadFailedFallback(settleBackendForWeights(askedBackend('webgpu'), 'q8'), 'cpu', noAdapter);
    assert.match(describeDecision(afterInt8), /^the device setting asks for webgpu \(int8 weights: .*\); no WebGPU adapter \(.*\); fell back to cpu$/);
  });

  it('says why WASM runs when WebGPU was asked for without the native runtime, and when auto found no native runtime', () => {
    const wasm = runtimeMissing('webgpu', 'wasm', 'libonnxruntime.so: cannot open');
    assert.deepStrictEqual([wasm.backend, wasm.fallbackFrom], ['wasm', 'webgpu']);
    assert.strictEqual(describeDecision(wasm), 'webgpu requested; onnxruntime-node, which runs WebGPU in Node, did not load (libonnxruntime.so: cannot open); fell back to wasm');
    const auto = chooseAutoBackend(undefined, false, 'WebGPU not probed', 'no binary for this platform');
    assert.strictEqual(describeDecision(auto), 'auto: WebGPU not probed; onnxruntime-node did not load (no binary for this platform)');
  });

  it('words a setting that names a backend', () => {
    assert.strictEqual(describeDecision(askedBackend('cpu')), 'the device setting asks for cpu');
    assert.strictEqual(describeDecision(askedBackend('wasm')), 'the device setting asks for wasm');
  });
});

describe('wrongPlatform', () => {
  it('falls back at once from a backend other operating systems have (DirectML on Linux), saying where it runs', () => {
    const decision = wrongPlatform('dml', 'cpu', 'linux', ['win32']);
    assert.deepStrictEqual([decision.requested, decision.backend, decision.fallbackFrom], ['dml', 'cpu', 'dml']);
    assert.strictEqual(describeDecision(decision), 'dml requested, but it runs only on win32, not linux; fell back to cpu');
  });

  it('names a failed session by its backend', () => {
    const failed = loadFailedFallback(askedBackend('dml'), 'cpu', new Error('DmlExecutionProvider: no device'));
    assert.match(describeDecision(failed), /^dml requested; the dml session failed \(DmlExecutionProvider: no device\); fell back to cpu$/);
  });
});
