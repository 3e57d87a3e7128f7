/**
 * Chooses the ONNX Runtime build before transformers.js is imported, and imports it.
 *
 * transformers.js picks its runtime once, at import: onnxruntime-node in Node, unless another
 * runtime sits at `globalThis[Symbol.for('onnxruntime')]`. To run on WASM in Node we put
 * onnxruntime-web there first. This is the only module that knows about that seam. WebGPU needs
 * no seam: onnxruntime-node runs it when transformers.js asks for `device: 'webgpu'`.
 */

import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LensError } from '../common/errors';
import { chooseAutoBackend, type BackendDecision } from '../common/backendChoice';
import type { Backend, DeviceChoice } from '../common/protocol';
import type { AdapterProbeResult } from '../common/adapterProbeReport';
import { probeWebGpuAdapter } from './webgpuAdapter';

export type TransformersModule = typeof import('@huggingface/transformers');

export interface PreparedRuntime {
  readonly backend: Backend;
  readonly reason: string;
  readonly transformers: TransformersModule;
}

export interface RuntimeOptions {
  /** Folder holding onnxruntime-web's `ort-wasm-simd-threaded.{mjs,wasm}`. */
  readonly wasmDir: string;
  readonly wasmThreads: number;
  /** Reads the WebGPU adapter for `auto` (default: the probe process); tests stand in a GPU here. */
  readonly probeAdapter?: () => Promise<AdapterProbeResult>;
}

const ORT_SYMBOL = Symbol.for('onnxruntime');

/** The ONNX Runtime build a worker imported transformers.js with: native (cpu, webgpu) or injected WASM. */
type RuntimeBuild = 'native' | 'wasm';

let imported: { readonly build: RuntimeBuild; readonly transformers: TransformersModule } | undefined;
let autoDecision: Promise<BackendDecision> | undefined;

