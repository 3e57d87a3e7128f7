/**
 * Loads a model for the engine: resolves the device setting to a backend, finds the weights that
 * backend runs best, loads tokenizer and sessions with the attention taps, falls back from WebGPU
 * to cpu when the GPU cannot take the model, and — for `auto` on a hardware GPU — calibrates WebGPU
 * against cpu once per GPU and model and keeps the faster.
 */

import * as os from 'os';
import type { ProgressInfo } from '@huggingface/transformers';
import { LensError } from '../common/errors';
import { parametersFromFileSize, readModelShape } from './modelConfig';
import { detectPromptFormat, idList } from '../common/promptFormats';
import type { Backend, Dtype, LoadParams, ModelInfo, ModelSource } from '../common/protocol';
import { parseHubUrl } from '../common/settings';
import { detectSummaryFormat } from '../common/summaryPrompt';
import { CALIBRATION_MAX_WEIGHTS_BYTES, calibratedBackend, describeDecision, loadFailedFallback, settleBackendForWeights, type BackendDecision, type CalibrationResult } from './backendChoice';
import { backendRecord } from './backendTable';
import { CalibrationStore, calibrationKey } from './calibrationStore';
import type { DownloadProgress } from './hubDownloader';
import { fetchHubModel, type FetchedHubModel } from './hubModelFetch';
import { KvCacheReuse } from './kvCacheReuse';
import { estimateModelMemory, memorySentence } from './memoryEstimate';
import { releaseModel, type LoadedModel } from './loadedModel';
import { measureDecodeSpeed } from './greedyGeneration';
import { checkModelFolder, pickFolderWeights } from './modelFolder';
import { devicesOnBuild, startRuntime, type RuntimeOptions, type TransformersModule } from './ortRuntime';
import { SessionOutputFilter } from './sessionOutputFilter';
import { loadWithAttentionTaps } from './tappedSession';

/** A load request's parameters, and where its progress goes. */
export interface LoadOptions extends LoadParams {
  readonly onProgress: (file: string, fraction: number) => void;
  /** A Hub model's folder once fetchHub brought it; a Hub load without one fetches it first. */
  readonly downloaded?: FetchedHubModel;
}

/** What fetching a Hub model's files needs beyond the load's parameters. */
export interface FetchOptions {
  readonly signal?: AbortSignal;
  readonly onDownload?: (progress: DownloadProgress) => void;
}

/** What loading needs beyond the runtime: where `auto`'s calibrations are kept. */
export interface LoaderOptions extends RuntimeOptions {
  readonly calibrationFile?: string;
  /** The machine's free and total memory (default: the OS's figures); tests stand in a small machine. */
  readonly readMemory?: () => { readonly freeBytes: number; readonly totalBytes: number };
}

/** A model found and checked (once per load), before any backend is chosen. */
interface LocatedModel {
  readonly modelId: string;
  readonly config: Record<string, unknown>;
  readonly location: string;
  /** The local folder (a Hub model's download folder), for choosing its weights file. */
  readonly folder: string;
}

/** The weights a backend runs: their dtype, and their size when known (0 for a Hub model not yet fetched). */
interface ChosenWeights {
  readonly dtype: Dtype;
  readonly weightsBytes: number;
}

/** See the module comment. */
export class ModelLoader {
  private readonly calibrations: CalibrationStore;

  constructor(private readonly options: LoaderOptions) {
    this.calibrations = new CalibrationStore(options.calibrationFile);
  }

