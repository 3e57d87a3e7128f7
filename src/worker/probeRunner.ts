/**
 * Answers a probe (see probeProtocol.ts) with the model's real forward passes on the probe
 * sessions: the next-token prediction at a position with and without masked tokens and
 * knocked-out heads, a greedy continuation of each, and the logit lens — each depth's residual
 * stream through the model's own final norm and unembedding.
 *
 * The forward passes go through transformers.js's own `forward` (it feeds the empty KV cache,
 * the cache branch flag and whatever else the family's graph takes) with the probe session in
 * the decoder's place for the duration of the call; requests run one at a time in the worker's
 * lane, so nothing else sees the swap.
 */

import type { Tensor } from '@huggingface/transformers';
import { MAX_PROBE_CONTINUATION_TOKENS, type LensReading, type ProbeOutcome, type ProbeParams, type ProbeResult, type TopTokens } from '../common/probeProtocol';
import { rowStatistics, TOP_ALTERNATIVES } from '../common/tokenPredictions';
import { LensError } from '../common/errors';
import type { LoadedModel } from './loadedModel';
import { HEAD_MASK_INPUT } from './onnxProbeGraph';
import type { ProbeSessions, RunnableSession } from './probeSessions';

interface PassInput {
  readonly ids: readonly number[];
  /** The position whose prediction is read (default: the last). */
  readonly at?: number;
  readonly masked: ReadonlySet<number>;
  /** [layers × heads], 1 keeps a head; undefined: every head kept. */
  readonly headMask?: Float32Array;
}

interface PassOutput {
  /** Logits at the position read. */
  readonly lastLogits: Float32Array;
  readonly vocab: number;
  /** Residual stream at the last position, per depth: [depths × d], when asked. */
  readonly residuals?: { readonly data: Float32Array; readonly depths: number; readonly width: number };
}

/** The decoder session's key in transformers.js's model.sessions. */
function decoderKey(sessions: Record<string, unknown>): string {
  return 'model' in sessions ? 'model' : 'decoder_model_merged';
}

/** Runs probes on one loaded model; see the module comment. */
export class ProbeRunner {
  constructor(
    private readonly loaded: LoadedModel,
    private readonly sessions: ProbeSessions,
    private readonly heads: number,
  ) {}

  async run(params: ProbeParams): Promise<ProbeResult> {
    const started = performance.now();
    const { layers } = this.loaded.info;
    const texts: Record<number, string> = {};
    const prefix = params.tokenIds.slice(0, params.position + 1);
    // The whole text goes through, later tokens too: that a mask after the position changes nothing there is the model's causality, not a shortcut here.
    const whole = { ids: params.tokenIds, at: params.position };
    const masked = new Set(params.maskedPositions);
    const knockout = params.knockedOutHeads.filter((h) => h.layer < layers && h.head < this.heads);
    const knockoutAvailable = Boolean(this.sessions.graphs.knockout);
    let headMask: Float32Array | undefined;
    if (knockout.length && knockoutAvailable) {
      headMask = new Float32Array(layers * this.heads).fill(1);
      for (const h of knockout) headMask[h.layer * this.heads + h.head] = 0;
    }
    const lensWanted = params.lens && Boolean(this.sessions.lensHead) && this.sessions.graphs.residualTaps.length > 0;
    const originalPass = await this.pass({ ...whole, masked: new Set() }, lensWanted);
    const original: ProbeOutcome = {
      next: this.top(originalPass, texts),
      ...(params.continuation ? { continuation: await this.continuation({ ids: prefix, masked: new Set() }, originalPass) } : {}),
    };
    const changes = masked.size > 0 || headMask !== undefined;
    let changed: ProbeOutcome | undefined;
    if (changes) {
      const changedPass = await this.pass({ ...whole, masked, headMask }, false);
      changed = {
        next: this.top(changedPass, texts),
        ...(params.continuation ? { continuation: await this.continuation({ ids: prefix, masked: new Set([...masked].filter((p) => p <= params.position)), headMask }, changedPass) } : {}),
      };
    }
    let lens: ProbeResult['lens'];
    if (params.lens) {
      lens = lensWanted ? this.checked(await this.lensReadings(originalPass, texts), original.next) : { unavailable: this.sessions.graphs.lensUnavailable ?? 'The model graph does not allow the logit lens.' };
    }
    return {
      position: params.position,
      ...(lens ? { lens } : {}),
      original,
      ...(changed ? { changed } : {}),
      ...(knockout.length && !knockoutAvailable ? { knockoutUnavailable: this.sessions.graphs.knockoutUnavailable ?? 'Heads cannot be knocked out on this model.' } : {}),
      texts,
      forwardMs: Math.round(performance.now() - started),
    };
  }

