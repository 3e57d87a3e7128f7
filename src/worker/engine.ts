/**
 * The model engine: loads one model through transformers.js and generates from it.
 * It owns the model; at most one is loaded at a time.
 */

import * as fs from 'fs';
import * as path from 'path';
import type { PreTrainedModel, PreTrainedTokenizer, ProgressInfo, Tensor } from '@huggingface/transformers';
import { LensError } from '../common/errors';
import { parametersFromFileSize, readModelShape } from '../common/modelConfig';
import type { DeviceChoice, DtypeChoice, FinishReason, GenerationTimings, ModelInfo, ModelSource } from '../common/protocol';
import { checkModelFolder } from './modelFolder';
import { prepareRuntime, type RuntimeOptions, type TransformersModule } from './ortRuntime';
import { SessionOutputFilter } from './sessionOutputFilter';

export interface LoadOptions {
  readonly source: ModelSource;
  readonly device: DeviceChoice;
  readonly dtype: DtypeChoice;
  readonly onProgress: (file: string, fraction: number) => void;
}

export interface GenerateOptions {
  readonly prompt: string;
  readonly maxNewTokens: number;
  readonly blockedTokenIds?: readonly number[];
  readonly onStart: (promptTokens: number) => void;
  readonly onToken: (tokenId: number, text: string) => void;
  /** Polled between tokens: true stops generation before the next forward pass. */
  readonly shouldStop: () => boolean;
}

export interface GenerateResult {
  readonly text: string;
  readonly tokenIds: number[];
  readonly finishReason: FinishReason;
  readonly timings: Omit<GenerationTimings, 'queuedMs'>;
}

interface LoadedModel {
  readonly model: PreTrainedModel;
  readonly tokenizer: PreTrainedTokenizer;
  readonly info: ModelInfo;
  readonly outputs: SessionOutputFilter;
  readonly eosTokenIds: ReadonlySet<number>;
}

/** Loads models and runs greedy generation with streaming and cancellation between tokens. */
export class Engine {
  private loaded: LoadedModel | undefined;

  constructor(private readonly runtimeOptions: RuntimeOptions) {}

  /** The loaded model's facts, if one is loaded. */
  get info(): ModelInfo | undefined {
    return this.loaded?.info;
  }

  /** Loads a model, replacing the current one. Throws a LensError that a user can act on. */
  async load(options: LoadOptions): Promise<ModelInfo> {
    const started = performance.now();
    const runtime = await prepareRuntime(options.device, this.runtimeOptions);
    await this.dispose();
    const { transformers } = runtime;
    const progress = (info: ProgressInfo): void => {
      if (info.status === 'progress_total') options.onProgress(info.name, info.progress / 100);
      else if (info.status === 'done') options.onProgress(info.file, 1);
    };

    const { modelId, dtype, config, weightsBytes, location } = await this.locate(options, transformers);
    // With an injected runtime transformers.js knows no devices in Node; "auto" leaves the choice to ORT (wasm).
    const device = runtime.backend === 'cpu' ? 'cpu' : 'auto';
    let model: PreTrainedModel;
    let tokenizer: PreTrainedTokenizer;
    try {
      [tokenizer, model] = await Promise.all([
        transformers.AutoTokenizer.from_pretrained(modelId, { progress_callback: progress }),
        transformers.AutoModelForCausalLM.from_pretrained(modelId, {
          dtype,
          device,
          progress_callback: progress,
        }),
      ]);
    } catch (error) {
      throw this.describeLoadError(error, options.source, location);
    }
    const shape = readModelShape(config);
    const info: ModelInfo = {
      name: options.source.kind === 'folder' ? options.source.displayName : options.source.modelId,
      location,
      backend: runtime.backend,
      backendReason: runtime.reason,
      dtype,
      modelType: shape.modelType,
      parameters: shape.parameters ?? parametersFromFileSize(weightsBytes, dtype),
      contextLength: shape.contextLength,
      vocabSize: shape.vocabSize,
      layers: shape.layers,
      heads: shape.heads,
      loadMs: Math.round(performance.now() - started),
    };
    const eos = config.eos_token_id;
    const eosTokenIds = new Set<number>(Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : []);
    const outputs = SessionOutputFilter.install(model);
    this.loaded = { model, tokenizer, info, outputs, eosTokenIds };
    return info;
  }