/** True when the native onnxruntime-node addon can be loaded on this machine. */
export function nativeRuntimeLoads(): { ok: true } | { ok: false; why: string } {
  try {
    require('onnxruntime-node');
    return { ok: true };
  } catch (error) {
    return { ok: false, why: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

function injectWasmRuntime(options: RuntimeOptions): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ortWeb = require('onnxruntime-web') as typeof import('onnxruntime-web');
  // Point ORT at the files installed with the extension, never at a CDN.
  // The binary is read here (Node's fetch cannot read file: URLs); the loader script is imported from its file.
  ortWeb.env.wasm.wasmBinary = fs.readFileSync(path.join(options.wasmDir, 'ort-wasm-simd-threaded.wasm'));
  ortWeb.env.wasm.wasmPaths = { mjs: pathToFileURL(path.join(options.wasmDir, 'ort-wasm-simd-threaded.mjs')).href };
  ortWeb.env.wasm.numThreads = options.wasmThreads;
  ortWeb.env.wasm.simd = true;
  (globalThis as Record<symbol, unknown>)[ORT_SYMBOL] = ortWeb;
}

/**
 * The backend a device setting asks for. onnxruntime-node carries both `cpu` and `webgpu` (its
 * Linux x64 library has the WebGPU execution provider built in; where a load on WebGPU fails, the
 * engine falls back to cpu). `auto` probes the WebGPU adapter once per worker and takes WebGPU only
 * on a hardware GPU (see backendChoice.ts).
 */
async function resolveBackend(device: DeviceChoice, options: RuntimeOptions): Promise<BackendDecision> {
  switch (device) {
    case 'wasm':
      return { backend: 'wasm', reason: 'the device setting asks for wasm' };
    case 'cpu': {
      const native = nativeRuntimeLoads();
      if (native.ok) return { backend: 'cpu', reason: 'the device setting asks for cpu' };
      throw new LensError(
        'BACKEND_UNAVAILABLE',
        `The native ONNX Runtime (onnxruntime-node) does not load on this machine: ${native.why}. Set attentionLens.device to "wasm" or "auto".`,
      );
    }
    case 'webgpu': {
      const native = nativeRuntimeLoads();
      if (native.ok) return { backend: 'webgpu', reason: 'the device setting asks for webgpu' };
      return { backend: 'wasm', reason: `webgpu requested; onnxruntime-node, which runs WebGPU in Node, did not load (${native.why}); fell back to wasm`, fallback: true };
    }
    case 'auto': {
      autoDecision ??= (async () => {
        const native = nativeRuntimeLoads();
        // Without the native addon WebGPU cannot run here, so there is nothing to probe.
        if (!native.ok) {
          const decision = chooseAutoBackend(undefined, false, 'WebGPU not probed');
          return { ...decision, reason: `${decision.reason} (${native.why})` };
        }
        const probed = await (options.probeAdapter ?? probeWebGpuAdapter)();
        return chooseAutoBackend(probed.probe, true, probed.note);
      })();
      return autoDecision;
    }
    default: {
      const never: never = device;
      throw new LensError('BAD_REQUEST', `Unknown device ${String(never)}.`);
    }
  }
}

/**
 * The backend to run after loading on WebGPU failed (typically "Failed to get a WebGPU adapter"):
 * cpu, on the same native runtime, with the failure in the reason.
 */
export function webGpuFallback(decision: BackendDecision, error: unknown): BackendDecision {
  const full = error instanceof Error ? error.message : String(error);
  // ORT prefixes its source location and the failed check; Dawn's own words follow.
  const message = (/Failed to get a WebGPU adapter.*/.exec(full)?.[0] ?? full.split('\n')[0]).trim().slice(0, 300);
  const what = /adapter/i.test(message) ? 'no WebGPU adapter' : 'the WebGPU session failed';
  const requested = decision.reason === 'the device setting asks for webgpu' ? 'webgpu requested' : decision.reason;
  return { backend: 'cpu', reason: `${requested}; ${what} (${message}); fell back to cpu`, fallback: true };
}

/** The `device` option transformers.js takes for a backend (with an injected runtime it knows none: ORT picks wasm). */
export function transformersDevice(backend: Backend): 'cpu' | 'webgpu' | 'auto' {
  return backend === 'wasm' ? 'auto' : backend;
}

/**
 * Starts resolving `device` to a backend and importing transformers.js on the matching ONNX
 * Runtime build. For `auto` with the native addon the build is native whichever way the WebGPU
 * probe goes (cpu and webgpu share it), so the import — and whatever the caller does with it,
 * like reading the tokenizer — overlaps the probe, which runs in its own process. A worker serves
 * one runtime for its life — the native one (cpu and webgpu) or the injected WASM one: asking for
 * the other is an error (the host starts a new worker when the device setting changes).
 */
export function startRuntime(device: DeviceChoice, options: RuntimeOptions): { readonly decision: Promise<BackendDecision>; readonly transformers: Promise<TransformersModule> } {
  const decision = resolveBackend(device, options);
  const early = device === 'auto' && nativeRuntimeLoads().ok;
  const transformers = early ? importRuntime('native', options) : decision.then(({ backend }) => importRuntime(buildFor(backend), options));
  // Callers await one, then the other: a rejection of the one not yet awaited is not unhandled.
  decision.catch(() => undefined);
  transformers.catch(() => undefined);
  return { decision, transformers };
}

/** Resolves `device` to a backend and imports transformers.js on its runtime (see startRuntime). */
export async function prepareRuntime(device: DeviceChoice, options: RuntimeOptions): Promise<PreparedRuntime> {
  const started = startRuntime(device, options);
  const [decision, transformers] = await Promise.all([started.decision, started.transformers]);
  return { ...decision, transformers };
}

function buildFor(backend: Backend): RuntimeBuild {
  return backend === 'wasm' ? 'wasm' : 'native';
}

/** Imports transformers.js on the given ONNX Runtime build, once per worker. */
async function importRuntime(build: RuntimeBuild, options: RuntimeOptions): Promise<TransformersModule> {
  if (imported) {
    if (imported.build !== build) {
      throw new LensError('BACKEND_UNAVAILABLE', `This worker already runs on ${imported.build === 'wasm' ? 'wasm' : 'onnxruntime-node'}; restart it to use ${build === 'wasm' ? 'wasm' : 'onnxruntime-node'}.`);
    }
    return imported.transformers;
  }
  if (build === 'wasm') injectWasmRuntime(options);
  const transformers = await import('@huggingface/transformers');
  // transformers.js would pre-fetch the WASM files itself; they are already in place.
  transformers.env.useWasmCache = false;
  imported = { build, transformers };
  return transformers;
}
