/**
 * Chooses the ONNX Runtime build before transformers.js is imported, and imports it.
 *
 * transformers.js picks its runtime once, at import: onnxruntime-node in Node, unless another
 * runtime sits at `globalThis[Symbol.for('onnxruntime')]`. To run on WASM in Node we put
 * onnxruntime-web there first. This is the only module that knows about that seam. WebGPU needs
 * no seam: onnxruntime-node runs it when transformers.js asks for `device: 'webgpu'`.
 */

import * as fs from 'fs';
import * as nodeModule from 'module';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { AdapterProbeResult } from './adapterProbeReport';
import type { DeviceChoice } from '../common/deviceChoices';
import { LensError } from '../common/errors';
import { askedBackend, chooseAutoBackend, runtimeMissing, wrongPlatform, type BackendDecision } from './backendChoice';
import { backendRecord, backendRecords, type RuntimeBuild } from './backendTable';
import { probeWebGpuAdapter } from './webgpuAdapter';

export type TransformersModule = typeof import('@huggingface/transformers');

/** A backend decided and transformers.js imported on its runtime build. */
export interface PreparedRuntime {
  readonly decision: BackendDecision;
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

let imported: { readonly build: RuntimeBuild; readonly transformers: TransformersModule } | undefined;
let autoDecision: Promise<BackendDecision> | undefined;

let nativeLoad: { ok: true } | { ok: false; why: string } | undefined;

/**
 * True when the native onnxruntime-node addon can be loaded on this machine. Tried once per
 * worker: in the webpack bundle a second require of a module whose first one threw returns the
 * half-made module instead of throwing again, so only the first answer is true.
 */
export function nativeRuntimeLoads(): { ok: true } | { ok: false; why: string } {
  if (nativeLoad) return nativeLoad;
  try {
    require('onnxruntime-node');
    nativeLoad = { ok: true };
  } catch (error) {
    nativeLoad = { ok: false, why: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
  return nativeLoad;
}

/**
 * transformers.js requires onnxruntime-node when it is imported, whichever runtime then runs it.
 * Where the addon cannot load (the universal package ships no native binaries; a platform
 * onnxruntime-node has no build for), that require throws before the injected WASM runtime is ever
 * used. Node's module cache gets an empty stand-in for it first: transformers.js takes the injected
 * runtime and never touches the stand-in.
 */
function standInForUnloadableNativeRuntime(): void {
  if (nativeRuntimeLoads().ok) return;
  const nodeRequire = nodeModule.createRequire(__filename);
  let resolved: string;
  try {
    resolved = nodeRequire.resolve('onnxruntime-node');
  } catch {
    return; // not installed at all: the import fails with its own clear MODULE_NOT_FOUND
  }
  if (nodeRequire.cache[resolved]) return;
  const standIn = new nodeModule.Module(resolved);
  standIn.filename = resolved;
  standIn.loaded = true;
  standIn.exports = {};
  nodeRequire.cache[resolved] = standIn;
}

function injectWasmRuntime(options: RuntimeOptions): void {
  standInForUnloadableNativeRuntime();
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
 * The backend a device setting asks for. A named backend runs when its record's runtime build
 * loads here, else its `whenRuntimeMissing` stand-in (onnxruntime-node carries both `cpu` and
 * `webgpu`: its Linux x64 library has the WebGPU execution provider built in). `auto` probes the
 * WebGPU adapter once per worker and takes WebGPU only on a hardware GPU (see backendChoice.ts).
 */
async function resolveBackend(device: DeviceChoice, options: RuntimeOptions): Promise<BackendDecision> {
  if (device === 'auto') {
    autoDecision ??= (async () => {
      const native = nativeRuntimeLoads();
      // Without the native addon WebGPU cannot run here, so there is nothing to probe.
      if (!native.ok) return chooseAutoBackend(undefined, false, 'WebGPU not probed', native.why);
      const probed = await (options.probeAdapter ?? probeWebGpuAdapter)();
      return chooseAutoBackend(probed.probe, true, probed.note);
    })();
    return autoDecision;
  }
  const record = backendRecord(device);
  // DirectML is in the Windows builds of onnxruntime-node only: elsewhere its fallback runs at once.
  if (record.platforms && !record.platforms.includes(process.platform) && record.fallback) {
    return wrongPlatform(device, record.fallback, process.platform, record.platforms);
  }
  const runtime = runtimeBuildLoads(record.build);
  if (runtime.ok) return askedBackend(device);
  if (record.whenRuntimeMissing) return runtimeMissing(device, record.whenRuntimeMissing, runtime.why);
  throw new LensError(
    'BACKEND_UNAVAILABLE',
    `The native ONNX Runtime (onnxruntime-node) does not load on this machine: ${runtime.why}. Set attentionLens.device to "wasm" or "auto".`,
  );
}

/** Whether a runtime build can run here: the native addon loads, or (WASM) always. */
function runtimeBuildLoads(build: RuntimeBuild): { ok: true } | { ok: false; why: string } {
  return build === 'native' ? nativeRuntimeLoads() : { ok: true };
}

/**
 * Starts resolving `device` to a backend and importing transformers.js on the matching ONNX
 * Runtime build. For `auto` with the native addon the build is native whichever way the WebGPU
 * probe goes (cpu and webgpu share it), so the import — and whatever the caller does with it,
 * like reading the tokenizer — overlaps the probe, which runs in its own process. A worker serves
 * one runtime for its life — the native one (cpu and webgpu) or the injected WASM one: asking for
 * the other is RUNTIME_MISMATCH (the host starts a new worker for a device on the other build).
 */
export function startRuntime(device: DeviceChoice, options: RuntimeOptions): { readonly decision: Promise<BackendDecision>; readonly transformers: Promise<TransformersModule> } {
  const decision = resolveBackend(device, options);
  const early = device === 'auto' && nativeRuntimeLoads().ok;
  const transformers = early ? importRuntime('native', options) : decision.then(({ backend }) => importRuntime(backendRecord(backend).build, options));
  // Callers await one, then the other: a rejection of the one not yet awaited is not unhandled.
  decision.catch(() => undefined);
  transformers.catch(() => undefined);
  return { decision, transformers };
}

/** The device settings a worker on `build` serves without a restart: its backends, and `auto` where it resolves to this build. */
export function devicesOnBuild(build: RuntimeBuild): DeviceChoice[] {
  const devices: DeviceChoice[] = backendRecords().filter((record) => record.build === build).map((record) => record.backend);
  const autoBuild: RuntimeBuild = nativeRuntimeLoads().ok ? 'native' : 'wasm';
  return autoBuild === build ? [...devices, 'auto'] : devices;
}

/** Resolves `device` to a backend and imports transformers.js on its runtime (see startRuntime). */
export async function prepareRuntime(device: DeviceChoice, options: RuntimeOptions): Promise<PreparedRuntime> {
  const started = startRuntime(device, options);
  const [decision, transformers] = await Promise.all([started.decision, started.transformers]);
  return { decision, transformers };
}

/** Imports transformers.js on the given ONNX Runtime build, once per worker. */
async function importRuntime(build: RuntimeBuild, options: RuntimeOptions): Promise<TransformersModule> {
  if (imported) {
    if (imported.build !== build) {
      throw new LensError('RUNTIME_MISMATCH', `This worker already runs on ${imported.build === 'wasm' ? 'wasm' : 'onnxruntime-node'}; a new worker is needed for ${build === 'wasm' ? 'wasm' : 'onnxruntime-node'}.`);
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