  /**
   * Downloads a Hub model's files (those not in its folder yet) for the backend `options.device`
   * resolves to, checking its memory need first; the load then reads them as a folder. Runs beside
   * the requests the current model serves: nothing here touches a session.
   */
  async fetchHub(options: LoadParams, fetch: FetchOptions = {}): Promise<FetchedHubModel> {
    if (options.source.kind !== 'hub') throw new LensError('BAD_REQUEST', 'Only a Hub model is downloaded.');
    const runtime = startRuntime(options.device, this.options);
    await runtime.transformers;
    const decided = await runtime.decision;
    return fetchHubModel({
      source: options.source,
      dtype: options.dtype,
      preferredDtypes: backendRecord(decided.backend).preferredDtypes,
      token: options.hubToken,
      signal: fetch.signal,
      onProgress: fetch.onDownload,
      checkMemory: (weightsBytes, config, what) => {
        const estimate = this.memoryEstimate(weightsBytes, config);
        const sentence = memorySentence(estimate, what);
        if (estimate.verdict === 'never' && sentence) throw new LensError('NOT_ENOUGH_MEMORY', sentence);
      },
    });
  }

  private memoryEstimate(weightsBytes: number, config: Record<string, unknown>): ReturnType<typeof estimateModelMemory> {
    const memory = this.options.readMemory?.() ?? { freeBytes: os.freemem(), totalBytes: os.totalmem() };
    return estimateModelMemory(weightsBytes, readModelShape(config), memory.freeBytes, memory.totalBytes);
  }

  /**
   * Loads a model. `releaseCurrent` runs once the runtime is ready and the new model's files passed
   * their checks, before its sessions are built (a runtime that cannot start or a damaged folder
   * leaves the current model in place). Throws a LensError that a user can act on.
   */
  async load(options: LoadOptions, releaseCurrent: () => Promise<void>): Promise<LoadedModel> {
    const started = performance.now();
    const runtime = startRuntime(options.device, this.options);
    const transformers = await runtime.transformers;
    const decided = await runtime.decision;
    // Every cheap check (files, config, tokenizer, weights layout) runs while the current model still
    // serves: a damaged folder is refused without letting it go.
    const located = await this.locate(options, transformers);
    let weights = this.weightsFor(located, options, decided.backend);
    let backend = settleBackendForWeights(decided, weights.dtype);
    // `auto` on a hardware GPU keeps WebGPU only where it decodes faster: an earlier verdict, or a calibration below.
    const calibration = options.device === 'auto' ? this.calibrationFor(backend, located, weights) : undefined;
    if (calibration?.earlier) {
      backend = calibratedBackend(backend, calibration.earlier, false);
      weights = this.weightsFor(located, options, backend.backend);
    }
    // A model that can never fit is refused while the current one serves; a tight one loads with a warning.
    const estimate = this.memoryEstimate(weights.weightsBytes, located.config);
    const memoryWarning = memorySentence(estimate, `${located.location} (${weights.dtype})`);
    if (estimate.verdict === 'never' && memoryWarning) throw new LensError('NOT_ENOUGH_MEMORY', memoryWarning);
    await releaseCurrent();
    let loaded: LoadedModel;
    try {
      try {
        loaded = await this.loadOn(transformers, options, located, weights, backend, started);
      } catch (error) {
        // No WebGPU adapter (or its session failed): the table's fallback (cpu, on the same native runtime) runs, with its own weights.
        const fallback = backendRecord(backend.backend).fallback;
        if (!fallback) throw error;
        backend = loadFailedFallback(decided, fallback, error);
        weights = this.weightsFor(located, options, backend.backend);
        loaded = await this.loadOn(transformers, options, located, weights, backend, started);
      }
    } catch (error) {
      throw this.describeLoadError(error, options.source, located.location);
    }
    if (memoryWarning) loaded = { ...loaded, info: { ...loaded.info, memoryWarning } };
    if (calibration && !calibration.earlier && loaded.info.backend === 'webgpu') {
      try {
        loaded = await this.calibrate(loaded, calibration.key, transformers, options, located, started);
      } catch (error) {
        throw this.describeLoadError(error, options.source, located.location);
      }
    }
    return loaded;
  }

