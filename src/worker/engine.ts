/**
 * The model engine: holds one model (loaded by modelLoader.ts) and serves it — raw generations,
 * completions and summaries (their prompts built here, the token loop in greedyGeneration.ts) and
 * attention captures.
 */

import * as os from 'os';
import type { AttentionCapture, PositionKind } from '../common/attentionData';
import { fitContextToBudget } from '../common/contextWindow';
import { DEFAULT_ATTENTION_BUDGET_MB } from '../common/attentionBudget';
import { LensError } from '../common/errors';
import { readModelShape } from './modelConfig';
import { completionPromptParts } from '../common/promptFormats';
import type { PromptPart } from '../common/promptParts';
import type { CompleteParams, GenerateParams, LoadParams, ModelInfo, SummarizeParams } from '../common/protocol';
import type { StopRules } from '../common/stopRules';
import type { ProbeParams, ProbeResult } from '../common/probeProtocol';
import { summaryChatMessages, summaryPromptParts } from '../common/summaryPrompt';
import { captureAttention } from './attentionCapture';
import { ProbeRunner } from './probeRunner';
import { buildProbeSessions } from './probeSessions';
import { releaseModel, type LoadedModel } from './loadedModel';
import type { FetchedHubModel } from './hubModelFetch';
import { ModelLoader, type FetchOptions, type LoaderOptions, type LoadOptions } from './modelLoader';
import { partsAroundPlaceholder, PromptEncoder } from './promptEncoder';
import { runGreedy, type GenerateResult, type StreamHandlers } from './greedyGeneration';

export type { LoadOptions } from './modelLoader';
export type { GenerateResult, StreamHandlers } from './greedyGeneration';

/** A request's parameters as the protocol declares them, plus stream handlers; priority is the scheduler's concern. */
export type GenerateOptions = Omit<GenerateParams, 'priority'> & StreamHandlers;
export type CompleteOptions = CompleteParams & StreamHandlers;
export type SummarizeOptions = SummarizeParams & StreamHandlers;

/** The attention panel's default token cap (attentionLens.attention.maxTokens), which the warm-up runs at. */
const DEFAULT_ATTENTION_TOKENS = 256;
const WARM_UP_PASSES = 2;
const WARMED_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);
/** Probe sessions unused this long are released (a second copy of the weights). */
const PROBE_IDLE_RELEASE_MS = 5 * 60_000;
/** A first pass slower than this ends the warm-up. */
const WARM_UP_LIMIT_MS = 1000;

/** Tokens the FIM markers add around the prefix and suffix, plus slack for merges at the joins. */
const FIM_MARKER_ALLOWANCE = 8;

/** Model types whose positions are a learned table added to the embeddings (GPT-2, StarCoder 1's GPTBigCode, GPT-Neo, OPT). */
const LEARNED_POSITIONS = /^(gpt2|gpt_bigcode|gpt_neo|opt)$/;
/** Model types that rotate queries and keys by position (RoPE). */
const ROTARY_POSITIONS = /llama|qwen|mistral|phi|gemma|starcoder2|codegen|gptj|gpt_neox|deepseek|olmo|granite/;

/** Stands for the code while a chat template is rendered, so that the code can be encoded literally. */
const CODE_PLACEHOLDER = '\u0000attention-lens:code\u0000';

