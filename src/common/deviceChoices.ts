/**
 * The device and dtype names every runtime shares: the settings, the typed protocol, the worker's
 * request validation and package.json's enums (a unit test holds the manifest to these lists).
 * What each backend is and does lives in the worker's backend table (src/worker/backendTable.ts).
 */

/** What the `device` setting may ask for; `auto` is resolved by the worker. */
export const DEVICE_CHOICES = ['auto', 'cpu', 'wasm', 'webgpu', 'dml'] as const;
export type DeviceChoice = (typeof DEVICE_CHOICES)[number];

/** A backend that actually runs a model. */
export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'dml'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * Weights to load, as transformers.js names them (its file suffix per dtype: `onnx/model.onnx` for
 * fp32, `model_fp16`, `model_quantized` for q8, `model_int8`, `model_uint8`, `model_q4`,
 * `model_q4f16`, `model_bnb4`).
 */
export const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type Dtype = (typeof DTYPES)[number];

/** The ONNX file of each dtype inside a model folder (transformers.js's naming). */
export const WEIGHT_FILES: Readonly<Record<Dtype, string>> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
  int8: 'onnx/model_int8.onnx',
  uint8: 'onnx/model_uint8.onnx',
  q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx',
  bnb4: 'onnx/model_bnb4.onnx',
};

/** Bytes per weight of each dtype, near enough to estimate a model's size and memory from its file. */
export const BYTES_PER_WEIGHT: Readonly<Record<Dtype, number>> = { fp32: 4, fp16: 2, q8: 1, int8: 1, uint8: 1, q4: 0.5, q4f16: 0.5, bnb4: 0.5 };

/** The 8-bit integer dtypes: their MatMulInteger has no WebGPU kernel. */
export const INT8_DTYPES: readonly Dtype[] = ['q8', 'int8', 'uint8'];

/** What the `dtype` setting may ask for; `auto` takes the backend's preferred weights that exist. */
export const DTYPE_CHOICES = ['auto', ...DTYPES] as const;
export type DtypeChoice = (typeof DTYPE_CHOICES)[number];

/** Whether `value` is one of `allowed` (narrowing it). */
export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}
