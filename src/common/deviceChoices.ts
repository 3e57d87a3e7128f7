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

/** Weights to load: fp32 `model.onnx`, int8 `model_quantized.onnx`. */
export const DTYPES = ['fp32', 'q8'] as const;
export type Dtype = (typeof DTYPES)[number];

/** What the `dtype` setting may ask for; `auto` takes the backend's preferred weights that exist. */
export const DTYPE_CHOICES = ['auto', ...DTYPES] as const;
export type DtypeChoice = (typeof DTYPE_CHOICES)[number];

/** Whether `value` is one of `allowed` (narrowing it). */
export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}
