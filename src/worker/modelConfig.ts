/** Facts about a model read from its Hugging Face `config.json` (pure; no I/O). */

import { BYTES_PER_WEIGHT, type Dtype } from '../common/deviceChoices';

export interface ModelShape {
  readonly modelType: string;
  readonly layers: number;
  readonly heads: number;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Parameter count from the shape, when the architecture is known; otherwise undefined. */
  readonly parameters: number | undefined;
}

function num(config: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = config[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** Reads the shape fields that GPT-2, Llama-like and other common configs use. */
export function readModelShape(config: Record<string, unknown>): ModelShape {
  const modelType = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  const layers = num(config, 'n_layer', 'num_hidden_layers', 'num_layers') ?? 0;
  const heads = num(config, 'n_head', 'num_attention_heads', 'num_heads') ?? 0;
  const hiddenSize = num(config, 'n_embd', 'hidden_size', 'd_model') ?? 0;
  const vocabSize = num(config, 'vocab_size') ?? 0;
  const contextLength = num(config, 'n_positions', 'max_position_embeddings', 'n_ctx', 'max_sequence_length') ?? 0;
  let parameters: number | undefined;
  if (modelType === 'gpt2' && layers && hiddenSize && vocabSize) {
    const d = hiddenSize;
    const inner = num(config, 'n_inner') ?? 4 * d;
    // Per block: 2 LayerNorms, QKV + output projections, the MLP; plus embeddings and the final norm.
    const block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * inner + inner) + (inner * d + d);
    const tied = config.tie_word_embeddings !== false;
    parameters = vocabSize * d + contextLength * d + layers * block + 2 * d + (tied ? 0 : vocabSize * d);
  }
  return { modelType, layers, heads, hiddenSize, vocabSize, contextLength, parameters };
}

/** Rough parameter count from the size of an ONNX weights file when the shape gives none. */
export function parametersFromFileSize(bytes: number, dtype: Dtype): number {
  return Math.round(bytes / BYTES_PER_WEIGHT[dtype]);
}
