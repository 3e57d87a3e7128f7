/**
 * One forward pass with the attention taps fetched, turned into an AttentionCapture:
 * per layer and head the probabilities [T, T] and Q, K, V [T, head_dim], as flat Float32Arrays.
 */

import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import type { AttentionCapture, PositionKind, TensorData } from '../common/attentionData';
import { captureBytes, tokensWithinBudget, type CaptureShape } from '../common/attentionBudget';
import { LensError } from '../common/errors';
import { predictionsFromLogits, type NextTokenPredictions } from '../common/tokenPredictions';
import type { TransformersModule } from './ortRuntime';
import type { SessionOutputFilter } from './sessionOutputFilter';

/** The graph outputs that hold the taps, per layer. */
export interface TapNames {
  readonly probs: readonly string[];
  readonly q?: readonly string[];
  readonly k?: readonly string[];
  readonly v?: readonly string[];
  readonly embedTokens?: string;
  readonly embedPositions?: string;
}

function byLayer(outputs: readonly string[], prefix: string): string[] {
  return outputs
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
}

/** Finds the taps among the session's outputs; undefined when the model exposes no attention probabilities. */
export function findTaps(outputs: readonly string[]): TapNames | undefined {
  const probs = byLayer(outputs, 'decoder_attentions.');
  if (!probs.length) return undefined;
  const layerCount = probs.length;
  const all = (names: string[]) => (names.length === layerCount ? names : undefined);
  return {
    probs,
    q: all(byLayer(outputs, 'attn_q.')),
    k: all(byLayer(outputs, 'attn_k.')),
    v: all(byLayer(outputs, 'attn_v.')),
    embedTokens: outputs.includes('embed_tokens') ? 'embed_tokens' : undefined,
    embedPositions: outputs.includes('embed_positions') ? 'embed_positions' : undefined,
  };
}

/** Concatenates per-layer tensors [1, heads, T, X] into one [layers, heads, T, X]. */
function stackLayers(tensors: readonly Tensor[]): TensorData {
  const [, heads, tokens, inner] = tensors[0].dims;
  const size = heads * tokens * inner;
  const data = new Float32Array(tensors.length * size);
  tensors.forEach((tensor, layer) => data.set(tensor.data as Float32Array, layer * size));
  return { dims: [tensors.length, heads, tokens, inner], data };
}

/** Drops the batch dimension of a [1, T, d] tensor. */
function unbatch(tensor: Tensor): TensorData {
  return { dims: tensor.dims.slice(1), data: Float32Array.from(tensor.data as Float32Array) };
}

/** Length of `text` without its trailing U+FFFD (an incomplete multi-byte character decodes to them). */
function withoutTrailingReplacement(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0xfffd) end--;
  return end;
}

/** Character range of each token in the decoded text, from cumulative decoding (byte-level BPE round-trips exactly). */
function tokenOffsets(tokenizer: PreTrainedTokenizer, ids: readonly number[]): [number, number][] {
  return offsetsFromRuns(tokenizer, ids) ?? offsetsFromPrefixes(tokenizer, ids);
}

/**
 * The same ranges in one pass: each run of tokens that ends on a whole character is decoded once
 * (decoding every prefix costs O(T²): 40 ms at 512 tokens). Undefined when the runs do not add up
 * to the whole decoded text (a decoder that treats the first token specially).
 */
function offsetsFromRuns(tokenizer: PreTrainedTokenizer, ids: readonly number[]): [number, number][] | undefined {
  const offsets: [number, number][] = [];
  let text = '';
  let runStart = 0;
  let previous = 0;
  for (let i = 0; i < ids.length; i++) {
    const run = tokenizer.decode(ids.slice(runStart, i + 1) as number[], { skip_special_tokens: false });
    const whole = withoutTrailingReplacement(run);
    // A run of only incomplete bytes: the prefix's own trailing U+FFFD count too, as a prefix decode would strip them.
    const end = whole > 0 ? text.length + whole : withoutTrailingReplacement(text);
    offsets.push([previous, Math.max(previous, end)]);
    previous = Math.max(previous, end);
    if (whole === run.length || i === ids.length - 1) {
      text += run;
      runStart = i + 1;
    }
  }
  return text === tokenizer.decode(ids as number[], { skip_special_tokens: false }) ? offsets : undefined;
}

/** The ranges from decoding every prefix. */
function offsetsFromPrefixes(tokenizer: PreTrainedTokenizer, ids: readonly number[]): [number, number][] {
  const offsets: [number, number][] = [];
  let previous = 0;
  for (let i = 0; i < ids.length; i++) {
    const end = withoutTrailingReplacement(tokenizer.decode(ids.slice(0, i + 1) as number[], { skip_special_tokens: false }));
    offsets.push([previous, Math.max(previous, end)]);
    previous = Math.max(previous, end);
  }
  return offsets;
}

