/**
 * Which backend runs a model, and why, as a structured decision: what the setting asked for, what
 * runs, what it fell back from, and the causes in order. The sentence Show Model Info and the
 * status bar show is written from it by describeDecision, the one place that words it.
 *
 * What `auto` runs on: WebGPU only pays off on a real GPU. On a software adapter (Mesa's
 * llvmpipe/lavapipe, SwiftShader, WARP) it runs 10–50× slower than onnxruntime-node's CPU
 * backend, so such an adapter never wins. Pure: the worker probes, this decides.
 */

import { INT8_DTYPES, type Backend, type DeviceChoice, type Dtype } from '../common/deviceChoices';

/** What a WebGPU adapter says about itself (`GPUAdapter.info` and `isFallbackAdapter`). */
export interface AdapterProbe {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean;
}

/** One cause of a decision; the first says where it started, each later one what changed it. */
export type DecisionCause =
  /** The device setting named this backend. */
  | { readonly kind: 'setting' }
  /** `auto` found a hardware WebGPU adapter and took it. */
  | { readonly kind: 'auto-gpu'; readonly adapter: string }
  /** `auto` took a CPU backend: `gpu` says why not WebGPU, `native` whether onnxruntime-node loaded (`why` not). */
  | { readonly kind: 'auto-cpu'; readonly gpu: string; readonly native: boolean; readonly why?: string }
  /** The backend asked for (WebGPU), but onnxruntime-node, which runs it in Node, did not load. */
  | { readonly kind: 'native-missing'; readonly why: string }
  /** WebGPU with int8 weights; `switched`: auto went to cpu over it. */
  | { readonly kind: 'int8-weights'; readonly switched: boolean }
  /** A calibration of WebGPU against cpu decided. */
  | { readonly kind: 'calibrated'; readonly result: CalibrationResult; readonly fresh: boolean; readonly webgpuWon: boolean }
  /** The backend asked for exists only in other operating systems' onnxruntime-node builds (DirectML: Windows). */
  | { readonly kind: 'wrong-platform'; readonly platform: string; readonly platforms: readonly string[] }
  /** Loading on WebGPU failed; `what` names the failure, `message` is the runtime's words. */
  | { readonly kind: 'load-failed'; readonly what: string; readonly message: string };

/** How the worker came to run a backend. */
export interface BackendDecision {
  readonly requested: DeviceChoice;
  readonly backend: Backend;
  /** The backend tried first that could not run; this one took over. */
  readonly fallbackFrom?: Backend;
  readonly cause: readonly DecisionCause[];
  /** The hardware WebGPU adapter `auto` chose (describeAdapter), which a calibration is keyed by. */
  readonly adapter?: string;
}

/** The decision for a device setting that names a backend outright. */
export function askedBackend(backend: Backend): BackendDecision {
  return { requested: backend, backend, cause: [{ kind: 'setting' }] };
}

/** A backend asked for whose runtime build does not load here (WebGPU without onnxruntime-node): `instead` runs. */
export function runtimeMissing(requested: Backend, instead: Backend, why: string): BackendDecision {
  return { requested, backend: instead, fallbackFrom: requested, cause: [{ kind: 'native-missing', why }] };
}

