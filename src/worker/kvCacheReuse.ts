/**
 * Keeps the KV cache of the last generation so that the next prompt that starts with the same
 * tokens (the user typed a few more characters) only runs its new tail through the model.
 *
 * Only for caches in CPU memory: on WebGPU transformers.js keeps past keys and values in GPU
 * buffers, which cannot be sliced without a download (their `data` throws "The data is not on
 * CPU"); there the prefill it would save is cheap, so nothing is kept.
 */

import type { DynamicCache, Tensor } from '@huggingface/transformers';
import type { TransformersModule } from './ortRuntime';

/** Reuse pays off only past a few tokens; below, the copy costs more than it saves. */
const MIN_REUSED_TOKENS = 8;

export interface CacheOffer {
  readonly cache: DynamicCache | undefined;
  readonly reusedTokens: number;
}

/** Length of the common prefix of two token sequences. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * The first `shared` positions of one kept key/value tensor. Most families keep
 * [batch, heads, past, head_dim]; multi-query GPTBigCode (StarCoder) keeps one fused key_value of
 * [batch, past, 2 · head_dim], whose past axis is the second.
 */
export function keepPositions(tensor: Tensor, shared: number): Tensor {
  if (tensor.dims.length === 3) return tensor.slice(null, [0, shared], null); // [batch, past, 2·head_dim]
  return tensor.slice(null, null, [0, shared], null); // [batch, heads, past, head_dim]
}

/** See the module comment. Holds at most one cache. */
export class KvCacheReuse {
  private tokenIds: readonly number[] = [];
  private cache: DynamicCache | undefined;

  /** `keepsCache` false: the backend's caches live in GPU buffers (WebGPU), so none is kept (its backend table record). */
  constructor(private readonly transformers: TransformersModule, private readonly keepsCache = true) {}

  /**
   * A cache for the first tokens `prompt` shares with the kept sequence (at least one prompt token
   * is left to run, since generation needs logits for the last one), or none.
   */
  take(prompt: readonly number[]): CacheOffer {
    const kept = this.cache;
    if (!kept) return { cache: undefined, reusedTokens: 0 };
    const shared = Math.min(commonPrefixLength(this.tokenIds, prompt), prompt.length - 1);
    if (shared < MIN_REUSED_TOKENS) return { cache: undefined, reusedTokens: 0 };
    const entries: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(kept)) {
      entries[name] = keepPositions(tensor as Tensor, shared);
    }
    return { cache: new this.transformers.DynamicCache(entries), reusedTokens: shared };
  }

  /** Keeps `cache`, which holds the keys and values of `tokenIds`. */
  keep(tokenIds: readonly number[], cache: DynamicCache | undefined): void {
    if (!this.keepsCache) {
      void cache?.dispose();
      return;
    }
    const old = this.cache;
    this.cache = cache;
    this.tokenIds = cache ? tokenIds : [];
    if (old && old !== cache) void old.dispose();
  }

  /** Drops the kept cache. */
  async clear(): Promise<void> {
    const old = this.cache;
    this.cache = undefined;
    this.tokenIds = [];
    await old?.dispose();
  }
}