  /**
   * Whether `auto`'s WebGPU choice is to be calibrated, and an earlier calibration for it. Only local
   * weights of a known size up to CALIBRATION_MAX_WEIGHTS_BYTES are: a Hub model's size is not known
   * before it is fetched, and holding a large model twice costs more than the measurement tells.
   */
  private calibrationFor(decision: BackendDecision, located: LocatedModel, weights: ChosenWeights): { key: string; earlier?: CalibrationResult } | undefined {
    if (decision.backend !== 'webgpu' || !decision.adapter) return undefined;
    if (weights.weightsBytes <= 0 || weights.weightsBytes > CALIBRATION_MAX_WEIGHTS_BYTES) return undefined;
    const key = calibrationKey(decision.adapter, located.location, weights.weightsBytes);
    const earlier = this.calibrations.get(key);
    return earlier ? { key, earlier } : { key };
  }

  /**
   * Measures decoding on the WebGPU model just loaded and on the same model loaded for cpu, keeps
   * the faster, releases the other and remembers the verdict. A cpu load that fails keeps WebGPU.
   */
  private async calibrate(gpu: LoadedModel, key: string, transformers: TransformersModule, options: LoadOptions, located: LocatedModel, started: number): Promise<LoadedModel> {
    const cpuModel = (backend: BackendDecision): Promise<LoadedModel> => this.loadOn(transformers, options, located, this.weightsFor(located, options, 'cpu'), backend, started);
    let webgpuTokensPerSecond: number;
    try {
      webgpuTokensPerSecond = await measureDecodeSpeed(gpu);
    } catch (error) {
      // A GPU that loads but cannot run the model: cpu takes over, as when no adapter is found.
      await releaseModel(gpu);
      return cpuModel(loadFailedFallback(gpu.decision, 'cpu', error));
    }
    let cpu: LoadedModel;
    let cpuTokensPerSecond: number;
    try {
      cpu = await cpuModel({ ...gpu.decision, backend: 'cpu' }); // its decision is replaced by the verdict below
      cpuTokensPerSecond = await measureDecodeSpeed(cpu).catch(async (error: unknown) => {
        await releaseModel(cpu);
        throw error;
      });
    } catch {
      return gpu; // nothing to compare with: WebGPU stays, uncalibrated, and is measured at the next start
    }
    const result: CalibrationResult = { webgpuTokensPerSecond, cpuTokensPerSecond, measuredAt: new Date().toISOString().slice(0, 10) };
    this.calibrations.set(key, result);
    const verdict = calibratedBackend(gpu.decision, result, true);
    const [keep, release] = verdict.backend === 'webgpu' ? [gpu, cpu] : [cpu, gpu];
    await releaseModel(release);
    return { ...keep, decision: verdict, info: { ...keep.info, backendReason: describeDecision(verdict), loadMs: Math.round(performance.now() - started) } };
  }

