/**
 * How much memory an attention capture takes, and how many tokens fit a budget in bytes (pure).
 * A capture holds float32 probabilities [layers, heads, T, T] and the queries, keys and values
 * [layers, heads, T, head_dim] (plus two [T, d_model] embeddings): quadratic in T, so a cap in
 * tokens alone lets a 24-layer model at 1024 tokens ask for gigabytes.
 */

/** The model facts the size depends on. */
export interface CaptureShape {
  readonly layers: number;
  readonly heads: number;
  /** d_model; heads × head_dim. */
  readonly hiddenSize: number;
}

const FLOAT32_BYTES = 4;

/** Default budget for one capture (the attentionLens.attention.memoryBudgetMB setting). */
export const DEFAULT_ATTENTION_BUDGET_MB = 256;

/** Bytes of a capture of `tokens` tokens: probabilities, q/k/v and the two embeddings, float32. */
export function captureBytes(shape: CaptureShape, tokens: number): number {
  const probs = shape.layers * shape.heads * tokens * tokens;
  const vectors = 3 * shape.layers * tokens * shape.hiddenSize + 2 * tokens * shape.hiddenSize;
  return (probs + vectors) * FLOAT32_BYTES;
}

/** The most tokens whose capture fits `budgetBytes` (at least 1). */
export function tokensWithinBudget(shape: CaptureShape, budgetBytes: number): number {
  // Solve a·T² + b·T ≤ budget for T, then step down past any rounding.
  const a = shape.layers * shape.heads * FLOAT32_BYTES;
  const b = (3 * shape.layers + 2) * shape.hiddenSize * FLOAT32_BYTES;
  if (a <= 0) return Number.MAX_SAFE_INTEGER;
  let tokens = Math.floor((-b + Math.sqrt(b * b + 4 * a * budgetBytes)) / (2 * a));
  while (tokens > 1 && captureBytes(shape, tokens) > budgetBytes) tokens--;
  return Math.max(1, tokens);
}

/** A byte count as a person reads it: "1.6 GB", "48 MB", "900 kB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}
