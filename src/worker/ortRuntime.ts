/**
 * Chooses the ONNX Runtime build before transformers.js is imported, and imports it.
 *
 * transformers.js picks its runtime once, at import: onnxruntime-node in Node, unless another
 * runtime sits at `globalThis[Symbol.for('onnxruntime')]`. To run on WASM in Node we put
 * onnxruntime-web there first. This is the only module that knows about that seam.
 */

import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LensError } from '../common/errors';
import type { Backend, DeviceChoice } from '../common/protocol';

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
}

const ORT_SYMBOL = Symbol.for('onnxruntime');

let prepared: PreparedRuntime | undefined;

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
 * Resolves `device` to a backend, sets the runtime up, then imports transformers.js.
 * A worker serves one backend for its life: asking for another one is an error (the host
 * starts a new worker when the device setting changes).
 */
export async function prepareRuntime(device: DeviceChoice, options: RuntimeOptions): Promise<PreparedRuntime> {
  let backend: Backend;
  let reason: string;
  if (device === 'wasm') {
    backend = 'wasm';
    reason = 'the device setting asks for wasm';
  } else {
    const native = nativeRuntimeLoads();
    if (native.ok) {
      backend = 'cpu';
      reason = device === 'cpu' ? 'the device setting asks for cpu' : 'auto: the native onnxruntime-node addon loaded';
    } else if (device === 'cpu') {
      throw new LensError(
        'BACKEND_UNAVAILABLE',
        `The native ONNX Runtime (onnxruntime-node) does not load on this machine: ${native.why}. Set attentionLens.device to "wasm" or "auto".`,
      );
    } else {
      backend = 'wasm';
      reason = `auto: onnxruntime-node did not load (${native.why})`;
    }
  }
  if (prepared) {
    if (prepared.backend !== backend) {
      throw new LensError('BACKEND_UNAVAILABLE', `This worker already runs on ${prepared.backend}; restart it to use ${backend}.`);
    }
    return prepared;
  }
  if (backend === 'wasm') injectWasmRuntime(options);
  const transformers = await import('@huggingface/transformers');
  // transformers.js would pre-fetch the WASM files itself; they are already in place.
  transformers.env.useWasmCache = false;
  prepared = { backend, reason, transformers };
  return prepared;
}