  /** Loads the tokenizer and the model on one backend, with the attention taps, and reads its facts. */
  private async loadOn(transformers: TransformersModule, options: LoadOptions, located: LocatedModel, weights: ChosenWeights, backend: BackendDecision, started: number): Promise<LoadedModel> {
    const progress = (info: ProgressInfo): void => {
      if (info.status === 'progress_total') options.onProgress(info.name, info.progress / 100);
      else if (info.status === 'done') options.onProgress(info.file, 1);
    };
    const { modelId, config, location } = located;
    const { dtype } = weights;
    const record = backendRecord(backend.backend);
    const { loaded: [tokenizer, model], attentionUnavailableReason } = await loadWithAttentionTaps(record.cpuKernels, () => Promise.all([
      transformers.AutoTokenizer.from_pretrained(modelId, { progress_callback: progress }),
      transformers.AutoModelForCausalLM.from_pretrained(modelId, {
        dtype,
        device: record.transformersDevice,
        progress_callback: progress,
      }),
    ]));
    const shape = readModelShape(config);
    const vocab = tokenizer.get_vocab();
    const promptFormat = detectPromptFormat(config, (token) => vocab.get(token));
    const info: ModelInfo = {
      name: options.source.kind === 'folder' ? options.source.displayName : options.source.modelId,
      location,
      backend: backend.backend,
      backendReason: describeDecision(backend),
      ...(backend.fallbackFrom ? { backendFallback: true } : {}),
      runtimeDevices: devicesOnBuild(record.build),
      dtype,
      modelType: shape.modelType,
      parameters: shape.parameters ?? parametersFromFileSize(weights.weightsBytes, dtype),
      contextLength: shape.contextLength,
      vocabSize: shape.vocabSize,
      layers: shape.layers,
      heads: shape.heads,
      loadMs: Math.round(performance.now() - started),
      promptFamily: promptFormat.family,
      ...(attentionUnavailableReason ? { attentionUnavailableReason } : {}),
    };
    // generation_config.json may list more end tokens than config.json (Qwen2 instruct: <|im_end|>); generation stops on each.
    const generationConfig = (model as unknown as { generation_config?: { eos_token_id?: unknown } }).generation_config;
    const eosTokenIds = new Set<number>([...idList(config.eos_token_id), ...idList(generationConfig?.eos_token_id)]);
    const outputs = SessionOutputFilter.install(model);
    const summaryFormat = detectSummaryFormat(config, Boolean((tokenizer as unknown as { chat_template?: unknown }).chat_template));
    const completionStopTokenIds = new Set(promptFormat.stopStrings.map((text) => vocab.get(text)).filter((id): id is number => id !== undefined));
    return {
      model,
      tokenizer,
      info,
      decision: backend,
      transformers,
      outputs,
      eosTokenIds,
      promptFormat,
      completionStopTokenIds,
      summaryFormat,
      kvCache: new KvCacheReuse(transformers, record.keepsKvCache),
    };
  }

  /** Which weights `backend` runs: the first of its table record's preferred dtypes in the folder (or the one asked for). */
  private weightsFor(located: LocatedModel, options: LoadOptions, backend: Backend): ChosenWeights {
    return pickFolderWeights(located.folder, options.dtype, backend);
  }

  /** Where the model is, checked, with transformers.js pointed at it and at nothing else (a Hub model is fetched into its folder first). */
  private async locate(options: LoadOptions, transformers: TransformersModule): Promise<LocatedModel> {
    const source = options.source;
    let folder: string;
    let location: string;
    if (source.kind === 'folder') {
      folder = source.path;
      location = source.path;
    } else {
      // A Hub model: the host only sends this source when the user allowed downloads.
      folder = (options.downloaded ?? (await this.fetchHub(options))).folder;
      location = `${parseHubUrl(source.hubUrl).url}/${source.modelId}${revisionLabel(source.revision)}`;
    }
    const config = checkModelFolder(folder, (modelType) => isCausalLmType(transformers, modelType));
    // A file missing from the folder is an error, never a download: no remote models, no cache of
    // an earlier Hub load, and the folder's absolute path as the id (transformers.js never sends
    // a path to a hub, and a folder name that is no valid Hub id is still read from the folder).
    const { env } = transformers;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    return { modelId: folder, config, location, folder };
  }

  private describeLoadError(error: unknown, source: ModelSource, location: string): LensError {
    if (error instanceof LensError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (source.kind === 'hub') {
      return new LensError('DOWNLOAD_FAILED', `Could not load ${source.modelId}${revisionLabel(source.revision)} from ${source.hubUrl}: ${message}`);
    }
    return new LensError('MODEL_INVALID', `The model in ${location} could not be loaded (${message}). Its files may be damaged or of an unsupported kind.`);
  }
}

/** Whether transformers.js has a causal language model class for `modelType`. */
function isCausalLmType(transformers: TransformersModule, modelType: string): boolean {
  const mappings = (transformers.AutoModelForCausalLM as unknown as { MODEL_CLASS_MAPPINGS?: readonly ReadonlyMap<string, unknown>[] }).MODEL_CLASS_MAPPINGS;
  // A runtime that no longer exposes its table is trusted to say so itself when the session loads.
  return !mappings || mappings.some((mapping) => mapping.has(modelType));
}

/** `@revision` for messages and locations, empty for `main`. */
function revisionLabel(revision: string): string {
  return revision === 'main' ? '' : `@${revision}`;
}