/** A backend asked for on an operating system whose onnxruntime-node build lacks it: `instead` (its table fallback) runs. */
export function wrongPlatform(requested: Backend, instead: Backend, platform: string, platforms: readonly string[]): BackendDecision {
  return { requested, backend: instead, fallbackFrom: requested, cause: [{ kind: 'setting' }, { kind: 'wrong-platform', platform, platforms }] };
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
export function chooseAutoBackend(probe: AdapterProbe | undefined, nativeLoads: boolean, probeNote = 'no WebGPU adapter', nativeWhy?: string): BackendDecision {
  let gpu: string;
  if (!probe) {
    gpu = probeNote;
  } else {
    const software = softwareAdapterReason(probe);
    const name = describeAdapter(probe);
    if (!software && nativeLoads) return { requested: 'auto', backend: 'webgpu', cause: [{ kind: 'auto-gpu', adapter: name }], adapter: name };
    gpu = software ? `WebGPU adapter ${name} is software (${software})` : `hardware WebGPU adapter ${name} unused (WebGPU runs through onnxruntime-node)`;
  }
  return { requested: 'auto', backend: nativeLoads ? 'cpu' : 'wasm', cause: [{ kind: 'auto-cpu', gpu, native: nativeLoads, ...(nativeWhy ? { why: nativeWhy } : {}) }] };
}

/**
 * The last word once the weights are known: WebGPU with int8 weights (a model that ships no
 * float32 file, or `dtype: q8`) splits every matrix product between GPU and CPU, so `auto` stays on
 * cpu. A user who asks for `webgpu` outright keeps it, and the reason says what it costs.
 */
export function settleBackendForWeights(decision: BackendDecision, dtype: Dtype): BackendDecision {
  if (decision.backend !== 'webgpu' || !INT8_DTYPES.includes(dtype)) return decision;
  const switched = decision.requested === 'auto';
  return { ...decision, backend: switched ? 'cpu' : 'webgpu', cause: [...decision.cause, { kind: 'int8-weights', switched }] };
}

/**
 * The decision after a load on WebGPU failed (typically "Failed to get a WebGPU adapter"): `to`
 * (the table's fallback, cpu on the same native runtime), with the failure as the last cause.
 */
export function loadFailedFallback(decision: BackendDecision, to: Backend, error: unknown): BackendDecision {
  const full = error instanceof Error ? error.message : String(error);
  // ORT prefixes its source location and the failed check; Dawn's own words follow.
  const message = (/Failed to get a WebGPU adapter.*/.exec(full)?.[0] ?? full.split('\n')[0]).trim().slice(0, 300);
  const what = /adapter/i.test(message) ? 'no WebGPU adapter' : `the ${decision.backend === 'webgpu' ? 'WebGPU' : decision.backend} session failed`;
  return { requested: decision.requested, backend: to, fallbackFrom: decision.backend, cause: [...decision.cause, { kind: 'load-failed', what, message }] };
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
  const webgpuWon = result.webgpuTokensPerSecond > result.cpuTokensPerSecond;
  return { ...decision, backend: webgpuWon ? 'webgpu' : 'cpu', cause: [...decision.cause, { kind: 'calibrated', result, fresh, webgpuWon }] };
}

/** The sentence for Show Model Info and the status bar tooltip, e.g. "auto: no WebGPU adapter; the native onnxruntime-node addon loaded". */
export function describeDecision(decision: BackendDecision): string {
  let text = '';
  decision.cause.forEach((cause, index) => {
    switch (cause.kind) {
      case 'setting':
        text = `the device setting asks for ${decision.requested}`;
        break;
      case 'auto-gpu':
        text = `auto: hardware WebGPU adapter (${cause.adapter})`;
        break;
      case 'auto-cpu':
        text = `auto: ${cause.gpu}; ${cause.native ? 'the native onnxruntime-node addon loaded' : 'onnxruntime-node did not load'}${cause.why ? ` (${cause.why})` : ''}`;
        break;
      case 'native-missing': {
        const name = decision.requested === 'webgpu' ? 'WebGPU' : decision.requested;
        text = `${decision.requested} requested; onnxruntime-node, which runs ${name} in Node, did not load (${cause.why}); fell back to ${decision.backend}`;
        break;
      }
      case 'int8-weights':
        text = cause.switched
          ? `${text}, but the model has only int8 weights, whose MatMulInteger has no WebGPU kernel (it would run on the CPU between GPU steps); cpu instead`
          : `${text} (int8 weights: their MatMulInteger has no WebGPU kernel and runs on the CPU between GPU steps)`;
        break;
      case 'calibrated': {
        const { webgpuTokensPerSecond: gpu, cpuTokensPerSecond: cpu } = cause.result;
        const when = cause.fresh ? 'calibrated now' : `calibrated ${cause.result.measuredAt}`;
        const figures = `webgpu ${tokensPerSecond(gpu)}, cpu ${tokensPerSecond(cpu)}, ${when}`;
        text = cause.webgpuWon
          ? `${text}; WebGPU decodes ${(gpu / Math.max(cpu, 1e-9)).toFixed(1)}× as fast as cpu (${figures})`
          : `${text}, but cpu decodes faster with this model (${figures}); cpu instead`;
        break;
      }
      case 'wrong-platform':
        text = `${decision.requested} requested, but it runs only on ${cause.platforms.join(', ')}, not ${cause.platform}; fell back to ${decision.backend}`;
        break;
      case 'load-failed': {
        // Asked for outright and failed at once: the setting is said in two words.
        const asked = index === 1 && decision.cause[0].kind === 'setting' ? `${decision.requested} requested` : text;
        text = `${asked}; ${cause.what} (${cause.message}); fell back to ${decision.backend}`;
        break;
      }
      default: {
        const never: never = cause;
        throw new Error(`unknown decision cause ${JSON.stringify(never)}`);
      }
    }
  });
  return text;
}