  /** One forward pass over `input.ids` on the probe session. */
  private async pass(input: PassInput, withResiduals: boolean): Promise<PassOutput> {
    const { model, transformers } = this.loaded;
    const T = input.ids.length;
    const int64 = (values: number[] | bigint[]) => new transformers.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), [1, T]);
    const feeds = {
      input_ids: int64([...input.ids]),
      attention_mask: int64(input.ids.map((_, i) => (input.masked.has(i) ? 0 : 1))),
      // Positions keep their numbers: a masked token is hidden, not removed.
      position_ids: int64(input.ids.map((_, i) => i)),
    };
    const taps = this.sessions.graphs.residualTaps;
    const fetches = ['logits', ...(withResiduals ? taps : [])];
    const { layers } = this.loaded.info;
    const mask = new transformers.Tensor('float32', input.headMask ?? new Float32Array(layers * this.heads).fill(1), [layers, this.heads]) as unknown as { ort_tensor: unknown };
    const probe = this.sessions.probe;
    const hasMaskInput = probe.inputNames.includes(HEAD_MASK_INPUT);
    const stand = new Proxy(probe, {
      get(target, property) {
        if (property === 'inputNames') return target.inputNames.filter((n) => n !== HEAD_MASK_INPUT);
        if (property === 'run') {
          return (given: Record<string, unknown>, _fetches: unknown, options: unknown) =>
            target.run(hasMaskInput ? { ...given, [HEAD_MASK_INPUT]: mask.ort_tensor } : given, fetches, options);
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const sessions = (model as unknown as { sessions: Record<string, unknown> }).sessions;
    const key = decoderKey(sessions);
    const serving = sessions[key];
    sessions[key] = stand;
    let result: Record<string, Tensor>;
    try {
      result = (await model.forward(feeds)) as Record<string, Tensor>;
    } finally {
      sessions[key] = serving;
    }
    const logits = result.logits;
    const vocab = logits.dims[2];
    const at = input.at ?? T - 1;
    const lastLogits = (logits.data as Float32Array).slice(at * vocab, (at + 1) * vocab);
    if (!withResiduals) return { lastLogits, vocab };
    const width = result[taps[0]].dims[2];
    const data = new Float32Array(taps.length * width);
    taps.forEach((name, depth) => data.set((result[name].data as Float32Array).subarray(at * width, (at + 1) * width), depth * width));
    return { lastLogits, vocab, residuals: { data, depths: taps.length, width } };
  }

  private top(pass: PassOutput, texts: Record<number, string>): TopTokens {
    const row = rowStatistics(pass.lastLogits, 0, pass.vocab, TOP_ALTERNATIVES);
    this.name(row.ids, texts);
    return { ids: row.ids, probs: row.probs, entropy: row.entropy };
  }

  /** Each depth's residual at the position through the lens head: what the model would predict if it stopped there. */
  private async lensReadings(pass: PassOutput, texts: Record<number, string>): Promise<LensReading[]> {
    const head = this.sessions.lensHead!;
    const residuals = pass.residuals!;
    const { transformers } = this.loaded;
    const input = new transformers.Tensor('float32', residuals.data, [1, residuals.depths, residuals.width]) as unknown as { ort_tensor: unknown };
    const output = await (head.session as RunnableSession).run({ [head.input]: input.ort_tensor }, ['logits']);
    const logits = output.logits.data as Float32Array;
    const vocab = output.logits.dims[2];
    const final = argmax(pass.lastLogits);
    this.name([final], texts);
    const readings: LensReading[] = [];
    for (let depth = 0; depth < residuals.depths; depth++) {
      const row = rowStatistics(logits, depth * vocab, vocab, TOP_ALTERNATIVES, final);
      this.name(row.ids, texts);
      readings.push({ afterLayer: depth - 1, top: { ids: row.ids, probs: row.probs, entropy: row.entropy }, finalTokenProb: row.actualProb, finalTokenRank: row.actualRank });
    }
    return readings;
  }

  /**
   * The readings, if their last depth reproduces the model's own prediction: the lens head was cut
   * out of the graph by its shape, and a cut that went wrong must not be shown as the model's.
   */
  private checked(readings: LensReading[], next: TopTokens): NonNullable<ProbeResult['lens']> {
    const last = readings[readings.length - 1];
    const same = last.top.ids.every((id, r) => id === next.ids[r] || Math.abs(last.top.probs[r] - next.probs[r]) < 1e-3) && Math.abs(last.top.probs[0] - next.probs[0]) < 1e-3;
    return same ? { readings } : { unavailable: 'Its final norm and unembedding, read out of its graph, did not reproduce its own prediction, so the logit lens is not shown.' };
  }

  /** Greedy tokens after the position (to the end of the line, at most MAX_PROBE_CONTINUATION_TOKENS), one full pass each. */
  private async continuation(input: PassInput, first: PassOutput): Promise<string> {
    const { tokenizer, eosTokenIds, promptFormat } = this.loaded;
    const blocked = new Set(promptFormat.blockedTokenIds);
    const ids = [...input.ids];
    const written: number[] = [];
    let pass = first;
    for (let step = 0; step < MAX_PROBE_CONTINUATION_TOKENS; step++) {
      const next = argmax(pass.lastLogits, blocked);
      if (eosTokenIds.has(next)) break;
      written.push(next);
      ids.push(next);
      const text = tokenizer.decode(written, { skip_special_tokens: false });
      if (text.includes('\n') && text.trim()) return text.slice(0, text.indexOf('\n', text.search(/\S/)));
      if (step + 1 < MAX_PROBE_CONTINUATION_TOKENS) pass = await this.pass({ ...input, ids }, false);
    }
    return tokenizer.decode(written, { skip_special_tokens: false });
  }

  private name(ids: readonly number[], texts: Record<number, string>): void {
    for (const id of ids) texts[id] ??= this.loaded.tokenizer.decode([id], { skip_special_tokens: false });
  }
}

function argmax(values: Float32Array, blocked?: ReadonlySet<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (!blocked?.has(i) && (best < 0 || values[i] > values[best])) best = i;
  if (best < 0) throw new LensError('MODEL_INVALID', 'The model gave no token to choose.');
  return best;
}