/** Holds one model and serves every request on it; see the module comment. */
export class Engine {
  private loaded: LoadedModel | undefined;
  /** Encodes prompts for the loaded model's tokenizer (user text never becomes a special token). */
  private prompts: PromptEncoder | undefined;
  /** What the loaded model was loaded with, to load it again when a replacement fails. */
  private loadedWith: LoadOptions | undefined;
  private readonly loader: ModelLoader;
  /** Probe sessions of the loaded model, built on the first probe. */
  private probes: Promise<ProbeRunner> | undefined;
  private releaseProbes: (() => Promise<void>) | undefined;
  private probeIdle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: LoaderOptions) {
    this.loader = new ModelLoader(options);
  }

  /** The loaded model's facts, if one is loaded. */
  get info(): ModelInfo | undefined {
    return this.loaded?.info;
  }

  /** Downloads a Hub model's files without touching the model that serves (see ModelLoader.fetchHub). */
  fetchHub(options: LoadParams, fetch: FetchOptions): Promise<FetchedHubModel> {
    return this.loader.fetchHub(options, fetch);
  }

  /**
   * Loads a model, replacing the current one. Throws a LensError that a user can act on. A model
   * whose files fail their checks never costs the current one; one that fails later, after the
   * current one was released (its sessions would not build), is followed by loading the previous
   * model again, so the worker keeps serving what it served — unless that fails too (NOT_LOADED).
   */
  async load(options: LoadOptions): Promise<ModelInfo> {
    const previous = this.loaded ? this.loadedWith : undefined;
    let released = false;
    let loaded: LoadedModel;
    try {
      loaded = await this.loader.load(options, async () => {
        released = true;
        await this.dispose();
      });
    } catch (error) {
      if (released && previous) await this.restore(previous, error);
      throw error;
    }
    const unrunnable = await this.firstStepProblem(loaded);
    if (unrunnable) {
      await releaseModel(loaded);
      if (previous) await this.restore(previous, unrunnable);
      throw unrunnable;
    }
    this.install(loaded, options);
    await this.warmUp();
    return loaded.info;
  }

  /**
   * Two attention passes at the panel's default length, thrown away: ONNX Runtime's first runs at
   * a new largest shape are 3–5× slower than later ones (256 tokens on the bundled model: 320, 200,
   * then 70 ms), which made the first Show Attention the slow one. Skipped for a model whose first
   * pass is already slow (a large one), where this would cost more than it saves.
   */
  private async warmUp(): Promise<void> {
    // On the CPU kernels only, where it was measured; on WebGPU a throw-away 128-token pass left
    // onnxruntime-web failing the next shorter one ("Tensor size mismatch").
    if (!this.loaded || this.loaded.info.attentionUnavailableReason || !WARMED_BACKENDS.has(this.loaded.info.backend)) return;
    const text = 'function add(a, b) {\n  return a + b;\n}\n'.repeat(40);
    try {
      for (let pass = 0; pass < WARM_UP_PASSES; pass++) {
        const { forwardMs } = await this.attention(text, DEFAULT_ATTENTION_TOKENS, { kind: 'selection', label: 'warm-up' });
        if (forwardMs > WARM_UP_LIMIT_MS) return;
      }
    } catch {
      // A warm-up that fails says nothing the first real request will not say better.
    }
  }

  /**
   * One greedy step on a model just loaded: a config whose model_type names another architecture
   * than the weights' (llama over gpt2 weights) loads, then fails every request. Caught here, it is
   * one load error instead.
   */
  private async firstStepProblem(loaded: LoadedModel): Promise<LensError | undefined> {
    try {
      await runGreedy(loaded, {
        inputIds: loaded.tokenizer.encode('a', { add_special_tokens: false }),
        maxNewTokens: 1,
        contextCut: false,
        onStart: () => undefined,
        onToken: () => undefined,
        shouldStop: () => false,
      });
      await loaded.kvCache.clear();
      return undefined;
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0].replace(/^An error occurred during model execution: "?/, '');
      return new LensError(
        'MODEL_INVALID',
        `${loaded.info.location}/config.json names model_type "${loaded.info.modelType}", but the weights do not run as one (${reason}).`,
      );
    }
  }

  private install(loaded: LoadedModel, options: LoadOptions): void {
    void this.dropProbes();
    this.prompts = new PromptEncoder(loaded.tokenizer);
    this.loaded = loaded;
    this.loadedWith = { ...options, onProgress: () => undefined };
  }

  /** Loads `previous` again after `failure`; throws NOT_LOADED, naming both, when it cannot. */
  private async restore(previous: LoadOptions, failure: unknown): Promise<void> {
    try {
      this.install(await this.loader.load(previous, async () => undefined), previous);
    } catch (error) {
      const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));
      throw new LensError('NOT_LOADED', `${why(failure)} The previous model could not be loaded again either: ${why(error)}`);
    }
  }

  /**
   * Greedy generation from a raw prompt (its special tokens count as markers: callers write it,
   * never a user's file), streaming tokens and stopping between two tokens when asked.
   */
  async generate(options: GenerateOptions): Promise<GenerateResult> {
    const { loaded } = this.require();
    return runGreedy(loaded, {
      ...options,
      inputIds: loaded.tokenizer.encode(options.prompt, { add_special_tokens: false }),
      contextCut: false,
    });
  }

  /** An inline completion: the text around the cursor within the budget, the family's FIM prompt, stop rules. */
  async complete(options: CompleteOptions): Promise<GenerateResult> {
    const { loaded, prompts } = this.require();
    const { promptFormat } = loaded;
    const countTokens = (text: string): number => prompts.encodeText(text).length;
    // The prompt and the new tokens share the context: the budget never takes the new tokens' room.
    const room = loaded.info.contextLength > 0 ? loaded.info.contextLength - options.maxNewTokens - FIM_MARKER_ALLOWANCE : options.budgetTokens;
    if (room < 8) {
      throw new LensError('PROMPT_TOO_LONG', `${options.maxNewTokens} new tokens leave no room for code in the model's context of ${loaded.info.contextLength}; lower attentionLens.completion.maxNewTokens.`);
    }
    const fitted = fitContextToBudget({ prefix: options.prefix, suffix: options.suffix }, Math.min(options.budgetTokens, room), countTokens);
    const prompt = completionPromptParts(promptFormat, fitted.prefix, fitted.suffix);
    const stopRules: StopRules = {
      stopStrings: [...promptFormat.stopStrings, ...(options.stop.extraStopStrings ?? [])],
      singleLine: options.stop.singleLine,
      blockIndent: options.stop.blockIndent,
      tabSize: options.stop.tabSize,
      linePrefix: options.stop.linePrefix,
    };
    return runGreedy(loaded, {
      ...options,
      inputIds: prompts.encode(prompt),
      blockedTokenIds: promptFormat.blockedTokenIds,
      stopRules,
      stopTokenIds: loaded.completionStopTokenIds,
      contextCut: fitted.cut,
    });
  }

  /** A one-line summary of `code` (for a doc comment), in the model family's summary format. */
  async summarize(options: SummarizeOptions): Promise<GenerateResult> {
    const { loaded, prompts } = this.require();
    const { tokenizer, summaryFormat } = loaded;
    const room = Math.max(16, loaded.info.contextLength - options.maxNewTokens - 8);
    let code = options.code;
    let cut = false;
    const promptFor = (body: string): PromptPart[] => {
      if (summaryFormat.kind !== 'chat') return summaryPromptParts(summaryFormat, body, options.languageId);
      const rendered = tokenizer.apply_chat_template(summaryChatMessages(CODE_PLACEHOLDER, options.languageId), { tokenize: false, add_generation_prompt: true }) as string;
      const parts = partsAroundPlaceholder(rendered, CODE_PLACEHOLDER, body);
      if (!parts) throw new LensError('MODEL_INVALID', `The chat template of ${loaded.info.name} rewrites the message text, so the code cannot be passed to it safely.`);
      return parts;
    };
    let ids = prompts.encode(promptFor(code));
    // Keep the head of long code: the signature and first lines say most about what it does.
    while (ids.length > room && code.length > 1) {
      code = code.slice(0, Math.floor(code.length * Math.min(0.9, room / ids.length)));
      cut = true;
      ids = prompts.encode(promptFor(code));
    }
    return runGreedy(loaded, {
      ...options,
      inputIds: ids,
      blockedTokenIds: [],
      stopRules: { stopStrings: [], singleLine: true, linePrefix: '' },
      contextCut: cut,
    });
  }

  private require(): { loaded: LoadedModel; prompts: PromptEncoder } {
    if (!this.loaded || !this.prompts) throw new LensError('NOT_LOADED', 'No model is loaded yet.');
    return { loaded: this.loaded, prompts: this.prompts };
  }

  /** One forward pass over `text` with the attention taps (see attentionCapture.ts). */
  async attention(
    text: string,
    maxTokens: number,
    origin: AttentionCapture['origin'],
    budgetBytes = DEFAULT_ATTENTION_BUDGET_MB * 1024 * 1024,
  ): Promise<{ capture: AttentionCapture; forwardMs: number }> {
    const { loaded, prompts } = this.require();
    const { transformers } = loaded;
    const positionKind: PositionKind = LEARNED_POSITIONS.test(loaded.info.modelType) ? 'learned' : ROTARY_POSITIONS.test(loaded.info.modelType) ? 'rotary' : 'unknown';
    return captureAttention(transformers, loaded.model, loaded.tokenizer, loaded.outputs, {
      text,
      encodeText: (part) => prompts.encodeText(part),
      maxTokens,
      budgetBytes,
      shape: { layers: loaded.info.layers, heads: loaded.info.heads, hiddenSize: readModelShape(loaded.model.config as unknown as Record<string, unknown>).hiddenSize },
      origin,
      modelName: loaded.info.name,
      contextLength: loaded.info.contextLength,
      positionKind,
    });
  }

  /** The logit lens and "what if" on captured tokens (see probeRunner.ts). */
  async probe(params: ProbeParams): Promise<ProbeResult> {
    const { loaded } = this.require();
    const vocab = readModelShape(loaded.model.config as unknown as Record<string, unknown>).vocabSize;
    if (vocab && params.tokenIds.some((id) => id >= vocab)) throw new LensError('BAD_REQUEST', `A token id is outside the vocabulary of ${loaded.info.name}.`);
    this.probes ??= this.buildProbes(loaded);
    clearTimeout(this.probeIdle);
    try {
      return await (await this.probes).run(params);
    } finally {
      // Their memory goes back once nobody has probed for a while; requests run one at a time, so none runs when this fires.
      this.probeIdle = setTimeout(() => void this.dropProbes(), PROBE_IDLE_RELEASE_MS);
      this.probeIdle.unref?.();
    }
  }

  /** The probe sessions of `loaded`, built on first use (see probeSessions.ts). */
  private async buildProbes(loaded: LoadedModel): Promise<ProbeRunner> {
    const sessions = (loaded.model as unknown as { sessions: Record<string, object> }).sessions;
    const decoder = sessions.model ?? sessions.decoder_model_merged;
    try {
      const built = await buildProbeSessions(decoder, loaded.info.layers, () => this.options.readMemory?.().freeBytes ?? os.freemem());
      this.releaseProbes = () => built.release();
      return new ProbeRunner(loaded, built, loaded.info.heads);
    } catch (error) {
      this.probes = undefined; // a later probe may try again (e.g. after memory was freed)
      if (error instanceof LensError) throw error;
      throw new LensError('MODEL_INVALID', `Probes cannot run on ${loaded.info.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async dropProbes(): Promise<void> {
    clearTimeout(this.probeIdle);
    const release = this.releaseProbes;
    this.probes = undefined;
    this.releaseProbes = undefined;
    if (release) await release();
  }

  /** Releases the model's sessions. */
  async dispose(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    this.prompts = undefined;
    await this.dropProbes();
    if (loaded) await releaseModel(loaded);
  }
}