export interface CaptureInput {
  readonly text: string;
  /** Encodes the user's text literally (see PromptEncoder): a special token spelled in it stays text. */
  readonly encodeText: (text: string) => number[];
  readonly maxTokens: number;
  /** Most bytes the capture may take; the token cap shrinks to fit. */
  readonly budgetBytes: number;
  readonly shape: CaptureShape;
  readonly origin: AttentionCapture['origin'];
  readonly modelName: string;
  readonly contextLength: number;
  readonly positionKind: PositionKind;
}

/** Runs the forward pass and builds the capture. */
export async function captureAttention(
  transformers: TransformersModule,
  model: PreTrainedModel,
  tokenizer: PreTrainedTokenizer,
  outputs: SessionOutputFilter,
  input: CaptureInput,
): Promise<{ capture: AttentionCapture; forwardMs: number }> {
  const taps = findTaps(outputs.allOutputs);
  if (!taps) {
    throw new LensError('BAD_REQUEST', `${input.modelName} has no attention outputs, so its attention cannot be shown.`);
  }
  const allIds = input.encodeText(input.text);
  if (!allIds.length) throw new LensError('BAD_REQUEST', 'There is no text to show attention for.');
  const tokenCap = Math.max(1, Math.min(input.maxTokens, input.contextLength || input.maxTokens));
  const memoryCap = tokensWithinBudget(input.shape, input.budgetBytes);
  const cap = Math.min(tokenCap, memoryCap);
  const ids = allIds.slice(-cap);
  // Said only when the budget cut what the token cap alone would have kept.
  const memory = memoryCap < Math.min(tokenCap, allIds.length)
    ? { fullBytes: captureBytes(input.shape, Math.min(tokenCap, allIds.length)), budgetBytes: input.budgetBytes }
    : undefined;
  const text = allIds.length > cap ? tokenizer.decode(ids, { skip_special_tokens: false }) : input.text;
  const T = ids.length;
  const wanted = [...taps.probs, ...(taps.q ?? []), ...(taps.k ?? []), ...(taps.v ?? []), taps.embedTokens, taps.embedPositions].filter(
    (name): name is string => Boolean(name),
  );
  const started = performance.now();
  const result = (await outputs.withExtraOutputs(wanted, () =>
    model.forward({
      input_ids: new transformers.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
      attention_mask: new transformers.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    }),
  )) as Record<string, Tensor>;
  const forwardMs = performance.now() - started;
  const pick = (names: readonly string[] | undefined) => (names ? stackLayers(names.map((name) => result[name])) : undefined);
  const probs = pick(taps.probs)!; // [layers, heads, T, T]
  const q = pick(taps.q); // [layers, heads, T, head_dim]
  const capture: AttentionCapture = {
    tokens: ids.map((id) => tokenizer.decode([id], { skip_special_tokens: false })),
    tokenIds: ids,
    offsets: tokenOffsets(tokenizer, ids),
    text,
    layers: probs.dims[0],
    heads: probs.dims[1],
    headDim: q ? q.dims[3] : 0,
    modelName: input.modelName,
    probs,
    q,
    k: pick(taps.k),
    v: pick(taps.v),
    embedTokens: taps.embedTokens ? unbatch(result[taps.embedTokens]) : undefined,
    embedPositions: taps.embedPositions ? unbatch(result[taps.embedPositions]) : undefined,
    positionKind: input.positionKind,
    predictions: result.logits ? predictionsOf(tokenizer, result.logits, ids) : undefined,
    cut: allIds.length > cap ? { originalTokens: allIds.length, keptTokens: cap, ...(memory ? { memory } : {}) } : undefined,
    origin: input.origin,
  };
  return { capture, forwardMs };
}

/** The next-token predictions at every position from the pass's logits [1, T, vocab], with their texts. */
function predictionsOf(tokenizer: PreTrainedTokenizer, logits: Tensor, ids: readonly number[]): NextTokenPredictions {
  const vocab = logits.dims[2];
  const stats = predictionsFromLogits(logits.data as Float32Array, ids, vocab);
  const texts: Record<number, string> = {};
  for (const id of stats.topIds) texts[id] ??= tokenizer.decode([id], { skip_special_tokens: false });
  return { ...stats, texts };
}

/** The buffers of a capture, to transfer instead of copy. */
export function captureBuffers(capture: AttentionCapture): ArrayBuffer[] {
  return [capture.probs, capture.q, capture.k, capture.v, capture.embedTokens, capture.embedPositions]
    .filter((t): t is TensorData => Boolean(t))
    .map((t) => t.data.buffer as ArrayBuffer);
}
