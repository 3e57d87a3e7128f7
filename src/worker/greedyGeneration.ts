/**
 * Greedy generation on a loaded model: the token loop through transformers.js with streaming,
 * stop rules and cancellation between tokens, and the decode-speed measurement that `auto`'s
 * calibration uses. The engine builds prompts and calls it; the loader measures with it; neither
 * calls back into the other.
 */

import type { DynamicCache, PreTrainedModel, Tensor } from '@huggingface/transformers';
import { LensError } from '../common/errors';
import type { FinishReason, GenerationTimings, StartedEvent } from '../common/protocol';
import { findStop, type StopRules } from '../common/stopRules';
import type { LoadedModel } from './loadedModel';

/** What a caller hears of a generation while it runs, and how it stops one. */
export interface StreamHandlers {
  readonly onStart: (start: Omit<StartedEvent, 'type' | 'id'>) => void;
  readonly onToken: (tokenId: number, text: string) => void;
  /** Polled between tokens: true stops generation before the next forward pass. */
  readonly shouldStop: () => boolean;
}

/** One greedy run: token ids in, and the rules that end it. */
export interface RunOptions extends StreamHandlers {
  readonly inputIds: number[];
  readonly maxNewTokens: number;
  readonly blockedTokenIds?: readonly number[];
  readonly stopRules?: StopRules;
  /** Tokens that end generation when produced (special tokens never show in the decoded text). */
  readonly stopTokenIds?: ReadonlySet<number>;
  readonly contextCut: boolean;
}

/** What a greedy run produced and how long it took. */
export interface GenerateResult {
  readonly text: string;
  readonly tokenIds: number[];
  readonly finishReason: FinishReason;
  readonly timings: Omit<GenerationTimings, 'queuedMs'>;
}

/** Code of the everyday kind, decoded when `auto` calibrates a GPU against the CPU. */
const CALIBRATION_PROMPT = 'export function parseArgs(argv: string[]): Record<string, string> {\n  const result: Record<string, string> = {};\n  for (const arg of argv) {\n';
/** Tokens decoded for a calibration's measurement. */
const CALIBRATION_TOKENS = 24;

/** Greedy decoding speed on a fixed prompt, after a warm-up that compiles what needs compiling. */
export async function measureDecodeSpeed(loaded: LoadedModel): Promise<number> {
  const inputIds = loaded.tokenizer.encode(CALIBRATION_PROMPT, { add_special_tokens: false });
  const run = (maxNewTokens: number) => runGreedy(loaded, {
    inputIds,
    maxNewTokens,
    // Every step is a decode step: no end-of-text cuts the measurement short.
    blockedTokenIds: [...loaded.eosTokenIds],
    contextCut: false,
    onStart: () => undefined,
    onToken: () => undefined,
    shouldStop: () => false,
  });
  await run(4);
  const result = await run(CALIBRATION_TOKENS);
  await loaded.kvCache.clear();
  return result.timings.tokensPerSecond;
}

