/**
 * What `auto` runs on. WebGPU only pays off on a real GPU: on a software adapter (Mesa's
 * llvmpipe/lavapipe, SwiftShader, WARP) it runs 10–50× slower than onnxruntime-node's CPU
 * backend, so such an adapter never wins. Pure: the worker probes, this decides.
 */

import type { Backend, DeviceChoice, Dtype } from './protocol';

/** What a WebGPU adapter says about itself (`GPUAdapter.info` and `isFallbackAdapter`). */
export interface AdapterProbe {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean;
}

/** A backend and the reason for it, as Show Model Info reports it. */
export interface BackendDecision {
  readonly backend: Backend;
  readonly reason: string;
  /** The backend asked for could not run; this one took over. */
  readonly fallback?: boolean;
  /** The hardware WebGPU adapter `auto` chose (describeAdapter), which a calibration is keyed by. */
  readonly adapter?: string;
}

/** Architectures that adapters on a CPU report. */
const SOFTWARE_ARCHITECTURES: readonly string[] = ['software', 'cpu'];
/** Vendors whose adapters are CPU renderers: Mesa's own vendor id is used only by its software drivers. */
const SOFTWARE_VENDORS: readonly string[] = ['mesa'];
/** Names of CPU renderers as they appear in a device or description string. */
const SOFTWARE_RENDERERS: readonly string[] = ['llvmpipe', 'lavapipe', 'softpipe', 'swiftshader', 'microsoft basic render driver', 'warp'];

/** One line naming the adapter, e.g. "mesa software llvmpipe-llvm-15". */
export function describeAdapter(probe: AdapterProbe): string {
  const parts = [probe.vendor, probe.architecture, probe.device || probe.description].map((x) => x.trim()).filter(Boolean);
  return parts.length ? parts.join(' ') : 'unnamed adapter';
}

/** Why an adapter is a software (CPU) one, or undefined for a hardware GPU. */
export function softwareAdapterReason(probe: AdapterProbe): string | undefined {
  if (probe.isFallbackAdapter) return 'it is a fallback adapter';
  const architecture = probe.architecture.trim().toLowerCase();
  if (SOFTWARE_ARCHITECTURES.includes(architecture)) return `its architecture is "${architecture}"`;
  const vendor = probe.vendor.trim().toLowerCase();
  if (SOFTWARE_VENDORS.includes(vendor)) return `its vendor "${vendor}" makes only software adapters`;
  const names = `${probe.device} ${probe.description}`.toLowerCase();
  const renderer = SOFTWARE_RENDERERS.find((name) => new RegExp(`\\b${name}\\b`).test(names));
  if (renderer) return `it is ${renderer}, a CPU renderer`;
  return undefined;
}

/**
 * The backend for `auto`: webgpu only on a hardware adapter (WebGPU in Node comes with the native
 * onnxruntime-node, so it needs that too); else cpu when the native addon loads; else wasm.
 * `probeNote` says why `probe` is missing (no adapter, no probe available).
 */
export function chooseAutoBackend(probe: AdapterProbe | undefined, nativeLoads: boolean, probeNote = 'no WebGPU adapter'): BackendDecision {
  let gpu: string;
  if (!probe) {
    gpu = probeNote;
  } else {
    const software = softwareAdapterReason(probe);
    const name = describeAdapter(probe);
    if (!software && nativeLoads) return { backend: 'webgpu', reason: `auto: hardware WebGPU adapter (${name})`, adapter: name };
    gpu = software ? `WebGPU adapter ${name} is software (${software})` : `hardware WebGPU adapter ${name} unused (WebGPU runs through onnxruntime-node)`;
  }
  if (nativeLoads) return { backend: 'cpu', reason: `auto: ${gpu}; the native onnxruntime-node addon loaded` };
  return { backend: 'wasm', reason: `auto: ${gpu}; onnxruntime-node did not load` };
}

/**
 * The weights `dtype: auto` tries first on a backend: int8 on the CPU (MatMulInteger is fast
 * there), float32 on WebGPU, whose execution provider has no MatMulInteger kernel — int8 weights
 * would run every such product on the CPU, with copies between GPU and CPU around each one.
 */
export function preferredDtypes(backend: Backend): readonly Dtype[] {
  return backend === 'webgpu' ? ['fp32', 'q8'] : ['q8', 'fp32'];
}

/**
 * The last word once the weights are known: WebGPU with int8 weights (a model that ships no
 * float32 file, or `dtype: q8`) splits every matrix product between GPU and CPU, so `auto` stays on
 * cpu. A user who asks for `webgpu` outright keeps it, and the reason says what it costs.
 */
export function settleBackendForWeights(decision: BackendDecision, device: DeviceChoice, dtype: Dtype): BackendDecision {
  if (decision.backend !== 'webgpu' || dtype !== 'q8') return decision;
  if (device === 'auto') {
    return {
      backend: 'cpu',
      reason: `${decision.reason}, but the model has only int8 weights, whose MatMulInteger has no WebGPU kernel (it would run on the CPU between GPU steps); cpu instead`,
    };
  }
  return { backend: 'webgpu', reason: `${decision.reason} (int8 weights: their MatMulInteger has no WebGPU kernel and runs on the CPU between GPU steps)` };
}

/** Decode speeds measured side by side when `auto` first meets a hardware GPU with a model. */
export interface CalibrationResult {
  readonly webgpuTokensPerSecond: number;
  readonly cpuTokensPerSecond: number;
  /** When it was measured (ISO date), for the reason on later loads. */
  readonly measuredAt: string;
}

/** Weights past this size skip the calibration, which holds the model twice: a GPU wins there anyway. */
export const CALIBRATION_MAX_WEIGHTS_BYTES = 512 * 1024 * 1024;

const tokensPerSecond = (value: number): string => `${value.toFixed(value >= 100 ? 0 : 1)} tok/s`;

/**
 * `auto`'s choice on a hardware GPU from a calibration: WebGPU only when it decoded faster than
 * the CPU backend (a small model can lose to the CPU even on a real GPU: per-token dispatch and
 * copies cost more than its few multiplications). `fresh` says it was measured during this load.
 */
export function calibratedBackend(decision: BackendDecision, result: CalibrationResult, fresh: boolean): BackendDecision {
  const { webgpuTokensPerSecond: gpu, cpuTokensPerSecond: cpu } = result;
  const when = fresh ? 'calibrated now' : `calibrated ${result.measuredAt}`;
  const figures = `webgpu ${tokensPerSecond(gpu)}, cpu ${tokensPerSecond(cpu)}, ${when}`;
  if (gpu > cpu) return { ...decision, reason: `${decision.reason}; WebGPU decodes ${(gpu / Math.max(cpu, 1e-9)).toFixed(1)}× as fast as cpu (${figures})` };
  return { backend: 'cpu', reason: `${decision.reason}, but cpu decodes faster with this model (${figures}); cpu instead` };
}
