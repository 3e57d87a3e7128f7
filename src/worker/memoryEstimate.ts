/**
 * How much memory a model will take once loaded, from its weights file and its shape, against what
 * the machine has (pure: the caller passes the figures). A load that can never fit is refused
 * while the current model still serves; one that only fits by pushing other programs to swap is
 * loaded with a warning.
 */

import type { ModelShape } from './modelConfig';

/** What a load is expected to take, and how that compares with the machine. */
export interface MemoryEstimate {
  readonly neededBytes: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** `fits`: within free memory; `tight`: over free, within total; `never`: over total memory. */
  readonly verdict: 'fits' | 'tight' | 'never';
}

// A rough allowance, not a measurement per model: ONNX Runtime holds the weights once, and its
// arena and prepacked kernels add to them; a fixed part covers the runtime itself and the tokenizer.
const RUNTIME_OVERHEAD = 1.25;
const FIXED_BYTES = 96 * 1024 * 1024;

/** The estimate for `weightsBytes` of weights and a full context's KV cache in float32. */
export function estimateModelMemory(weightsBytes: number, shape: Pick<ModelShape, 'layers' | 'hiddenSize' | 'contextLength'>, freeBytes: number, totalBytes: number): MemoryEstimate {
  const kvBytes = shape.layers > 0 && shape.hiddenSize > 0 && shape.contextLength > 0 ? 2 * shape.layers * shape.hiddenSize * shape.contextLength * 4 : 0;
  const neededBytes = Math.round(weightsBytes * RUNTIME_OVERHEAD + kvBytes + FIXED_BYTES);
  const verdict = neededBytes > totalBytes ? 'never' : neededBytes > freeBytes ? 'tight' : 'fits';
  return { neededBytes, freeBytes, totalBytes, verdict };
}

/** "2.4 GB", "310 MB". */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

/** The sentence for a tight or impossible load (undefined when it fits). */
export function memorySentence(estimate: MemoryEstimate, what: string): string | undefined {
  if (estimate.verdict === 'fits') return undefined;
  const need = `${what} needs about ${formatBytes(estimate.neededBytes)} of memory`;
  if (estimate.verdict === 'never') {
    return `${need}, more than this machine has (${formatBytes(estimate.totalBytes)}). Choose smaller weights (attentionLens.dtype q4 or q8) or a smaller model.`;
  }
  return `${need} and ${formatBytes(estimate.freeBytes)} is free: other programs may be pushed to swap and everything slows down. Smaller weights (attentionLens.dtype) or a smaller model would fit.`;
}