/** Greedy generation from `options.inputIds`, streaming tokens and stopping between two tokens when asked. */
export async function runGreedy(loaded: LoadedModel, options: RunOptions): Promise<GenerateResult> {
  const started = performance.now();
  const promptTokens = options.inputIds.length;
  const limit = loaded.info.contextLength;
  if (limit > 0 && promptTokens + options.maxNewTokens > limit) {
    throw new LensError(
      'PROMPT_TOO_LONG',
      `The prompt has ${promptTokens} tokens; with ${options.maxNewTokens} new tokens it exceeds the model's context of ${limit}.`,
    );
  }
  const { tokenizer, transformers } = loaded;
  const reuse = loaded.kvCache.take(options.inputIds);
  options.onStart({ promptTokens, reusedTokens: reuse.reusedTokens, contextCut: options.contextCut });

  const generated: number[] = [];
  let text = '';
  let firstTokenAt = 0;
  let stoppedByRequest = false;
  let stoppedByRule = false;

  class TokenStreamer extends transformers.BaseStreamer {
    private promptSeen = false;
    override put(value: bigint[][]): void {
      if (!this.promptSeen) {
        this.promptSeen = true; // the first call carries the prompt
        return;
      }
      const tokenId = Number(value[0][0]);
      if (!firstTokenAt) firstTokenAt = performance.now();
      generated.push(tokenId);
      const decoded = tokenizer.decode(generated, { skip_special_tokens: true });
      // Hold text back while a multi-byte character is still incomplete.
      const delta = decoded.endsWith('\uFFFD') ? '' : decoded.slice(text.length);
      if (delta) text = decoded;
      options.onToken(tokenId, delta);
    }
    override end(): void {}
  }
  const stopRules = options.stopRules;
  class StopWhenDone extends transformers.StoppingCriteria {
    override _call(inputIds: number[][]): boolean[] {
      if (options.shouldStop()) stoppedByRequest = true;
      // Stop strings and block ends end generation here, not only in post-processing.
      else if (stopRules && findStop(text, stopRules) !== undefined) stoppedByRule = true;
      else if (options.stopTokenIds?.has(generated[generated.length - 1])) stoppedByRule = true;
      return inputIds.map(() => stoppedByRequest || stoppedByRule);
    }
  }

  if (options.shouldStop()) {
    await reuse.cache?.dispose();
    return result(text, generated, 'cancelled', started, firstTokenAt);
  }
  const inputIds = new transformers.Tensor('int64', BigInt64Array.from(options.inputIds.map(BigInt)), [1, promptTokens]);
  const attentionMask = new transformers.Tensor('int64', new BigInt64Array(promptTokens).fill(1n), [1, promptTokens]);
  const blocked = options.blockedTokenIds?.length ? options.blockedTokenIds.map((id) => [id]) : null;
  const output = (await loaded.model.generate({
    input_ids: inputIds,
    attention_mask: attentionMask,
    past_key_values: reuse.cache,
    return_dict_in_generate: true,
    max_new_tokens: options.maxNewTokens,
    do_sample: false,
    bad_words_ids: blocked,
    streamer: new TokenStreamer(),
    stopping_criteria: [new StopWhenDone()],
  } as unknown as Parameters<PreTrainedModel['generate']>[0])) as unknown as { sequences: Tensor; past_key_values: DynamicCache };
  // The cache holds every token fed so far: the prompt and all generated tokens but the last.
  loaded.kvCache.keep([...options.inputIds, ...generated.slice(0, -1)], output.past_key_values);
  text = tokenizer.decode(generated, { skip_special_tokens: true });
  if (stopRules && stoppedByRule) {
    const end = findStop(text, stopRules);
    if (end !== undefined) text = text.slice(0, end);
  }

  const last = generated[generated.length - 1];
  const reason: FinishReason = stoppedByRequest
    ? 'cancelled'
    : stoppedByRule
      ? 'stop'
      : last !== undefined && loaded.eosTokenIds.has(last)
        ? 'eos'
        : 'length';
  return result(text, generated, reason, started, firstTokenAt);
}

/** The result with its timings; decode speed counts from the first token, which also pays for the prompt. */
function result(text: string, tokenIds: number[], finishReason: FinishReason, started: number, firstTokenAt: number): GenerateResult {
  const now = performance.now();
  const totalMs = now - started;
  const decodeMs = firstTokenAt ? now - firstTokenAt : 0;
  // Decode speed after the first token; the first one also pays for the prompt.
  const tokensPerSecond = tokenIds.length > 1 && decodeMs > 0 ? ((tokenIds.length - 1) * 1000) / decodeMs : 0;
  return {
    text,
    tokenIds,
    finishReason,
    timings: {
      firstTokenMs: Math.round((firstTokenAt || now) - started),
      totalMs: Math.round(totalMs),
      tokensPerSecond: Math.round(tokensPerSecond * 10) / 10,
    },
  };
}
