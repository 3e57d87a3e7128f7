/**
 * What the worker knows about each backend, in one place: which ONNX Runtime build runs it, what
 * transformers.js calls it, the weights it prefers, whether a KV cache can be kept between requests,
 * whether its kernels run on the CPU (only those write GroupQueryAttention's probabilities, which
 * the attention taps read), and where a load that fails on it goes instead.
 *
 * Adding a backend means a record here and, when it needs a runtime build of its own, that build's
 * module (see ortRuntime.ts); the device list the settings offer is in common/deviceChoices.ts.
 */

import type { Backend, Dtype } from '../common/deviceChoices';

/** The ONNX Runtime build a worker imports transformers.js with, once for its life. */
export type RuntimeBuild = 'native' | 'wasm';

export interface BackendRecord {
  readonly backend: Backend;
  /** onnxruntime-node (`native`) or onnxruntime-web injected before transformers.js (`wasm`). */
  readonly build: RuntimeBuild;
  /** The `device` transformers.js takes; with the injected WASM runtime it knows none, so `auto` (ORT picks wasm). */
  readonly transformersDevice: 'cpu' | 'webgpu' | 'auto';
  /** The weights `dtype: auto` tries, best first. */
  readonly preferredDtypes: readonly Dtype[];
  /** Whether past keys and values sit in CPU memory, where a prefix of them can be kept for the next request. */
  readonly keepsKvCache: boolean;
  /** Whether its kernels run on the CPU (the cpu and wasm execution providers). */
  readonly cpuKernels: boolean;
  /** The backend a load that fails here falls back to, on the same runtime build; none when the failure stands. */
  readonly fallback?: Backend;
}

/**
 * int8 weights on the CPU (MatMulInteger is fast there); float32 on WebGPU, whose execution provider
 * has no MatMulInteger kernel — int8 weights would run every such product on the CPU, with copies
 * between GPU and CPU around each one.
 */
const BACKEND_TABLE: Readonly<Record<Backend, BackendRecord>> = {
  cpu: { backend: 'cpu', build: 'native', transformersDevice: 'cpu', preferredDtypes: ['q8', 'fp32'], keepsKvCache: true, cpuKernels: true },
  wasm: { backend: 'wasm', build: 'wasm', transformersDevice: 'auto', preferredDtypes: ['q8', 'fp32'], keepsKvCache: true, cpuKernels: true },
  // transformers.js keeps WebGPU's past keys and values in GPU buffers, which cannot be sliced without a download.
  webgpu: { backend: 'webgpu', build: 'native', transformersDevice: 'webgpu', preferredDtypes: ['fp32', 'q8'], keepsKvCache: false, cpuKernels: false, fallback: 'cpu' },
};

/** The record of `backend`. */
export function backendRecord(backend: Backend): BackendRecord {
  return BACKEND_TABLE[backend];
}

/** Every record, in the table's order. */
export function backendRecords(): readonly BackendRecord[] {
  return Object.values(BACKEND_TABLE);
}
