/**
 * What the worker knows about each backend, in one place: which ONNX Runtime build runs it, what
 * transformers.js calls it, the weights it prefers, whether a KV cache can be kept between requests,
 * whether its kernels run on the CPU (only those write GroupQueryAttention's probabilities, which
 * the attention taps read), and where a load that fails on it goes instead.
 *
 * Adding a backend means a record here and, when it needs a runtime build of its own, that build's
 * module (see ortRuntime.ts); the device list the settings offer is in common/deviceChoices.ts
 * (test/model/backendTableSeam.test.ts runs a stand-in backend added through registerBackend).
 */

import type { Backend, Dtype } from '../common/deviceChoices';

/** The ONNX Runtime build a worker imports transformers.js with, once for its life. */
export type RuntimeBuild = 'native' | 'wasm';

export interface BackendRecord {
  readonly backend: Backend;
  /** onnxruntime-node (`native`) or onnxruntime-web injected before transformers.js (`wasm`). */
  readonly build: RuntimeBuild;
  /** The `device` transformers.js takes; with the injected WASM runtime it knows none, so `auto` (ORT picks wasm). */
  readonly transformersDevice: 'cpu' | 'webgpu' | 'dml' | 'auto';
  /** The weights `dtype: auto` tries, best first. */
  readonly preferredDtypes: readonly Dtype[];
  /** Whether past keys and values sit in CPU memory, where a prefix of them can be kept for the next request. */
  readonly keepsKvCache: boolean;
  /** Whether its kernels run on the CPU (the cpu and wasm execution providers). */
  readonly cpuKernels: boolean;
  /** The backend a load that fails here falls back to, on the same runtime build; none when the failure stands. */
  readonly fallback?: Backend;
  /** The backend that runs instead when this one's runtime build does not load here; none: asking for it is an error. */
  readonly whenRuntimeMissing?: Backend;
  /** The operating systems (`process.platform`) whose onnxruntime-node build has it; absent: every one. */
  readonly platforms?: readonly NodeJS.Platform[];
}

/**
 * int8 weights on the CPU (MatMulInteger is fast there), then 4-bit (MatMulNBits), float32, and
 * float16 last (the CPU provider converts most fp16 kernels); float32 on WebGPU, then fp16 and the
 * 4-bit formats, whose execution provider has no MatMulInteger kernel — int8 weights would run every
 * such product on the CPU, with copies between GPU and CPU around each one.
 */
const CPU_DTYPES: readonly Dtype[] = ['q8', 'int8', 'uint8', 'q4', 'fp32', 'bnb4', 'q4f16', 'fp16'];
const GPU_DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'q4f16', 'q4', 'bnb4', 'q8', 'int8', 'uint8'];
const BUILT_IN: readonly BackendRecord[] = [
  { backend: 'cpu', build: 'native', transformersDevice: 'cpu', preferredDtypes: CPU_DTYPES, keepsKvCache: true, cpuKernels: true },
  { backend: 'wasm', build: 'wasm', transformersDevice: 'auto', preferredDtypes: CPU_DTYPES, keepsKvCache: true, cpuKernels: true },
  // transformers.js keeps WebGPU's past keys and values in GPU buffers, which cannot be sliced without a download.
  { backend: 'webgpu', build: 'native', transformersDevice: 'webgpu', preferredDtypes: GPU_DTYPES, keepsKvCache: false, cpuKernels: false, fallback: 'cpu', whenRuntimeMissing: 'wasm' },
  // DirectML ships only in onnxruntime-node's Windows builds (DirectML.dll beside the addon). Not
  // run by this project's tests (no Windows machine); its traits follow ONNX Runtime's DirectML
  // documentation: GPU kernels, float32 or float16 weights, and a cpu fallback as for WebGPU.
  { backend: 'dml', build: 'native', transformersDevice: 'dml', preferredDtypes: GPU_DTYPES, keepsKvCache: false, cpuKernels: false, fallback: 'cpu', whenRuntimeMissing: 'wasm', platforms: ['win32'] },
];

const table = new Map<string, BackendRecord>(BUILT_IN.map((record) => [record.backend, record]));

/** The record of `backend`; throws for a name the table does not hold (the protocol's validation keeps those out). */
export function backendRecord(backend: Backend): BackendRecord {
  const record = table.get(backend);
  if (!record) throw new Error(`No backend named ${String(backend)} in the backend table.`);
  return record;
}

/** Every record, in the table's order. */
export function backendRecords(): readonly BackendRecord[] {
  return [...table.values()];
}

/**
 * Adds a backend for as long as the returned function is not called: a test's stand-in, or an
 * engine found at run time. Everything that serves a backend reads it from here.
 */
export function registerBackend(record: BackendRecord): () => void {
  if (table.has(record.backend)) throw new Error(`The backend table already holds ${record.backend}.`);
  table.set(record.backend, record);
  return () => table.delete(record.backend);
}