  private async locate(
    options: LoadOptions,
    transformers: TransformersModule,
  ): Promise<{ modelId: string; dtype: 'fp32' | 'q8'; config: Record<string, unknown>; weightsBytes: number; location: string }> {
    const { env } = transformers;
    const source = options.source;
    if (source.kind === 'folder') {
      const checked = checkModelFolder(source.path, options.dtype);
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = path.dirname(source.path) + path.sep;
      return {
        modelId: path.basename(source.path),
        dtype: checked.dtype,
        config: checked.config,
        weightsBytes: checked.weightsBytes,
        location: source.path,
      };
    }
    // A Hub model: the host only sends this source when the user allowed downloads.
    fs.mkdirSync(source.cacheDir, { recursive: true });
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = source.hubUrl + '/';
    env.remotePathTemplate = '{model}/resolve/{revision}/';
    env.useFSCache = true;
    env.cacheDir = source.cacheDir;
    let config: Record<string, unknown>;
    try {
      const pretrained = await transformers.AutoConfig.from_pretrained(source.modelId, { revision: source.revision });
      config = JSON.parse(JSON.stringify(pretrained)) as Record<string, unknown>;
    } catch (error) {
      throw new LensError(
        'DOWNLOAD_FAILED',
        `Could not fetch ${source.modelId} from ${source.hubUrl}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const dtype = options.dtype === 'fp32' ? 'fp32' : 'q8';
    return { modelId: source.modelId, dtype, config, weightsBytes: 0, location: `${source.hubUrl}/${source.modelId}` };
  }

  private describeLoadError(error: unknown, source: ModelSource, location: string): LensError {
    if (error instanceof LensError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (source.kind === 'hub') {
      return new LensError('DOWNLOAD_FAILED', `Could not load ${source.modelId} from ${source.hubUrl}: ${message}`);
    }
    return new LensError('MODEL_INVALID', `The model in ${location} could not be loaded (${message}). Its files may be damaged or of an unsupported kind.`);
  }

  /** Greedy generation that streams tokens and stops between two tokens when asked. */
  async generate(options: GenerateOptions): Promise<GenerateResult> {
    const loaded = this.loaded;
    if (!loaded) throw new LensError('NOT_LOADED', 'No model is loaded yet.');
    const started = performance.now();
    const encoded = loaded.tokenizer(options.prompt, { add_special_tokens: false }) as {
      input_ids: Tensor;
      attention_mask: Tensor;
    };
    const promptTokens = encoded.input_ids.dims[1];
    const limit = loaded.info.contextLength;
    if (limit > 0 && promptTokens + options.maxNewTokens > limit) {
      throw new LensError(
        'PROMPT_TOO_LONG',
        `The prompt has ${promptTokens} tokens; with ${options.maxNewTokens} new tokens it exceeds the model's context of ${limit}.`,
      );
    }
    options.onStart(promptTokens);

    const generated: number[] = [];
    let text = '';
    let firstTokenAt = 0;
    let stoppedByRequest = false;
    const { transformers } = await prepareRuntime(loaded.info.backend, this.runtimeOptions);
    const tokenizer = loaded.tokenizer;

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
    class StopOnRequest extends transformers.StoppingCriteria {
      override _call(inputIds: number[][]): boolean[] {
        if (options.shouldStop()) stoppedByRequest = true;
        return inputIds.map(() => stoppedByRequest);
      }
    }

    if (options.shouldStop()) {
      return this.result(text, generated, 'cancelled', started, firstTokenAt);
    }
    const blocked = options.blockedTokenIds?.length ? options.blockedTokenIds.map((id) => [id]) : null;
    await loaded.model.generate({
      input_ids: encoded.input_ids,
      attention_mask: encoded.attention_mask,
      max_new_tokens: options.maxNewTokens,
      do_sample: false,
      bad_words_ids: blocked,
      streamer: new TokenStreamer(),
      stopping_criteria: [new StopOnRequest()],
    } as unknown as Parameters<PreTrainedModel["generate"]>[0]);
    text = tokenizer.decode(generated, { skip_special_tokens: true });

    const last = generated[generated.length - 1];
    const reason: FinishReason = stoppedByRequest
      ? 'cancelled'
      : last !== undefined && loaded.eosTokenIds.has(last)
        ? 'eos'
        : 'length';
    return this.result(text, generated, reason, started, firstTokenAt);
  }

  private result(text: string, tokenIds: number[], finishReason: FinishReason, started: number, firstTokenAt: number): GenerateResult {
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

  /** Releases the model's sessions. */
  async dispose(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded) await loaded.model.dispose();
  }
}
